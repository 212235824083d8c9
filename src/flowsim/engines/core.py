"""The vectorised numpy engine: members and days as array axes.

One call simulates one chunk of members; the caller chunks a large ensemble so
that working memory stays flat as members grow. Like the numba engine it runs
days in order, routes in dispatch order within them: here a *window* of days
at a time (a year), each route one pass over a (members, days of the window)
array (docs/model.md, "One day"). A storage level carries from day to day: a
pool's days are settled one after another against what the routes can deliver
(a few operations a day), then the routes run over the whole window against
demand plus each day's room (:mod:`flowsim.engines.core_day`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.engines.core_day import Books, Bounds, WindowClearing
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.variables import (
    ANNUAL_ARC,
    ANNUAL_COMMODITY,
    ANNUAL_ROUTE,
    ARC_FULL,
    DAILY,
    MONTHLY,
    PEAK_DAY,
    names,
)

__all__ = ["CHUNK_BYTES", "ENGINE", "simulate_chunk"]

CHUNK_BYTES = 4 << 20
"""Members per call: as many as make one (members, days of a year) float array about 4 MiB."""


def _shifted(rates: FloatArray, pad: int, delays: IntArray, first: int, days: int) -> FloatArray:
    """Rates on days ``first .. first + days - 1``, each member's shifted later by its delay:
    shape (M, days), or (1, days) if no member is delayed."""
    start = pad + first
    if not delays.any():
        return rates[None, start : start + days]
    windows = np.lib.stride_tricks.sliding_window_view(rates, days)
    shifted: FloatArray = windows[start - delays]
    return shifted


class _Window:
    """The member-specific masks of one window of days: shocks on, routes and arcs down.

    ``shocks``, ``outages`` and ``arc_outages``: the chunk's events of each shock,
    route and arc.
    """

    def __init__(
        self,
        plan: Plan,
        m: int,
        events: tuple[list[Events], list[Events], list[Events]],
        first: int,
        days: int,
    ) -> None:
        shocks, outages, arc_outages = events
        self.plan, self.first, self.days = plan, first, days
        self.shock_on = [e.active(m, days, first) for e in shocks]
        self.down = [e.active(m, days, first) if len(e) else None for e in outages]
        self.arc_down = [e.active(m, days, first) if len(e) else None for e in arc_outages]

    def factor(
        self, base: FloatArray, shocks: BoolArray, down: BoolArray | None, derate: float
    ) -> FloatArray:
        """``base`` (days,) times (1 - derate) where down and (1 - shock derate) where shocked.

        Shape (1, days) when nothing member-specific applies, else (M, days).
        """
        result = base[None, :]
        if down is not None:
            result = np.where(down, base * (1.0 - derate), base)
        for k in np.flatnonzero(shocks):
            result = np.where(self.shock_on[k], result * (1.0 - self.plan.shock_derate[k]), result)
        return result


def simulate_chunk(plan: Plan, real: Realisations, *, daily: bool = False) -> dict[str, FloatArray]:
    """Simulate the members of ``real``.

    Returns
    -------
    Arrays by name: route variables (M, years, routes), commodity variables (M, years,
    commodities; demand and the peak day's values are NaN for a commodity without a
    demand block), arc variables (M, years, arcs); with ``daily``, also ``daily_*``
    arrays (M, days, routes | commodities | sources) in bcm or Mt per day.
    """
    cal = plan.calendar
    m, years = len(real.members), cal.n_years
    out: dict[str, FloatArray] = {
        name: np.zeros((m, years, len(plan.routes))) for name in names(ANNUAL_ROUTE)
    }
    for name in names(ANNUAL_COMMODITY):
        out[name] = np.zeros((m, years, len(plan.commodities)))
    for name in names(ANNUAL_ARC):
        out[name] = np.zeros((m, years, len(plan.arcs)))
    out["contract"][:] = plan.annual_contract
    out["arc_capacity"][:] = plan.annual_arc_capacity
    out["consumption"][:] = plan.annual_mean(plan.consumption)
    out["domestic_production"][:] = plan.annual_mean(plan.home_production)
    if plan.prices.priced.any():
        out[MONTHLY] = np.zeros((m, 12 * years, len(plan.routes)))
    if daily:
        widths = plan.widths()
        for variable in DAILY:
            out[f"daily_{variable.name}"] = np.zeros((m, plan.n_days, widths[variable.axis]))
    events = (
        [real.shock_events.of(target=k) for k in range(len(plan.shocks))],
        [real.outages.of(target=r) for r in range(len(plan.routes))],
        [real.arc_outages.of(target=a) for a in range(len(plan.arcs))],
    )
    level = np.tile(plan.storage.initial, (m, 1))  # each member's storage levels
    for y, (first, days) in enumerate(zip(cal.year_starts, cal.days_in_year, strict=True)):
        window = _Window(plan, m, events, int(first), int(days))
        _simulate_window(plan, real, window, y, out, daily, level)
    return out


def _simulate_window(
    plan: Plan,
    real: Realisations,
    window: _Window,
    y: int,
    out: dict[str, FloatArray],
    daily: bool,
    level: FloatArray,
) -> None:
    """Year ``y`` (the window's days) of every member, into ``out``; ``level`` (M,
    commodities) holds each member's storage levels, carried to the next window."""
    m, first, n = len(real.members), window.first, window.days
    days = slice(first, first + n)
    books = Books(m)

    def put_daily(name: str, index: int, rates: FloatArray) -> None:
        if daily:
            out[f"daily_{name}"][:, days, index] = np.broadcast_to(rates, (m, n)) / n

    source_left: list[FloatArray | None] = []
    for s in range(len(plan.sources)):
        rate = window.factor(plan.production[s, days], plan.shock_sources[:, s], None, 0.0)
        if real.production_factor is not None:
            rate = rate * real.production_factor[:, y, s, None]
        limited = plan.source_limited[s]
        source_left.append(np.broadcast_to(rate, (m, n)).copy() if limited else None)
        put_daily("production", s, rate)

    arc_left, arc_available = [], []  # of each arc on each day, (M, days)
    for a in range(len(plan.arcs)):
        avail = window.factor(
            plan.arc_maintenance[a, days],
            plan.shock_arcs[:, a],
            window.arc_down[a],
            plan.arc_outage_derate[a],
        )
        rate = np.broadcast_to(plan.arc_capacity_rate[a, days] * avail, (m, n))
        arc_left.append(rate.copy())
        arc_available.append(rate)
        books.add("arc_available", a, rate)
        books.add("arc_outage_days", a, avail < 1.0)

    for c, groups in enumerate(plan.dispatch_groups):
        bounds = {r: _route_bounds(plan, real, window, y, r) for group in groups for r in group}
        for r, (cap, avail, cap_avail, limit) in bounds.items():
            books.add("capacity", r, cap)
            books.add("available", r, cap_avail)
            books.add("outage_days", r, avail < 1.0)
            if daily:
                put_daily("available", r, cap_avail)
                put_daily("contract_limit", r, np.full((1, n), np.inf) if limit is None else limit)
        offtake = None if real.offtake_factor is None else real.offtake_factor[:, y]
        day = WindowClearing(
            plan, c, (window.first, window.days), books, source_left, arc_left, bounds, offtake
        )
        if not plan.has_demand[c]:
            day.clear(None)
            for name in ("demand", *PEAK_DAY):
                out[name][:, y, c] = np.nan
            put_daily("demand", c, np.full((1, n), np.nan))
        else:
            _clear_demand(plan, real, window, day, y, c, out, level, put_daily)
        if MONTHLY in out:  # each month's deliveries, a volume
            starts = plan.calendar.month_starts[12 * y : 12 * y + 12] - window.first
            for r in bounds:
                months = np.add.reduceat(day.daily["delivered"][r], starts, axis=1)
                out[MONTHLY][:, 12 * y : 12 * y + 12, r] = months / n
        if daily:
            for name in ("flow", "delivered"):
                for r in bounds:
                    put_daily(name, r, day.daily[name][r])
            for name in ("balancing", "unmet", "storage_injection", "storage_withdrawal"):
                put_daily(name, c, day.daily[name][c])
    for a, left in enumerate(arc_left):
        books.add("arc_binding_days", a, left <= ARC_FULL * arc_available[a])
    books.close(out, y, n)


