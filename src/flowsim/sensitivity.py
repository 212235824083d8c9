"""Global sensitivity of outputs to uncertain inputs: Sobol' indices and Morris screening.

The building block of ``flowsim sensitivity`` (issue 17): given a vectorised
function of independent uncertain inputs, which inputs drive its outputs?

- :func:`sobol`: first-order and total Sobol' indices
  (:func:`scipy.stats.sobol_indices`, Saltelli 2010 estimators on a scrambled
  Sobol' sequence), with bootstrap confidence intervals (BCa, from the
  result's ``bootstrap``);
- :func:`morris`: elementary effects (Morris 1991, with Campolongo's
  ``mu*``) on a grid of the inputs' quantiles: a cheap screen of many inputs
  before Sobol' on the few that matter.

Both take the function as ``func(x) -> y`` with ``x`` of shape (inputs,
points) in the inputs' own units and ``y`` of shape (points,) or (outputs,
points), and the inputs as frozen :mod:`scipy.stats` distributions by name.
Results are reproducible: the same seed gives the same indices.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from flowsim.arrays import FloatArray

__all__ = [
    "MORRIS_TAIL",
    "ElementaryEffects",
    "SobolIndices",
    "morris",
    "sobol",
    "sobol_indices",
    "sobol_points",
]

Model = Callable[[FloatArray], Any]
"""``func(x) -> y``: ``x`` (inputs, points), ``y`` (points,) or (outputs, points)."""


def _outputs(func: Model, x: FloatArray) -> FloatArray:
    """``func`` at the points ``x`` (inputs, points), as (outputs, points)."""
    y = np.asarray(func(x), dtype=np.float64)
    return y[None, :] if y.ndim == 1 else y


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total Sobol' indices of each output to each input, shape
    (outputs, inputs), and their bootstrap intervals, shape (2 (low, high), outputs,
    inputs)."""

    inputs: tuple[str, ...]
    first: FloatArray
    total: FloatArray
    first_interval: FloatArray
    total_interval: FloatArray
    confidence: float
    """Confidence level of the intervals."""
    evaluations: int
    """Points at which the function was evaluated: ``n x (inputs + 2)``."""


def sobol_points(n: int, d: int, seed: int) -> FloatArray:
    """Saltelli's design for ``d`` inputs from ``n`` base points (a power of 2): the
    inputs' quantiles, shape (d, n x (d + 2)), in blocks of ``n`` columns ``[A | B |
    AB_1 | ... | AB_d]``, where A and B are the halves of a scrambled Sobol' sequence
    in 2d dimensions and AB_i is A with row i taken from B."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2 (got {n})")
    rng = np.random.default_rng(seed)
    both = stats.qmc.Sobol(2 * d, scramble=True, bits=64, rng=rng).random(n).T
    a, b = both[:d], both[d:]
    ab = np.tile(a, (d, 1, 1))
    ab[np.arange(d), np.arange(d)] = b
    return np.concatenate([a, b, *ab], axis=1)


def _seeded(seed: int, draw: Callable[[], Any]) -> Any:
    """``draw()`` with numpy's global random state seeded by ``seed``, then restored:
    scipy's ``SobolResult.bootstrap`` takes no generator and resamples from it."""
    saved = np.random.get_state()  # noqa: NPY002 - the state scipy draws from
    try:
        np.random.seed(seed % 2**32)  # noqa: NPY002
        return draw()
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def sobol_indices(
    y: FloatArray,
    inputs: tuple[str, ...],
    n: int,
    *,
    confidence: float = 0.95,
    resamples: int = 999,
    seed: int = 0,
) -> SobolIndices:
    """Sobol' indices from outputs ``y`` (outputs, points) at the points of
    :func:`sobol_points` (n base points, ``inputs`` in its order)."""
    d = len(inputs)
    y = np.asarray(y, dtype=np.float64).reshape(-1, n * (d + 2))
    f_ab = y[:, 2 * n :].reshape(-1, d, n).transpose(1, 0, 2)  # (d, outputs, n)
    outputs = {"f_A": y[:, :n], "f_B": y[:, n : 2 * n], "f_AB": f_ab}
    result = stats.sobol_indices(func=outputs, n=n, rng=np.random.default_rng(seed))
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # an index that no resample moves (an input without effect) has no BCa interval
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant output: 0/0
        boot = _seeded(seed, lambda: result.bootstrap(confidence, resamples))
    with np.errstate(invalid="ignore", divide="ignore"):
        first = np.nan_to_num(np.asarray(result.first_order).reshape(-1, d))
        total = np.nan_to_num(np.asarray(result.total_order).reshape(-1, d))

    def interval(bootstrapped: Any, estimate: FloatArray) -> FloatArray:
        ci = bootstrapped.confidence_interval
        bounds = np.stack([np.asarray(b).reshape(-1, d) for b in (ci.low, ci.high)])
        return np.where(np.isnan(bounds), estimate, bounds)  # degenerate: zero width

    return SobolIndices(
        inputs=inputs,
        first=first,
        total=total,
        first_interval=interval(boot.first_order, first),
        total_interval=interval(boot.total_order, total),
        confidence=confidence,
        evaluations=n * (d + 2),
    )


