"""The SimPy discrete-event engine: one member at a time, as processes.

The readable reference of the model at event level. For one member it builds:

- a **route process** per route, idle until an outage, maintenance or shock
  process interrupts it; the interrupt's cause (:class:`Derate`) switches a
  derate on or off, and the route's availability is the product of those on;
- a **commissioning process** per route: the event of its first capacity;
- **maintenance**, **outage** and **shock processes** that replay the plan's
  windows and the member's sampled realisation as timed interrupts (a shock
  on a source derates the source instead);
- a **source** per limited supply basin, refilled each morning with the day's
  (derated) production, which the routes it feeds draw down in dispatch order;
- a **dispatcher** that clears each day at noon by docs/model.md, "One day";
- a **year-end process** that closes each year's accounts (annual sums,
  contract quantity against deliveries, N-1).

Derates change at the start of a day (t), sources refill at t + 0.25, cargoes
arrive at t + 0.4, the dispatcher clears at t + 0.5 and the year closes at
t + 0.75 of its last day. A seaborne route with ``cargoes`` in its scenario
moves its volume as cargoes (see :class:`flowsim.scenario.route.Cargoes`);
``cargoes=False`` makes it flow continuously, as in the core.
The engine replays exactly the realisations the core engine does, and its
daily flows equal the core's to rounding (the cross-check tests hold them to
1e-9 relative).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from flowsim.arrays import FloatArray
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.scenario.route import Cargoes
from flowsim.variables import ANNUAL, ANNUAL_COMMODITY, ANNUAL_ROUTE, BINDING, DAILY, names

__all__ = ["ENGINE", "Derate", "TraceEvent", "simulate_chunk", "simulate_member"]


MORNING, ARRIVAL, NOON, EVENING = 0.25, 0.4, 0.5, 0.75

_ROUTE_DAILY = ("flow", "delivered", "capacity", "available", "availability", "contract_limit")
_COMMODITY_DAILY = ("demand", "balancing", "unmet")
_CAPACITY, _OUTAGE, _CONTRACT, _SOURCE, _DEMAND = range(len(BINDING))


@dataclass(frozen=True)
class Derate:
    """What an interrupt carries: a derate of ``fraction`` switched on or off."""

    key: str
    """Which event: ``maintenance:3``, ``outage``, ``shock:cold_winter``."""
    fraction: float
    """Share of capacity lost while on."""
    on: bool


@dataclass(frozen=True)
class TraceEvent:
    """One event of a member's run, for the event trace."""

    member: int
    day: int
    route: str
    kind: str
    size: float
    detail: str = ""


@dataclass
class _Route:
    """A route's state, changed only through interrupts of its process."""

    index: int
    name: str
    derates: dict[str, float] = field(default_factory=dict)
    availability: float = 1.0
    """Product of (1 - derate) over the derates on; kept up to date by :meth:`apply`."""
    process: Any = None

    def apply(self, cause: Derate) -> None:
        if cause.on:
            self.derates[cause.key] = cause.fraction
        else:
            self.derates.pop(cause.key, None)
        self.availability = 1.0
        for fraction in self.derates.values():
            self.availability *= 1.0 - fraction


