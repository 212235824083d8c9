"""A scenario's deterministic daily inputs, laid out as arrays for the engines.

Everything here is the same for every member: schedules evaluated on each day,
planned maintenance, seasonal demand, balancing caps, and index maps. What
differs between members (delays, outages, shocks, demand multipliers) comes
from :mod:`flowsim.sampling`. Daily quantities are in the annual unit per day
(bcm or Mt). Daily quantities are kept as annual rates (bcm/yr, Mt/yr): the
engines divide by the days of the year only when they report a day or sum a
year, so one day's bounds compare in one unit. Arrays over days have shape
(..., days).
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.plan_contracts import ContractPlan
from flowsim.plan_prices import PricePlan
from flowsim.plan_storage import StoragePlan
from flowsim.scenario.route import Cargoes, Maintenance, Route
from flowsim.scenario.schedules import annual_rates
from flowsim.scenario.tree import Scenario, Seasonality
from flowsim.timeline import Calendar
from flowsim.variables import COMMODITIES

__all__ = ["Plan"]


def _max_delay(route: Route) -> int:
    delay = route.commissioning_delay
    if delay is None:
        return 0
    return int((delay.days if delay.distribution == "fixed" else delay.max_days) or 0)


def _min_delay(route: Route) -> int:
    delay = route.commissioning_delay
    if delay is None:
        return 0
    return int((delay.days if delay.distribution == "fixed" else delay.min_days) or 0)


Window = tuple[int, int, float]
"""A planned outage: first day, day after the last (both within the horizon), derate."""


def maintenance_windows(windows: list[Maintenance], calendar: Calendar) -> tuple[Window, ...]:
    """Every occurrence of a route's maintenance windows that touches the horizon.

    A window repeated on 29 February falls on 28 February in common years.
    """
    out: list[Window] = []
    last = calendar.date_of(calendar.n_days - 1)
    for window in windows:
        stop = window.until or last
        year = window.start.year
        while True:
            leap_day = (window.start.month, window.start.day) == (2, 29)
            day = 28 if leap_day and not calendar_module.isleap(year) else window.start.day
            start = dt.date(year, window.start.month, day)
            if start > stop:
                break
            first = calendar.day_of(start)
            begin, end = max(first, 0), min(first + window.duration_days, calendar.n_days)
            if begin < end:
                out.append((begin, end, window.derate_fraction))
            if window.every_years is None:
                break
            year += window.every_years
    return tuple(out)


def _maintenance_factor(windows: tuple[Window, ...], days: int) -> FloatArray:
    """Availability left by planned maintenance on each day, shape (days,)."""
    factor = np.ones(days)
    for begin, end, derate in windows:
        factor[begin:end] *= 1.0 - derate
    return factor


@dataclass(frozen=True)
class Plan:
    """Deterministic arrays of one scenario (routes, sources and shocks sorted by id)."""

    calendar: Calendar
    routes: tuple[str, ...]
    sources: tuple[str, ...]
    shocks: tuple[str, ...]
    commodities: tuple[str, ...]
    route_commodity: IntArray
    """Index into ``commodities`` of each route, shape (routes,)."""
    route_source: IntArray
    """Index into ``sources`` of each route, shape (routes,)."""
    dispatch_order: tuple[tuple[int, ...], ...]
    """Route indices of each commodity in dispatch order."""
    loss: FloatArray
    """Share of a route's flow lost on the way: its own loss and its arcs' compounded
    (exactly its own without arcs), shape (routes,)."""
    pad: int
    """Longest possible commissioning delay of any route, days."""
    capacity_rate: FloatArray
    """Capacity rate on days -pad..days-1, shape (routes, pad + days)."""
    has_contract: BoolArray
    """Whether each route has a contract, shape (routes,)."""
    acq_rate: FloatArray
    """ACQ rate on days -pad..days-1 (0 without contract), shape (routes, pad + days);
    commissioning delays do not shift it."""
    flexibility: FloatArray
    """Daily flexibility of each contract (1.0 without contract), shape (routes,)."""
    spread: FloatArray
    """Factor on each contract's daily quantity in each year: days of the year over its
    planned operating days where the contract is spread over them, else 1, shape
    (routes, years)."""
    windows: tuple[tuple[Window, ...], ...]
    """Each route's planned maintenance windows."""
    maintenance: FloatArray
    """Availability left by planned maintenance, shape (routes, days)."""
    cargoes: tuple[Cargoes | None, ...]
    """Each route's cargo detail (used by the DES engine only)."""
    outage_derate: FloatArray
    """Derate while a forced outage lasts (0 without outage model), shape (routes,)."""
    production: FloatArray
    """Production rate of each source (inf: unlimited), shape (sources, days)."""
    source_limited: BoolArray
    """Whether each source has a production schedule, shape (sources,)."""
    demand: FloatArray
    """Demand rate with seasonality, before multipliers (inf: no demand block),
    shape (commodities, days)."""
    has_demand: BoolArray
    """Whether each commodity has a demand block, shape (commodities,)."""
    balancing: FloatArray
    """Balancing cap rate (inf: unlimited, 0: none), shape (commodities, days)."""
    multiplier_column: IntArray
    """Column of each commodity in ``Realisations.demand_multiplier``."""
    shock_derate: FloatArray
    """Derate of each shock, shape (shocks,)."""
    shock_routes: BoolArray
    """Routes each shock hits, shape (shocks, routes)."""
    shock_sources: BoolArray
    """Sources each shock hits, shape (shocks, sources)."""
    arcs: tuple[str, ...]
    """Shared arcs, sorted by id."""
    dispatch_groups: tuple[tuple[tuple[int, ...], ...], ...]
    """Route indices of each commodity by dispatch group: routes of one priority, in
    priority order (routes within a group by id)."""
    share: FloatArray
    """China share of each route on days 0..days-1 (1: all to China), shape (routes, days)."""
    shared: BoolArray
    """Whether each route is a lane that also serves other buyers (it has a China share
    schedule): China's demand does not hold its flow back, shape (routes,)."""
    arc_use: FloatArray
    """Volume on each arc per unit of each route's flow (the part of the flow left by the
    losses of the arcs upstream of it; 0: not on the path), shape (routes, arcs)."""
    arc_capacity_rate: FloatArray
    """Capacity rate of each arc, shape (arcs, days)."""
    arc_windows: tuple[tuple[Window, ...], ...]
    """Each arc's planned maintenance windows."""
    arc_maintenance: FloatArray
    """Availability left by planned maintenance of each arc, shape (arcs, days)."""
    arc_outage_derate: FloatArray
    """Derate while an arc's forced outage lasts (0 without outage model), shape (arcs,)."""
    shock_arcs: BoolArray
    """Arcs each shock hits, shape (shocks, arcs)."""
    storage: StoragePlan
    """Each commodity's storage pool."""
    contracts: ContractPlan
    """Each route's contract by contract year."""
    consumption: FloatArray
    """China's consumption rate (NaN: not given), shape (commodities, days)."""
    home_production: FloatArray
    """China's domestic production rate (NaN: not given), shape (commodities, days)."""
    arc_commodity: IntArray
    """Index into ``commodities`` of each arc, shape (arcs,)."""
    prices: PricePlan
    """Each route's contract price and transit fees by month."""

    def annual_mean(self, rates: FloatArray) -> FloatArray:
        """Each year's mean of daily ``rates`` (rows, days): shape (years, rows)."""
        cal = self.calendar
        result: FloatArray = (cal.yearly_sum(rates) / cal.days_in_year).T
        return result.reshape(cal.n_years, len(rates))

    @property
    def n_days(self) -> int:
        return self.calendar.n_days

    def widths(self) -> dict[str, int]:
        """Length of each result axis: routes, commodities, sources, arcs."""
        return {
            "route": len(self.routes),
            "commodity": len(self.commodities),
            "source": len(self.sources),
            "arc": len(self.arcs),
        }

    @cached_property
    def annual_arc_capacity(self) -> FloatArray:
        """Nominal capacity of each arc in each year (no delays), shape (years, arcs)."""
        return self.annual_mean(self.arc_capacity_rate)

    def idle_routes(self, scenario: Scenario) -> list[str]:
        """Routes of ``scenario`` with no capacity on any day of the horizon, even at their
        shortest commissioning delay (never built, built after the horizon, or delayed past it).
        """
        idle = []
        for r, rid in enumerate(self.routes):
            start = self.pad - _min_delay(scenario.routes[rid])
            if not self.capacity_rate[r, start : start + self.n_days].any():
                idle.append(rid)
        return idle

    def __getstate__(self) -> dict[str, object]:
        """What pickling sends (to a worker): the fields, not the arrays derived from them."""
        derived = {"limit_rate", "contract_quantity", "annual_contract", "annual_arc_capacity"}
        return {k: v for k, v in self.__dict__.items() if k not in derived}

    @cached_property
    def limit_rate(self) -> FloatArray:
        """The most each contract allows on a day, as an annual rate: ACQ x daily
        flexibility x :attr:`spread` (0 without contract), shape (routes, pad + days).
        Derived where it is used (on the workers), so the plan travels small."""
        limit = self.acq_rate * self.flexibility[:, None]
        limit[:, self.pad :] *= self.spread[:, self.calendar.year_index]
        return limit

    @cached_property
    def contract_quantity(self) -> FloatArray:
        """What each contract's seller must make available on each day, an annual rate: the
        ACQ x :attr:`spread`, weighted by what planned maintenance leaves where the ACQ is
        spread over operating days (0 without contract), shape (routes, days). Derived
        where it is used, like :attr:`limit_rate`."""
        quantity = self.acq_rate[:, self.pad :] * self.spread[:, self.calendar.year_index]
        operating = self.contracts.operating_days[:, None]
        result: FloatArray = np.where(operating, quantity * self.maintenance, quantity)
        return result

    @cached_property
    def annual_contract(self) -> FloatArray:
        """Annual contract quantity of each route (0 without contract), shape (years, routes).

        It does not depend on the member: commissioning delays do not shift it.
        """
        cal = self.calendar
        acq = cal.yearly_sum(self.acq_rate[:, self.pad :]) / cal.days_in_year
        result: FloatArray = np.where(self.has_contract[:, None], acq, 0.0).T
        return result

    @classmethod
    def of(cls, scenario: Scenario) -> Plan:
        """Lay out ``scenario``'s deterministic inputs."""
        cal = Calendar.of(scenario.horizon)
        routes = tuple(sorted(scenario.routes))
        sources = tuple(sorted(scenario.sources))
        shocks = tuple(sorted(scenario.shocks))
        used = {r.commodity for r in scenario.routes.values()} | set(scenario.demand)
        commodities = tuple(c for c in COMMODITIES if c in used)
        pad = max((_max_delay(scenario.routes[r]) for r in routes), default=0)
        padded_days = cal.first_ordinal - pad + np.arange(pad + cal.n_days, dtype=np.int64)
        capacity = np.array(
            [annual_rates(scenario.routes[r].capacity, padded_days) for r in routes]
        )
        acq = np.array(
            [
                annual_rates(deal.acq if (deal := scenario.routes[r].contract) else [], padded_days)
                for r in routes
            ]
        )
        production = np.full((len(sources), cal.n_days), np.inf)
        for s, sid in enumerate(sources):
            schedule = scenario.sources[sid].production
            if schedule is not None:
                production[s] = annual_rates(schedule, cal.ordinals)
        demand = np.full((len(commodities), cal.n_days), np.inf)
        balancing = np.zeros((len(commodities), cal.n_days))
        consumption = np.full((len(commodities), cal.n_days), np.nan)
        home_production = np.full((len(commodities), cal.n_days), np.nan)
        for c, commodity in enumerate(commodities):
            block = scenario.demand.get(commodity)
            if block is not None:
                if block.consumption is not None:
                    consumption[c] = annual_rates(block.consumption, cal.ordinals)
                if block.production is not None:
                    home_production[c] = annual_rates(block.production, cal.ordinals)
                if block.annual is not None:
                    imports = annual_rates(block.annual, cal.ordinals)
                else:  # the validator makes sure both are there
                    imports = np.maximum(consumption[c] - home_production[c], 0.0)
                demand[c] = imports * _seasonal(block.seasonality, cal)
            bal = scenario.balancing.get(commodity)
            if bal is not None:
                balancing[c] = np.inf if bal.cap is None else annual_rates(bal.cap, cal.ordinals)
        shock_routes = np.zeros((len(shocks), len(routes)), dtype=bool)
        shock_sources = np.zeros((len(shocks), len(sources)), dtype=bool)
        for k, sid in enumerate(shocks):
            hit = set(scenario.shock_routes(sid))
            shock_routes[k] = [r in hit for r in routes]
            shock_sources[k] = [s in scenario.shocks[sid].sources for s in sources]
        route_objs = [scenario.routes[r] for r in routes]
        windows = tuple(maintenance_windows(r.maintenance, cal) for r in route_objs)
        arcs = tuple(sorted(scenario.arcs))
        arc_objs = [scenario.arcs[a] for a in arcs]
        arc_windows = tuple(maintenance_windows(a.maintenance, cal) for a in arc_objs)
        arc_use = np.zeros((len(routes), len(arcs)))
        keep = np.array([1.0 - r.own_use_loss_fraction for r in route_objs])
        for r, route in enumerate(route_objs):
            reaching = 1.0  # what is left of a unit of flow as it enters each arc
            for aid in route.arcs:
                arc_use[r, arcs.index(aid)] = reaching
                reaching *= 1.0 - scenario.arcs[aid].own_use_loss_fraction
            keep[r] *= reaching
        share = np.ones((len(routes), cal.n_days))
        for r, route in enumerate(route_objs):
            if route.china_share is not None:
                share[r] = annual_rates(route.china_share, cal.ordinals)
        maintenance = np.array([_maintenance_factor(w, cal.n_days) for w in windows]).reshape(
            len(routes), cal.n_days
        )
        acq = acq.reshape(len(routes), pad + cal.n_days)
        spread = np.ones((len(routes), cal.n_years))
        for i, route in enumerate(route_objs):
            if route.contract is not None and route.contract.spread_over == "operating_days":
                spread[i] = _operating_spread(windows[i], cal)
        return cls(
            calendar=cal,
            routes=routes,
            sources=sources,
            shocks=shocks,
            commodities=commodities,
            route_commodity=np.array([commodities.index(r.commodity) for r in route_objs]),
            route_source=np.array([sources.index(r.source) for r in route_objs]),
            dispatch_order=tuple(
                tuple(routes.index(r) for r in scenario.routes_of(c)) for c in commodities
            ),
            loss=np.array(
                [
                    1.0 - keep[r] if route.arcs else route.own_use_loss_fraction
                    for r, route in enumerate(route_objs)
                ]
            ),
            pad=pad,
            capacity_rate=capacity.reshape(len(routes), pad + cal.n_days),
            has_contract=np.array(
                [scenario.routes[r].contract is not None for r in routes], dtype=bool
            ),
            acq_rate=acq,
            flexibility=np.array(
                [r.contract.daily_flexibility if r.contract else 1.0 for r in route_objs]
            ),
            spread=spread,
            windows=windows,
            maintenance=maintenance,
            cargoes=tuple(r.cargoes for r in route_objs),
            outage_derate=np.array(
                [r.forced_outages.derate_fraction if r.forced_outages else 0.0 for r in route_objs]
            ),
            production=production,
            source_limited=np.array(
                [scenario.sources[s].production is not None for s in sources], dtype=bool
            ),
            demand=demand,
            has_demand=np.array([c in scenario.demand for c in commodities], dtype=bool),
            balancing=balancing,
            multiplier_column=np.array([COMMODITIES.index(c) for c in commodities], dtype=np.int64),
            shock_derate=np.array([scenario.shocks[s].derate_fraction for s in shocks]),
            shock_routes=shock_routes,
            shock_sources=shock_sources,
            arcs=arcs,
            dispatch_groups=tuple(
                _groups([routes.index(r) for r in scenario.routes_of(c)], route_objs)
                for c in commodities
            ),
            share=share,
            shared=np.array([r.china_share is not None for r in route_objs], dtype=bool),
            arc_use=arc_use,
            arc_capacity_rate=np.array(
                [annual_rates(a.capacity, cal.ordinals) for a in arc_objs]
            ).reshape(len(arcs), cal.n_days),
            arc_windows=arc_windows,
            arc_maintenance=np.array(
                [_maintenance_factor(w, cal.n_days) for w in arc_windows]
            ).reshape(len(arcs), cal.n_days),
            arc_outage_derate=np.array(
                [a.forced_outages.derate_fraction if a.forced_outages else 0.0 for a in arc_objs]
            ),
            shock_arcs=np.array(
                [[a in scenario.shocks[k].arcs for a in arcs] for k in shocks], dtype=bool
            ).reshape(len(shocks), len(arcs)),
            storage=StoragePlan.of(scenario, commodities, cal),
            contracts=ContractPlan.of(route_objs, acq[:, pad:], cal),
            consumption=consumption,
            home_production=home_production,
            arc_commodity=np.array(
                [commodities.index(a.commodity) for a in arc_objs], dtype=np.int64
            ),
            prices=PricePlan.of(scenario, routes, cal),
        )


