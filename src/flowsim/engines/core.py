"""The vectorised numpy engine: members and days as array axes.

One call simulates one chunk of members; the caller chunks a large ensemble so
that working memory stays flat as members grow. Nothing couples days except the
order of routes within a day, so each route is one pass over a (members, days)
array, routes of a commodity in dispatch order (docs/model.md, "One day").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowsim.plan import BINDING, Plan
from flowsim.sampling import Realisations

__all__ = ["ANNUAL_ROUTE_VARS", "COMMODITY_VARS", "simulate_chunk"]

FloatArray = npt.NDArray[np.float64]

ANNUAL_ROUTE_VARS = (
    "delivered",
    "flow",
    "capacity",
    "available",
    "contract",
    "outage_days",
    *(f"binding_{b}_days" for b in BINDING),
)
COMMODITY_VARS = ("demand", "balancing", "unmet", "n_minus_1")


def _shifted(rates: FloatArray, pad: int, delays: npt.NDArray[np.int64], days: int) -> FloatArray:
    """Annual rates shifted later by each member's delay, shape (M, days) or (1, days)."""
    if not delays.any():
        return rates[pad : pad + days][None, :]
    index = (pad - delays)[:, None] + np.arange(days)
    shifted: FloatArray = rates[index]
    return shifted


