"""``flowsim sensitivity``: the printed ranking, the files, and bad options refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr
from click.testing import CliRunner

from flowsim.cli import cli

from .test_attribution import KNOWN


def test_sensitivity_prints_the_ranking_and_writes_its_files(tmp_path: Path) -> None:
    scenario = tmp_path / "known.toml"
    scenario.write_text(KNOWN)
    out = tmp_path / "out"
    args = ["sensitivity", str(scenario), "--output", "balancing:gas:2030", "--n", "32"]
    result = CliRunner(env={"COLUMNS": "120"}).invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "What drives balancing:gas:2030" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("│")]
    assert "shocks.spare_never_built" in lines[0]  # the largest effect comes first
    assert "sources.field.production_factor" in lines[-1]
    table = pd.read_csv(out / "sensitivity.csv", index_col=["output", "input"])
    assert table.loc[("balancing:gas:2030", "sources.field.production_factor"), "total"] == 0
    with xr.open_dataset(out / "sensitivity.nc", engine="h5netcdf") as data:
        assert data.attrs["method"] == "sobol"
        assert data.attrs["evaluations"] == 32 * 6
    assert (out / "tornado_balancing_gas_2030.svg").exists()


def test_morris_screens_with_few_runs(tmp_path: Path) -> None:
    scenario = tmp_path / "known.toml"
    scenario.write_text(KNOWN)
    args = ["sensitivity", str(scenario), "--output", "unmet:gas:2030", "--method", "morris"]
    result = CliRunner().invoke(
        cli, [*args, "--trajectories", "4", "--no-figures", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "mu*" in result.output


def test_a_bad_request_is_a_usage_error(tmp_path: Path) -> None:
    scenario = tmp_path / "known.toml"
    scenario.write_text(KNOWN)
    runner = CliRunner()
    odd = runner.invoke(cli, ["sensitivity", str(scenario), "--output", "x:gas:2030", "--n", "6"])
    assert odd.exit_code == 2
    assert "must be a power of 2" in odd.output
    unknown = runner.invoke(
        cli,
        ["sensitivity", str(scenario), "--output", "balancng:gas:2030", "--out", str(tmp_path)],
    )
    assert unknown.exit_code == 1
    assert "did you mean 'balancing'" in unknown.output
    assert not list(tmp_path.glob("sensitivity*"))
