"""The DES's storage pools: a SimPy ``Container`` per commodity that has one.

Each day the clearing (:mod:`flowsim.engines.des_day`) asks a :class:`Pool` for
its room before the routes (what it can take in, offered as demand on top of
China's) and settles it after them by docs/model.md, "Storage"
(:func:`flowsim.engines.storage_rule.clear_day`): the routes' surplus and any
purchases go into the container, withdrawals come out of it. The container's
level is the pool's level; the books keep each day's flows and level.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from flowsim.arrays import FloatArray
from flowsim.plan import Plan

from .storage_rule import clear_day, fill_of, room

__all__ = ["POOL_DAILY", "Pool", "daily_books"]

POOL_DAILY = ("storage_injection", "storage_withdrawal", "storage_emergency", "storage_level")
"""What a pool's books keep for each day: flows as annual rates, the level in bcm or Mt
at the end of the day."""


class Pool:
    """Commodity ``c``'s storage pool of one member."""

    def __init__(self, env: simpy.Environment, plan: Plan, c: int) -> None:
        pool = plan.storage
        self.c = c
        self.container = simpy.Container(env, capacity=math.inf, init=float(pool.initial[c]))
        self.volume = pool.volume[c].tolist()
        self.pools = pool  # the plan's pools: their rates at a fill
        self.floor = pool.floor[c].tolist()
        self.target = pool.target[c].tolist()
        self.after_balancing = bool(pool.after_balancing[c])
        self.days_in_year = plan.calendar.days_in_year_of_day.tolist()
        n = plan.n_days
        self.books = {name: [0.0] * n for name in POOL_DAILY}
        self.opening = [0.0] * n  # the level at the start of each day
        self._fill = self._intake = self._outlet = self._offered = 0.0

    @property
    def level(self) -> float:
        """What the pool holds now, bcm or Mt."""
        return float(self.container.level)

    def offer(self, t: int) -> float:
        """The pool's room on day ``t`` (annual rate), offered to the routes as demand."""
        level, volume = self.level, self.volume[t]
        self.opening[t] = level
        self._fill = fill_of(level, volume)
        self._intake, self._outlet = (float(x) for x in self.pools.rates(self.c, t, self._fill))
        self._offered = float(room(level, volume, self._intake, self.days_in_year[t]))
        return self._offered

    def settle(self, t: int, rest: float, balancing_cap: float) -> tuple[float, float]:
        """Settle day ``t`` after the routes left ``rest`` of demand plus room; returns the
        balancing supply used (purchases included) and the demand left unmet."""
        days = self.days_in_year[t]
        withdrawal = self._outlet
        level = self.level
        settled = clear_day(
            rest, self._offered, level, self.volume[t], withdrawal, self.floor[t],
            self.target[t], self._intake, balancing_cap, days, self.after_balancing,
        )  # fmt: skip
        injected, withdrawn, emergency, balancing, unmet, _ = (float(x) for x in settled)
        net = (injected - withdrawn) / days
        if net > 0.0:
            self.container.put(net)
        elif net < 0.0:
            self.container.get(min(-net, level))
        books = self.books
        books["storage_injection"][t] = injected
        books["storage_withdrawal"][t] = withdrawn
        books["storage_emergency"][t] = emergency
        books["storage_level"][t] = self.level
        return balancing, unmet


def daily_books(pools: list[Pool | None], days: int) -> dict[str, FloatArray]:
    """Each commodity's daily pool books by name (0 without a pool), shape (days,
    commodities): the flows as annual rates, the end-of-day level in bcm or Mt."""
    out = {}
    for name in ("storage_injection", "storage_withdrawal", "storage_level"):
        rows = [p.books[name] if p is not None else [0.0] * days for p in pools]
        out[name] = np.array(rows, dtype=np.float64).reshape(len(pools), days).T
    return out
