"""A route and what shapes its flow: contract, maintenance, forced outages, delays, cargoes.

Part of the scenario tree (:mod:`flowsim.scenario.tree`); see docs/model.md,
"Scenario objects".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from flowsim.scenario.fields import (
    MAX_DAYS,
    Cite,
    Commodity,
    Day,
    Fraction,
    Id,
    Model,
)
from flowsim.scenario.prices import Price, TransitFee
from flowsim.scenario.schedules import Schedule, Step
from flowsim.scenario.uncertain import Uncertain

__all__ = [
    "Cargoes",
    "CommissioningDelay",
    "Contract",
    "ForcedOutages",
    "Maintenance",
    "Route",
    "Season",
]


class Contract(Model):
    """A supply contract on a route; the route never flows more than it allows on a day."""

    acq: Schedule
    """Annual contract quantity (ACQ): bcm/yr for gas, Mt/yr for oil."""
    min_take_fraction: Fraction = 0.0
    """Take-or-pay floor as a fraction of ACQ (0.85 = buyer pays for 85% of ACQ)."""
    daily_flexibility: Annotated[float, Field(ge=1.0)] = 1.0
    """Most the buyer may take on one day, as a multiple of the daily contract quantity."""
    spread_over: Literal["calendar_days", "operating_days"] = "calendar_days"
    """How the ACQ becomes a daily contract quantity: ACQ / the days of the year
    (``calendar_days``), or ACQ / the year's planned operating days (``operating_days``:
    days weighted by what planned maintenance leaves), so that planned stops do not lose
    contract volume."""
    year_start_month: Annotated[int, Field(ge=1, le=12)] = 1
    """Month the contract year starts in (1 = the calendar year; 7 = July to June): the
    take-or-pay account is kept per contract year."""
    make_up_fraction: Fraction = 0.0
    """Most volume paid for but not taken that the buyer may take back in a later contract
    year, as a fraction of that year's ACQ (0 = no make-up right)."""
    make_up_years: Annotated[int, Field(ge=1)] | None = None
    """Contract years a paid-not-taken volume stays recoverable after the year it was paid
    in (None: to the end of the horizon)."""
    cite: Cite
    """Where the contract terms (take-or-pay floor, flexibility, make-up) come from."""


class Maintenance(Model):
    """A planned maintenance window, once or repeated every few years on the same date."""

    start: Day
    """First day of the (first) window."""
    duration_days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    """Length of each window in whole days."""
    derate_fraction: Fraction = 1.0
    """Share of capacity lost during the window (1.0 = full stop)."""
    every_years: Annotated[int, Field(ge=1)] | None = None
    """Repeat the window every this many years on the same calendar day."""
    until: Day | None = None
    """No repeat starts after this day (default: repeat to the end of the horizon)."""
    cite: Cite
    """Where the dates and durations come from."""

    @model_validator(mode="after")
    def _until_needs_repeat(self) -> Maintenance:
        if self.until is not None and self.every_years is None:
            raise PydanticCustomError("until_without_repeat", "'until' needs 'every_years'")
        if self.until is not None and self.until < self.start:
            raise PydanticCustomError(
                "until_order",
                "'until' ({until}) is before 'start' ({start})",
                {"until": self.until.isoformat(), "start": self.start.isoformat()},
            )
        return self


