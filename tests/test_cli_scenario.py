"""``flowsim validate``, ``diff``, ``schema`` and ``scenarios list|copy``: reports, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim import shipped
from flowsim.cli import EXIT_FAILURE, EXIT_INVALID_SCENARIO, EXIT_USAGE, cli
from flowsim.cli.errors import MAX_PROBLEMS, FlowsimGroup
from flowsim.cli.scenario import scenarios_command
from flowsim.scenario.reference import render_markdown

from .conftest import MALFORMED, MALFORMED_CASES, ROOT, SCENARIOS, SHIPPED, expected_lines

BASE = MALFORMED / "_base.toml"


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the command line in this process: exit code, stdout, stderr."""
    group = cli
    if args and args[0] == "scenarios" and "scenarios" not in cli.commands:
        # Until the command is registered in flowsim.cli, test it in a group like it.
        group = FlowsimGroup("flowsim", commands=[scenarios_command])
    result = CliRunner().invoke(group, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- validate --------------------------------------------------------------------


def test_validate_prints_ok_and_named_scenarios() -> None:
    """A valid file prints one `ok` line naming the scenarios it also checked."""
    code, out, _ = run("validate", str(BASE))
    assert code == 0
    assert out.strip() == f"ok  {BASE} (and named: late, late_start)"


def test_validate_selected_scenario() -> None:
    """`file.toml#NAME` validates that named scenario only."""
    code, out, _ = run("validate", f"{BASE}#late_start")
    assert (code, out.strip()) == (0, f"ok  {BASE}#late_start")


def test_validate_unknown_selected_scenario_fails() -> None:
    """Selecting a scenario the file lacks is an invalid-scenario error, not a crash."""
    code, out, err = run("validate", f"{BASE}#nope")
    assert (code, out) == (EXIT_INVALID_SCENARIO, "")
    assert "no scenario or override named 'nope'" in err


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    """A path that does not exist is one problem line and exit code 3."""
    code, out, err = run("validate", str(tmp_path / "gone.toml"))
    assert (code, out) == (EXIT_INVALID_SCENARIO, "")
    assert err.splitlines() == [
        f"{tmp_path / 'gone.toml'}: no such file",
        "flowsim: 1 of 1 file(s) invalid",
    ]


def test_directory_is_reported(tmp_path: Path) -> None:
    """Passing a folder instead of a file is a clear problem."""
    code, _, err = run("validate", str(tmp_path))
    assert code == EXIT_INVALID_SCENARIO
    assert "is a directory" in err


def test_no_arguments_is_a_usage_error() -> None:
    """`flowsim validate` with no file is a usage error (exit 2)."""
    code, _, err = run("validate")
    assert code == EXIT_USAGE
    assert "Missing argument" in err


@pytest.mark.parametrize("path", MALFORMED_CASES, ids=lambda p: p.stem)
def test_cli_rejects_malformed_file_without_traceback(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flowsim validate` prints the problems on stderr, exits 3 and shows no traceback."""
    monkeypatch.chdir(MALFORMED)
    result = CliRunner().invoke(cli, ["validate", path.name])
    assert result.exit_code == EXIT_INVALID_SCENARIO, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*expected_lines(path), "flowsim: 1 of 1 file(s) invalid"]
    assert "Traceback" not in result.output


def test_console_script_reports_all_files_and_fails() -> None:
    """The installed command checks every file given, prints ok for valid ones and exits 3."""
    files = [str(MALFORMED / "_base.toml"), str(MALFORMED / "negative_capacity.toml")]
    proc = subprocess.run(
        [sys.executable, "-m", "flowsim.cli", "validate", *files],
        capture_output=True,
        text=True,
        check=False,
        cwd=MALFORMED,
    )
    assert proc.returncode == EXIT_INVALID_SCENARIO
    assert proc.stdout.splitlines() == [f"ok  {files[0]} (and named: late, late_start)"]
    assert "capacity[1].value: must be >= 0 (got -3)" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_validate_checks_overrides_no_scenario_lists(write_toml) -> None:  # type: ignore[no-untyped-def]
    """An [overrides.NAME] block that no [scenarios] entry lists is checked too."""
    child = write_toml(
        "child.toml",
        f'extends = "{BASE.as_posix()}"\n[overrides.cut.routes.spur]\nown_use_loss_fraction = 2\n',
    )
    code, out, err = run("validate", str(child))
    assert (code, out) == (EXIT_INVALID_SCENARIO, "")
    assert err.splitlines()[0] == (
        f"{child}: overrides.cut.routes.spur.own_use_loss_fraction: must be < 1 (got 2)"
    )


def test_validate_a_shipped_scenario_by_name() -> None:
    """A bare name is the shipped scenario of that name; #NAME selects in it."""
    code, out, _ = run("validate", "pos2_50bcm")
    assert code == 0
    assert out.startswith("ok  pos2_50bcm (and named: never, start_2033, mongolia_halt")
    assert run("validate", "pos2_50bcm#never")[:2] == (0, "ok  pos2_50bcm#never\n")


def test_validate_unknown_bare_name_suggests_a_shipped_one() -> None:
    """A bare name that is neither a file nor shipped gets a did-you-mean and the list."""
    code, _, err = run("validate", "refrence")
    assert code == EXIT_INVALID_SCENARIO
    assert err.splitlines()[0] == (
        "refrence: no such file, nor a shipped scenario of that name (did you mean "
        f"'reference'? shipped: {', '.join(shipped.scenario_names())})"
    )


def test_validate_two_hashes_is_not_a_valid_selector() -> None:
    """`file.toml#a#b` says it is not a valid selector rather than "no such file"."""
    code, out, err = run("validate", f"{BASE}#late#x")
    assert (code, out) == (EXIT_INVALID_SCENARIO, "")
    assert err.splitlines()[0] == (
        f"{BASE}#late#x: is not a valid selector: write FILE#NAME, with one '#' and a name after it"
    )


def test_sweep_selector_expands_to_every_selectable_name() -> None:
    """`FILE#*` runs the base and every [scenarios] entry and override of FILE."""
    from flowsim.cli.simulate import _expand_sweeps

    assert _expand_sweeps([f"{BASE}#*"]) == [str(BASE), f"{BASE}#late", f"{BASE}#late_start"]


# --- scenarios list | copy -------------------------------------------------------


def test_scenarios_list_names_each_shipped_scenario_with_its_description() -> None:
    """`flowsim scenarios list` prints every shipped name and its description's first line."""
    code, out, _ = run("scenarios", "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == shipped.scenario_names()
    assert all(len(line.split()) > 2 for line in lines)
    reference = next(line for line in lines if line.startswith("reference "))
    assert reference.split(None, 1)[1].startswith("Reference: ")


def test_scenarios_copy_writes_the_file_and_what_it_extends(tmp_path: Path) -> None:
    """`flowsim scenarios copy pos2_50bcm DIR` copies it and the whole chain it extends
    (reference.toml, which extends common/china_demand.toml) at the same relative paths,
    unchanged; the copy loads."""
    mine = tmp_path / "mine"
    code, out, _ = run("scenarios", "copy", "pos2_50bcm", str(mine))
    assert code == 0
    chain = ["pos2_50bcm.toml", "reference.toml", "common/china_demand.toml", "common/prices.toml"]
    assert out.splitlines() == [f"wrote {mine / name}" for name in chain]
    for name in chain[1:]:
        assert (mine / name).read_bytes() == (SCENARIOS / name).read_bytes(), name
    assert sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*.toml")) == sorted(chain)
    copied = mine / "pos2_50bcm.toml"
    assert copied.read_bytes() == shipped.scenario_file("pos2_50bcm").read_bytes()
    assert run("validate", str(copied))[0] == 0


def test_scenarios_copy_keeps_identical_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    """An identical file is kept; a different one is never overwritten and nothing is copied."""
    assert run("scenarios", "copy", "reference", str(tmp_path))[0] == 0
    code, out, _ = run("scenarios", "copy", "sanctions_derate", str(tmp_path))
    assert code == 0
    assert out.splitlines()[1] == f"kept  {tmp_path / 'reference.toml'}"
    (tmp_path / "reference.toml").write_text("# mine\n", encoding="utf-8")
    code, _, err = run("scenarios", "copy", "pos2_50bcm", str(tmp_path))
    assert code == EXIT_FAILURE
    assert err.strip() == (
        f"flowsim: not copying 'pos2_50bcm': {tmp_path / 'reference.toml'} already exists "
        "(remove it or copy into another folder)"
    )
    assert not (tmp_path / "pos2_50bcm.toml").exists()
    assert (tmp_path / "reference.toml").read_text(encoding="utf-8") == "# mine\n"


def test_scenarios_copy_unknown_name_suggests_one(tmp_path: Path) -> None:
    """Copying a name that is not shipped is a usage error with a did-you-mean; nothing copied."""
    code, _, err = run("scenarios", "copy", "refrence", str(tmp_path))
    assert code == EXIT_USAGE
    assert "no shipped scenario 'refrence' (did you mean 'reference'?" in err
    assert list(tmp_path.iterdir()) == []


# --- diff ------------------------------------------------------------------------


def test_diff_of_a_scenario_with_itself_says_no_differences() -> None:
    """`flowsim diff A A` prints that there are none."""
    reference = str(SCENARIOS / "reference.toml")
    code, out, _ = run("diff", reference, reference)
    assert (code, out.strip()) == (0, "no differences")


def test_diff_prints_a_line_per_parameter() -> None:
    """`flowsim diff A B` prints each differing key path with both values, long ones cut."""
    sweep = SCENARIOS / "pos2_50bcm.toml"
    code, out, _ = run("diff", str(sweep), f"{sweep}#never")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("routes.altai.capacity[0].to_value: ") for line in lines)
    assert all(" -> " in line for line in lines)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_diff_works_on_every_shipped_scenario(path: Path) -> None:
    """`flowsim diff reference X` succeeds for each shipped X and prints something."""
    code, out, err = run("diff", str(SCENARIOS / "reference.toml"), str(path))
    assert code == 0, err
    assert out.strip()


# --- schema ----------------------------------------------------------------------


def test_schema_is_json_schema_with_composition_keys() -> None:
    """`flowsim schema` prints a JSON Schema editors can use, composition keys included."""
    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"horizon", "routes", "sources", "extends", "overrides", "scenarios"} <= set(
        schema["properties"]
    )
    assert schema["$defs"]["Route"]["additionalProperties"] is False
    assert "required" not in schema  # a file that extends another may omit any top-level key


def test_scenario_reference_doc_is_current() -> None:
    """docs/scenario-reference.md is what `flowsim schema --format markdown` prints now."""
    doc = ROOT / "docs" / "scenario-reference.md"
    code, out, _ = run("schema", "--format", "markdown")
    assert code == 0
    assert out == render_markdown()
    assert doc.read_text(encoding="utf-8") == out, (
        "docs/scenario-reference.md is stale: run "
        "`flowsim schema --format markdown > docs/scenario-reference.md`"
    )


def test_reference_documents_every_field() -> None:
    """Every field of every documented model has a row with a description."""
    rows = [line.split("|") for line in render_markdown().splitlines() if line.startswith("| `")]
    keys = {row[1].strip() for row in rows}
    for key in ("`mtbf_days`", "`hazard_per_year`", "`min_take_fraction`", "`from`", "`cite`"):
        assert key in keys
    assert all(row[4].strip() for row in rows), "a field has no docstring"


def test_validate_keeps_a_file_with_many_problems_within_ten_lines(tmp_path: Path) -> None:
    """A file with 30 problems gets the first few, '... and N more' and a summary: 10 lines."""
    routes = "".join(
        f'[routes.r{i}]\ncommodity = "gas"\nsource = "nowhere"\ncapacity = []\ncite = "report: x"\n'
        for i in range(30)
    )
    path = tmp_path / "many.toml"
    path.write_text(
        '[horizon]\nstart_year = 2020\nend_year = 2021\n[sources.field]\ncommodity = "gas"\n'
        + routes,
        encoding="utf-8",
    )
    done = CliRunner().invoke(cli, ["validate", str(path)])
    assert done.exit_code == 3
    lines = done.stderr.splitlines()
    assert len(lines) == MAX_PROBLEMS + 2  # the problems shown, the count of the rest, a summary
    assert all("unknown source 'nowhere'" in line for line in lines[:MAX_PROBLEMS])
    assert lines[MAX_PROBLEMS] == "... and 22 more"
