"""Projections side by side (compare) and the parameters two scenarios differ in (diff)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import flowsim
from flowsim.errors import FlowsimError

from .conftest import SCENARIOS, SHIPPED
from .test_plots_value import EXPORTER, priced_text, run, unpriced_text


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


def test_compare_needs_two_items(single: flowsim.Result) -> None:
    """One item is not a comparison."""
    with pytest.raises(FlowsimError, match="compare needs at least two scenarios or results"):
        flowsim.compare(single)


def test_results_of_one_name_get_numbered(single: flowsim.Result) -> None:
    """The same scenario twice is told apart by its position."""
    assert flowsim.compare(single, single).names == ("reference", "reference (2)")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_compare_works_on_every_shipped_scenario(
    path: Path, shipped_run: Callable[[str, int], flowsim.Result]
) -> None:
    """reference against each shipped scenario (two members): the table and both figures."""
    reference, other = shipped_run("reference", 2), shipped_run(path.stem, 2)
    comparison = flowsim.compare(reference, other)
    first, second = comparison.names
    assert list(comparison.table.columns) == [first, second, f"{second} - {first}"]
    assert set(comparison.table.index.get_level_values("name")) >= set(
        str(r) for r in other.annual.route.values
    )
    for commodity in ("gas", "oil"):
        assert comparison.overlay(commodity).axes[0].get_lines()
        assert comparison.difference(commodity).axes


def test_diff_lists_parameters_key_by_key() -> None:
    """diff() gives key paths with both values; identical scenarios have none."""
    differences = flowsim.diff(
        SCENARIOS / "pos2_50bcm.toml", f"{SCENARIOS / 'pos2_50bcm.toml'}#never"
    )
    paths = [path for path, _, _ in differences]
    assert "routes.altai.capacity[0].to_value" in paths
    assert flowsim.diff(SCENARIOS / "reference.toml", SCENARIOS / "reference.toml") == []


def test_diff_of_a_route_never_built_shows_what_it_loses() -> None:
    """A schedule emptied in B lists A's entries as gone, never '(absent) -> []'."""
    lines = flowsim.diff(SCENARIOS / "pos2_50bcm.toml", f"{SCENARIOS / 'pos2_50bcm.toml'}#never")
    altai = {path: (a, b) for path, a, b in lines if path.startswith("routes.altai.capacity")}
    assert altai
    assert all(b is None and a is not None for a, b in altai.values())
    assert "routes.altai.capacity" not in altai


def test_results_over_different_horizons_compare_on_common_years(
    write_toml: Callable[[str, str], Path],
) -> None:
    """Horizons that differ are aligned on the years both cover, with a note: no NaN rows."""
    short = write_toml(
        "short.toml",
        f'extends = "{SCENARIOS / "reference.toml"}"\n'
        'name = "short"\n[horizon]\nstart_year = 2020\nend_year = 2030\n',
    )
    comparison = flowsim.compare(SCENARIOS / "reference.toml", short)
    years = sorted(set(comparison.table.index.get_level_values("year")))
    assert (years[0], years[-1]) == (2020, 2030)
    assert not comparison.table.isna().any().any()
    (note,) = comparison.notes
    assert "2020-2030" in note
    assert "reference covers 2015-2050" in note


def test_priced_results_compare_trade_value_by_exporter() -> None:
    """B raises the pipe's price constant by 10 USD/kcm: its 38 bcm a year are worth
    38 x 10 = 380 million USD more to the exporter and cost the importer as much; crude,
    priced the same, differs by nothing. A's own figure is its routes' trade value summed."""
    a = run(priced_text("a"))
    b = run(priced_text("b", {"constant = 50": "constant = 60"}))
    table = flowsim.compare(a, b).table
    first = a.annual.isel(member=0)
    assert set(table.index.get_level_values("unit")) == {"bcm/yr", "Mt/yr", "million USD"}
    gas = f"{EXPORTER} gas"
    for year in (2022, 2023):
        assert float(first.delivered.sel(route="pipe", year=year)) == 38.0
        for variable in ("trade_value", "importer_cost", "exporter_revenue"):
            row = table.loc[(variable, gas, "million USD", year)]
            assert row["b - a"] == pytest.approx(380.0), (variable, year)
        own = first.trade_value.sel(route=["pipe", "fixed"], year=year).sum()
        assert table.loc[("trade_value", gas, "million USD", year), "a"] == pytest.approx(own)
        crude = table.loc[("exporter_revenue", "unattributed oil", "million USD", year)]
        assert crude["b - a"] == 0
        fees = float(first.transit_fees.sel(route="crude", year=year))
        assert crude["a"] == pytest.approx(
            float(first.trade_value.sel(route="crude", year=year)) - fees
        )
    assert not table.xs("million USD", level="unit").isna().any().any()  # priced exporters only


def test_without_prices_on_both_sides_nothing_is_valued() -> None:
    """An unpriced comparison has exactly the volume rows it always had; a priced result
    against an unpriced one compares no money either (no half-empty rows)."""
    volumes = {"delivered", "delivered_total", "demand", "balancing", "unmet"}
    bare = run(unpriced_text(priced_text("bare")))
    alone = flowsim.compare(bare, run(unpriced_text(priced_text("bare too"))))
    assert set(alone.table.index.get_level_values("variable")) == volumes
    mixed = flowsim.compare(run(priced_text("a")), bare).table
    assert set(mixed.index.get_level_values("variable")) == volumes
    assert "million USD" not in set(mixed.index.get_level_values("unit"))
