"""The scenario tree: typed, frozen pydantic models of docs/model.md, "Scenario objects".

Every model forbids unknown keys and is immutable once validated. Units live in
field names (``duration_days``, ``hazard_per_year``); annual rates in schedules
are in the commodity's annual unit per year (bcm/yr for gas, Mt/yr for oil).
Every table that holds a real-world figure has a ``cite`` that says where the
figure comes from (see :data:`~flowsim.scenario.fields.CITE_KINDS`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from flowsim.errors import did_you_mean
from flowsim.scenario.arc import Arc
from flowsim.scenario.fields import (
    MAX_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    Cite,
    Commodity,
    Day,
    Fraction,
    Id,
    LocatedProblems,
    Model,
    NonNegative,
)
from flowsim.scenario.network import network_problems
from flowsim.scenario.prices import Benchmark, price_problems
from flowsim.scenario.route import Route
from flowsim.scenario.schedules import Schedule
from flowsim.scenario.storage import Storage
from flowsim.scenario.uncertain import Driver, Uncertain, figure_problems

__all__ = [
    "Arc",
    "Balancing",
    "Demand",
    "DemandUncertainty",
    "Horizon",
    "RunSettings",
    "Scenario",
    "Seasonality",
    "Shock",
    "Source",
    "Storage",
]


class Source(Model):
    """A supply basin or field group; routes fed by one source share its production."""

    label: str | None = None
    """Name for tables and figures (default: the source id)."""
    commodity: Commodity
    """What it produces."""
    country: str | None = None
    """Exporting country, for results by exporter (omitted: ``unattributed``)."""
    production: Schedule | None = None
    """Production available for export to China (omitted: never limiting)."""
    production_factor: Uncertain | None = None
    """Uncertain factor on the production schedule, drawn per member or per year: the
    exporter delivering more or less than planned (omitted: 1)."""
    notes: str = ""
    """Free text for readers of the file."""


# --- demand, balancing, shocks ---------------------------------------------


class Seasonality(Model):
    """Monthly profile of demand, rescaled each year so the annual total is unchanged."""

    monthly_weights: Annotated[
        list[Annotated[float, Field(gt=0.0, le=1e6)]], Field(min_length=12, max_length=12)
    ]
    """Twelve relative weights, January to December (any scale)."""
    cite: Cite
    """Where the profile comes from."""


class DemandUncertainty(Model):
    """Yearly demand multipliers: the log multiplier is an AR(1) process around 0.

    ``z[y] = persistence * z[y-1] + sigma * e[y]`` with standard normal ``e``;
    the multiplier is ``exp(z[y])``.
    """

    sigma: NonNegative
    """Standard deviation of the yearly log-multiplier innovation."""
    persistence: Fraction = 0.0
    """AR(1) coefficient: 0 = independent years, 1 = a random walk."""
    cite: Cite
    """Where the uncertainty figures come from."""


class Demand(Model):
    """China's import requirement for one commodity, served by the routes and balancing supply.

    Give the requirement itself (``annual``), or China's consumption and domestic
    production, whose difference it then is; consumption alone (with ``annual``)
    gives each route's share of consumption, production the security-of-supply
    metrics' domestic supply.
    """

    annual: Schedule | None = None
    """Annual import requirement: bcm/yr for gas, Mt/yr for oil (omitted: consumption less
    production, at least 0)."""
    consumption: Schedule | None = None
    """China's total consumption (omitted: shares of consumption are not reported)."""
    production: Schedule | None = None
    """China's domestic production (omitted: taken as 0 in the N-1 formula)."""
    seasonality: Seasonality | None = None
    """Monthly profile (omitted: flat)."""
    uncertainty: DemandUncertainty | None = None
    """Random yearly multipliers (omitted: deterministic)."""
    level_factor: Uncertain | None = None
    """Uncertain factor on the whole requirement, drawn per member or per year, on top of
    ``uncertainty`` (omitted: 1)."""

    @model_validator(mode="after")
    def _requirement_given(self) -> Demand:
        if self.annual is None and (self.consumption is None or self.production is None):
            raise PydanticCustomError(
                "demand_requirement",
                "needs 'annual', or both 'consumption' and 'production' (imports = their "
                "difference)",
            )
        return self


