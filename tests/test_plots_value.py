"""Figures of what the flows are worth: trade value by route and contract price fans, drawn
only for priced routes and written by ``flowsim run`` only for a run with prices."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

import flowsim
from flowsim import plots, plots_value
from flowsim.errors import FlowsimError
from flowsim.outputs import write_outputs
from flowsim.scenario import scenario_from_text

from .test_plan_prices import PRICED
from .test_price_paths import UNCERTAIN

EXPORTER = "Turkmenistan"
"""The country of the priced scenarios' gas field (their oil field names none)."""


def priced_text(name: str, replace: dict[str, str] | None = None, *, drawn: bool = False) -> str:
    """PRICED (UNCERTAIN with ``drawn``: Brent drawn per member) named ``name``, its gas field
    in :data:`EXPORTER`, with each text ``old`` of ``replace`` replaced by ``new``."""
    text = (UNCERTAIN if drawn else PRICED).replace(
        '[sources.field]\ncommodity = "gas"\n',
        f'[sources.field]\ncommodity = "gas"\ncountry = "{EXPORTER}"\n',
    )
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return f'name = "{name}"\n{text}'


def unpriced_text(text: str) -> str:
    """``text`` without its benchmark prices and route price formulas (fees stay)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("[") and line.rstrip().endswith("]"):
            skipping = line.startswith("[prices.") or line.rstrip().endswith(".price]")
        if not skipping:
            kept.append(line)
    return "".join(kept)


@cache
def run(text: str, members: int = 1) -> flowsim.Result:
    """A numpy-engine run of ``text`` (seed 2), made once per text and size."""
    return flowsim.run(scenario_from_text(text), members=members, seed=2, engine="numpy")


def priced() -> flowsim.Result:
    return run(priced_text("priced"))


def drawn() -> flowsim.Result:
    return run(priced_text("drawn", drawn=True), members=20)


def stems(result: flowsim.Result, folder: Path) -> list[str]:
    """The figure files ``flowsim run`` writes for ``result`` (saved as empty files by the
    ``quick_figures`` fixture)."""
    written = write_outputs(result, result.scenario, folder, formats=[])
    return sorted({p.stem for p in written if p.parts[0] == "figures"})


@pytest.mark.usefixtures("quick_figures")
def test_value_figures_are_written_only_for_priced_commodities(tmp_path: Path) -> None:
    """A run with prices adds value_by_route and price_fan of each priced commodity; with
    the crude price taken out only gas's; without prices, none."""
    value = ["price_fan_gas", "price_fan_oil", "value_by_route_gas", "value_by_route_oil"]
    with_prices = stems(priced(), tmp_path / "priced")
    assert set(value) <= set(with_prices)
    start, end = PRICED.index("[routes.crude.price]"), PRICED.index("[routes.fixed]")
    gas_only = run(priced_text("gas only", {PRICED[start:end]: ""}))
    figures = stems(gas_only, tmp_path / "gas")
    assert [s for s in figures if s in value] == ["price_fan_gas", "value_by_route_gas"]
    without = run(unpriced_text(priced_text("unpriced")))
    assert bool(without.annual.trade_value.isnull().all())
    figures = stems(without, tmp_path / "unpriced")
    assert figures == sorted(set(with_prices) - set(value))


def test_value_by_route_stacks_each_priced_routes_trade_value() -> None:
    """One hatched area per priced gas route, in million USD; the stack's top each year is
    the gas routes' total trade value; footnote says how value is counted and whose run."""
    result = priced()
    fig = result.plot.value_by_route("gas")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Trade value (million USD of the day)"
    assert ax.get_xlabel() == "Year"
    assert ax.get_title(loc="left") == "Trade value of gas deliveries to China by route"
    assert [c.get_label() for c in ax.collections] == ["Fixed", "Pipe"]
    assert ax.collections[0].get_hatch() != ax.collections[1].get_hatch()
    total = result.annual.trade_value.sel(route=["fixed", "pipe"]).sum("route").isel(member=0)
    top = ax.collections[-1].get_paths()[0].vertices
    for year, value in zip(total.year.values, total.values, strict=True):
        assert top[top[:, 0] == year, 1].max() == pytest.approx(value)
    assert float(total.sel(year=2023)) > 10_000  # 38 bcm at about 330 USD/kcm: money, not bcm
    note = fig.texts[0].get_text().replace("\n", " ")
    assert "each month's deliveries at the month's contract price" in note
    assert "Scenario: priced (1 member)" in note
    assert ax.get_ylim()[0] == 0


