"""A scenario's prices laid out by month: benchmark paths, each route's contract price
and its transit fees, with what one unit of a price is worth per unit of volume.

Months count from January of the horizon's first year; a benchmark path starts
:data:`HISTORY_MONTHS` earlier, so that a formula can average over the months before
the horizon. A benchmark's monthly value is the mean of its schedule over the month's
days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from flowsim.arrays import BoolArray, FloatArray
from flowsim.pricing import Escalating, MonthlyPath
from flowsim.pricing import OilIndexed as OilIndexedFormula
from flowsim.scenario.prices import Differential, Fixed, OilIndexed
from flowsim.scenario.route import Route
from flowsim.scenario.schedules import Ramp, Step, annual_rates
from flowsim.scenario.tree import Scenario
from flowsim.timeline import Calendar
from flowsim.units import BARRELS_PER_TONNE_CRUDE, TBTU_PER_BCM

__all__ = ["HISTORY_MONTHS", "USD_PER_UNIT", "PricePlan"]

HISTORY_MONTHS = 36
"""Months of each benchmark path before the horizon: the longest averaging window plus
the longest lag a formula may give."""

USD_PER_UNIT = {
    "USD/kcm": 1e6,  # 1 bcm = 10^6 thousand m³
    "USD/MMBtu": TBTU_PER_BCM * 1e6,  # 1 TBtu = 10^6 MMBtu
    "USD/bbl": BARRELS_PER_TONNE_CRUDE * 1e6,  # 1 Mt = 10^6 t
    "USD/t": 1e6,
}
"""USD per bcm (gas) or Mt (crude) for a price of 1 in each unit (:mod:`flowsim.units`)."""


def _monthly_means(path: Sequence[Step | Ramp], first: dt.date, months: int) -> FloatArray:
    """The mean of a schedule over each of ``months`` months from ``first``, shape (months,)."""
    start = np.datetime64(first, "D")
    stop = np.datetime64(first, "M") + months
    days = np.arange(start, stop.astype("datetime64[D]"), dtype="datetime64[D]")
    ordinals = days.astype(np.int64) + dt.date(1970, 1, 1).toordinal()
    rates = annual_rates(path, ordinals)
    month = (days.astype("datetime64[M]") - np.datetime64(first, "M")).astype(np.int64)
    result: FloatArray = np.bincount(month, rates, months) / np.bincount(month, None, months)
    return result


@dataclass(frozen=True)
class PricePlan:
    """Monthly prices of a scenario's routes (routes sorted by id)."""

    benchmarks: tuple[str, ...]
    """Benchmark ids, sorted."""
    benchmark: FloatArray
    """Each benchmark's monthly path from :data:`HISTORY_MONTHS` before the horizon, in
    its unit, shape (benchmarks, HISTORY_MONTHS + months)."""
    priced: BoolArray
    """Whether each route has a contract price, shape (routes,)."""
    price: FloatArray
    """Each route's contract price in each month of the horizon, in the formula's unit
    (NaN: no price, or a formula whose window reaches before the path), shape (routes,
    months)."""
    usd_per_volume: FloatArray
    """USD per bcm or Mt of a price of 1 in each route's price unit, shape (routes,)."""
    fee: FloatArray
    """Each route's transit fees by country, USD per bcm or Mt, shape (routes,
    countries)."""
    countries: tuple[str, ...]
    """The countries charging fees, sorted."""

    @property
    def value_per_volume(self) -> FloatArray:
        """Each route's price in USD per bcm or Mt, each month, shape (routes, months)."""
        result: FloatArray = self.price * self.usd_per_volume[:, None]
        return result

    @classmethod
    def of(cls, scenario: Scenario, routes: tuple[str, ...], cal: Calendar) -> PricePlan:
        """Lay out the prices of ``scenario``'s ``routes`` over ``cal``'s months."""
        months = 12 * cal.n_years
        start = cal.date_of(0)
        first = dt.date(start.year - HISTORY_MONTHS // 12, 1, 1)
        benchmarks = tuple(sorted(scenario.prices))
        paths = np.array(
            [
                _monthly_means(scenario.prices[b].path, first, HISTORY_MONTHS + months)
                for b in benchmarks
            ]
        ).reshape(len(benchmarks), HISTORY_MONTHS + months)
        objs = [scenario.routes[r] for r in routes]
        price = np.full((len(routes), months), np.nan)
        for r, route in enumerate(objs):
            if route.price is not None:
                price[r] = _contract_price(route, benchmarks, paths, first, cal)
        countries = tuple(sorted({f.country for route in objs for f in route.transit_fees}))
        fee = np.zeros((len(routes), len(countries)))
        for r, route in enumerate(objs):
            for f in route.transit_fees:
                fee[r, countries.index(f.country)] += f.value * USD_PER_UNIT[f.unit]
        return cls(
            benchmarks=benchmarks,
            benchmark=paths,
            priced=np.array([route.price is not None for route in objs], dtype=bool),
            price=price,
            usd_per_volume=np.array(
                [USD_PER_UNIT[route.price.unit] if route.price else np.nan for route in objs]
            ),
            fee=fee,
            countries=countries,
        )


def _contract_price(
    route: Route, benchmarks: tuple[str, ...], paths: FloatArray, first: dt.date, cal: Calendar
) -> FloatArray:
    """``route``'s contract price in each month of the horizon, shape (months,)."""
    deal = route.price
    months = 12 * cal.n_years
    if isinstance(deal, Fixed):
        fixed = Escalating(deal.base, deal.base_year, deal.escalation)
        return fixed.price(cal.date_of(0).year, cal.n_years).values
    assert isinstance(deal, OilIndexed | Differential)
    path = MonthlyPath(first.year, paths[benchmarks.index(deal.benchmark)])
    if isinstance(deal, OilIndexed):
        formula = OilIndexedFormula(
            deal.slope, deal.constant, deal.average_months, deal.lag_months, deal.reset_months
        )
        return formula.price(path).values[HISTORY_MONTHS:]
    month_starts = np.array(
        [dt.date(cal.date_of(0).year + m // 12, m % 12 + 1, 1) for m in range(months)]
    )
    offset = np.full(months, np.nan)  # none before the first offset
    for step in deal.offsets:  # in date order, each from the first month starting on or
        # after its day until the next
        offset[month_starts >= step.from_] = step.value
    result: FloatArray = path.values[HISTORY_MONTHS:] + offset
    return result
