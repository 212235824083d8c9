"""Evaluate schedules (steps and ramps) to annual rates on given days.

A schedule is 0 before its first entry; a step holds its value until the next
entry; a ramp moves from ``from_value`` to ``to_value`` between ``start`` and
``end`` and holds ``to_value`` after ``end`` (docs/model.md, "Schedules").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from flowsim.scenario.schema import Ramp, Step, entry_start

__all__ = ["LOGISTIC_STEEPNESS", "annual_rates"]

LOGISTIC_STEEPNESS = 10.0
"""Steepness k of the logistic ramp 1 / (1 + exp(-k (x - 1/2))), rescaled to run 0..1."""


def _logistic(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    k = LOGISTIC_STEEPNESS
    lo, hi = 1.0 / (1.0 + math.exp(k / 2)), 1.0 / (1.0 + math.exp(-k / 2))
    result: npt.NDArray[np.float64] = (1.0 / (1.0 + np.exp(-k * (x - 0.5))) - lo) / (hi - lo)
    return result


def annual_rates(
    schedule: Sequence[Step | Ramp], ordinals: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Annual rate of ``schedule`` on each day.

    Parameters
    ----------
    schedule
        Entries in date order (as validated).
    ordinals
        Days as proleptic Gregorian ordinals, any shape.

    Returns
    -------
    Annual rates (bcm/yr or Mt/yr), same shape as ``ordinals``.
    """
    rates = np.zeros(ordinals.shape, dtype=np.float64)
    if not schedule:
        return rates
    starts = np.array([entry_start(e).toordinal() for e in schedule], dtype=np.int64)
    which = np.searchsorted(starts, ordinals, side="right") - 1
    for i, entry in enumerate(schedule):
        on = which == i
        if isinstance(entry, Step):
            rates[on] = entry.value
            continue
        first, last = entry.start.toordinal(), entry.end.toordinal()
        x = np.clip((ordinals[on] - first) / (last - first), 0.0, 1.0)
        share = _logistic(x) if entry.shape == "logistic" else x
        rates[on] = entry.from_value + (entry.to_value - entry.from_value) * share
        rates[on & (ordinals >= last)] = entry.to_value
    return rates
