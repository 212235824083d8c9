"""Storage: what carries a commodity from the days it is plentiful to the days it is short.

China's underground gas storage and LNG tanks, or its commercial and strategic
crude stocks, as one pool per commodity (``[storage.gas]``): a working volume,
injection and withdrawal rates (optionally falling with the fill level), a
starting fill and an operating rule (docs/model.md, "Storage"). Part of the
scenario tree (:mod:`flowsim.scenario.tree`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from flowsim.scenario.fields import Cite, Fraction, LocatedProblems, Model
from flowsim.scenario.schedules import Schedule

__all__ = ["FillCurve", "Storage"]

FillPoint = Annotated[list[Fraction], Field(min_length=2, max_length=2)]
"""One point of a fill curve: ``[fill fraction, rate factor]``."""

FillCurve = Annotated[list[FillPoint], Field(min_length=2, max_length=32)]
"""A rate factor as a piecewise-linear function of the fill fraction: points
``[fill, factor]`` with fills strictly increasing; flat beyond the first and last."""


class Storage(Model):
    """One commodity's storage pool: inject on surplus, withdraw on deficit.

    Volumes are in the commodity's unit (bcm, Mt); rates are annual rates like
    every schedule (bcm/yr, Mt/yr: a deliverability of 0.2 bcm/d is 73 bcm/yr).
    """

    label: str
    """What the pool is, for tables and figures."""
    working_volume: Schedule
    """Most it holds above cushion gas, bcm or Mt (a level, not a rate)."""
    injection: Schedule
    """Most it takes in, annual rate."""
    withdrawal: Schedule
    """Most it sends out, annual rate."""
    initial_fill: Fraction
    """Level on 1 January of the first year, as a fraction of the working volume then."""
    reserve_fill: Fraction = 0.0
    """Level kept for emergencies, as a fraction of the working volume: drawn below only
    when the routes and balancing supply together fall short."""
    target_fill: Annotated[list[Fraction], Field(min_length=12, max_length=12)] | None = None
    """Level to hold at or above in each month, January to December, as a fraction of
    the working volume (omitted: inject on surplus and withdraw on deficit only). Below
    it, the pool buys balancing supply to climb back; it withdraws only down to it
    (and the reserve) until balancing is exhausted."""
    injection_by_fill: FillCurve | None = None
    """Injection rate factor by fill fraction (omitted: 1 at every fill)."""
    withdrawal_by_fill: FillCurve | None = None
    """Withdrawal rate factor by fill fraction (omitted: 1 at every fill)."""
    order: Literal["before_balancing", "after_balancing"] = "before_balancing"
    """Where withdrawals sit in the day's dispatch: after the routes and before balancing
    supply, or after balancing supply too (storage kept as the last resort)."""
    cite: Cite
    """Where the fills, the reserve and the rule come from."""
    notes: str = ""
    """Free text for readers of the file."""

    @field_validator("injection_by_fill", "withdrawal_by_fill")
    @classmethod
    def _fills_increase(cls, curve: list[list[float]] | None) -> list[list[float]] | None:
        if curve is None:
            return curve
        problems: list[tuple[tuple[str | int, ...], str]] = [
            ((i, 0), f"fills must increase: {curve[i][0]} follows {curve[i - 1][0]}")
            for i in range(1, len(curve))
            if curve[i][0] <= curve[i - 1][0]
        ]
        if problems:
            raise LocatedProblems(problems)
        return curve
