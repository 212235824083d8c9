"""The numba engine: one compiled day-stepped loop, members as SIMD lanes.

The loop runs days in order; within a day, the routes of each commodity in
dispatch order; within a route, a *batch* of members side by side, innermost
(the lanes), so that each of the plan's values for that day and route is
loaded once and used for the whole batch, and the member loop compiles to
vector instructions (the tests check the generated code). What a member
carries from one day to the next lives in per-lane state (the source left on
a day, the demand left, the running annual sums, and any bound with memory,
such as the test-only ``annual_cap`` of :func:`plan_arrays`): storage levels
and contract-year totals fit the same loop.

Yearly sums are plain sequential sums in day order, as the DES takes them; the
numpy engine sums pairwise, so the two agree to about 1e-14 relative, not bit
for bit (docs/model.md, "Engines agree").

Without numba (it is a default dependency, but may fail to install on some
platforms) :data:`AVAILABLE` is False and ``core`` runs the numpy engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import FloatArray
from flowsim.engines.fused_day import (
    arc_availability,
    dispatch,
    offer_room,
    own_bounds,
    pro_rata_cut,
    refill_source,
    settle_storage,
    share_arcs,
)
from flowsim.engines.fused_inputs import member_arrays, plan_arrays
from flowsim.engines.fused_years import (
    ARC_CAPACITY_ROW,
    BALANCING_ROW,
    CONSUMPTION_ROW,
    CONTRACT_ROW,
    DEMAND_ROW,
    FIELD_BITS,
    HOME_ROW,
    LEVEL_ROW,
    PEAK_LEVEL_ROW,
    UNMET_DAYS_ROW,
    UNMET_ROW,
    WINTER_ROW,
    close_arcs,
    close_contract_year,
    close_year,
    mark_year,
    numba,
)
from flowsim.plan import Plan
from flowsim.sampling import Realisations
from flowsim.variables import (
    ANNUAL_ARC,
    ANNUAL_COMMODITY,
    ANNUAL_ROUTE,
    ARC_FULL,
    MONTHLY,
    UNMET_SHARE,
    names,
)

_COMMODITY_ROWS = len(ANNUAL_COMMODITY)

__all__ = [
    "AVAILABLE",
    "BATCH",
    "CHUNK_MEMBERS",
    "ENGINE",
    "simulate_chunk",
]


AVAILABLE = numba is not None
"""Whether numba imports here, so this engine can run."""

CHUNK_MEMBERS = 1024
"""Members per engine call: a whole default block at once."""

BATCH = 256
"""Members side by side in the innermost loop (the lanes); a run-time value, so that
the compiler vectorises the member loop instead of unrolling it."""


def _kernel(
    plan_arrays: tuple[Any, ...],
    member_arrays: tuple[Any, ...],
    route_out: FloatArray,
    commodity_out: FloatArray,
    arc_out: FloatArray,
    month_out: FloatArray,
    batch: int,
) -> None:  # pragma: no cover - compiled
    """Simulate every member, batches of ``batch`` members in parallel; ``month_out``
    (members, months, routes, or empty): each route's deliveries of its year so far at
    the end of each month."""
    members = member_arrays[0].shape[1]
    n_batches = (members + batch - 1) // batch
    for g in numba.prange(n_batches):
        m0 = g * batch
        lanes = min(batch, members - m0)
        _batch(m0, lanes, plan_arrays, member_arrays, route_out, commodity_out, arc_out, month_out)


def _batch(
    m0: int,
    lanes: int,
    plan_arrays: tuple[Any, ...],
    member_arrays: tuple[Any, ...],
    route_out: FloatArray,
    commodity_out: FloatArray,
    arc_out: FloatArray,
    month_out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Members ``m0 .. m0 + lanes - 1``, day by day over the horizon.

    Every lane loop is free of branches, so that it vectorises: bounds a route
    lacks take neutral values that leave the arithmetic exact (no contract: an
    infinite limit; an unlimited source: infinite supply left; no demand:
    infinite need; no losses: keep 1; no shared arc: a share of 1), and ``min``
    is written as selects (a call would keep the loop scalar). Each per-lane
    quantity the dispatch loop touches is an array of its own, indexed in place
    (a view per route and day would cost reference counting); a route's day
    counts are packed into one integer (:data:`flowsim.engines.fused_years.FIELD_BITS`
    bits each; the demand-bound days are what the others leave). A dispatch group
    (routes of one priority) takes up to four passes: the routes' own bounds, the
    shared arcs' pro-rata shares, then (several routes) the need's share of their offer
    and the dispatch in route order.
    """
    (
        year_starts, days_in_year, pad, cap_rate, has_contract, limit_rate, loss, route_source,
        maintenance, outage_derate, production, source_limited, shock_derate, shock_routes,
        shock_sources, order_ptr, order, demand, has_demand, balancing, multiplier_column,
        annual_cap, share, shared, arc_use, arc_cap_rate, arc_maintenance, arc_outage_derate,
        shock_arcs, group_ptr, commodity_groups, group_arc_ptr, group_arcs, route_arc_ptr,
        route_arcs, route_arc_use, store_present, store_volume, store_injection,
        store_withdrawal, store_floor, store_target, store_initial, store_curves, curved,
        store_after_balancing, winter_end, contract_quantity, contract_start, month_end,
        month_of,
    ) = plan_arrays  # fmt: skip
    (
        delays, multiplier, outage_ptr, outage_start, outage_duration, shock_ptr, shock_start,
        shock_duration, arc_outage_ptr, arc_outage_start, arc_outage_duration, cap_factor,
        prod_factor, offtake,
    ) = member_arrays  # fmt: skip
    n_routes, n_arcs = cap_rate.shape[0], arc_cap_rate.shape[0]
    n_sources, n_shocks = production.shape[0], shock_derate.shape[0]
    n_commodities = order_ptr.shape[0] - 1
    b_n = lanes
    # flags of the year's days
    down = np.zeros((366, n_routes, b_n), dtype=np.uint8)
    arc_down = np.zeros((366, n_arcs, b_n), dtype=np.uint8)
    shocked = np.zeros((366, n_shocks, b_n), dtype=np.uint8)
    any_down = np.zeros((366, n_routes), dtype=np.uint8)  # events are rare: on most days
    any_arc_down = np.zeros((366, n_arcs), dtype=np.uint8)
    any_shocked = np.zeros((366, n_shocks), dtype=np.uint8)  # no lane has one
    next_outage = np.zeros((n_routes, b_n), dtype=np.int64)
    next_arc_outage = np.zeros((n_arcs, b_n), dtype=np.int64)
    next_shock = np.zeros((n_shocks, b_n), dtype=np.int64)
    # state carried from route to route within a day, and from day to day
    left = np.full((n_sources, b_n), np.inf)
    need = np.full((n_commodities, b_n), np.inf)
    arc_left = np.zeros((n_arcs, b_n))
    budget = np.full((n_routes, b_n), np.inf)  # what is left of a capped route's year
    # the day's bounds of each route of a group, and scratch
    caps = np.empty((n_routes, b_n))  # rows by place in the dispatch group
    factor = np.empty((n_routes, b_n))
    scale = np.ones((n_routes, b_n))  # the arcs' pro-rata share of each route's bound
    asked = np.empty(b_n)
    cut = np.ones(b_n)  # the share of a group's offer that the need takes
    offers = np.empty((n_routes, b_n))  # and each route's offer, by place in the group
    probe = np.empty((n_sources, b_n))
    day_limit = np.empty((n_routes, b_n))  # each route's contract limit of the day in each
    takes = np.empty((n_routes, b_n))  # lane, the buyer's offtake factor in it, and its reach
    day_reach = np.empty(n_routes)
    lane = np.empty(b_n)
    flows = np.empty(b_n)
    arc_today = np.zeros((n_arcs, b_n))  # each arc's available capacity of the day
    # the year's sums
    sum_delivered = np.zeros((n_routes, b_n))
    sum_flow = np.zeros((n_routes, b_n))
    sum_available = np.zeros((n_routes, b_n))
    packed = np.zeros((n_routes, b_n), dtype=np.int64)
    contract_part = np.zeros((2, n_routes, b_n))  # take, unavailable: days of the year
    contract_total = np.zeros((2, n_routes, b_n))  # and of the contract year before them
    sum_arc_flow = np.zeros((n_arcs, b_n))
    sum_arc_available = np.zeros((n_arcs, b_n))
    arc_packed = np.zeros((n_arcs, b_n), dtype=np.int64)
    dem = np.zeros((n_commodities, b_n))
    sums = np.zeros((_COMMODITY_ROWS, n_commodities, b_n))  # the commodities' years
    level = np.empty((n_commodities, b_n))  # each lane's storage level
    offered = np.zeros((n_commodities, b_n))  # each pool's room of the day
    intake = np.zeros((n_commodities, b_n))  # and its injection rate
    outlet = np.zeros((n_commodities, b_n))  # and its withdrawal rate
    for c in range(n_commodities):
        for b in range(b_n):
            level[c, b] = store_initial[c]
    peak = np.zeros((n_commodities, b_n))
    peak_day = np.zeros((n_commodities, b_n), dtype=np.int64)
    shift = np.empty((n_routes, b_n), dtype=np.int64)
    uniform = np.ones(n_routes, dtype=np.bool_)
    for r in range(n_routes):
        for b in range(b_n):
            shift[r, b] = pad - delays[r, m0 + b]
            uniform[r] = uniform[r] and shift[r, b] == shift[r, 0]
    bounds = (caps, factor, scale)  # of the routes of a group, by place
    day_routes = (day_limit, day_reach, route_source)
    pool = (
        store_volume, store_withdrawal, store_floor, store_target, store_curves, curved,
        store_after_balancing,
    )  # fmt: skip
    for y in range(days_in_year.shape[0]):
        first, n = year_starts[y], days_in_year[y]
        mark_year(
            down, any_down, outage_ptr, outage_start, outage_duration, next_outage,
            first, n, m0, b_n, n_routes,
        )  # fmt: skip
        mark_year(
            arc_down, any_arc_down, arc_outage_ptr, arc_outage_start, arc_outage_duration,
            next_arc_outage, first, n, m0, b_n, n_arcs,
        )  # fmt: skip
        mark_year(
            shocked, any_shocked, shock_ptr, shock_start, shock_duration, next_shock,
            first, n, m0, b_n, n_shocks,
        )  # fmt: skip
        sum_delivered[:] = 0.0
        sum_flow[:] = 0.0
        sum_available[:] = 0.0
        packed[:] = 0
        sum_arc_flow[:] = 0.0
        sum_arc_available[:] = 0.0
        arc_packed[:] = 0
        sums[:] = 0.0
        for r in range(n_routes):
            if annual_cap[r] < np.inf:
                budget[r, :] = annual_cap[r] * n
        for j in range(n):
            t = first + j
            for r in range(n_routes):  # a contract year ends before its next one starts
                if contract_start[r, y] == t:
                    close_contract_year(
                        r, y - 1, n, m0, b_n, has_contract, contract_part, contract_total,
                        route_out,
                    )  # fmt: skip
            for s in range(n_sources):  # each limited source's production of the day
                if source_limited[s]:
                    refill_source(
                        s, j, t, b_n, production, shock_sources, shock_derate, shocked,
                        any_shocked, left, prod_factor, y, m0,
                    )  # fmt: skip
            for a in range(n_arcs):  # each arc's capacity of the day, before any route
                arc_availability(
                    a, j, t, b_n, arc_maintenance, arc_outage_derate, arc_down, shock_arcs,
                    shock_derate, shocked, any_shocked, lane,
                )  # fmt: skip
                cap = arc_cap_rate[a, t]
                for b in range(b_n):
                    arc_left[a, b] = cap * lane[b]
                    arc_today[a, b] = cap * lane[b]
                    sum_arc_available[a, b] += cap * lane[b]
                    arc_packed[a, b] += np.int64(lane[b] < 1.0)
            for c in range(n_commodities):
                store = store_present[c]
                if store:  # a pool offers its room as demand on top of China's
                    offer_room(
                        c, t, n, b_n, store_volume, store_injection, store_curves, curved,
                        level, intake, offered,
                    )  # fmt: skip
                if has_demand[c]:
                    col = multiplier_column[c]
                    for b in range(b_n):
                        d = demand[c, t] * multiplier[y, col, m0 + b]
                        dem[c, b] = d
                        need[c, b] = d + offered[c, b] if store else d
                        new_peak = (j == 0) | (d > peak[c, b])
                        peak[c, b] = d if new_peak else peak[c, b]
                        peak_day[c, b] = t if new_peak else peak_day[c, b]
                        opening = level[c, b] if store else 0.0
                        sums[PEAK_LEVEL_ROW, c, b] = (
                            opening if new_peak else sums[PEAK_LEVEL_ROW, c, b]
                        )
                for g in range(commodity_groups[c], commodity_groups[c + 1]):
                    # 1. each route's own bound: capacity (each lane's own delay) times
                    # availability, and the contract
                    for i in range(group_ptr[g], group_ptr[g + 1]):
                        r, k = order[i], i - group_ptr[g]
                        nominated = limit_rate[r, pad + t] if has_contract[r] else np.inf
                        for b in range(b_n):
                            takes[r, b] = offtake[y, r, m0 + b]
                            day_limit[r, b] = nominated * takes[r, b]
                        day_reach[r] = (1.0 - loss[r]) * share[r, t]
                        own_bounds(  # scratch rows go by place: a group of one reuses one
                            r, k, j, t, b_n, uniform[r], shift, cap_rate, maintenance,
                            outage_derate, down, any_down, shock_routes, shock_derate, shocked,
                            any_shocked, caps, factor, cap_factor, y, m0,
                        )  # fmt: skip
                    # 2. the shared arcs: each shares what is left pro rata to the bounds
                    arcs = group_arcs[group_arc_ptr[g] : group_arc_ptr[g + 1]]
                    share_arcs(
                        group_ptr[g], group_ptr[g + 1], arcs, order, b_n, arc_use, day_limit,
                        bounds, asked, arc_left,
                    )  # fmt: skip
                    # 3. several routes: the need's share of what they offer
                    several = group_ptr[g + 1] - group_ptr[g] > 1
                    if several:
                        pro_rata_cut(
                            c, group_ptr[g], group_ptr[g + 1], order, b_n, day_routes, bounds,
                            left, need, cut, offers, probe,
                        )  # fmt: skip
                    # 4. dispatch in route order, then take the flows from the arcs
                    for i in range(group_ptr[g], group_ptr[g + 1]):
                        r, k = order[i], i - group_ptr[g]
                        reach = day_reach[r]
                        limit = limit_rate[r, pad + t] if has_contract[r] else np.inf
                        quantity = contract_quantity[r, t]  # both times the lane's offtake
                        over = reach if reach > 0.0 else 1.0
                        unbounded = 0.0 if reach > 0.0 and not shared[r] else np.inf
                        src = route_source[r]
                        network = route_arc_ptr[r + 1] > route_arc_ptr[r]  # 4 cases compiled apart
                        if network and several:
                            dispatch(
                                r, k, c, src, b_n, limit, quantity, takes, reach, over, unbounded,
                                caps, factor, scale, left, need, budget, flows, packed,
                                sum_delivered, sum_flow, sum_available, contract_part, cut,
                                offers, True, True,
                            )  # fmt: skip
                        elif network:
                            dispatch(
                                r, k, c, src, b_n, limit, quantity, takes, reach, over, unbounded,
                                caps, factor, scale, left, need, budget, flows, packed,
                                sum_delivered, sum_flow, sum_available, contract_part, cut,
                                offers, True, False,
                            )  # fmt: skip
                        elif several:
                            dispatch(
                                r, k, c, src, b_n, limit, quantity, takes, reach, over, unbounded,
                                caps, factor, scale, left, need, budget, flows, packed,
                                sum_delivered, sum_flow, sum_available, contract_part, cut,
                                offers, False, True,
                            )  # fmt: skip
                        else:
                            dispatch(
                                r, k, c, src, b_n, limit, quantity, takes, reach, over, unbounded,
                                caps, factor, scale, left, need, budget, flows, packed,
                                sum_delivered, sum_flow, sum_available, contract_part, cut,
                                offers, False, False,
                            )  # fmt: skip
                        for p in range(route_arc_ptr[r], route_arc_ptr[r + 1]):
                            a, use = route_arcs[p], route_arc_use[p]
                            for b in range(b_n):
                                used = use * flows[b]
                                rest = arc_left[a, b] - used
                                arc_left[a, b] = rest if rest >= 0.0 else 0.0
                                sum_arc_flow[a, b] += used
                                scale[k, b] = 1.0  # for the next group
                    if several:  # where the need cut the offers, they met it
                        for b in range(b_n):
                            need[c, b] = 0.0 if cut[b] < 1.0 else need[c, b]
                if has_demand[c]:
                    balancing_cap = balancing[c, t]
                    if store:
                        settle_storage(
                            c, t, n, b_n, pool, balancing_cap, need, dem, offered,
                            intake, outlet, level, sums,
                        )  # fmt: skip
                    else:
                        for b in range(b_n):
                            left_over = need[c, b]
                            bal = left_over if left_over <= balancing_cap else balancing_cap
                            unmet = left_over - bal
                            sums[BALANCING_ROW, c, b] += bal
                            sums[UNMET_ROW, c, b] += unmet
                            sums[UNMET_DAYS_ROW, c, b] += unmet > UNMET_SHARE * dem[c, b]
                    for b in range(b_n):
                        sums[DEMAND_ROW, c, b] += dem[c, b]
                        need[c, b] = np.inf
                    if t == winter_end[y]:
                        for b in range(b_n):
                            sums[WINTER_ROW, c, b] = level[c, b]
            for a in range(n_arcs):  # the arcs that ended the day full
                for b in range(b_n):
                    full = arc_left[a, b] <= ARC_FULL * arc_today[a, b]
                    arc_packed[a, b] += np.int64(full) << FIELD_BITS
            if month_end[t] and month_out.shape[0] > 0:  # the year's deliveries so far
                for r in range(n_routes):
                    for b in range(b_n):
                        month_out[m0 + b, month_of[t], r] = sum_delivered[r, b]
        for c in range(n_commodities):
            for b in range(b_n):
                sums[LEVEL_ROW, c, b] = level[c, b]
        close_year(
            y, first, n, m0, b_n, plan_arrays, shift, uniform, sum_delivered, sum_flow,
            sum_available, packed, sums, peak, peak_day, route_out, commodity_out, cap_factor,
        )  # fmt: skip
        close_arcs(y, n, m0, b_n, sum_arc_flow, sum_arc_available, arc_packed, arc_out)
        for r in range(n_routes):
            close_contract_year(
                r, -2, n, m0, b_n, has_contract, contract_part, contract_total, route_out
            )
    last = days_in_year.shape[0] - 1
    for r in range(n_routes):  # the last contract year (short where the horizon cuts it)
        close_contract_year(
            r, last, 1, m0, b_n, has_contract, contract_part, contract_total, route_out
        )


