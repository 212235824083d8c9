"""The SimPy discrete-event engine (flowsim.engines.des): event traces, progress, cargoes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import flowsim
from flowsim.cli import cli
from flowsim.scenario import scenario_from_text

from .conftest import ROOT, tiny_doc
from .engine_cases import CARGO_SCENARIO, CITE, RANDOM_SCENARIO, scenario

# --- traces and progress -----------------------------------------------------------


def test_trace_lists_events_an_analyst_can_filter() -> None:
    """The trace has one row per event; outages of a member come in start/end pairs."""
    result = flowsim.run(RANDOM_SCENARIO, members=3, seed=4, engine="des", trace=True)
    trace = result.trace
    assert trace is not None
    assert list(trace.columns) == ["member", "day", "date", "route", "kind", "size", "detail"]
    assert set(trace.member) == {0, 1, 2}
    mine = trace[(trace.member == 1) & (trace.route == "pipe")]
    outages = mine[mine.kind == "outage_start"]
    ends = mine[mine.kind == "outage_end"]
    assert len(outages) > 0
    assert len(outages) - len(ends) in (0, 1)  # the last may run past the horizon
    assert trace.date.dt.year.between(2020, 2024).all()
    day_zero = pd.Timestamp("2020-01-01")
    assert (trace.date == day_zero + pd.to_timedelta(trace.day, unit="D")).all()
    assert set(trace.kind) >= {"commissioned", "outage_start", "outage_end", "shock_start"}


def test_trace_records_the_day_maintenance_starts() -> None:
    """A maintenance window shows as start and end events on its dates."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["maintenance"] = [
        {"start": dt.date(2024, 3, 24), "duration_days": 8, "cite": CITE}
    ]
    trace = flowsim.run(scenario(doc), engine="des", trace=True).trace
    assert trace is not None
    rows = trace[trace.kind.str.startswith("maintenance")]
    assert rows.date.dt.strftime("%Y-%m-%d").tolist() == ["2024-03-24", "2024-04-01"]


def test_progress_reports_each_member() -> None:
    """The DES reports progress member by member, in order."""
    seen: list[tuple[int, int]] = []
    flowsim.run(
        RANDOM_SCENARIO,
        members=3,
        engine="des",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_cli_runs_the_des_and_writes_the_trace(tmp_path: Path) -> None:
    """`flowsim run --engine des --trace` writes trace.csv beside results.nc."""
    path = ROOT / "scenarios" / "kazakh_transit_halt.toml"
    args = ["run", str(path), "--engine", "des", "--trace", "--quiet", "--format", "nc"]
    result = CliRunner().invoke(cli, [*args, "--no-figures", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "flowsim-manifest.txt",
        "results.nc",
        "scenario.toml",
        "trace.csv",
    ]
    trace = (tmp_path / "trace.csv").read_text().splitlines()
    assert trace[0] == "member,day,date,route,kind,size,detail"
    assert any(",shock_start," in line for line in trace)
    assert flowsim.open_result(tmp_path / "results.nc").annual.attrs["engine"] == "des"


# --- cargoes ---------------------------------------------------------------------


def cargo_run(text: str = CARGO_SCENARIO) -> tuple[flowsim.Result, flowsim.Result]:
    """The core run (daily values) and the DES run (trace) of a cargo scenario."""
    s = scenario_from_text(text)
    return flowsim.run(s, daily=True), flowsim.run(s, engine="des", trace=True)


def test_cargo_deliveries_within_one_cargo_of_the_core_per_year() -> None:
    """Cargo arrivals follow the core shifted by loading and voyage, within one cargo a year."""
    core, des = cargo_run()
    assert core.daily is not None
    lag = 1 + 5
    shifted = core.daily.delivered.sel(member=0, route="tankers").shift(day=lag, fill_value=0.0)
    expected = shifted.groupby("day.year").sum().values
    got = des.annual.delivered.sel(member=0, route="tankers").values
    one_cargo = 0.7 * (1 - 0.01)
    assert np.abs(got - expected).max() <= one_cargo + 1e-9
    assert np.abs(got - core.annual.delivered.sel(member=0, route="tankers").values).max() > 0


def test_cargo_count_matches_volume_over_cargo_size() -> None:
    """Each year's deliveries are whole cargoes, and the cargoes carry what was loaded."""
    core, des = cargo_run()
    trace = des.trace
    assert trace is not None
    arrived = trace[trace.kind == "cargo_arrived"]
    per_year = arrived.groupby(arrived.date.dt.year)["size"].sum()
    delivered = des.annual.delivered.sel(member=0, route="tankers").to_series()
    assert per_year.values == pytest.approx(delivered.values, rel=1e-9)
    loaded = len(trace[trace.kind == "cargo_loading"])
    total_flow = float(core.annual.flow.sel(member=0, route="tankers").sum())
    assert loaded == int(total_flow // 0.7)


def test_one_slow_berth_makes_a_queue() -> None:
    """With one berth taking 10 days a cargo, cargoes (one a week) queue and arrive later."""
    _, free = cargo_run()
    _, queued = cargo_run(
        CARGO_SCENARIO.replace("loading_days = 1", "loading_days = 10\nberths = 1")
    )
    free_total = float(free.annual.delivered.sum())
    queued_total = float(queued.annual.delivered.sum())
    assert queued_total < 0.75 * free_total
    assert queued.trace is not None
    loads = queued.trace[queued.trace.kind == "cargo_loading"].day.diff().dropna()
    assert len(loads) > 100  # about four years of back-to-back loadings
    assert (loads == 10).all()


def test_daily_balance_holds_in_cargo_mode() -> None:
    """Demand is met by cargo arrivals on the day they come; the daily balance still closes."""
    text = CARGO_SCENARIO + (
        '[demand.oil]\nannual = [{from = 2021, value = 60, cite = "assumption: test"}]\n'
        '[balancing.oil]\nlabel = "other seaborne crude"\n'
    )
    result = flowsim.run(scenario_from_text(text), engine="des", daily=True)
    d = result.daily
    assert d is not None
    arrivals = d.delivered.isel(member=0).sel(route="tankers")
    first_week = slice(0, 7)  # nothing arrives before the first cargo has loaded and sailed
    assert (arrivals.isel(day=first_week) == 0).all()
    oil = {"member": 0, "commodity": "oil"}
    assert (
        d.balancing.isel(day=first_week).sel(oil) == d.demand.isel(day=first_week).sel(oil)
    ).all()
    assert float(arrivals.sum()) > 0
    total = d.delivered.sum("route") + d.balancing + d.unmet
    np.testing.assert_allclose(total, d.demand, rtol=1e-9)


def test_cargoes_only_on_seaborne_routes() -> None:
    """A pipeline with cargo detail is refused with a clear message."""
    with pytest.raises(flowsim.ScenarioError, match="only a seaborne route has cargoes"):
        scenario_from_text(CARGO_SCENARIO.replace('kind = "seaborne"', 'kind = "pipeline"'))
