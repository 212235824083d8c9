"""Loading scenarios: composition with extends and overrides, selection, round trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flowsim import ScenarioError, load_scenario
from flowsim.scenario import Scenario, scenario_from_dict, scenario_from_text, scenario_names
from flowsim.scenario.schedules import Ramp, Step

BASE = """\
name = "base"
[horizon]
start_year = 2020
end_year = 2030
[sources.field]
commodity = "gas"
[routes.pipe]
commodity = "gas"
source = "field"
priority = 1
transit_countries = ["Mongolia"]
capacity = [{from = 2020, value = 10, cite = "report: base capacity"}]
cite = "assumption: base route"
[routes.pipe.contract]
acq = [{from = 2020, value = 8, cite = "agreement: base ACQ"}]
min_take_fraction = 0.85
cite = "agreement: base contract"
[overrides.bigger.routes.pipe]
capacity = [{from = 2020, value = 20, cite = "assumption: bigger"}]
[overrides.first.routes.pipe]
priority = 0
[overrides.biggest.routes.pipe]
capacity = [{from = 2020, value = 30, cite = "assumption: biggest"}]
[scenarios]
growth = ["bigger", "biggest"]
both = ["bigger", "first"]
"""


@pytest.fixture
def base(write_toml) -> Path:  # type: ignore[no-untyped-def]
    return write_toml("base.toml", BASE)


def capacity_values(s: Scenario, route: str = "pipe") -> list[float]:
    return [e.value for e in s.routes[route].capacity if isinstance(e, Step)]


def test_child_keys_merge_over_base_tables(base: Path, write_toml) -> None:  # type: ignore[no-untyped-def]
    """A child's table merges key by key: untouched base keys survive, set keys win."""
    child = write_toml("child.toml", 'extends = "base.toml"\n[routes.pipe]\npriority = 5\n')
    s = load_scenario(child)
    assert s.routes["pipe"].priority == 5
    assert s.routes["pipe"].contract is not None
    assert s.routes["pipe"].contract.min_take_fraction == 0.85
    assert capacity_values(s) == [10]


def test_child_arrays_replace_base_arrays(base: Path, write_toml) -> None:  # type: ignore[no-untyped-def]
    """Arrays are replaced whole, never appended to or merged element-wise."""
    child = write_toml(
        "child.toml",
        'extends = "base.toml"\n[routes.pipe]\ntransit_countries = []\n'
        'capacity = [{from = 2025, value = 44, cite = "agreement: uprate"}]\n',
    )
    s = load_scenario(child)
    assert s.routes["pipe"].transit_countries == []
    assert capacity_values(s) == [44]


def test_extends_chain_applies_in_order(base: Path, write_toml) -> None:  # type: ignore[no-untyped-def]
    """grandchild over child over base; the nearest file wins."""
    write_toml("mid.toml", 'extends = "base.toml"\n[routes.pipe]\npriority = 3\nnotes = "mid"\n')
    leaf = write_toml("leaf.toml", 'extends = "mid.toml"\n[routes.pipe]\npriority = 4\n')
    s = load_scenario(leaf)
    assert (s.routes["pipe"].priority, s.routes["pipe"].notes) == (4, "mid")


