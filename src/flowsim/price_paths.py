"""Benchmark price paths drawn per member: a mean-reverting log price around the path.

A benchmark with ``uncertainty`` (:class:`flowsim.scenario.prices.PathUncertainty`)
is drawn from its first uncertain month ``t0`` on::

    log P[m, t] = log path[t] + x[m, t],   x[m, t0 - 1] = 0,
    x[m, t] = phi * x[m, t - 1] + sigma / sqrt(12) * e[m, t],   e ~ N(0, 1)

with ``sigma`` the annualised volatility and ``phi = 0.5 ** (1 / (12 * half_life))``.
The path is each month's median; a deviation halves in ``half_life`` years on average
and its spread settles at ``sigma / sqrt(12 * (1 - phi**2))``. The months before ``t0``
are known. Like every random element, a benchmark draws from its own stream per
substream of members (``"price:<id>"``, :func:`flowsim.streams.element_rng`), so member
``k``'s path is the same whatever the blocks, workers or engine. A benchmark quoted as a
differential to another (``relative_to``) moves with it: its drawn path is the other's
plus its differential.
"""

from __future__ import annotations

import numpy as np

from flowsim.arrays import FloatArray, IntArray
from flowsim.plan_prices import PricePlan
from flowsim.sampling import SUBSTREAM
from flowsim.streams import element_rng

__all__ = ["benchmark_paths"]


def benchmark_paths(prices: PricePlan, members: IntArray, seed: int) -> FloatArray:
    """Each member's benchmark paths, shape (M, benchmarks, HISTORY_MONTHS + months), for
    member numbers ``members`` (shape (M,)) of a run with ``seed``."""
    members = np.asarray(members, dtype=np.int64)
    out = np.repeat(prices.benchmark[None], len(members), axis=0)
    months = prices.benchmark.shape[1]
    for b in np.flatnonzero(prices.volatility > 0):
        t0 = int(prices.drawn_from[b])
        if t0 >= months:
            continue
        name = f"price:{prices.benchmarks[b]}"
        shocks = np.empty((len(members), months - t0))
        for substream in np.unique(members // SUBSTREAM):
            rows = np.flatnonzero(members // SUBSTREAM == substream)
            rng = element_rng(seed, int(substream), name)
            drawn = rng.standard_normal((SUBSTREAM, months - t0))
            shocks[rows] = drawn[members[rows] % SUBSTREAM]
        shocks *= prices.volatility[b] / np.sqrt(12.0)
        x = np.zeros(len(members))
        for t in range(months - t0):  # the AR(1), all members at once
            x = prices.persistence[b] * x + shocks[:, t]
            shocks[:, t] = x
        out[:, b, t0:] *= np.exp(shocks)
    for b in np.flatnonzero(prices.relative_to >= 0):  # differentials move with their base
        out[:, b] = out[:, prices.relative_to[b]] + prices.spread[b]
    return out
