"""The numpy engine's clearing of one commodity over a window of days.

:mod:`flowsim.engines.core` lays out a window of days (a year) as arrays of
(members, days) and hands each commodity to a :class:`WindowClearing`, which
clears all the window's days at once (docs/model.md, "One day"); a storage
pool's days are settled one after another first (:func:`settle_pool`,
docs/model.md, "Storage"). Its :class:`Books` keep the window's sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from flowsim.arrays import BoolArray, FloatArray
from flowsim.plan import Plan
from flowsim.variables import UNMET_SHARE

from .storage_rule import clear_day, fill_of, room

__all__ = ["Books", "Bounds", "WindowClearing", "settle_pool"]


Bounds = tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]
"""A route's nominal capacity, availability, capacity x availability and contract limit
(None: no contract) over a window, each (M or 1, days)."""


class Books:
    """A window's sums, by (variable, index): each :meth:`add` sums the window's days
    (pairwise, as numpy sums) and :meth:`close` writes the year."""

    def __init__(self, members: int) -> None:
        self.members = members
        self.sums: dict[tuple[str, int], FloatArray] = {}
        self.earlier: dict[tuple[str, int], FloatArray] = {}
        """Sums that belong to the year before (a contract year that began then)."""

    def add(self, name: str, index: int, values: npt.NDArray[Any]) -> None:
        """Add the days of ``values`` (M or 1, days) to ``name[index]``."""
        self._add(self.sums, (name, index), values)

    def add_split(self, name: str, index: int, values: npt.NDArray[Any], start: int) -> None:
        """Add the days of ``values`` (M or 1, days) from ``start`` on to ``name[index]``,
        and those before it to the year before."""
        self._add(self.earlier, (name, index), values[:, :start])
        self._add(self.sums, (name, index), values[:, start:])

    def _add(
        self,
        sums: dict[tuple[str, int], FloatArray],
        key: tuple[str, int],
        values: npt.NDArray[Any],
    ) -> None:
        total = np.broadcast_to(values, (self.members, values.shape[1])).sum(axis=1)
        sums[key] = sums[key] + total if key in sums else total

    def close(self, out: dict[str, FloatArray], y: int, days: int) -> None:
        """Write year ``y`` (and add to year ``y - 1`` what belongs there): day counts as
        they are, volumes as sums over ``days``."""
        for (name, index), total in self.sums.items():
            out[name][:, y, index] = total if name.endswith("_days") else total / days
        if y > 0:
            for (name, index), total in self.earlier.items():
                out[name][:, y - 1, index] += total / days


class WindowClearing:
    """The clearing of one commodity over a window of days (docs/model.md,
    "One day" and "Storage"): dispatch groups over the shared arcs, then storage and
    balancing supply. ``window``: its first day and length; ``bounds``: the routes'
    bounds over it; sources and arcs are drawn down in place."""

    def __init__(
        self,
        plan: Plan,
        c: int,
        window: tuple[int, int],
        books: Books,
        source_left: list[FloatArray | None],
        arc_left: list[FloatArray],
        bounds: dict[int, Bounds],
        offtake: FloatArray | None = None,
    ) -> None:
        self.plan, self.c, self.books = plan, c, books
        self.offtake = offtake
        """Each member's offtake factor on each route's contract in the window's year, (M,
        routes) (the limits in ``bounds`` are already scaled); None: 1."""
        self.first, self.days = window
        self.source_left, self.arc_left, self.bounds = source_left, arc_left, bounds
        first, n = window
        self.reach = {
            r: (1.0 - float(plan.loss[r])) * plan.share[r, first : first + n] for r in bounds
        }
        self.whole = {r: bool((reach == 1.0).all()) for r, reach in self.reach.items()}
        self.paths = {
            r: [(int(e), float(plan.arc_use[r, e])) for e in np.flatnonzero(plan.arc_use[r])]
            for r in bounds
        }
        shape = (books.members, n)
        self.daily: dict[str, dict[int, FloatArray]] = {
            "flow": {r: np.zeros(shape) for r in bounds},
            "delivered": {r: np.zeros(shape) for r in bounds},
            "balancing": {c: np.zeros(shape)},
            "unmet": {c: np.zeros(shape)},
            "storage_injection": {c: np.zeros(shape)},
            "storage_withdrawal": {c: np.zeros(shape)},
        }
        self.probe: FloatArray | None = None
        """While :meth:`deliverable` runs: what the routes deliver, (M, days)."""

    def clear(self, demand: FloatArray | None) -> None:
        """Clear the window's days of a commodity without a storage pool; ``demand`` (M,
        days) or None (no demand block)."""
        need = demand
        for group in self.plan.dispatch_groups[self.c]:
            need = self._group(group, need)
        if demand is None or need is None:
            return
        balancing = np.minimum(
            need, self.plan.balancing[self.c, self.first : self.first + self.days]
        )
        self._settled(demand, {"balancing": balancing, "unmet": need - balancing})

    def clear_with_pool(self, demand: FloatArray, level: FloatArray) -> dict[str, FloatArray]:
        """Clear the window's days of a commodity with a storage pool, from ``level`` (M,) on
        its first morning. The pool's days are run one after another (:func:`settle_pool`)
        against what the routes can deliver with no demand bound, because together they
        deliver ``min(need, that)``; that gives each day's room, and the routes are then
        dispatched at once against demand plus room. The day's rule is applied once more,
        to all days together, to what that dispatch left, so that each day is settled with
        the other engines' operations. Returns the pool's daily arrays (M, days): the flows,
        ``level`` at the end of each day and ``opening`` at its start."""
        c, first, n = self.c, self.first, self.days
        plan, days = self.plan, slice(self.first, self.first + self.days)
        pool = settle_pool(plan, c, (first, n), demand, self.deliverable(), level)
        need: FloatArray | None = demand + pool["offered"]
        for group in plan.dispatch_groups[c]:
            need = self._group(group, need)
        assert need is not None
        settled = clear_day(
            need, pool["offered"], pool["opening"], plan.storage.volume[c, days],
            pool["withdrawal_rate"], plan.storage.floor[c, days], plan.storage.target[c, days],
            pool["injection_rate"], plan.balancing[c, days], n,
            bool(plan.storage.after_balancing[c]),
        )  # fmt: skip
        names = ("storage_injection", "storage_withdrawal", "storage_emergency", "balancing")
        pool |= dict(zip((*names, "unmet", "level"), settled, strict=True))
        self._settled(demand, pool)
        for name in names[:3]:
            self.books.add(name, c, pool[name])
        for name in names[:2]:
            self.daily[name][c][:] = pool[name]
        return pool

    def deliverable(self) -> FloatArray:
        """What the routes would deliver to China on each day of the window with no demand
        bound, (M, days), leaving the sources and arcs as they were."""
        kept = self.source_left, self.arc_left
        self.source_left = [None if left is None else left.copy() for left in kept[0]]
        self.arc_left = [left.copy() for left in kept[1]]
        self.probe = np.zeros((self.books.members, self.days))
        try:
            for group in self.plan.dispatch_groups[self.c]:
                self._group(group, None)
            return self.probe
        finally:
            self.source_left, self.arc_left = kept
            self.probe = None

    def _settled(self, demand: FloatArray, values: dict[str, FloatArray]) -> None:
        """Books and daily values of the window's balancing and unmet demand."""
        c = self.c
        self.books.add("balancing", c, values["balancing"])
        self.books.add("unmet", c, values["unmet"])
        self.books.add("unmet_days", c, values["unmet"] > UNMET_SHARE * demand)
        self.daily["balancing"][c][:] = values["balancing"]
        self.daily["unmet"][c][:] = values["unmet"]

    def _contract_year(self, r: int, flow: FloatArray, offered: FloatArray) -> None:
        """Route ``r``'s take and the contract volume it could not make available (the day's
        contract quantity less ``offered``, at least 0), into its contract years."""
        deal, first = self.plan.contracts, self.first
        start = int(deal.year_start[r, self.plan.calendar.year_index[first]]) - first
        quantity = self.plan.contract_quantity[r, None, first : first + self.days]
        if self.offtake is not None:  # the seller owes only what the buyer nominated
            quantity = quantity * self.offtake[:, r, None]
        self.books.add_split("contract_take", r, flow, start)
        self.books.add_split("contract_unavailable", r, np.maximum(quantity - offered, 0.0), start)

    def _group(self, group: tuple[int, ...], need: FloatArray | None) -> FloatArray | None:
        """Dispatch one group of equal priority over the window; returns the need it leaves
        (while :meth:`deliverable` probes, only adds up what is delivered)."""
        plan, books = self.plan, self.books
        bounds = {r: self.bounds[r] for r in group}
        arc_left = self.arc_left  # drawn down in place
        allowance = _arc_allowance(plan, group, bounds, arc_left)
        offers, cut = None, None
        if need is not None and len(group) > 1:
            offers, cut = self._pro_rata(group, allowance, need)
        for r in group:
            _, avail, cap_avail, limit = bounds[r]
            src = self.source_left[plan.route_source[r]]
            reach, whole = self.reach[r], self.whole[r]
            if offers is not None:
                flow = offers[r]
            else:
                flow = allowance[r]
                if src is not None:
                    flow = np.minimum(flow, src)
            offered = flow  # what the route could carry, demand aside
            if need is not None and not plan.shared[r]:
                if cut is None:
                    flow = np.minimum(flow, need if whole else _demand_bound(need, reach))
                else:  # no demand bound where nothing reaches China
                    flow = flow * cut if whole else np.where(reach > 0.0, flow * cut, flow)
            if flow.shape[0] != books.members:
                flow = np.broadcast_to(flow, (books.members, flow.shape[1]))
            delivered = flow if whole else flow * reach
            if need is not None and plan.shared[r]:  # other buyers take what China does not
                if cut is not None:
                    delivered = delivered * cut
                delivered = np.minimum(delivered, need)  # (others: flow x reach <= need)
            path, probe = self.paths[r], self.probe
            recording = probe is None
            if recording:
                on_arcs = allowance[r] if path else None
                _count_binding(books, r, flow, (cap_avail, avail < 1.0), limit, on_arcs, src)
                if limit is not None:
                    self._contract_year(r, flow, offered)
            if src is not None:
                src -= flow
            if need is not None:
                need = np.maximum(need - delivered, 0.0)
            for e, use in path:
                np.maximum(arc_left[e] - use * flow, 0.0, out=arc_left[e])
                if recording:
                    books.add("arc_flow", e, use * flow)
            if probe is not None:
                probe += delivered
                continue
            books.add("delivered", r, delivered)
            books.add("flow", r, flow)
            self.daily["flow"][r][:] = flow
            self.daily["delivered"][r][:] = delivered
        if cut is not None and need is not None:  # where the need cut the offers, they met it
            need = np.where(cut < 1.0, 0.0, need)
        return need

    def _pro_rata(
        self, group: tuple[int, ...], allowance: dict[int, FloatArray], need: FloatArray
    ) -> tuple[dict[int, FloatArray], FloatArray]:
        """What each route of a group of several offers, its allowance within what the
        routes before it leave of their source, and the share of the offers that the need
        takes, ``min(need / Σ offer x reach, 1)`` (M, days)."""
        plan, total = self.plan, np.zeros_like(need)
        left: dict[int, FloatArray] = {}
        offers = {}
        for r in group:
            offer, s = allowance[r], int(plan.route_source[r])
            src = left.get(s, self.source_left[s])
            if src is not None:
                offer = np.minimum(offer, src)
                left[s] = src - offer
            offers[r] = offer
            total = total + (offer if self.whole[r] else offer * self.reach[r])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            cut: FloatArray = np.where(total > need, need / total, 1.0)
        return offers, cut