if numba is not None:
    _batch = numba.njit(cache=True, error_model="numpy")(_batch)
    _kernel = numba.njit(cache=True, parallel=True, error_model="numpy")(_kernel)


def simulate_chunk(
    plan: Plan, real: Realisations, *, annual_cap: FloatArray | None = None, batch: int = BATCH
) -> dict[str, FloatArray]:
    """Annual results of the members of ``real``, as :func:`core.simulate_chunk` gives them
    (to about 1e-14: sums are sequential here). ``annual_cap``: see :func:`plan_arrays`."""
    if not AVAILABLE:
        raise RuntimeError("the numba engine needs numba: pip install numba")
    cal = plan.calendar
    m = len(real.members)
    route_out = np.empty((len(ANNUAL_ROUTE), m, cal.n_years, len(plan.routes)))
    commodity_out = np.zeros((len(ANNUAL_COMMODITY), m, cal.n_years, len(plan.commodities)))
    arc_out = np.zeros((len(ANNUAL_ARC), m, cal.n_years, len(plan.arcs)))
    inputs = plan_arrays(plan, annual_cap), member_arrays(plan, real)
    months = (m, 12 * cal.n_years, len(plan.routes)) if plan.prices.priced.any() else (0, 0, 0)
    month_out = np.zeros(months)
    _kernel(*inputs, route_out, commodity_out, arc_out, month_out, batch)
    route_out[CONTRACT_ROW] = plan.annual_contract  # the same for every member
    commodity_out[CONSUMPTION_ROW] = plan.annual_mean(plan.consumption)
    commodity_out[HOME_ROW] = plan.annual_mean(plan.home_production)
    arc_out[ARC_CAPACITY_ROW] = plan.annual_arc_capacity
    out = {name: route_out[i] for i, name in enumerate(names(ANNUAL_ROUTE))}
    out |= {name: commodity_out[i] for i, name in enumerate(names(ANNUAL_COMMODITY))}
    out |= {name: arc_out[i] for i, name in enumerate(names(ANNUAL_ARC))}
    if month_out.shape[0]:  # each month's deliveries: the year's so far less the month's before
        month = month_out.reshape(m, cal.n_years, 12, -1)
        month[:, :, 1:] -= month[:, :, :-1].copy()  # in place, months of a year
        month /= cal.days_in_year[None, :, None, None]
        out[MONTHLY] = month_out
    return out


class NumbaEngine:
    """The numba engine (see :mod:`flowsim.engines`)."""

    name = "numba"
    daily = False
    events = False
    route_years_per_second = 365_000.0  # docs/benchmarks.md: 28,122 member-years/s x 13 routes

    def chunk_members(self, plan: Plan) -> int:
        return CHUNK_MEMBERS

    def simulate(
        self,
        plan: Plan,
        real: Realisations,
        *,
        daily: bool = False,
        trace: list[Any] | None = None,
        cargoes: bool = True,
    ) -> dict[str, FloatArray]:
        return simulate_chunk(plan, real)


ENGINE = NumbaEngine()
