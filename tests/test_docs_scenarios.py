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


# --- the guide and its files ----------------------------------------------------------


def test_the_guide_has_five_steps_and_errors() -> None:
    assert [p.name for p in STEP_FILES] == [
        "step1_route.toml",
        "step2_contract.toml",
        "step3_maintenance.toml",
        "step4_outages.toml",
        "step5_demand.toml",
    ]
    assert len(ERROR_EXAMPLES) >= 8


@pytest.mark.parametrize("path", STEP_FILES, ids=lambda p: p.name)
def test_step_file_validates_and_is_shown_in_the_guide(path: Path) -> None:
    """Each step loads, is shown verbatim, and the guide gives its commands."""
    scenario = flowsim.load_scenario(path)
    assert list(scenario.routes) == ["far_east_line"]
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
