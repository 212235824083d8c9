"""Prices in the scenario language: benchmark paths, contract price formulas, transit fees.

A benchmark (``[prices.brent]``) is a price path over time, written as a schedule
(steps and ramps of a price instead of a rate) in its ``unit``. A route's ``price``
is a contract formula on a benchmark (:mod:`flowsim.pricing` evaluates them):
``oil_indexed`` (slope, constant, ``X-Y-Z`` averaging, lag and reset),
``differential`` (the benchmark plus dated offsets, a discount negative) or ``fixed``
(a base price escalating yearly). A route's ``transit_fees`` are charged per unit of
its volume by the countries it crosses. A benchmark's ``uncertainty`` draws its path
per member from a given month on: a mean-reverting log price around the path
(:mod:`flowsim.price_paths`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Discriminator, Field, Tag

from flowsim.errors import did_you_mean
from flowsim.scenario.fields import MAX_YEAR, MIN_YEAR, Cite, Day, Id, Model, tag_of
from flowsim.scenario.schedules import Schedule

if TYPE_CHECKING:
    from flowsim.scenario.tree import Scenario

__all__ = [
    "BENCHMARK_UNITS",
    "PRICE_UNITS",
    "Benchmark",
    "Differential",
    "Fixed",
    "Offset",
    "OilIndexed",
    "PathUncertainty",
    "Price",
    "TransitFee",
    "price_problems",
]

BENCHMARK_UNITS = ("USD/bbl", "USD/MMBtu")
"""Units of a benchmark path: crude benchmarks (Brent, Dubai, JCC) and gas hubs (JKM, TTF)."""

PRICE_UNITS = {"gas": ("USD/kcm", "USD/MMBtu"), "oil": ("USD/bbl", "USD/t")}
"""Units a contract price or fee of each commodity may be given in."""

Signed = Annotated[float, Field(ge=-1e6, le=1e6)]
Months = Annotated[int, Field(ge=0, le=36)]


class PathUncertainty(Model):
    """A benchmark path drawn per member from a day on: its log price follows the path's
    log plus a deviation that reverts to zero (an AR(1) by month), so the path is each
    month's median."""

    volatility: Annotated[float, Field(gt=0.0, le=3.0)]
    """Annualised standard deviation of the monthly change in log price (0.3: 30%)."""
    half_life_years: Annotated[float, Field(gt=0.0, le=100.0)]
    """Years in which a deviation from the path halves, on average."""
    from_: Day = Field(alias="from")
    """First day drawn: months starting on or after it; the path before it is known."""
    cite: Cite
    """Where the volatility and the reversion come from."""


class Offset(Model):
    """From a day on, a differential to the benchmark (negative: a discount)."""

    from_: Day = Field(alias="from")
    """First day it applies (ISO date or bare year)."""
    value: Signed
    """Differential, in the contract's unit."""
    cite: Cite
    """Where the figure comes from."""


class Benchmark(Model):
    """A benchmark price path (``[prices.brent]``), or a benchmark quoted as a
    differential to another (``[prices.espo]``: ``relative_to`` and ``offsets``)."""

    label: str | None = None
    """Name for tables and figures (default: the benchmark id)."""
    unit: Literal["USD/bbl", "USD/MMBtu"]
    """Unit of the path's values."""
    path: Schedule | None = None
    """The price over time: steps (a year's average from 1 January, say) and ramps, each
    with its cite (a schedule's value is a price here, not a rate)."""
    relative_to: Id | None = None
    """For a benchmark quoted as a differential (ESPO Blend against Brent): the benchmark
    it is quoted against; it is that one's price plus ``offsets``, drawn with it."""
    offsets: list[Offset] | None = None
    """With ``relative_to``: the differentials in date order, each from the first month
    starting on or after its day until the next (negative: a discount)."""
    uncertainty: PathUncertainty | None = None
    """Draw the path per member from a day on (default: the path as given)."""


class _Formula(Model):
    unit: str
    """Unit of the contract price: USD/kcm or USD/MMBtu for gas, USD/bbl or USD/t for
    crude."""
    cite: Cite
    """Where the formula and its terms come from (agreement, report, estimate)."""


class OilIndexed(_Formula):
    """``slope x benchmark average + constant`` in ``X-Y-Z`` notation."""

    formula: Literal["oil_indexed"]
    """``"oil_indexed"``."""
    benchmark: Id
    """Id of the benchmark (a key of ``prices``)."""
    slope: Annotated[float, Field(ge=0.0, le=1e4)]
    """Contract price per unit of the benchmark (carries the unit conversion)."""
    constant: Signed = 0.0
    """Added after the slope, in the contract's unit."""
    average_months: Annotated[int, Field(ge=1, le=36)]
    """X: months averaged."""
    lag_months: Months = 0
    """Y: months between the end of the average and the start of the period priced."""
    reset_months: Literal[1, 2, 3, 4, 6, 12] = 1
    """Z: months a price holds (periods start in January)."""


