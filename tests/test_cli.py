"""The command line: validate, schema, exit codes, and the generated scenario reference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim import __version__
from flowsim.cli import EXIT_FAILURE, EXIT_INVALID_SCENARIO, EXIT_USAGE, cli
from flowsim.scenario.reference import render_markdown

from .conftest import DATA, ROOT

BASE = DATA / "malformed" / "_base.toml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


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


def test_internal_errors_are_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception prints one line and exits 1; --debug re-raises it."""

    def boom(path: str) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("flowsim.scenario.validate_file", boom)
    code, _, err = run("validate", str(BASE))
    assert code == EXIT_FAILURE
    assert err.strip() == (
        "flowsim: internal error: RuntimeError: disk on fire (--debug shows the traceback)"
    )
    result = CliRunner().invoke(cli, ["--debug", "validate", str(BASE)])
    assert isinstance(result.exception, RuntimeError)


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
    assert doc.read_text(encoding="utf-8") == render_markdown(), (
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


def test_version_option() -> None:
    """`flowsim --version` prints the installed version."""
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"flowsim, version {__version__}")


def test_console_script_runs_as_a_subprocess() -> None:
    """The `flowsim` module entry point works outside the test process."""
    proc = subprocess.run(
        [sys.executable, "-m", "flowsim.cli", "validate", str(BASE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok  ")


def test_run_prints_a_table_and_writes_results(tmp_path: Path) -> None:
    """`flowsim run` prints delivered volumes per route and writes results.nc and scenario.toml."""
    import flowsim

    code, out, err = run("run", str(BASE), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, err
    assert "pipe" in out
    assert "gas demand" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "figures",
        "flowsim-manifest.txt",
        "iamc.csv",
        "results.nc",
        "scenario.toml",
        "summary.csv",
    ]
    result = flowsim.open_result(tmp_path / "out" / "results.nc")
    assert result.annual.attrs["scenario_name"] == "base"
    assert flowsim.load_scenario(tmp_path / "out" / "scenario.toml").routes.keys() == {
        "pipe",
        "spur",
    }


def test_run_ensemble_reports_median_and_shortfall_probability(tmp_path: Path) -> None:
    """With members > 1 the table says it shows medians and adds P(shortfall) rows."""
    code, out, _ = run("run", f"{BASE}#late_start", "--members", "5", "--out", str(tmp_path))
    assert code == 0
    assert "median of 5 members" in " ".join(out.split())
    assert "gas P(shortfall)" in out


def test_run_rejects_an_invalid_scenario_with_exit_3(tmp_path: Path) -> None:
    """An invalid scenario stops `flowsim run` before anything is written."""
    bad = DATA / "malformed" / "negative_capacity.toml"
    code, _, err = run("run", str(bad), "--out", str(tmp_path / "out"))
    assert code == EXIT_INVALID_SCENARIO
    assert "capacity[1].value: must be >= 0 (got -3)" in err
    assert not (tmp_path / "out").exists()


def test_run_with_an_impossible_output_folder_fails_clearly(tmp_path: Path) -> None:
    """An --out folder that cannot be created is one error line and exit 1."""
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code, _, err = run("run", str(BASE), "--out", str(blocker / "out"), "--quiet")
    assert code == EXIT_FAILURE
    assert err.startswith(f"flowsim: cannot create output folder {blocker / 'out'}")


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """If results.nc cannot be put in place, the error is clear and no temporary file is left."""
    (tmp_path / "results.nc").mkdir()  # a folder where the file should go
    code, _, err = run("run", str(BASE), "--out", str(tmp_path), "--quiet")
    assert code == EXIT_FAILURE
    assert err.startswith(f"flowsim: cannot write results to {tmp_path}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]  # nothing else moved in
    assert list((tmp_path / "results.nc").iterdir()) == []
