"""What the flows are worth: each route's trade value and transit fees, by year.

Computed after an engine, the same way for every engine, from what it returns: a
route's trade value in a year is the sum over its months of the month's deliveries
(:data:`flowsim.variables.MONTHLY`) times the month's contract price
(:class:`flowsim.plan_prices.PricePlan`), which is a day's delivery at the day's price,
since prices hold for a month at least; its transit fees are the year's flow entering
the route times the fees per unit of volume; a take-or-pay payment is the volume the
buyer paid for but did not take (:mod:`flowsim.contracts`) at the contract year's mean
monthly price. Money is in million US dollars of the day.
"""

from __future__ import annotations

import numpy as np

from flowsim.arrays import Array, FloatArray
from flowsim.plan import Plan
from flowsim.variables import MONTHLY

__all__ = ["trade_value"]


def trade_value(plan: Plan, annual: dict[str, Array]) -> dict[str, Array]:
    """``trade_value`` and ``transit_fees`` of each member, year and route, shape
    (members, years, routes), from an engine's ``annual`` arrays (with
    :data:`~flowsim.variables.MONTHLY` where the plan has prices)."""
    flow: FloatArray = annual["flow"]
    m, years, routes = flow.shape
    fees = flow * plan.prices.fee.sum(axis=1) / 1e6
    value = np.full((m, years, routes), np.nan)
    monthly = annual.get(MONTHLY)
    if monthly is not None:
        worth = monthly * plan.prices.value_per_volume.T[None] / 1e6  # (members, months, routes)
        value = worth.reshape(m, years, 12, routes).sum(axis=2)
    paid = annual["paid_not_taken"] * _contract_year_price(plan)[None] / 1e6
    return {"trade_value": value, "transit_fees": fees, "take_or_pay_payment": paid}


def _contract_year_price(plan: Plan) -> FloatArray:
    """Each route's mean monthly price over each contract year, USD per bcm or Mt (the
    months of the horizon it covers; NaN without a price), shape (years, routes)."""
    cal, starts = plan.calendar, plan.contracts.year_start  # (routes, years), days
    month = cal.month_starts.searchsorted(starts, side="right") - 1  # each start's month
    ends = np.concatenate([month[:, 1:], np.full((len(starts), 1), 12 * cal.n_years)], axis=1)
    price = plan.prices.value_per_volume  # (routes, months)
    out = np.full(starts.shape, np.nan)
    for r, y in np.ndindex(starts.shape):
        if plan.prices.priced[r] and ends[r, y] > month[r, y]:
            out[r, y] = price[r, month[r, y] : ends[r, y]].mean()
    result: FloatArray = out.T
    return result
