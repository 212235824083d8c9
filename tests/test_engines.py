"""One contract, two engines: the same properties hold for the numpy core and the SimPy DES,
and the DES reproduces the core on every shipped scenario."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowsim
from flowsim.cli import cli
from flowsim.crosscheck import TOLERANCE, crosscheck
from flowsim.scenario import Scenario, scenario_from_dict, scenario_from_text

from .conftest import ROOT, tiny_doc
from .test_core_engine import RANDOM, assert_daily_invariants, generated

CITE = "assumption: test"
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def random_scenario() -> Scenario:
    return scenario_from_text(RANDOM)


class EngineContract:
    """Properties every engine must have; subclasses set ``engine``."""

    engine: ClassVar[str]

    def run(self, scenario: Scenario, **kwargs: Any) -> flowsim.Result:
        return flowsim.run(scenario, engine=self.engine, **kwargs)

    def test_result_shapes_and_provenance(self, random_scenario: Scenario) -> None:
        """Annual values have dims (member, year, route | commodity) and carry provenance."""
        result = self.run(random_scenario, members=3, seed=1)
        assert dict(result.annual.delivered.sizes) == {"member": 3, "year": 5, "route": 1}
        assert dict(result.annual.unmet.sizes) == {"member": 3, "year": 5, "commodity": 1}
        assert result.annual.attrs["engine"] == self.engine
        assert result.annual.attrs["seed"] == 1

    def test_daily_invariants(self, random_scenario: Scenario) -> None:
        """model.md section 5 invariants hold every day of every member."""
        assert_daily_invariants(self.run(random_scenario, members=3, seed=2, daily=True))

    def test_full_availability_delivers_capacity(self) -> None:
        """38 bcm/yr unobstructed delivers 38 in common and leap years alike."""
        result = self.run(scenario_from_dict(tiny_doc()))
        values = result.annual.delivered.sel(member=0, route="pipe").values
        assert values == pytest.approx([38, 38, 38], rel=1e-12)

    def test_shared_source_and_loss(self) -> None:
        """Two routes share 50 bcm/yr; the second loses 10% on the way."""
        doc = tiny_doc()
        doc["sources"]["field"]["production"] = [{"from": 2000, "value": 50, "cite": CITE}]
        second = {**copy.deepcopy(doc["routes"]["pipe"]), "priority": 1}
        doc["routes"]["second"] = {**second, "own_use_loss_fraction": 0.1}
        a = self.run(scenario_from_dict(doc)).annual.sel(member=0)
        assert a.flow.sel(route="second").values == pytest.approx([12, 12, 12])
        assert a.delivered.sel(route="second").values == pytest.approx([10.8, 10.8, 10.8])

    def test_same_seed_same_result(self, random_scenario: Scenario) -> None:
        """Reproducible: the same seed gives identical annual values."""
        first = self.run(random_scenario, members=4, seed=9)
        again = self.run(random_scenario, members=4, seed=9)
        xr.testing.assert_identical(first.annual, again.annual)

    def test_member_independent_of_ensemble_size(self, random_scenario: Scenario) -> None:
        """Member m is the same in a 2-member run and a 70-member run (two sampling blocks)."""
        small = self.run(random_scenario, members=2, seed=5)
        large = self.run(random_scenario, members=70, seed=5, chunk_size=35)
        xr.testing.assert_equal(small.annual, large.annual.isel(member=slice(2)))


class TestNumpyEngine(EngineContract):
    engine = "numpy"


class TestDesEngine(EngineContract):
    engine = "des"

    def test_trace_lists_events_an_analyst_can_filter(self, random_scenario: Scenario) -> None:
        """The trace has one row per event; outages of a member come in start/end pairs."""
        result = self.run(random_scenario, members=3, seed=4, trace=True)
        trace = result.trace
        assert trace is not None
        assert list(trace.columns) == ["member", "day", "date", "route", "kind", "size", "detail"]
        outages = trace[
            (trace.member == 1) & (trace.route == "pipe") & (trace.kind == "outage_start")
        ]
        ends = trace[(trace.member == 1) & (trace.route == "pipe") & (trace.kind == "outage_end")]
        assert len(outages) > 0
        assert len(outages) - len(ends) in (0, 1)  # the last may run past the horizon
        assert (outages.date.dt.year >= 2020).all()
        assert set(trace.kind) >= {"commissioned", "outage_start", "outage_end", "shock_start"}

    def test_trace_records_the_day_maintenance_starts(self) -> None:
        """A maintenance window shows as start and end events on its dates."""
        doc = tiny_doc()
        doc["routes"]["pipe"]["maintenance"] = [
            {"start": dt.date(2024, 3, 24), "duration_days": 8, "cite": CITE}
        ]
        trace = self.run(scenario_from_dict(doc), trace=True).trace
        assert trace is not None
        rows = trace[trace.kind.str.startswith("maintenance")]
        assert rows.date.dt.strftime("%Y-%m-%d").tolist() == ["2024-03-24", "2024-04-01"]

    def test_trace_needs_the_des(self, random_scenario: Scenario) -> None:
        """Asking the core for a trace is a clear error."""
        with pytest.raises(flowsim.FlowsimError, match="needs engine='des'"):
            flowsim.run(random_scenario, trace=True)

    def test_progress_reports_each_member(self, random_scenario: Scenario) -> None:
        """The progress callback sees every member done, in order."""
        seen: list[tuple[int, int]] = []
        self.run(
            random_scenario, members=3, progress=lambda done, total: seen.append((done, total))
        )
        assert seen == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_des_reproduces_the_core_on_shipped_scenarios(path: Path) -> None:
    """20 sampled members of every shipped scenario: daily and annual values agree to 1e-9."""
    differences = crosscheck(path, members=20, seed=11).differences
    worst = max(differences, key=differences.__getitem__)
    assert differences[worst] <= TOLERANCE, f"{worst}: {differences[worst]:.2e}"


def test_crosscheck_command_reports_and_exits_zero() -> None:
    """`flowsim crosscheck` prints one line per variable and exits 0 when they agree."""
    path = str(ROOT / "scenarios" / "kazakh_transit_halt.toml")
    done = CliRunner().invoke(cli, ["crosscheck", path, "--members", "2"], terminal_width=120)
    out = done.output
    assert done.exit_code == 0, out
    assert "annual.delivered" in out
    assert "largest relative difference" in out


def test_cli_runs_the_des_and_writes_the_trace(tmp_path: Path) -> None:
    """`flowsim run --engine des --trace` writes trace.csv beside results.nc."""
    path = ROOT / "scenarios" / "kazakh_transit_halt.toml"
    args = ["run", str(path), "--engine", "des", "--trace", "--quiet", "--format", "nc"]
    result = CliRunner().invoke(cli, [*args, "--no-figures", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "flowsim-manifest.txt",
        "results.nc",
        "scenario.toml",
        "trace.csv",
    ]
    trace = (tmp_path / "trace.csv").read_text().splitlines()
    assert trace[0] == "member,day,date,route,kind,size,detail"
    assert any(",shock_start," in line for line in trace)
    assert flowsim.open_result(tmp_path / "results.nc").annual.attrs["engine"] == "des"


def test_des_and_core_agree_on_a_generated_edge_case() -> None:
    """A shock on a source, a contract and a delay at once: the engines still agree."""
    doc = tiny_doc()
    doc["sources"]["field"]["production"] = [{"from": 2000, "value": 45, "cite": CITE}]
    doc["routes"]["pipe"]["contract"] = {
        "acq": [{"from": 2000, "value": 30, "cite": CITE}],
        "daily_flexibility": 1.2,
        "cite": CITE,
    }
    doc["routes"]["pipe"]["commissioning_delay"] = {
        "distribution": "uniform",
        "min_days": 0,
        "max_days": 200,
        "cite": CITE,
    }
    doc["shocks"] = {
        "frost": {
            "sources": ["field"],
            "hazard_per_year": 2.0,
            "duration_days": 20,
            "derate_fraction": 0.9,
            "cite": CITE,
        }
    }
    differences = crosscheck(scenario_from_dict(doc), members=5, seed=1).differences
    assert max(differences.values()) <= TOLERANCE
    assert np.isfinite(list(differences.values())).all()


# --- cargo mode of the DES ------------------------------------------------------

CARGO_SCENARIO = """\
[horizon]
start_year = 2021
end_year = 2024
[sources.crude]
commodity = "oil"
[routes.tankers]
commodity = "oil"
source = "crude"
kind = "seaborne"
capacity = [{from = 2021, value = 36.5, cite = "assumption: test, 0.1 Mt/day"}]
own_use_loss_fraction = 0.01
cite = "assumption: test"
[routes.tankers.cargoes]
size = 0.7
loading_days = 1
voyage_days = 5
cite = "assumption: test, about an Aframax-Suezmax cargo"
"""


def cargo_run(text: str = CARGO_SCENARIO) -> tuple[flowsim.Result, flowsim.Result]:
    scenario = scenario_from_text(text)
    return flowsim.run(scenario, daily=True), flowsim.run(scenario, engine="des", trace=True)


def test_cargo_deliveries_within_one_cargo_of_the_core_per_year() -> None:
    """Cargo arrivals follow the core shifted by loading and voyage, within one cargo a year."""
    core, des = cargo_run()
    assert core.daily is not None
    lag = 1 + 5
    shifted = core.daily.delivered.sel(member=0, route="tankers").shift(day=lag, fill_value=0.0)
    expected = shifted.groupby("day.year").sum().values
    got = des.annual.delivered.sel(member=0, route="tankers").values
    one_cargo = 0.7 * (1 - 0.01)
    assert np.abs(got - expected).max() <= one_cargo + 1e-9
    assert np.abs(got - core.annual.delivered.sel(member=0, route="tankers").values).max() > 0


def test_cargo_count_matches_volume_over_cargo_size() -> None:
    """Each year's deliveries are whole cargoes, and the cargoes carry what was loaded."""
    core, des = cargo_run()
    trace = des.trace
    assert trace is not None
    arrived = trace[trace.kind == "cargo_arrived"]
    per_year = arrived.groupby(arrived.date.dt.year)["size"].sum()
    delivered = des.annual.delivered.sel(member=0, route="tankers").to_series()
    assert per_year.values == pytest.approx(delivered.values, rel=1e-9)
    loaded = len(trace[trace.kind == "cargo_loading"])
    total_flow = float(core.annual.flow.sel(member=0, route="tankers").sum())
    assert loaded == int(total_flow // 0.7)


def test_one_slow_berth_makes_a_queue() -> None:
    """With one berth taking 10 days a cargo, cargoes (one a week) queue and arrive later."""
    _, free = cargo_run()
    _, queued = cargo_run(
        CARGO_SCENARIO.replace("loading_days = 1", "loading_days = 10\nberths = 1")
    )
    free_total = float(free.annual.delivered.sum())
    queued_total = float(queued.annual.delivered.sum())
    assert queued_total < 0.75 * free_total
    assert queued.trace is not None
    loads = queued.trace[queued.trace.kind == "cargo_loading"].day.diff().dropna()
    assert (loads == 10).all()


def test_daily_balance_holds_in_cargo_mode() -> None:
    """Demand is met by cargo arrivals on the day they come; the daily balance still closes."""
    text = CARGO_SCENARIO + (
        '[demand.oil]\nannual = [{from = 2021, value = 60, cite = "assumption: test"}]\n'
        '[balancing.oil]\nlabel = "other seaborne crude"\n'
    )
    result = flowsim.run(scenario_from_text(text), engine="des", daily=True)
    d = result.daily
    assert d is not None
    total = d.delivered.sum("route") + d.balancing + d.unmet
    np.testing.assert_allclose(total, d.demand, rtol=1e-9)


def test_cargoes_only_on_seaborne_routes() -> None:
    """A pipeline with cargo detail is refused with a clear message."""
    with pytest.raises(flowsim.ScenarioError, match="only a seaborne route has cargoes"):
        scenario_from_text(CARGO_SCENARIO.replace('kind = "seaborne"', 'kind = "pipeline"'))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32))
def test_des_matches_the_core_on_generated_scenarios(s: Scenario, seed: int) -> None:
    """Random scenarios (shared sources, losses, contracts, outages, delays, shocks): 1e-9."""
    differences = crosscheck(s, members=2, seed=seed).differences
    worst = max(differences, key=differences.__getitem__)
    assert differences[worst] <= TOLERANCE, f"{worst}: {differences[worst]:.2e}"
