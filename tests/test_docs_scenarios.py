"""docs/scenarios.md works as shown: its step files validate and run as it says, and each
error example prints the message the guide gives for it."""

from __future__ import annotations

import calendar
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import flowsim
from flowsim.cli import cli

from .conftest import ROOT

GUIDE = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
STEPS = ROOT / "docs" / "scenarios"
STEP_FILES = sorted(STEPS.glob("*.toml"))
ERRORS_HEADING = "## Errors new authors meet"
EXIT_INVALID_SCENARIO = 3
MEMBERS = 32
PLATEAU = range(2031, 2037)
"""Years the line runs at its 12 bcm/yr plateau capacity."""
NETWORK = "step6_network"
STEP_ROUTES = {NETWORK: ["far_east_line", "zeya_line", "vanino_lng"]}
"""Routes of the steps that have more than the tutorial's one line."""
TRUNK_LOSS = 0.02


def days_in(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def error_examples() -> list[tuple[str, str, str]]:
    """(title, TOML snippet, printed message) of each example in the errors section.

    Each ``###`` subsection holds exactly one ```toml block and one ```text block.
    """
    _, found, section = GUIDE.partition(ERRORS_HEADING)
    assert found, f"docs/scenarios.md has no '{ERRORS_HEADING}' section"
    examples = []
    for sub in section.split("\n### ")[1:]:
        title = sub.splitlines()[0].strip()
        tomls = re.findall(r"```toml\n(.*?)```", sub, flags=re.DOTALL)
        texts = re.findall(r"```text\n(.*?)```", sub, flags=re.DOTALL)
        assert len(tomls) == 1, f"'{title}' needs exactly one ```toml block"
        assert len(texts) == 1, f"'{title}' needs exactly one ```text block"
        examples.append((title, tomls[0], texts[0].strip()))
    return examples


ERROR_EXAMPLES = error_examples()


@pytest.fixture(scope="module")
def annual() -> dict[str, xr.Dataset]:
    """Annual results of every step, MEMBERS members, seed 1, by file stem."""
    return {p.stem: flowsim.run(p, members=MEMBERS, seed=1).annual for p in STEP_FILES}


def route(a: xr.Dataset, variable: str) -> xr.DataArray:
    """A per-route variable of the one route, dims (member, year)."""
    return a[variable].sel(route="far_east_line")


def gas(a: xr.Dataset, variable: str) -> xr.DataArray:
    """A per-commodity variable for gas, dims (member, year)."""
    return a[variable].sel(commodity="gas")


def step_variant(folder: Path, text: str) -> Path:
    """``text`` saved as my_step.toml next to copies of the step files."""
    for path in STEP_FILES:
        shutil.copy(path, folder)
    variant = folder / "my_step.toml"
    variant.write_text(text, encoding="utf-8")
    return variant


def guide_section(heading: str) -> str:
    """The guide's text from ``heading`` to the next ``## `` heading."""
    _, found, rest = GUIDE.partition(f"\n{heading}\n")
    assert found, f"docs/scenarios.md has no '{heading}' section"
    return rest.split("\n## ", 1)[0]


# --- the guide and its files ----------------------------------------------------------


def test_the_guide_has_six_steps_and_errors() -> None:
    assert [p.name for p in STEP_FILES] == [
        "step1_route.toml",
        "step2_contract.toml",
        "step3_maintenance.toml",
        "step4_outages.toml",
        "step5_demand.toml",
        "step6_network.toml",
    ]
    assert len(ERROR_EXAMPLES) >= 12


@pytest.mark.parametrize("path", STEP_FILES, ids=lambda p: p.name)
def test_step_file_validates_and_is_shown_in_the_guide(path: Path) -> None:
    """Each step loads, is shown verbatim, and the guide gives its commands."""
    scenario = flowsim.load_scenario(path)
    assert list(scenario.routes) == STEP_ROUTES.get(path.stem, ["far_east_line"])
    text = path.read_text(encoding="utf-8")
    assert f"```toml\n{text}```" in GUIDE, f"{path.name} is not shown verbatim in the guide"
    shown = f"docs/scenarios/{path.name}"
    assert f"flowsim validate {shown}\n" in GUIDE
    assert f"flowsim run {shown} --no-figures\n" in GUIDE


@pytest.mark.parametrize("path", STEP_FILES, ids=lambda p: p.name)
def test_every_figure_of_a_step_is_a_cited_tutorial_figure(path: Path) -> None:
    """The example is made up, and every cite says so."""
    cites = re.findall(r'cite = "([^"]*)"', path.read_text(encoding="utf-8"))
    assert cites
    assert all(c.startswith("assumption: tutorial figure") for c in cites), cites


def test_every_step_file_the_guide_names_exists() -> None:
    named = set(re.findall(r"docs/scenarios/([\w.-]+\.toml)", GUIDE))
    named |= set(re.findall(r"\]\(scenarios/([\w.-]+\.toml)\)", GUIDE))
    assert named == {p.name for p in STEP_FILES}


# --- what each run shows ----------------------------------------------------------------


def test_step1_capacity_ramps_to_its_plateau_in_2031(annual: dict[str, xr.Dataset]) -> None:
    delivered = route(annual["step1_route"], "delivered").isel(member=0)
    d = {int(y): float(v) for y, v in zip(delivered.year, delivered, strict=True)}
    assert d[2026] == 0.0
    assert d[2027] == pytest.approx(3 * 92 / 365)  # 3 bcm/yr from 1 October
    assert d[2028] == pytest.approx(3.0)
    assert d[2029] == pytest.approx(5.2, abs=0.05)
    assert d[2030] == pytest.approx(9.7, abs=0.05)
    assert [d[y] for y in PLATEAU] == pytest.approx([12.0] * len(PLATEAU))
    capacity = route(annual["step1_route"], "capacity")
    assert (capacity.sel(year=list(PLATEAU)) == pytest.approx(12.0)).all()


def test_step2_contract_limits_flow_to_acq_times_flexibility(
    annual: dict[str, xr.Dataset],
) -> None:
    a = annual["step2_contract"].sel(year=list(PLATEAU))
    assert np.allclose(route(a, "contract"), 10.0)
    assert np.allclose(route(a, "capacity"), 12.0)
    assert np.allclose(route(a, "delivered"), 10.0 * 1.1)
    days = xr.DataArray([days_in(y) for y in PLATEAU], coords={"year": list(PLATEAU)})
    assert (route(a, "binding_contract_days") == days).all()


def test_step3_maintenance_takes_its_share_of_days(annual: dict[str, xr.Dataset]) -> None:
    a = annual["step3_maintenance"]
    delivered = route(a, "delivered").isel(member=0)
    for year in PLATEAU:
        expected = 11.0 * (days_in(year) - 10) / days_in(year)
        assert float(delivered.sel(year=year)) == pytest.approx(expected)
    assert float(delivered.sel(year=2031)) == pytest.approx(10.70, abs=0.005)
    outage_days = route(a, "outage_days").isel(member=0)
    assert (outage_days.sel(year=slice(2029, None)) == 10).all()
    assert (outage_days.sel(year=slice(None, 2028)) == 0).all()


def test_step4_outages_spread_the_ensemble(annual: dict[str, xr.Dataset]) -> None:
    scenario = flowsim.load_scenario(STEPS / "step4_outages.toml")
    assert (scenario.run.members, scenario.run.seed) == (200, 42)
    a = annual["step4_outages"]
    plateau = route(a, "delivered").sel(year=list(PLATEAU))
    without = route(annual["step3_maintenance"], "delivered").sel(year=list(PLATEAU))
    assert (plateau <= without + 1e-9).all()
    assert float(1 - (plateau / without).mean()) == pytest.approx(0.04, abs=0.015)
    assert float(route(a, "outage_days").sel(year=list(PLATEAU)).mean()) == pytest.approx(25, abs=3)
    assert float(plateau.median()) == pytest.approx(10.3, abs=0.15)
    p10, p90 = plateau.quantile(0.1, "member"), plateau.quantile(0.9, "member")
    assert ((p90 - p10) > 0.3).all(), "members should differ in every plateau year"
    assert len(np.unique(plateau.sel(year=2033).round(9))) > MEMBERS // 2
    # Outages are drawn from the first day of the horizon, before first gas.
    assert (route(a, "capacity").sel(year=2026) == 0).all()
    assert (route(a, "outage_days").sel(year=2026) > 0).any()


def test_step5_demand_balances(annual: dict[str, xr.Dataset]) -> None:
    a = annual["step5_demand"]
    demand, balancing, unmet = gas(a, "demand"), gas(a, "balancing"), gas(a, "unmet")
    delivered = route(a, "delivered")
    assert np.allclose(delivered + balancing + unmet, demand, rtol=1e-9, atol=1e-12)
    # Seasonality reshapes the year, not its total.
    assert np.allclose(demand.sel(year=2026), 9.0)
    assert np.allclose(demand.sel(year=2036), 15.0)
    assert (balancing <= 4.0 + 1e-9).all()
    # Before first gas: LNG at its cap, the rest unmet.
    assert np.allclose(balancing.sel(year=2026), 4.0)
    assert np.allclose(unmet.sel(year=2026), 5.0)
    # On the plateau: demand-bound in summer, contract-bound in winter; demand only
    # takes volume away from what step 4 delivered with the same outages.
    y2031 = a.sel(year=2031)
    assert (route(y2031, "binding_demand_days") > 0).all()
    assert (route(y2031, "binding_contract_days") > 0).all()
    step4 = route(annual["step4_outages"], "delivered")
    assert (delivered.sel(year=2031) < step4.sel(year=2031)).all()
    assert float(unmet.sel(year=2031).median()) == pytest.approx(0.35, abs=0.15)
    assert float(unmet.sel(year=2036).median()) == pytest.approx(2.3, abs=0.3)
    assert (unmet.sel(year=2036) > unmet.sel(year=2031)).all()


def test_step5_unmet_demand_falls_where_the_guide_says() -> None:
    """2031: on days the line is stopped; 2036: mostly in winter with the line up."""
    daily = flowsim.run(STEPS / "step5_demand.toml", members=8, seed=1, daily=True).daily
    assert daily is not None

    def unmet_by_line_state(year: int) -> tuple[xr.DataArray, xr.DataArray]:
        d = daily.sel(day=slice(f"{year}-01-01", f"{year}-12-31"))
        up = d.available.sel(route="far_east_line") >= 12.0 / days_in(year) * (1 - 1e-9)
        unmet = d.unmet.sel(commodity="gas")
        return unmet.where(up, 0.0), unmet.where(~up, 0.0)

    up, down = unmet_by_line_state(2031)
    assert float(up.sum()) < 0.15 * float(down.sum())
    up, down = unmet_by_line_state(2036)
    assert float(up.sum()) > float(down.sum())
    summer = up.day.dt.month.isin(range(4, 10))
    assert float(up.where(summer, 0.0).sum()) == 0.0


@pytest.fixture(scope="module")
def network_daily() -> xr.Dataset:
    """Daily values of step 6, 8 members, seed 1."""
    daily = flowsim.run(STEPS / f"{NETWORK}.toml", members=8, seed=1, daily=True).daily
    assert daily is not None
    return daily


def rates(daily: xr.Dataset, variable: str, year: int) -> xr.DataArray:
    """A per-route daily variable of ``year`` as an annual rate (bcm/yr), dims (member, day,
    route)."""
    return daily[variable].sel(day=slice(f"{year}-01-01", f"{year}-12-31")) * days_in(year)


def test_step6_two_lines_share_the_full_trunk_pro_rata_and_lng_gets_what_they_leave(
    network_daily: xr.Dataset,
) -> None:
    """2036, by the line's state: both lines 90% of their bounds on a full trunk; on the
    line's down days the Zeya line runs free and the LNG plant takes the room; while the
    trunk is halved, the lines share 9 bcm/yr and the plant gets nothing."""
    flow = rates(network_daily, "flow", 2036)
    delivered = rates(network_daily, "delivered", 2036)
    line_up = flow.sel(route="far_east_line") > 0
    line_down = rates(network_daily, "available", 2036).sel(route="far_east_line") == 0
    trunk_work = flow.day.dt.month.isin([9]) & (flow.day.dt.day <= 14)

    def on(days: xr.DataArray, route: str) -> np.ndarray:
        values = flow.sel(route=route).where(days).values
        return values[~np.isnan(values)]

    normal = line_up & ~trunk_work
    assert int(normal.sum()) > 8 * 300
    assert np.allclose(on(normal, "far_east_line"), 9.9)
    assert np.allclose(on(normal, "zeya_line"), 8.1)
    assert np.allclose(on(normal, "vanino_lng"), 0.0)
    down = line_down & ~trunk_work
    assert int(down.sum()) >= 8 * 10  # at least the June maintenance
    assert np.allclose(on(down, "zeya_line"), 9.0)
    assert np.allclose(on(down, "vanino_lng"), 6.0)
    to_china = delivered.sel(route="vanino_lng").where(down).values
    assert np.allclose(to_china[~np.isnan(to_china)], 6 * (1 - TRUNK_LOSS) * 0.3)
    halved = line_up & trunk_work
    assert int(halved.sum()) > 0
    assert np.allclose(on(halved, "far_east_line"), 4.95)
    assert np.allclose(on(halved, "zeya_line"), 4.05)
    assert np.allclose(on(halved, "vanino_lng"), 0.0)
    pipelines = ["far_east_line", "zeya_line"]
    assert np.allclose(delivered.sel(route=pipelines), flow.sel(route=pipelines) * (1 - TRUNK_LOSS))


def test_step6_closed_crossing_stops_both_lines_and_leaves_the_trunk_to_lng(
    network_daily: xr.Dataset, annual: dict[str, xr.Dataset]
) -> None:
    closed = rates(network_daily, "flow", 2034).sel(day=slice("2034-01-10", "2034-02-08"))
    assert closed.sizes["day"] == 30
    assert (closed.sel(route=["far_east_line", "zeya_line"]) == 0).all()
    assert np.allclose(closed.sel(route="vanino_lng"), 6.0)
    to_china = rates(network_daily, "delivered", 2034).sel(
        day=slice("2034-01-10", "2034-02-08"), route="vanino_lng"
    )
    assert np.allclose(to_china, 6 * (1 - TRUNK_LOSS) * 0.5)
    short = annual[NETWORK].arc_binding_days.sel(arc="amur_crossing")
    assert (short.sel(year=2034) == 30).all()
    assert (short.sel(year=[y for y in PLATEAU if y != 2034]) == 0).all()


def test_step6_tables_read_as_the_guide_says(annual: dict[str, xr.Dataset]) -> None:
    """The exporter adds up its routes; the trunk is the bottleneck; the plant mostly idles."""
    a = annual[NETWORK]
    delivered = a.delivered.sel(year=2036)
    russia = delivered.sum("route")
    by_exporter = flowsim.Result(a).by_exporter().sel(year=2036, commodity="gas")
    assert list(by_exporter.exporter.values) == ["Russia"]
    assert np.allclose(by_exporter.sel(exporter="Russia"), russia)
    assert float(russia.median()) == pytest.approx(16.9, abs=0.15)
    median = delivered.median("member")
    assert float(median.sel(route="far_east_line")) == pytest.approx(8.9, abs=0.15)
    assert float(median.sel(route="zeya_line")) == pytest.approx(7.8, abs=0.1)
    assert float(median.sel(route="vanino_lng")) == pytest.approx(0.1, abs=0.05)
    trunk = a.sel(year=2036, arc="khabarovsk_trunk")
    assert float((trunk.arc_flow / trunk.arc_capacity).median()) == pytest.approx(0.97, abs=0.01)
    assert float(trunk.arc_binding_days.median()) == pytest.approx(344, abs=5)
    lng = a.sel(year=2036, route="vanino_lng")
    assert float((lng.flow / lng.capacity).median()) == pytest.approx(0.06, abs=0.03)


def test_step6_run_prints_the_tables_the_guide_shows(tmp_path: Path) -> None:
    """Each block of the pasted output (blocks apart where the guide trimmed) is printed as is."""
    section = guide_section("## Step 6: a shared network")
    pasted = re.findall(r"```text\n(.*?)```", section, flags=re.DOTALL)
    assert len(pasted) == 1, "step 6 shows one ```text block of flowsim run output"
    args = ["run", str(STEPS / f"{NETWORK}.toml"), "--no-figures", "--out", str(tmp_path)]
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, args)
    assert result.exit_code == 0, result.output
    printed = "\n".join(line.rstrip() for line in result.stdout.splitlines())
    blocks = pasted[0].strip("\n").split("\n\n")
    assert any("Delivered to China by exporter" in b for b in blocks)
    assert any("Shared arcs in 2036" in b for b in blocks)
    for block in blocks:
        assert block in printed


