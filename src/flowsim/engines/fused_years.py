"""The numba engine's year boundaries: flags of a year's event days in, a year's annual
values out (:mod:`flowsim.engines.fused` runs the days in between).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import FloatArray, IntArray
from flowsim.variables import ANNUAL_ARC, ANNUAL_COMMODITY, ANNUAL_ROUTE, names

__all__ = [
    "ARC_CAPACITY_ROW",
    "BALANCING_ROW",
    "CONSUMPTION_ROW",
    "CONTRACT_ROW",
    "DEMAND_ROW",
    "EMERGENCY_ROW",
    "FIELD_BITS",
    "HOME_ROW",
    "INJECTION_ROW",
    "LEVEL_ROW",
    "PEAK_LEVEL_ROW",
    "SHIFT_ARC",
    "SHIFT_CONTRACT",
    "SHIFT_DOWN",
    "SHIFT_OUTAGE",
    "SHIFT_SOURCE",
    "TAKE_ROW",
    "UNAVAILABLE_ROW",
    "UNMET_DAYS_ROW",
    "UNMET_ROW",
    "WINTER_ROW",
    "WITHDRAWAL_ROW",
    "close_arcs",
    "close_contract_year",
    "close_year",
    "mark_year",
    "numba",
]

try:  # the numba engine's one import of numba (fused.py takes it from here)
    import numba
except Exception:  # pragma: no cover - exercised where numba is absent or broken
    numba = None  # type: ignore[assignment]

# Rows of the kernel's route and commodity outputs (the order of ANNUAL_ROUTE and
# ANNUAL_COMMODITY in flowsim.variables; checked at import below).
_DELIVERED, _FLOW, _CAPACITY, _AVAILABLE, CONTRACT_ROW, _OUTAGE = range(6)
_B_CAPACITY, _B_OUTAGE, _B_CONTRACT, _B_ARC, _B_SOURCE, _B_DEMAND = range(6, 12)
TAKE_ROW, UNAVAILABLE_ROW = 12, 13  # by contract year: written as each one closes
DEMAND_ROW, BALANCING_ROW, UNMET_ROW, UNMET_DAYS_ROW = range(4)
INJECTION_ROW, WITHDRAWAL_ROW, EMERGENCY_ROW, LEVEL_ROW, WINTER_ROW = range(4, 9)
CONSUMPTION_ROW, HOME_ROW = 9, 10
_PEAK_DEMAND, _PEAK_DAY, _PEAK_CAPACITY, _PEAK_LARGEST = range(11, 15)
PEAK_LEVEL_ROW = 15
_ARC_FLOW, ARC_CAPACITY_ROW, _ARC_AVAILABLE, _ARC_OUTAGE, _ARC_BINDING = range(5)
# A route's day counts of a year, packed into one int64 of FIELD_BITS bits each (a year
# has at most 366 days): at capacity, of which outage-bound, contract, arc, source, down.
# An arc's: outage days, binding days.
FIELD_BITS = 9
SHIFT_OUTAGE, SHIFT_CONTRACT, SHIFT_ARC, SHIFT_SOURCE, SHIFT_DOWN = (
    FIELD_BITS * k for k in range(1, 6)
)


def mark_year(
    flags: Any,
    active: Any,
    ptr: IntArray,
    start: IntArray,
    duration: IntArray,
    next_event: IntArray,
    first: int,
    n: int,
    m0: int,
    lanes: int,
    targets: int,
) -> None:  # pragma: no cover - compiled
    """Flag ``flags[j, target, lane]`` on the days ``first + j`` of the year that an event
    of (member ``m0 + lane``, target) covers, and ``active[j, target]`` where any lane
    is flagged; ``next_event[target, lane]`` skips the events that ended before the
    year (events of one key are in time order)."""
    flags[:n] = 0
    active[:n] = 0
    end_of_year = first + n
    for k in range(targets):
        for b in range(lanes):
            key = (m0 + b) * targets + k
            e = max(next_event[k, b], ptr[key])
            last = ptr[key + 1]
            while e < last and start[e] + duration[e] <= first:
                e += 1
            next_event[k, b] = e
            while e < last and start[e] < end_of_year:
                lo = max(start[e], first) - first
                hi = min(start[e] + duration[e], end_of_year) - first
                for j in range(lo, hi):
                    flags[j, k, b] = 1
                    active[j, k] = 1
                e += 1


def close_year(
    y: int,
    first: int,
    n: int,
    m0: int,
    b_n: int,
    plan_arrays: tuple[Any, ...],
    shift: IntArray,
    uniform: Any,
    sum_delivered: FloatArray,
    sum_flow: FloatArray,
    sum_available: FloatArray,
    packed: IntArray,
    sums: FloatArray,
    peak: FloatArray,
    peak_day: IntArray,
    route_out: FloatArray,
    commodity_out: FloatArray,
    cap_factor: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Write year ``y`` of the batch's lanes: annual means, unpacked day counts, capacity
    (summed here from the plan, once for a route no lane delays, times the lane's factor
    of the year, ``cap_factor``) and the peak day's capacities (:mod:`flowsim.security`
    makes the metrics of them). ``sums`` (rows of ANNUAL_COMMODITY, commodities, lanes)
    holds the commodities' year: volume sums, the unmet-day count and the storage
    levels."""
    cap_rate, order_ptr, order, has_demand = (
        plan_arrays[3],
        plan_arrays[15],
        plan_arrays[16],
        plan_arrays[18],
    )
    days = float(n)
    mask = (np.int64(1) << FIELD_BITS) - 1
    totals = np.zeros(b_n + 3)
    last = b_n - 1
    for r in range(cap_rate.shape[0]):
        if uniform[r]:
            total = 0.0
            for j in range(n):
                total += cap_rate[r, shift[r, 0] + first + j]
        else:  # each lane's sum in day order, four lanes at once (four chains of adds)
            for b in range(0, b_n, 4):
                s0, s1 = shift[r, b] + first, shift[r, min(b + 1, last)] + first
                s2, s3 = shift[r, min(b + 2, last)] + first, shift[r, min(b + 3, last)] + first
                t0 = t1 = t2 = t3 = 0.0
                for j in range(n):
                    t0 += cap_rate[r, s0 + j]
                    t1 += cap_rate[r, s1 + j]
                    t2 += cap_rate[r, s2 + j]
                    t3 += cap_rate[r, s3 + j]
                totals[b], totals[b + 1], totals[b + 2], totals[b + 3] = t0, t1, t2, t3
        for b in range(b_n):
            m = m0 + b
            if not uniform[r]:
                total = totals[b]
            counts = packed[r, b]
            at_capacity = counts & mask
            outage = (counts >> SHIFT_OUTAGE) & mask
            contract = (counts >> SHIFT_CONTRACT) & mask
            arc = (counts >> SHIFT_ARC) & mask
            source = (counts >> SHIFT_SOURCE) & mask
            route_out[_DELIVERED, m, y, r] = sum_delivered[r, b] / days
            route_out[_FLOW, m, y, r] = sum_flow[r, b] / days
            route_out[_CAPACITY, m, y, r] = total * cap_factor[y, r, m] / days
            route_out[_AVAILABLE, m, y, r] = sum_available[r, b] / days
            route_out[_OUTAGE, m, y, r] = (counts >> SHIFT_DOWN) & mask
            route_out[_B_CAPACITY, m, y, r] = at_capacity - outage
            route_out[_B_OUTAGE, m, y, r] = outage
            route_out[_B_CONTRACT, m, y, r] = contract
            route_out[_B_ARC, m, y, r] = arc
            route_out[_B_SOURCE, m, y, r] = source
            route_out[_B_DEMAND, m, y, r] = n - at_capacity - contract - arc - source
    for c in range(order_ptr.shape[0] - 1):
        for b in range(b_n):
            m = m0 + b
            if not has_demand[c]:
                for row in (DEMAND_ROW, _PEAK_DEMAND, _PEAK_DAY, _PEAK_CAPACITY, _PEAK_LARGEST):
                    commodity_out[row, m, y, c] = np.nan
                commodity_out[PEAK_LEVEL_ROW, m, y, c] = np.nan
                continue
            volumes = (DEMAND_ROW, BALANCING_ROW, UNMET_ROW, INJECTION_ROW, WITHDRAWAL_ROW)
            for row in (*volumes, EMERGENCY_ROW):
                commodity_out[row, m, y, c] = sums[row, c, b] / days
            for row in (UNMET_DAYS_ROW, LEVEL_ROW, WINTER_ROW, PEAK_LEVEL_ROW):
                commodity_out[row, m, y, c] = sums[row, c, b]
            total = 0.0
            largest = 0.0
            for i in range(order_ptr[c], order_ptr[c + 1]):
                r = order[i]
                cap = cap_rate[r, shift[r, b] + peak_day[c, b]] * cap_factor[y, r, m]
                total = cap if i == order_ptr[c] else total + cap
                largest = cap if i == order_ptr[c] else max(largest, cap)
            commodity_out[_PEAK_DEMAND, m, y, c] = peak[c, b]
            commodity_out[_PEAK_DAY, m, y, c] = peak_day[c, b] - first
            commodity_out[_PEAK_CAPACITY, m, y, c] = total
            commodity_out[_PEAK_LARGEST, m, y, c] = largest


