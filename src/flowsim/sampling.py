"""All randomness of a run, drawn once per member: the realisations engines replay.

Member ``m`` draws only from child ``m`` of ``numpy.random.SeedSequence(seed)``
(built directly as ``SeedSequence(seed, spawn_key=(m,))``), so its realisation
never depends on chunk size, worker count or ensemble size. Within a member the
draws come in a fixed order: commissioning delays (routes by id), forced
outages (routes by id), shocks (by id), demand multipliers (gas, then oil).
Day indices count from 1 January of the horizon's first year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowsim.calendar import Calendar
from flowsim.scenario.schema import (
    CommissioningDelay,
    Commodity,
    ForcedOutages,
    Scenario,
    Shock,
)

__all__ = ["COMMODITIES", "Events", "Realisations", "sample"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

COMMODITIES: tuple[Commodity, ...] = ("gas", "oil")


@dataclass(frozen=True)
class Events:
    """Events as parallel arrays of shape (events,).

    ``member`` indexes the realisation's members (0..M-1), ``target`` a route
    (outages) or a shock (shock occurrences); ``start`` is a day index and
    ``duration`` whole days (>= 1).
    """

    member: IntArray
    target: IntArray
    start: IntArray
    duration: IntArray

    @classmethod
    def collect(cls, rows: list[tuple[int, int, IntArray, IntArray]]) -> Events:
        """Build from (member, target, starts, durations) groups."""
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, empty)
        sizes = [len(starts) for _, _, starts, _ in rows]
        return cls(
            member=np.repeat([m for m, _, _, _ in rows], sizes).astype(np.int64),
            target=np.repeat([t for _, t, _, _ in rows], sizes).astype(np.int64),
            start=np.concatenate([s for _, _, s, _ in rows]).astype(np.int64),
            duration=np.concatenate([d for _, _, _, d in rows]).astype(np.int64),
        )

    def __len__(self) -> int:
        return len(self.start)

    def of(self, member: int | None = None, target: int | None = None) -> Events:
        """The events of one member and/or one target."""
        keep = np.ones(len(self), dtype=bool)
        if member is not None:
            keep &= self.member == member
        if target is not None:
            keep &= self.target == target
        return Events(self.member[keep], self.target[keep], self.start[keep], self.duration[keep])

    def active(self, members: int, days: int) -> npt.NDArray[np.bool_]:
        """Whether any event is under way, shape (members, days)."""
        mask = np.zeros((members, days), dtype=bool)
        begin = np.clip(self.start, 0, days)
        length = np.maximum(np.minimum(self.start + self.duration, days) - begin, 0)
        total = int(length.sum())
        if total:
            first = self.member * days + begin - (np.cumsum(length) - length)
            mask.flat[np.repeat(first, length) + np.arange(total)] = True
        return mask


@dataclass(frozen=True)
class Realisations:
    """The random draws of some members of an ensemble.

    Attributes
    ----------
    members
        Member numbers, shape (M,).
    routes, shocks
        Ids indexed by ``Events.target`` and the route axis, sorted.
    delay_days
        Commissioning delay of each route, days, shape (M, routes).
    outages
        Forced outages; ``target`` indexes ``routes``.
    shock_events
        Shock occurrences; ``target`` indexes ``shocks``.
    demand_multiplier
        Yearly demand multipliers, shape (M, years, 2) for (gas, oil).
    """

    members: IntArray
    routes: tuple[str, ...]
    shocks: tuple[str, ...]
    delay_days: IntArray
    outages: Events
    shock_events: Events
    demand_multiplier: FloatArray


def _durations(
    rng: np.random.Generator, distribution: str, mean: float, shape: float | None, n: int
) -> IntArray:
    """``n`` random durations with the given mean, rounded up to whole days (>= 1)."""
    if distribution == "exponential":
        raw = rng.exponential(mean, n)
    elif distribution == "lognormal":
        sigma = float(shape or 0.0)
        raw = rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, n)
    elif distribution == "weibull":
        k = float(shape or 1.0)
        raw = mean / math.gamma(1 + 1 / k) * rng.weibull(k, n)
    else:  # pragma: no cover - excluded by the schema
        raise ValueError(distribution)
    return np.maximum(1, np.ceil(np.minimum(raw, 1e9))).astype(np.int64)


def _delay(rng: np.random.Generator, delay: CommissioningDelay) -> int:
    if delay.distribution == "fixed":
        return int(delay.days or 0)
    lo, hi = int(delay.min_days or 0), int(delay.max_days or 0)
    if delay.distribution == "uniform":
        return int(rng.integers(lo, hi + 1))
    mode = int(delay.mode_days or 0)
    return lo if lo == hi else round(float(rng.triangular(lo, mode, hi)))


def _outages(
    rng: np.random.Generator, model: ForcedOutages, days: int
) -> tuple[IntArray, IntArray]:
    """Down periods (starts, durations) of an alternating renewal process that starts up."""
    block = max(8, math.ceil(1.2 * days / (model.mtbf_days + model.mttr_days)) + 4)
    starts: list[IntArray] = []
    durations: list[IntArray] = []
    t = 0
    while t < days:
        ups = _durations(rng, model.distribution, model.mtbf_days, model.shape, block)
        downs = _durations(rng, model.distribution, model.mttr_days, model.shape, block)
        ends = t + np.cumsum(ups + downs)
        down_starts = ends - downs
        keep = down_starts < days
        starts.append(down_starts[keep])
        durations.append(downs[keep])
        t = int(ends[-1])
    return np.concatenate(starts), np.concatenate(durations)


def _shock(rng: np.random.Generator, shock: Shock, calendar: Calendar) -> tuple[IntArray, IntArray]:
    """Occurrences (starts, durations) of one shock in one member."""
    days = calendar.n_days
    if shock.start is not None:
        start = calendar.day_of(shock.start)
        if shock.probability < 1.0 and rng.random() >= shock.probability:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        starts = np.array([start], dtype=np.int64)
    else:
        eligible = np.arange(days, dtype=np.int64)
        if shock.months:
            eligible = eligible[np.isin(calendar.month_index, np.array(shock.months) - 1)]
        count = int(rng.poisson(float(shock.hazard_per_year or 0.0) * calendar.n_years))
        if count == 0 or len(eligible) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        starts = np.sort(eligible[rng.integers(0, len(eligible), count)])
    if shock.duration_days is None:
        durations = days - starts
    elif shock.duration_distribution == "exponential":
        durations = _durations(rng, "exponential", shock.duration_days, None, len(starts))
    else:
        durations = np.full(len(starts), shock.duration_days, dtype=np.int64)
    return starts, durations


def _demand_multipliers(rng: np.random.Generator, scenario: Scenario, years: int) -> FloatArray:
    out = np.ones((years, len(COMMODITIES)))
    for c, commodity in enumerate(COMMODITIES):
        demand = scenario.demand.get(commodity)
        if demand is None or demand.uncertainty is None:
            continue
        u = demand.uncertainty
        innovations = rng.standard_normal(years) * u.sigma
        z = 0.0
        for y in range(years):
            z = u.persistence * z + float(innovations[y])
            out[y, c] = math.exp(z)
    return out


def member_rng(seed: int, member: int) -> np.random.Generator:
    """The generator of member ``member``: child ``member`` of ``SeedSequence(seed)``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(member,))))


