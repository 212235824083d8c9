"""The files of a run: all or nothing, the manifest and stale files, formats, figure names.

Figures are drawn but, where their pixels are not the point, saved as empty
files (``quick_figures``); test_plots.py and the command-line tests save real ones.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import flowsim
from flowsim import outputs
from flowsim.backtest import backtest, read_reported
from flowsim.io import STAGING_PREFIX, staging_prefix
from flowsim.outputs import MANIFEST, safe_name, write_backtest, write_outputs
from flowsim.scenario import scenario_from_dict
from flowsim.shipped import data_file

from .conftest import SCENARIOS, SHIPPED, tiny_doc


def listing(folder: Path) -> list[str]:
    """Every file below ``folder``, relative to it, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_writes_its_data_files(
    path: Path, shipped_run: Callable[[str, int], flowsim.Result], tmp_path: Path
) -> None:
    """One member of each shipped scenario writes results.nc, both tables and its scenario.

    One member: the ensemble statistics of summary.csv are the same code for every
    scenario (test_tables.py); the ensemble tables of each render in test_cli_run.py.
    """
    result = shipped_run(path.stem, 1)
    written = write_outputs(result, result.scenario, tmp_path, figures=False)
    names = ["iamc.csv", "results.nc", "scenario.toml", "summary.csv"]
    assert [p.as_posix() for p in written] == names
    assert listing(tmp_path) == sorted([MANIFEST, *names])
    assert (tmp_path / MANIFEST).read_text().split() == names
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert set(summary[summary.kind == "route"].name) == set(result.annual.route.values)
    saved = flowsim.open_result(tmp_path / "results.nc")
    assert saved.annual.attrs["scenario_name"] == result.scenario.name


@pytest.mark.usefixtures("quick_figures")
def test_format_option_chooses_data_files_and_removes_stale_ones(
    tiny_result: flowsim.Result, tmp_path: Path
) -> None:
    """A second write of nc only, no figures, removes the first one's other files, not others'."""
    first = write_outputs(tiny_result, tiny_result.scenario, tmp_path)
    assert {p.parts[0] for p in first} == {
        "figures",
        "iamc.csv",
        "results.nc",
        "scenario.toml",
        "summary.csv",
    }
    (tmp_path / "notes.txt").write_text("mine")  # not flowsim's: must survive
    write_outputs(tiny_result, tiny_result.scenario, tmp_path, formats=["nc"], figures=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        MANIFEST,
        "notes.txt",
        "results.nc",
        "scenario.toml",
    ]
    assert (tmp_path / MANIFEST).read_text().split() == ["results.nc", "scenario.toml"]


@pytest.mark.usefixtures("quick_figures")
@pytest.mark.parametrize(
    ("members", "fans"), [(1, []), (2, ["figures/fan_gas", "figures/fan_pipe"])]
)
def test_three_figures_per_commodity_and_fans_for_ensembles(
    tmp_path: Path, members: int, fans: list[str]
) -> None:
    """Three figures per commodity; ensembles add a fan chart per commodity and per route."""
    result = flowsim.run(scenario_from_dict(tiny_doc()), members=members)
    written = write_outputs(result, result.scenario, tmp_path, formats=[])
    stems = ["figures/capacity_vs_delivered_gas", "figures/deliveries_gas", *fans]
    stems.append("figures/share_of_demand_gas")
    expected = sorted(f"{stem}{suffix}" for stem in stems for suffix in (".png", ".svg"))
    assert [p.as_posix() for p in written] == sorted([*expected, "scenario.toml"])


def test_a_trace_is_written_as_trace_csv(tmp_path: Path) -> None:
    """A DES run with a trace writes its events to trace.csv beside the data."""
    result = flowsim.run(scenario_from_dict(tiny_doc()), engine="des", trace=True)
    assert result.trace is not None
    write_outputs(result, result.scenario, tmp_path, formats=["csv"], figures=False)
    trace = pd.read_csv(tmp_path / "trace.csv")
    assert list(trace.columns) == ["member", "day", "date", "route", "kind", "size", "detail"]
    assert len(trace) == len(result.trace)