def close_contract_year(
    r: int,
    label: int,
    n: int,
    m0: int,
    b_n: int,
    has_contract: Any,
    part: FloatArray,
    total: FloatArray,
    route_out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Fold route ``r``'s days summed in ``part`` (rows take, unavailable; routes; lanes:
    annual rates of a calendar year of ``n`` days) into its contract-year ``total``. With
    ``label`` >= 0 its contract year labelled ``label`` has closed: write it (0 without
    contract) and start anew; -1 starts anew without writing (the days before the first
    contract year); -2 only folds (the end of a calendar year)."""
    days = float(n)
    for b in range(b_n):
        for row in range(2):
            total[row, r, b] += part[row, r, b] / days
            part[row, r, b] = 0.0
        if label >= 0:
            m = m0 + b
            take, short = (total[0, r, b], total[1, r, b]) if has_contract[r] else (0.0, 0.0)
            route_out[TAKE_ROW, m, label, r] = take
            route_out[UNAVAILABLE_ROW, m, label, r] = short
        if label >= -1:
            total[0, r, b] = 0.0
            total[1, r, b] = 0.0


def close_arcs(
    y: int,
    n: int,
    m0: int,
    b_n: int,
    sum_arc_flow: FloatArray,
    sum_arc_available: FloatArray,
    arc_packed: IntArray,
    arc_out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Write year ``y`` of the batch's arcs: annual means and unpacked day counts (the
    capacity row is the plan's, filled by the caller)."""
    days = float(n)
    mask = (np.int64(1) << FIELD_BITS) - 1
    for a in range(sum_arc_flow.shape[0]):
        for b in range(b_n):
            m = m0 + b
            arc_out[_ARC_FLOW, m, y, a] = sum_arc_flow[a, b] / days
            arc_out[_ARC_AVAILABLE, m, y, a] = sum_arc_available[a, b] / days
            arc_out[_ARC_OUTAGE, m, y, a] = arc_packed[a, b] & mask
            arc_out[_ARC_BINDING, m, y, a] = (arc_packed[a, b] >> FIELD_BITS) & mask


if numba is not None:
    mark_year = numba.njit(cache=True)(mark_year)
    close_contract_year = numba.njit(cache=True, error_model="numpy")(close_contract_year)
    close_arcs = numba.njit(cache=True, error_model="numpy")(close_arcs)
    close_year = numba.njit(cache=True, error_model="numpy")(close_year)

_ROUTE_ROWS = ("delivered", "flow", "capacity", "available", "contract", "outage_days")
assert names(ANNUAL_ROUTE)[: len(_ROUTE_ROWS)] == _ROUTE_ROWS
assert names(ANNUAL_COMMODITY) == (
    "demand",
    "balancing",
    "unmet",
    "unmet_days",
    "storage_injection",
    "storage_withdrawal",
    "storage_emergency",
    "storage_level",
    "storage_level_winter_end",
    "consumption",
    "domestic_production",
    "peak_demand",
    "peak_day",
    "peak_route_capacity",
    "peak_largest_route",
    "peak_storage_level",
)
assert names(ANNUAL_ARC) == (
    "arc_flow",
    "arc_capacity",
    "arc_available",
    "arc_outage_days",
    "arc_binding_days",
)
