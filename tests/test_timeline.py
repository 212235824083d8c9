"""The days of a run (flowsim.timeline.Calendar): years, leap days, months, yearly sums."""

from __future__ import annotations

import datetime as dt

import numpy as np

from flowsim.timeline import Calendar


def test_years_and_their_days_include_leap_years() -> None:
    """2023-2025 has 365, 366 and 365 days, starting on days 0, 365 and 731."""
    cal = Calendar(2023, 2025)
    assert cal.years.tolist() == [2023, 2024, 2025]
    assert cal.days_in_year.tolist() == [365, 366, 365]
    assert cal.year_starts.tolist() == [0, 365, 731]
    assert (cal.n_days, cal.n_years) == (1096, 3)
    assert cal.days_in_year_of_day[[0, 365, 1095]].tolist() == [365.0, 366.0, 365.0]


def test_day_and_date_convert_both_ways_outside_the_horizon_too() -> None:
    """day_of and date_of are inverse; days before the horizon are negative."""
    cal = Calendar(2023, 2025)
    assert cal.day_of(dt.date(2023, 1, 1)) == 0
    assert cal.day_of(dt.date(2024, 2, 29)) == 365 + 31 + 28
    assert cal.day_of(dt.date(2022, 12, 31)) == -1
    for day in (-40, 0, 59, 424, 1095, 1200):
        assert cal.day_of(cal.date_of(day)) == day
    assert cal.ordinals[0] == dt.date(2023, 1, 1).toordinal()


def test_month_and_year_index_of_each_day() -> None:
    """Each day knows its month (0 = January) and its year's position."""
    cal = Calendar(2023, 2025)
    leap_day = cal.day_of(dt.date(2024, 2, 29))
    assert cal.month_index[[0, 31, leap_day, leap_day + 1, 1095]].tolist() == [0, 1, 1, 2, 11]
    assert cal.year_index[[0, 364, 365, 730, 731]].tolist() == [0, 0, 1, 1, 2]


def test_yearly_sums_and_counts_go_row_by_row() -> None:
    """yearly_sum adds each year's days per row; yearly_count counts true days."""
    cal = Calendar(2023, 2025)
    ones = np.ones((2, cal.n_days))
    ones[1] *= 2.0
    assert cal.yearly_sum(ones).tolist() == [[365, 366, 365], [730, 732, 730]]
    winter = np.broadcast_to(cal.month_index == 0, (2, cal.n_days))
    assert cal.yearly_count(winter).tolist() == [[31, 31, 31], [31, 31, 31]]


def test_calendar_counts_leap_days() -> None:
    """2015-2050 has 13,149 days; 2024 has 366."""
    cal = Calendar(2015, 2050)
    assert cal.n_days == 13_149
    assert cal.days_in_year[cal.years.tolist().index(2024)] == 366
    assert cal.date_of(cal.year_starts[-1]) == dt.date(2050, 1, 1)
    assert cal.month_index[cal.day_of(dt.date(2016, 2, 29))] == 1
