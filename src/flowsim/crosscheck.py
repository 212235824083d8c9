"""Hold the two engines against each other on the same sampled members.

Runs the numpy core and the SimPy DES (cargo detail off, so that both flow
continuously) on the same members and finds, per variable, the largest
relative difference between them, daily values and annual ones
(docs/model.md: they must agree to :data:`TOLERANCE`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from flowsim.scenario import Scenario, load_scenario
from flowsim.simulate import execute
from flowsim.spec import RunSpec

__all__ = ["NOISE", "TOLERANCE", "Crosscheck", "crosscheck", "relative_difference"]

TOLERANCE = 1e-9
"""Largest relative difference allowed between the engines (docs/model.md)."""

NOISE = 1e-12
"""Values this close (bcm or Mt, per day or per year) are equal: rounding near zero, where
one engine's order of operations leaves 1e-19 and the other's exactly 0, is no difference."""


@dataclass(frozen=True)
class Crosscheck:
    """The engines' largest relative difference per variable (``annual.X``, ``daily.X``)."""

    scenario: str
    members: int
    engines: tuple[str, str]
    differences: dict[str, float]
    tolerance: float = TOLERANCE

    @property
    def worst(self) -> float:
        """The largest difference over all variables."""
        return max(self.differences.values(), default=0.0)

    @property
    def agree(self) -> bool:
        """Whether every difference is within the tolerance."""
        return self.worst <= self.tolerance


def relative_difference(a: Any, b: Any) -> float:
    """Largest relative difference of two arrays (NaNs must match, equal values and values
    within :data:`NOISE` of each other differ by 0)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        same = (x == y) | (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= NOISE)
        diff = np.abs(x - y) / np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-300)
    return float(np.where(same, 0.0, diff).max(initial=0.0))


def crosscheck(
    scenario: Scenario | str | os.PathLike[str], members: int = 20, seed: int | None = None
) -> Crosscheck:
    """Run the numpy core and the DES on the same ``members`` of ``scenario`` and compare."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = [
        RunSpec.of([scenario], members=members, seed=seed, engine=name, daily=True, cargoes=False)
        for name in ("numpy", "des")
    ]
    (core,), (des,) = (execute(run) for run in runs)
    assert core.daily is not None
    assert des.daily is not None
    out = {
        f"annual.{v}": relative_difference(core.annual[v], des.annual[v])
        for v in core.annual.data_vars
    }
    out |= {
        f"daily.{v}": relative_difference(core.daily[v], des.daily[v]) for v in core.daily.data_vars
    }
    return Crosscheck(scenario.name, members, ("numpy", "des"), out)