class _CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (for the benchmarks)."""

    processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


class _Member:
    """The SimPy model of one member.

    Inputs are read from plain Python lists (one per route, source or
    commodity, indexed by day) and the day's values are recorded the same way:
    this engine is about clarity, and lists keep it quick enough.
    """

    def __init__(
        self,
        plan: Plan,
        real: Realisations,
        i: int,
        trace: list[TraceEvent] | None,
        cargoes: bool,
    ) -> None:
        self.plan, self.real, self.i, self.trace = plan, real, i, trace
        self.env = _CountingEnvironment()
        cal = plan.calendar
        n = self.days = cal.n_days
        pad, delays = plan.pad, real.delay_days[i]
        n_routes, n_commodities = len(plan.routes), len(plan.commodities)
        self.routes = [_Route(r, name) for r, name in enumerate(plan.routes)]
        self.source_derates: list[dict[str, float]] = [{} for _ in plan.sources]
        self.limited = [s for s, limited in enumerate(plan.source_limited) if limited]
        self.source_left = [math.inf] * len(plan.sources)  # today's production not yet taken
        # inputs, day by day (annual rates)
        self.capacity = [
            plan.capacity_rate[r, pad - delays[r] : pad - delays[r] + n].tolist()
            for r in range(n_routes)
        ]
        self.limit = [
            (plan.acq_rate[r, pad:] * plan.flexibility[r]).tolist()
            if plan.has_contract[r]
            else None
            for r in range(n_routes)
        ]
        multipliers = real.demand_multiplier[i][cal.year_index]
        self.demand = [
            (plan.demand[c] * multipliers[:, plan.multiplier_column[c]]).tolist()
            if plan.has_demand[c]
            else None
            for c in range(n_commodities)
        ]
        self.balancing_cap = plan.balancing.tolist()
        self.production = plan.production.tolist()
        self.loss = plan.loss.tolist()
        # records, day by day
        self.route_days = {name: [[0.0] * n for _ in range(n_routes)] for name in _ROUTE_DAILY}
        self.binding = [[0] * n for _ in range(n_routes)]
        self.commodity_days = {
            name: [[0.0] * n for _ in range(n_commodities)] for name in _COMMODITY_DAILY
        }
        self.production_days = [list(row) for row in self.production]  # limited: refilled
        # cargo mode: what waits at each loading port, berths, and arrivals by day
        self.cargoes = [c if cargoes else None for c in plan.cargoes]
        self.port_stock = [0.0] * n_routes
        self.berths = [
            simpy.Resource(self.env, c.berths) if c is not None and c.berths else None
            for c in self.cargoes
        ]
        self.arrivals: list[dict[int, float]] = [{} for _ in range(n_routes)]
        self.terminal = [0.0] * n_routes  # arrived volume not yet taken by demand
        self.annual = {name: np.zeros((cal.n_years, n_routes)) for name in names(ANNUAL_ROUTE)}
        self.annual |= {
            name: np.zeros((cal.n_years, n_commodities)) for name in names(ANNUAL_COMMODITY)
        }

    def record(self, day: int, route: str, kind: str, size: float, detail: str = "") -> None:
        if self.trace is not None:
            member = int(self.real.members[self.i])
            self.trace.append(TraceEvent(member, day, route, kind, size, detail))

    # --- processes -----------------------------------------------------------

    def route_process(self, route: _Route) -> Generator[Any, Any, None]:
        """Idle until interrupted; each interrupt switches one derate on or off."""
        while True:
            try:
                yield self.env.event()  # never fires: the route changes only when interrupted
            except simpy.Interrupt as interrupt:
                cause = interrupt.cause
                assert isinstance(cause, Derate)
                route.apply(cause)

    def commissioning(self, route: _Route) -> Generator[Any, Any, None]:
        """The event of the route's first capacity (after its commissioning delay);
        a route already carrying on the first day is ``in_service``."""
        rates = self.capacity[route.index]
        first = next((t for t, rate in enumerate(rates) if rate > 0), None)
        if first is not None:
            yield self.env.timeout(first)
            kind = "in_service" if first == 0 else "commissioned"
            self.record(first, route.name, kind, rates[first])

    def switch(
        self,
        windows: list[tuple[int, int]],
        key: str,
        fraction: float,
        routes: list[_Route],
        sources: list[int],
    ) -> Generator[Any, Any, None]:
        """Derate ``routes`` (by interrupt) and ``sources`` during each (begin, end) window."""
        for begin, end in windows:
            yield self.env.timeout(begin - self.env.now)
            self._set(key, fraction, True, routes, sources)
            yield self.env.timeout(end - self.env.now)
            self._set(key, fraction, False, routes, sources)

    def _set(
        self, key: str, fraction: float, on: bool, routes: list[_Route], sources: list[int]
    ) -> None:
        day = int(self.env.now)
        kind = key.split(":")[0] + ("_start" if on else "_end")
        for route in routes:
            route.process.interrupt(Derate(key, fraction, on))
            self.record(day, route.name, kind, fraction, key)
        for s in sources:
            if on:
                self.source_derates[s][key] = fraction
            else:
                self.source_derates[s].pop(key, None)
            self.record(day, f"source:{self.plan.sources[s]}", kind, fraction, key)

    def sources_refill(self) -> Generator[Any, Any, None]:
        """Each morning, reset every limited source to the day's (derated) production:
        what was left yesterday does not keep."""
        yield self.env.timeout(MORNING)
        for t in range(self.days):
            for s in self.limited:
                rate = self.production[s][t]
                for fraction in self.source_derates[s].values():
                    rate *= 1.0 - fraction
                self.production_days[s][t] = self.source_left[s] = rate
            yield self.env.timeout(1)

    def dispatcher(self) -> Generator[Any, Any, None]:
        """Clear every day at noon: routes in dispatch order, then balancing supply."""
        yield self.env.timeout(NOON)
        for t in range(self.days):
            for c, order in enumerate(self.plan.dispatch_order):
                demand = self.demand[c]
                need = demand[t] if demand is not None else math.inf
                for r in order:
                    need = self._clear(self.routes[r], t, need)
                days = self.commodity_days
                if demand is None:
                    days["demand"][c][t] = math.nan
                else:
                    balancing = min(need, self.balancing_cap[c][t])
                    days["demand"][c][t] = demand[t]
                    days["balancing"][c][t] = balancing
                    days["unmet"][c][t] = need - balancing
            yield self.env.timeout(1)

    def _clear(self, route: _Route, t: int, need: float) -> float:
        """Dispatch one route on day ``t``; returns the demand it leaves."""
        r = route.index
        capacity = self.capacity[r][t]
        availability = route.availability
        available = capacity * availability
        limits = self.limit[r]
        limit = limits[t] if limits is not None else math.inf
        source = self.plan.route_source[r]
        source_left = self.source_left[source]
        loss = self.loss[r]
        cargo = self.cargoes[r]
        by_demand = need / (1.0 - loss) if loss else need
        flow = min(available, limit, source_left, math.inf if cargo else by_demand)
        if flow == available:
            bound = _OUTAGE if availability < 1.0 else _CAPACITY
        elif flow == limit:
            bound = _CONTRACT
        elif flow == source_left:
            bound = _SOURCE
        else:
            bound = _DEMAND
        delivered = flow * (1.0 - loss) if loss else flow
        if cargo is not None:  # the flow fills cargoes; arrivals serve demand from the terminal
            self._load(route, cargo, t, flow)
            diy = float(self.plan.calendar.days_in_year_of_day[t])
            stock = self.terminal[r] + self.arrivals[r].pop(t, 0.0)
            delivered = min(stock, need / diy) * diy
            self.terminal[r] = stock - delivered / diy
        days = self.route_days
        days["flow"][r][t] = flow
        days["delivered"][r][t] = delivered
        days["capacity"][r][t] = capacity
        days["available"][r][t] = available
        days["availability"][r][t] = availability
        days["contract_limit"][r][t] = limit
        self.binding[r][t] = bound
        if source_left != math.inf:  # routes sharing a source compete for what is left
            self.source_left[source] = source_left - flow
        return float(max(need - delivered, 0.0))

    def _load(self, route: _Route, cargo: Cargoes, t: int, flow: float) -> None:
        """Add a day's flow (an annual rate) to the port; send off every full cargo."""
        r = route.index
        self.port_stock[r] += flow / float(self.plan.calendar.days_in_year_of_day[t])
        while self.port_stock[r] >= cargo.size:
            self.port_stock[r] -= cargo.size
            self.env.process(self.voyage(route, cargo))

    def voyage(self, route: _Route, cargo: Cargoes) -> Generator[Any, Any, None]:
        """A full cargo: wait for a berth, load, sail, and arrive on the morning of day
        (berth day + loading_days + voyage_days), in time for that day's clearing."""
        berths = self.berths[route.index]
        request = berths.request() if berths is not None else None
        if request is not None:
            yield request
        start = int(self.env.now)
        self.record(start, route.name, "cargo_loading", cargo.size)
        yield self.env.timeout(cargo.loading_days)
        if berths is not None and request is not None:
            berths.release(request)
        day = start + cargo.loading_days + cargo.voyage_days
        yield self.env.timeout(day + ARRIVAL - self.env.now)
        volume = cargo.size * (1.0 - self.loss[route.index])
        if day < self.days:
            self.arrivals[route.index][day] = self.arrivals[route.index].get(day, 0.0) + volume
            self.record(day, route.name, "cargo_arrived", volume)

    def year_end(self) -> Generator[Any, Any, None]:
        """Close each year's accounts: annual sums, contract quantity, N-1."""
        plan, cal = self.plan, self.plan.calendar
        for y, (first, days) in enumerate(
            zip(cal.year_starts.tolist(), cal.days_in_year.tolist(), strict=True)
        ):
            last = first + days - 1
            yield self.env.timeout(last + EVENING - self.env.now)
            for r, name in enumerate(plan.routes):
                for var in ("delivered", "flow", "capacity", "available"):
                    self.annual[var][y, r] = sum(self.route_days[var][r][first : last + 1]) / days
                availability = self.route_days["availability"][r][first : last + 1]
                self.annual["outage_days"][y, r] = sum(a < 1.0 for a in availability)
                bounds = self.binding[r][first : last + 1]
                for b, bound in enumerate(BINDING):
                    self.annual[f"binding_{bound}_days"][y, r] = bounds.count(b)
                if plan.has_contract[r]:
                    acq = float(plan.annual_contract[y, r])
                    self.annual["contract"][y, r] = acq
                    delivered = float(self.annual["delivered"][y, r])
                    self.record(
                        last,
                        name,
                        "contract_year",
                        delivered,
                        f"ACQ {acq:.6g}, shortfall {max(0.0, acq - delivered):.6g}",
                    )
            for c in range(len(plan.commodities)):
                self._close_commodity(y, c, first, last + 1)

    def _close_commodity(self, y: int, c: int, first: int, end: int) -> None:
        plan = self.plan
        order = plan.dispatch_order[c]
        if self.demand[c] is None:
            self.annual["demand"][y, c] = math.nan
            self.annual["n_minus_1"][y, c] = math.nan
            return
        days = end - first
        for var in _COMMODITY_DAILY:
            self.annual[var][y, c] = sum(self.commodity_days[var][c][first:end]) / days
        demand = self.commodity_days["demand"][c]
        peak = max(range(first, end), key=lambda t: (demand[t], -t))
        caps = [self.route_days["capacity"][r][peak] for r in order]
        if not caps:
            self.annual["n_minus_1"][y, c] = math.nan
            return
        with np.errstate(all="ignore"):
            spare = np.float64(sum(caps) - max(caps))
            self.annual["n_minus_1"][y, c] = spare / np.float64(demand[peak])

    # --- the run ---------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        plan, real, env = self.plan, self.real, self.env
        for route in self.routes:
            route.process = env.process(self.route_process(route))
            env.process(self.commissioning(route))
        for r, windows in enumerate(plan.windows):
            for w, (begin, end, fraction) in enumerate(windows):
                key = f"maintenance:{w}"
                env.process(self.switch([(begin, end)], key, fraction, [self.routes[r]], []))
        outages = real.outages.of(member=self.i)
        for r in range(len(plan.routes)):
            spans = _merged(outages.of(target=r), self.days)
            fraction = float(plan.outage_derate[r])
            env.process(self.switch(spans, "outage", fraction, [self.routes[r]], []))
        shocks = real.shock_events.of(member=self.i)
        for k, name in enumerate(plan.shocks):
            routes = [self.routes[r] for r in np.flatnonzero(plan.shock_routes[k])]
            sources = [int(s) for s in np.flatnonzero(plan.shock_sources[k])]
            spans = _merged(shocks.of(target=k), self.days)
            env.process(
                self.switch(spans, f"shock:{name}", float(plan.shock_derate[k]), routes, sources)
            )
        env.process(self.sources_refill())
        env.process(self.dispatcher())
        env.process(self.year_end())
        env.run(until=self.days)
        return {**self.annual, **self._daily(), "events": env.processed}

    def _daily(self) -> dict[str, FloatArray]:
        """Daily values in bcm or Mt per day, shape (days, routes | commodities | sources)."""
        diy = self.plan.calendar.days_in_year_of_day[:, None]
        out = {f"daily_{k}": np.array(v).T / diy for k, v in self.route_days.items()}
        out |= {f"daily_{k}": np.array(v).T / diy for k, v in self.commodity_days.items()}
        out["daily_production"] = np.array(self.production_days).reshape(-1, self.days).T / diy
        return out


