"""A scenario's deterministic daily inputs (flowsim.plan): layout, maintenance, seasons, ACQ."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import numpy as np
import pytest

from flowsim.plan import Plan, maintenance_windows
from flowsim.scenario import load_scenario

from .conftest import SCENARIOS, tiny_doc
from .engine_cases import CITE, scenario


def _windows(*entries: dict[str, object]) -> list[tuple[int, int, float]]:
    """The maintenance windows of the tiny scenario (2023-2025) with ``entries``."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["maintenance"] = [{**e, "cite": CITE} for e in entries]
    s = scenario(doc)
    plan = Plan.of(s)
    assert plan.windows[0] == maintenance_windows(s.routes["pipe"].maintenance, plan.calendar)
    return list(plan.windows[0])


def test_a_yearly_window_on_29_february_falls_on_28_february_in_common_years() -> None:
    """every_years = 1 from 29 Feb 2024 gives 28 Feb 2025 (and nothing before its start)."""
    day = Plan.of(scenario(tiny_doc())).calendar.day_of
    got = _windows({"start": dt.date(2024, 2, 29), "duration_days": 3, "every_years": 1})
    assert got == [
        (day(dt.date(2024, 2, 29)), day(dt.date(2024, 3, 3)), 1.0),
        (day(dt.date(2025, 2, 28)), day(dt.date(2025, 3, 3)), 1.0),
    ]


def test_windows_are_clipped_to_the_horizon_and_stop_at_until() -> None:
    """Repeats stop after `until`; a window running past 2025 keeps only its days inside."""
    day = Plan.of(scenario(tiny_doc())).calendar.day_of
    repeated = _windows(
        {
            "start": dt.date(2023, 6, 1),
            "duration_days": 2,
            "derate_fraction": 0.5,
            "every_years": 1,
            "until": dt.date(2024, 6, 1),
        }
    )
    first, second = day(dt.date(2023, 6, 1)), day(dt.date(2024, 6, 1))
    assert repeated == [(first, first + 2, 0.5), (second, second + 2, 0.5)]
    late = _windows({"start": dt.date(2025, 12, 30), "duration_days": 10})
    assert late == [(day(dt.date(2025, 12, 30)), 3 * 365 + 1, 1.0)]


def test_maintenance_factor_multiplies_overlapping_windows() -> None:
    """Two half derates on the same day leave a quarter of capacity; other days keep all."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["maintenance"] = [
        {"start": dt.date(2023, 5, 1), "duration_days": 4, "derate_fraction": 0.5, "cite": CITE},
        {"start": dt.date(2023, 5, 3), "duration_days": 4, "derate_fraction": 0.5, "cite": CITE},
    ]
    plan = Plan.of(scenario(doc))
    may = plan.calendar.day_of(dt.date(2023, 5, 1))
    assert plan.maintenance[0, may - 1 : may + 8].tolist() == [
        1.0, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 1.0, 1.0
    ]  # fmt: skip


def test_routes_are_sorted_and_dispatched_by_priority_then_id() -> None:
    """Routes are laid out by id; dispatch runs by priority, ties by id."""
    doc = tiny_doc()
    pipe = doc["routes"].pop("pipe")
    doc["routes"] = {
        "c": {**copy.deepcopy(pipe), "priority": 0},
        "a": {**copy.deepcopy(pipe), "priority": 2},
        "b": {**copy.deepcopy(pipe), "priority": 0},
    }
    plan = Plan.of(scenario(doc))
    assert plan.routes == ("a", "b", "c")
    assert plan.commodities == ("gas",)
    assert plan.dispatch_order == ((1, 2, 0),)


def test_commissioning_delay_pads_capacity_but_not_the_contract() -> None:
    """The longest delay pads the capacity days; the ACQ falls due on its own dates."""
    doc = tiny_doc()
    pipe = doc["routes"]["pipe"]
    pipe["capacity"] = [{"from": 2024, "value": 36.6, "cite": CITE}]
    pipe["contract"] = {"acq": [{"from": 2024, "value": 36.6, "cite": CITE}], "cite": CITE}
    pipe["commissioning_delay"] = {
        "distribution": "uniform",
        "min_days": 10,
        "max_days": 90,
        "cite": CITE,
    }
    plan = Plan.of(scenario(doc))
    assert plan.pad == 90
    assert plan.capacity_rate.shape == (1, 90 + plan.n_days)
    assert plan.annual_contract[:, 0] == pytest.approx([0, 36.6, 36.6])


def test_seasonal_demand_keeps_each_years_total() -> None:
    """Monthly weights reshape the days, but each year's demand still sums to the annual rate."""
    doc = tiny_doc()
    doc["demand"] = {
        "gas": {
            "annual": [{"from": 2000, "value": 100, "cite": CITE}],
            "seasonality": {"monthly_weights": [3, *[1] * 10, 3], "cite": CITE},
        }
    }
    plan = Plan.of(scenario(doc))
    cal = plan.calendar
    gas = plan.demand[plan.commodities.index("gas")]
    assert cal.yearly_sum(gas) / cal.days_in_year == pytest.approx([100, 100, 100])
    assert gas[cal.day_of(dt.date(2023, 1, 10))] == pytest.approx(
        3 * gas[cal.day_of(dt.date(2023, 6, 10))]
    )
    assert np.isinf(plan.production).all()  # no production schedule: never limiting


def test_idle_routes_are_those_that_never_flow_in_the_horizon() -> None:
    """A route never built, built after the horizon, or delayed past it is idle; others not."""
    doc = tiny_doc()  # 2023-2025, one pipe of 38 bcm/yr from 2000
    cite = CITE
    route = doc["routes"]["pipe"]
    doc["routes"]["never"] = {**route, "capacity": []}
    doc["routes"]["later"] = {**route, "capacity": [{"from": 2030, "value": 5, "cite": cite}]}
    doc["routes"]["pushed"] = {
        **route,
        "capacity": [{"from": 2025, "value": 5, "cite": cite}],
        "commissioning_delay": {"distribution": "fixed", "days": 400, "cite": cite},
    }
    doc["routes"]["maybe"] = {
        **route,
        "capacity": [{"from": 2025, "value": 5, "cite": cite}],
        "commissioning_delay": {
            "distribution": "uniform",
            "min_days": 0,
            "max_days": 400,
            "cite": cite,
        },
    }
    s = scenario(doc)
    assert Plan.of(s).idle_routes(s) == ["later", "never", "pushed"]


def test_a_pickled_plan_travels_without_its_derived_arrays() -> None:
    """A plan sent to a worker leaves the arrays it derives (the contracts' daily limits,
    annual quantities) behind, and the worker derives the same ones."""
    plan = Plan.of(load_scenario(SCENARIOS / "monte_carlo.toml"))
    before = len(pickle.dumps(plan))
    limits, contract = plan.limit_rate, plan.annual_contract
    assert len(pickle.dumps(plan)) == before
    again = pickle.loads(pickle.dumps(plan))
    np.testing.assert_array_equal(again.limit_rate, limits)
    np.testing.assert_array_equal(again.annual_contract, contract)
