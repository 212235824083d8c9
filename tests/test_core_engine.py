"""The numpy core: hand-computed cases, invariants, reproducibility."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowsim
from flowsim import FlowsimError, Result
from flowsim.engines import fused
from flowsim.engines.core import simulate_chunk
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations, sample
from flowsim.scenario import Scenario, scenario_from_dict
from flowsim.timeline import Calendar

from .conftest import ROOT, tiny_doc

CITE = "assumption: test"
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def scenario(doc: dict[str, Any]) -> Scenario:
    return scenario_from_dict(doc)


def annual(result: Result, var: str, route: str = "pipe", member: int = 0) -> list[float]:
    return result.annual[var].sel(route=route, member=member).values.tolist()


# --- hand-computed cases ----------------------------------------------------


def test_full_availability_delivers_exactly_capacity_in_leap_and_common_years() -> None:
    """38 bcm/yr with nothing in the way delivers 38 in 2023, 2024 (leap) and 2025."""
    result = flowsim.run(scenario(tiny_doc()))
    assert annual(result, "delivered") == pytest.approx([38, 38, 38], rel=1e-12)
    assert annual(result, "binding_capacity_days") == [365, 366, 365]


def test_maintenance_window_removes_its_days() -> None:
    """A 7-day full stop removes 7/365 of a year's capacity and counts 7 outage days."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["maintenance"] = [
        {"start": dt.date(2023, 9, 15), "duration_days": 7, "cite": CITE}
    ]
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx([38 * 358 / 365, 38, 38])
    assert annual(result, "outage_days") == [7, 0, 0]
    assert annual(result, "binding_outage_days") == [7, 0, 0]


def test_yearly_maintenance_repeats_on_the_same_date() -> None:
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
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx(
        [38 * (1 - 5 / 365), 38 * (1 - 5 / 366), 38 * (1 - 5 / 365)]
    )


def test_outage_crossing_new_year_is_split_between_years() -> None:
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
    plan = Plan(**{**plan.__dict__, "outage_derate": np.array([1.0])})
    out = simulate_chunk(plan, real)
    assert out["delivered"][0, :, 0] == pytest.approx([38 * 363 / 365, 38 * 363 / 366, 38])
    assert out["outage_days"][0, :, 0].tolist() == [2, 3, 0]


def test_commissioning_delay_shifts_capacity_but_not_the_contract() -> None:
    """A 365-day delay moves a 2024 start to 2024-12-31; the ACQ still falls due in 2024."""
    doc = tiny_doc()
    pipe = doc["routes"]["pipe"]
    pipe["capacity"] = [{"from": 2024, "value": 36.6, "cite": CITE}]
    pipe["contract"] = {"acq": [{"from": 2024, "value": 36.6, "cite": CITE}], "cite": CITE}
    pipe["commissioning_delay"] = {"distribution": "fixed", "days": 365, "cite": CITE}
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx([0, 0.1, 36.6])
    assert annual(result, "contract") == pytest.approx([0, 36.6, 36.6])
    shortfall = result.derived().contract_shortfall.sel(member=0, route="pipe")
    assert shortfall.values == pytest.approx([0, 36.5, 0])


def test_shared_source_serves_routes_in_priority_order() -> None:
    """Two routes on a 50 bcm/yr source: the first takes its 38, the second the 12 left."""
    doc = tiny_doc()
    doc["sources"]["field"]["production"] = [{"from": 2000, "value": 50, "cite": CITE}]
    doc["routes"]["second"] = {**copy.deepcopy(doc["routes"]["pipe"]), "priority": 1}
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered", "pipe") == pytest.approx([38, 38, 38])
    assert annual(result, "delivered", "second") == pytest.approx([12, 12, 12])
    assert annual(result, "binding_source_days", "second") == [365, 366, 365]


def test_demand_limited_days_leave_capacity_unused_and_nothing_unmet() -> None:
    """Demand of 20 against 38 of capacity: 20 delivered, demand-bound, no balancing."""
    doc = tiny_doc()
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 20, "cite": CITE}]}}
    doc["balancing"] = {"gas": {"label": "LNG"}}
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx([20, 20, 20])
    assert annual(result, "binding_demand_days") == [365, 366, 365]
    assert result.annual.balancing.sel(member=0).values.ravel() == pytest.approx([0, 0, 0])


