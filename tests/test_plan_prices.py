"""Prices in the scenario language (flowsim.scenario.prices) laid out by month
(flowsim.plan_prices): formulas on benchmark paths, unit values, fees, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import ScenarioError
from flowsim.plan import Plan
from flowsim.plan_prices import HISTORY_MONTHS, USD_PER_UNIT
from flowsim.pricing import MonthlyPath, OilIndexed
from flowsim.scenario import scenario_from_text

PRICED = """\
[horizon]
start_year = 2022
end_year = 2023
[prices.brent]
unit = "USD/bbl"
path = [
  { from = 2020, value = 41.96, cite = "report: EIA Brent spot, annual mean" },
  { from = 2021, value = 70.86, cite = "report: EIA Brent spot, annual mean" },
  { from = 2022, value = 100.93, cite = "report: EIA Brent spot, annual mean" },
  { from = 2023, value = 82.49, cite = "report: EIA Brent spot, annual mean" },
]
[sources.field]
commodity = "gas"
[sources.oilfield]
commodity = "oil"
[routes.pipe]
commodity = "gas"
source = "field"
capacity = [{value = 38, cite = "assumption: t"}]
cite = "assumption: t"
[routes.pipe.price]
formula = "oil_indexed"
benchmark = "brent"
slope = 3.0
constant = 50
average_months = 6
lag_months = 3
reset_months = 3
unit = "USD/kcm"
cite = "assumption: t"
[routes.crude]
commodity = "oil"
source = "oilfield"
capacity = [{value = 10, cite = "assumption: t"}]
transit_countries = ["Kazakhstan"]
cite = "assumption: t"
transit_fees = [{country = "Kazakhstan", value = 15, unit = "USD/t", cite = "report: t"}]
[routes.crude.price]
formula = "differential"
benchmark = "brent"
unit = "USD/bbl"
cite = "assumption: t"
offsets = [
  {from = 2022, value = -2, cite = "assumption: t"},
  {from = 2023-07-01, value = -20, cite = "assumption: t"},
]
[routes.fixed]
commodity = "gas"
source = "field"
capacity = [{value = 5, cite = "assumption: t"}]
cite = "assumption: t"
[routes.fixed.price]
formula = "fixed"
base = 250
base_year = 2021
escalation = 0.02
unit = "USD/kcm"
cite = "assumption: t"
"""


def prices() -> object:
    return Plan.of(scenario_from_text(PRICED)).prices


def test_an_oil_indexed_route_is_priced_on_the_benchmark_path_with_its_history() -> None:
    """Q1 2022 in 6-3-3 averages Apr-Sep 2021 (70.86): 3 x 70.86 + 50 = 262.58 USD/kcm; Q3
    2022 averages Oct 2021-Mar 2022: 3 x 85.895 + 50. The path reaches back 36 months."""
    plan = prices()
    assert plan.benchmarks == ("brent",)
    assert plan.benchmark.shape == (1, HISTORY_MONTHS + 24)
    pipe = plan.price[2]  # routes sorted: crude, fixed, pipe
    assert pipe[0:3] == pytest.approx(np.full(3, 3 * 70.86 + 50))
    assert pipe[6:9] == pytest.approx(np.full(3, 3 * 85.895 + 50))
    path = MonthlyPath(2019, plan.benchmark[0])
    expected = OilIndexed(3.0, 50, 6, 3, 3).price(path).values[HISTORY_MONTHS:]
    np.testing.assert_array_equal(pipe, expected)
    assert plan.value_per_volume[2, 0] == pytest.approx((3 * 70.86 + 50) * 1e6)  # USD/bcm


def test_a_differential_holds_from_the_month_its_day_starts_and_fees_by_country() -> None:
    plan = prices()
    crude = plan.price[0]
    assert crude[:6] == pytest.approx(np.full(6, 100.93 - 2))
    assert crude[6:12] == pytest.approx(np.full(6, 100.93 - 2))
    assert crude[18:] == pytest.approx(np.full(6, 82.49 - 20))  # from 1 Jul 2023
    assert plan.usd_per_volume[0] == pytest.approx(7.33e6)  # USD/bbl -> USD per Mt
    assert plan.countries == ("Kazakhstan",)
    assert plan.fee[:, 0].tolist() == [15e6, 0.0, 0.0]  # USD per Mt of the crude route


def test_a_fixed_price_escalates_each_year() -> None:
    fixed = prices().price[1]
    assert fixed[:12] == pytest.approx(np.full(12, 255.0))
    assert fixed[12:] == pytest.approx(np.full(12, 260.1))
    assert USD_PER_UNIT["USD/MMBtu"] == pytest.approx(34.12e6)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('benchmark = "brent"\nslope', 'benchmark = "brnt"\nslope',
         "routes.pipe.price.benchmark: unknown benchmark 'brnt' (did you mean 'brent'?)"),
        ('unit = "USD/kcm"\ncite = "assumption: t"\n[routes.crude]',
         'unit = "USD/bbl"\ncite = "assumption: t"\n[routes.crude]',
         "routes.pipe.price.unit: a gas price is in USD/kcm or USD/MMBtu (got 'USD/bbl')"),
        ('benchmark = "brent"\nunit = "USD/bbl"', 'benchmark = "brent"\nunit = "USD/t"',
         "routes.crude.price.unit: a differential is in its benchmark's unit, USD/bbl"),
        ('country = "Kazakhstan", value = 15', 'country = "Kazakstan", value = 15',
         "routes.crude.transit_fees.0.country: 'Kazakstan' is not one of the route's"),
        ("reset_months = 3", "reset_months = 5",
         "routes.pipe.price.reset_months: must be 1, 2, 3, 4, 6 or 12 (got 5)"),
        ('formula = "fixed"', 'formula = "fxed"', "routes.fixed.price: needs 'formula'"),
    ],
)  # fmt: skip
def test_a_bad_price_is_named_at_its_key_path(old: str, new: str, message: str) -> None:
    assert PRICED.count(old) == 1
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(PRICED.replace(old, new))
    lines = [f"{'.'.join(map(str, p.path))}: {p.message}" for p in caught.value.problems]
    assert any(line.startswith(message) for line in lines), lines
