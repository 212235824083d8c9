"""The numba engine's work on one day, each piece over the lanes (members) of a batch
(:mod:`flowsim.engines.fused` runs the days): a source's production, an arc's
availability, a storage pool's room, a route's own bound, a dispatch group's arc shares
and pro-rata cut, a route's dispatch, and the pool's settlement. Each is a call, not
inlined: an inlined function's arrays are reference-counted at every call (atomic
operations, a tenth of the kernel's time).
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

__all__ = [
    "arc_availability",
    "dispatch",
    "fill_of",
    "offer_room",
    "own_bounds",
    "pro_rata_cut",
    "refill_source",
    "room",
    "settle_storage",
    "share_arcs",
]


def dispatch(
    r: int,
    k: int,
    c: int,
    src: int,
    b_n: int,
    contract_limit: float,
    contract_quantity: float,
    takes: FloatArray,
    reach: float,
    over: float,
    unbounded: float,
    caps: FloatArray,
    factor: FloatArray,
    scale: FloatArray,
    left: FloatArray,
    need: FloatArray,
    budget: FloatArray,
    flows: FloatArray,
    packed: Any,
    sum_delivered: FloatArray,
    sum_flow: FloatArray,
    sum_available: FloatArray,
    contract_part: FloatArray,
    cut: FloatArray,
    offers: FloatArray,
    network: bool,
    pro_rata: bool,
) -> None:  # pragma: no cover - compiled
    """Dispatch route ``r`` (place ``k`` in its group, the row of the scratch arrays) of
    commodity ``c`` in every lane (its contract limit and quantity of the day, times the
    buyer's offtake factor in each lane, row ``r`` of ``takes``): the least of its
    allowance,
    the source left and the demand bound (as selects: a call to min() would not
    vectorise), then what it leaves; its take and what it could not make available of the
    day's contract ``quantity`` go to the contract year. ``network``: whether the route
    runs over arcs; ``pro_rata``: whether its group has several routes, which the need
    cuts by the share ``cut`` of what they offer instead of in turn (constants at each
    call: each case is compiled apart and the terms of the other fold away; run-time
    flags cost 60% more)."""
    for b in range(b_n):
        limit = contract_limit * takes[r, b]  # one array: a second defeats vectorising
        quantity = contract_quantity * takes[r, b]
        avail = caps[k, b] * factor[k, b]
        allow = avail if avail <= limit else limit
        allow = allow * scale[k, b] if network else allow
        supply = left[src, b]
        flow = allow if allow <= supply else supply
        flow = offers[k, b] if pro_rata else flow  # what it offered beside the others
        short = quantity - flow  # what it could not make available, demand aside
        contract_part[1, r, b] += short if short > 0.0 else 0.0
        bound = flow * cut[b] + unbounded if pro_rata else need[c, b] / over + unbounded
        flow = flow if flow <= bound else bound
        bound = budget[r, b]
        flow = flow if flow <= bound else bound
        delivered = flow * reach
        if pro_rata:  # a shared lane's China part is cut too (elsewhere it delivers 0)
            delivered = delivered * cut[b] if unbounded > 0.0 else delivered
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
        contract_part[0, r, b] += flow
        sum_available[r, b] += avail
        if network:
            flows[b] = flow


def own_bounds(
    r: int,
    k: int,
    j: int,
    t: int,
    b_n: int,
    uniform: bool,
    shift: Any,
    cap_rate: FloatArray,
    maintenance: FloatArray,
    outage_derate: FloatArray,
    down: Any,
    any_down: Any,
    shock_routes: Any,
    shock_derate: FloatArray,
    shocked: Any,
    any_shocked: Any,
    caps: FloatArray,
    factor: FloatArray,
    cap_factor: FloatArray,
    y: int,
    m0: int,
) -> None:  # pragma: no cover - compiled
    """Route ``r``'s own bound on day ``t`` (day ``j`` of year ``y``) in every lane, into row
    ``k`` of ``caps`` (its capacity, shifted by each lane's delay, one value for all where
    no lane is delayed: ``uniform``; times the lane's factor of the year, ``cap_factor``
    (years, routes, members) from member ``m0`` on) and ``factor`` (its availability:
    maintenance, times (1 - outage derate) while down and (1 - derate) of each shock on
    it)."""
    if uniform:
        cap = cap_rate[r, shift[r, 0] + t]
        for b in range(b_n):
            caps[k, b] = cap * cap_factor[y, r, m0 + b]
    else:  # gathered apart: a gather keeps the dispatch loop scalar
        for b in range(b_n):
            caps[k, b] = cap_rate[r, shift[r, b] + t] * cap_factor[y, r, m0 + b]
    kept, maint = 1.0 - outage_derate[r], maintenance[r, t]
    if any_down[j, r]:
        for b in range(b_n):
            factor[k, b] = maint * (kept if down[j, r, b] else 1.0)
    else:
        for b in range(b_n):
            factor[k, b] = maint
    for e in range(shock_routes.shape[0]):
        if shock_routes[e, r] and any_shocked[j, e]:
            kept = 1.0 - shock_derate[e]
            for b in range(b_n):
                factor[k, b] = factor[k, b] * (kept if shocked[j, e, b] else 1.0)


def share_arcs(
    first: int,
    last: int,
    arcs: Any,
    order: Any,
    b_n: int,
    arc_use: FloatArray,
    day_limit: FloatArray,
    bounds: tuple[FloatArray, FloatArray, FloatArray],
    asked: FloatArray,
    arc_left: FloatArray,
) -> None:  # pragma: no cover - compiled
    """The shares of ``arcs`` (those the routes at ``order[first:last]``, a dispatch group,
    run over) in every lane: each arc short of what the group's routes ask (``Σ arc_use x
    bound``) grants ``left / asked``; each route's ``scale`` (of ``bounds``: caps, factor,
    scale, rows by place in the group) becomes the
    smallest share on its path. ``day_limit``: each route's contract limit of the day in
    each lane; ``asked``: scratch."""
    caps, factor, scale = bounds
    for a in arcs:
        for b in range(b_n):
            asked[b] = 0.0
        for i in range(first, last):
            r, k = order[i], i - first
            use = arc_use[r, a]
            if use > 0.0:
                for b in range(b_n):
                    limit = day_limit[r, b]
                    avail = caps[k, b] * factor[k, b]
                    asked[b] += use * (avail if avail <= limit else limit)
        shorts = 0
        for b in range(b_n):  # a division only on days the arc is short somewhere
            shorts += asked[b] > arc_left[a, b]
        if shorts == 0:  # every share 1: the routes' scales stay
            continue
        for b in range(b_n):  # what was asked becomes the arc's share
            short = asked[b] > arc_left[a, b]
            asked[b] = arc_left[a, b] / asked[b] if short else 1.0
        for i in range(first, last):
            r, k = order[i], i - first
            if arc_use[r, a] > 0.0:
                for b in range(b_n):
                    scale[k, b] = asked[b] if asked[b] < scale[k, b] else scale[k, b]


def pro_rata_cut(
    c: int,
    first: int,
    last: int,
    order: Any,
    b_n: int,
    routes: tuple[Any, ...],
    bounds: tuple[FloatArray, FloatArray, FloatArray],
    left: FloatArray,
    need: FloatArray,
    cut: FloatArray,
    offers: FloatArray,
    probe: FloatArray,
) -> None:  # pragma: no cover - compiled
    """What each route at ``order[first:last]`` (a group of several) offers in each lane,
    its bound (capacity x availability, contract, the arcs' share) within what the routes
    before it leave of its source (``probe``: scratch, sources by lanes), and the share
    ``cut`` of the offers that commodity ``c``'s need takes, ``min(need / Σ offer x reach,
    1)``: into ``offers`` (rows by place in the group) and ``cut``. ``routes``:
    each route's limit of the day in each lane, its reach and its source."""
    caps, factor, scale = bounds
    limits, reaches, sources = routes
    for b in range(b_n):
        cut[b] = 0.0
    for i in range(first, last):
        src = sources[order[i]]
        for b in range(b_n):
            probe[src, b] = left[src, b]
    for i in range(first, last):
        r, k = order[i], i - first
        reach, src = reaches[r], sources[r]
        for b in range(b_n):
            limit = limits[r, b]
            avail = caps[k, b] * factor[k, b]
            allow = avail if avail <= limit else limit
            allow = allow * scale[k, b]
            supply = probe[src, b]
            offer = allow if allow <= supply else supply
            probe[src, b] = supply - offer
            offers[k, b] = offer
            cut[b] += offer * reach
    for b in range(b_n):
        total = cut[b]
        cut[b] = need[c, b] / total if total > need[c, b] else 1.0


