"""The DES's clearing of one day (docs/model.md, "One day" and "Supply network").

At noon the dispatcher of :mod:`flowsim.engines.des` hands each day to a
:class:`Clearing`, which serves each commodity's demand by dispatch group
(routes of one priority, groups in priority order):

1. each route of the group is bounded by its own stretch and contract,
   ``b = min(capacity x availability, contract limit)``;
2. each shared arc any of them runs over is asked ``sum(arc_use x b)`` over its
   users (in group order); where that is more than the arc has left today the
   arc is *short* and grants each user the share ``left / asked``, else all of
   it; a route's *allowance* is ``b`` times the smallest share of its arcs;
   an arc that ends the day with at most ``ARC_FULL`` of its capacity left was
   *full* (a binding day);
3. then route by route: the flow is the least of the allowance, what is left
   of its source and what the remaining demand needs (``need / reach``, with
   ``reach = (1 - loss) x China share``; none for a lane with a China share,
   whose other buyers take what China does not); ``flow x reach`` arrives in
   China (at most what it still needs),
   and the flow is taken from the source and, ``arc_use`` of it, from each arc
   on its path.

The bound that set each route's flow is noted by :data:`~flowsim.variables.BINDING`
(ties to the earlier). The arithmetic is the numpy core's, operation for
operation, so the engines agree to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from flowsim.arrays import FloatArray
from flowsim.plan import Plan
from flowsim.sampling import Realisations
from flowsim.variables import BINDING, MONTHLY

from .des_network import Arc, Route
from .des_storage import Pool

__all__ = ["COMMODITY_DAILY", "ROUTE_DAILY", "Clearing"]

ROUTE_DAILY = ("flow", "delivered", "available", "availability", "contract_limit", "offered")
"""What a route's books keep for each day (annual rates; availability a fraction;
``offered``: what it could carry, demand aside); its capacity is the input
:attr:`Clearing.capacity`."""
COMMODITY_DAILY = ("demand", "balancing", "unmet")
"""What a commodity's books keep for each day (annual rates)."""

_CAPACITY, _OUTAGE, _CONTRACT, _ARC, _SOURCE, _DEMAND = (
    BINDING.index(b) for b in ("capacity", "outage", "contract", "arc", "source", "demand")
)

Path = list[tuple[Arc, float]]
"""The arcs a route runs over (by index), each with its ``arc_use``."""
Users = list[tuple[int, float]]
"""The routes of a dispatch group over one arc (their places in the group, in order), each
with its ``arc_use``."""

CargoDelivery = Callable[[int, int, float, float], float]
"""What a cargo route delivers on a day: ``(route, day, flow, need) -> delivered``."""


