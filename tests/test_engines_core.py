"""The core engines (flowsim.engines.core, and the numba kernel that repeats its arithmetic):
hand-computed cases, the daily invariants, members independent of the ensemble.

Tests of annual values run on both core engines, numpy and numba (skipped where
numba is not installed); tests of daily values run on numpy, the one that keeps them.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowsim
from flowsim import engines
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.scenario import Scenario, load_scenario, scenario_from_dict

from .conftest import ENGINE_SHIPPED, SCENARIOS, tiny_doc
from .engine_cases import (
    CITE,
    RANDOM_SCENARIO,
    annual,
    assert_daily_invariants,
    generated,
    has_random_elements,
    scenario,
)

CORE_ENGINES = ("numpy", "numba")
"""The engines ``engine="core"`` chooses between (docs: the same arithmetic)."""


@pytest.fixture(params=CORE_ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The name of a core engine that can run here."""
    name: str = request.param
    if name == "numba" and not engines.numba_installed():
        pytest.skip("numba is not installed")
    return name


# --- hand-computed cases ----------------------------------------------------


def test_full_availability_delivers_exactly_capacity_in_leap_and_common_years(
    engine: str,
) -> None:
    """38 bcm/yr with nothing in the way delivers 38 in 2023, 2024 (leap) and 2025."""
    result = flowsim.run(scenario(tiny_doc()), engine=engine)
    assert annual(result, "delivered") == pytest.approx([38, 38, 38], rel=1e-12)
    assert annual(result, "binding_capacity_days") == [365, 366, 365]


def test_maintenance_window_removes_its_days(engine: str) -> None:
    """A 7-day full stop removes 7/365 of a year's capacity and counts 7 outage days."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["maintenance"] = [
        {"start": dt.date(2023, 9, 15), "duration_days": 7, "cite": CITE}
    ]
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([38 * 358 / 365, 38, 38])
    assert annual(result, "outage_days") == [7, 0, 0]
    assert annual(result, "binding_outage_days") == [7, 0, 0]


def test_yearly_maintenance_repeats_on_the_same_date(engine: str) -> None:
    """`every_years = 1` takes the window out of each year, a half derate halves it."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["maintenance"] = [
        {
            "start": dt.date(2023, 4, 1),
            "duration_days": 10,
            "derate_fraction": 0.5,
            "every_years": 1,
            "cite": CITE,
        }
    ]
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx(
        [38 * (1 - 5 / 365), 38 * (1 - 5 / 366), 38 * (1 - 5 / 365)]
    )
    assert annual(result, "outage_days") == [10, 10, 10]


def test_outage_crossing_new_year_is_split_between_years(engine: str) -> None:
    """A 5-day outage from 30 December 2023 costs 2 days of 2023 and 3 of 2024."""
    s = scenario(tiny_doc())
    plan = Plan.of(s)
    start = plan.calendar.day_of(dt.date(2023, 12, 30))
    one = np.array([0])
    real = Realisations(
        members=one,
        routes=("pipe",),
        shocks=(),
        delay_days=np.zeros((1, 1), dtype=np.int64),
        outages=Events(one, one * 0, np.array([start]), np.array([5])),
        shock_events=Events.empty(),
        demand_multiplier=np.ones((1, 3, 2)),
    )
    plan = dataclasses.replace(plan, outage_derate=np.array([1.0]))
    out = engines.get(engine).simulate(plan, real)
    assert out["delivered"][0, :, 0] == pytest.approx([38 * 363 / 365, 38 * 363 / 366, 38])
    assert out["outage_days"][0, :, 0].tolist() == [2, 3, 0]


def test_commissioning_delay_shifts_capacity_but_not_the_contract(engine: str) -> None:
    """A 365-day delay moves a 2024 start to 2024-12-31; the ACQ still falls due in 2024."""
    doc = tiny_doc()
    pipe = doc["routes"]["pipe"]
    pipe["capacity"] = [{"from": 2024, "value": 36.6, "cite": CITE}]
    pipe["contract"] = {"acq": [{"from": 2024, "value": 36.6, "cite": CITE}], "cite": CITE}
    pipe["commissioning_delay"] = {"distribution": "fixed", "days": 365, "cite": CITE}
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([0, 0.1, 36.6])
    assert annual(result, "contract") == pytest.approx([0, 36.6, 36.6])
    shortfall = result.derived().contract_shortfall.sel(member=0, route="pipe")
    assert shortfall.values == pytest.approx([0, 36.5, 0])


