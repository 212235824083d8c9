"""Trade value and transit fees (flowsim.value), by hand, alike in every engine."""

from __future__ import annotations

import calendar
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import flowsim
from flowsim.cli import cli
from flowsim.engines import Engine
from flowsim.scenario import scenario_from_text

from .test_plan_prices import PRICED

SCENARIO = scenario_from_text(PRICED)
HALF_TAKEN = PRICED.replace(
    "[routes.fixed.price]",
    '[routes.fixed.contract]\nacq = [{value = 5, cite = "assumption: t"}]\n'
    'min_take_fraction = 0.8\ncite = "assumption: t"\n'
    '[routes.fixed.offtake_factor]\ndist = "choice"\nvalues = [0.5]\ncite = "assumption: t"\n'
    "[routes.fixed.price]",
)
"""PRICED with the fixed-price route under an ACQ of 5 and an 80% take-or-pay floor, its
buyer nominating half."""


def test_trade_value_is_each_months_deliveries_at_the_months_price(engine: Engine) -> None:
    """No demand block: every route runs at capacity. The pipe (38 bcm/yr, 6-3-3 on Brent,
    3 x Brent + 50 USD/kcm) delivers 38 x days / 365 bcm a month: 2022 is worth
    Σ 38 x days/365 x price x 10^6 kcm/bcm, in million USD; the fixed-price route 5 bcm
    x 255 USD/kcm; the crude lane 10 Mt x (100.93 - 2) USD/bbl x 7.33 bbl/t; the Kazakh
    transit fee 15 USD/t on 10 Mt is 150 million USD a year."""
    result = flowsim.run(SCENARIO, engine=engine.name)  # type: ignore[arg-type]
    a = result.annual.sel(member=0, year=2022)
    days = [calendar.monthrange(2022, month)[1] for month in range(1, 13)]
    price = [3 * 70.86 + 50] * 6 + [3 * 85.895 + 50] * 3 + [3 * 100.93 + 50] * 3
    pipe = sum(38 * d / 365 * p for d, p in zip(days, price, strict=True))
    assert float(a.trade_value.sel(route="pipe")) == pytest.approx(pipe, rel=1e-12)
    assert float(a.trade_value.sel(route="fixed")) == pytest.approx(5 * 255.0, rel=1e-12)
    crude = 10 * (100.93 - 2) * 7.33
    assert float(a.trade_value.sel(route="crude")) == pytest.approx(crude, rel=1e-12)
    assert a.transit_fees.sel(route="crude") == pytest.approx(150.0)
    assert float(a.transit_fees.sel(route="pipe")) == 0.0
    attrs = result.annual.trade_value.attrs
    assert (attrs["units"], attrs["currency"]) == ("1e6", "USD")


def test_a_run_without_prices_has_no_value() -> None:
    text = PRICED.split("[routes.pipe.price]")[0]
    result = flowsim.run(scenario_from_text(text))
    assert np.isnan(result.annual.trade_value.sel(route="pipe")).all()


def test_a_take_or_pay_payment_is_the_untaken_floor_at_the_years_price(engine: Engine) -> None:
    """The fixed-price route under an ACQ of 5 with an 80% floor, its buyer nominating half
    (offtake 0.5): it takes 2.5, pays for 1.5 a year, at 255 USD/kcm in 2022 and 260.1 in
    2023: 382.5 and 390.15 million USD."""
    result = flowsim.run(scenario_from_text(HALF_TAKEN), engine=engine.name)  # type: ignore[arg-type]
    fixed = result.annual.sel(member=0, route="fixed")
    np.testing.assert_allclose(fixed.paid_not_taken, [1.5, 1.5], rtol=1e-12)
    np.testing.assert_allclose(fixed.take_or_pay_payment, [382.5, 390.15], rtol=1e-12)
    assert np.isnan(result.annual.take_or_pay_payment.sel(route="pipe")).all()  # no contract
    taken = [2.5 * 255.0, 2.5 * 260.1]  # 2.5 bcm delivered at the year's price
    np.testing.assert_allclose(fixed.importer_cost, np.add(taken, [382.5, 390.15]), rtol=1e-12)
    np.testing.assert_allclose(fixed.exporter_revenue, fixed.importer_cost, rtol=0)  # no fee


