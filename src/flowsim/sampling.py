"""All randomness of a run, drawn once: the realisations engines replay.

Members are drawn in fixed *substreams* of :data:`SUBSTREAM` members:
substream ``s`` (members ``s * SUBSTREAM`` to ``s * SUBSTREAM + SUBSTREAM - 1``)
draws only from child ``s`` of ``numpy.random.SeedSequence(seed)``, so a
member's realisation never depends on chunk size, block size, worker count or
ensemble size. (A *block* is the unit of work handed to a worker,
:mod:`flowsim.ensemble`; a *substream* the unit of random numbers.) Within a
substream the draws come in a fixed order: commissioning delays (routes by id),
forced outages (routes by id), shocks (by id), demand multipliers (gas, then
oil), forced outages of the shared arcs (arcs by id), each for the whole
substream at once. Day indices count from 1 January of
the horizon's first year.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from flowsim.arrays import FloatArray, IntArray
from flowsim.scenario.route import CommissioningDelay, ForcedOutages
from flowsim.scenario.tree import Scenario, Shock
from flowsim.timeline import Calendar
from flowsim.variables import COMMODITIES

__all__ = ["SUBSTREAM", "Events", "Realisations", "element_rng", "sample", "sample_substream"]


SUBSTREAM = 64
"""Members per random-number substream (one child of the seed sequence each)."""


@dataclass(frozen=True)
class Events:
    """Events as parallel arrays of shape (events,).

    ``member`` indexes the realisation's members (0..M-1), ``target`` a route or
    an arc (outages) or a shock (shock occurrences); ``start`` is a day index and
    ``duration`` whole days (>= 1). The events of one (member, target) come in
    the order of their start days (the numba engine relies on it).
    """

    member: IntArray
    target: IntArray
    start: IntArray
    duration: IntArray

    @classmethod
    def empty(cls) -> Events:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none)

    @classmethod
    def concat(cls, pieces: Sequence[Events]) -> Events:
        """All events of ``pieces``, in order."""
        if not pieces:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in pieces]) for f in _EVENT_FIELDS))

    def retarget(self, target: int) -> Events:
        """The same events, all aimed at ``target``."""
        return Events(
            self.member, np.full(len(self), target, dtype=np.int64), self.start, self.duration
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

    def active(self, members: int, days: int, first: int = 0) -> npt.NDArray[np.bool_]:
        """Whether any event is under way on days ``first .. first + days - 1``, shape
        (members, days)."""
        mask = np.zeros((members, days), dtype=bool)
        start = self.start - first
        begin = np.clip(start, 0, days)
        length = np.maximum(np.minimum(start + self.duration, days) - begin, 0)
        total = int(length.sum())
        if total:
            first = self.member * days + begin - (np.cumsum(length) - length)
            mask.flat[np.repeat(first, length) + np.arange(total)] = True
        return mask


_EVENT_FIELDS = ("member", "target", "start", "duration")


@dataclass(frozen=True)
class Realisations:
    """The random draws of some members of an ensemble.

    Attributes
    ----------
    members
        Member numbers, shape (M,).
    routes, shocks, arcs
        Ids indexed by ``Events.target`` and the route axis, sorted.
    delay_days
        Commissioning delay of each route, days, shape (M, routes).
    outages
        Forced outages; ``target`` indexes ``routes``.
    shock_events
        Shock occurrences; ``target`` indexes ``shocks``.
    demand_multiplier
        Yearly demand multipliers, shape (M, years, 2) for (gas, oil).
    arc_outages
        Forced outages of shared arcs; ``target`` indexes ``arcs``.
    """

    members: IntArray
    routes: tuple[str, ...]
    shocks: tuple[str, ...]
    delay_days: IntArray
    outages: Events
    shock_events: Events
    demand_multiplier: FloatArray
    arcs: tuple[str, ...] = ()
    arc_outages: Events = field(default_factory=Events.empty)

    @classmethod
    def concat(cls, parts: Sequence[Realisations]) -> Realisations:
        """Join realisations of disjoint member sets (member indices are renumbered)."""
        offsets = np.cumsum([0, *(len(p.members) for p in parts[:-1])])

        def events(name: str) -> Events:
            pieces = [getattr(p, name) for p in parts]
            shifted = [
                Events(e.member + o, e.target, e.start, e.duration)
                for e, o in zip(pieces, offsets, strict=True)
            ]
            return Events.concat(shifted)

        return cls(
            members=np.concatenate([p.members for p in parts]),
            routes=parts[0].routes,
            shocks=parts[0].shocks,
            delay_days=np.concatenate([p.delay_days for p in parts]),
            outages=events("outages"),
            shock_events=events("shock_events"),
            demand_multiplier=np.concatenate([p.demand_multiplier for p in parts]),
            arcs=parts[0].arcs,
            arc_outages=events("arc_outages"),
        )

    def select(self, index: IntArray) -> Realisations:
        """The members at positions ``index`` (in that order)."""
        position = np.full(len(self.members), -1, dtype=np.int64)
        position[index] = np.arange(len(index))

        def events(e: Events) -> Events:
            keep = position[e.member] >= 0
            return Events(position[e.member[keep]], e.target[keep], e.start[keep], e.duration[keep])

        return Realisations(
            members=self.members[index],
            routes=self.routes,
            shocks=self.shocks,
            delay_days=self.delay_days[index],
            outages=events(self.outages),
            shock_events=events(self.shock_events),
            demand_multiplier=self.demand_multiplier[index],
            arcs=self.arcs,
            arc_outages=events(self.arc_outages),
        )


def _durations(
    rng: np.random.Generator,
    distribution: str,
    mean: float,
    shape: float | None,
    size: int | tuple[int, ...],
) -> IntArray:
    """Random durations with the given mean, rounded up to whole days (>= 1)."""
    if distribution == "exponential":
        raw = rng.exponential(mean, size)
    elif distribution == "lognormal":
        sigma = float(shape or 0.0)
        raw = rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, size)
    elif distribution == "weibull":
        k = float(shape or 1.0)
        raw = mean / math.gamma(1 + 1 / k) * rng.weibull(k, size)
    else:  # pragma: no cover - excluded by the schema
        raise ValueError(distribution)
    return np.maximum(1, np.ceil(np.minimum(raw, 1e9))).astype(np.int64)


def _delays(rng: np.random.Generator, delay: CommissioningDelay, size: int) -> IntArray:
    if delay.distribution == "fixed":
        return np.full(size, delay.days or 0, dtype=np.int64)
    lo, hi = int(delay.min_days or 0), int(delay.max_days or 0)
    if delay.distribution == "uniform":
        return rng.integers(lo, hi + 1, size).astype(np.int64)
    if lo == hi:
        return np.full(size, lo, dtype=np.int64)
    return np.rint(rng.triangular(lo, int(delay.mode_days or 0), hi, size)).astype(np.int64)


def _outages(rng: np.random.Generator, model: ForcedOutages, size: int, days: int) -> Events:
    """Down periods of an alternating renewal process that starts up, for ``size`` members."""
    cycles = max(8, math.ceil(1.2 * days / (model.mtbf_days + model.mttr_days)) + 4)
    pieces: list[Events] = []
    t = np.zeros(size, dtype=np.int64)
    while (t < days).any():
        ups = _durations(rng, model.distribution, model.mtbf_days, model.shape, (size, cycles))
        downs = _durations(rng, model.distribution, model.mttr_days, model.shape, (size, cycles))
        ends = t[:, None] + np.cumsum(ups + downs, axis=1)
        down_starts = ends - downs
        member, which = np.nonzero(down_starts < days)
        pieces.append(Events(member, member * 0, down_starts[member, which], downs[member, which]))
        t = ends[:, -1]
    return Events.concat(pieces)


def _shock(
    rng: np.random.Generator, shock: Shock, eligible: IntArray, size: int, calendar: Calendar
) -> Events:
    """Occurrences of one shock for ``size`` members; ``eligible`` are its possible start days."""
    days = calendar.n_days
    if shock.start is not None:
        happens = np.ones(size, dtype=bool)
        if shock.probability < 1.0:
            happens = rng.random(size) < shock.probability
        member = np.flatnonzero(happens)
        starts = np.full(len(member), calendar.day_of(shock.start), dtype=np.int64)
    else:
        counts = rng.poisson(float(shock.hazard_per_year or 0.0) * calendar.n_years, size)
        member = np.repeat(np.arange(size), counts)
        picks = rng.integers(0, max(len(eligible), 1), len(member))
        starts = eligible[picks] if len(eligible) else np.zeros(0, dtype=np.int64)
        member = member[: len(starts)]
    if shock.duration_days is None:
        durations = days - starts
    elif shock.duration_distribution == "exponential":
        durations = _durations(rng, "exponential", shock.duration_days, None, len(starts))
    else:
        durations = np.full(len(starts), shock.duration_days, dtype=np.int64)
    order = np.lexsort((starts, member))
    return Events(member[order], member[order] * 0, starts[order], durations[order])


def _demand_multipliers(seed: int, substream: int, scenario: Scenario, years: int) -> FloatArray:
    """Yearly demand multipliers, shape (SUBSTREAM, years, commodities)."""
    out = np.ones((SUBSTREAM, years, len(COMMODITIES)))
    for c, commodity in enumerate(COMMODITIES):
        demand = scenario.demand.get(commodity)
        if demand is None or demand.uncertainty is None:
            continue
        u = demand.uncertainty
        rng = element_rng(seed, substream, f"demand:{commodity}")
        innovations = rng.standard_normal((SUBSTREAM, years)) * u.sigma
        z = np.zeros(SUBSTREAM)
        for y in range(years):
            z = u.persistence * z + innovations[:, y]
            out[:, y, c] = np.exp(z)
    return out


def element_rng(seed: int, substream: int, element: str) -> np.random.Generator:
    """The stream of one random element in substream ``substream``: the child of
    ``SeedSequence(seed)`` keyed by ``(substream, crc32(element))``, where ``element``
    names its kind and id (``"delay:altai"``, ``"outages:espo"``, ``"shock:covid"``,
    ``"arc_outages:cagp"``, ``"demand:gas"``)."""
    key = (substream, zlib.crc32(element.encode()))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def sample_substream(scenario: Scenario, substream: int, seed: int) -> Realisations:
    """Draw the members ``substream * SUBSTREAM .. (substream + 1) * SUBSTREAM - 1``."""
    calendar = Calendar.of(scenario.horizon)
    routes = tuple(sorted(scenario.routes))
    shocks = tuple(sorted(scenario.shocks))
    delays = np.zeros((SUBSTREAM, len(routes)), dtype=np.int64)
    for r, rid in enumerate(routes):
        delay = scenario.routes[rid].commissioning_delay
        if delay is not None:
            rng = element_rng(seed, substream, f"delay:{rid}")
            delays[:, r] = _delays(rng, delay, SUBSTREAM)
    outages = []
    for r, rid in enumerate(routes):
        model = scenario.routes[rid].forced_outages
        if model is not None:
            rng = element_rng(seed, substream, f"outages:{rid}")
            outages.append(_outages(rng, model, SUBSTREAM, calendar.n_days).retarget(r))
    occurrences = []
    for k, sid in enumerate(shocks):
        shock = scenario.shocks[sid]
        eligible = np.arange(calendar.n_days, dtype=np.int64)
        if shock.months:
            eligible = eligible[np.isin(calendar.month_index, np.array(shock.months) - 1)]
        rng = element_rng(seed, substream, f"shock:{sid}")
        occurrences.append(_shock(rng, shock, eligible, SUBSTREAM, calendar).retarget(k))
    multipliers = _demand_multipliers(seed, substream, scenario, calendar.n_years)
    arcs = tuple(sorted(scenario.arcs))
    arc_outages = []
    for a, aid in enumerate(arcs):
        model = scenario.arcs[aid].forced_outages
        if model is not None:
            rng = element_rng(seed, substream, f"arc_outages:{aid}")
            arc_outages.append(_outages(rng, model, SUBSTREAM, calendar.n_days).retarget(a))
    return Realisations(
        members=substream * SUBSTREAM + np.arange(SUBSTREAM, dtype=np.int64),
        routes=routes,
        shocks=shocks,
        delay_days=delays,
        outages=Events.concat(outages),
        shock_events=Events.concat(occurrences),
        demand_multiplier=multipliers,
        arcs=arcs,
        arc_outages=Events.concat(arc_outages),
    )


def sample(scenario: Scenario, members: int | Sequence[int] | IntArray, seed: int) -> Realisations:
    """Draw the realisations of ``members`` (a count, or explicit member numbers).

    The draws of member ``m`` are the same whichever other members are drawn.
    """
    ids = np.arange(members) if isinstance(members, int) else np.asarray(members, dtype=np.int64)
    parts = [sample_substream(scenario, int(s), seed) for s in np.unique(ids // SUBSTREAM)]
    whole = Realisations.concat(parts) if len(parts) != 1 else parts[0]
    if np.array_equal(whole.members, ids):  # whole substreams, in order: nothing to pick
        return whole
    return whole.select(np.searchsorted(whole.members, ids))
