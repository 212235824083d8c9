"""Optional fused kernel of the core engine (numba): the same arithmetic in one loop.

:func:`flowsim.engines.core.simulate_chunk` is the reference. This kernel walks
member by member and day by day through exactly the same operations, in the
same order, and sums each year with numpy's own pairwise summation, so its
annual results are bit-identical to the numpy path (the tests check this). It
keeps no daily values; runs that ask for them use the numpy path.

Install with ``pip install "flowsim[fast]"``; without numba, :data:`AVAILABLE`
is False and flowsim uses numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import FloatArray, IntArray
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.variables import ANNUAL_COMMODITY, ANNUAL_ROUTE, names

__all__ = ["AVAILABLE", "CHUNK_MEMBERS", "ENGINE", "simulate_chunk"]


try:
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None  # type: ignore[assignment]

AVAILABLE = numba is not None
"""Whether numba is installed, so the fused kernel can run."""

CHUNK_MEMBERS = 256
"""Members per call (the kernel keeps no arrays over all days)."""

# Row of each variable in the kernel's output arrays.
_DELIVERED, _FLOW, _CAPACITY, _AVAILABLE, _CONTRACT, _OUTAGE = range(6)
_B_CAPACITY, _B_OUTAGE, _B_CONTRACT, _B_SOURCE, _B_DEMAND = range(6, 11)
_DEMAND, _BALANCING, _UNMET, _N_MINUS_1 = range(4)


def _block(a: FloatArray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's pairwise summation of ``a[lo:lo + n]`` for n <= 128 (8-way unrolled)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    total: float = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[lo + i]
        i += 1
    return total


def _half(n: int) -> int:  # pragma: no cover - compiled
    half = n // 2
    return half - half % 8


def _pairwise(a: FloatArray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's pairwise summation of ``a[lo:lo + n]`` for n <= 366 (a year of days).

    numpy halves a block over 128 at a multiple of 8 and recurses; for n <= 366
    two levels reach blocks of at most 128, written out because numba compiles
    plain calls more reliably than recursion.
    """
    if n <= 128:
        return _block(a, lo, n)
    h = _half(n)
    return _halves(a, lo, h) + _halves(a, lo + h, n - h)


