"""What the flows are worth: each route's trade value and transit fees, by year.

Computed after an engine, the same way for every engine, from what it returns: a
route's trade value in a year is the sum over its months of the month's deliveries
(:data:`flowsim.variables.MONTHLY`) times the month's contract price
(:class:`flowsim.plan_prices.PricePlan`), which is a day's delivery at the day's price,
since prices hold for a month at least; its transit fees are the year's flow entering
the route times the fees per unit of volume. Money is in million US dollars of the day.
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
    return {"trade_value": value, "transit_fees": fees}
