"""The SimPy discrete-event engine: one member at a time, as processes.

The readable reference of the model at event level. For one member it builds:

- a **route process** per route and an **arc process** per shared arc, idle
  until an outage, maintenance or shock process interrupts it; the
  interrupt's cause (:class:`Derate`) switches a derate on or off, and the
  element's availability is the product of those on
  (:mod:`flowsim.engines.des_network`);
- a **commissioning process** per route: the event of its first capacity;
- **maintenance**, **outage** and **shock processes** that replay the plan's
  windows and the member's sampled realisation as timed interrupts of routes
  and arcs (a shock on a source derates the source instead);
- a **morning process** that refills each limited supply basin with the day's
  (derated) production and each shared arc with the day's capacity times its
  availability: the routes they feed draw these down as the day is cleared;
- a **dispatcher** that clears each day at noon by docs/model.md, "One day"
  (dispatch groups over shared arcs, :mod:`flowsim.engines.des_day`);
- a **year-end process** that closes each year's accounts (annual sums,
  contract quantity against deliveries, N-1, the arcs' books).

Derates change at the start of a day (t), sources and arcs refill at t + 0.25,
cargoes arrive at t + 0.4, the dispatcher clears at t + 0.5 and the year closes
at t + 0.75 of its last day. Events of an arc show in the trace with ``arc:ID``
in the route column (a source's with ``source:ID``).

A seaborne route with ``cargoes`` in its scenario moves its volume as cargoes
(see :class:`flowsim.scenario.route.Cargoes`): its flow (bounded as any
route's, but not by demand) fills cargoes and draws on its arcs on the day it
is loaded; a cargo arrives with its flow less the route's losses (its own and
its arcs'), and of that only the route's China share *on the arrival day*
enters the terminal that serves demand (and is the trace's ``cargo_arrived``
size). ``cargoes=False`` makes it flow continuously, exactly as in the core.
The engine replays exactly the realisations the core engine does, and its
daily flows equal the core's to rounding (the cross-check tests hold them to
1e-9 relative).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from flowsim.arrays import FloatArray
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.scenario.route import Cargoes
from flowsim.variables import (
    ANNUAL_ARC,
    ANNUAL_COMMODITY,
    ANNUAL_ROUTE,
    BINDING,
    DAILY,
    ENGINE_ANNUAL,
    MONTHLY,
    PEAK_DAY,
    UNMET_SHARE,
    names,
)

from .des_day import COMMODITY_DAILY, Clearing
from .des_network import MAINTENANCE, OUTAGE, SHOCK, Arc, Derate, Element, Route, availability
from .des_storage import POOL_DAILY, Pool, daily_books

__all__ = ["ENGINE", "Derate", "TraceEvent", "simulate_chunk", "simulate_member"]


MORNING, ARRIVAL, NOON, EVENING = 0.25, 0.4, 0.5, 0.75


@dataclass(frozen=True)
class TraceEvent:
    """One event of a member's run, for the event trace."""

    member: int
    day: int
    route: str
    kind: str
    size: float
    detail: str = ""