def _halves(a: FloatArray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    if n <= 128:
        return _block(a, lo, n)
    h = _half(n)
    return _block(a, lo, h) + _block(a, lo + h, n - h)


def _year_sum(a: FloatArray, n: int) -> float:  # pragma: no cover - compiled
    """The sum ``np.add.reduceat`` gives for a segment ``a[:n]``: first + pairwise(rest)."""
    if n == 1:
        return float(a[0])
    return float(a[0] + _pairwise(a, 1, n - 1))


def _minimum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """np.minimum of two floats that are not NaN (on a tie, the first, as numpy)."""
    return a if a <= b else b


def _maximum(a: float, b: float) -> float:  # pragma: no cover - compiled
    return a if a >= b else b


def _mark(
    mask: Any,
    ptr: IntArray,
    start: IntArray,
    duration: IntArray,
    row: int,
    key: int,
    n: int,
    value: bool,
) -> None:  # pragma: no cover - compiled
    """Set ``mask[row]`` to ``value`` on the days of events ``ptr[key]:ptr[key + 1]``."""
    for e in range(ptr[key], ptr[key + 1]):
        for t in range(max(start[e], 0), min(start[e] + duration[e], n)):
            mask[row, t] = value


def _kernel(
    plan_arrays: tuple[Any, ...],
    member_arrays: tuple[Any, ...],
    route_out: FloatArray,
    commodity_out: FloatArray,
    n_groups: int,
) -> None:  # pragma: no cover - compiled
    """Simulate every member, ``n_groups`` groups of members in parallel."""
    maintenance, production, shock_derate = plan_arrays[10], plan_arrays[12], plan_arrays[14]
    m_count = member_arrays[0].shape[0]
    n_routes, n_days = maintenance.shape
    n_sources, n_shocks = production.shape[0], shock_derate.shape[0]
    for g in numba.prange(n_groups):
        # buffers reused by the members of this group; masks are cleared after each member
        scratch = (
            np.zeros((n_routes, n_days), dtype=np.bool_),
            np.zeros((n_shocks, n_days), dtype=np.bool_),
            np.empty((n_sources, n_days)),
            np.empty(n_days),
            np.empty(n_days),
            np.empty(366),
            np.empty(366),
            np.empty(366),
            np.empty(366),
        )
        for m in range(g * m_count // n_groups, (g + 1) * m_count // n_groups):
            _member(m, scratch, plan_arrays, member_arrays, route_out, commodity_out)


def _member(
    m: int,
    scratch: tuple[Any, ...],
    plan_arrays: tuple[Any, ...],
    member_arrays: tuple[Any, ...],
    route_out: FloatArray,
    commodity_out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Simulate member ``m`` into the output arrays, using the given scratch buffers."""
    (
        year_starts,
        days_in_year,
        year_index,
        pad,
        cap_rate,
        has_contract,
        acq_rate,
        flexibility,
        loss,
        route_source,
        maintenance,
        outage_derate,
        production,
        source_limited,
        shock_derate,
        shock_routes,
        shock_sources,
        order_ptr,
        order,
        demand,
        has_demand,
        balancing,
        multiplier_column,
    ) = plan_arrays
    (
        delays,
        multiplier,
        outage_ptr,
        outage_start,
        outage_duration,
        shock_ptr,
        shock_start,
        shock_duration,
    ) = member_arrays
    down, shocked, left, dem, need, b_delivered, b_flow, b_cap, b_available = scratch
    n_routes, n_days = maintenance.shape
    n_sources, n_shocks = production.shape[0], shock_derate.shape[0]
    n_years = days_in_year.shape[0]
    for r in range(n_routes):
        _mark(down, outage_ptr, outage_start, outage_duration, r, m * n_routes + r, n_days, True)
    for k in range(n_shocks):
        _mark(shocked, shock_ptr, shock_start, shock_duration, k, m * n_shocks + k, n_days, True)
    for s in range(n_sources):
        if not source_limited[s]:
            continue
        for t in range(n_days):
            v = production[s, t]
            for k in range(n_shocks):
                if shock_sources[k, s] and shocked[k, t]:
                    v = v * (1.0 - shock_derate[k])
            left[s, t] = v
    for c in range(order_ptr.shape[0] - 1):
        col = multiplier_column[c]
        if has_demand[c]:
            for t in range(n_days):
                dem[t] = demand[c, t] * multiplier[m, year_index[t], col]
                need[t] = dem[t]
        for i in range(order_ptr[c], order_ptr[c + 1]):
            r = order[i]
            shift = pad - delays[m, r]
            src = route_source[r]
            cap_row, acq_row, maint_row = cap_rate[r], acq_rate[r], maintenance[r]
            down_row, left_row = down[r], left[src]
            contract, limited, demanded = has_contract[r], source_limited[src], has_demand[c]
            lossy, keep = loss[r] != 0.0, 1.0 - loss[r]
            flex, kept_when_down = flexibility[r], 1.0 - outage_derate[r]
            hits = np.flatnonzero(shock_routes[:, r])
            for y in range(n_years):
                first, n = year_starts[y], int(days_in_year[y])
                n_cap = n_out = n_con = n_src = n_dem = n_down = 0
                for j in range(n):
                    t = first + j
                    cap = cap_row[shift + t]
                    f = maint_row[t]
                    if down_row[t]:
                        f = maint_row[t] * kept_when_down
                    for hit in hits:
                        if shocked[hit, t]:
                            f = f * (1.0 - shock_derate[hit])
                    available = cap * f
                    flow = available
                    limit = 0.0
                    if contract:
                        limit = acq_row[pad + t] * flex
                        flow = _minimum(flow, limit)
                    if limited:
                        flow = _minimum(flow, left_row[t])
                    if demanded:
                        flow = _minimum(flow, need[t] / keep if lossy else need[t])
                    delivered = flow * keep if lossy else flow
                    if flow == available:
                        n_cap += 1
                        if f < 1.0:
                            n_out += 1
                    elif contract and flow == limit:
                        n_con += 1
                    elif limited and flow == left_row[t]:
                        n_src += 1
                    else:
                        n_dem += 1
                    if f < 1.0:
                        n_down += 1
                    if limited:
                        left_row[t] = left_row[t] - flow
                    if demanded:
                        need[t] = _maximum(need[t] - delivered, 0.0)
                    if lossy:
                        b_delivered[j] = delivered
                    b_flow[j] = flow
                    b_cap[j] = cap
                    b_available[j] = available
                days = float(n)
                route_out[_FLOW, m, y, r] = _year_sum(b_flow, n) / days
                route_out[_DELIVERED, m, y, r] = (
                    _year_sum(b_delivered, n) / days if lossy else route_out[_FLOW, m, y, r]
                )
                route_out[_CAPACITY, m, y, r] = _year_sum(b_cap, n) / days
                route_out[_AVAILABLE, m, y, r] = _year_sum(b_available, n) / days
                route_out[_OUTAGE, m, y, r] = n_down
                route_out[_B_CAPACITY, m, y, r] = n_cap - n_out
                route_out[_B_OUTAGE, m, y, r] = n_out
                route_out[_B_CONTRACT, m, y, r] = n_con
                route_out[_B_SOURCE, m, y, r] = n_src
                route_out[_B_DEMAND, m, y, r] = n_dem
        if not has_demand[c]:
            for y in range(n_years):
                commodity_out[_DEMAND, m, y, c] = np.nan
                commodity_out[_N_MINUS_1, m, y, c] = np.nan
            continue
        for y in range(n_years):
            first = year_starts[y]
            n = days_in_year[y]
            peak = first
            for j in range(n):
                t = first + j
                bal = _minimum(need[t], balancing[c, t])
                b_delivered[j] = dem[t]
                b_flow[j] = bal
                b_cap[j] = need[t] - bal
                if dem[t] > dem[peak]:
                    peak = t
            days = float(n)
            commodity_out[_DEMAND, m, y, c] = _year_sum(b_delivered, n) / days
            commodity_out[_BALANCING, m, y, c] = _year_sum(b_flow, n) / days
            commodity_out[_UNMET, m, y, c] = _year_sum(b_cap, n) / days
            total = 0.0
            largest = 0.0
            for i in range(order_ptr[c], order_ptr[c + 1]):
                r = order[i]
                cap = cap_rate[r, pad - delays[m, r] + peak]
                total = cap if i == order_ptr[c] else total + cap
                largest = cap if i == order_ptr[c] else _maximum(largest, cap)
            if order_ptr[c + 1] > order_ptr[c]:
                commodity_out[_N_MINUS_1, m, y, c] = (total - largest) / dem[peak]
            else:
                commodity_out[_N_MINUS_1, m, y, c] = np.nan
    for r in range(n_routes):
        _mark(down, outage_ptr, outage_start, outage_duration, r, m * n_routes + r, n_days, False)
    for k in range(n_shocks):
        _mark(shocked, shock_ptr, shock_start, shock_duration, k, m * n_shocks + k, n_days, False)


if numba is not None:
    _block = numba.njit(cache=True)(_block)
    _half = numba.njit(cache=True)(_half)
    _halves = numba.njit(cache=True)(_halves)
    _pairwise = numba.njit(cache=True)(_pairwise)
    _year_sum = numba.njit(cache=True)(_year_sum)
    _minimum = numba.njit(cache=True)(_minimum)
    _maximum = numba.njit(cache=True)(_maximum)
    _mark = numba.njit(cache=True)(_mark)
    _member = numba.njit(cache=True, error_model="numpy")(_member)
    _kernel = numba.njit(cache=True, parallel=True, error_model="numpy")(_kernel)


def _csr(events: Events, members: int, targets: int) -> tuple[IntArray, IntArray, IntArray]:
    """Events grouped by (member, target): pointers (members * targets + 1,), starts, durations."""
    key = events.member * targets + events.target
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=members * targets)
    ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return ptr, events.start[order], events.duration[order]


def simulate_chunk(plan: Plan, real: Realisations) -> dict[str, FloatArray]:
    """Annual results of the members of ``real``, as :func:`core.simulate_chunk` gives them."""
    if not AVAILABLE:
        raise RuntimeError("the fused kernel needs numba: pip install 'flowsim[fast]'")
    cal = plan.calendar
    m = len(real.members)
    n_routes, n_shocks = len(plan.routes), len(plan.shocks)
    route_out = np.zeros((len(ANNUAL_ROUTE), m, cal.n_years, n_routes))
    commodity_out = np.zeros((len(ANNUAL_COMMODITY), m, cal.n_years, len(plan.commodities)))
    order = [r for rows in plan.dispatch_order for r in rows]
    order_ptr = np.cumsum([0, *(len(rows) for rows in plan.dispatch_order)])
    plan_arrays = (
        cal.year_starts,
        cal.days_in_year,
        cal.year_index,
        plan.pad,
        plan.capacity_rate,
        plan.has_contract,
        plan.acq_rate,
        plan.flexibility,
        plan.loss,
        plan.route_source,
        plan.maintenance,
        plan.outage_derate,
        plan.production,
        plan.source_limited,
        plan.shock_derate,
        plan.shock_routes,
        plan.shock_sources,
        order_ptr.astype(np.int64),
        np.array(order, dtype=np.int64),
        plan.demand,
        plan.has_demand,
        plan.balancing,
        plan.multiplier_column,
    )
    member_arrays = (
        real.delay_days,
        real.demand_multiplier,
        *_csr(real.outages, m, n_routes),
        *_csr(real.shock_events, m, n_shocks),
    )
    groups = min(m, 4 * numba.get_num_threads())
    _kernel(plan_arrays, member_arrays, route_out, commodity_out, groups)
    route_out[_CONTRACT] = plan.annual_contract  # the same for every member
    out = {name: route_out[i] for i, name in enumerate(names(ANNUAL_ROUTE))}
    out |= {name: commodity_out[i] for i, name in enumerate(names(ANNUAL_COMMODITY))}
    return out


class NumbaEngine:
    """The fused numba engine (see :mod:`flowsim.engines`)."""

    name = "numba"
    daily = False
    events = False
    route_years_per_second = 250_000.0  # docs/benchmarks.md: 29,756 member-years/s x 9 routes

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
