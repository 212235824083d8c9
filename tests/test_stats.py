"""Statistics over members: where an ensemble splits into groups, and how many modes its
members form (the rest of flowsim.stats is tested through results and stores:
test_results.py, test_stores.py)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import flowsim
from flowsim import plots, stats
from flowsim.stats import (
    MODE_HEIGHT,
    MODE_MIN_MEMBERS,
    SPLIT_MIN_MEMBERS,
    count_modes,
    kernel_density,
    multimodal,
    split_members,
)

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


# --- modes ---------------------------------------------------------------------


def test_the_kernel_density_is_scipys_with_silvermans_bandwidth(rng: np.random.Generator) -> None:
    """Binned and smoothed by FFT, the density is scipy's gaussian_kde (bw 'silverman') to
    1e-4 of its peak, for a normal, a skewed and a two-group sample."""
    from scipy.stats import gaussian_kde

    samples = [
        rng.normal(100, 10, MEMBERS),
        rng.lognormal(0, 1.5, 200),
        np.r_[rng.normal(30, 0.5, 300), rng.normal(0.5, 0.2, 700)],
    ]
    for values in samples:
        points, density = kernel_density(values)
        expected = gaussian_kde(values, bw_method="silverman")(points)
        np.testing.assert_allclose(density, expected, atol=1e-4 * expected.max())


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: np.r_[g.normal(30, 0.5, 500), g.normal(0.5, 0.2, 500)],  # built or not
        lambda g: np.r_[g.normal(0, 1, 200), g.normal(8, 1, 800)],
        lambda g: np.r_[np.zeros(500), np.full(500, 30.0)],  # two values only
    ],
    ids=["half-built", "one-in-five", "two-values"],
)
def test_two_groups_have_two_modes(rng: np.random.Generator, draw) -> None:  # type: ignore[no-untyped-def]
    """Clearly separated groups are two modes, and flagged as multi-modal."""
    values = draw(rng)
    assert count_modes(values) == 2
    assert bool(multimodal(members(values)).item())


def test_three_groups_have_three_modes(rng: np.random.Generator) -> None:
    """Three groups far apart: three modes."""
    values = np.r_[rng.normal(0, 1, 300), rng.normal(20, 1, 300), rng.normal(40, 1, 400)]
    assert count_modes(values) == 3


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: g.normal(100, 10, MEMBERS),
        lambda g: g.lognormal(0, 1.5, MEMBERS),
        lambda g: g.exponential(5, MEMBERS),
        lambda g: g.uniform(0, 1, MEMBERS),
        lambda g: g.standard_t(3, MEMBERS),  # heavy tails on both sides
        lambda g: np.r_[g.normal(0, 1, 500), g.normal(2, 1, 500)],  # overlapping: one hump
        lambda g: 30 - 0.04 * g.poisson(1.0, MEMBERS),  # outage steps below the level rule
    ],
    ids=["normal", "lognormal", "exponential", "uniform", "student-t", "overlap", "steps"],
)
def test_one_group_has_one_mode(rng: np.random.Generator, draw) -> None:  # type: ignore[no-untyped-def]
    """Unimodal samples, skewed, flat, heavy-tailed or stepped, have one mode."""
    assert count_modes(draw(rng)) == 1


def test_small_unimodal_ensembles_rarely_show_two_modes(rng: np.random.Generator) -> None:
    """At the fewest members judged, 400 skewed or flat samples each show no second mode."""
    for draw in (rng.normal, rng.uniform, rng.exponential, rng.lognormal):
        assert (count_modes(draw(size=(400, MODE_MIN_MEMBERS))) == 1).all(), draw


def test_a_small_group_is_no_mode(rng: np.random.Generator) -> None:
    """A group of 5% of the members (peak far below MODE_HEIGHT of the other's) is no mode."""
    assert MODE_HEIGHT > 0.05 / 0.95
    values = np.r_[rng.normal(30, 1, 950), rng.normal(0, 1, 50)]
    assert count_modes(values) == 1


def test_constants_and_cells_not_judged() -> None:
    """A constant has one mode; fewer than MODE_MIN_MEMBERS members or a NaN: 0 (not judged),
    and not flagged. Cells are counted each on its own, in the shape of the rest."""
    two = np.r_[np.zeros(50), np.full(50, 30.0)]
    few = two[:: 100 // (MODE_MIN_MEMBERS - 1) + 1]
    assert len(few) < MODE_MIN_MEMBERS
    assert count_modes(few) == 0
    undefined = two.copy()
    undefined[3] = np.nan
    cells = np.stack([np.full(100, 7.0), two, undefined]).reshape(3, 1, 100)
    assert count_modes(cells).tolist() == [[1], [2], [0]]
    flagged = multimodal(xr.DataArray(cells, dims=("route", "year", "member")))
    assert flagged.dims == ("route", "year")
    assert flagged.values.ravel().tolist() == [False, True, False]


def test_cells_counted_in_batches_count_as_at_once(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch smaller than a cell's members (one cell at a time) changes no count."""
    cells = np.stack([np.r_[rng.normal(0, 1, 100), rng.normal(d, 1, 100)] for d in range(0, 12)])
    at_once = count_modes(cells)
    assert set(at_once.tolist()) == {1, 2}
    monkeypatch.setattr(stats, "MODE_BATCH", 10)
    assert count_modes(cells).tolist() == at_once.tolist()
