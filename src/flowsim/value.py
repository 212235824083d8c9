"""What the flows are worth: each route's trade value and transit fees, by year.

Computed after an engine, the same way for every engine, from what it returns: a
route's trade value in a year is the sum over its months of the month's deliveries
(:data:`flowsim.variables.MONTHLY`) times the month's contract price
(:class:`flowsim.plan_prices.PricePlan`), which is a day's delivery at the day's price,
since prices hold for a month at least; its transit fees are the year's flow entering
the route times the fees per unit of volume; a take-or-pay payment is the volume the
buyer paid for but did not take (:mod:`flowsim.contracts`) at the contract year's mean
monthly price. Money is in million US dollars of the day. Prices are at China's border:
the importer's cost is the trade value plus the take-or-pay payment, and the exporter's
revenue is that less the transit fees, which the exporter pays on the way.
"""

from __future__ import annotations

import numpy as np

from flowsim.arrays import Array, FloatArray, IntArray
from flowsim.plan import Plan
from flowsim.plan_prices import USD_PER_UNIT
from flowsim.price_paths import benchmark_paths
from flowsim.variables import MONTHLY, PRICE_UNITS

__all__ = ["trade_value"]


def trade_value(
    plan: Plan, annual: dict[str, Array], members: IntArray, seed: int
) -> dict[str, Array]:
    """The :data:`~flowsim.variables.VALUE` arrays of members ``members`` (numbers, shape
    (M,)) of a run with ``seed``, each of shape (M, years, routes), from an engine's
    ``annual`` arrays (with :data:`~flowsim.variables.MONTHLY` where the plan has
    prices). Benchmark paths with an uncertainty are drawn per member
    (:mod:`flowsim.price_paths`)."""
    flow: FloatArray = annual["flow"]
    m, years, routes = flow.shape
    prices = plan.prices
    paths = benchmark_paths(prices, members, seed) if prices.drawn else None
    # USD per bcm or Mt, shape (M or 1, months, routes) like the monthly deliveries
    per_volume = prices.monthly_price(paths).reshape(-1, 12 * years, routes)
    per_volume *= prices.usd_per_volume
    fees = flow * prices.fee.sum(axis=1) / 1e6
    value = np.full((m, years, routes), np.nan)
    monthly = annual.get(MONTHLY)
    if monthly is not None:
        value = (monthly * per_volume).reshape(m, years, 12, routes).sum(axis=2) / 1e6
    paid = annual["paid_not_taken"] * _contract_year_mean(plan, per_volume) / 1e6
    standard = np.array([USD_PER_UNIT[PRICE_UNITS[c]] for c in _route_commodities(plan)])
    mean_price = per_volume.reshape(-1, years, 12, routes).mean(axis=2)
    mean_price = np.broadcast_to(mean_price, value.shape).copy()  # (M, years, routes)
    cost = value + np.nan_to_num(paid)
    return {
        "trade_value": value,
        "transit_fees": fees,
        "take_or_pay_payment": paid,
        "price": mean_price / standard,
        "importer_cost": cost,
        "exporter_revenue": cost - fees,
    }


def _route_commodities(plan: Plan) -> list[str]:
    return [plan.commodities[i] for i in plan.route_commodity]


def _contract_year_mean(plan: Plan, per_volume: FloatArray) -> FloatArray:
    """Each route's mean monthly price over each contract year (the months of the
    horizon it covers; NaN without a contract, without a price or with a month
    unpriced), from prices of shape (M, months, routes), shape (M, years, routes)."""
    cal, contracts = plan.calendar, plan.contracts
    m, _, n_routes = per_volume.shape
    out = np.full((m, cal.n_years, n_routes), np.nan)
    chosen = np.flatnonzero(plan.prices.priced & ~np.isnan(contracts.acq).all(axis=0))
    if not len(chosen):
        return out
    starts = contracts.year_start[chosen]  # (chosen, years), days
    first = cal.month_starts.searchsorted(starts, side="right") - 1  # each start's month
    stop = np.concatenate([first[:, 1:], np.full((len(chosen), 1), 12 * cal.n_years)], axis=1)
    prices = per_volume[:, :, chosen]
    unknown = np.isnan(prices)
    zero = np.zeros((m, 1, len(chosen)))
    sums = np.concatenate([zero, np.cumsum(np.where(unknown, 0.0, prices), axis=1)], axis=1)
    gaps = np.concatenate([zero, np.cumsum(unknown, axis=1)], axis=1)
    route = np.arange(len(chosen))[:, None]  # against (chosen, years)
    months = stop - first
    mean = (sums[:, stop, route] - sums[:, first, route]) / np.where(months > 0, months, 1)
    known = (months > 0) & (gaps[:, stop, route] == gaps[:, first, route])
    out[:, :, chosen] = np.where(known, mean, np.nan).transpose(0, 2, 1)
    return out