class Clearing:
    """One member's daily inputs and day books, and the rule that clears a day.

    ``routes`` and ``arcs`` are the member's elements (their availability is
    switched by the member's processes), ``pools`` its storage pools by commodity
    (None: none); ``cargo`` marks the routes that move
    cargoes, whose flow fills cargoes instead of serving demand and whose
    deliveries ``deliver`` gives.
    """

    def __init__(
        self,
        plan: Plan,
        real: Realisations,
        i: int,
        elements: tuple[list[Route], list[Arc], list[Pool | None]],
        cargo: Sequence[bool],
        deliver: CargoDelivery,
    ) -> None:
        self.plan = plan
        self.routes, self.arcs, self.pools = elements
        self.cargo, self.deliver = list(cargo), deliver
        cal = plan.calendar
        n = cal.n_days
        pad, delays = plan.pad, real.delay_days[i]
        n_routes, n_commodities = len(plan.routes), len(plan.commodities)
        # inputs, day by day (annual rates)
        capacity = np.array(
            [plan.capacity_rate[r, pad - delays[r] : pad - delays[r] + n] for r in range(n_routes)]
        ).reshape(n_routes, n)
        if real.capacity_factor is not None:  # each year's factor on each route
            capacity = capacity * real.capacity_factor[i][cal.year_index].T
        self.capacity = capacity.tolist()
        limit, quantity = plan.limit_rate[:, pad:], plan.contract_quantity
        if real.offtake_factor is not None:  # the buyer's nominations of each year, and
            offtake = real.offtake_factor[i][cal.year_index].T  # what the seller then owes
            limit, quantity = limit * offtake, quantity * offtake
        self.limit = [limit[r].tolist() if plan.has_contract[r] else None for r in range(n_routes)]
        self.quantity = quantity.tolist()
        """Each route's contract quantity of each day (annual rates, 0 without contract)."""
        multipliers = real.demand_multiplier[i][cal.year_index]
        self.demand = [
            (plan.demand[c] * multipliers[:, plan.multiplier_column[c]]).tolist()
            if plan.has_demand[c]
            else None
            for c in range(n_commodities)
        ]
        self.balancing_cap = plan.balancing.tolist()
        self.keep = (1.0 - plan.loss).tolist()
        self.share = plan.share.tolist()
        self.shared = plan.shared.tolist()
        self.source = plan.route_source.tolist()
        self.source_left = [math.inf] * len(plan.sources)  # today's production not yet taken
        self.paths: list[Path] = [self._path(r) for r in range(n_routes)]
        self.users: list[list[list[tuple[Arc, Users]]]] = [
            [self._users(group) for group in groups] for groups in plan.dispatch_groups
        ]
        # books, day by day
        self.route_days = {name: [[0.0] * n for _ in range(n_routes)] for name in ROUTE_DAILY}
        self.binding = [[0] * n for _ in range(n_routes)]
        self.commodity_days = {
            name: [[0.0] * n for _ in range(n_commodities)] for name in COMMODITY_DAILY
        }
        self._rows = [
            [self.route_days[name][r] for name in ROUTE_DAILY] for r in range(n_routes)
        ]  # each route's books in ROUTE_DAILY order, at hand for the clearing's speed

    def monthly(self) -> dict[str, FloatArray]:
        """For a run with prices: :data:`~flowsim.variables.MONTHLY`, each route's
        deliveries in each month (a volume, added day by day), shape (months, routes)."""
        cal = self.plan.calendar
        if not self.plan.prices.priced.any():
            return {}
        bounds = [*cal.month_starts.tolist(), cal.n_days]
        days = cal.days_in_year.repeat(12).tolist()
        delivered = self.route_days["delivered"]
        months = [
            [sum(d[first:end]) / n for d in delivered]
            for first, end, n in zip(bounds, bounds[1:], days, strict=False)
        ]
        return {MONTHLY: np.array(months).reshape(len(days), len(delivered))}

    def _path(self, r: int) -> Path:
        """The arcs route ``r`` runs over, with its ``arc_use`` of each."""
        use = self.plan.arc_use[r]
        return [(self.arcs[a], float(use[a])) for a in np.flatnonzero(use)]

    def _users(self, group: tuple[int, ...]) -> list[tuple[Arc, Users]]:
        """Each arc the routes of ``group`` run over (by index), with its users: their
        places in the group and ``arc_use``."""
        use = self.plan.arc_use
        arcs = np.flatnonzero(use[list(group)].any(axis=0))
        return [
            (self.arcs[a], [(k, float(use[r, a])) for k, r in enumerate(group) if use[r, a]])
            for a in arcs
        ]

    def day(self, t: int) -> None:
        """Clear day ``t``: each commodity's groups in priority order (a storage pool's
        room offered on top of demand), then the pool and balancing supply."""
        days = self.commodity_days
        for c, groups in enumerate(self.plan.dispatch_groups):
            demand, pool = self.demand[c], self.pools[c]
            need = demand[t] if demand is not None else math.inf
            if pool is not None:
                need = need + pool.offer(t)
            for group, users in zip(groups, self.users[c], strict=True):
                need = self._group(group, users, t, need)
            if demand is None:
                days["demand"][c][t] = math.nan
            else:
                cap = self.balancing_cap[c][t]
                if pool is None:
                    balancing = min(need, cap)
                    unmet = need - balancing
                else:
                    balancing, unmet = pool.settle(t, need, cap)
                days["demand"][c][t] = demand[t]
                days["balancing"][c][t] = balancing
                days["unmet"][c][t] = unmet
        for arc in self.arcs:
            arc.close_day(t)

    def _group(
        self, group: tuple[int, ...], users: list[tuple[Arc, Users]], t: int, need: float
    ) -> float:
        """Dispatch one group of equal priority on day ``t``; returns the demand it leaves."""
        bounds = []  # each route's capacity x availability, contract limit and the least
        for r in group:
            available = self.capacity[r][t] * self.routes[r].availability
            limits = self.limit[r]
            limit = limits[t] if limits is not None else math.inf
            bounds.append((available, limit, limit if limit < available else available))
        scale = [1.0] * len(group)  # the smallest share of the arcs on each route's path
        for arc, over in users:
            (first, use), *others = over
            asked = use * bounds[first][2]
            for k, use in others:
                asked = asked + use * bounds[k][2]
            if asked > arc.left:
                share = arc.left / asked
                for k, _ in over:
                    if share < scale[k]:
                        scale[k] = share
        routes = [
            (r, (available, limit, bound * factor))
            for r, (available, limit, bound), factor in zip(group, bounds, scale, strict=True)
        ]
        if len(group) == 1:
            (r, bound), *_ = routes
            return self._route(r, t, need, bound, None, None)
        offers = self._offers(routes)
        for (r, bound), offer in zip(routes, offers, strict=True):  # cargo routes load in
            if self.cargo[r]:  # full, and their terminals serve the need first
                need = self._route(r, t, need, bound, offer, None)
        total = 0.0  # what the others offer China
        for (r, _), offer in zip(routes, offers, strict=True):
            if not self.cargo[r]:
                total += offer * (self.keep[r] * self.share[r][t])
        cut = need / total if total > need else 1.0
        for (r, bound), offer in zip(routes, offers, strict=True):
            if not self.cargo[r]:
                need = self._route(r, t, need, bound, offer, cut)
        return 0.0 if cut < 1.0 else need  # a cut group met the need

    def _offers(self, routes: list[tuple[int, tuple[float, float, float]]]) -> list[float]:
        """What each route of a group of several offers: its allowance (the last of its
        ``bounds``) within what the routes before it leave of its source."""
        left: dict[int, float] = {}
        offers = []
        for r, (_, _, allowance) in routes:
            s = self.source[r]
            supply = left.get(s, self.source_left[s])
            offer = allowance if allowance <= supply else supply
            left[s] = supply - offer
            offers.append(offer)
        return offers

    def _route(
        self,
        r: int,
        t: int,
        need: float,
        bounds: tuple[float, float, float],
        offer: float | None,
        cut: float | None,
    ) -> float:
        """Dispatch route ``r`` on day ``t`` within its ``bounds`` (capacity x
        availability, contract limit, allowance over the arcs), its source and the need:
        alone in its group, the least that covers the need; beside others, the ``cut``
        share of its ``offer``. Returns the demand it leaves."""
        available, limit, allowance = bounds
        availability = self.routes[r].availability
        source = self.source[r]
        source_left = self.source_left[source]
        reach = self.keep[r] * self.share[r][t]
        # min(allowance, source left, need / reach), written out as comparisons for speed
        if offer is None:
            offer = source_left if source_left < allowance else allowance
        flow = offered = offer
        cargo, bounded = self.cargo[r], not self.shared[r] and reach > 0.0
        if cut is not None:
            if not cargo and bounded:
                flow = flow * cut
        elif not cargo and bounded and need / reach < flow:
            flow = need / reach
        if flow == available:
            bound = _OUTAGE if availability < 1.0 else _CAPACITY
        elif flow == limit:
            bound = _CONTRACT
        elif flow == allowance:
            bound = _ARC
        elif flow == source_left:
            bound = _SOURCE
        else:
            bound = _DEMAND
        # a cargo route's flow fills cargoes; arrivals serve demand from the terminal
        delivered = self.deliver(r, t, flow, need) if cargo else flow * reach
        if cut is not None and not cargo and not bounded:  # a shared lane's China part
            delivered = delivered * cut
        if delivered > need:  # a shared lane's other buyers take what China does not
            delivered = need
        flows, deliveries, availables, availabilities, limits, offers = self._rows[r]
        flows[t], deliveries[t], availables[t] = flow, delivered, available
        availabilities[t], limits[t], offers[t] = availability, limit, offered
        self.binding[r][t] = bound
        if source_left != math.inf:  # routes sharing a source compete for what is left
            self.source_left[source] = source_left - flow
        for arc, use in self.paths[r]:  # and routes sharing an arc for what is left of it
            arc.draw(t, use * flow)
        need -= delivered
        return need if need > 0.0 else 0.0