def test_step6_equal_priority_shares_the_trunk_pro_rata(tmp_path: Path) -> None:
    """Given the pipelines' priority, the plant gets 18/26 of its bound like the lines."""
    variant = step_variant(
        tmp_path, f'extends = "{NETWORK}.toml"\n\n[routes.vanino_lng]\npriority = 0\n'
    )
    daily = flowsim.run(variant, members=4, seed=1, daily=True).daily
    assert daily is not None
    flow = rates(daily, "flow", 2036).sel(day="2036-03-02")
    up = flow.sel(route="far_east_line") > 0
    assert bool(up.any())
    share = 18 / 26
    for route, bound in (("far_east_line", 11), ("zeya_line", 9), ("vanino_lng", 6)):
        assert np.allclose(flow.sel(route=route).where(up, bound * share), bound * share)


def test_step6_china_share_is_zero_before_its_first_entry(tmp_path: Path) -> None:
    """The trap: a share given only from 2035 sends no cargo to China in 2032-2034, though
    the plant runs and loads the trunk."""
    variant = step_variant(
        tmp_path,
        f'extends = "{NETWORK}.toml"\n\n[routes.vanino_lng]\n'
        "china_share = [\n"
        '  { from = 2035-01-01, value = 0.3, cite = "assumption: tutorial figure" },\n'
        "]\n",
    )
    lng = flowsim.run(variant, members=8, seed=1).annual.sel(route="vanino_lng")
    before = lng.sel(year=[2032, 2033, 2034])
    assert (before.delivered == 0).all()
    assert (before.flow.sum("year") > 0).all()
    assert (lng.delivered.sel(year=2036) > 0).all()