def test_a_streamed_file_becomes_results_nc(tmp_path: Path) -> None:
    """The file a run streamed into is moved into place as results.nc, not copied."""
    streamed = tmp_path / ".streaming.nc"
    result = flowsim.run(scenario_from_dict(tiny_doc()), members=3, file=streamed)
    inode = streamed.stat().st_ino
    out = tmp_path / "out"
    write_outputs(result, result.scenario, out, formats=["nc"], figures=False, streamed=streamed)
    assert not streamed.exists()
    assert (out / "results.nc").stat().st_ino == inode
    assert flowsim.open_result(out / "results.nc").annual.sizes["member"] == 3


def test_write_outputs_into_an_unwritable_place_changes_nothing(
    tiny_result: flowsim.Result, tmp_path: Path
) -> None:
    """A folder that cannot be made is a FlowsimError naming it."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(flowsim.FlowsimError, match="cannot create output folder"):
        write_outputs(tiny_result, tiny_result.scenario, blocker / "sub")


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(
    tiny_result: flowsim.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing: one line naming the folder and the cause; no file appears."""

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("flowsim.results.Result.to_netcdf", full)
    with pytest.raises(flowsim.FlowsimError) as error:
        write_outputs(tiny_result, tiny_result.scenario, tmp_path, figures=False)
    assert str(error.value) == f"cannot write results to {tmp_path}: No space left on device"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("quick_figures")
def test_a_folder_in_the_way_leaves_no_partial_output(
    tiny_result: flowsim.Result, tmp_path: Path
) -> None:
    """If results.nc cannot be put in place, nothing else is moved in and no temporary is left."""
    (tmp_path / "results.nc").mkdir()  # a folder where the file should go
    with pytest.raises(flowsim.FlowsimError, match=f"cannot write results to {tmp_path}"):
        write_outputs(tiny_result, tiny_result.scenario, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]
    assert list((tmp_path / "results.nc").iterdir()) == []


@pytest.mark.usefixtures("quick_figures")
def test_backtest_writes_its_tables_and_a_figure_per_series(tmp_path: Path) -> None:
    """backtest.csv, backtest_stats.csv and a PNG and SVG per reported series; or no figures."""
    result = flowsim.run(SCENARIOS / "historical.toml")
    check = backtest(result, read_reported(data_file("reported_flows.csv")))
    write_backtest(check, result, tmp_path / "with", data="reported_flows.csv")
    figures = sorted(
        f"backtest_{s}.{kind}" for s in check.stats["series"] for kind in ("png", "svg")
    )
    tables = ["backtest.csv", "backtest_stats.csv"]
    assert listing(tmp_path / "with") == sorted([*tables, *figures])
    assert len(figures) == 2 * len(check.stats) > 0
    write_backtest(check, result, tmp_path / "without", data="x.csv", figures=False)
    assert listing(tmp_path / "without") == tables
    written = pd.read_csv(tmp_path / "with" / "backtest.csv")
    assert len(written) == len(check.table)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("reference", "reference"),
        ("pos2_50bcm-never#2.b", "pos2_50bcm-never#2.b"),
        ("Сила_Сибири-名前", "Сила_Сибири-名前"),
        ("../../x", "_._.._x"),
        ("..", "_."),
        (".", "_"),
        ("", "_"),
        ("/etc/passwd", "_etc_passwd"),
        ("a\\b c\n", "a_b_c_"),
        (".hidden", "_hidden"),
    ],
)
def test_safe_name_is_one_harmless_path_component(name: str, safe: str) -> None:
    """Letters, digits, - _ . # stay; anything else, and a leading dot, becomes _."""
    assert safe_name(name) == safe
    assert len(safe_name("x" * 1000)) == 100


def test_staging_is_named_and_stale_staging_removed(
    tiny_result: flowsim.Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staging starts with .flowsim-staging-; a dead process's staging goes on the next write."""
    seen: list[str] = []
    produce = outputs._produce

    def spy(result: flowsim.Result, scenario: object, folder: Path, *args: object) -> None:
        seen.append(folder.name)
        produce(result, scenario, folder, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(outputs, "_produce", spy)
    stale = tmp_path / (staging_prefix().replace(f"-{os.getpid()}-", "-999999999-") + "old")
    stale.mkdir()
    (stale / "results.nc").write_bytes(b"half")
    write_outputs(tiny_result, tiny_result.scenario, tmp_path, figures=False)
    assert len(seen) == 1
    assert seen[0].startswith(staging_prefix())
    assert not stale.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX)]
