"""Uncertain figures drawn per member (flowsim.draws): their distributions, drivers,
Latin hypercube strata, given scores, and members that keep their draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from flowsim.draws import Design, draw_figures
from flowsim.sampling import SUBSTREAM, sample
from flowsim.scenario import scenario_from_text
from flowsim.scenario.uncertain import Beta, Choice, LogNormal, Normal, Triangular, quantile

from .engine_cases import RANDOM, UNCERTAIN, UNCERTAIN_SCENARIO

CITE = "assumption: t"
YEARS = 5


def test_quantiles_are_the_distributions_inverse() -> None:
    """Each distribution's quantile function is scipy's, truncation included."""
    u = np.linspace(0.01, 0.99, 99)
    tri = Triangular(dist="triangular", low=0.8, mode=1.0, high=1.1, cite=CITE)
    assert quantile(tri, u) == pytest.approx(stats.triang.ppf(u, 2 / 3, 0.8, 0.3))
    beta = Beta(dist="beta", a=2, b=5, low=10, high=20, cite=CITE)
    assert quantile(beta, u) == pytest.approx(stats.beta.ppf(u, 2, 5, 10, 10))
    cut = Normal(dist="normal", mean=1.0, sd=0.5, low=0.0, cite=CITE)
    values = quantile(cut, u)
    assert values.min() >= 0.0
    below = stats.norm.cdf(0.0, 1.0, 0.5)  # 2.3% of the untruncated mass lies below 0
    assert values == pytest.approx(stats.norm.ppf(below + u * (1 - below), 1.0, 0.5))
    log = LogNormal(dist="lognormal", median=2.0, sigma=0.3, high=2.5, cite=CITE)
    assert quantile(log, np.array([0.5 / stats.lognorm.cdf(2.5, 0.3, scale=2.0)])) == (
        pytest.approx([2.0])
    )
    assert quantile(log, u).max() <= 2.5


def test_a_choice_takes_its_values_in_proportion_to_the_weights() -> None:
    pick = Choice(dist="choice", values=[0.0, 1.0, 2.0], weights=[1, 1, 2], cite=CITE)
    values = quantile(pick, (np.arange(4000) + 0.5) / 4000)
    assert [(values == v).mean() for v in (0.0, 1.0, 2.0)] == [0.25, 0.25, 0.5]


def test_a_driver_moves_its_figures_with_the_stated_signs() -> None:
    """Capacity (-0.7) and demand (+0.8) on one driver: rank correlation about -0.56
    between them, each year; the per-member production factor is independent of both."""
    drawn = draw_figures(UNCERTAIN_SCENARIO, np.arange(4096), 5, YEARS, SUBSTREAM, Design())
    assert drawn.names == (
        "routes.pipe.capacity_factor",
        "sources.field.production_factor",
        "demand.gas.level_factor",
    )
    capacity, production, level = (drawn.values[:, :, i] for i in range(3))
    for y in range(YEARS):
        rho = stats.spearmanr(capacity[:, y], level[:, y]).statistic
        assert -0.62 < rho < -0.50
        assert abs(stats.spearmanr(production[:, y], level[:, y]).statistic) < 0.05
    assert (production == production[:, :1]).all()  # drawn once per member
    assert (capacity[:, 0] != capacity[:, 1]).all()  # drawn each year
    assert capacity.min() >= 0.8
    assert capacity.max() <= 1.1


def test_latin_hypercube_puts_one_member_in_each_stratum() -> None:
    """With lhs, the 200 members' quantiles of a figure fall one in each of 200 strata,
    each year; a member drawn alone is the same member of the whole run."""
    design = Design(method="lhs", size=200)
    drawn = draw_figures(UNCERTAIN_SCENARIO, np.arange(200), 5, YEARS, SUBSTREAM, design)
    production = stats.truncnorm.cdf(
        drawn.values[:, 0, 1], (0 - 0.95) / 0.05, np.inf, loc=0.95, scale=0.05
    )
    assert sorted(np.floor(production * 200).astype(int)) == list(range(200))
    alone = draw_figures(UNCERTAIN_SCENARIO, np.array([37, 150]), 5, YEARS, SUBSTREAM, design)
    assert alone.values.tolist() == drawn.values[[37, 150]].tolist()


def test_given_scores_replace_the_draws() -> None:
    """A design's given normal scores fix an input: 0 is the median."""
    given = {"drivers.cold": np.zeros(8), "demand.gas.level_factor": np.zeros(8)}
    drawn = draw_figures(UNCERTAIN_SCENARIO, np.arange(8), 5, YEARS, SUBSTREAM, Design(given=given))
    assert drawn.values[:, :, 2] == pytest.approx(np.ones((8, YEARS)))  # lognormal median 1


def test_members_keep_their_draws_and_other_figures_do_not_move_them() -> None:
    """Member k's values are the same alone or in a run over several substreams, and
    adding another uncertain figure leaves the others' values as they were."""
    whole = sample(UNCERTAIN_SCENARIO, 2 * SUBSTREAM, seed=9)
    alone = sample(UNCERTAIN_SCENARIO, [SUBSTREAM + 3], seed=9)
    assert whole.draws is not None
    assert alone.draws is not None
    assert alone.draws.tolist() == whole.draws[SUBSTREAM + 3 : SUBSTREAM + 4].tolist()
    assert alone.capacity_factor is not None
    assert whole.capacity_factor is not None
    assert alone.capacity_factor.tolist() == whole.capacity_factor[SUBSTREAM + 3 :][:1].tolist()
    more = scenario_from_text(
        UNCERTAIN.replace(
            "[balancing.gas]",
            '[demand.oil]\nannual = [{from = 2020, value = 1, cite = "assumption: t"}]\n'
            'level_factor = {dist = "uniform", low = 0.5, high = 1.5, cite = "assumption: t"}\n'
            "[balancing.gas]",
        )
    )
    other = sample(more, 2 * SUBSTREAM, seed=9)
    assert other.draws is not None
    assert other.figures[:3] == (*whole.figures[:2], "demand.gas.level_factor")
    assert other.draws[:, :, [0, 1, 2]].tolist() == whole.draws.tolist()


def test_a_scenario_without_uncertain_figures_samples_no_factors() -> None:
    real = sample(scenario_from_text(RANDOM), 4, seed=1)
    assert real.capacity_factor is None
    assert real.production_factor is None
    assert real.figures == ()