def simulate_chunk(plan: Plan, real: Realisations, *, daily: bool = False) -> dict[str, FloatArray]:
    """Simulate the members of ``real``.

    Returns
    -------
    Arrays by name: route variables (M, years, routes), commodity variables
    ``demand``, ``balancing``, ``unmet``, ``n_minus_1`` (M, years, commodities; demand
    and N-1 are NaN for a commodity without a demand block);
    with ``daily``, also ``daily_*`` arrays (M, days, routes | commodities | sources).
    """
    cal = plan.calendar
    m, n, years = len(real.members), cal.n_days, cal.n_years
    n_routes, n_commodities = len(plan.routes), len(plan.commodities)
    diy = cal.days_in_year_of_day

    shock_on = [real.shock_events.of(target=k).active(m, n) for k in range(len(plan.shocks))]

    def derated(
        base: FloatArray, hit: list[int], outage: npt.NDArray[np.bool_] | None, derate: float
    ) -> FloatArray:
        factor = np.broadcast_to(base, (m, n)) if (hit or outage is not None) else base[None, :]
        if outage is not None:
            factor = factor * np.where(outage, 1.0 - derate, 1.0)
        for k in hit:
            factor = factor * np.where(shock_on[k], 1.0 - plan.shock_derate[k], 1.0)
        return np.asarray(factor)

    source_left = [
        np.broadcast_to(
            derated(
                plan.production[s],
                [int(k) for k in np.flatnonzero(plan.shock_sources[:, s])],
                None,
                0.0,
            ),
            (m, n),
        ).copy()
        for s in range(len(plan.sources))
    ]
    out: dict[str, FloatArray] = {
        name: np.zeros((m, years, n_routes)) for name in ANNUAL_ROUTE_VARS
    }
    for name in COMMODITY_VARS:
        out[name] = np.zeros((m, years, n_commodities))
    if daily:
        for name in ("flow", "delivered", "available", "contract_limit"):
            out[f"daily_{name}"] = np.zeros((m, n, n_routes))
        for name in ("demand", "balancing", "unmet"):
            out[f"daily_{name}"] = np.zeros((m, n, n_commodities))
        out["daily_production"] = np.stack([*source_left, np.zeros((m, n))], axis=2)[:, :, :-1]

    member_year = np.arange(m)[:, None] * years + cal.year_index[None, :]
    nominal = np.zeros((n_routes, m, n))
    for c in range(n_commodities):
        col = plan.multiplier_column[c]
        demand = np.broadcast_to(
            plan.demand[c] * real.demand_multiplier[:, cal.year_index, col], (m, n)
        )
        need = np.array(demand) if plan.has_demand[c] else np.full((m, n), np.inf)
        for r in plan.dispatch_order[c]:
            delays = real.delay_days[:, r]
            pad = int(plan.delay_pad[r])
            cap = _shifted(plan.capacity_rate[r], pad, delays, n) / diy
            outages = real.outages.of(target=r)
            down = outages.active(m, n) if len(outages) else None
            hit = [int(k) for k in np.flatnonzero(plan.shock_routes[:, r])]
            avail_factor = derated(plan.maintenance[r], hit, down, plan.outage_derate[r])
            cap_avail = cap * avail_factor
            acq_rates = plan.acq_rate[r]
            limit = (
                np.full((1, n), np.inf)
                if acq_rates is None
                else _shifted(acq_rates, pad, delays, n) / diy * plan.flexibility[r]
            )
            src = source_left[plan.route_source[r]]
            loss = plan.loss[r]
            by_demand = need / (1.0 - loss)
            flow = np.minimum(np.minimum(cap_avail, limit), np.minimum(src, by_demand))
            binding = np.where(
                flow == cap_avail,
                np.where(avail_factor < 1.0, 1, 0),
                np.where(flow == limit, 2, np.where(flow == src, 3, 4)),
            )
            delivered = flow * (1.0 - loss)
            src -= flow
            need = np.maximum(need - delivered, 0.0)

            counts = np.bincount(
                (member_year * len(BINDING) + binding).ravel(), minlength=m * years * len(BINDING)
            ).reshape(m, years, len(BINDING))
            for b, name in enumerate(BINDING):
                out[f"binding_{name}_days"][:, :, r] = counts[:, :, b]
            out["delivered"][:, :, r] = cal.yearly_sum(delivered)
            out["flow"][:, :, r] = cal.yearly_sum(flow)
            out["capacity"][:, :, r] = cal.yearly_sum(cap)
            out["available"][:, :, r] = cal.yearly_sum(cap_avail)
            out["outage_days"][:, :, r] = cal.yearly_sum((avail_factor < 1.0).astype(np.float64))
            if acq_rates is not None:
                out["contract"][:, :, r] = cal.yearly_sum(limit) / plan.flexibility[r]
            nominal[r] = cap  # broadcasts (1, days) to (M, days)
            if daily:
                out["daily_flow"][:, :, r] = flow
                out["daily_delivered"][:, :, r] = delivered
                out["daily_available"][:, :, r] = cap_avail
                out["daily_contract_limit"][:, :, r] = limit
        if plan.has_demand[c]:
            balancing = np.minimum(need, plan.balancing[c])
            unmet = need - balancing
            out["demand"][:, :, c] = cal.yearly_sum(demand)
            out["balancing"][:, :, c] = cal.yearly_sum(balancing)
            out["unmet"][:, :, c] = cal.yearly_sum(unmet)
            out["n_minus_1"][:, :, c] = _n_minus_1(plan, c, np.asarray(demand), nominal)
            if daily:
                out["daily_demand"][:, :, c] = demand
                out["daily_balancing"][:, :, c] = balancing
                out["daily_unmet"][:, :, c] = unmet
        else:
            out["demand"][:, :, c] = np.nan
            out["n_minus_1"][:, :, c] = np.nan
            if daily:
                out["daily_demand"][:, :, c] = np.nan
    return out


def _n_minus_1(plan: Plan, c: int, demand: FloatArray, capacity: FloatArray) -> FloatArray:
    """N-1 of each member-year, shape (M, years).

    Nominal route capacity on the year's peak-demand day, less the largest
    route's, over that day's demand.
    """
    cal = plan.calendar
    routes = np.array(plan.dispatch_order[c], dtype=np.int64)
    m = demand.shape[0]
    result = np.full((m, cal.n_years), np.nan)
    if not len(routes):
        return result
    rows = np.arange(m)
    for y, (start, count) in enumerate(zip(cal.year_starts, cal.days_in_year, strict=True)):
        peak = start + np.argmax(demand[:, start : start + count], axis=1)
        supply = capacity[routes[:, None], rows[None, :], peak[None, :]]  # (routes, M)
        peak_demand = demand[rows, peak]
        with np.errstate(divide="ignore", invalid="ignore"):
            result[:, y] = (supply.sum(axis=0) - supply.max(axis=0)) / peak_demand
    return result
