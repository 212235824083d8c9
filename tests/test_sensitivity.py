"""Global sensitivity (flowsim.sensitivity): the Ishigami function's analytic Sobol'
indices inside the bootstrap intervals, and Morris effects of functions whose effects
are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from flowsim.sensitivity import morris, sobol

A, B = 7.0, 0.1
"""The Ishigami function's usual constants."""

UNIFORM_PI = stats.uniform(loc=-math.pi, scale=2 * math.pi)


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[0]) + A * np.sin(x[1]) ** 2 + B * x[2] ** 4 * np.sin(x[0])


def ishigami_indices() -> tuple[list[float], list[float]]:
    """The analytic first-order and total indices (Ishigami and Homma 1990)."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    first = [v1 / total, v2 / total, 0.0]
    return first, [(v1 + v13) / total, v2 / total, v13 / total]


@pytest.fixture(scope="module")
def indices():  # type: ignore[no-untyped-def]
    inputs = {"x1": UNIFORM_PI, "x2": UNIFORM_PI, "x3": UNIFORM_PI}
    return sobol(ishigami, inputs, 2**12, seed=11)


def test_sobol_reproduces_the_ishigami_indices_within_their_intervals(indices) -> None:  # type: ignore[no-untyped-def]
    """S = 0.314, 0.442, 0 and ST = 0.558, 0.442, 0.244 lie inside the 95% bootstrap
    intervals, and the estimates are within 0.03 of them."""
    first, total = ishigami_indices()
    for name, expected, estimate, interval in (
        ("first", first, indices.first[0], indices.first_interval[:, 0]),
        ("total", total, indices.total[0], indices.total_interval[:, 0]),
    ):
        assert (interval[0] <= expected).all(), name
        assert (expected <= interval[1]).all(), name
        np.testing.assert_allclose(estimate, expected, atol=0.03, err_msg=name)
    assert indices.inputs == ("x1", "x2", "x3")
    assert indices.evaluations == 2**12 * 5


def test_sobol_is_reproducible_and_takes_several_outputs() -> None:
    """The same seed gives the same indices; a second output that is x2 alone puts all
    of its variance on x2."""
    inputs = {"x1": UNIFORM_PI, "x2": UNIFORM_PI, "x3": UNIFORM_PI}

    def both(x: np.ndarray) -> np.ndarray:
        return np.stack([ishigami(x), x[1]])

    one, two = (sobol(both, inputs, 2**8, seed=3, resamples=99) for _ in range(2))
    np.testing.assert_array_equal(one.first, two.first)
    np.testing.assert_allclose(one.first[1], [0, 1, 0], atol=0.02)
    np.testing.assert_allclose(one.total[1], [0, 1, 0], atol=0.02)


def test_sobol_needs_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of 2"):
        sobol(ishigami, {"x1": UNIFORM_PI}, 1000, seed=0)


def test_morris_effects_of_a_linear_function_are_its_slopes() -> None:
    """f = 2 x1 + 0.5 x2 + 0 x3 on uniform(0, 1) inputs, whose quantiles are their
    values: each effect is its slope exactly, with no spread."""
    inputs = {name: stats.uniform() for name in ("x1", "x2", "x3")}
    effects = morris(lambda x: 2 * x[0] + 0.5 * x[1], inputs, 10, seed=1)
    np.testing.assert_allclose(effects.mu_star[0], [2.0, 0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(effects.mu[0], [2.0, 0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(effects.sigma[0], 0.0, atol=1e-12)
    assert effects.evaluations == 10 * 4


def test_morris_screens_the_ishigami_inputs() -> None:
    """Every input matters (mu* well above 0), but x3 acts only through its product with
    sin x1, which is as often negative as positive: its mean effect is small beside its
    spread."""
    inputs = {"x1": UNIFORM_PI, "x2": UNIFORM_PI, "x3": UNIFORM_PI}
    effects = morris(ishigami, inputs, 200, levels=8, seed=5)
    mu_star, mu, sigma = effects.mu_star[0], effects.mu[0], effects.sigma[0]
    assert (mu_star > 0.5).all()
    assert abs(mu[2]) < 0.25 * sigma[2]


def test_morris_refuses_an_odd_grid() -> None:
    with pytest.raises(ValueError, match="levels must be even"):
        morris(ishigami, {"x1": UNIFORM_PI}, 5, levels=3, seed=0)