def test_step6_with_step5_demand_the_lng_lane_takes_the_room_the_lines_leave(
    tmp_path: Path,
) -> None:
    """With step 5's demand the lines are demand-bound in summer: the LNG lane (a lane with a
    China share, whose other buyers take what China does not) keeps loading and takes the
    room they leave on the trunk, while China takes nothing from it on days the pipelines
    cover its need; the trunk is then full on fewer days."""
    step5 = (STEPS / "step5_demand.toml").read_text(encoding="utf-8")
    annual_demand = re.search(r"\[demand\.gas\]\nannual = \[.*?\n\]\n", step5, re.DOTALL)
    assert annual_demand
    variant = step_variant(tmp_path, f'extends = "{NETWORK}.toml"\n\n{annual_demand[0]}')
    result = flowsim.run(variant, members=8, seed=1, daily=True)
    a, daily = result.annual, result.daily
    assert daily is not None
    assert np.allclose(a.demand.sel(year=2036), 15.0)
    lines = a.sel(year=2036, route=["far_east_line", "zeya_line"])
    assert (lines.binding_demand_days.sum("route") > 150).all()
    lng = a.sel(year=2036, route="vanino_lng")
    assert float(lng.flow.median()) > 2.0  # against 0.4 bcm/yr when demand is 28
    trunk = a.sel(year=2036, arc="khabarovsk_trunk")
    assert float(trunk.arc_binding_days.median()) < 300  # full on 344 days when demand is 28
    d = daily.sel(day=slice("2036-01-01", "2036-12-31"))
    by_pipeline = d.delivered.sel(route=["far_east_line", "zeya_line"]).sum("route")
    covered = by_pipeline >= d.demand.sel(commodity="gas") * (1 - 1e-9)
    assert int(covered.sum()) > 8 * 100
    assert float(d.delivered.sel(route="vanino_lng").where(covered, 0.0).max()) == 0.0


# --- the errors new authors meet ------------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "message"),
    [pytest.param(s, m, id=t) for t, s, m in ERROR_EXAMPLES],
)
def test_error_example_prints_the_documented_message(
    snippet: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved as my_route.toml next to the step files, the snippet fails as shown."""
    for path in STEP_FILES:
        shutil.copy(path, tmp_path)
    (tmp_path / "my_route.toml").write_text(snippet, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "my_route.toml"])
    assert result.exit_code == EXIT_INVALID_SCENARIO, result.output
    lines = result.stderr.splitlines()
    printed = [line.replace(f"{tmp_path}{os.sep}", "") for line in lines[:-1]]
    assert printed == message.splitlines()
    assert result.stdout == ""
    assert lines[-1] == "flowsim: 1 of 1 file(s) invalid"
