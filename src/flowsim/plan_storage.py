"""The storage pools of a scenario, laid out as arrays for the engines.

One pool per commodity at most (``[storage.gas]``); a commodity without one has
neutral values (no volume, no rates), so that the engines need not branch on
it inside a day. Levels are volumes (bcm, Mt); rates are annual rates like
every daily quantity of :class:`flowsim.plan.Plan`. The rule that moves a
level is docs/model.md, "Storage".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.scenario.schedules import annual_rates
from flowsim.scenario.storage import Storage
from flowsim.scenario.tree import Scenario
from flowsim.timeline import Calendar

__all__ = ["CURVE_POINTS", "IN", "OUT", "StoragePlan", "fill_factor"]

CURVE_POINTS = 32
"""Points of each fill curve as laid out (shorter curves repeat their last point)."""

IN, OUT = 0, 1
"""Rows of :attr:`StoragePlan.curves`: the injection and the withdrawal curve."""

_FLAT = [[0.0, 1.0], [1.0, 1.0]]


def fill_factor(curve: FloatArray, fill: Any) -> Any:
    """A fill curve's rate factor at ``fill`` (piecewise linear between its points, flat
    beyond them); ``curve`` is one row of :attr:`StoragePlan.curves`, shape (2,
    CURVE_POINTS): :func:`numpy.interp`, which the numba engine compiles too."""
    return np.interp(fill, curve[0], curve[1])


@dataclass(frozen=True)
class StoragePlan:
    """The storage pool of each commodity (of :attr:`Plan.commodities`), day by day."""

    present: BoolArray
    """Whether each commodity has a pool, shape (commodities,)."""
    volume: FloatArray
    """Working volume, bcm or Mt, shape (commodities, days)."""
    injection: FloatArray
    """Most it takes in, annual rate, shape (commodities, days)."""
    withdrawal: FloatArray
    """Most it sends out, annual rate, shape (commodities, days)."""
    floor: FloatArray
    """Fill fraction it withdraws down to before balancing is exhausted: the larger of the
    reserve and the month's target, shape (commodities, days)."""
    target: FloatArray
    """Fill fraction it buys balancing supply to climb back to (0: no target rule),
    shape (commodities, days)."""
    initial: FloatArray
    """Level on the first day, bcm or Mt, shape (commodities,)."""
    curves: FloatArray
    """Injection and withdrawal fill curves, shape (commodities, 2 (IN, OUT), 2 (fill,
    factor), CURVE_POINTS)."""
    curved: BoolArray
    """Whether each pool's injection and withdrawal rates follow a fill curve (else the
    factor is 1 and the engines skip it), shape (commodities, 2 (IN, OUT))."""
    after_balancing: BoolArray
    """Whether each pool withdraws after balancing supply, shape (commodities,)."""
    winter_end: IntArray
    """Day (from the start of the horizon) of 31 March of each year: the level at its end
    is the end-of-winter level, shape (years,)."""

    def rates(self, c: int, t: int, fill: Any) -> tuple[Any, Any]:
        """Commodity ``c``'s injection and withdrawal rates on day ``t`` at ``fill``: the
        schedules, times their fill curves where the pool has them."""
        rates = []
        for row, schedule in ((IN, self.injection), (OUT, self.withdrawal)):
            rate = schedule[c, t]
            curved = self.curved[c, row]
            rates.append(rate * fill_factor(self.curves[c, row], fill) if curved else rate)
        return rates[0], rates[1]

    @classmethod
    def of(cls, scenario: Scenario, commodities: tuple[str, ...], cal: Calendar) -> StoragePlan:
        """Lay out the pools of ``scenario`` for ``commodities``."""
        n, k = len(commodities), len(commodities)
        volume = np.zeros((k, cal.n_days))
        injection = np.zeros((k, cal.n_days))
        withdrawal = np.zeros((k, cal.n_days))
        floor = np.zeros((k, cal.n_days))
        target = np.zeros((k, cal.n_days))
        initial = np.zeros(k)
        curves = np.empty((k, 2, 2, CURVE_POINTS))
        after = np.zeros(k, dtype=bool)
        curved = np.zeros((k, 2), dtype=bool)
        for c, commodity in enumerate(commodities):
            pool: Storage | None = scenario.storage.get(commodity)  # type: ignore[call-overload]
            for row, key in ((IN, "injection_by_fill"), (OUT, "withdrawal_by_fill")):
                curved[c, row] = getattr(pool, key, None) is not None
                curve = getattr(pool, key, None) or _FLAT
                points = np.array(curve + [curve[-1]] * (CURVE_POINTS - len(curve)))
                curves[c, row] = points.T
            if pool is None:
                continue
            volume[c] = annual_rates(pool.working_volume, cal.ordinals)
            injection[c] = annual_rates(pool.injection, cal.ordinals)
            withdrawal[c] = annual_rates(pool.withdrawal, cal.ordinals)
            if pool.target_fill is not None:
                target[c] = np.asarray(pool.target_fill)[cal.month_index]
            floor[c] = np.maximum(pool.reserve_fill, target[c])
            initial[c] = pool.initial_fill * volume[c, 0]
            after[c] = pool.order == "after_balancing"
        leap = cal.days_in_year == 366
        return cls(
            present=np.array([c in scenario.storage for c in commodities], dtype=bool).reshape(n),
            volume=volume,
            injection=injection,
            withdrawal=withdrawal,
            floor=floor,
            target=target,
            initial=initial,
            curves=curves,
            curved=curved,
            after_balancing=after,
            winter_end=cal.year_starts + np.where(leap, 90, 89),
        )
