"""Schedules evaluate to the annual rate an analyst reads off the file."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from flowsim.scenario.schedules import Ramp, Step, annual_rates

CITE = "assumption: test"


def on(*dates: str) -> np.ndarray:
    return np.array([dt.date.fromisoformat(d).toordinal() for d in dates], dtype=np.int64)


def step(day: str, value: float) -> Step:
    return Step.model_validate({"from": day, "value": value, "cite": CITE})


def ramp(start: str, end: str, a: float, b: float, shape: str = "linear") -> Ramp:
    return Ramp.model_validate(
        {"start": start, "end": end, "from_value": a, "to_value": b, "shape": shape, "cite": CITE}
    )


def test_zero_before_first_entry_and_steps_hold() -> None:
    """Nothing before the first step; each step holds until the next."""
    schedule = [step("2019-12-02", 5), step("2021-01-01", 10)]
    rates = annual_rates(
        schedule, on("2019-12-01", "2019-12-02", "2020-12-31", "2021-01-01", "2040-01-01")
    )
    assert rates.tolist() == [0, 5, 5, 10, 10]


def test_empty_schedule_is_zero() -> None:
    """A route with `capacity = []` is never built."""
    assert annual_rates([], on("2020-01-01")).tolist() == [0]


def test_linear_ramp_interpolates_and_holds() -> None:
    """A linear ramp is at its midpoint halfway and holds its end value after."""
    schedule = [ramp("2020-01-01", "2020-01-11", 10, 20)]
    rates = annual_rates(
        schedule, on("2019-12-31", "2020-01-01", "2020-01-06", "2020-01-11", "2030-01-01")
    )
    assert rates.tolist() == [0, 10, 15, 20, 20]


def test_logistic_ramp_meets_its_ends_and_is_s_shaped() -> None:
    """A logistic ramp starts and ends on its values, passes the midpoint halfway, lags early."""
    schedule = [ramp("2020-01-01", "2020-01-11", 0, 100, "logistic")]
    rates = annual_rates(schedule, on("2020-01-01", "2020-01-03", "2020-01-06", "2020-01-11"))
    assert rates[0] == pytest.approx(0)
    assert rates[2] == pytest.approx(50)
    assert rates[3] == pytest.approx(100)
    assert rates[1] < 20  # a linear ramp would be at 20


def test_ramp_then_step() -> None:
    """A step after a ramp takes over on its day."""
    schedule = [ramp("2020-01-01", "2021-01-01", 0, 30), step("2022-01-01", 38)]
    rates = annual_rates(schedule, on("2021-06-01", "2022-01-01"))
    assert rates.tolist() == [30, 38]