def arc_availability(
    a: int,
    j: int,
    t: int,
    b_n: int,
    maintenance: FloatArray,
    outage_derate: FloatArray,
    down: Any,
    shock_arcs: Any,
    shock_derate: FloatArray,
    shocked: Any,
    any_shocked: Any,
    lane: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Arc ``a``'s availability on day ``t`` (day ``j`` of its year) in every lane, into
    ``lane``: maintenance, times (1 - outage derate) while down and (1 - derate) of each
    shock on it."""
    kept, maint = 1.0 - outage_derate[a], maintenance[a, t]
    for b in range(b_n):
        lane[b] = maint * (kept if down[j, a, b] else 1.0)
    for k in range(shock_arcs.shape[0]):
        if shock_arcs[k, a] and any_shocked[j, k]:
            kept = 1.0 - shock_derate[k]
            for b in range(b_n):
                lane[b] = lane[b] * (kept if shocked[j, k, b] else 1.0)


def refill_source(
    s: int,
    j: int,
    t: int,
    b_n: int,
    production: FloatArray,
    shock_sources: Any,
    shock_derate: FloatArray,
    shocked: Any,
    any_shocked: Any,
    left: FloatArray,
    prod_factor: FloatArray,
    y: int,
    m0: int,
) -> None:  # pragma: no cover - compiled
    """Source ``s``'s production on day ``t`` (day ``j`` of year ``y``) in every lane, into
    ``left``: the schedule, times (1 - derate) of each shock on it, times the lane's
    factor of the year (``prod_factor``: years, sources, members from ``m0`` on)."""
    for b in range(b_n):
        left[s, b] = production[s, t]
    for k in range(shock_sources.shape[0]):
        if shock_sources[k, s] and any_shocked[j, k]:
            kept = 1.0 - shock_derate[k]
            for b in range(b_n):
                left[s, b] = left[s, b] * (kept if shocked[j, k, b] else 1.0)
    for b in range(b_n):
        left[s, b] = left[s, b] * prod_factor[y, s, m0 + b]


def offer_room(
    c: int,
    t: int,
    n: int,
    b_n: int,
    volumes: FloatArray,
    injections: FloatArray,
    curves: FloatArray,
    curved: Any,
    level: FloatArray,
    intake: FloatArray,
    offered: FloatArray,
) -> None:  # pragma: no cover - compiled
    """Day ``t`` of commodity ``c``'s pool in every lane, before its routes: its injection
    rate into ``intake`` (the schedule, times its fill curve where it has one) and the
    room it offers as demand into ``offered`` (:func:`room`)."""
    volume, rate = volumes[c, t], injections[c, t]
    fills, factors = curves[c, 0, 0], curves[c, 0, 1]
    if curved[c, 0]:  # apart, so that the room's loop vectorises
        for b in range(b_n):
            fill = fill_of(level[c, b], volume)
            intake[c, b] = rate * np.interp(fill, fills, factors)
    else:
        for b in range(b_n):
            intake[c, b] = rate
    for b in range(b_n):
        offered[c, b] = room(level[c, b], volume, intake[c, b], n)


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
    offer_room = numba.njit(error_model="numpy")(offer_room)
    arc_availability = numba.njit(error_model="numpy")(arc_availability)
    pro_rata_cut = numba.njit(error_model="numpy")(pro_rata_cut)
    share_arcs = numba.njit(error_model="numpy")(share_arcs)
    own_bounds = numba.njit(error_model="numpy")(own_bounds)
    refill_source = numba.njit(error_model="numpy")(refill_source)
    dispatch = numba.njit(error_model="numpy")(dispatch)