def _merged(events: Events, days: int) -> list[tuple[int, int]]:
    """Occurrences of one shock as disjoint (begin, end) day spans: overlaps do not compound."""
    spans: list[tuple[int, int]] = []
    for begin, length in sorted(zip(events.start.tolist(), events.duration.tolist(), strict=True)):
        end = min(begin + length, days)
        if spans and begin <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        elif begin < end:
            spans.append((begin, end))
    return spans


def simulate_member(
    plan: Plan,
    real: Realisations,
    i: int,
    trace: list[TraceEvent] | None = None,
    cargoes: bool = True,
) -> dict[str, Any]:
    """Simulate member ``i`` of ``real``: annual arrays (years, ...), daily ones
    (days, ...) and ``events``, the number of SimPy events processed.

    With ``cargoes`` (the default), seaborne routes that give cargo detail move
    their volume as cargoes; without, every route flows continuously, as in the
    core engine.
    """
    return _Member(plan, real, i, trace, cargoes).run()


def simulate_chunk(
    plan: Plan,
    real: Realisations,
    *,
    daily: bool = False,
    trace: list[TraceEvent] | None = None,
    cargoes: bool = True,
) -> dict[str, FloatArray]:
    """The members of ``real`` one after another, stacked as the core engine returns them."""
    members = [simulate_member(plan, real, i, trace, cargoes) for i in range(len(real.members))]
    out = {name: np.stack([m[name] for m in members]) for name in names(ANNUAL)}
    if daily:
        for name in names(DAILY):
            out[f"daily_{name}"] = np.stack([m[f"daily_{name}"] for m in members])
    return out


class DesEngine:
    """The SimPy discrete-event engine (see :mod:`flowsim.engines`)."""

    name = "des"
    daily = True
    events = True
    route_years_per_second = 800.0  # docs/benchmarks.md: 78-102 member-years/s x 9 routes

    def chunk_members(self, plan: Plan) -> int:
        return 1

    def simulate(
        self,
        plan: Plan,
        real: Realisations,
        *,
        daily: bool = False,
        trace: list[Any] | None = None,
        cargoes: bool = True,
    ) -> dict[str, FloatArray]:
        return simulate_chunk(plan, real, daily=daily, trace=trace, cargoes=cargoes)


ENGINE = DesEngine()