class Balancing(Model):
    """What covers demand the routes do not (LNG spot cargoes, seaborne crude)."""

    label: str
    """What the balancing supply is, for tables and figures."""
    cap: Schedule | None = None
    """Most it can supply, annual rate (omitted: unlimited); demand beyond it is unmet."""


class Shock(Model):
    """A scenario-level event that derates routes, the routes of transit countries, or sources.

    It happens on a fixed ``start`` day (with ``probability``) or at random with
    ``hazard_per_year``.
    """

    label: str | None = None
    """Name for tables and figures (default: the shock id)."""
    routes: list[Id] = []
    """Ids of routes hit."""
    arcs: list[Id] = []
    """Ids of shared arcs hit (every route through them feels it)."""
    transit_countries: list[str] = []
    """Every route crossing one of these countries is hit."""
    sources: list[Id] = []
    """Ids of sources whose production is hit."""
    start: Day | None = None
    """Fixed first day of the shock."""
    probability: Fraction = 1.0
    """Chance that a fixed-date shock happens at all in a member."""
    hazard_per_year: Annotated[float, Field(ge=0.0, le=365.0)] | None = None
    """Mean number of random occurrences per year (Poisson, at most one a day on average),
    instead of ``start``."""
    months: list[Annotated[int, Field(ge=1, le=12)]] = []
    """Random occurrences start only in these months (default: any month)."""
    duration_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    """Length in days (mean if exponential); omitted with ``start``: to the horizon's end."""
    duration_distribution: Literal["fixed", "exponential"] = "fixed"
    """Whether each occurrence lasts exactly ``duration_days`` or a random time with that mean."""
    derate_fraction: Fraction = 1.0
    """Share of capacity (or production) lost while it lasts (1.0 = closed)."""
    cite: Cite
    """Where the event and its figures come from."""

    @model_validator(mode="after")
    def _consistent(self) -> Shock:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if (self.start is None) == (self.hazard_per_year is None):
            problems.append(
                ((), "needs exactly one of 'start' (a fixed date) or 'hazard_per_year'")
            )
        if not (self.routes or self.arcs or self.transit_countries or self.sources):
            problems.append(
                ((), "hits nothing: give 'routes', 'arcs', 'transit_countries' or 'sources'")
            )
        if self.hazard_per_year is not None and self.duration_days is None:
            problems.append((("duration_days",), "required with 'hazard_per_year'"))
        if self.start is not None and self.months:
            problems.append((("months",), "only used with 'hazard_per_year'"))
        if self.start is None and self.probability != 1.0:
            problems.append((("probability",), "only used with a fixed 'start'"))
        if self.duration_days is None and self.duration_distribution != "fixed":
            problems.append((("duration_distribution",), "needs 'duration_days' as its mean"))
        if problems:
            raise LocatedProblems(problems)
        return self


# --- the whole scenario ----------------------------------------------------


class Horizon(Model):
    """The calendar years simulated, inclusive."""

    start_year: Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
    """First simulated year (from 1 January)."""
    end_year: Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
    """Last simulated year (to 31 December)."""

    @field_validator("end_year")
    @classmethod
    def _not_before_start(cls, end: int, info: Any) -> int:
        start = info.data.get("start_year")
        if start is not None and end < start:
            raise PydanticCustomError(
                "horizon_order",
                "must be >= start_year {start} (got {got})",
                {"start": start, "got": end},
            )
        return end

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.start_year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.end_year, 12, 31)


class RunSettings(Model):
    """Defaults for ``flowsim run``; the command line can override them."""

    members: Annotated[int, Field(ge=1, le=10_000_000)] = 1
    """Ensemble members (1 = one deterministic member when nothing is random)."""
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    """Seed of the ensemble's random numbers; same seed, same results."""
    sampling: Literal["random", "lhs"] = "random"
    """How members draw the uncertain figures: independently at random, or by Latin
    hypercube (each figure's draws spread over equal-probability strata)."""