def test_own_use_loss_takes_more_entry_flow_for_the_same_delivery() -> None:
    """With 5% loss, meeting 19 delivered needs 20 at the entry."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["own_use_loss_fraction"] = 0.05
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 19, "cite": CITE}]}}
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx([19, 19, 19])
    assert annual(result, "flow") == pytest.approx([20, 20, 20])


def test_demand_beyond_routes_goes_to_balancing_then_unmet() -> None:
    """Demand 60, route 38, LNG capped at 12: 12 balancing, 10 unmet, shortfall certain."""
    doc = tiny_doc()
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 60, "cite": CITE}]}}
    doc["balancing"] = {"gas": {"label": "LNG", "cap": [{"from": 2000, "value": 12, "cite": CITE}]}}
    result = flowsim.run(scenario(doc))
    a = result.annual.sel(member=0, commodity="gas")
    assert a.balancing.values == pytest.approx([12, 12, 12])
    assert a.unmet.values == pytest.approx([10, 10, 10])
    assert result.summary().shortfall_probability.sel(commodity="gas").values.tolist() == [1, 1, 1]


def test_contract_limits_daily_flow_and_counts_as_binding() -> None:
    """ACQ 30 on a 38 pipe: 30 delivered, contract-bound every day, no shortfall."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["contract"] = {
        "acq": [{"from": 2000, "value": 30, "cite": CITE}],
        "min_take_fraction": 0.85,
        "cite": CITE,
    }
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx([30, 30, 30])
    assert annual(result, "binding_contract_days") == [365, 366, 365]
    derived = result.derived().sel(member=0, route="pipe")
    assert derived.contract_shortfall.values == pytest.approx([0, 0, 0])


