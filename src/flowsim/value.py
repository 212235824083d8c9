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
    prices, contracts = plan.prices, plan.contracts
    paths = benchmark_paths(prices, members, seed) if prices.drawn else None
    distinct = prices.distinct_prices(paths)  # each (M or 1, months), formula units
    monthly = annual.get(MONTHLY)  # (M, months, routes)
    value, year_price, mean_price = (np.full((m, years, routes), np.nan) for _ in range(3))
    commodities = [plan.commodities[i] for i in plan.route_commodity]
    for r in np.flatnonzero(prices.alike >= 0):
        # USD per bcm or Mt, (M or 1, years, 12)
        per_volume = distinct[prices.alike[r]].reshape(-1, years, 12) * prices.usd_per_volume[r]
        if monthly is not None:
            delivered = monthly[:, :, r].reshape(m, years, 12)
            at = np.broadcast_to(per_volume, delivered.shape)
            value[:, :, r] = np.einsum("myk,myk->my", delivered, at) / 1e6  # no temporary
        standard = USD_PER_UNIT[PRICE_UNITS[commodities[r]]]
        mean_price[:, :, r] = per_volume.mean(axis=2) / standard
        if not np.isnan(contracts.acq[:, r]).all():
            by_month = per_volume.reshape(-1, 12 * years)
            year_price[:, :, r] = _contract_year_mean(plan, int(r), by_month)
    fees = flow * prices.fee.sum(axis=1) / 1e6
    paid = annual["paid_not_taken"] * year_price / 1e6
    cost = value + np.nan_to_num(paid)
    return {
        "trade_value": value,
        "transit_fees": fees,
        "take_or_pay_payment": paid,
        "price": mean_price,
        "importer_cost": cost,
        "exporter_revenue": cost - fees,
    }


def _contract_year_mean(plan: Plan, route: int, per_volume: FloatArray) -> FloatArray:
    """``route``'s mean monthly price over each of its contract years (the months of the
    horizon each covers; NaN where a month has no price), from its prices of shape
    (M or 1, months), shape (M or 1, years)."""
    cal = plan.calendar
    starts = plan.contracts.year_start[route]  # (years,), days
    first = cal.month_starts.searchsorted(starts, side="right") - 1  # each start's month
    stop = np.append(first[1:], 12 * cal.n_years)
    unknown = np.isnan(per_volume)
    zero = np.zeros((len(per_volume), 1))
    sums = np.concatenate([zero, np.cumsum(np.where(unknown, 0.0, per_volume), axis=1)], axis=1)
    gaps = np.concatenate([zero, np.cumsum(unknown, axis=1)], axis=1)
    months = stop - first
    mean = (sums[:, stop] - sums[:, first]) / np.where(months > 0, months, 1)
    known = (months > 0) & (gaps[:, stop] == gaps[:, first])
    result: FloatArray = np.where(known, mean, np.nan)
    return result
