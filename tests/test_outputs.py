"""The files of a run: formats, figures, atomicity, stale files, interruption."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import flowsim
from flowsim.cli import EXIT_INTERRUPTED, cli
from flowsim.outputs import MANIFEST, write_outputs
from flowsim.tables import iamc_frame, summary_frame

from .conftest import ROOT

SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))


@pytest.fixture(scope="module")
def ensemble() -> flowsim.Result:
    return flowsim.run(SCENARIOS / "monte_carlo.toml", members=12, seed=3)


@pytest.fixture(scope="module")
def single() -> flowsim.Result:
    return flowsim.run(SCENARIOS / "reference.toml")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_run_works_on_every_shipped_scenario(path: Path, tmp_path: Path) -> None:
    """`flowsim run` on each shipped scenario exits 0 and writes its data files."""
    result = CliRunner().invoke(
        cli, ["run", str(path), "--members", "3", "--no-figures", "--quiet", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"results.nc", "summary.csv", "iamc.csv", "scenario.toml"} <= names


def test_run_as_a_subprocess_writes_figures(tmp_path: Path) -> None:
    """The installed entry point writes PNG and SVG figures next to the data."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowsim.cli",
            "run",
            str(SCENARIOS / "historical.toml"),
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    figures = {p.name for p in (tmp_path / "figures").iterdir()}
    assert {
        "deliveries_gas.png",
        "deliveries_gas.svg",
        "share_of_demand_oil.png",
        "capacity_vs_delivered_gas.svg",
    } <= figures


