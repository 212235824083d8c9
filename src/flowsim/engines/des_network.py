"""The elements of the DES's supply network: routes and shared arcs.

Each element is the state behind one SimPy process of :mod:`flowsim.engines.des`:
idle until a maintenance, outage or shock process interrupts it, the
interrupt's cause (a :class:`Derate`) switching a derate on or off. An
element's availability is the product of ``1 - fraction`` over the derates
on, taken in the order the core engine multiplies them (planned maintenance
windows, the forced outage, then shocks by index) so that both engines round
alike. An :class:`Arc` is moreover a shared resource: each morning it is
refilled with the day's capacity times availability, and the routes over it
draw that down as the day is cleared (:mod:`flowsim.engines.des_day`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowsim.variables import ARC_FULL

__all__ = ["MAINTENANCE", "OUTAGE", "SHOCK", "Arc", "Derate", "Element", "Route", "availability"]

MAINTENANCE, OUTAGE, SHOCK = range(3)
"""The first part of a :attr:`Derate.rank`: which kind of derate."""

Rank = tuple[int, int]


@dataclass(frozen=True)
class Derate:
    """What an interrupt carries: a derate of ``fraction`` switched on or off."""

    key: str
    """Which event: ``maintenance:3``, ``outage``, ``shock:cold_winter``."""
    fraction: float
    """Share of capacity lost while on."""
    on: bool
    rank: Rank = (OUTAGE, 0)
    """Place in the product of derates: (kind, index), maintenance windows by index, the
    forced outage, shocks by index."""


def availability(derates: dict[str, tuple[Rank, float]]) -> float:
    """Product of ``1 - fraction`` over ``derates`` (key: (rank, fraction)), by rank."""
    result = 1.0
    for _, fraction in sorted(derates.values()):
        result *= 1.0 - fraction
    return result


@dataclass
class Element:
    """A route's own stretch or a shared arc, changed only through interrupts of its process."""

    index: int
    name: str
    derates: dict[str, tuple[Rank, float]] = field(default_factory=dict)
    availability: float = 1.0
    """Product of (1 - derate) over the derates on; kept up to date by :meth:`apply`."""
    process: Any = None

    @property
    def label(self) -> str:
        """Its name in the event trace's ``route`` column."""
        return self.name

    def apply(self, cause: Derate) -> None:
        if cause.on:
            self.derates[cause.key] = (cause.rank, cause.fraction)
        else:
            self.derates.pop(cause.key, None)
        self.availability = availability(self.derates)


@dataclass
class Route(Element):
    """A route's own stretch (its capacity, contract and losses are the plan's)."""


@dataclass
class Arc(Element):
    """A shared arc: one capacity that every route over it draws on, with its day books."""

    days: int = 0
    left: float = 0.0
    """What is left of today's capacity (an annual rate, as volume entering the arc)."""
    available: list[float] = field(default_factory=list)
    """Capacity times availability of each day."""
    derated: list[bool] = field(default_factory=list)
    """Whether availability was below 1 on each day."""
    full: list[bool] = field(default_factory=list)
    """Whether it ended each day full (at most ``ARC_FULL`` of its capacity left)."""
    flow: list[float] = field(default_factory=list)
    """Volume entering it on each day, all routes together."""

    def __post_init__(self) -> None:
        self.available = [0.0] * self.days
        self.derated = [False] * self.days
        self.full = [False] * self.days
        self.flow = [0.0] * self.days

    @property
    def label(self) -> str:
        return f"arc:{self.name}"

    def refill(self, t: int, capacity: float) -> None:
        """The morning of day ``t``: ``capacity`` (the day's rate) times availability is left."""
        self.left = self.available[t] = capacity * self.availability
        self.derated[t] = self.availability < 1.0

    def close_day(self, t: int) -> None:
        """The end of day ``t``'s dispatch: whether the routes left the arc full."""
        self.full[t] = self.left <= ARC_FULL * self.available[t]

    def draw(self, t: int, volume: float) -> None:
        """A route sends ``volume`` (an annual rate) into the arc on day ``t``."""
        self.left = max(self.left - volume, 0.0)
        self.flow[t] += volume