def settle_pool(
    plan: Plan,
    c: int,
    window: tuple[int, int],
    demand: FloatArray,
    deliverable: FloatArray,
    level: FloatArray,
) -> dict[str, FloatArray]:
    """Commodity ``c``'s pool over a window (first day, days), one day after another
    (docs/model.md, "Storage"; :func:`flowsim.engines.storage_rule.clear_day`): each
    day's room, then what the routes leave of demand plus room (``need - min(need,
    deliverable)``), then the pool, balancing and unmet. ``demand`` and ``deliverable``
    (M, days); ``level`` (M,) on the first morning. Returns arrays (M, days): each day's
    room (``offered``), injection and withdrawal rates and the level at its start
    (``opening``)."""
    first, n = window
    pool, m = plan.storage, len(level)
    names = ("offered", "injection_rate", "withdrawal_rate", "opening")
    out = {name: np.zeros((m, n)) for name in names}
    after = bool(pool.after_balancing[c])
    for j in range(n):
        t = first + j
        volume = float(pool.volume[c, t])
        fill = fill_of(level, volume)
        injection, withdrawal = pool.rates(c, t, fill)
        offered = room(level, volume, injection, n)
        need = demand[:, j] + offered
        rest = need - np.minimum(need, deliverable[:, j])
        for name, values in zip(names, (offered, injection, withdrawal, level), strict=True):
            out[name][:, j] = values
        level = clear_day(
            rest, offered, level, volume, withdrawal, float(pool.floor[c, t]),
            float(pool.target[c, t]), injection, float(plan.balancing[c, t]), n, after,
        )[-1]  # fmt: skip
    return out


