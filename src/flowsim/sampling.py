"""All randomness of a run, drawn once: the realisations engines replay.

Members are drawn in fixed *substreams* of :data:`SUBSTREAM` members: substream
``s`` (members ``s * SUBSTREAM`` to ``s * SUBSTREAM + SUBSTREAM - 1``) draws only
from streams keyed by ``s``, so a member's realisation never depends on chunk size,
block size, worker count or ensemble size. (A *block* is the unit of work handed to
a worker, :mod:`flowsim.ensemble`; a *substream* the unit of random numbers.) Within
a substream each random element (a route's commissioning delay, a route's or an
arc's forced outages, a shock, a commodity's demand noise, an uncertain figure)
draws from its own stream, keyed by its kind and id
(:func:`flowsim.streams.element_rng`), for the whole substream at once. So an
element's draws do not depend on which other elements a scenario has: two scenarios
that share an element give it the same numbers, member by member (*common random
numbers*, what a paired comparison needs). Uncertain figures are drawn by
:mod:`flowsim.draws`. Day indices count from 1 January of the horizon's first year.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import special

from flowsim.arrays import FloatArray, IntArray
from flowsim.draws import Design, draw_figures
from flowsim.scenario.route import CommissioningDelay, ForcedOutages
from flowsim.scenario.tree import Scenario, Shock
from flowsim.scenario.uncertain import figures_of
from flowsim.streams import element_rng
from flowsim.timeline import Calendar
from flowsim.variables import COMMODITIES

__all__ = ["SUBSTREAM", "Events", "Realisations", "sample", "sample_substream"]


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
    capacity_factor, production_factor, offtake_factor
        Each route's factor on its capacity, each source's (sorted by id) on its
        production and each route's on its contract's nominations in each year, from the
        uncertain figures, shapes (M, years, routes), (M, years, sources) and (M, years,
        routes); None: 1 throughout (no such figure).
    figures, draws
        Key path of each uncertain figure, and its drawn values, shape (M, years,
        figures) (None: no figure).
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
    capacity_factor: FloatArray | None = None
    production_factor: FloatArray | None = None
    offtake_factor: FloatArray | None = None
    figures: tuple[str, ...] = ()
    draws: FloatArray | None = None

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
            capacity_factor=_joined([p.capacity_factor for p in parts]),
            production_factor=_joined([p.production_factor for p in parts]),
            offtake_factor=_joined([p.offtake_factor for p in parts]),
            figures=parts[0].figures,
            draws=_joined([p.draws for p in parts]),
        )

    def select(self, index: IntArray) -> Realisations:
        """The members at positions ``index`` (in that order; a position may repeat)."""
        index = np.asarray(index, dtype=np.int64)

        def events(e: Events) -> Events:
            order = np.argsort(e.member, kind="stable")  # each member's events together
            counts = np.bincount(e.member, minlength=len(self.members))
            first = np.cumsum(counts) - counts
            taken = counts[index]
            total = int(taken.sum())
            within = np.arange(total) - np.repeat(np.cumsum(taken) - taken, taken)
            pick = order[np.repeat(first[index], taken) + within]
            member = np.repeat(np.arange(len(index), dtype=np.int64), taken)
            return Events(member, e.target[pick], e.start[pick], e.duration[pick])

        def rows(a: FloatArray | None) -> FloatArray | None:
            return None if a is None else a[index]

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
            capacity_factor=rows(self.capacity_factor),
            production_factor=rows(self.production_factor),
            offtake_factor=rows(self.offtake_factor),
            figures=self.figures,
            draws=rows(self.draws),
        )


def _joined(arrays: Sequence[FloatArray | None]) -> FloatArray | None:
    """``arrays`` joined along the member axis (None if the first is None: all are)."""
    if arrays[0] is None:
        return None
    return np.concatenate([a for a in arrays if a is not None])


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


def sample(
    scenario: Scenario,
    members: int | Sequence[int] | IntArray,
    seed: int,
    design: Design | None = None,
) -> Realisations:
    """Draw the realisations of ``members`` (a count, or explicit member numbers, which
    may repeat), with the uncertain figures' values chosen by ``design`` (default: at
    random).

    The draws of member ``m`` are the same whichever other members are drawn.
    """
    ids = np.arange(members) if isinstance(members, int) else np.asarray(members, dtype=np.int64)
    parts = [sample_substream(scenario, int(s), seed) for s in np.unique(ids // SUBSTREAM)]
    whole = Realisations.concat(parts) if len(parts) != 1 else parts[0]
    if not np.array_equal(whole.members, ids):  # not whole substreams in order: pick
        whole = whole.select(np.searchsorted(whole.members, ids))
    if design is not None and any(name.startswith("shocks.") for name in design.given):
        whole = _with_given_shocks(scenario, whole, design)
    if not figures_of(scenario):
        return whole
    return _with_figures(scenario, whole, seed, design or Design(size=int(ids.max()) + 1))


def _with_given_shocks(scenario: Scenario, real: Realisations, design: Design) -> Realisations:
    """``real`` with the fixed-date shocks named in ``design.given`` (``shocks.ID``)
    happening where the normal score's probability is below the shock's."""
    calendar = Calendar.of(scenario.horizon)
    events = real.shock_events
    for name, scores in design.given.items():
        if not name.startswith("shocks."):
            continue
        sid = name.removeprefix("shocks.")
        shock, k = scenario.shocks[sid], real.shocks.index(sid)
        assert shock.start is not None  # only fixed-date shocks are inputs
        member = np.flatnonzero(special.ndtr(np.asarray(scores)) < shock.probability)
        start = calendar.day_of(shock.start)
        length = calendar.n_days - start if shock.duration_days is None else shock.duration_days
        keep = events.target != k
        events = Events.concat(
            [
                Events(events.member[keep], events.target[keep], events.start[keep],
                       events.duration[keep]),
                Events(member, np.full(len(member), k), np.full(len(member), start),
                       np.full(len(member), length)),
            ]
        )  # fmt: skip
    return dataclasses.replace(real, shock_events=events)


def _with_figures(
    scenario: Scenario, real: Realisations, seed: int, design: Design
) -> Realisations:
    """``real`` with the uncertain figures' draws and the factors they make."""
    years = real.demand_multiplier.shape[1]
    drawn = draw_figures(scenario, real.members, seed, years, SUBSTREAM, design)
    routes, sources = real.routes, tuple(sorted(scenario.sources))
    m = len(real.members)
    capacity = np.ones((m, years, len(routes)))
    offtake = np.ones((m, years, len(routes)))
    production = np.ones((m, years, len(sources)))
    multiplier = real.demand_multiplier.copy()
    for i, name in enumerate(drawn.names):
        table, key, field = name.split(".")
        values = drawn.values[:, :, i]
        if field == "offtake_factor":
            offtake[:, :, routes.index(key)] = values
        elif table == "routes":
            capacity[:, :, routes.index(key)] = values
        elif table == "sources":
            production[:, :, sources.index(key)] = values
        else:
            multiplier[:, :, COMMODITIES.index(key)] *= values
    return dataclasses.replace(
        real,
        demand_multiplier=multiplier,
        capacity_factor=capacity if (capacity != 1.0).any() else None,
        production_factor=production if (production != 1.0).any() else None,
        offtake_factor=offtake if (offtake != 1.0).any() else None,
        figures=drawn.names,
        draws=drawn.values,
    )
