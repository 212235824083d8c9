"""The vectorised numpy engine: members and days as array axes.

One call simulates one chunk of members; the caller chunks a large ensemble so
that working memory stays flat as members grow. Like the numba engine it runs
days in order, routes in dispatch order within them: here a *window* of days
at a time (a year), each route one pass over a (members, days of the window)
array (docs/model.md, "One day"). Nothing carries from one day to the next in
today's model but the year's sums, so a window is a whole year; state with
memory (a storage level) would be carried from window to window, with windows
as short as the state needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.variables import ANNUAL_ARC, ANNUAL_COMMODITY, ANNUAL_ROUTE, ARC_FULL, DAILY, names

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
    Arrays by name: route variables (M, years, routes), commodity variables
    ``demand``, ``balancing``, ``unmet``, ``n_minus_1`` (M, years, commodities; demand
    and N-1 are NaN for a commodity without a demand block); with ``daily``, also
    ``daily_*`` arrays (M, days, routes | commodities | sources) in bcm or Mt per day.
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
    if daily:
        widths = plan.widths()
        for variable in DAILY:
            out[f"daily_{variable.name}"] = np.zeros((m, plan.n_days, widths[variable.axis]))
    events = (
        [real.shock_events.of(target=k) for k in range(len(plan.shocks))],
        [real.outages.of(target=r) for r in range(len(plan.routes))],
        [real.arc_outages.of(target=a) for a in range(len(plan.arcs))],
    )
    for y, (first, days) in enumerate(zip(cal.year_starts, cal.days_in_year, strict=True)):
        window = _Window(plan, m, events, int(first), int(days))
        _simulate_window(plan, real, window, y, out, daily)
    return out


def _simulate_window(
    plan: Plan,
    real: Realisations,
    window: _Window,
    y: int,
    out: dict[str, FloatArray],
    daily: bool,
) -> None:
    """Year ``y`` (the window's days) of every member, into ``out``."""
    m, first, n = len(real.members), window.first, window.days
    days = slice(first, first + n)

    def put(name: str, index: int, rates: FloatArray) -> None:
        """Store the year's sum of daily rates (bcm or Mt per year of days)."""
        out[name][:, y, index] = np.broadcast_to(rates, (m, n)).sum(axis=1) / n

    def put_daily(name: str, index: int, rates: FloatArray) -> None:
        if daily:
            out[f"daily_{name}"][:, days, index] = rates / n

    source_left: list[FloatArray | None] = []
    for s in range(len(plan.sources)):
        rate = window.factor(plan.production[s, days], plan.shock_sources[:, s], None, 0.0)
        limited = plan.source_limited[s]
        source_left.append(np.broadcast_to(rate, (m, n)).copy() if limited else None)
        put_daily("production", s, np.broadcast_to(rate, (m, n)))

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
        put("arc_available", a, rate)
        out["arc_outage_days"][:, y, a] = np.broadcast_to(avail < 1.0, (m, n)).sum(axis=1)

    for c, groups in enumerate(plan.dispatch_groups):
        multiplier = real.demand_multiplier[:, y, plan.multiplier_column[c], None]
        demand = plan.demand[c, days] * multiplier if plan.has_demand[c] else None
        need = None if demand is None else demand.copy()
        capacities: list[FloatArray] = []
        for group in groups:
            bounds = {r: _route_bounds(plan, real, window, r) for r in group}
            allowance = _arc_allowance(plan, group, bounds, arc_left)
            for r in group:
                cap, avail, cap_avail, limit = bounds[r]
                src = source_left[plan.route_source[r]]
                reach = (1.0 - float(plan.loss[r])) * plan.share[r, days]
                whole = bool((reach == 1.0).all())  # all of it reaches China: nothing to scale
                flow = allowance[r]
                if src is not None:
                    flow = np.minimum(flow, src)
                if need is not None and not plan.shared[r]:
                    flow = np.minimum(flow, need if whole else _demand_bound(need, reach))
                flow = np.broadcast_to(flow, (m, n))
                delivered = flow if whole else flow * reach
                if need is not None and plan.shared[r]:  # other buyers take what China does not
                    delivered = np.minimum(delivered, need)  # (others: flow x reach <= need)

                derated = np.broadcast_to(avail < 1.0, (m, n))
                on_arcs = allowance[r] if plan.arc_use[r].any() else None
                _count_binding(out, y, r, flow, cap_avail, derated, limit, on_arcs, src)
                if src is not None:
                    src -= flow
                if need is not None:
                    need = np.maximum(need - delivered, 0.0)
                for e in np.flatnonzero(plan.arc_use[r]):
                    arc_left[e] = np.maximum(arc_left[e] - plan.arc_use[r, e] * flow, 0.0)
                    out["arc_flow"][:, y, e] += flow.sum(axis=1) * plan.arc_use[r, e] / n

                put("delivered", r, delivered)
                put("flow", r, flow)
                put("capacity", r, cap)
                put("available", r, cap_avail)
                out["outage_days"][:, y, r] = derated.sum(axis=1)
                if daily:  # no daily temporaries otherwise
                    put_daily("flow", r, flow)
                    put_daily("delivered", r, delivered)
                    put_daily("available", r, np.broadcast_to(cap_avail, (m, n)))
                    no_limit = np.full((m, n), np.inf)
                    put_daily("contract_limit", r, no_limit if limit is None else limit)
                capacities.append(cap)

        if demand is None or need is None:
            out["demand"][:, y, c] = np.nan
            out["n_minus_1"][:, y, c] = np.nan
            if daily:
                put_daily("demand", c, np.full((m, n), np.nan))
            continue
        balancing = np.minimum(need, plan.balancing[c, days])
        unmet = need - balancing
        for name, rates in (("demand", demand), ("balancing", balancing), ("unmet", unmet)):
            put(name, c, rates)
            put_daily(name, c, rates)
        out["n_minus_1"][:, y, c] = _n_minus_1(demand, capacities)
    for a, left in enumerate(arc_left):
        full = left <= ARC_FULL * arc_available[a]
        out["arc_binding_days"][:, y, a] = full.sum(axis=1)


Bounds = tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]
"""A route's nominal capacity, availability, capacity x availability and contract limit
(None: no contract) over a window, each (M or 1, days)."""


