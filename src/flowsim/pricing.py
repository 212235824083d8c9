"""Contract prices from benchmark price paths: the building block of trade value (issue 18).

Long-term pipeline gas and LNG contracts in this region are oil-indexed with lags,
crude sells at a differential to a benchmark, and some prices are fixed with an
escalation. Each formula here turns monthly benchmark prices into monthly contract
prices, vectorised over any leading axes (members), months last:

- :class:`OilIndexed`: ``slope x (average of the benchmark over the averaging window)
  + constant``, in the ``X-Y-Z`` notation of the trade: the average of ``X`` months,
  ``Y`` months of lag, a price reset every ``Z`` months. The price of a reset period
  that starts in month ``m`` is built from months ``m - Y - X .. m - Y - 1``: for
  ``6-3-3`` the July-September price is the average of October to March. A period
  whose window starts before the path, or holds a NaN month, is NaN (no price can be
  formed).
- :class:`Differential`: the benchmark plus a differential (ESPO Blend against Dubai,
  Urals against Brent), each month.
- :class:`Escalating`: a base price growing at a fixed yearly rate from a base year.

Units are the caller's (USD/bbl for crude benchmarks; the formula's slope carries the
conversion to USD/MMBtu or USD per 1000 m³, see :mod:`flowsim.units`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowsim.arrays import FloatArray
from flowsim.errors import FlowsimError

__all__ = ["RESETS", "Differential", "Escalating", "MonthlyPath", "OilIndexed"]

RESETS = (1, 2, 3, 4, 6, 12)
"""Reset periods (months) that divide the year: periods start in January."""


@dataclass(frozen=True)
class MonthlyPath:
    """Monthly values from January of ``first_year`` on, shape (..., months)."""

    first_year: int
    values: FloatArray

    @classmethod
    def from_annual(cls, first_year: int, annual: FloatArray) -> MonthlyPath:
        """Each year's value in each of its months (annual figures, shape (..., years))."""
        return cls(first_year, np.repeat(np.asarray(annual, dtype=np.float64), 12, axis=-1))

    @property
    def months(self) -> int:
        return int(self.values.shape[-1])

    def annual_mean(self) -> FloatArray:
        """Each whole year's mean of the monthly values, shape (..., years) (a mean of
        months, not of days)."""
        years = self.months // 12
        shaped = self.values[..., : years * 12].reshape(*self.values.shape[:-1], years, 12)
        result: FloatArray = shaped.mean(axis=-1)
        return result


@dataclass(frozen=True)
class OilIndexed:
    """``slope x benchmark average + constant`` with an ``X-Y-Z`` averaging, lag and
    reset (:mod:`flowsim.pricing`)."""

    slope: float
    constant: float
    average_months: int
    lag_months: int
    reset_months: int

    def __post_init__(self) -> None:
        if self.average_months < 1:
            raise FlowsimError(f"average_months must be >= 1 (got {self.average_months})")
        if self.lag_months < 0:
            raise FlowsimError(f"lag_months must be >= 0 (got {self.lag_months})")
        if self.reset_months not in RESETS:
            raise FlowsimError(
                f"reset_months must divide the year, one of {', '.join(map(str, RESETS))} "
                f"(got {self.reset_months})"
            )

    @property
    def notation(self) -> str:
        """``"6-3-3"``."""
        return f"{self.average_months}-{self.lag_months}-{self.reset_months}"

    def price(self, benchmark: MonthlyPath) -> MonthlyPath:
        """The contract price in each month of ``benchmark``'s path (NaN where the
        averaging window reaches before the path)."""
        values = np.asarray(benchmark.values, dtype=np.float64)
        n, x, y = benchmark.months, self.average_months, self.lag_months
        zero = np.zeros((*values.shape[:-1], 1))
        missing = np.isnan(values)
        sums = np.concatenate([zero, np.cumsum(np.where(missing, 0.0, values), axis=-1)], axis=-1)
        gaps = np.concatenate([zero, np.cumsum(missing, axis=-1)], axis=-1)
        month = np.arange(n)
        start = month - month % self.reset_months  # the first month of each one's period
        first, stop = start - y - x, start - y  # its window: months first .. stop - 1
        known = first >= 0
        mean = np.full(values.shape, np.nan)
        ok = month[known]
        mean[..., ok] = (sums[..., stop[ok]] - sums[..., first[ok]]) / x
        unknown = gaps[..., stop[ok]] > gaps[..., first[ok]]  # a NaN month in the window
        mean[..., ok] = np.where(unknown, np.nan, mean[..., ok])
        return MonthlyPath(benchmark.first_year, self.slope * mean + self.constant)


@dataclass(frozen=True)
class Differential:
    """The benchmark plus ``offset`` (negative: a discount), each month."""

    offset: float

    def price(self, benchmark: MonthlyPath) -> MonthlyPath:
        return MonthlyPath(benchmark.first_year, benchmark.values + self.offset)


@dataclass(frozen=True)
class Escalating:
    """``base`` in ``base_year``, growing by ``rate`` a year (0.02: 2%), constant within a
    year."""

    base: float
    base_year: int
    rate: float

    def price(self, first_year: int, years: int) -> MonthlyPath:
        """The price in each month of ``years`` years from January of ``first_year``."""
        elapsed = np.arange(years, dtype=np.float64) + (first_year - self.base_year)
        annual = self.base * np.power(1.0 + self.rate, elapsed)
        return MonthlyPath.from_annual(first_year, annual)
