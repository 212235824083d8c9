"""flowsim.shipped: the packaged scenarios found by name, their extends chains, copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim import load_scenario, shipped
from flowsim.errors import FlowsimError

from .conftest import SCENARIOS, SHIPPED


def test_scenario_names_are_the_shipped_files() -> None:
    """Every shipped file is listed by its stem, sorted."""
    assert shipped.scenario_names() == [p.stem for p in SHIPPED]


def test_scenario_file_accepts_the_name_with_or_without_suffix() -> None:
    """`reference` and `reference.toml` are the same shipped file."""
    assert shipped.scenario_file("reference") == shipped.scenario_file("reference.toml")
    assert (
        shipped.scenario_file("reference").read_bytes()
        == (SCENARIOS / "reference.toml").read_bytes()
    )


def test_unknown_name_suggests_a_close_one_and_lists_all() -> None:
    """A misspelt name gets a did-you-mean and the list of shipped names."""
    with pytest.raises(FlowsimError) as info:
        shipped.scenario_file("pos2")
    assert str(info.value) == (
        "no shipped scenario 'pos2' (did you mean 'pos2_50bcm'? "
        f"shipped: {', '.join(shipped.scenario_names())})"
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_scenario_files_follow_the_extends_chain(path: Path) -> None:
    """A shipped scenario's files are itself, then each file it extends, all shipped."""
    files = shipped.scenario_files(path.stem)
    assert files[0].name == path.name
    extends = "extends = " in path.read_text(encoding="utf-8")
    assert [f.name for f in files[1:]] == (["reference.toml"] if extends else [])


def test_copy_scenario_writes_a_loadable_copy(tmp_path: Path) -> None:
    """The copy holds the same bytes and loads as the same scenario."""
    done = shipped.copy_scenario("kazakh_transit_halt", tmp_path)
    assert done == [
        (tmp_path / "kazakh_transit_halt.toml", True),
        (tmp_path / "reference.toml", True),
    ]
    copy = load_scenario(tmp_path / "kazakh_transit_halt.toml", "summer")
    assert copy == load_scenario("kazakh_transit_halt#summer")


def test_copy_scenario_refuses_a_different_file_and_writes_nothing(tmp_path: Path) -> None:
    """A destination holding another file stops the copy before anything is written."""
    (tmp_path / "reference.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FlowsimError, match="already exists"):
        shipped.copy_scenario("monte_carlo", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference.toml"]
    assert (tmp_path / "reference.toml").read_text(encoding="utf-8") == "# mine\n"
