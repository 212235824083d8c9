"""RunSpec (what to run) and Placement (where): built once, checked up front, frozen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import flowsim
from flowsim import FlowsimError
from flowsim.engines import numba_installed
from flowsim.spec import Placement, RunSpec, split_options

from .conftest import ROOT

REFERENCE = ROOT / "scenarios" / "reference.toml"
MONTE_CARLO = ROOT / "scenarios" / "monte_carlo.toml"


def test_members_and_seed_default_per_scenario() -> None:
    """Each scenario keeps its own [run] members and seed unless the run sets them."""
    spec = RunSpec.of([REFERENCE, MONTE_CARLO])
    reference, monte_carlo = (flowsim.load_scenario(p) for p in (REFERENCE, MONTE_CARLO))
    assert [(r.members, r.seed) for r in spec.runs] == [
        (reference.run.members, reference.run.seed),
        (monte_carlo.run.members, monte_carlo.run.seed),
    ]
    assert spec.members == reference.run.members + monte_carlo.run.members
    both = RunSpec.of([REFERENCE, MONTE_CARLO], members=3, seed=9)
    assert [(r.members, r.seed) for r in both.runs] == [(3, 9), (3, 9)]


def test_a_named_variant_loads_from_its_selector() -> None:
    """``file.toml#NAME`` is loaded as that named scenario."""
    (run,) = RunSpec.of([f"{ROOT / 'scenarios' / 'pos2_50bcm.toml'}#never"]).runs
    assert run.scenario.name.endswith("never")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"members": 0}, "members must be >= 1 (got 0)"),
        ({"members": 2.5}, "members must be an integer (got 2.5)"),
        ({"seed": -1}, "seed must be >= 0 (got -1)"),
        ({"seed": 2**64}, "seed must be < 9223372036854775808"),
        ({"engine": "magic"}, "unknown engine 'magic' (choose from numpy, numba, des, core, auto)"),
        ({"engine": "numpy", "trace": True}, "an event trace needs engine='des'"),
    ],
)
def test_bad_options_are_one_clear_error(options: dict[str, object], message: str) -> None:
    """A bad option fails before anything runs, naming the option and the value."""
    with pytest.raises(FlowsimError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        RunSpec.of([REFERENCE], **options)  # type: ignore[arg-type]


def test_core_resolves_to_the_fastest_engine_that_can_do_the_run() -> None:
    """``core`` is numba where installed, but numpy when daily values are asked for."""
    fastest = "numba" if numba_installed() else "numpy"
    assert RunSpec.of([REFERENCE]).engine == fastest
    assert RunSpec.of([REFERENCE], engine="auto").engine == fastest
    assert RunSpec.of([REFERENCE], daily=True).engine == "numpy"
    assert RunSpec.of([REFERENCE], engine="des", trace=True).engine == "des"


@pytest.mark.skipif(not numba_installed(), reason="numba is not installed")
def test_numba_with_daily_values_is_refused() -> None:
    """The numba engine keeps no daily values: asking for both is an error."""
    with pytest.raises(FlowsimError, match="keeps no daily values"):
        RunSpec.of([REFERENCE], engine="numba", daily=True)


@pytest.mark.parametrize("name", ["workers", "block_size", "chunk_size"])
def test_placement_counts_must_be_positive(name: str) -> None:
    """workers, block_size and chunk_size of 0 are refused with the option's name."""
    with pytest.raises(FlowsimError, match=f"{name} must be >= 1 \\(got 0\\)"):
        Placement(**{name: 0})  # type: ignore[arg-type]


def test_both_are_frozen() -> None:
    """A spec cannot change after it was checked."""
    spec, placement = RunSpec.of([REFERENCE]), Placement(workers=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.engine = "des"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        placement.workers = 1  # type: ignore[misc]


def test_keyword_options_split_into_what_and_where(tmp_path: Path) -> None:
    """run()'s keywords become one RunSpec, one Placement and the progress callback."""
    seen: list[tuple[int, int]] = []
    spec, placement, progress = split_options(
        [REFERENCE],
        {"members": 2, "engine": "numpy", "workers": 3, "block_size": 64, "progress": seen.append},
        files=[tmp_path / "a.nc"],
    )
    assert (spec.engine, spec.runs[0].members) == ("numpy", 2)
    assert (placement.workers, placement.block_size) == (3, 64)
    assert placement.file_of(0) == tmp_path / "a.nc"
    assert progress == seen.append


def test_unknown_keyword_and_mismatched_files_are_refused(tmp_path: Path) -> None:
    """A misspelt option is a TypeError; a file list of the wrong length a FlowsimError."""
    with pytest.raises(TypeError, match="memebrs"):
        flowsim.run(REFERENCE, memebrs=2)  # type: ignore[call-arg]
    with pytest.raises(FlowsimError, match="2 result files for 1 scenarios"):
        flowsim.run_many([REFERENCE], files=[tmp_path / "a.nc", tmp_path / "b.nc"])


def test_fused_warns_at_the_callers_line_and_may_not_contradict_engine() -> None:
    """The deprecated fused= warns pointing at the user's call; with another engine it fails."""
    with pytest.warns(DeprecationWarning, match="use engine='numpy'") as caught:
        spec = RunSpec.of([REFERENCE], fused=False)
    assert spec.engine == "numpy"
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning, match="fused=") as caught:
        flowsim.run(REFERENCE, fused=False)
    assert caught[0].filename == __file__
    with (
        pytest.warns(DeprecationWarning, match="fused="),
        pytest.raises(FlowsimError, match="fused=True contradicts engine='des'"),
    ):
        RunSpec.of([REFERENCE], fused=True, engine="des")


def test_a_spec_made_by_hand_is_checked_too() -> None:
    """RunSpec and ScenarioRun built directly refuse an alias, a bad count or a bad seed."""
    (run,) = RunSpec.of([REFERENCE]).runs
    with pytest.raises(FlowsimError, match="'core' is an alias"):
        RunSpec((run,), "core")
    with pytest.raises(FlowsimError, match="an event trace needs engine='des'"):
        RunSpec((run,), "numpy", trace=True)
    with pytest.raises(FlowsimError, match="members must be >= 1"):
        dataclasses.replace(run, members=0)
    with pytest.raises(FlowsimError, match="seed must be >= 0"):
        dataclasses.replace(run, seed=-5)


@pytest.mark.parametrize(
    "address", ["not-an-address", "tcp://host", "http://host:8786", "tcp://h:0"]
)
def test_a_malformed_scheduler_address_is_refused_before_anything_starts(address: str) -> None:
    """A scheduler that is neither 'local' nor SCHEME://HOST:PORT fails at once, in one line."""
    with pytest.raises(FlowsimError, match=r"^scheduler must be 'local' or an address like"):
        Placement(scheduler=address)
    assert Placement(scheduler="tcp://[::1]:8786").scheduler == "tcp://[::1]:8786"
