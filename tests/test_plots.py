"""Figures of a result: what each one draws, labels with units, and reproducible files."""

from __future__ import annotations

from pathlib import Path

import flowsim
from flowsim import plots
from flowsim.backtest import backtest, read_reported
from flowsim.shipped import data_file

from .conftest import SCENARIOS


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
    """Fan chart: one P10-P90 band and one P50 line, units on the axis."""
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


def test_backtest_figure_content() -> None:
    """A back-test figure: the simulated line, reported points by status, unit on the axis."""
    result = flowsim.run(SCENARIOS / "historical.toml")
    check = backtest(result, read_reported(data_file("reported_flows.csv")))
    fig = plots.backtest(check, result, "CAGP", "reported_flows.csv")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "Simulated"
    assert set(labels[1:]) <= {"Reported (sourced)", "Reported (derived)", "Reported (estimate)"}
    assert ax.get_ylabel() == "Deliveries (bcm/yr)"
    assert "Reported: reported_flows.csv, series CAGP" in fig.texts[0].get_text()


def test_svg_output_is_reproducible(single: flowsim.Result, tmp_path: Path) -> None:
    """Writing the same figure twice gives byte-identical SVG (no dates, fixed ids)."""
    a = plots.save(single.plot.deliveries("oil"), tmp_path / "a")[1].read_bytes()
    b = plots.save(single.plot.deliveries("oil"), tmp_path / "b")[1].read_bytes()
    assert a == b


def test_figure_files_hold_their_labels(tmp_path: Path, single: flowsim.Result) -> None:
    """A saved figure is a PNG and an SVG holding the title, axis labels with units, footnote."""
    png, svg = plots.save(single.plot.deliveries("oil"), tmp_path / "deliveries_oil")
    assert (png.name, svg.name) == ("deliveries_oil.png", "deliveries_oil.svg")
    text = svg.read_text()
    for label in (
        "Oil deliveries to China by route",
        "Deliveries (Mt/yr)",
        "Year",
        "Scenario: reference",
    ):
        assert label in text, label
    assert png.read_bytes().startswith(b"\x89PNG")


def test_fan_charts_of_a_result_read_lazily_equal_those_in_memory(
    ensemble: flowsim.Result, tmp_path: Path
) -> None:
    """Fan charts of a streamed result (read lazily) draw the same band and line."""
    lazy = flowsim.open_result(ensemble.to_netcdf(tmp_path / "r.nc"), lazy=True)
    for where in ({"route": "power_of_siberia"}, {"commodity": "gas"}):
        expected, actual = plots.fan(ensemble, **where), plots.fan(lazy, **where)
        for e, a in zip(expected.axes[0].get_lines(), actual.axes[0].get_lines(), strict=True):
            assert e.get_ydata().tolist() == a.get_ydata().tolist()
        band = [f.axes[0].collections[0].get_paths()[0].vertices for f in (expected, actual)]
        assert band[0].tolist() == band[1].tolist()


def test_figures_do_not_mislead(single: flowsim.Result, ensemble: flowsim.Result) -> None:
    """Volume axes start at zero, capacity lies over deliveries, every panel has its years,
    and areas stack by first flow (a route starting later never lifts a flat one)."""
    panels = [ax for ax in single.plot.capacity_vs_delivered("oil").axes if ax.get_visible()]
    for ax in panels:
        assert ax.get_ylim()[0] == 0
        assert any(label.get_text() for label in ax.get_xticklabels())
        capacity, delivered = (
            next(line for line in ax.get_lines() if line.get_label() == name)
            for name in ("Capacity", "Delivered")
        )
        assert capacity.get_zorder() > delivered.get_zorder()
    assert ensemble.plot.fan(route="power_of_siberia").axes[0].get_ylim()[0] == 0
    stacked = single.plot.deliveries("gas").axes[0]
    labels = [c.get_label() for c in stacked.collections]
    assert labels[0] == "Central Asia Gas"  # flowing from 2015, the first year
    assert labels[-1] == "Altai"  # first gas in 2020: on top, not under the others
