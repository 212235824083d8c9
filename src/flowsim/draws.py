"""The uncertain figures' values, member by member: random, Latin hypercube, or given.

Every uncertain figure and every driver has a standard normal *score* per member
(and per year, for those drawn each year). A figure on a driver takes
``correlation x driver + sqrt(1 - correlation²) x its own`` as its score; its value is
its distribution's quantile at the score's normal probability (a Gaussian copula).
Scores come from the figure's own random stream, keyed by its name like every other
random element (:func:`flowsim.streams.element_rng`), so member ``k`` draws the
same values however the ensemble is split and whichever other figures the scenario
has. With Latin hypercube sampling each score of the run's ``size`` members falls
in its own of ``size`` equal-probability strata (per year, for figures drawn each
year); the strata are shuffled by a stream of the run, not of a block, so member
``k`` is the same in every block and worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import special

from flowsim.arrays import FloatArray, IntArray
from flowsim.scenario.tree import Scenario
from flowsim.scenario.uncertain import Figure, figures_of, quantile
from flowsim.streams import element_rng, run_rng

__all__ = ["SAMPLING", "Design", "FigureDraws", "Points", "draw_figures"]

SAMPLING = ("random", "lhs")
"""How the scores of a run are chosen: independently at random, or by Latin hypercube."""


@dataclass(frozen=True)
class Design:
    """How a run chooses its members' scores."""

    method: Literal["random", "lhs"] = "random"
    size: int = 1
    """Members of the run (the Latin hypercube's strata)."""
    given: dict[str, FloatArray] = field(default_factory=dict)
    """Normal scores of named inputs (``drivers.ID``, a figure's key path; see
    :func:`flowsim.attribution.sensitivity_inputs`), each shape
    (members drawn,), in the order of the members drawn: they replace the draws, as a
    sensitivity design does."""


@dataclass(frozen=True)
class Points:
    """A designed ensemble (a sensitivity analysis): point ``p`` replays member
    ``base[p]``'s random events and takes the inputs' scores ``scores[name][p]``
    (inputs not named draw as member ``base[p]``)."""

    base: IntArray
    """Member whose draws each point replays, shape (points,)."""
    scores: dict[str, FloatArray]
    """Normal score of named inputs at each point, each shape (points,)."""

    def block(self, first: int, stop: int) -> tuple[IntArray, Design]:
        """The members points ``first .. stop - 1`` replay, and their given scores."""
        given = {name: values[first:stop] for name, values in self.scores.items()}
        return self.base[first:stop], Design(given=given)


@dataclass(frozen=True)
class FigureDraws:
    """The uncertain figures' values of some members."""

    names: tuple[str, ...]
    """Key path of each figure (``routes.altai.capacity_factor``)."""
    values: FloatArray
    """Drawn values, shape (members, years, figures) (one value over the years for a
    figure drawn per member)."""


def _scores(
    name: str, columns: int, ids: IntArray, seed: int, design: Design, substream: int
) -> FloatArray:
    """Standard normal scores of input ``name`` for members ``ids``, shape (members,
    columns); ``substream``: the members' random-number substream size."""
    if name in design.given:
        values = np.asarray(design.given[name], dtype=np.float64)
        return np.repeat(values[:, None], columns, axis=1)
    if design.method == "lhs":
        rng = run_rng(seed, f"lhs:{name}")
        size = max(design.size, int(ids.max()) + 1)
        strata = np.argsort(rng.random((columns, size)), axis=1).T  # (size, columns)
        u = (strata + rng.random((size, columns))) / size
        result: FloatArray = special.ndtri(u[ids])
        return result
    out = np.empty((len(ids), columns))
    for s in np.unique(ids // substream):
        block = element_rng(seed, int(s), f"figure:{name}").standard_normal((substream, columns))
        mine = ids // substream == s
        out[mine] = block[ids[mine] - s * substream]
    return out


def draw_figures(
    scenario: Scenario, ids: IntArray, seed: int, years: int, substream: int, design: Design
) -> FigureDraws:
    """The values of ``scenario``'s uncertain figures for members ``ids``."""
    located = figures_of(scenario)
    names = tuple(".".join(where) for where, _ in located)
    values = np.ones((len(ids), years, len(located)))
    drivers: dict[str, FloatArray] = {}
    for did, driver in scenario.drivers.items():
        columns = years if driver.per == "year" else 1
        drivers[did] = _scores(f"drivers.{did}", columns, ids, seed, design, substream)
    for i, (name, (_, figure)) in enumerate(zip(names, located, strict=True)):
        columns = years if figure.per == "year" else 1
        score = _scores(name, columns, ids, seed, design, substream)
        if figure.driver is not None:
            rho = figure.correlation
            score = rho * drivers[figure.driver] + np.sqrt(1.0 - rho**2) * score
        values[:, :, i] = _value(figure, score)
    return FigureDraws(names, values)


def _value(figure: Figure, score: FloatArray) -> FloatArray:
    """The figure's values at normal scores ``score`` (members, columns)."""
    u = np.clip(special.ndtr(score), 1e-12, 1.0 - 1e-12)
    return quantile(figure, u)
