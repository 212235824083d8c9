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
from flowsim.crosscheck import relative_difference
from flowsim.engines import core, des
from flowsim.plan import Plan
from flowsim.sampling import sample
from flowsim.scenario import scenario_from_text
from flowsim.variables import BINDING

from .conftest import ROOT, tiny_doc
from .engine_cases import CARGO_SCENARIO, CITE, NETWORK_SCENARIO, RANDOM_SCENARIO, scenario

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


def test_a_cargo_route_in_a_tie_serves_first_and_the_pipe_is_cut() -> None:
    """Tankers (0.1 Mt/d) beside a pipe of the same priority (0.2 Mt/d), demand 0.15
    Mt/d: on a day the tankers' terminal serves part of it, the pipe takes the rest (its
    offer cut pro rata), and the daily balance closes with nothing over-delivered."""
    text = CARGO_SCENARIO + (
        '[routes.pipe]\ncommodity = "oil"\nsource = "crude"\n'
        'capacity = [{from = 2021, value = 73, cite = "assumption: test"}]\n'
        'cite = "assumption: test"\n'
        '[demand.oil]\nannual = [{from = 2021, value = 54.75, cite = "assumption: test"}]\n'
        '[balancing.oil]\nlabel = "other seaborne crude"\n'
    )
    d = flowsim.run(scenario_from_text(text), engine="des", daily=True).daily
    assert d is not None
    total = d.delivered.sum("route") + d.balancing + d.unmet
    np.testing.assert_allclose(total, d.demand, rtol=1e-9)
    tankers, pipe = (d.delivered.isel(member=0).sel(route=r) for r in ("tankers", "pipe"))
    arrived = tankers > 0
    assert bool(arrived.any())
    demand = d.demand.isel(member=0).sel(commodity="oil")
    both = (tankers + pipe).where(arrived, drop=True)  # demand met, not more
    np.testing.assert_allclose(both, demand.where(arrived, drop=True), rtol=1e-9)
    assert float(d.balancing.sum()) == 0.0


def test_cargoes_only_on_seaborne_routes() -> None:
    """A pipeline with cargo detail is refused with a clear message."""
    with pytest.raises(flowsim.ScenarioError, match="only a seaborne route has cargoes"):
        scenario_from_text(CARGO_SCENARIO.replace('kind = "seaborne"', 'kind = "pipeline"'))


# --- the supply network -----------------------------------------------------------


def test_des_clears_the_supply_network_as_the_core() -> None:
    """Routes sharing arcs (pro rata in a group, by priority between groups, with arc
    maintenance, outages and shocks, losses and a China share) give the core's values."""
    s = NETWORK_SCENARIO
    plan, real = Plan.of(s), sample(s, 6, 5)
    expected = core.simulate_chunk(plan, real, daily=True)
    trace: list[des.TraceEvent] = []
    got = des.simulate_chunk(plan, real, daily=True, trace=trace, cargoes=False)
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name].shape == value.shape, name
        if name.endswith("_days"):
            np.testing.assert_array_equal(got[name], value, err_msg=name)
        else:
            assert relative_difference(got[name], value) <= 1e-12, name
    # the case exercises what it is about
    trunk, border = plan.arcs.index("trunk"), plan.arcs.index("border")
    short = expected["arc_binding_days"]
    days = plan.calendar.days_in_year
    assert (short[..., trunk] > 0).any()  # derated: the first group takes all that is left
    assert (short[..., trunk] < days).all()  # else it fits
    assert (short[..., border] > 0).any()  # 12 + 20 over 30, when demand asks for it
    assert (short[..., border] < days).any()
    assert (expected["arc_outage_days"][..., trunk] > 0).all()
    for bound in BINDING:
        assert expected[f"binding_{bound}_days"].sum() > 0, bound
    assert len({tuple(row) for row in expected["arc_flow"][:, :, trunk]}) > 1
    kinds = {(e.route, e.kind) for e in trace}
    assert {("arc:trunk", k) for k in ("outage_start", "maintenance_start", "shock_start")} <= kinds
    assert not any(e.route == "arc:border" and e.kind.startswith("outage") for e in trace)


def test_an_arc_outage_shows_in_the_trace() -> None:
    """An arc's forced outage is traced as start and end events with ``arc:ID`` as route."""
    trace = flowsim.run(NETWORK_SCENARIO, members=2, engine="des", trace=True).trace
    assert trace is not None
    rows = trace[(trace.route == "arc:trunk") & (trace.kind == "outage_start")]
    assert len(rows) > 0
    assert (rows["size"] == 0.6).all()


def test_a_cargo_route_draws_on_its_arcs_and_lands_chinas_share() -> None:
    """In cargo mode a route's flow still draws on the arcs it runs over (as in the core);
    each cargo lands its size less losses, times the China share, and the year's landings
    follow the core's deliveries, late by loading and voyage, within one cargo."""
    route = 'own_use_loss_fraction = 0.01\narcs = ["lane"]\n'
    route += 'china_share = [{from = 2021, value = 0.6, cite = "assumption: test"}]\n'
    text = CARGO_SCENARIO.replace("own_use_loss_fraction = 0.01\n", route)
    text += '[arcs.lane]\ncommodity = "oil"\nkind = "seaborne"\ncite = "assumption: test"\n'
    text += 'capacity = [{from = 2021, value = 30, cite = "assumption: test"}]\n'
    s = scenario_from_text(text)
    plan, real = Plan.of(s), sample(s, 1, 0)
    expected = core.simulate_chunk(plan, real, daily=True)
    trace: list[des.TraceEvent] = []
    got = des.simulate_chunk(plan, real, daily=True, trace=trace)
    for name in ("flow", "arc_flow", "arc_available", "binding_arc_days", "arc_binding_days"):
        assert relative_difference(got[name], expected[name]) <= 1e-12, name
    assert (got["arc_binding_days"] == plan.calendar.days_in_year[None, :, None]).all()
    cargo = 0.7 * (1 - 0.01) * 0.6
    arrived = [e for e in trace if e.kind == "cargo_arrived"]
    assert arrived
    assert all(e.size == pytest.approx(cargo, rel=1e-12) for e in arrived)
    assert all(e.detail == "China share 0.6" for e in arrived)
    lag = 1 + 5
    shifted = np.roll(expected["daily_delivered"][0, :, 0], lag)
    shifted[:lag] = 0.0
    per_year = np.add.reduceat(shifted, plan.calendar.year_starts)
    assert np.abs(got["delivered"][0, :, 0] - per_year).max() <= cargo + 1e-9


def test_a_cargo_sails_its_seasons_voyage() -> None:
    """A cargo leaving port in July-November sails the Arctic season's 20 days, any other the
    route's 40: every arrival is a loading day plus loading and that month's voyage."""
    text = CARGO_SCENARIO.replace(
        "voyage_days = 5\n",
        "voyage_days = 40\n"
        'seasons = [{months = [7, 8, 9, 10, 11], voyage_days = 20, cite = "assumption: t"}]\n',
    )
    s = scenario_from_text(text)
    trace = flowsim.run(s, engine="des", trace=True).trace
    assert trace is not None
    loads = trace[trace.kind == "cargo_loading"]
    leaving = loads.date + pd.Timedelta(days=1)  # loading_days = 1
    voyage = np.where(leaving.dt.month.between(7, 11), 20, 40)
    days = Plan.of(s).n_days
    expected = sorted(d for d in (loads.day + 1 + voyage).tolist() if d < days)
    arrived = sorted(trace[trace.kind == "cargo_arrived"].day.tolist())
    assert arrived == expected
    assert {20, 40} <= set(voyage.tolist())
