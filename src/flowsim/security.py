"""Security-of-supply metrics of each member-year, from what the engines record on the
year's peak-demand day (docs/model.md, "Security of supply").

- **corridor cover**: the routes' nominal capacity on the peak day less the
  largest route's, over the day's import demand: how far the corridors alone
  cover the peak without their biggest member (flowsim's ``n_minus_1`` before
  version 0.2, under its honest name);
- **N-1** (EU Regulation 2017/1938, Annex II):
  ``(EP + P + S + LNG - I) / D``, with EP the routes' capacity, P domestic
  production, S storage deliverability, LNG the balancing supply's send-out
  cap, I the single largest infrastructure (the largest route or shared arc)
  and D total demand (import demand plus domestic production) on the peak day;
  its users compare it with 100% (NaN where balancing supply has no cap: an
  unlimited term makes the ratio meaningless);
- **survival time**: from the start of the peak day, with the largest
  infrastructure lost and demand held at the peak, the days the storage level
  covers what the rest of supply leaves short (the JRC GEMFLOW sense; 0 when
  the shortfall exceeds storage deliverability, :data:`SURVIVAL_CAP` when there
  is none).

One implementation for every engine: it runs on the engines' arrays, after them.
"""

from __future__ import annotations

import numpy as np

from flowsim.arrays import FloatArray
from flowsim.plan import Plan

__all__ = ["SURVIVAL_CAP", "security_metrics"]

SURVIVAL_CAP = 365.0
"""Survival time reported when supply without the largest infrastructure still meets the
peak (or storage would last longer): a year or more, days."""


def security_metrics(plan: Plan, arrays: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """``corridor_cover``, ``n_minus_1`` and ``survival_days`` of each member, year and
    commodity, shape (M, years, commodities), from the engines' ``peak_*`` arrays (NaN
    for a commodity without demand or without routes)."""
    demand = arrays["peak_demand"]
    routes = arrays["peak_route_capacity"]
    largest = arrays["peak_largest_route"]
    level = arrays["peak_storage_level"]
    cal = plan.calendar
    peak_day = np.nan_to_num(arrays["peak_day"], nan=0.0).astype(np.int64)  # NaN: no demand
    day = np.clip(cal.year_starts[None, :, None] + peak_day, 0, plan.n_days - 1)
    c = np.arange(len(plan.commodities))[None, None, :]
    production = np.nan_to_num(plan.home_production[c, day], nan=0.0)
    storage = np.where(plan.storage.present[c], plan.storage.withdrawal[c, day], 0.0)
    lng = plan.balancing[c, day]
    arcs = _largest_arc(plan)[c, day]
    single = np.maximum(largest, arcs)
    total = demand + production
    days = cal.days_in_year[None, :, None].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cover = (routes - largest) / demand
        n_minus_1 = (routes + production + storage + lng - single) / total
        short = total - (routes + production + lng - single)  # annual rate
        lasts = np.where(short <= 0.0, SURVIVAL_CAP, level / short * days)
        survival = np.where(short > storage, 0.0, np.minimum(lasts, SURVIVAL_CAP))
    no_routes = ~np.isfinite(demand) | np.isnan(demand)
    no_routes |= np.array([not order for order in plan.dispatch_order])[None, None, :]
    return {
        "corridor_cover": np.where(no_routes, np.nan, cover),
        "n_minus_1": np.where(no_routes | ~np.isfinite(n_minus_1), np.nan, n_minus_1),
        "survival_days": np.where(no_routes, np.nan, survival),
    }


def _largest_arc(plan: Plan) -> FloatArray:
    """Capacity of each commodity's largest shared arc on each day (0 without arcs), shape
    (commodities, days)."""
    out = np.zeros((len(plan.commodities), plan.n_days))
    for a in range(len(plan.arcs)):
        c = plan.arc_commodity[a]
        out[c] = np.maximum(out[c], plan.arc_capacity_rate[a])
    return out
