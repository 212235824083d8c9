"""Field types shared by every scenario table: dates, cites, ids, fractions, the base model.

A scenario is made of frozen pydantic models that forbid unknown keys
(:class:`Model`); their fields use the annotated types here, whose validators
give the one-line messages of ``flowsim validate`` (``must be >= 0 (got -3)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "CITE_KINDS",
    "MAX_DAYS",
    "MAX_RATE",
    "MAX_YEAR",
    "MIN_YEAR",
    "Cite",
    "Commodity",
    "Day",
    "Fraction",
    "Id",
    "LocatedProblems",
    "Model",
    "NonNegative",
    "Rate",
    "show_value",
    "tag_of",
]

Commodity = Literal["gas", "oil"]

CITE_KINDS = ("agreement", "report", "derived", "estimate", "assumption")
"""How a figure is known: a signed agreement, a published report, arithmetic
on sourced figures, an interpolated or recalled value, or a modelling
assumption (which must say why)."""

MIN_YEAR, MAX_YEAR = 1900, 2200


class Model(BaseModel):
    """Base of every scenario model: frozen, strict, no unknown keys, finite numbers."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        populate_by_name=False,
    )


def tag_of(key: str) -> Callable[[Any], str | None]:
    """The discriminator of a tagged union chosen by ``key`` (``dist``, ``formula``): a
    table's value of it, or a model's attribute (None when missing or not a string)."""

    def tag(value: Any) -> str | None:
        found = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
        return found if isinstance(found, str) else None

    return tag


def show_value(value: Any) -> str:
    """Describe a found value for an error message."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _to_date(value: Any) -> dt.date:
    """Accept an ISO date (TOML date or string) or a bare year (1 January)."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError(
            "date_with_time",
            "must be a date without a time of day (got {got})",
            {"got": show_value(value)},
        )
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, int) and not isinstance(value, bool):
        if not MIN_YEAR <= value <= MAX_YEAR:
            raise PydanticCustomError(
                "year_range",
                "a bare year must be in {lo}..{hi} (got {got})",
                {"lo": MIN_YEAR, "hi": MAX_YEAR, "got": value},
            )
        return dt.date(value, 1, 1)
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "date_format",
                "must be an ISO date like 2019-12-02 or a year like 2019 (got {got})",
                {"got": show_value(value)},
            ) from None
    else:
        raise PydanticCustomError(
            "date_type",
            "must be an ISO date like 2019-12-02 or a year like 2019 (got {got})",
            {"got": show_value(value)},
        )
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PydanticCustomError(
            "year_range",
            "must fall in the years {lo}..{hi} (got {got})",
            {"lo": MIN_YEAR, "hi": MAX_YEAR, "got": day.isoformat()},
        )
    return day


Day = Annotated[dt.date, BeforeValidator(_to_date)]
"""A calendar day: a TOML date (``2019-12-02``) or a bare year (1 January)."""


def _check_cite(text: str) -> str:
    kind, sep, rest = text.partition(":")
    if not sep or kind.strip() not in CITE_KINDS or not rest.strip():
        raise PydanticCustomError(
            "cite",
            "must read 'KIND: where the figure comes from' with KIND one of {kinds} (got {got})",
            {"kinds": ", ".join(CITE_KINDS), "got": show_value(text)},
        )
    return text


Cite = Annotated[str, AfterValidator(_check_cite)]
"""Where a figure comes from: ``"agreement: Gazprom-CNPC SPA, 21 May 2014"``."""

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A key of sources, routes and shocks: lowercase letters, digits and ``_``."""

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

MAX_RATE = 10_000.0
"""Largest annual rate a schedule may hold, bcm/yr or Mt/yr: more than twice the world's
gas production (about 4,000 bcm in 2023) or crude output (about 4,500 Mt). A larger
figure is a typo or a unit slip (a rate in m³ or barrels), not a pipeline."""

Rate = Annotated[float, Field(ge=0.0, le=MAX_RATE)]
"""An annual rate: bcm/yr for gas, Mt/yr for oil, at most :data:`MAX_RATE`."""

MAX_DAYS = 36_525
"""Longest delay or duration in days a scenario may give (100 years)."""


class LocatedProblems(ValueError):
    """Several problems found by one validator, each at its own key path.

    ``items`` are (path relative to the validated table, message) pairs.
    """

    def __init__(self, items: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.items = items
        super().__init__("; ".join(message for _, message in items))