def test_prices_in_results_and_what_each_side_gets() -> None:
    """``price`` is the year's mean monthly contract price in USD/kcm (gas) or USD/bbl
    (crude); the importer pays the trade value, the exporter keeps it less the transit
    fees (the crude lane's 150 million USD)."""
    a = flowsim.run(SCENARIO).annual.sel(member=0, year=2022)
    assert float(a.price.sel(route="fixed")) == pytest.approx(255.0)
    pipe = (6 * (3 * 70.86 + 50) + 3 * (3 * 85.895 + 50) + 3 * (3 * 100.93 + 50)) / 12
    assert float(a.price.sel(route="pipe")) == pytest.approx(pipe)
    assert float(a.price.sel(route="crude")) == pytest.approx(100.93 - 2)
    assert a.route_price_unit.values.tolist() == ["USD/bbl", "USD/kcm", "USD/kcm"]
    crude = a.sel(route="crude")
    assert float(crude.importer_cost) == pytest.approx(float(crude.trade_value))
    assert float(crude.exporter_revenue) == pytest.approx(float(crude.trade_value) - 150.0)


def test_flowsim_run_prints_trade_value_by_exporter(tmp_path: Path) -> None:
    """The run prints each exporter's trade value (here none has a country:
    'unattributed'), the member's values rounded to million USD; a run without prices
    prints no such table."""
    scenario = tmp_path / "priced.toml"
    scenario.write_text(PRICED)
    args = ["run", str(scenario), "--no-figures", "--out", str(tmp_path / "out")]
    printed = CliRunner(env={"COLUMNS": "120"}).invoke(cli, args)
    assert printed.exit_code == 0, printed.output
    words = " ".join(printed.output.split())  # titles wrap to the table's width
    assert "Trade value of deliveries to China by exporter (million USD" in words
    gas = 11274.0982 + 1275.0  # the pipe and the fixed-price route in 2022
    assert f"│ unattributed gas │ {gas:,.0f} │" in printed.output
    plain = tmp_path / "plain.toml"
    plain.write_text(PRICED.split("[routes.pipe.price]")[0])
    args = ["run", str(plain), "--no-figures", "--out", str(tmp_path / "plain")]
    assert "Trade value" not in CliRunner().invoke(cli, args).output


def test_the_engines_add_up_the_same_months_and_they_make_the_year() -> None:
    """docs/model.md: with prices, every engine adds up each route's deliveries month by
    month, agreeing to about 1e-14; the months of a year add up to its deliveries. Here
    with forced outages and seasonal demand, so that months differ."""
    from flowsim.engines import core, des, fused
    from flowsim.plan import Plan
    from flowsim.sampling import sample
    from flowsim.variables import MONTHLY

    text = PRICED.replace(
        "[routes.crude.price]",
        '[routes.crude.forced_outages]\nmtbf_days = 50\nmttr_days = 5\ncite = "assumption: t"\n'
        "[routes.crude.price]",
    )
    text += (
        '[demand.gas]\nannual = [{value = 30, cite = "assumption: t"}]\n'
        "seasonality = {monthly_weights = [3, 3, 2, 1, 1, 1, 1, 1, 1, 2, 3, 3], "
        'cite = "assumption: t"}\n'
    )
    s = scenario_from_text(text)
    plan, real = Plan.of(s), sample(s, 6, 2)
    runs = [engine.simulate_chunk(plan, real) for engine in (core, fused, des)]
    months = runs[0][MONTHLY]
    assert months.shape == (6, 24, 3)
    assert months[0, 0, 2] > 2 * months[0, 4, 2]  # the pipe follows winter demand
    for other in runs[1:]:
        np.testing.assert_allclose(other[MONTHLY], months, rtol=1e-13, atol=1e-13)
    for run in runs:
        yearly = run[MONTHLY].reshape(6, 2, 12, 3).sum(axis=2)
        np.testing.assert_allclose(yearly, run["delivered"], rtol=1e-13, atol=1e-13)