def test_take_or_pay_exposure_in_demand_limited_years() -> None:
    """ACQ 30, floor 85%, demand 20: exposure is 25.5 - 20 = 5.5 a year."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["contract"] = {
        "acq": [{"from": 2000, "value": 30, "cite": CITE}],
        "min_take_fraction": 0.85,
        "cite": CITE,
    }
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 20, "cite": CITE}]}}
    derived = flowsim.run(scenario(doc)).derived().sel(member=0, route="pipe")
    assert derived.take_or_pay_exposure.values == pytest.approx([5.5, 5.5, 5.5])
    assert derived.contract_shortfall.values == pytest.approx([10, 10, 10])


def test_fixed_shock_on_a_transit_country_closes_its_routes() -> None:
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
    result = flowsim.run(scenario(doc))
    assert annual(result, "delivered") == pytest.approx([38, 38 * 336 / 366, 38])


def test_open_ended_sanctions_derate_lasts_to_the_horizon_end() -> None:
    """A 30% derate from 2024 without duration lasts to the end of 2025."""
    doc = tiny_doc()
    doc["shocks"] = {
        "sanctions": {"routes": ["pipe"], "start": 2024, "derate_fraction": 0.3, "cite": CITE}
    }
    result = flowsim.run(scenario(doc))
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
    result = flowsim.run(scenario(doc), daily=True)
    assert result.annual.demand.sel(member=0).values.ravel() == pytest.approx([100, 100, 100])
    daily = result.daily.demand.sel(member=0, commodity="gas")
    assert float(daily.sel(day="2023-01-15")) == pytest.approx(
        4 * float(daily.sel(day="2023-07-15"))
    )


# --- invariants -------------------------------------------------------------


def assert_daily_invariants(result: Result) -> None:
    """model.md section 5 invariants, every day of every member, to 1e-9 relative."""
    d = result.daily
    assert d is not None
    for name in ("flow", "delivered", "available", "balancing", "unmet"):
        assert np.isfinite(d[name]).all(), name
    tol = 1e-9
    assert (d.flow >= 0).all()
    assert (d.flow <= d.available * (1 + tol) + 1e-15).all()
    assert (d.flow <= d.contract_limit * (1 + tol) + 1e-15).all()
    used = d.flow.groupby(d.route_source).sum("route").rename(route_source="source")
    assert (used <= d.production.sel(source=used.source) * (1 + tol) + 1e-15).all()
    routes_delivered = (
        d.delivered.groupby(d.route_commodity).sum("route").rename(route_commodity="commodity")
    )
    for c in d.commodity.values:
        if d.demand.sel(commodity=c).isnull().all():  # no demand block: not demand limited
            assert (d.unmet.sel(commodity=c) == 0).all()
            continue
        total = (
            routes_delivered.sel(commodity=c)
            + d.balancing.sel(commodity=c)
            + d.unmet.sel(commodity=c)
        )
        np.testing.assert_allclose(total, d.demand.sel(commodity=c), rtol=tol, atol=1e-15)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_daily_invariants_hold_in_shipped_scenarios(path: Path) -> None:
    """Every day of 3 members of each shipped scenario respects the section 5 invariants."""
    assert_daily_invariants(flowsim.run(path, members=3, daily=True))


CAP = st.floats(0, 100)


@st.composite
def generated(draw: st.DrawFn) -> Scenario:
    """Random small scenarios: 1-4 routes on 1-2 sources, contracts, losses, demand, shocks."""
    doc = tiny_doc()
    n_sources = draw(st.integers(1, 2))
    doc["sources"] = {
        f"s{i}": {
            "commodity": "gas",
            **(
                {"production": [{"from": 2000, "value": draw(CAP), "cite": CITE}]}
                if draw(st.booleans())
                else {}
            ),
        }
        for i in range(n_sources)
    }
    routes = {}
    for r in range(draw(st.integers(1, 4))):
        route: dict[str, Any] = {
            "commodity": "gas",
            "source": f"s{draw(st.integers(0, n_sources - 1))}",
            "capacity": [
                {"from": 2023, "value": draw(CAP), "cite": CITE},
                {
                    "start": 2024,
                    "end": 2025,
                    "from_value": draw(CAP),
                    "to_value": draw(CAP),
                    "shape": draw(st.sampled_from(["linear", "logistic"])),
                    "cite": CITE,
                },
            ],
            "priority": draw(st.integers(0, 2)),
            "own_use_loss_fraction": draw(st.floats(0, 0.3)),
            "cite": CITE,
        }
        if draw(st.booleans()):
            route["contract"] = {
                "acq": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
                "daily_flexibility": draw(st.floats(1, 1.5)),
                "cite": CITE,
            }
        if draw(st.booleans()):
            route["forced_outages"] = {
                "mtbf_days": draw(st.floats(5, 400)),
                "mttr_days": draw(st.floats(1, 30)),
                "cite": CITE,
            }
        if draw(st.booleans()):
            route["commissioning_delay"] = {
                "distribution": "uniform",
                "min_days": 0,
                "max_days": draw(st.integers(0, 400)),
                "cite": CITE,
            }
        routes[f"r{r}"] = route
    doc["routes"] = routes
    if draw(st.booleans()):
        doc["demand"] = {
            "gas": {
                "annual": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
                "seasonality": {
                    "monthly_weights": draw(st.lists(st.floats(0.1, 3), min_size=12, max_size=12)),
                    "cite": CITE,
                },
                "uncertainty": {
                    "sigma": draw(st.floats(0, 0.3)),
                    "persistence": draw(st.floats(0, 1)),
                    "cite": CITE,
                },
            }
        }
        cap = draw(st.one_of(st.none(), CAP))
        doc["balancing"] = {
            "gas": {
                "label": "LNG",
                **({} if cap is None else {"cap": [{"from": 2023, "value": cap, "cite": CITE}]}),
            }
        }
    if draw(st.booleans()):
        doc["shocks"] = {
            "random": {
                "routes": ["r0"],
                "hazard_per_year": draw(st.floats(0, 3)),
                "duration_days": draw(st.integers(1, 60)),
                "derate_fraction": draw(st.floats(0, 1)),
                "cite": CITE,
            }
        }
    return scenario(doc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32))
def test_daily_invariants_hold_in_generated_scenarios(s: Scenario, seed: int) -> None:
    """The invariants also hold on random scenarios with outages, delays, shocks and demand."""
    assert_daily_invariants(flowsim.run(s, members=3, seed=seed, daily=True))


# --- reproducibility ----------------------------------------------------------

RANDOM = """\
[horizon]
start_year = 2020
end_year = 2024
[sources.field]
commodity = "gas"
[routes.pipe]
commodity = "gas"
source = "field"
capacity = [{from = 2020, value = 38, cite = "assumption: t"}]
cite = "assumption: t"
[routes.pipe.forced_outages]
mtbf_days = 60
mttr_days = 4
distribution = "lognormal"
shape = 0.8
cite = "assumption: t"
[routes.pipe.commissioning_delay]
distribution = "triangular"
min_days = 0
mode_days = 30
max_days = 400
cite = "assumption: t"
[demand.gas]
annual = [{from = 2020, value = 45, cite = "assumption: t"}]
uncertainty = {sigma = 0.1, persistence = 0.5, cite = "assumption: t"}
[balancing.gas]
label = "LNG"
cap = [{from = 2020, value = 5, cite = "assumption: t"}]
[shocks.cold_winter]
routes = ["pipe"]
hazard_per_year = 0.5
months = [12, 1, 2]
duration_days = 20
duration_distribution = "exponential"
derate_fraction = 0.5
cite = "assumption: t"
"""


@pytest.fixture(scope="module")
def random_scenario() -> Scenario:
    from flowsim.scenario import scenario_from_text

    return scenario_from_text(RANDOM)


def test_same_seed_same_results_whatever_the_chunk_size(random_scenario: Scenario) -> None:
    """Chunks of 1, 7 and 1,000 members give bit-identical annual results."""
    runs = [flowsim.run(random_scenario, members=30, seed=5, chunk_size=c) for c in (1, 7, 1000)]
    for other in runs[1:]:
        xr.testing.assert_identical(runs[0].annual, other.annual)


def test_member_does_not_depend_on_ensemble_size(random_scenario: Scenario) -> None:
    """Member m of a 10-member run equals member m of a 1,000-member run."""
    small = flowsim.run(random_scenario, members=10, seed=11)
    large = flowsim.run(random_scenario, members=1000, seed=11)
    xr.testing.assert_identical(
        small.annual.drop_attrs(), large.annual.isel(member=slice(10)).drop_attrs()
    )


def test_different_seeds_differ_and_members_differ(random_scenario: Scenario) -> None:
    """The randomness is real: other seeds and other members give other outcomes."""
    a = flowsim.run(random_scenario, members=5, seed=1).annual.delivered
    b = flowsim.run(random_scenario, members=5, seed=2).annual.delivered
    assert not a.equals(b)
    assert len({tuple(a.sel(member=m).values.ravel()) for m in range(5)}) == 5


def test_realisations_are_per_member(random_scenario: Scenario) -> None:
    """Sampling members [3, 4] gives the same draws as members 3 and 4 of a larger sample."""
    part = sample(random_scenario, [3, 4], seed=9)
    whole = sample(random_scenario, 6, seed=9)
    assert part.delay_days.tolist() == whole.delay_days[3:5].tolist()
    assert part.demand_multiplier.tolist() == whole.demand_multiplier[3:5].tolist()
    for i, m in enumerate((3, 4)):
        mine, theirs = part.outages.of(member=i), whole.outages.of(member=m)
        assert mine.start.tolist() == theirs.start.tolist()
        assert mine.duration.tolist() == theirs.duration.tolist()


def test_hazard_shocks_start_only_in_their_months(random_scenario: Scenario) -> None:
    """A winter hazard starts only in December, January or February, about 0.5 a year."""
    real = sample(random_scenario, 400, seed=3)
    cal = Calendar.of(random_scenario.horizon)
    months = {int(cal.month_index[s]) for s in real.shock_events.start}
    assert months <= {11, 0, 1}
    per_year = len(real.shock_events) / (400 * cal.n_years)
    assert 0.4 < per_year < 0.6


def test_forced_outage_durations_have_the_stated_means(random_scenario: Scenario) -> None:
    """Down-times average mttr (rounded up), and are whole days of at least one."""
    real = sample(random_scenario, 300, seed=4)
    assert (real.outages.duration >= 1).all()
    assert 4.0 < real.outages.duration.mean() < 5.5  # mean 4 days, rounded up to whole days
    assert ((real.delay_days >= 0) & (real.delay_days <= 400)).all()


# --- result files and API -----------------------------------------------------


def test_netcdf_round_trip_keeps_values_and_provenance(
    tmp_path: Path, random_scenario: Scenario
) -> None:
    """to_netcdf then open_result gives the same data, provenance and scenario."""
    result = flowsim.run(random_scenario, members=4, seed=2, daily=True)
    path = result.to_netcdf(tmp_path / "results.nc")
    again = flowsim.open_result(path)
    xr.testing.assert_identical(again.annual, result.annual)
    assert again.daily is not None
    xr.testing.assert_identical(again.daily, result.daily)
    assert again.scenario == random_scenario
    assert again.annual.attrs["seed"] == 2
    assert again.annual.attrs["engine"] in ("numpy", "numba")
    assert [p.name for p in tmp_path.iterdir()] == ["results.nc"]


def test_failed_write_leaves_no_file(tmp_path: Path, random_scenario: Scenario) -> None:
    """A write that fails midway leaves neither the target nor a temporary file."""
    result = flowsim.run(random_scenario, members=2)
    result.annual.attrs["bad"] = {"nested": "dict"}  # netCDF cannot store it
    with pytest.raises(TypeError):
        result.to_netcdf(tmp_path / "results.nc")
    assert list(tmp_path.iterdir()) == []


def test_open_result_rejects_other_files(tmp_path: Path) -> None:
    """A missing or foreign file is a FlowsimError, not a crash."""
    with pytest.raises(FlowsimError, match="no such result file"):
        flowsim.open_result(tmp_path / "nope.nc")
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    with pytest.raises(FlowsimError, match="not a flowsim result"):
        flowsim.open_result(junk)


def test_summary_has_ensemble_statistics(random_scenario: Scenario) -> None:
    """summary() gives mean and P10 <= P50 <= P90 per variable, and shortfall figures."""
    s = flowsim.run(random_scenario, members=50, seed=1).summary()
    assert s.statistic.values.tolist() == ["mean", "p10", "p50", "p90"]
    d = s.delivered.sel(route="pipe")
    assert (d.sel(statistic="p10") <= d.sel(statistic="p50")).all()
    assert (d.sel(statistic="p50") <= d.sel(statistic="p90")).all()
    assert ((s.shortfall_probability >= 0) & (s.shortfall_probability <= 1)).all()
    assert "utilisation" in s
    assert "take_or_pay_exposure" in s
    assert "n_minus_1" in s


def test_members_and_seed_default_to_the_scenario(random_scenario: Scenario) -> None:
    """run() without members/seed uses [run] members and seed."""
    result = flowsim.run(random_scenario)
    assert result.annual.sizes["member"] == random_scenario.run.members
    assert result.annual.attrs["seed"] == random_scenario.run.seed


def test_unknown_engine_and_oversized_runs_are_refused(random_scenario: Scenario) -> None:
    """Bad engine names and runs that cannot fit in memory fail up front with advice."""
    with pytest.raises(FlowsimError, match="unknown engine 'magic'"):
        flowsim.run(random_scenario, engine="magic")
    with pytest.raises(FlowsimError, match=r"needs about .* GiB.*without daily values"):
        flowsim.run(random_scenario, members=10_000_000, daily=True)


def test_n_minus_1_uses_the_peak_day() -> None:
    """Two routes of 38 and 30 against flat demand of 60: N-1 = 30/60 = 0.5."""
    doc = tiny_doc()
    doc["routes"]["second"] = {
        **copy.deepcopy(doc["routes"]["pipe"]),
        "capacity": [{"from": 2000, "value": 30, "cite": CITE}],
    }
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 60, "cite": CITE}]}}
    result = flowsim.run(scenario(doc))
    assert result.annual.n_minus_1.sel(member=0).values.ravel() == pytest.approx([0.5, 0.5, 0.5])


# --- the fused numba kernel ---------------------------------------------------

needs_numba = pytest.mark.skipif(not fused.AVAILABLE, reason="numba is not installed")


def assert_kernels_agree(s: Scenario, members: int, seed: int) -> None:
    """numpy and numba give bit-identical annual values for the same realisations."""
    from flowsim.engines import core

    plan = Plan.of(s)
    real = sample(s, members, seed)
    reference, kernel = core.simulate_chunk(plan, real), fused.simulate_chunk(plan, real)
    assert reference.keys() == kernel.keys()
    for name, values in reference.items():
        np.testing.assert_array_equal(kernel[name], values, err_msg=name, strict=True)


@needs_numba
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_fused_kernel_is_bit_identical_on_shipped_scenarios(path: Path) -> None:
    """Every shipped scenario: the numba kernel reproduces the numpy core bit for bit."""
    assert_kernels_agree(flowsim.load_scenario(path), members=8, seed=3)


@needs_numba
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32))
def test_fused_kernel_is_bit_identical_on_generated_scenarios(s: Scenario, seed: int) -> None:
    """Random scenarios (losses, contracts, shared sources, outages, shocks): identical."""
    assert_kernels_agree(s, members=3, seed=seed)


@needs_numba
def test_run_uses_the_kernel_when_available_and_results_match(random_scenario: Scenario) -> None:
    """run() picks numba by default, records it, and equals the numpy run."""
    fast = flowsim.run(random_scenario, members=20, seed=4)
    slow = flowsim.run(random_scenario, members=20, seed=4, engine="numpy")
    assert (fast.annual.attrs["engine"], slow.annual.attrs["engine"]) == ("numba", "numpy")
    xr.testing.assert_equal(fast.annual, slow.annual)
    with pytest.raises(FlowsimError, match="keeps no daily values"):
        flowsim.run(random_scenario, members=2, daily=True, engine="numba")


def test_summary_of_a_route_never_built_is_nan_not_an_error() -> None:
    """Utilisation of a route with no capacity in any member is NaN in the summary, silently."""
    doc = tiny_doc()
    doc["routes"]["unbuilt"] = {**copy.deepcopy(doc["routes"]["pipe"]), "capacity": []}
    s = flowsim.run(scenario(doc), members=3).summary()
    assert s.utilisation.sel(route="unbuilt").isnull().all()
    assert (s.delivered.sel(route="unbuilt") == 0).all()