def _clear_demand(
    plan: Plan,
    real: Realisations,
    window: _Window,
    day: WindowClearing,
    y: int,
    c: int,
    out: dict[str, FloatArray],
    level: FloatArray,
    put_daily: Callable[[str, int, FloatArray], None],
) -> None:
    """Clear commodity ``c``, which has a demand block, over the window (with its storage
    pool, if it has one: :meth:`WindowClearing.clear_with_pool`)."""
    first, n = window.first, window.days
    days = slice(first, first + n)
    daily = "daily_demand" in out
    multiplier = real.demand_multiplier[:, y, plan.multiplier_column[c], None]
    demand = plan.demand[c, days] * multiplier
    day.books.add("demand", c, demand)
    put_daily("demand", c, demand)
    opening = np.zeros((len(real.members), n))  # the storage level at the start of each day
    if plan.storage.present[c]:
        pool = day.clear_with_pool(demand, level[:, c])
        opening, levels = pool["opening"], pool["level"]
        level[:, c] = levels[:, -1]
        out["storage_level"][:, y, c] = levels[:, -1]
        out["storage_level_winter_end"][:, y, c] = levels[:, plan.storage.winter_end[y] - first]
        if daily:
            out["daily_storage_level"][:, days, c] = levels
    else:
        day.clear(demand)
    capacities = [day.bounds[r][0] for r in plan.dispatch_order[c]]
    for name, values in zip(PEAK_DAY, _peak_day(demand, capacities, opening), strict=True):
        out[name][:, y, c] = values


