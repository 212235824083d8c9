"""The numba engine's inputs: the plan and the members' draws as its kernel reads them.

Plain arrays in a fixed order (the kernel unpacks them by position), members
last where an array has a member axis (the lanes), events grouped by (member,
target) in time order, and the network's paths and dispatch groups as
compressed rows (``ptr``: where each row starts in the flat index arrays).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import FloatArray, IntArray
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations

__all__ = ["member_arrays", "plan_arrays"]


def _csr(events: Events, members: int, targets: int) -> tuple[IntArray, IntArray, IntArray]:
    """Events grouped by (member, target), in time order as sampled: pointers
    (members * targets + 1,), starts, durations."""
    key = events.member * targets + events.target
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=members * targets)
    ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return ptr, events.start[order], events.duration[order]


def _rows(rows: list[list[int]]) -> tuple[IntArray, IntArray]:
    """Compressed rows: pointers (len(rows) + 1,) and the flat values."""
    ptr = np.cumsum([0, *(len(row) for row in rows)]).astype(np.int64)
    flat = np.array([v for row in rows for v in row], dtype=np.int64)
    return ptr, flat


def _network(plan: Plan) -> tuple[Any, ...]:
    """Dispatch groups and paths: group pointers into the dispatch order and by commodity,
    each group's arcs (ascending), each route's arcs (ascending) with their use."""
    groups = [list(g) for by_commodity in plan.dispatch_groups for g in by_commodity]
    group_ptr = np.cumsum([0, *(len(g) for g in groups)]).astype(np.int64)
    commodity_groups = np.cumsum([0, *(len(g) for g in plan.dispatch_groups)]).astype(np.int64)
    used = plan.arc_use > 0.0
    group_arc_ptr, group_arcs = _rows(
        [[int(a) for a in np.flatnonzero(used[g].any(axis=0))] for g in groups]
    )
    route_arc_ptr, route_arcs = _rows([[int(a) for a in np.flatnonzero(row)] for row in used])
    route_arc_use = plan.arc_use[used].astype(np.float64)  # row-major: the same order
    return (
        group_ptr,
        commodity_groups,
        group_arc_ptr,
        group_arcs,
        route_arc_ptr,
        route_arcs,
        route_arc_use,
    )


def plan_arrays(plan: Plan, annual_cap: FloatArray | None = None) -> tuple[Any, ...]:
    """The plan as the kernel reads it.

    ``annual_cap`` (routes,), test-only: a ceiling on each route's annual mean flow
    (bcm/yr or Mt/yr; inf: none), a bound with memory: what is left of the year's
    allowance is carried from day to day, as a storage level or a contract-year
    total will be.
    """
    cal = plan.calendar
    order = [r for rows in plan.dispatch_order for r in rows]
    order_ptr = np.cumsum([0, *(len(rows) for rows in plan.dispatch_order)])
    no_cap = np.full(len(plan.routes), np.inf)
    return (
        cal.year_starts.astype(np.int64),
        cal.days_in_year.astype(np.int64),
        int(plan.pad),
        plan.capacity_rate,
        plan.has_contract,
        plan.limit_rate,
        plan.loss,
        plan.route_source.astype(np.int64),
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
        plan.multiplier_column.astype(np.int64),
        no_cap if annual_cap is None else np.asarray(annual_cap, dtype=np.float64),
        plan.share,
        plan.shared,
        plan.arc_use,
        plan.arc_capacity_rate,
        plan.arc_maintenance,
        plan.arc_outage_derate,
        plan.shock_arcs,
        *_network(plan),
        *_storage(plan),
        plan.contract_quantity,
        plan.contracts.year_start.astype(np.int64),
        np.isin(np.arange(cal.n_days) + 1, [*cal.month_starts[1:], cal.n_days]),  # month ends
        cal.month_starts.searchsorted(np.arange(cal.n_days), side="right") - 1,  # months
    )


def _storage(plan: Plan) -> tuple[Any, ...]:
    """The commodities' storage pools (:class:`flowsim.plan_storage.StoragePlan`)."""
    pool = plan.storage
    return (
        pool.present,
        pool.volume,
        pool.injection,
        pool.withdrawal,
        pool.floor,
        pool.target,
        pool.initial,
        pool.curves,
        pool.curved,
        pool.after_balancing,
        pool.winter_end.astype(np.int64),
    )


def member_arrays(plan: Plan, real: Realisations) -> tuple[Any, ...]:
    """The members' draws as the kernel reads them: members last (the lanes), events
    grouped by (member, target)."""
    m, years = len(real.members), plan.calendar.n_years
    capacity, production, offtake = (
        real.capacity_factor,
        real.production_factor,
        real.offtake_factor,
    )
    if capacity is None:
        capacity = np.ones((m, years, len(plan.routes)))
    if production is None:
        production = np.ones((m, years, len(plan.sources)))
    if offtake is None:
        offtake = np.ones((m, years, len(plan.routes)))
    return (
        np.ascontiguousarray(real.delay_days.T),  # (routes, members)
        np.ascontiguousarray(real.demand_multiplier.transpose(1, 2, 0)),  # (years, 2, members)
        *_csr(real.outages, m, len(plan.routes)),
        *_csr(real.shock_events, m, len(plan.shocks)),
        *_csr(real.arc_outages, m, len(plan.arcs)),
        np.ascontiguousarray(capacity.transpose(1, 2, 0)),  # (years, routes, members)
        np.ascontiguousarray(production.transpose(1, 2, 0)),  # (years, sources, members)
        np.ascontiguousarray(offtake.transpose(1, 2, 0)),  # (years, routes, members)
    )
