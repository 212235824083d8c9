"""Benchmark paths drawn per member (flowsim.price_paths): a mean-reverting log price."""

from __future__ import annotations

import numpy as np
import pytest

import flowsim
from flowsim.errors import ScenarioError
from flowsim.plan import Plan
from flowsim.plan_prices import HISTORY_MONTHS
from flowsim.price_paths import benchmark_paths
from flowsim.scenario import scenario_from_text

from .test_plan_prices import PRICED

UNCERTAIN = PRICED.replace(
    '  { from = 2023, value = 82.49, cite = "report: EIA Brent spot, annual mean" },\n]',
    '  { from = 2023, value = 82.49, cite = "report: EIA Brent spot, annual mean" },\n]\n'
    "uncertainty = { volatility = 0.3, half_life_years = 1.0, from = 2022-07-01, "
    'cite = "assumption: t" }',
)


def plan() -> Plan:
    return Plan.of(scenario_from_text(UNCERTAIN))


def test_the_path_is_known_before_its_first_drawn_month_and_its_median_after() -> None:
    """Months before July 2022 are the path as given; from then on log prices spread
    around the path's log, the path being the median; the spread grows towards its
    settled value sigma / sqrt(12 (1 - phi^2)), phi = 0.5^(1/12)."""
    prices = plan().prices
    paths = benchmark_paths(prices, np.arange(4000), seed=7)
    first = HISTORY_MONTHS + 6  # July 2022
    np.testing.assert_array_equal(
        paths[:, 0, :first], np.broadcast_to(prices.benchmark[0, :first], (4000, first))
    )
    deviation = np.log(paths[:, 0, first:] / prices.benchmark[0, first:])
    assert np.median(deviation, axis=0) == pytest.approx(np.zeros(18), abs=0.02)
    phi = 0.5 ** (1 / 12)
    sd = 0.3 / np.sqrt(12) * np.sqrt((1 - phi ** (2 * np.arange(1, 19))) / (1 - phi**2))
    np.testing.assert_allclose(deviation.std(axis=0), sd, rtol=0.05)
    assert (deviation[:, 1:] != deviation[:, :-1]).all()  # a new draw every month


def test_member_k_draws_the_same_path_in_any_block() -> None:
    prices = plan().prices
    whole = benchmark_paths(prices, np.arange(300), seed=3)
    apart = benchmark_paths(prices, np.array([299, 5, 150]), seed=3)
    np.testing.assert_array_equal(apart, whole[[299, 5, 150]])
    assert not np.array_equal(benchmark_paths(prices, np.arange(3), seed=4), whole[:3])


def test_drawn_prices_carry_into_value_in_every_engine_alike() -> None:
    """The oil-indexed pipe's price follows each member's Brent path (its 6-3-3 window
    reaches the drawn months from Q1 2023 on), the fixed price does not move, and the
    DES and the core value each member the same."""
    scenario = scenario_from_text(UNCERTAIN)
    core = flowsim.run(scenario, members=40, seed=2, engine="numpy").annual
    des = flowsim.run(scenario, members=40, seed=2, engine="des").annual
    np.testing.assert_allclose(des.trade_value, core.trade_value, rtol=1e-9)
    pipe = core.price.sel(route="pipe")
    assert float(pipe.sel(year=2022).std("member")) == 0.0  # windows before July 2022
    assert float(pipe.sel(year=2023).std("member")) > 5.0  # USD/kcm
    assert (core.price.sel(route="fixed") == core.price.sel(route="fixed", member=0)).all()
    crude = core.price.sel(route="crude", year=2023)  # a differential: Brent - 20 from July
    assert float(crude.std("member")) > 1.0


def test_an_uncertainty_needs_a_positive_volatility_and_half_life() -> None:
    text = UNCERTAIN.replace("volatility = 0.3", "volatility = 0").replace(
        "half_life_years = 1.0", "half_life_years = -1"
    )
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text)
    message = str(raised.value)
    assert "prices.brent.uncertainty.volatility" in message
    assert "prices.brent.uncertainty.half_life_years" in message


RELATIVE = UNCERTAIN.replace(
    "[sources.field]",
    '[prices.espo]\nunit = "USD/bbl"\nrelative_to = "brent"\n'
    'offsets = [{ from = 2020, value = -3, cite = "assumption: t" },'
    ' { from = 2023, value = -8, cite = "assumption: t" }]\n[sources.field]',
).replace(
    'formula = "differential"\nbenchmark = "brent"', 'formula = "differential"\nbenchmark = "espo"'
)


def test_a_differential_benchmark_is_its_base_plus_the_differential_and_moves_with_it() -> None:
    """ESPO quoted against Brent: Brent - 3, then Brent - 8 from 2023, in every member's
    drawn Brent path."""
    prices = Plan.of(scenario_from_text(RELATIVE)).prices
    brent, espo = prices.benchmarks.index("brent"), prices.benchmarks.index("espo")
    paths = benchmark_paths(prices, np.arange(50), seed=1)
    months = np.arange(paths.shape[2])
    differential = np.where(months >= HISTORY_MONTHS + 12, -8.0, -3.0)
    differential[:12] = np.nan  # 2019: before either path's first entry
    np.testing.assert_allclose(
        paths[:, espo] - paths[:, brent], np.broadcast_to(differential, (50, len(months)))
    )
    assert paths[:, espo, -1].std() > 1.0  # drawn with Brent


def test_a_differential_benchmark_names_a_benchmark_in_its_own_unit() -> None:
    text = RELATIVE.replace('relative_to = "brent"', 'relative_to = "brnt"')
    with pytest.raises(
        ScenarioError, match=r"prices\.espo\.relative_to.*unknown benchmark 'brnt'.*brent"
    ):
        scenario_from_text(text)
    text = RELATIVE.replace('[prices.espo]\nunit = "USD/bbl"', '[prices.espo]\nunit = "USD/MMBtu"')
    with pytest.raises(ScenarioError, match="must be in the same unit, USD/bbl"):
        scenario_from_text(text)


def test_a_benchmark_has_a_path_or_is_quoted_against_another() -> None:
    text = RELATIVE.replace('relative_to = "brent"\n', "")
    with pytest.raises(ScenarioError, match=r"prices\.espo: a benchmark has a 'path', or"):
        scenario_from_text(text)
