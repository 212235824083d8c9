"""The numba engine's work on one day: a route's dispatch and a storage pool's settlement,
each over the lanes (members) of a batch (:mod:`flowsim.engines.fused` runs the days).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import FloatArray
from flowsim.engines.fused_years import (
    BALANCING_ROW,
    EMERGENCY_ROW,
    INJECTION_ROW,
    SHIFT_ARC,
    SHIFT_CONTRACT,
    SHIFT_DOWN,
    SHIFT_OUTAGE,
    SHIFT_SOURCE,
    UNMET_DAYS_ROW,
    UNMET_ROW,
    WITHDRAWAL_ROW,
    numba,
)
from flowsim.engines.storage_rule import clear_day, fill_of, room
from flowsim.variables import UNMET_SHARE

__all__ = ["dispatch", "fill_of", "room", "settle_storage"]


def dispatch(
    r: int,
    k: int,
    c: int,
    src: int,
    b_n: int,
    limit: float,
    reach: float,
    over: float,
    unbounded: float,
    books: tuple[Any, ...],
    network: bool,
) -> None:  # pragma: no cover - compiled
    """Dispatch route ``r`` (place ``k`` in its group, the row of the scratch arrays) of
    commodity ``c`` in every lane: the least of its allowance,
    the source left and the demand bound (as selects: a call to min() would not
    vectorise), then what it leaves. ``network``: whether the route runs over arcs (a
    constant at each call: inlined, the arc terms of a route off the network fold away)."""
    caps, factor, scale, left, need, budget, flows, packed, sum_delivered, sum_flow = books[:10]
    sum_available = books[10]
    for b in range(b_n):
        avail = caps[k, b] * factor[k, b]
        allow = avail if avail <= limit else limit
        allow = allow * scale[k, b] if network else allow
        supply = left[src, b]
        flow = allow if allow <= supply else supply
        bound = need[c, b] / over + unbounded
        flow = flow if flow <= bound else bound
        bound = budget[r, b]
        flow = flow if flow <= bound else bound
        delivered = flow * reach
        still = need[c, b]  # a shared lane's other buyers take the rest
        delivered = delivered if delivered <= still else still
        at_capacity = flow == avail
        derated = factor[k, b] < 1.0
        by_contract = (flow == limit) & (not at_capacity)
        by_arc = network & (flow == allow) & (not at_capacity) & (not by_contract)
        by_source = (flow == supply) & (not at_capacity) & (not by_contract) & (not by_arc)
        packed[r, b] += (
            np.int64(at_capacity)
            + (np.int64(at_capacity & derated) << SHIFT_OUTAGE)
            + (np.int64(by_contract) << SHIFT_CONTRACT)
            + (np.int64(by_arc) << SHIFT_ARC)
            + (np.int64(by_source) << SHIFT_SOURCE)
            + (np.int64(derated) << SHIFT_DOWN)
        )
        left[src, b] = supply - flow
        still = still - delivered
        need[c, b] = still if still >= 0.0 else 0.0
        budget[r, b] = budget[r, b] - flow
        sum_delivered[r, b] += delivered
        sum_flow[r, b] += flow
        sum_available[r, b] += avail
        if network:
            flows[b] = flow


def settle_storage(
    c: int,
    t: int,
    n: int,
    b_n: int,
    pool: tuple[Any, ...],
    balancing_cap: float,
    need: FloatArray,
    dem: FloatArray,
    offered: FloatArray,
    intake: FloatArray,
    outlet: FloatArray,
    level: FloatArray,
    sums: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Settle day ``t`` of commodity ``c``'s pool in every lane after its routes
    (:func:`flowsim.engines.storage_rule.clear_day`): injection, withdrawal, balancing
    and unmet into the year's ``sums``, the new level into ``level``; ``intake`` holds
    each lane's injection rate of the day, ``outlet`` takes its withdrawal rate. ``pool``: the
    pools' volume, withdrawal, floor, target, curves, whether they are curved and the
    order, as the plan has them."""
    volumes, withdrawals, floors, targets, curves, curved, after_balancing = pool
    volume, rate, floor, target = volumes[c, t], withdrawals[c, t], floors[c, t], targets[c, t]
    after = after_balancing[c]
    fills, factors = curves[c, 1, 0], curves[c, 1, 1]
    if curved[c, 1]:  # apart: a call in the settling loop would keep it scalar
        for b in range(b_n):
            outlet[c, b] = rate * np.interp(fill_of(level[c, b], volume), fills, factors)
    else:
        for b in range(b_n):
            outlet[c, b] = rate
    for b in range(b_n):
        injected, withdrawn, emergency, bal, unmet, level[c, b] = clear_day(
            need[c, b], offered[c, b], level[c, b], volume, outlet[c, b], floor, target,
            intake[c, b], balancing_cap, n, after,
        )  # fmt: skip
        sums[BALANCING_ROW, c, b] += bal
        sums[UNMET_ROW, c, b] += unmet
        sums[UNMET_DAYS_ROW, c, b] += unmet > UNMET_SHARE * dem[c, b]
        sums[INJECTION_ROW, c, b] += injected
        sums[WITHDRAWAL_ROW, c, b] += withdrawn
        sums[EMERGENCY_ROW, c, b] += emergency


if numba is not None:
    clear_day = numba.njit(inline="always", error_model="numpy")(clear_day)
    fill_of = numba.njit(inline="always", error_model="numpy")(fill_of)
    room = numba.njit(inline="always", error_model="numpy")(room)
    settle_storage = numba.njit(error_model="numpy")(settle_storage)
    dispatch = numba.njit(inline="always", error_model="numpy")(dispatch)
