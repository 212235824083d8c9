"""Loading scenarios: composition with extends and overrides, selection, round trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flowsim import ScenarioError, load_scenario, shipped
from flowsim.scenario import (
    Scenario,
    scenario_from_dict,
    scenario_from_text,
    scenario_names,
    validate_file,
)
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
    assert scenario_names(child) == ["bigger", "first", "biggest", "growth", "both"]
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


# --- every selectable name ------------------------------------------------------


def test_scenario_names_are_scenarios_and_overrides_once_in_file_order(write_toml) -> None:  # type: ignore[no-untyped-def]
    """[scenarios] entries and override names, in the order the file gives them, once each."""
    path = write_toml(
        "f.toml",
        BASE.replace("[scenarios]\n", '[scenarios]\nfirst = ["first"]\n')
        + "[overrides.later.routes.pipe]\npriority = 7\n",
    )
    assert scenario_names(path) == ["bigger", "first", "biggest", "later", "growth", "both"]


def test_validate_file_checks_every_override(write_toml) -> None:  # type: ignore[no-untyped-def]
    """An unlisted override with a bad value, a typo and an unknown source: all reported."""
    path = write_toml(
        "f.toml",
        BASE
        + "[overrides.typo.routes.pipe]\nprioity = 2\n"
        + '[overrides.extra.routes.rail]\ncommodity = "gas"\nsource = "feld"\n'
        + 'capacity = []\ncite = "assumption: x"\n',
    )
    names, problems = validate_file(path)
    assert names == ["", "bigger", "first", "biggest", "typo", "extra", "growth", "both"]
    assert [str(p) for p in problems] == [
        f"{path}: overrides.typo.routes.pipe.prioity: unknown key (did you mean 'priority'?)",
        f"{path}: overrides.extra.routes.rail.source: "
        "unknown source 'feld' (did you mean 'field'?)",
    ]


def test_validate_file_reports_a_bad_selector_instead_of_raising(base: Path) -> None:
    """`file#a#b` and `file#` are problems of the selector, not missing files."""
    for bad in (f"{base}#growth#x", f"{base}#"):
        names, problems = validate_file(bad)
        assert names == []
        assert [p.message for p in problems] == [
            "is not a valid selector: write FILE#NAME, with one '#' and a name after it"
        ]


# --- what a file may hold -------------------------------------------------------


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A file saved with a UTF-8 BOM loads like the same file without it."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_scenario(path) == scenario_from_text(BASE, file=str(path))


def test_a_file_that_is_not_utf8_is_not_a_scenario_file(tmp_path: Path) -> None:
    """A binary file (say results.nc) passed as a scenario says it is not a TOML text file."""
    path = tmp_path / "results.nc"
    path.write_bytes(b"\x89HDF\r\n\x1a\n\xff\xfe")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.message for p in info.value.problems] == [
        "is not a scenario file (not a TOML text file)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a = { x = 1,\n  y = 2 }\n",
            "1:13: invalid TOML: an inline table { ... } must be written on one line: "
            "close it with '}' on this line, or use a [table] section",
        ),
        (
            "name = 'x'\nhorizon 2\n",
            "2:9: invalid TOML: expected '=' after the key (write key = value)",
        ),
        (
            'name = "x\n',
            "1:10: invalid TOML: a string is not closed on its line: its closing quote is missing "
            '(use """...""" for text over several lines)',
        ),
        (
            'name = "x',
            "1:10: invalid TOML: a string is not closed: its closing quote is missing "
            "before the end of the file",
        ),
        (
            "a = [1,\n2\n",
            "2:2: invalid TOML: an array is not closed: its ']' is missing "
            "before the end of the file",
        ),
        (
            "a = { x = 1, }\n",
            "1:14: invalid TOML: a ',' after the last key of an inline table is not allowed",
        ),
        ("[a]\n[a]\n", "2:3: invalid TOML: table [a] is declared twice (declare a table once)"),
        (
            "a = 2027-02-30\n",
            "1:5: invalid TOML: not a valid date (write it as YYYY-MM-DD, e.g. 2027-10-01)",
        ),
        ("a = yes\n", "1:5: invalid TOML: not a value: quote text"),
    ],
)
def test_toml_syntax_errors_read_in_plain_words(text: str, message: str) -> None:
    """tomllib's wording is replaced by plain words; file:line:column is kept."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_text(text, file="f.toml")
    assert str(info.value).startswith(f"f.toml:{message}")


# --- shipped scenarios by name --------------------------------------------------


def test_a_bare_name_loads_the_shipped_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`load_scenario("reference")` from any folder loads the shipped file; #NAME selects."""
    monkeypatch.chdir(tmp_path)
    assert load_scenario("reference") == load_scenario(shipped.scenario_file("reference"))
    assert load_scenario("pos2_50bcm#never").name == "pos2_50bcm-never"
    assert load_scenario("pos2_50bcm", "never") == load_scenario("pos2_50bcm#never")
    assert scenario_names("pos2_50bcm")[:2] == ["never", "start_2033"]


def test_a_file_of_that_name_wins_over_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing file named like a shipped scenario is that file, not the shipped one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reference").write_text(BASE, encoding="utf-8")
    assert load_scenario("reference").name == "base"


def test_an_unknown_bare_name_lists_the_shipped_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bare name matching no file and no shipped scenario suggests one and lists them all."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario("montecarlo#x")
    (problem,) = info.value.problems
    assert problem.file == "montecarlo"
    assert problem.message == (
        "no such file, nor a shipped scenario of that name (did you mean 'monte_carlo'? "
        f"shipped: {', '.join(shipped.scenario_names())})"
    )


def test_a_name_with_a_folder_or_toml_suffix_is_only_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reference.toml` and `./reference` are paths: missing, they are "no such file"."""
    monkeypatch.chdir(tmp_path)
    for path in ("reference.toml", "./reference"):
        with pytest.raises(ScenarioError, match=r": no such file$"):
            load_scenario(path)
