"""Schedules evaluate to the annual rate an analyst reads off the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import flowsim
from flowsim.scenario import load_scenario
from flowsim.scenario.schedules import Ramp, Step, annual_rates

from .conftest import MALFORMED

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


def test_a_constant_may_stand_without_the_list_and_without_from(tmp_path: Path) -> None:
    """`capacity = { value = 15, cite = ... }` is 15 on every day, as a list from long before."""
    base = (MALFORMED / "_base.toml").read_text(encoding="utf-8")
    short = base.replace(
        'capacity = [{ from = 2011, value = 15, cite = "assumption: test figure" }]',
        'capacity = { value = 15, cite = "assumption: test figure" }',
    )
    assert short != base
    (tmp_path / "short.toml").write_text(short, encoding="utf-8")
    shorthand = load_scenario(tmp_path / "short.toml")
    assert shorthand.routes["spur"].capacity == [
        Step.model_validate({"value": 15, "cite": "assumption: test figure"})
    ]
    days = on("0001-01-01", "1900-01-01", "2024-12-31")
    assert list(annual_rates(shorthand.routes["spur"].capacity, days)) == [15.0, 15.0, 15.0]
    longhand, constant = (
        flowsim.run(s).annual for s in (load_scenario(MALFORMED / "_base.toml"), shorthand)
    )
    for name in longhand.data_vars:  # the same numbers (the scenario text differs)
        np.testing.assert_array_equal(constant[name].values, longhand[name].values)
    again = tmp_path / "again.toml"
    again.write_text(shorthand.to_toml(), encoding="utf-8")
    assert load_scenario(again).routes["spur"] == shorthand.routes["spur"]
