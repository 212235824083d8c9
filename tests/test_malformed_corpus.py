"""The malformed-scenario corpus: each file must fail with exactly the problems it names.

Every ``tests/data/malformed/*.toml`` (except ``_base.toml``, the valid scenario
the others extend) starts with ``# expect: LINE`` comments: the exact lines
``flowsim validate`` must print for it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.cli import EXIT_INVALID_SCENARIO, cli
from flowsim.scenario import load_scenario, validate_file

from .conftest import DATA

MALFORMED = DATA / "malformed"
CASES = sorted(p for p in MALFORMED.glob("*.toml") if not p.name.startswith("_"))


def expected_lines(path: Path) -> list[str]:
    prefix = "# expect: "
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line[len(prefix) :] for line in lines if line.startswith(prefix)]


def test_corpus_is_large_and_every_case_names_its_problems() -> None:
    """At least 30 malformed files, each with at least one expected message."""
    assert len(CASES) >= 30
    assert all(expected_lines(p) for p in CASES)


def test_base_of_the_corpus_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The valid base that malformed files extend loads, so each case has one defect."""
    monkeypatch.chdir(MALFORMED)
    assert load_scenario("_base.toml").name == "base"
    assert validate_file("_base.toml")[1] == []


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_malformed_file_reports_exactly_its_problems(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate_file reports exactly the expected lines, file and key path included."""
    monkeypatch.chdir(MALFORMED)
    _, problems = validate_file(path.name)
    assert [str(p) for p in problems] == expected_lines(path)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
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