class Scenario(Model):
    """A complete, validated scenario: what ``flowsim run`` simulates."""

    name: Annotated[str, Field(min_length=1)] = "scenario"
    """Scenario name for results and output folders (default: the file name)."""
    description: str = ""
    """What question the scenario answers."""
    horizon: Horizon
    """Years simulated."""
    run: RunSettings = RunSettings()
    """Ensemble size and seed."""
    sources: dict[Id, Source]
    """Supply sources by id."""
    arcs: dict[Id, Arc] = {}
    """Shared arcs of the network by id (``[arcs.espo1_trunk]``)."""
    routes: Annotated[dict[Id, Route], Field(min_length=1)]
    """Routes by id (``[routes.power_of_siberia]``)."""
    demand: dict[Commodity, Demand] = {}
    """China's import demand per commodity (omitted commodity: routes run unconstrained)."""
    balancing: dict[Commodity, Balancing] = {}
    """Balancing supply per commodity (omitted commodity: none, all shortfall is unmet)."""
    storage: dict[Commodity, Storage] = {}
    """Storage pool per commodity (omitted commodity: none)."""
    shocks: dict[Id, Shock] = {}
    """Scenario-level shocks by id."""
    drivers: dict[Id, Driver] = {}
    """Shared causes of uncertain figures by id (``[drivers.cold_winter]``)."""
    prices: dict[Id, Benchmark] = {}
    """Benchmark price paths by id (``[prices.brent]``), for routes' contract prices."""

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        first, last = self.horizon.first_day, self.horizon.last_day
        in_horizon = f"must fall in the horizon {first.isoformat()}..{last.isoformat()}"
        for rid, route in self.routes.items():
            if route.cargoes is not None and route.kind != "seaborne":
                problems.append((("routes", rid, "cargoes"), "only a seaborne route has cargoes"))
            source = self.sources.get(route.source)
            if source is None:
                problems.append(
                    (
                        ("routes", rid, "source"),
                        f"unknown source '{route.source}'"
                        + did_you_mean(route.source, list(self.sources)),
                    )
                )
            elif source.commodity != route.commodity:
                problems.append(
                    (
                        ("routes", rid, "source"),
                        f"source '{route.source}' produces {source.commodity} "
                        f"but the route carries {route.commodity}",
                    )
                )
        problems += network_problems(self)
        problems += figure_problems(self)
        problems += price_problems(self)
        for commodity in self.storage:
            if commodity not in self.demand:
                problems.append(
                    (
                        ("storage", commodity),
                        f"needs a [demand.{commodity}] block: storage serves demand",
                    )
                )
        countries = {c for route in self.routes.values() for c in route.transit_countries}
        for sid, shock in self.shocks.items():
            if shock.start is not None and not first <= shock.start <= last:
                problems.append((("shocks", sid, "start"), f"{in_horizon} (got {shock.start})"))
            targets = (("routes", self.routes), ("arcs", self.arcs), ("sources", self.sources))
            for key, known in targets:
                for i, target in enumerate(getattr(shock, key)):
                    if target not in known:
                        problems.append(
                            (
                                ("shocks", sid, key, i),
                                f"unknown {key[:-1]} '{target}'"
                                + did_you_mean(target, list(known)),
                            )
                        )
            for i, target in enumerate(shock.sources):
                source = self.sources.get(target)
                if source is not None and source.production is None:
                    problems.append(
                        (
                            ("shocks", sid, "sources", i),
                            f"source '{target}' has no production schedule for the shock to derate",
                        )
                    )
            for i, country in enumerate(shock.transit_countries):
                if country not in countries:
                    problems.append(
                        (
                            ("shocks", sid, "transit_countries", i),
                            f"no route crosses '{country}'"
                            + did_you_mean(country, sorted(countries)),
                        )
                    )
        if problems:
            raise LocatedProblems(problems)
        return self

    def to_toml(self) -> str:
        """The resolved scenario as TOML (unset optional keys left out); loads back equal."""
        return tomli_w.dumps(self.model_dump(by_alias=True, exclude_none=True))

    def digest(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal scenarios, equal digests.

        Stable across runs, machines and key order in the file; any changed
        figure or cite changes it.
        """
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def routes_of(self, commodity: Commodity) -> list[str]:
        """Route ids carrying ``commodity`` in dispatch order (priority, then id)."""
        return sorted(
            (rid for rid, r in self.routes.items() if r.commodity == commodity),
            key=lambda rid: (self.routes[rid].priority, rid),
        )

    def shock_routes(self, shock_id: str) -> list[str]:
        """Route ids hit by a shock, directly or through a transit country, sorted."""
        shock = self.shocks[shock_id]
        hit = set(shock.routes)
        hit |= {
            rid
            for rid, r in self.routes.items()
            if set(r.transit_countries) & set(shock.transit_countries)
        }
        return sorted(hit)