def test_shared_source_serves_routes_in_priority_order(engine: str) -> None:
    """Two routes on a 50 bcm/yr source: the first takes its 38, the second the 12 left."""
    doc = tiny_doc()
    doc["sources"]["field"]["production"] = [{"from": 2000, "value": 50, "cite": CITE}]
    doc["routes"]["second"] = {**copy.deepcopy(doc["routes"]["pipe"]), "priority": 1}
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered", "pipe") == pytest.approx([38, 38, 38])
    assert annual(result, "delivered", "second") == pytest.approx([12, 12, 12])
    assert annual(result, "binding_source_days", "second") == [365, 366, 365]


def test_demand_limited_days_leave_capacity_unused_and_nothing_unmet(engine: str) -> None:
    """Demand of 20 against 38 of capacity: 20 delivered, demand-bound, no balancing."""
    doc = tiny_doc()
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 20, "cite": CITE}]}}
    doc["balancing"] = {"gas": {"label": "LNG"}}
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([20, 20, 20])
    assert annual(result, "binding_demand_days") == [365, 366, 365]
    assert result.annual.balancing.sel(member=0).values.ravel() == pytest.approx([0, 0, 0])
    assert result.annual.unmet.sel(member=0).values.ravel() == pytest.approx([0, 0, 0])


def test_own_use_loss_takes_more_entry_flow_for_the_same_delivery(engine: str) -> None:
    """With 5% loss, meeting 19 delivered needs 20 at the entry."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["own_use_loss_fraction"] = 0.05
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 19, "cite": CITE}]}}
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([19, 19, 19])
    assert annual(result, "flow") == pytest.approx([20, 20, 20])


def test_demand_beyond_routes_goes_to_balancing_then_unmet(engine: str) -> None:
    """Demand 60, route 38, LNG capped at 12: 12 balancing, 10 unmet, shortfall certain."""
    doc = tiny_doc()
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 60, "cite": CITE}]}}
    doc["balancing"] = {"gas": {"label": "LNG", "cap": [{"from": 2000, "value": 12, "cite": CITE}]}}
    result = flowsim.run(scenario(doc), engine=engine)
    a = result.annual.sel(member=0, commodity="gas")
    assert a.balancing.values == pytest.approx([12, 12, 12])
    assert a.unmet.values == pytest.approx([10, 10, 10])
    assert result.summary().shortfall_probability.sel(commodity="gas").values.tolist() == [1, 1, 1]


def test_contract_limits_daily_flow_and_counts_as_binding(engine: str) -> None:
    """ACQ 30 on a 38 pipe: 30 delivered, contract-bound every day, no shortfall."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["contract"] = {
        "acq": [{"from": 2000, "value": 30, "cite": CITE}],
        "min_take_fraction": 0.85,
        "cite": CITE,
    }
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([30, 30, 30])
    assert annual(result, "binding_contract_days") == [365, 366, 365]
    derived = result.derived().sel(member=0, route="pipe")
    assert derived.contract_shortfall.values == pytest.approx([0, 0, 0])


