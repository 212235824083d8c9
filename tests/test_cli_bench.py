"""``flowsim bench``: the table and lines it prints, and the exit code of --check.

The measurements are replaced by fixed ones: what is tested is the command,
not this machine's speed (test_bench.py tests the measuring).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim import bench
from flowsim.bench import Bench, Measurement, Spec
from flowsim.cli import EXIT_FAILURE, EXIT_USAGE, cli


def measured(numpy: float, numba: float) -> Bench:
    """A bench where the core engines ran ``numpy`` and ``numba`` times as many member-years per
    second as the DES (10 member-years in 1 s) on one CPU; memory copies at 16 GB/s; the
    compute floor is 1 ns per member-route-day."""
    rows = [
        Measurement(Spec("numpy", 100), 10, 9, 100 / numpy, 50.0, cpu_seconds=100 / numpy),
        Measurement(Spec("numba", 100), 10, 9, 100 / numba, 60.0, cpu_seconds=100 / numba),
        Measurement(Spec("des", 1), 10, 9, 1.0, 70.0, cpu_seconds=1.0),
    ]
    return Bench(rows, bandwidth=16e9, compute=1e-9)


def fix_bench(monkeypatch: pytest.MonkeyPatch, made: Bench) -> list[tuple[bool, str]]:
    """Make run_bench return ``made``; returns the (quick, scenario) of each call."""
    calls: list[tuple[bool, str]] = []

    def run_bench(quick: bool, scenario: str, progress: object = None) -> Bench:
        calls.append((quick, scenario))
        return made

    monkeypatch.setattr(bench, "run_bench", run_bench)
    return calls


def test_bench_prints_the_table_speedups_and_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table has a row per engine; speed-ups over the DES and the floor follow it."""
    calls = fix_bench(monkeypatch, measured(numpy=100, numba=300))
    result = CliRunner().invoke(cli, ["bench", "--quick", "--scenario", "reference"])
    assert result.exit_code == 0, result.output
    assert calls == [(True, "reference")]
    out = " ".join(result.stdout.split())
    for engine in ("core numpy", "core numba", "DES"):
        assert engine in out
    assert "Core over DES per member-year, this run: numpy 100x, numba 300x" in out
    assert "Memory-copy bandwidth 16.0 GB/s" in out
    route_days = 100 * 10 * 365.25 * 9
    numba_over = (100 / 300) / (route_days * 1e-9)
    assert f"CPU time over it: numpy {3 * numba_over:,.1f}x, numba {numba_over:,.1f}x" in out
    assert "Speed-up check" not in out


def test_bench_check_passes_at_the_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    """--check exits 0 and says so when every core engine keeps half its baseline speed-up."""
    fix_bench(monkeypatch, measured(bench.BASELINE["numpy"], bench.BASELINE["numba"]))
    result = CliRunner().invoke(cli, ["bench", "--check"])
    assert result.exit_code == 0, result.output
    assert "Speed-up check passed (baseline: numpy" in result.stdout


def test_bench_check_fails_with_exit_1_naming_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """--check exits 1 with a line on stderr per core engine below half its baseline."""
    baseline = bench.BASELINE["numpy"]
    fix_bench(monkeypatch, measured(0.4 * baseline, bench.BASELINE["numba"]))
    result = CliRunner().invoke(cli, ["bench", "--check"])
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.splitlines() == [
        f"flowsim: benchmark regression: core (numpy) is {0.4 * baseline:.0f}x the DES, "
        f"below {0.5 * baseline:.0f}x (50% of the baseline {baseline:.0f}x)"
    ]


def test_scaling_folder_is_checked_before_measuring(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """--scaling '' exits 2; --scaling naming a file exits 1 with one line, nothing measured."""
    calls = fix_bench(monkeypatch, measured(100.0, 200.0))
    assert CliRunner().invoke(cli, ["bench", "--scaling", ""]).exit_code == EXIT_USAGE
    blocker = tmp_path / "a_file"
    blocker.write_text("mine")
    result = CliRunner().invoke(cli, ["bench", "--quick", "--scaling", str(blocker)])
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.startswith(f"flowsim: cannot create output folder {blocker}")
    assert len(result.stderr.splitlines()) == 1
    assert calls == []