class Differential(_Formula):
    """The benchmark plus a dated differential, in the benchmark's unit."""

    formula: Literal["differential"]
    """``"differential"``."""
    benchmark: Id
    """Id of the benchmark (a key of ``prices``)."""
    offsets: Annotated[list[Offset], Field(min_length=1)]
    """Differentials in date order; each holds until the next."""


class Fixed(_Formula):
    """A base price escalating by a fixed yearly rate."""

    formula: Literal["fixed"]
    """``"fixed"``."""
    base: Annotated[float, Field(ge=0.0, le=1e6)]
    """Price in ``base_year``."""
    base_year: Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
    """Year of ``base``."""
    escalation: Annotated[float, Field(ge=-0.5, le=1.0)] = 0.0
    """Yearly growth (0.02: 2% a year)."""


Price = Annotated[
    Annotated[OilIndexed, Tag("oil_indexed")]
    | Annotated[Differential, Tag("differential")]
    | Annotated[Fixed, Tag("fixed")],
    Discriminator(
        tag_of("formula"),
        custom_error_type="price_formula",
        custom_error_message="needs 'formula', one of oil_indexed, differential, fixed",
    ),
]
"""A contract price: one of the formulas above, chosen by its ``formula`` key."""


class TransitFee(Model):
    """A fee a transit country charges per unit of a route's volume."""

    country: str
    """The country charging it (one of the route's ``transit_countries``)."""
    value: Annotated[float, Field(ge=0.0, le=1e4)]
    """Fee per unit of volume, in ``unit``."""
    unit: str
    """USD/kcm for gas, USD/t or USD/bbl for crude."""
    cite: Cite
    """Where the tariff comes from."""


def price_problems(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with the prices of ``scenario``: an unknown benchmark (of a route or
    of a differential benchmark), a unit the route's commodity cannot have, a
    differential in another unit than its benchmark, offsets out of date order, a fee by
    a country the route does not cross."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for bid, quoted in scenario.prices.items():
        if quoted.relative_to is None:
            if quoted.path is None or quoted.offsets is not None:
                problems.append(
                    (("prices", bid), "a benchmark has a 'path', or 'relative_to' another "
                     "benchmark and 'offsets'")
                )  # fmt: skip
            continue
        if quoted.path is not None or not quoted.offsets:
            problems.append(
                (("prices", bid), "a differential benchmark has 'offsets' (at least one) and "
                 "no 'path'")
            )  # fmt: skip
        elif [o.from_ for o in quoted.offsets] != sorted(o.from_ for o in quoted.offsets):
            problems.append((("prices", bid, "offsets"), "must be in date order"))
        at: tuple[str | int, ...] = ("prices", bid, "relative_to")
        base = scenario.prices.get(quoted.relative_to)
        if base is None:
            problems.append(
                (at, f"unknown benchmark '{quoted.relative_to}'"
                 + did_you_mean(quoted.relative_to, [b for b in scenario.prices if b != bid]))
            )  # fmt: skip
        elif base.relative_to is not None or quoted.relative_to == bid:
            problems.append((at, "must name a benchmark quoted in its own right"))
        elif base.unit != quoted.unit:
            problems.append((at, f"must be in the same unit, {base.unit} (got {quoted.unit})"))
        if quoted.uncertainty is not None:
            problems.append(
                (("prices", bid, "uncertainty"), "a differential benchmark is drawn with the "
                 "benchmark it is relative to; give that one the uncertainty")
            )  # fmt: skip
    for rid, route in scenario.routes.items():
        units = PRICE_UNITS[route.commodity]
        price = route.price
        if price is not None:
            where: tuple[str | int, ...] = ("routes", rid, "price")
            if price.unit not in units:
                problems.append(
                    ((*where, "unit"), f"a {route.commodity} price is in "
                     f"{' or '.join(units)} (got {price.unit!r})")
                )  # fmt: skip
            if isinstance(price, OilIndexed | Differential):
                benchmark = scenario.prices.get(price.benchmark)
                if benchmark is None:
                    problems.append(
                        ((*where, "benchmark"), f"unknown benchmark '{price.benchmark}'"
                         + did_you_mean(price.benchmark, list(scenario.prices)))
                    )  # fmt: skip
                elif isinstance(price, Differential) and benchmark.unit != price.unit:
                    problems.append(
                        ((*where, "unit"), f"a differential is in its benchmark's unit, "
                         f"{benchmark.unit} (got {price.unit!r})")
                    )  # fmt: skip
            if isinstance(price, Differential):
                days = [o.from_ for o in price.offsets]
                if days != sorted(days):
                    problems.append(((*where, "offsets"), "must be in date order"))
        for i, fee in enumerate(route.transit_fees):
            where = ("routes", rid, "transit_fees", i)
            if fee.unit not in units:
                problems.append(
                    ((*where, "unit"), f"a {route.commodity} fee is in "
                     f"{' or '.join(units)} (got {fee.unit!r})")
                )  # fmt: skip
            if fee.country not in route.transit_countries:
                problems.append(
                    ((*where, "country"), f"'{fee.country}' is not one of the route's "
                     f"transit_countries" + did_you_mean(fee.country, route.transit_countries))
                )  # fmt: skip
    return problems
