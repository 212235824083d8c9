"""``flowsim validate``, ``flowsim diff`` and ``flowsim schema``: reports, exit codes, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.cli import EXIT_INVALID_SCENARIO, EXIT_USAGE, cli
from flowsim.scenario.reference import render_markdown

from .conftest import MALFORMED, MALFORMED_CASES, ROOT, SCENARIOS, SHIPPED, expected_lines

BASE = MALFORMED / "_base.toml"


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the command line in this process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- validate --------------------------------------------------------------------


def test_validate_prints_ok_and_named_scenarios() -> None:
    """A valid file prints one `ok` line naming the scenarios it also checked."""
    code, out, _ = run("validate", str(BASE))
    assert code == 0
    assert out.strip() == f"ok  {BASE} (and named: late_start)"


def test_validate_selected_scenario() -> None:
    """`file.toml#NAME` validates that named scenario only."""
    code, out, _ = run("validate", f"{BASE}#late_start")
    assert (code, out.strip()) == (0, f"ok  {BASE}#late_start")


def test_validate_unknown_selected_scenario_fails() -> None:
    """Selecting a scenario the file lacks is an invalid-scenario error, not a crash."""
    code, out, _ = run("validate", f"{BASE}#nope")
    assert code == EXIT_INVALID_SCENARIO
    assert "no scenario or override named 'nope'" in out


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    """A path that does not exist is one problem line and exit code 3."""
    code, out, err = run("validate", str(tmp_path / "gone.toml"))
    assert code == EXIT_INVALID_SCENARIO
    assert out.strip() == f"{tmp_path / 'gone.toml'}: no such file"
    assert "1 of 1 file(s) invalid" in err


def test_directory_is_reported(tmp_path: Path) -> None:
    """Passing a folder instead of a file is a clear problem."""
    code, out, _ = run("validate", str(tmp_path))
    assert code == EXIT_INVALID_SCENARIO
    assert "is a directory" in out


def test_no_arguments_is_a_usage_error() -> None:
    """`flowsim validate` with no file is a usage error (exit 2)."""
    code, _, err = run("validate")
    assert code == EXIT_USAGE
    assert "Missing argument" in err


@pytest.mark.parametrize("path", MALFORMED_CASES, ids=lambda p: p.stem)
def test_cli_rejects_malformed_file_without_traceback(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flowsim validate` prints the problems, exits 3 and shows no traceback."""
    monkeypatch.chdir(MALFORMED)
    result = CliRunner().invoke(cli, ["validate", path.name])
    assert result.exit_code == EXIT_INVALID_SCENARIO, result.output
    assert result.output.splitlines()[: len(expected_lines(path))] == expected_lines(path)
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
    assert proc.stdout.splitlines()[0].startswith("ok  ")
    assert "capacity[1].value: must be >= 0 (got -3)" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


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