class _CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (for the benchmarks)."""

    processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


class _Member:
    """The SimPy model of one member.

    Inputs are read from plain Python lists (one per route, arc, source or
    commodity, indexed by day) and the day's values are recorded the same way
    (:class:`~flowsim.engines.des_day.Clearing`): this engine is about clarity,
    and lists keep it quick enough.
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
        n_routes = len(plan.routes)
        self.routes = [Route(r, name) for r, name in enumerate(plan.routes)]
        self.arcs = [Arc(a, name, days=n) for a, name in enumerate(plan.arcs)]
        self.source_derates: list[dict[str, tuple[tuple[int, int], float]]] = [
            {} for _ in plan.sources
        ]
        self.source_availability = [1.0] * len(plan.sources)
        self.limited = [s for s, limited in enumerate(plan.source_limited) if limited]
        self.production = plan.production.tolist()
        factor = real.production_factor  # each year's factor on each source's production
        self.production_factor = None if factor is None else factor[i][cal.year_index].T.tolist()
        self.production_days = [list(row) for row in self.production]  # limited: refilled
        self.arc_capacity = plan.arc_capacity_rate.tolist()
        # cargo mode: what waits at each loading port, berths, and arrivals by day
        self.cargoes = [c if cargoes else None for c in plan.cargoes]
        self.port_stock = [0.0] * n_routes
        self.berths = [
            simpy.Resource(self.env, c.berths) if c is not None and c.berths else None
            for c in self.cargoes
        ]
        self.arrivals: list[dict[int, float]] = [{} for _ in range(n_routes)]
        self.terminal = [0.0] * n_routes  # arrived volume not yet taken by demand
        self.pools = [
            Pool(self.env, plan, c) if plan.storage.present[c] else None
            for c in range(len(plan.commodities))
        ]
        self.books = Clearing(
            plan,
            real,
            i,
            (self.routes, self.arcs, self.pools),
            [c is not None for c in self.cargoes],
            self.deliver_cargoes,
        )
        widths = plan.widths()
        self.annual = {
            v.name: np.zeros((cal.n_years, widths[v.axis]))
            for v in (*ANNUAL_ROUTE, *ANNUAL_COMMODITY, *ANNUAL_ARC)
        }
        self.annual["consumption"][:] = plan.annual_mean(plan.consumption)
        self.annual["domestic_production"][:] = plan.annual_mean(plan.home_production)

    def record(self, day: int, route: str, kind: str, size: float, detail: str = "") -> None:
        if self.trace is not None:
            member = int(self.real.members[self.i])
            self.trace.append(TraceEvent(member, day, route, kind, size, detail))

    # --- processes -----------------------------------------------------------

    def element_process(self, element: Element) -> Generator[Any, Any, None]:
        """A route's or an arc's: idle until interrupted; each interrupt switches one
        derate on or off."""
        while True:
            try:
                yield self.env.event()  # never fires: the element changes only when interrupted
            except simpy.Interrupt as interrupt:
                cause = interrupt.cause
                assert isinstance(cause, Derate)
                element.apply(cause)

    def commissioning(self, route: Route) -> Generator[Any, Any, None]:
        """The event of the route's first capacity (after its commissioning delay);
        a route already carrying on the first day is ``in_service``."""
        rates = self.books.capacity[route.index]
        first = next((t for t, rate in enumerate(rates) if rate > 0), None)
        if first is not None:
            yield self.env.timeout(first)
            kind = "in_service" if first == 0 else "commissioned"
            self.record(first, route.name, kind, rates[first])

    def switch(
        self,
        windows: list[tuple[int, int]],
        cause: Derate,
        elements: list[Element],
        sources: list[int],
    ) -> Generator[Any, Any, None]:
        """Derate ``elements`` (by interrupt) and ``sources`` during each (begin, end) window;
        ``cause`` is the derate switched on."""
        off = Derate(cause.key, cause.fraction, False, cause.rank)
        for begin, end in windows:
            yield self.env.timeout(begin - self.env.now)
            self._set(cause, elements, sources)
            yield self.env.timeout(end - self.env.now)
            self._set(off, elements, sources)

    def _set(self, cause: Derate, elements: list[Element], sources: list[int]) -> None:
        day = int(self.env.now)
        key, fraction = cause.key, cause.fraction
        kind = key.split(":")[0] + ("_start" if cause.on else "_end")
        for element in elements:
            element.process.interrupt(cause)
            self.record(day, element.label, kind, fraction, key)
        for s in sources:
            if cause.on:
                self.source_derates[s][key] = (cause.rank, fraction)
            else:
                self.source_derates[s].pop(key, None)
            self.source_availability[s] = availability(self.source_derates[s])
            self.record(day, f"source:{self.plan.sources[s]}", kind, fraction, key)

    def morning(self) -> Generator[Any, Any, None]:
        """Each morning, reset every limited source to the day's (derated) production and
        every arc to the day's capacity times availability: what was left yesterday does
        not keep."""
        yield self.env.timeout(MORNING)
        for t in range(self.days):
            for s in self.limited:
                rate = self.production[s][t] * self.source_availability[s]
                if self.production_factor is not None:
                    rate = rate * self.production_factor[s][t]
                self.production_days[s][t] = self.books.source_left[s] = rate
            for arc in self.arcs:
                arc.refill(t, self.arc_capacity[arc.index][t])
            yield self.env.timeout(1)

    def dispatcher(self) -> Generator[Any, Any, None]:
        """Clear every day at noon: routes by dispatch group, then balancing supply."""
        yield self.env.timeout(NOON)
        for t in range(self.days):
            self.books.day(t)
            yield self.env.timeout(1)

    def deliver_cargoes(self, r: int, t: int, flow: float, need: float) -> float:
        """Load route ``r``'s flow of day ``t`` into cargoes; returns what the cargoes
        arrived at its terminal deliver towards ``need`` (an annual rate)."""
        cargo = self.cargoes[r]
        assert cargo is not None
        self._load(self.routes[r], cargo, t, flow)
        diy = float(self.plan.calendar.days_in_year_of_day[t])
        stock = self.terminal[r] + self.arrivals[r].pop(t, 0.0)
        delivered = min(stock, need / diy) * diy
        self.terminal[r] = stock - delivered / diy
        return delivered

    def _load(self, route: Route, cargo: Cargoes, t: int, flow: float) -> None:
        """Add a day's flow (an annual rate) to the port; send off every full cargo."""
        r = route.index
        self.port_stock[r] += flow / float(self.plan.calendar.days_in_year_of_day[t])
        while self.port_stock[r] >= cargo.size:
            self.port_stock[r] -= cargo.size
            self.env.process(self.voyage(route, cargo))

    def voyage(self, route: Route, cargo: Cargoes) -> Generator[Any, Any, None]:
        """A full cargo: wait for a berth, load, sail, and arrive on the morning of day
        (berth day + loading_days + voyage_days), in time for that day's clearing; China's
        share of it enters the terminal."""
        berths = self.berths[route.index]
        request = berths.request() if berths is not None else None
        if request is not None:
            yield request
        start = int(self.env.now)
        self.record(start, route.name, "cargo_loading", cargo.size)
        yield self.env.timeout(cargo.loading_days)
        if berths is not None and request is not None:
            berths.release(request)
        leaves = min(start + cargo.loading_days, self.days - 1)
        month = int(self.plan.calendar.month_index[leaves]) + 1
        day = start + cargo.loading_days + cargo.voyage_days_leaving_in(month)
        yield self.env.timeout(day + ARRIVAL - self.env.now)
        if day < self.days:
            r = route.index
            share = self.books.share[r][day]
            volume = cargo.size * self.books.keep[r] * share
            self.arrivals[r][day] = self.arrivals[r].get(day, 0.0) + volume
            detail = f"China share {share:.6g}" if share != 1.0 else ""
            self.record(day, route.name, "cargo_arrived", volume, detail)

    def year_end(self) -> Generator[Any, Any, None]:
        """Close each year's accounts: annual sums, contract quantity, N-1, arcs."""
        plan, cal, books = self.plan, self.plan.calendar, self.books
        for y, (first, days) in enumerate(
            zip(cal.year_starts.tolist(), cal.days_in_year.tolist(), strict=True)
        ):
            last = first + days - 1
            end = last + 1
            yield self.env.timeout(last + EVENING - self.env.now)
            for r, name in enumerate(plan.routes):
                for var in ("delivered", "flow", "available"):
                    self.annual[var][y, r] = sum(books.route_days[var][r][first:end]) / days
                self.annual["capacity"][y, r] = sum(books.capacity[r][first:end]) / days
                availability = books.route_days["availability"][r][first:end]
                self.annual["outage_days"][y, r] = sum(a < 1.0 for a in availability)
                bounds = books.binding[r][first:end]
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
                self._close_commodity(y, c, first, end)
            for arc in self.arcs:
                a = arc.index
                self.annual["arc_flow"][y, a] = sum(arc.flow[first:end]) / days
                self.annual["arc_capacity"][y, a] = plan.annual_arc_capacity[y, a]
                self.annual["arc_available"][y, a] = sum(arc.available[first:end]) / days
                self.annual["arc_outage_days"][y, a] = sum(arc.derated[first:end])
                self.annual["arc_binding_days"][y, a] = sum(arc.full[first:end])

    def contract_years(self, r: int) -> Generator[Any, Any, None]:
        """Close route ``r``'s contract years, each on the evening of its last day (the last
        at the end of the horizon): its take, and the day's contract quantity less what the
        route could carry (at least 0), summed as volumes."""
        plan, books, cal = self.plan, self.books, self.plan.calendar
        quantity = books.quantity[r]
        flows, offered = books.route_days["flow"][r], books.route_days["offered"][r]
        starts = [*plan.contracts.year_start[r].tolist(), self.days]
        cuts = [*cal.year_starts.tolist(), self.days]  # days of a year are summed, then
        for y, (begin, end) in enumerate(itertools.pairwise(starts)):  # divided by its days
            yield self.env.timeout(end - 1 + EVENING - self.env.now)
            take = short = 0.0
            for first, stop in itertools.pairwise(sorted({begin, end, *cuts})):
                if begin <= first and stop <= end:
                    days = float(cal.days_in_year_of_day[first])
                    take += sum(flows[first:stop]) / days
                    lost = (max(0.0, quantity[t] - offered[t]) for t in range(first, stop))
                    short += sum(lost) / days
            self.annual["contract_take"][y, r] = take
            self.annual["contract_unavailable"][y, r] = short

    def _close_commodity(self, y: int, c: int, first: int, end: int) -> None:
        plan, books = self.plan, self.books
        order = plan.dispatch_order[c]
        if books.demand[c] is None:
            for name in ("demand", *PEAK_DAY):
                self.annual[name][y, c] = math.nan
            return
        days = end - first
        for var in COMMODITY_DAILY:
            self.annual[var][y, c] = sum(books.commodity_days[var][c][first:end]) / days
        demand = books.commodity_days["demand"][c]
        unmet = books.commodity_days["unmet"][c]
        self.annual["unmet_days"][y, c] = sum(
            unmet[t] > UNMET_SHARE * demand[t] for t in range(first, end)
        )
        peak = max(range(first, end), key=lambda t: (demand[t], -t))
        caps = [books.capacity[r][peak] for r in order]
        total = largest = 0.0
        for k, cap in enumerate(caps):  # route by route, in dispatch order
            total, largest = (cap, cap) if k == 0 else (total + cap, max(largest, cap))
        pool = self.pools[c]
        values = (demand[peak], peak - first, total, largest, pool.opening[peak] if pool else 0.0)
        for name, value in zip(PEAK_DAY, values, strict=True):
            self.annual[name][y, c] = value
        if pool is not None:
            for var in POOL_DAILY[:-1]:
                self.annual[var][y, c] = sum(pool.books[var][first:end]) / days
            self.annual["storage_level"][y, c] = pool.books["storage_level"][end - 1]
            winter = int(plan.storage.winter_end[y])
            self.annual["storage_level_winter_end"][y, c] = pool.books["storage_level"][winter]

    # --- the run ---------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        plan, real, env = self.plan, self.real, self.env
        for route in self.routes:
            route.process = env.process(self.element_process(route))
            env.process(self.commissioning(route))
        for arc in self.arcs:
            arc.process = env.process(self.element_process(arc))
        elements: list[tuple[list[Element], tuple[Any, ...], Events, FloatArray]] = [
            (list(self.routes), plan.windows, real.outages, plan.outage_derate),
            (list(self.arcs), plan.arc_windows, real.arc_outages, plan.arc_outage_derate),
        ]
        for kind, windows_of, events, derates in elements:
            outages = events.of(member=self.i)
            for element, windows in zip(kind, windows_of, strict=True):
                for w, (begin, end, fraction) in enumerate(windows):
                    cause = Derate(f"maintenance:{w}", fraction, True, (MAINTENANCE, w))
                    env.process(self.switch([(begin, end)], cause, [element], []))
                spans = _merged(outages.of(target=element.index), self.days)
                cause = Derate("outage", float(derates[element.index]), True, (OUTAGE, 0))
                env.process(self.switch(spans, cause, [element], []))
        shocks = real.shock_events.of(member=self.i)
        for k, name in enumerate(plan.shocks):
            hit: list[Element] = [self.routes[r] for r in np.flatnonzero(plan.shock_routes[k])]
            hit += [self.arcs[a] for a in np.flatnonzero(plan.shock_arcs[k])]
            sources = [int(s) for s in np.flatnonzero(plan.shock_sources[k])]
            spans = _merged(shocks.of(target=k), self.days)
            cause = Derate(f"shock:{name}", float(plan.shock_derate[k]), True, (SHOCK, k))
            env.process(self.switch(spans, cause, hit, sources))
        env.process(self.morning())
        env.process(self.dispatcher())
        env.process(self.year_end())
        for r in np.flatnonzero(plan.has_contract):
            env.process(self.contract_years(int(r)))
        env.run(until=self.days)
        return {**self.annual, **self._daily(), **self.books.monthly(), "events": env.processed}

    def _daily(self) -> dict[str, FloatArray]:
        """Daily values in bcm or Mt per day, shape (days, routes | commodities | sources)."""
        books = self.books
        diy = self.plan.calendar.days_in_year_of_day[:, None]
        out = {f"daily_{k}": np.array(v).T / diy for k, v in books.route_days.items()}
        out |= {f"daily_{k}": np.array(v).T / diy for k, v in books.commodity_days.items()}
        out["daily_production"] = np.array(self.production_days).reshape(-1, self.days).T / diy
        pools = daily_books(self.pools, self.days)
        out["daily_storage_level"] = pools.pop("storage_level")
        out |= {f"daily_{k}": v / diy for k, v in pools.items()}
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
    out = {name: np.stack([m[name] for m in members]) for name in names(ENGINE_ANNUAL)}
    out |= {MONTHLY: np.stack([m[MONTHLY] for m in members])} if MONTHLY in members[0] else {}
    if daily:
        for name in names(DAILY):
            out[f"daily_{name}"] = np.stack([m[f"daily_{name}"] for m in members])
    return out


class DesEngine:
    """The SimPy discrete-event engine (see :mod:`flowsim.engines`)."""

    name = "des"
    daily = True
    events = True
    route_years_per_second = 325.0  # docs/benchmarks.md: 25 member-years/s x 13 routes

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