def sample(scenario: Scenario, members: int | Sequence[int] | IntArray, seed: int) -> Realisations:
    """Draw the realisations of ``members`` (a count, or explicit member numbers).

    The draws of member ``m`` are the same whichever other members are drawn.
    """
    ids = np.arange(members) if isinstance(members, int) else np.asarray(members)
    ids = ids.astype(np.int64)
    calendar = Calendar.of(scenario.horizon)
    routes = tuple(sorted(scenario.routes))
    shocks = tuple(sorted(scenario.shocks))
    delays = np.zeros((len(ids), len(routes)), dtype=np.int64)
    multipliers = np.ones((len(ids), calendar.n_years, len(COMMODITIES)))
    outage_rows: list[tuple[int, int, IntArray, IntArray]] = []
    shock_rows: list[tuple[int, int, IntArray, IntArray]] = []
    for i, member in enumerate(ids):
        rng = member_rng(seed, int(member))
        for r, rid in enumerate(routes):
            delay = scenario.routes[rid].commissioning_delay
            if delay is not None:
                delays[i, r] = _delay(rng, delay)
        for r, rid in enumerate(routes):
            model = scenario.routes[rid].forced_outages
            if model is not None:
                outage_rows.append((i, r, *_outages(rng, model, calendar.n_days)))
        for s, sid in enumerate(shocks):
            shock_rows.append((i, s, *_shock(rng, scenario.shocks[sid], calendar)))
        multipliers[i] = _demand_multipliers(rng, scenario, calendar.n_years)
    return Realisations(
        members=ids,
        routes=routes,
        shocks=shocks,
        delay_days=delays,
        outages=Events.collect(outage_rows),
        shock_events=Events.collect(shock_rows),
        demand_multiplier=multipliers,
    )