def test_extends_resolves_relative_to_the_file(tmp_path: Path) -> None:
    """`extends` is relative to the file that says it, not to the working directory."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "base.toml").write_text(BASE)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "child.toml").write_text('extends = "../a/base.toml"\n')
    assert load_scenario(tmp_path / "b" / "child.toml").routes["pipe"].priority == 1


def test_name_defaults_to_the_file_not_the_base(base: Path, write_toml) -> None:  # type: ignore[no-untyped-def]
    """A variant is named after its own file unless it sets `name`, never after its base."""
    child = write_toml("late_start.toml", 'extends = "base.toml"\n')
    assert load_scenario(child).name == "late_start"
    assert load_scenario(base).name == "base"


def test_named_scenario_applies_overrides_in_listed_order(base: Path) -> None:
    """`[scenarios] growth = ["bigger", "biggest"]`: later overrides win."""
    s = load_scenario(f"{base}#growth")
    assert capacity_values(s) == [30]
    assert s.name == "base-growth"


def test_scenario_argument_equals_hash_selector(base: Path) -> None:
    """`load_scenario(path, "both")` and `path#both` give the same scenario."""
    assert load_scenario(base, "both") == load_scenario(f"{base}#both")
    s = load_scenario(base, "both")
    assert (s.routes["pipe"].priority, capacity_values(s)) == (0, [20])


def test_override_can_be_selected_by_its_own_name(base: Path) -> None:
    """An override not listed in [scenarios] is still selectable by name."""
    assert capacity_values(load_scenario(base, "biggest")) == [30]


def test_unknown_scenario_name_lists_a_close_match(base: Path) -> None:
    """Selecting a name that does not exist fails with a hint."""
    with pytest.raises(
        ScenarioError, match=r"no scenario or override named 'growht' \(did you mean 'growth'\?\)"
    ):
        load_scenario(base, "growht")


def test_two_different_selections_are_an_error(base: Path) -> None:
    """`path#a` together with scenario='b' is ambiguous and refused."""
    with pytest.raises(ScenarioError, match="two scenarios selected"):
        load_scenario(f"{base}#growth", "both")


def test_overrides_are_inherited_through_extends(base: Path, write_toml) -> None:  # type: ignore[no-untyped-def]
    """A variant file can select the overrides of the file it extends."""
    child = write_toml("child.toml", 'extends = "base.toml"\n')
    assert scenario_names(child) == ["both", "growth"]
    assert capacity_values(load_scenario(child, "growth")) == [30]


def test_override_errors_point_into_the_override_block(base: Path, write_toml) -> None:  # type: ignore[no-untyped-def]
    """A bad value in an override is reported at overrides.NAME.… in the file that holds it."""
    child = write_toml(
        "child.toml",
        'extends = "base.toml"\n[overrides.broken.routes.pipe]\nown_use_loss_fraction = 2\n',
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, "broken")
    assert [str(p) for p in info.value.problems] == [
        f"{child}: overrides.broken.routes.pipe.own_use_loss_fraction: must be < 1 (got 2)"
    ]


def test_errors_in_the_base_name_the_base_file(write_toml) -> None:  # type: ignore[no-untyped-def]
    """A problem inherited from a base is reported against the base file."""
    write_toml("base.toml", BASE.replace("priority = 1", "priority = -1"))
    child = write_toml("child.toml", 'extends = "base.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (problem,) = info.value.problems
    assert problem.file.endswith("base.toml")
    assert problem.path == ("routes", "pipe", "priority")


def test_extends_cycle_names_the_cycle(write_toml) -> None:  # type: ignore[no-untyped-def]
    """a -> b -> c -> a is an error that lists the whole cycle."""
    write_toml("b.toml", 'extends = "c.toml"\n')
    write_toml("c.toml", 'extends = "a.toml"\n')
    a = write_toml("a.toml", 'extends = "b.toml"\n')
    with pytest.raises(
        ScenarioError, match=r"cycle: .*a\.toml -> .*b\.toml -> .*c\.toml -> .*a\.toml"
    ):
        load_scenario(a)


def test_self_extension_is_a_cycle(write_toml) -> None:  # type: ignore[no-untyped-def]
    """A file extending itself is caught, not recursed into."""
    a = write_toml("a.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(a)


def test_bare_year_means_first_of_january() -> None:
    """`from = 2019` is 1 January 2019; a TOML date is kept as is."""
    doc = {
        "horizon": {"start_year": 2019, "end_year": 2020},
        "sources": {"f": {"commodity": "oil"}},
        "routes": {
            "r": {
                "commodity": "oil",
                "source": "f",
                "capacity": [
                    {"from": 2019, "value": 1.0, "cite": "report: a"},
                    {
                        "start": dt.date(2019, 6, 1),
                        "end": "2020-01-01",
                        "from_value": 1,
                        "to_value": 2,
                        "cite": "report: b",
                    },
                ],
                "cite": "report: r",
            }
        },
    }
    s = scenario_from_dict(doc)
    step, ramp = s.routes["r"].capacity
    assert isinstance(step, Step)
    assert step.from_ == dt.date(2019, 1, 1)
    assert isinstance(ramp, Ramp)
    assert ramp.end == dt.date(2020, 1, 1)


def test_text_and_file_loading_agree(base: Path) -> None:
    """Loading TOML text gives the same scenario as loading the file."""
    from_text = scenario_from_text(base.read_text(), file="base.toml")
    assert from_text == load_scenario(base)
