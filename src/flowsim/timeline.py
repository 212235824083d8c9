"""The days of a run: calendar facts the engines index by day.

Day ``t`` of a run is ``horizon.first_day + t``; arrays over days have shape
``(days,)`` and arrays over years ``(years,)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from flowsim.arrays import FloatArray, IntArray
from flowsim.scenario.tree import Horizon

__all__ = ["Calendar"]


@dataclass(frozen=True)
class Calendar:
    """Calendar of the years ``start_year..end_year`` inclusive."""

    start_year: int
    end_year: int

    @classmethod
    def of(cls, horizon: Horizon) -> Calendar:
        return cls(horizon.start_year, horizon.end_year)

    @cached_property
    def first_ordinal(self) -> int:
        """Proleptic Gregorian ordinal of day 0 (1 January of the first year)."""
        return dt.date(self.start_year, 1, 1).toordinal()

    @cached_property
    def years(self) -> IntArray:
        """Calendar years, shape (years,)."""
        return np.arange(self.start_year, self.end_year + 1, dtype=np.int64)

    @cached_property
    def days_in_year(self) -> IntArray:
        """Days of each year (365 or 366), shape (years,)."""
        return np.array(
            [dt.date(y + 1, 1, 1).toordinal() - dt.date(y, 1, 1).toordinal() for y in self.years],
            dtype=np.int64,
        )

    @cached_property
    def year_starts(self) -> IntArray:
        """Day index of 1 January of each year, shape (years,)."""
        return np.concatenate(([0], np.cumsum(self.days_in_year)[:-1])).astype(np.int64)

    @property
    def n_days(self) -> int:
        return int(self.days_in_year.sum())

    @property
    def n_years(self) -> int:
        return len(self.years)

    @cached_property
    def ordinals(self) -> IntArray:
        """Date ordinal of every day, shape (days,)."""
        return self.first_ordinal + np.arange(self.n_days, dtype=np.int64)

    @cached_property
    def year_index(self) -> IntArray:
        """Index into ``years`` of every day, shape (days,)."""
        return np.repeat(np.arange(self.n_years, dtype=np.int64), self.days_in_year)

    @cached_property
    def month_starts(self) -> IntArray:
        """Day index of the first day of every month of the horizon, shape (years x 12,)."""
        first = np.datetime64(f"{self.start_year:04d}-01", "M")
        months = first + np.arange(12 * self.n_years)
        starts = months.astype("datetime64[D]") - first.astype("datetime64[D]")
        result: IntArray = starts.astype(np.int64)
        return result

    @cached_property
    def month_index(self) -> IntArray:
        """Month of every day, 0 = January, shape (days,)."""
        dates = np.datetime64(f"{self.start_year:04d}-01-01") + np.arange(self.n_days)
        months = dates.astype("datetime64[M]").astype(np.int64) % 12
        return months.astype(np.int64)

    @cached_property
    def days_in_year_of_day(self) -> FloatArray:
        """Days in the year of every day (365.0 or 366.0), shape (days,)."""
        return self.days_in_year[self.year_index].astype(np.float64)

    def day_of(self, date: dt.date) -> int:
        """Day index of a date (negative before the horizon, >= n_days after it)."""
        return date.toordinal() - self.first_ordinal

    def date_of(self, day: int) -> dt.date:
        """The date of day index ``day``."""
        return dt.date.fromordinal(self.first_ordinal + day)

    def yearly_sum(self, daily: npt.NDArray[Any]) -> FloatArray:
        """Sum over the days of each year of the last axis, shape (..., days) -> (..., years).

        Each row is summed on its own, so a member's sums do not depend on
        which other members share its array.
        """
        result: FloatArray = np.add.reduceat(daily, self.year_starts, axis=-1, dtype=np.float64)
        return result

    def yearly_count(self, days: npt.NDArray[np.bool_]) -> IntArray:
        """Number of true days in each year of the last axis, (..., days) -> (..., years)."""
        # bytes summed in 16 bits (a year has at most 366 days): several times faster than int64
        counts = np.add.reduceat(days.view(np.uint8), self.year_starts, axis=-1, dtype=np.uint16)
        result: IntArray = counts.astype(np.int64)
        return result