def _route_bounds(plan: Plan, real: Realisations, window: _Window, y: int, r: int) -> Bounds:
    """What route ``r``'s own stretch and contract allow over the window (in year ``y``)."""
    first, n = window.first, window.days
    days = slice(first, first + n)
    cap = _shifted(plan.capacity_rate[r], plan.pad, real.delay_days[:, r], first, n)
    if real.capacity_factor is not None:
        cap = cap * real.capacity_factor[:, y, r, None]
    avail = window.factor(
        plan.maintenance[r, days], plan.shock_routes[:, r], window.down[r], plan.outage_derate[r]
    )
    limit = None
    if plan.has_contract[r]:
        limit = plan.limit_rate[r, None, plan.pad + first : plan.pad + first + n]
        if real.offtake_factor is not None:  # the buyer's nominations of the year
            limit = limit * real.offtake_factor[:, y, r, None]
    return cap, avail, cap * avail, limit


def _peak_day(
    demand: FloatArray, capacities: list[FloatArray], opening: FloatArray
) -> tuple[FloatArray, ...]:
    """Each member's values on the year's (first) peak-demand day, each shape (M,): the
    demand, the day (from 1 January), the routes' nominal capacity in all and the largest
    one's (added route by route in dispatch order), and the storage level at its start.
    Arrays (members or 1, days of the year)."""
    m = demand.shape[0]
    rows = np.arange(m)
    peak = np.argmax(demand, axis=1)
    supply = [np.broadcast_to(cap, demand.shape)[rows, peak] for cap in capacities]
    total, largest = (supply[0], supply[0]) if supply else (np.zeros(m), np.zeros(m))
    for cap in supply[1:]:
        total, largest = total + cap, np.maximum(largest, cap)
    return demand[rows, peak], peak.astype(np.float64), total, largest, opening[rows, peak]


class NumpyEngine:
    """The vectorised numpy engine (see :mod:`flowsim.engines`)."""

    name = "numpy"
    daily = True
    events = False
    route_years_per_second = 31_000.0  # docs/benchmarks.md: 2,374 member-years/s x 13 routes

    def chunk_members(self, plan: Plan) -> int:
        return max(1, CHUNK_BYTES // (8 * 366))

    def simulate(
        self,
        plan: Plan,
        real: Realisations,
        *,
        daily: bool = False,
        trace: list[Any] | None = None,
        cargoes: bool = True,
    ) -> dict[str, FloatArray]:
        return simulate_chunk(plan, real, daily=daily)


ENGINE = NumpyEngine()