def _operating_spread(windows: tuple[Window, ...], cal: Calendar) -> FloatArray:
    """Factor that spreads each year's ACQ over its planned operating days: the days of
    the year over the days weighted by what planned maintenance leaves (a full stop
    counts 0, a half derate 1/2), shape (years,)."""
    planned = cal.yearly_sum(_maintenance_factor(windows, cal.n_days))
    with np.errstate(divide="ignore"):
        result: FloatArray = np.where(planned > 0, cal.days_in_year / planned, 1.0)
    return result


def _groups(order: list[int], routes: list[Route]) -> tuple[tuple[int, ...], ...]:
    """``order`` (route indices in dispatch order) cut where the priority changes."""
    groups: list[list[int]] = []
    for r in order:
        if groups and routes[groups[-1][0]].priority == routes[r].priority:
            groups[-1].append(r)
        else:
            groups.append([r])
    return tuple(tuple(g) for g in groups)


def _seasonal(seasonality: Seasonality | None, cal: Calendar) -> FloatArray:
    """Seasonal factor of each day, rescaled so each year's factors sum to its day count."""
    if seasonality is None:
        return np.ones(cal.n_days)
    weights = np.asarray(seasonality.monthly_weights, dtype=np.float64)
    raw = weights[cal.month_index]
    per_year = cal.yearly_sum(raw)
    result: FloatArray = raw * (cal.days_in_year / per_year)[cal.year_index]
    return result
