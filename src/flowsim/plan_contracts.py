"""The contracts of a scenario over their contract years, laid out as arrays.

The engines sum, for each route and contract year, what the buyer took and what
the seller could not make available (docs/model.md, "Contracts over time");
:mod:`flowsim.contracts` keeps the take-or-pay account from those sums and the
arrays here. A contract year starts on the first day of its ``year_start_month``
and is labelled by the calendar year it starts in; with month 1 it is the
calendar year. Rates are annual rates (bcm/yr, Mt/yr), like every daily quantity
of :class:`flowsim.plan.Plan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.scenario.route import Route
from flowsim.timeline import Calendar

__all__ = ["ContractPlan"]


@dataclass(frozen=True)
class ContractPlan:
    """Each route's contract (of :attr:`Plan.routes`) by contract year; neutral values
    (no quantity, no take-or-pay) for a route without one."""

    operating_days: BoolArray
    """Whether each contract spreads its ACQ over the operating days (its daily quantity,
    :attr:`flowsim.plan.Plan.contract_quantity`, then follows planned maintenance),
    shape (routes,)."""
    year_start: IntArray
    """Day (from the start of the horizon) the contract year labelled by each calendar
    year starts, shape (routes, years)."""
    acq: FloatArray
    """ACQ of each contract year (the year's volume, bcm or Mt; NaN without contract and
    for a contract year the horizon cuts short), shape (years, routes)."""
    min_take: FloatArray
    """Take-or-pay fraction of each contract (0 without contract), shape (routes,)."""
    make_up: FloatArray
    """Most make-up volume taken back in a contract year, as a fraction of its ACQ,
    shape (routes,)."""
    make_up_years: IntArray
    """Contract years a paid-not-taken volume stays recoverable (the horizon's length
    where it is unlimited), shape (routes,)."""

    @classmethod
    def of(cls, routes: list[Route], acq_rate: FloatArray, cal: Calendar) -> ContractPlan:
        """Lay out ``routes``' contracts from the plan's ``acq_rate`` (routes, days: from
        day 0)."""
        n_routes = len(routes)
        year_start = np.tile(cal.year_starts, (n_routes, 1))
        acq = np.full((cal.n_years, n_routes), np.nan)
        per_day = np.concatenate(
            [np.zeros((n_routes, 1)), np.cumsum(acq_rate / cal.days_in_year_of_day, axis=1)],
            axis=1,
        )  # the ACQ volume before each day
        for r, route in enumerate(routes):
            deal = route.contract
            if deal is None:
                continue
            month = deal.year_start_month
            starts = [cal.day_of(dt.date(int(y), month, 1)) for y in cal.years]
            year_start[r] = starts
            ends = [*starts[1:], cal.day_of(dt.date(cal.end_year + 1, month, 1))]
            for y, (begin, end) in enumerate(zip(starts, ends, strict=True)):
                if end <= cal.n_days:
                    acq[y, r] = per_day[r, end] - per_day[r, begin]
        horizon = cal.n_years
        return cls(
            operating_days=np.array(
                [
                    d is not None and d.spread_over == "operating_days"
                    for d in (r.contract for r in routes)
                ],
                dtype=bool,
            ),
            year_start=year_start,
            acq=acq,
            min_take=np.array(
                [r.contract.min_take_fraction if r.contract else 0.0 for r in routes]
            ),
            make_up=np.array([r.contract.make_up_fraction if r.contract else 0.0 for r in routes]),
            make_up_years=np.array(
                [(r.contract.make_up_years or horizon) if r.contract else horizon for r in routes],
                dtype=np.int64,
            ),
        )