class ForcedOutages(Model):
    """Random unplanned outages: an alternating renewal process of up- and down-times.

    Each up-time and each down-time is drawn from ``distribution`` with the given
    mean and rounded up to whole days.
    """

    mtbf_days: Annotated[float, Field(ge=1.0, le=MAX_DAYS)]
    """Mean time between failures (mean up-time), days (at least one: times are whole days)."""
    mttr_days: Annotated[float, Field(ge=1.0, le=MAX_DAYS)]
    """Mean time to repair (mean down-time), days (at least one: times are whole days)."""
    distribution: Literal["exponential", "lognormal", "weibull"] = "exponential"
    """Distribution of up- and down-times."""
    shape: Annotated[float, Field(gt=0.0)] | None = None
    """Lognormal: sigma of the log; Weibull: shape k. Not used by exponential."""
    derate_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    """Share of capacity lost while down (1.0 = full stop)."""
    cite: Cite
    """Where the failure and repair figures come from."""

    @model_validator(mode="after")
    def _shape_fits(self) -> ForcedOutages:
        if self.distribution == "exponential" and self.shape is not None:
            raise PydanticCustomError("shape_unused", "'shape' is not used by an exponential")
        if self.distribution != "exponential" and self.shape is None:
            raise PydanticCustomError(
                "shape_missing", "a {dist} needs 'shape'", {"dist": self.distribution}
            )
        return self


class CommissioningDelay(Model):
    """How late a route's capacity schedule starts, drawn once per member in whole days.

    ``fixed`` uses ``days``; ``uniform`` draws from ``min_days``..``max_days``;
    ``triangular`` adds ``mode_days``.
    """

    distribution: Literal["fixed", "uniform", "triangular"]
    """How the delay is drawn."""
    days: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    """The delay of a ``fixed`` distribution, days."""
    min_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    """Shortest delay, days."""
    mode_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    """Most likely delay of a ``triangular`` distribution, days."""
    max_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    """Longest delay, days."""
    cite: Cite
    """Where the delay figures come from."""

    @model_validator(mode="after")
    def _fields_fit(self) -> CommissioningDelay:
        needs = {
            "fixed": ("days",),
            "uniform": ("min_days", "max_days"),
            "triangular": ("min_days", "mode_days", "max_days"),
        }[self.distribution]
        given = {
            k for k in ("days", "min_days", "mode_days", "max_days") if getattr(self, k) is not None
        }
        missing = [k for k in needs if k not in given]
        extra = sorted(given - set(needs))
        if missing or extra:
            parts = []
            if missing:
                parts.append("needs " + ", ".join(f"'{k}'" for k in missing))
            if extra:
                parts.append("does not use " + ", ".join(f"'{k}'" for k in extra))
            raise PydanticCustomError(
                "delay_fields",
                "a {dist} delay {parts}",
                {"dist": self.distribution, "parts": " and ".join(parts)},
            )
        lo, mid, hi = self.min_days, self.mode_days, self.max_days
        if lo is not None and hi is not None and not (lo <= (mid if mid is not None else lo) <= hi):
            raise PydanticCustomError(
                "delay_order",
                "needs min_days <= mode_days <= max_days (got {got})",
                {"got": ", ".join(str(v) for v in (lo, mid, hi) if v is not None)},
            )
        return self


class Season(Model):
    """Months in which a cargo leaving port sails a voyage of its own length (an Arctic
    route open in summer, say)."""

    months: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=1)]
    """Months of departure (1-12) the season covers."""
    voyage_days: Annotated[int, Field(ge=1)]
    """Days from the loading port to China for a cargo leaving in these months."""
    cite: Cite
    """Where the season and its voyage time come from."""


class Cargoes(Model):
    """How a seaborne route moves its volume in the DES engine (the core flows continuously).

    The day's flow fills a cargo at the loading port; each full cargo takes a
    free berth for ``loading_days``, sails ``voyage_days`` and lands at the
    receiving terminal, which serves demand from what has landed. Loading is not
    held back by the day's demand.
    """

    size: Annotated[float, Field(gt=0.0)]
    """Volume of one cargo: bcm (gas, as regasified) or Mt (crude)."""
    loading_days: Annotated[int, Field(ge=1)] = 1
    """Days a cargo occupies a berth."""
    voyage_days: Annotated[int, Field(ge=1)]
    """Days from the loading port to China (outside every season)."""
    seasons: list[Season] = []
    """Voyage times by month of departure: a cargo leaving in a month a season lists sails
    that season's ``voyage_days`` (omitted: every cargo sails ``voyage_days``)."""
    berths: Annotated[int, Field(ge=1)] | None = None
    """Loading berths (omitted: never a queue)."""
    cite: Cite
    """Where the cargo size, berths and voyage come from."""

    @model_validator(mode="after")
    def _seasons_apart(self) -> Cargoes:
        seen: set[int] = set()
        for season in self.seasons:
            twice = sorted(seen & set(season.months))
            if twice:
                raise PydanticCustomError(
                    "season_overlap",
                    "a month may be in one season only (in more than one: {months})",
                    {"months": ", ".join(str(m) for m in twice)},
                )
            seen |= set(season.months)
        return self

    def voyage_days_leaving_in(self, month: int) -> int:
        """Voyage time of a cargo leaving port in ``month`` (1-12), days."""
        for season in self.seasons:
            if month in season.months:
                return season.voyage_days
        return self.voyage_days


