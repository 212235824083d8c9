"""``flowsim.run``, ``run_many`` and ``execute``: options, several scenarios, memory refusal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import flowsim
from flowsim import simulate
from flowsim.errors import FlowsimError
from flowsim.simulate import execute
from flowsim.spec import Placement, RunSpec
from flowsim.version import VERSION

from .conftest import MEMBERS, SCENARIOS, assert_identical


@pytest.mark.parametrize("size", [0, -64])
def test_block_size_must_be_positive(monte_carlo: flowsim.Scenario, size: int) -> None:
    """A block size below 1 is refused with one line naming the option."""
    with pytest.raises(FlowsimError, match="block_size must be >= 1"):
        flowsim.run(monte_carlo, members=64, block_size=size)


def test_results_say_how_they_were_made(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result
) -> None:
    """A result's attributes name the scenario, its digest, seed, members, engine and version."""
    attrs = serial_reference.annual.attrs
    assert attrs["scenario_name"] == monte_carlo.name
    assert attrs["scenario_digest"] == monte_carlo.digest()
    assert attrs["scenario_toml"] == monte_carlo.to_toml()
    assert (attrs["seed"], attrs["members"]) == (monte_carlo.run.seed, MEMBERS)
    assert attrs["engine"] in ("numpy", "numba")
    assert attrs["flowsim_version"] == VERSION


def test_execute_takes_a_spec_and_a_placement(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result
) -> None:
    """execute(RunSpec, Placement) is what run() does with the same options."""
    spec = RunSpec.of([monte_carlo], members=MEMBERS)
    (result,) = execute(spec, Placement(block_size=160))
    assert_identical(serial_reference, result)


def test_many_scenarios_run_through_one_runner(monte_carlo: flowsim.Scenario) -> None:
    """run_many hands every scenario's blocks to one pool; each result equals its own run."""
    halt = SCENARIOS / "kazakh_transit_halt.toml"
    together = flowsim.run_many([monte_carlo, halt], members=128, workers=2)
    assert_identical(flowsim.run(monte_carlo, members=128), together[0])
    assert_identical(flowsim.run(halt, members=128), together[1])
    assert flowsim.run_many([]) == []


def test_run_many_needs_one_file_per_scenario(
    monte_carlo: flowsim.Scenario, tmp_path: Path
) -> None:
    """Result files that do not match the scenarios one to one are refused before running."""
    with pytest.raises(FlowsimError, match="1 result files for 2 scenarios"):
        flowsim.run_many([monte_carlo, monte_carlo], members=2, files=[tmp_path / "a.nc"])
    assert list(tmp_path.iterdir()) == []


def test_a_result_too_large_for_memory_is_refused_unless_streamed(
    monkeypatch: pytest.MonkeyPatch, monte_carlo: flowsim.Scenario, tmp_path: Path
) -> None:
    """Results over half the memory are refused with the hint to stream; streamed, they run."""
    monkeypatch.setattr(simulate, "_physical_memory", lambda: 4 << 20)  # 4 MiB machine
    with pytest.raises(FlowsimError, match=r"more than half .* stream the results to a file"):
        flowsim.run(monte_carlo, members=640)
    streamed = flowsim.run(monte_carlo, members=640, file=tmp_path / "big.nc")
    assert streamed.annual.sizes["member"] == 640


def test_daily_values_too_large_for_memory_are_refused_with_their_own_hint(
    monkeypatch: pytest.MonkeyPatch, monte_carlo: flowsim.Scenario
) -> None:
    """With daily values the hint is to drop them or run fewer members (they cannot stream)."""
    monkeypatch.setattr(simulate, "_physical_memory", lambda: 64 << 20)  # 64 MiB machine
    flowsim.run(monte_carlo, members=64)  # annual values alone fit
    with pytest.raises(FlowsimError, match="run without daily values, or with fewer members"):
        flowsim.run(monte_carlo, members=64, daily=True)


def test_a_streamed_run_too_large_for_its_disk_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Result files that would not fit on their disk fail at once, saying how much is needed."""
    monkeypatch.setattr(
        simulate.shutil, "disk_usage", lambda _path: shutil._ntuple_diskusage(10, 10, 1000)
    )
    with pytest.raises(FlowsimError, match=r"result files need about .* GiB, more than the"):
        flowsim.run(SCENARIOS / "monte_carlo.toml", members=64, file=tmp_path / "x.nc")
    assert list(tmp_path.iterdir()) == []


def test_a_des_run_of_hours_is_refused_before_it_starts_with_its_estimate(
    monte_carlo: flowsim.Scenario,
) -> None:
    """100,000 DES members (about half a day here) fail at once, saying the size and the way out."""
    with pytest.raises(FlowsimError) as refused:
        flowsim.run(monte_carlo, members=100_000, engine="des")
    message = str(refused.value)
    assert "100,000 members x 36 years x 13 routes, des" in message
    assert "hours here" in message
    assert "the core engine" in message
    hours = int(message.rsplit("max_hours=", 1)[1].rstrip(")"))
    assert 8 <= hours <= 40  # 800 route-years/s on one CPU: 11.25 hours


def test_estimated_time_scales_with_members_and_workers(monte_carlo: flowsim.Scenario) -> None:
    """Twice the members take twice as long; workers share it up to this machine's CPUs."""
    (one,) = simulate.tasks(RunSpec.of([monte_carlo], members=1_000, engine="numpy"), None)
    (two,) = simulate.tasks(RunSpec.of([monte_carlo], members=2_000, engine="numpy"), None)
    assert simulate.estimate_seconds(two) == pytest.approx(2 * simulate.estimate_seconds(one))
    cpus = simulate.cpu_count()
    assert simulate.estimate_seconds(one, workers=64) == pytest.approx(
        simulate.estimate_seconds(one) / min(64, cpus)
    )


def test_the_time_limit_is_the_callers_to_raise(monte_carlo: flowsim.Scenario) -> None:
    """A limit below a run's estimate refuses it; a higher one (or none) lets it run."""
    with pytest.raises(FlowsimError, match=r"more than the 1e-06 h allowed"):
        flowsim.run(monte_carlo, members=64, max_hours=1e-6)
    allowed = flowsim.run(monte_carlo, members=64, max_hours=float("inf"))
    assert allowed.annual.sizes["member"] == 64
    with pytest.raises(FlowsimError, match="max_hours must be > 0"):
        flowsim.run(monte_carlo, members=64, max_hours=0)