def sobol(
    func: Model,
    inputs: Mapping[str, Any],
    n: int,
    *,
    seed: int,
    confidence: float = 0.95,
    resamples: int = 999,
) -> SobolIndices:
    """Sobol' indices of ``func``'s outputs to ``inputs`` (frozen scipy.stats
    distributions by name, independent), from ``n`` base points (a power of 2; the
    function runs once, at the ``n x (inputs + 2)`` points of :func:`sobol_points`)."""
    names = tuple(inputs)
    u = sobol_points(n, len(names), seed)
    x = np.stack([inputs[k].ppf(u[i]) for i, k in enumerate(names)])
    y = _outputs(func, x)
    return sobol_indices(y, names, n, confidence=confidence, resamples=resamples, seed=seed)


@dataclass(frozen=True)
class ElementaryEffects:
    """Morris elementary effects of each output to each input over the trajectories:
    ``mu_star`` (mean absolute effect: the importance), ``mu`` (mean effect: its sign)
    and ``sigma`` (their spread: non-linearity or interactions), each (outputs, inputs),
    per unit of the input's quantile."""

    inputs: tuple[str, ...]
    mu_star: FloatArray
    mu: FloatArray
    sigma: FloatArray
    evaluations: int


MORRIS_TAIL = 0.005
"""Morris's grid spans the inputs' quantiles from this to 1 minus it (an unbounded
distribution has no 0 and 1 quantiles)."""


def morris(
    func: Model,
    inputs: Mapping[str, Any],
    trajectories: int = 20,
    *,
    levels: int = 4,
    seed: int,
) -> ElementaryEffects:
    """Elementary effects of ``func``'s outputs to ``inputs`` (frozen scipy.stats
    distributions by name) along ``trajectories`` one-at-a-time paths on Morris's grid of
    ``levels`` (even) evenly spaced quantiles (:data:`MORRIS_TAIL` to 1 minus it): each
    path starts at a random grid point in the lower half and moves each input, in random
    order, up by ``levels / 2`` steps (Morris's ``Δ = p / (2 (p - 1))``); the function
    runs at ``trajectories x (inputs + 1)`` points."""
    if levels < 2 or levels % 2:
        raise ValueError(f"levels must be even and at least 2 (got {levels})")
    if trajectories < 2:
        raise ValueError(f"trajectories must be at least 2 (got {trajectories})")
    names = tuple(inputs)
    d, half = len(names), levels // 2
    rng = np.random.default_rng(seed)
    steps = np.empty((trajectories, d + 1, d), dtype=np.int64)  # grid index of each point
    order = np.argsort(rng.random((trajectories, d)), axis=1)  # which input moves when
    steps[:, 0] = rng.integers(0, half, size=(trajectories, d))
    for j in range(d):
        steps[:, j + 1] = steps[:, j]
        rows = np.arange(trajectories)
        steps[rows, j + 1, order[:, j]] += half
    span = 1.0 - 2 * MORRIS_TAIL
    quantiles = MORRIS_TAIL + span * steps / (levels - 1)  # (trajectories, d + 1, d)
    flat = quantiles.reshape(-1, d).T  # (d, points)
    x = np.stack([inputs[name].ppf(flat[i]) for i, name in enumerate(names)])
    y = _outputs(func, x).reshape(-1, trajectories, d + 1)  # (outputs, trajectories, d + 1)
    moved = np.diff(y, axis=2) / (span * half / (levels - 1))  # per unit of quantile
    effects = np.empty_like(moved)  # (outputs, trajectories, inputs)
    rows = np.arange(trajectories)[:, None]
    effects[:, rows, order] = moved
    return ElementaryEffects(
        inputs=names,
        mu_star=np.abs(effects).mean(axis=1),
        mu=effects.mean(axis=1),
        sigma=effects.std(axis=1, ddof=1),
        evaluations=trajectories * (d + 1),
    )