class Route(Model):
    """A pipeline or sea lane carrying one commodity from one source into China, over its
    own stretch and any shared arcs."""

    label: str | None = None
    """Name for tables and figures (default: the route id)."""
    commodity: Commodity
    """What the route carries."""
    source: Id
    """Id of the supply source that feeds it (a key of ``sources``)."""
    kind: Literal["pipeline", "seaborne"] = "pipeline"
    """Pipeline or sea lane."""
    transit_countries: list[str] = []
    """Countries crossed between the source and China (shocks can target them)."""
    arcs: list[Id] = []
    """Shared arcs the route runs over, upstream first (ids of ``arcs``; omitted: none,
    the route's own capacity is its whole path)."""
    capacity: Schedule
    """Technical capacity of the route's own stretch: bcm/yr for gas, Mt/yr for oil."""
    china_share: Schedule | None = None
    """Share of what arrives that goes to China (0..1; omitted: all of it), for a lane that
    also serves other buyers, who take what China does not. Like every schedule it is 0
    before its first entry."""
    contract: Contract | None = None
    """Supply contract limiting daily flow (omitted: no contract limit)."""
    priority: Annotated[int, Field(ge=0)] = 0
    """Dispatch order within the commodity: lower goes first; ties go by route id."""
    own_use_loss_fraction: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Share of entry flow used or lost on the way (fuel gas, line pack, losses)."""
    maintenance: list[Maintenance] = []
    """Planned maintenance windows."""
    forced_outages: ForcedOutages | None = None
    """Unplanned outage model (omitted: none)."""
    commissioning_delay: CommissioningDelay | None = None
    """Random or fixed delay of the whole capacity schedule (omitted: on time)."""
    capacity_factor: Uncertain | None = None
    """Uncertain factor on the capacity schedule, drawn per member or per year: the line
    running above (> 1) or below (< 1) its schedule (omitted: 1)."""
    price: Price | None = None
    """The contract price of what the route delivers (omitted: no value is computed)."""
    transit_fees: list[TransitFee] = []
    """Fees transit countries charge per unit of the route's volume."""
    offtake_factor: Uncertain | None = None
    """Uncertain share of its contract the buyer nominates, drawn per member or per year:
    the contract's daily limit and the quantity the seller must make available are both
    scaled, so a cut below the take-or-pay floor is paid for (omitted: 1; needs a
    contract)."""
    cargoes: Cargoes | None = None
    """Seaborne only: move the volume as cargoes in the DES engine (omitted: continuous)."""
    cite: Cite
    """Where the route's own figures (kind, transit, loss, priority) come from."""
    notes: str = ""
    """Free text for readers of the file."""

    @model_validator(mode="after")
    def _delay_has_a_start(self) -> Route:
        first = self.capacity[0] if self.capacity else None
        if self.commissioning_delay is not None and isinstance(first, Step) and first.from_ is None:
            raise PydanticCustomError(
                "delay_without_start",
                "a commissioning_delay needs a capacity that starts on a date: give its "
                "first entry a 'from' (a capacity without one has no start to delay)",
            )
        return self