def test_fixed_shock_on_a_transit_country_closes_its_routes(engine: str) -> None:
    """A 30-day halt in Kazakhstan from 1 March 2024 removes 30 days of that year."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["transit_countries"] = ["Kazakhstan"]
    doc["shocks"] = {
        "halt": {
            "transit_countries": ["Kazakhstan"],
            "start": dt.date(2024, 3, 1),
            "duration_days": 30,
            "cite": CITE,
        }
    }
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([38, 38 * 336 / 366, 38])


def test_open_ended_sanctions_derate_lasts_to_the_horizon_end(engine: str) -> None:
    """A 30% derate from 2024 without duration lasts to the end of 2025."""
    doc = tiny_doc()
    doc["shocks"] = {
        "sanctions": {"routes": ["pipe"], "start": 2024, "derate_fraction": 0.3, "cite": CITE}
    }
    result = flowsim.run(scenario(doc), engine=engine)
    assert annual(result, "delivered") == pytest.approx([38, 26.6, 26.6])


def test_seasonality_shapes_days_but_keeps_the_annual_total() -> None:
    """Winter-heavy weights put more demand in January than July, same annual total."""
    doc = tiny_doc()
    weights = [2, 2, 1, 1, 1, 0.5, 0.5, 0.5, 1, 1, 1, 2]
    doc["demand"] = {
        "gas": {
            "annual": [{"from": 2000, "value": 100, "cite": CITE}],
            "seasonality": {"monthly_weights": weights, "cite": CITE},
        }
    }
    doc["balancing"] = {"gas": {"label": "LNG"}}
    result = flowsim.run(scenario(doc), engine="numpy", daily=True)
    assert result.daily is not None
    assert result.annual.demand.sel(member=0).values.ravel() == pytest.approx([100, 100, 100])
    daily = result.daily.demand.sel(member=0, commodity="gas")
    assert float(daily.sel(day="2023-01-15")) == pytest.approx(
        4 * float(daily.sel(day="2023-07-15"))
    )


def test_corridor_cover_uses_the_peak_day(engine: str) -> None:
    """Two routes of 38 and 30 against flat demand of 60: the corridors cover 30/60 = 0.5
    without the larger; with no production, storage or LNG, so does N-1."""
    doc = tiny_doc()
    doc["routes"]["second"] = {
        **copy.deepcopy(doc["routes"]["pipe"]),
        "capacity": [{"from": 2000, "value": 30, "cite": CITE}],
    }
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 60, "cite": CITE}]}}
    result = flowsim.run(scenario(doc), engine=engine)
    for name in ("corridor_cover", "n_minus_1"):
        assert result.annual[name].sel(member=0).values.ravel() == pytest.approx([0.5] * 3)


# --- invariants -------------------------------------------------------------


@pytest.mark.parametrize("path", ENGINE_SHIPPED, ids=lambda p: p.stem)
def test_daily_invariants_hold_in_shipped_scenarios(path: Path) -> None:
    """Every day of each shipped scenario (3 members where they can differ) keeps section 5."""
    s = flowsim.load_scenario(path)
    members = 3 if has_random_elements(s) else 1  # without randomness all members are the same
    assert_daily_invariants(flowsim.run(s, members=members, daily=True, engine="numpy"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32))
def test_daily_invariants_hold_in_generated_scenarios(s: Scenario, seed: int) -> None:
    """The invariants also hold on random scenarios with outages, delays, shocks and demand."""
    assert_daily_invariants(flowsim.run(s, members=3, seed=seed, daily=True, engine="numpy"))


# --- members and substreams ---------------------------------------------------------


def test_member_does_not_depend_on_ensemble_size(engine: str) -> None:
    """Member m of a 10-member run equals member m of a 1,000-member run (16 substreams)."""
    small = flowsim.run(RANDOM_SCENARIO, members=10, seed=11, engine=engine)
    large = flowsim.run(RANDOM_SCENARIO, members=1000, seed=11, engine=engine)
    xr.testing.assert_identical(
        small.annual.drop_attrs(), large.annual.isel(member=slice(10)).drop_attrs()
    )


# --- the supply network -------------------------------------------------------------


def test_an_espo1_trunk_outage_cuts_the_spur_and_kozmino_on_the_same_days() -> None:
    """The reference network with the ESPO-1 trunk closed for 20 days from 1 Mar 2021: the
    spur and Kozmino, both fed over the trunk, carry nothing on exactly those days (their
    flows on the day before and after are untouched), the trunk counts them as outage
    days, and routes off the trunk (Kazakh transit) do not notice."""
    doc = load_scenario(SCENARIOS / "reference.toml").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    doc.setdefault("shocks", {})["trunk_fire"] = {
        "arcs": ["espo1_trunk"],
        "start": "2021-03-01",
        "duration_days": 20,
        "cite": CITE,
    }
    doc["horizon"] = {"start_year": 2020, "end_year": 2021}
    with_outage = flowsim.run(scenario_from_dict(doc), engine="numpy", daily=True)
    del doc["shocks"]["trunk_fire"]
    without = flowsim.run(scenario_from_dict(doc), engine="numpy", daily=True)
    flow = with_outage.daily.flow.isel(member=0)
    days = flow.day.values
    closed = (days >= np.datetime64("2021-03-01")) & (days < np.datetime64("2021-03-21"))
    for route in ("espo", "kozmino_crude"):
        assert (flow.sel(route=route).values[closed] == 0).all(), route
        assert (flow.sel(route=route).values[~closed] > 0).all(), route
        np.testing.assert_array_equal(
            flow.sel(route=route).values[~closed],
            without.daily.flow.isel(member=0).sel(route=route).values[~closed],
        )
    np.testing.assert_array_equal(
        flow.sel(route="kazakh_oil_russian_transit"),
        without.daily.flow.isel(member=0).sel(route="kazakh_oil_russian_transit"),
    )
    trunk = with_outage.annual.sel(arc="espo1_trunk", year=2021).isel(member=0)
    assert int(trunk.arc_outage_days) == 20