def _arc_allowance(
    plan: Plan,
    group: tuple[int, ...],
    bounds: dict[int, Bounds],
    arc_left: list[FloatArray],
) -> dict[int, FloatArray]:
    """Most each route of a dispatch group may take over the shared arcs: its bound
    ``min(cap x availability, contract)`` times the smallest pro-rata share of the arcs
    on its path (docs/model.md, "One day")."""
    bound = {}
    for r in group:
        _, _, cap_avail, limit = bounds[r]
        bound[r] = cap_avail if limit is None else np.minimum(cap_avail, limit)
    scale: dict[int, FloatArray] = {}
    for a in np.flatnonzero(plan.arc_use[list(group)].any(axis=0)):
        users = [r for r in group if plan.arc_use[r, a]]
        asked = plan.arc_use[users[0], a] * bound[users[0]]
        for r in users[1:]:
            asked = asked + plan.arc_use[r, a] * bound[r]
        short = asked > arc_left[a]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            share = np.where(short, arc_left[a] / asked, 1.0)
        for r in users:
            scale[r] = share if r not in scale else np.minimum(scale[r], share)
    return {r: bound[r] * scale[r] if r in scale else bound[r] for r in group}


def _demand_bound(need: FloatArray, reach: FloatArray) -> FloatArray:
    """Most a route may take for ``need`` when ``reach`` of its flow arrives in China
    (no bound where nothing reaches China)."""
    open_ = np.where(reach > 0.0, 0.0, np.inf)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bound: FloatArray = need / np.where(reach > 0.0, reach, 1.0) + open_
    return bound


def _count_binding(
    books: Books,
    r: int,
    flow: FloatArray,
    available: tuple[FloatArray, BoolArray],
    limit: FloatArray | None,
    allowance: FloatArray | None,
    src: FloatArray | None,
) -> None:
    """Count the days each bound set route ``r``'s flow (ties go to the earlier in
    :data:`~flowsim.variables.BINDING`); ``available``: its capacity x availability
    and the days its availability was below 1. Arrays (members or 1, days of the
    slice)."""
    cap_avail, derated = available
    open_ = flow != cap_avail
    books.add("binding_capacity_days", r, ~open_ & ~derated)
    books.add("binding_outage_days", r, ~open_ & derated)
    for name, bound in (("contract", limit), ("arc", allowance), ("source", src)):
        if bound is not None:
            hit = open_ & (flow == bound)
            books.add(f"binding_{name}_days", r, hit)
            open_ = open_ & ~hit
    books.add("binding_demand_days", r, open_)