def test_price_fan_has_one_axis_per_commodity_in_its_price_unit() -> None:
    """Gas prices in USD/kcm and crude prices in USD/bbl, never on one axis; one member
    draws each priced route's price as a line and no band."""
    result = priced()
    gas, oil = result.plot.price_fan("gas"), result.plot.price_fan("oil")
    assert [len(f.axes) for f in (gas, oil)] == [1, 1]
    assert gas.axes[0].get_ylabel() == "Contract price (USD/kcm)"
    assert oil.axes[0].get_ylabel() == "Contract price (USD/bbl)"
    assert not gas.axes[0].collections  # no band for one member
    lines = {line.get_label(): line.get_ydata() for line in gas.axes[0].get_lines()}
    assert list(lines) == ["Fixed", "Pipe"]
    price = result.annual.price.isel(member=0)
    np.testing.assert_array_equal(lines["Pipe"], price.sel(route="pipe").values)
    np.testing.assert_array_equal(lines["Fixed"], [255.0, 260.1])  # 250 from 2021, +2%/yr
    (crude,) = oil.axes[0].get_lines()
    assert crude.get_label() == "Crude"


def test_price_fan_band_spans_the_member_p10_to_p90() -> None:
    """With 20 members each priced route has a P10-P90 band whose edges are the members'
    P10 and P90 of price each year, and a P50 line; the drawn Brent widens the pipe's band
    in 2023."""
    result = drawn()
    ax = result.plot.price_fan("gas").axes[0]
    assert ax.get_title(loc="left").endswith("P50 and P10-P90 over members")
    bands = {c.get_label(): c.get_paths()[0].vertices for c in ax.collections}
    assert list(bands) == ["Fixed P10-P90", "Pipe P10-P90"]
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    for route in ("fixed", "pipe"):
        price = result.annual.price.sel(route=route).values  # (member, year)
        low, high = np.quantile(price, [0.1, 0.9], axis=0)
        edges = bands[f"{route.capitalize()} P10-P90"]
        for i, year in enumerate(result.annual.year.values):
            at = edges[edges[:, 0] == year, 1]
            assert (at.min(), at.max()) == pytest.approx((low[i], high[i]))
        np.testing.assert_allclose(lines[f"{route.capitalize()} P50"], np.median(price, axis=0))
    pipe = result.annual.price.sel(route="pipe", year=2023).values
    assert np.quantile(pipe, 0.9) - np.quantile(pipe, 0.1) > 10  # USD/kcm: a real band


def test_price_fan_of_a_result_read_lazily_equals_the_one_in_memory(tmp_path: Path) -> None:
    """A result streamed from a file draws the same band and line."""
    result = drawn()
    lazy = flowsim.open_result(result.to_netcdf(tmp_path / "r.nc"), lazy=True)
    expected, actual = (plots_value.price_fan(r, "oil").axes[0] for r in (result, lazy))
    assert [line.get_ydata().tolist() for line in expected.get_lines()] == [
        line.get_ydata().tolist() for line in actual.get_lines()
    ]
    band = [ax.collections[0].get_paths()[0].vertices.tolist() for ax in (expected, actual)]
    assert band[0] == band[1]


def test_value_figures_of_an_unpriced_commodity_say_so() -> None:
    """Asked for a commodity without a priced route, a figure is refused, not drawn empty."""
    without = run(unpriced_text(priced_text("unpriced")))
    assert plots_value.priced_routes(without, "gas") == []
    with pytest.raises(FlowsimError, match="no gas route of this result has a price"):
        plots_value.value_by_route(without, "gas")


def test_saved_price_fan_holds_its_labels(tmp_path: Path) -> None:
    """The SVG of a price fan holds its title, unit and footnote."""
    png, svg = plots.save(priced().plot.price_fan("oil"), tmp_path / "price_fan_oil")
    text = svg.read_text()
    for label in ("Oil contract prices by route", "Contract price (USD/bbl)", "Scenario: priced"):
        assert label in text, label
    assert png.read_bytes().startswith(b"\x89PNG")