def _route_bounds(plan: Plan, real: Realisations, window: _Window, r: int) -> Bounds:
    """What route ``r``'s own stretch and contract allow over the window."""
    first, n = window.first, window.days
    days = slice(first, first + n)
    cap = _shifted(plan.capacity_rate[r], plan.pad, real.delay_days[:, r], first, n)
    avail = window.factor(
        plan.maintenance[r, days], plan.shock_routes[:, r], window.down[r], plan.outage_derate[r]
    )
    limit = None
    if plan.has_contract[r]:
        limit = plan.limit_rate[r, None, plan.pad + first : plan.pad + first + n]
    return cap, avail, cap * avail, limit


def _arc_allowance(
    plan: Plan,
    group: tuple[int, ...],
    bounds: dict[int, Bounds],
    arc_left: list[FloatArray],
) -> dict[int, FloatArray]:
    """Most each route of a dispatch group may take over the shared arcs: its bound
    ``min(cap x availability, contract)`` times the smallest pro-rata share of the arcs
    on its path (docs/model.md, "One day")."""
    bound = {}
    for r in group:
        _, _, cap_avail, limit = bounds[r]
        bound[r] = cap_avail if limit is None else np.minimum(cap_avail, limit)
    scale: dict[int, FloatArray] = {}
    for a in np.flatnonzero(plan.arc_use[list(group)].any(axis=0)):
        users = [r for r in group if plan.arc_use[r, a]]
        asked = plan.arc_use[users[0], a] * bound[users[0]]
        for r in users[1:]:
            asked = asked + plan.arc_use[r, a] * bound[r]
        short = asked > arc_left[a]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            share = np.where(short, arc_left[a] / asked, 1.0)
        for r in users:
            scale[r] = share if r not in scale else np.minimum(scale[r], share)
    return {r: bound[r] * scale[r] if r in scale else bound[r] for r in group}


def _demand_bound(need: FloatArray, reach: FloatArray) -> FloatArray:
    """Most a route may take for ``need`` when ``reach`` of its flow arrives in China
    (no bound where nothing reaches China)."""
    open_ = np.where(reach > 0.0, 0.0, np.inf)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bound: FloatArray = need / np.where(reach > 0.0, reach, 1.0) + open_
    return bound


def _count_binding(
    out: dict[str, FloatArray],
    y: int,
    r: int,
    flow: FloatArray,
    cap_avail: FloatArray,
    derated: BoolArray,
    limit: FloatArray | None,
    allowance: FloatArray | None,
    src: FloatArray | None,
) -> None:
    """Count the days of year ``y`` each bound set route ``r``'s flow (ties go to the
    earlier in :data:`~flowsim.variables.BINDING`); ``derated`` marks the days its
    availability was below 1. Arrays (members, days of the year)."""
    open_ = flow != cap_avail
    capacity_bound = (~open_).sum(axis=1)
    outage_bound = (~open_ & derated).sum(axis=1)
    out["binding_capacity_days"][:, y, r] = capacity_bound - outage_bound
    out["binding_outage_days"][:, y, r] = outage_bound
    for name, bound in (("contract", limit), ("arc", allowance), ("source", src)):
        if bound is not None:
            hit = open_ & (flow == bound)
            out[f"binding_{name}_days"][:, y, r] = hit.sum(axis=1)
            open_ &= ~hit
    out["binding_demand_days"][:, y, r] = open_.sum(axis=1)


def _n_minus_1(demand: FloatArray, capacities: list[FloatArray]) -> FloatArray:
    """N-1 of each member in the year, shape (M,): nominal route capacity on the year's
    (first) peak-demand day, less the largest route's, over that day's demand. Arrays
    (members, days of the year)."""
    m = demand.shape[0]
    if not capacities:
        return np.full(m, np.nan)
    rows = np.arange(m)
    peak = np.argmax(demand, axis=1)
    supply = [np.broadcast_to(cap, demand.shape)[rows, peak] for cap in capacities]
    total, largest = supply[0], supply[0]
    for cap in supply[1:]:  # route by route, in dispatch order
        total, largest = total + cap, np.maximum(largest, cap)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result: FloatArray = (total - largest) / demand[rows, peak]
    return result


class NumpyEngine:
    """The vectorised numpy engine (see :mod:`flowsim.engines`)."""

    name = "numpy"
    daily = True
    events = False
    route_years_per_second = 66_000.0  # docs/benchmarks.md: 5,073 member-years/s x 13 routes

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
