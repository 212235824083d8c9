"""``flowsim compare``, ``flowsim backtest``: what they print and write, and their errors.

``flowsim crosscheck`` is tested with the engines it holds against each other
(test_crosscheck.py).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

import flowsim
from flowsim.backtest import read_reported
from flowsim.cli import EXIT_FAILURE, EXIT_USAGE, cli
from flowsim.cli.render_analysis import comparison_table

from .conftest import ROOT, SCENARIOS, SHIPPED

REPORTED = ROOT / "data" / "reported_flows.csv"


def reported_rows() -> list[dict[str, str]]:
    """The shipped reported-flows file as plain CSV rows, without flowsim's reader."""
    with REPORTED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    """A reported-flows file of ``rows`` in ``tmp_path``."""
    path = tmp_path / "flows.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- compare ---------------------------------------------------------------------


def test_compare_command_writes_table_and_figures(tmp_path: Path) -> None:
    """`flowsim compare A B` prints differences and writes comparison.csv and figures."""
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(SCENARIOS / "pos2_50bcm.toml"),
            f"{SCENARIOS / 'pos2_50bcm.toml'}#never",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "B - A" in result.output
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert {"variable", "name", "unit", "year"} <= set(table.columns)
    assert {"overlay_gas.png", "difference_gas.svg"} <= {p.name for p in tmp_path.iterdir()}


def test_compare_needs_two_items() -> None:
    """One item is a usage error."""
    result = CliRunner().invoke(cli, ["compare", str(SCENARIOS / "reference.toml")])
    assert result.exit_code == 2


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_compare_table_renders_for_every_shipped_scenario(
    path: Path, shipped_run: Callable[[str, int], flowsim.Result]
) -> None:
    """The table `flowsim compare reference X` prints renders for each shipped X (two members)."""
    comparison = flowsim.compare(shipped_run("reference", 2), shipped_run(path.stem, 2))
    console = Console(width=200, record=True)
    console.print(comparison_table(comparison))
    text = console.export_text()
    assert "B - A" in text


# --- backtest --------------------------------------------------------------------


def test_backtest_counts_the_years_it_left_out(tmp_path: Path) -> None:
    """Backtesting a projection from 2015 says how many reported figures came before it."""
    earlier = int((read_reported(REPORTED)["year"] < 2015).sum())
    assert earlier > 0
    result = CliRunner().invoke(
        cli,
        ["backtest", str(SCENARIOS / "reference.toml"), "--no-figures", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert f"{earlier} reported figures of years outside 2015-2050 left out" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backtest.csv", "backtest_stats.csv"]


def test_cli_bad_data_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    """`flowsim backtest --data bad.csv`: problems on stderr, exit 2, no traceback, no output."""
    rows = reported_rows()[:3]
    rows[0] = {**rows[0], "status": "guess"}
    rows[2] = {**rows[2], "route": "nowhere"}
    path = write_rows(tmp_path, rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["backtest", "--data", str(path), "--out", str(out)])
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:2: column 'status'")
    assert lines[1].startswith(f"{path}:4: column 'route': unknown route 'nowhere'")
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_missing_data_file(tmp_path: Path) -> None:
    """A --data file that does not exist is one line and exit 2."""
    result = CliRunner().invoke(cli, ["backtest", "--data", str(tmp_path / "gone.csv")])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.strip() == f"{tmp_path / 'gone.csv'}: cannot read the file: " + (
        "No such file or directory"
    )


def test_cli_backtest_from_an_installed_flowsim(tmp_path: Path) -> None:
    """`flowsim backtest`, outside the checkout, runs the shipped back-test on the shipped data.

    Figures are left out here: test_outputs.py checks one per series is written.
    """
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowsim.cli",
            "backtest",
            "--no-figures",
            "--out",
            str(tmp_path / "bt"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "CAGP" in proc.stdout
    assert "Errors over sourced years" in proc.stdout
    written = pd.read_csv(tmp_path / "bt" / "backtest.csv")
    assert written["reported"].tolist() == [float(r["volume"]) for r in reported_rows()]
    assert f"wrote {tmp_path / 'bt'}/: backtest.csv, backtest_stats.csv" in proc.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["compare", str(SCENARIOS / "reference.toml"), f"{SCENARIOS / 'pos2_50bcm.toml'}#never"],
        ["backtest", "--no-figures"],
    ],
    ids=["compare", "backtest"],
)
def test_output_folders_are_checked_before_the_work(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--out '' is a usage error; --out naming a file is one line and exit 1, before any run."""

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("ran although the output folder cannot be written")

    monkeypatch.setattr(sys.modules["flowsim.compare"], "compare", never)
    monkeypatch.setattr("flowsim.simulate.run", never)
    result = CliRunner().invoke(cli, [*command, "--out", ""])
    assert result.exit_code == EXIT_USAGE
    blocker = tmp_path / "a_file"
    blocker.write_text("mine")
    result = CliRunner().invoke(cli, [*command, "--out", str(blocker)])
    assert result.exit_code == EXIT_FAILURE
    assert (
        result.stderr
        == f"flowsim: cannot create output folder {blocker}: a file of that name exists\n"
    )


def test_compare_over_different_horizons_says_which_years(tmp_path: Path) -> None:
    """Comparing results of different horizons prints one note naming the common years."""
    short = tmp_path / "short.toml"
    short.write_text(
        f'extends = "{ROOT / "scenarios" / "reference.toml"}"\nname = "short"\n'
        "[horizon]\nstart_year = 2020\nend_year = 2030\n",
        encoding="utf-8",
    )
    done = CliRunner().invoke(
        cli, ["compare", "reference", str(short), "--out", str(tmp_path / "c")]
    )
    assert done.exit_code == 0, done.output
    (note,) = [line for line in done.stderr.splitlines() if "note:" in line]
    assert "compared over the years all results cover, 2020-2030" in note
    assert "nan" not in done.stdout


def test_backtest_of_an_unrelated_scenario_prints_a_few_lines(tmp_path: Path) -> None:
    """Holding the reported flows against a scenario with other routes: capped, exit 2."""
    done = CliRunner().invoke(
        cli,
        [
            "backtest",
            str(ROOT / "docs" / "scenarios" / "step5_demand.toml"),
            "--out",
            str(tmp_path / "bt"),
            "--no-figures",
        ],
    )
    assert done.exit_code == 2
    lines = done.stderr.splitlines()
    assert len(lines) <= 21
    assert lines[-1].startswith("... and ")
    assert lines[-1].endswith(" more")
    assert "unknown route" in lines[0]
