"""Statistics over members: where an ensemble splits into groups (the rest of
flowsim.stats is tested through results and stores: test_results.py, test_stores.py)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import flowsim
from flowsim import plots
from flowsim.stats import SPLIT_MIN_MEMBERS, split_members

from .conftest import MONTE_CARLO

MEMBERS = 1_000


def members(values: np.ndarray) -> xr.DataArray:
    """Values ``(member,)`` as one cell of ``(member, year)``."""
    return xr.DataArray(values[:, None], dims=("member", "year"), coords={"year": [2030]})


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(2024)


def test_two_groups_are_a_split_whatever_their_sizes(rng: np.random.Generator) -> None:
    """Members built (30) or not (0), in any proportion that puts both inside the band."""
    for built in (0.15, 0.5, 0.85):
        n = int(built * MEMBERS)
        values = np.r_[rng.normal(30, 0.5, n), rng.normal(0.5, 0.2, MEMBERS - n)]
        assert bool(split_members(members(values)).item()), built


def test_a_few_stragglers_in_the_gap_do_not_hide_it(rng: np.random.Generator) -> None:
    """1% of members between the groups (a route delayed into the year) still split."""
    values = np.r_[rng.normal(150, 1, 490), rng.normal(120, 1, 500), np.linspace(125, 145, 10)]
    assert bool(split_members(members(values)).item())


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: g.normal(100, 10, MEMBERS),
        lambda g: g.lognormal(0, 1.5, MEMBERS),  # heavy skew: a long thin tail, one group
        lambda g: g.exponential(5, MEMBERS),
        lambda g: g.uniform(0, 1, MEMBERS),
        # a route at capacity in most members, a few outage days off in others: steps
        lambda g: 30 - 0.04 * g.poisson(1.0, MEMBERS),
    ],
    ids=["normal", "lognormal", "exponential", "uniform", "outage-steps"],
)
def test_one_group_is_not_a_split(rng: np.random.Generator, draw) -> None:  # type: ignore[no-untyped-def]
    """Unimodal ensembles, skewed or stepped, are never flagged."""
    assert not bool(split_members(members(draw(rng))).item())


def test_small_ensembles_and_cells_without_values_are_not_judged() -> None:
    """Fewer members than SPLIT_MIN_MEMBERS (gaps by chance), or a NaN member: False."""
    two_groups = np.r_[np.zeros(MEMBERS // 2), np.full(MEMBERS // 2, 30.0)]
    assert bool(split_members(members(two_groups)).item())
    half = (SPLIT_MIN_MEMBERS - 1) // 2
    small = np.r_[np.zeros(half), np.full(half, 30.0)]
    assert not bool(split_members(members(small)).item())
    undefined = two_groups.copy()
    undefined[0] = np.nan
    assert not bool(split_members(members(undefined)).item())


def test_the_gas_fan_marks_the_years_altai_splits_the_ensemble() -> None:
    """In monte_carlo, Altai is never built in about half the members, and late by up to
    10 years in the rest: once every built one runs, the gas total splits for good, and
    the fan marks those years' P50 with open circles. Crude never splits."""
    result = flowsim.run(MONTE_CARLO, members=400, seed=5)
    gas = [str(r) for r in result.annual.route.values[result.annual.route_commodity == "gas"]]
    split_years = result.annual.year.values[plots._band(result, gas).split]
    first = split_years.min()
    assert 2028 <= first <= 2035
    assert list(split_years) == list(range(first, 2051))
    crude = [str(r) for r in result.annual.route.values[result.annual.route_commodity == "crude"]]
    assert not plots._band(result, crude).split.any()
    (marked,) = [
        line
        for line in result.plot.fan(commodity="gas").axes[0].get_lines()
        if "split into groups" in str(line.get_label())
    ]
    assert list(marked.get_xdata()) == list(split_years)
