"""Schedules: an annual rate over time as steps and ramps, validated and evaluated on days.

A schedule is 0 before its first entry; a step holds its value until the next
entry; a ramp moves from ``from_value`` to ``to_value`` between ``start`` and
``end`` and holds ``to_value`` after ``end`` (docs/model.md, "Schedules").

A constant may be written as one step without ``from`` and without the list:
``capacity = { value = 38, cite = "..." }`` (the rate from the beginning).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag, field_validator
from pydantic_core import PydanticCustomError

from flowsim.scenario.fields import Cite, Day, Model, Rate

__all__ = ["LOGISTIC_STEEPNESS", "Ramp", "Schedule", "Step", "annual_rates", "entry_start"]


class Step(Model):
    """From a day on, the annual rate is ``value`` (until the next entry)."""

    from_: Day | None = Field(default=None, alias="from")
    """First day on which the value applies (ISO date or bare year); omitted in the
    first entry only: from the beginning (a constant, when it is the only entry)."""
    value: Rate
    """Annual rate: bcm/yr for gas, Mt/yr for oil."""
    cite: Cite
    """Where the figure comes from."""


class Ramp(Model):
    """Between two days the annual rate moves from ``from_value`` to ``to_value``.

    It holds ``to_value`` after ``end`` until the next entry.
    """

    start: Day
    """First day of the ramp; the rate is ``from_value`` on it."""
    end: Day
    """Day the ramp reaches ``to_value``."""
    from_value: Rate
    """Annual rate at ``start``: bcm/yr for gas, Mt/yr for oil."""
    to_value: Rate
    """Annual rate at and after ``end``: bcm/yr for gas, Mt/yr for oil."""
    shape: Literal["linear", "logistic"] = "linear"
    """Straight line, or an S-curve (slow start, fast middle, slow finish)."""
    cite: Cite
    """Where the figures come from."""

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: dt.date, info: Any) -> dt.date:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise PydanticCustomError(
                "ramp_order",
                "must be after start {start} (got {got})",
                {"start": start.isoformat(), "got": end.isoformat()},
            )
        return end


def _entry_kind(entry: Any) -> str | None:
    if isinstance(entry, dict):
        return "ramp" if "start" in entry or "end" in entry else "step"
    if isinstance(entry, Step | Ramp):
        return "step" if isinstance(entry, Step) else "ramp"
    return None


ScheduleEntry = Annotated[
    Annotated[Step, Tag("step")] | Annotated[Ramp, Tag("ramp")],
    Discriminator(
        _entry_kind,
        custom_error_type="schedule_entry",
        custom_error_message=(
            "must be a step {from = DATE, value = RATE, cite = ...} or a ramp "
            "{start, end, from_value, to_value, cite}"
        ),
    ),
]


def entry_start(entry: Step | Ramp) -> dt.date:
    """The first day an entry of a schedule applies (a step without ``from``: the first day
    a date can name)."""
    if isinstance(entry, Step):
        return dt.date.min if entry.from_ is None else entry.from_
    return entry.start


def _one_entry(value: Any) -> Any:
    """``{ value = 38, cite = ... }`` is the list of that one entry; a bare number is refused."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "schedule_number",
            'a rate needs its source: write { value = {got}, cite = "KIND: text" } '
            "(a constant) or a list of steps and ramps",
            {"got": value},
        )
    return value


def _check_order(entries: list[Step | Ramp]) -> list[Step | Ramp]:
    for i in range(1, len(entries)):
        prev, cur = entries[i - 1], entries[i]
        if isinstance(cur, Step) and cur.from_ is None:
            raise PydanticCustomError(
                "schedule_from",
                "[{i}] has no 'from': only the first entry may start from the beginning",
                {"i": i},
            )
        prev_last = prev.end if isinstance(prev, Ramp) else entry_start(prev)
        if entry_start(cur) <= entry_start(prev) or (
            isinstance(prev, Ramp) and entry_start(cur) < prev_last
        ):
            raise PydanticCustomError(
                "schedule_order",
                "entries must be in date order without overlap: [{i}] starts {cur}, "
                "before [{j}] {what} {prev}",
                {
                    "i": i,
                    "j": i - 1,
                    "cur": entry_start(cur).isoformat(),
                    "what": "ends" if isinstance(prev, Ramp) else "starts",
                    "prev": prev_last.isoformat(),
                },
            )
    return entries


Schedule = Annotated[
    list[ScheduleEntry],
    BeforeValidator(_one_entry, json_schema_input_type=list[ScheduleEntry] | ScheduleEntry),
    AfterValidator(_check_order),
]
"""An annual rate over time: steps and ramps in date order; 0 before the first entry.
One entry (a constant) may stand without the list."""


# --- evaluation on days ---------------------------------------------------

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