def test_format_option_chooses_data_files_and_removes_stale_ones(tmp_path: Path) -> None:
    """A second run with --format nc --no-figures leaves no file of the first run behind."""
    base = ["run", str(SCENARIOS / "reference.toml"), "--out", str(tmp_path), "--quiet"]
    assert CliRunner().invoke(cli, base).exit_code == 0
    (tmp_path / "notes.txt").write_text("mine")  # not flowsim's: must survive
    assert CliRunner().invoke(cli, [*base, "--format", "nc", "--no-figures"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        MANIFEST,
        "notes.txt",
        "results.nc",
        "scenario.toml",
    ]
    assert (tmp_path / MANIFEST).read_text().split() == ["results.nc", "scenario.toml"]


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    """--format xlsx is refused before anything runs."""
    result = CliRunner().invoke(
        cli,
        ["run", str(SCENARIOS / "reference.toml"), "--format", "nc,xlsx", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "unknown format xlsx" in result.output
    assert not any(tmp_path.iterdir())


def test_interrupted_run_leaves_no_result_file(tmp_path: Path) -> None:
    """Ctrl-C during an ensemble exits 130 with one line, and writes nothing."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowsim.cli",
            "run",
            str(SCENARIOS / "monte_carlo.toml"),
            "--engine",
            "des",
            "--members",
            "200",
            "--out",
            str(out),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED
    assert err.strip() == "flowsim: interrupted"
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


def test_summary_csv_has_ensemble_statistics(ensemble: flowsim.Result) -> None:
    """summary.csv rows carry mean/P10/P50/P90 and the shortfall probability, with units."""
    table = summary_frame(ensemble)
    assert set(table.statistic) == {"mean", "p10", "p50", "p90", "probability"}
    pos = table[(table.name == "power_of_siberia") & (table.variable == "delivered")]
    assert set(pos.unit) == {"bcm/yr"}
    p10 = pos[pos.statistic == "p10"].set_index("year").value
    p90 = pos[pos.statistic == "p90"].set_index("year").value
    assert (p10 <= p90).all()


def test_iamc_table_has_the_standard_columns(single: flowsim.Result) -> None:
    """iamc.csv: Model, Scenario, Region, Variable, Unit, then years; trade variables per route."""
    table = iamc_frame(single)
    assert list(table.columns[:5]) == ["Model", "Scenario", "Region", "Variable", "Unit"]
    assert table.columns[5] == 2015
    assert "Trade|Gas|Pipeline|Power of Siberia" in set(table.Variable)
    row = table[table.Variable == "Trade|Gas|Pipeline|Power of Siberia"].iloc[0]
    assert row[2050] == pytest.approx(
        float(single.annual.delivered.sel(route="power_of_siberia", year=2050, member=0))
    )
    assert (table.Region == "China").all()


def test_iamc_ensemble_adds_quantile_variables(ensemble: flowsim.Result) -> None:
    """An ensemble exports the median and |P10, |P90 variables."""
    variables = set(iamc_frame(ensemble).Variable)
    assert {"Import Demand|Gas", "Import Demand|Gas|P10", "Import Demand|Gas|P90"} <= variables


def test_deliveries_figure_content(single: flowsim.Result) -> None:
    """Stacked area: one area per gas route, demand line, units on the axis, footnote."""
    fig = single.plot.deliveries("gas")
    ax = fig.axes[0]
    gas_routes = int((single.annual.route_commodity == "gas").sum())
    assert ax.get_ylabel() == "Deliveries (bcm/yr)"
    assert ax.get_xlabel() == "Year"
    assert len(ax.collections) == gas_routes
    assert [line.get_label() for line in ax.get_lines()] == ["Import demand"]
    assert "Scenario: reference" in fig.texts[0].get_text()


def test_fan_chart_content(ensemble: flowsim.Result) -> None:
    """Fan chart: one P10-P90 band and one P50 line, band below line below band top."""
    fig = ensemble.plot.fan(route="power_of_siberia")
    ax = fig.axes[0]
    assert len(ax.collections) == 1
    assert [line.get_label() for line in ax.get_lines()] == ["P50"]
    assert ax.get_ylabel() == "Deliveries (bcm/yr)"


def test_share_and_capacity_figures(single: flowsim.Result) -> None:
    """Share of demand in percent per route; one capacity panel per oil route."""
    share = single.plot.share_of_demand("oil")
    assert share.axes[0].get_ylabel() == "Share of import demand (%)"
    oil_routes = int((single.annual.route_commodity == "oil").sum())
    assert len(share.axes[0].get_lines()) == oil_routes
    panels = [ax for ax in single.plot.capacity_vs_delivered("oil").axes if ax.get_visible()]
    assert len(panels) == oil_routes
    assert {line.get_label() for line in panels[0].get_lines()} == {"Capacity", "Delivered"}


def test_svg_output_is_reproducible(single: flowsim.Result, tmp_path: Path) -> None:
    """Writing the same figure twice gives byte-identical SVG (no dates, fixed ids)."""
    from flowsim.plots import save

    a = save(single.plot.deliveries("oil"), tmp_path / "a")[1].read_bytes()
    b = save(single.plot.deliveries("oil"), tmp_path / "b")[1].read_bytes()
    assert a == b


def test_write_outputs_into_an_unwritable_place_changes_nothing(
    single: flowsim.Result, tmp_path: Path
) -> None:
    """A folder that cannot be made is a FlowsimError naming it."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(flowsim.FlowsimError, match="cannot create output folder"):
        write_outputs(single, single.scenario, blocker / "sub")


def test_compare_scenarios_and_results(single: flowsim.Result, tmp_path: Path) -> None:
    """compare() of a result and a named scenario: values side by side and differences."""
    never = SCENARIOS / "pos2_50bcm.toml#never"
    comparison = flowsim.compare(single, str(never))
    table = comparison.table
    assert list(table.columns) == ["reference", "pos2_50bcm-never", "pos2_50bcm-never - reference"]
    altai = table.xs(("delivered", "altai", "bcm/yr", 2040))
    assert altai["pos2_50bcm-never"] == 0
    assert altai["pos2_50bcm-never - reference"] == pytest.approx(-altai["reference"])
    path = single.to_netcdf(tmp_path / "results.nc")
    again = flowsim.compare(path, single)
    assert (again.table.iloc[:, 2] == 0).all()


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


def test_diff_lists_parameters_key_by_key() -> None:
    """diff() gives key paths with both values; identical scenarios have none."""
    differences = flowsim.diff(
        SCENARIOS / "pos2_50bcm.toml", f"{SCENARIOS / 'pos2_50bcm.toml'}#never"
    )
    paths = [path for path, _, _ in differences]
    assert "routes.altai.capacity[0].to_value" in paths
    assert flowsim.diff(SCENARIOS / "reference.toml", SCENARIOS / "reference.toml") == []
    result = CliRunner().invoke(
        cli, ["diff", str(SCENARIOS / "reference.toml"), str(SCENARIOS / "reference.toml")]
    )
    assert result.output.strip() == "no differences"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_compare_and_diff_work_on_every_shipped_scenario(path: Path, tmp_path: Path) -> None:
    """`flowsim compare reference X` and `flowsim diff reference X` succeed for each shipped X."""
    reference = str(SCENARIOS / "reference.toml")
    compared = CliRunner().invoke(
        cli, ["compare", reference, str(path), "--members", "2", "--out", str(tmp_path)]
    )
    assert compared.exit_code == 0, compared.output
    assert (tmp_path / "comparison.csv").is_file()
    differed = CliRunner().invoke(cli, ["diff", reference, str(path)])
    assert differed.exit_code == 0, differed.output
    assert differed.output.strip()


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing: one line naming the folder and the cause; no file appears."""
    import errno

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("flowsim.results.Result.to_netcdf", full)
    result = CliRunner().invoke(
        cli, ["run", str(SCENARIOS / "reference.toml"), "--out", str(tmp_path), "--quiet"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"flowsim: cannot write results to {tmp_path}: No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


def test_figure_files_hold_their_labels(tmp_path: Path, single: flowsim.Result) -> None:
    """The SVG files written carry the title, axis labels with units and the footnote."""
    write_outputs(single, single.scenario, tmp_path, formats=["nc"])
    svg = (tmp_path / "figures" / "deliveries_oil.svg").read_text()
    for text in (
        "Oil deliveries to China by route",
        "Deliveries (Mt/yr)",
        "Year",
        "Scenario: reference",
    ):
        assert text in svg, text
    png = (tmp_path / "figures" / "deliveries_oil.png").read_bytes()
    assert png.startswith(b"\x89PNG")
