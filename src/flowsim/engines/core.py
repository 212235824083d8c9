"""The vectorised numpy engine: members and days as array axes.

One call simulates one chunk of members; the caller chunks a large ensemble so
that working memory stays flat as members grow. Like the numba engine it runs
days in order, routes in dispatch order within them: here a *window* of days
at a time (a year), each route one pass over a (members, days of the window)
array (docs/model.md, "One day"). Nothing carries from one day to the next in
today's model but the year's sums, so a window is a whole year; state with
memory (a storage level) would be carried from window to window, with windows
as short as the state needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.plan import Plan
from flowsim.sampling import Events, Realisations
from flowsim.variables import ANNUAL_COMMODITY, ANNUAL_ROUTE, DAILY, names

__all__ = ["CHUNK_BYTES", "ENGINE", "simulate_chunk"]

CHUNK_BYTES = 4 << 20
"""Members per call: as many as make one (members, days of a year) float array about 4 MiB."""


def _shifted(rates: FloatArray, pad: int, delays: IntArray, first: int, days: int) -> FloatArray:
    """Rates on days ``first .. first + days - 1``, each member's shifted later by its delay:
    shape (M, days), or (1, days) if no member is delayed."""
    start = pad + first
    if not delays.any():
        return rates[None, start : start + days]
    windows = np.lib.stride_tricks.sliding_window_view(rates, days)
    shifted: FloatArray = windows[start - delays]
    return shifted


class _Window:
    """The member-specific masks of one window of days: shocks on, routes down.

    ``shocks`` and ``outages``: the chunk's events of each shock and route.
    """

    def __init__(
        self, plan: Plan, m: int, shocks: list[Events], outages: list[Events], first: int, days: int
    ) -> None:
        self.plan, self.first, self.days = plan, first, days
        self.shock_on = [events.active(m, days, first) for events in shocks]
        self.down = [events.active(m, days, first) if len(events) else None for events in outages]

    def factor(
        self, base: FloatArray, shocks: BoolArray, down: BoolArray | None, derate: float
    ) -> FloatArray:
        """``base`` (days,) times (1 - derate) where down and (1 - shock derate) where shocked.

        Shape (1, days) when nothing member-specific applies, else (M, days).
        """
        result = base[None, :]
        if down is not None:
            result = np.where(down, base * (1.0 - derate), base)
        for k in np.flatnonzero(shocks):
            result = np.where(self.shock_on[k], result * (1.0 - self.plan.shock_derate[k]), result)
        return result


def simulate_chunk(plan: Plan, real: Realisations, *, daily: bool = False) -> dict[str, FloatArray]:
    """Simulate the members of ``real``.

    Returns
    -------
    Arrays by name: route variables (M, years, routes), commodity variables
    ``demand``, ``balancing``, ``unmet``, ``n_minus_1`` (M, years, commodities; demand
    and N-1 are NaN for a commodity without a demand block); with ``daily``, also
    ``daily_*`` arrays (M, days, routes | commodities | sources) in bcm or Mt per day.
    """
    cal = plan.calendar
    m, years = len(real.members), cal.n_years
    out: dict[str, FloatArray] = {
        name: np.zeros((m, years, len(plan.routes))) for name in names(ANNUAL_ROUTE)
    }
    for name in names(ANNUAL_COMMODITY):
        out[name] = np.zeros((m, years, len(plan.commodities)))
    out["contract"][:] = plan.annual_contract
    if daily:
        widths = {"route": len(plan.routes), "commodity": len(plan.commodities)}
        widths["source"] = len(plan.sources)
        for variable in DAILY:
            out[f"daily_{variable.name}"] = np.zeros((m, plan.n_days, widths[variable.axis]))
    shocks = [real.shock_events.of(target=k) for k in range(len(plan.shocks))]
    outages = [real.outages.of(target=r) for r in range(len(plan.routes))]
    for y, (first, days) in enumerate(zip(cal.year_starts, cal.days_in_year, strict=True)):
        window = _Window(plan, m, shocks, outages, int(first), int(days))
        _simulate_window(plan, real, window, y, out, daily)
    return out


def _simulate_window(
    plan: Plan,
    real: Realisations,
    window: _Window,
    y: int,
    out: dict[str, FloatArray],
    daily: bool,
) -> None:
    """Year ``y`` (the window's days) of every member, into ``out``."""
    m, first, n = len(real.members), window.first, window.days
    days = slice(first, first + n)

    def put(name: str, index: int, rates: FloatArray) -> None:
        """Store the year's sum of daily rates (bcm or Mt per year of days)."""
        out[name][:, y, index] = np.broadcast_to(rates, (m, n)).sum(axis=1) / n

    def put_daily(name: str, index: int, rates: FloatArray) -> None:
        if daily:
            out[f"daily_{name}"][:, days, index] = rates / n

    source_left: list[FloatArray | None] = []
    for s in range(len(plan.sources)):
        rate = window.factor(plan.production[s, days], plan.shock_sources[:, s], None, 0.0)
        limited = plan.source_limited[s]
        source_left.append(np.broadcast_to(rate, (m, n)).copy() if limited else None)
        put_daily("production", s, np.broadcast_to(rate, (m, n)))

    for c, order in enumerate(plan.dispatch_order):
        multiplier = real.demand_multiplier[:, y, plan.multiplier_column[c], None]
        demand = plan.demand[c, days] * multiplier if plan.has_demand[c] else None
        need = None if demand is None else demand.copy()
        capacities: list[FloatArray] = []
        for r in order:
            cap = _shifted(plan.capacity_rate[r], plan.pad, real.delay_days[:, r], first, n)
            down = window.down[r]
            avail = window.factor(
                plan.maintenance[r, days], plan.shock_routes[:, r], down, plan.outage_derate[r]
            )
            cap_avail = cap * avail
            contract = plan.has_contract[r]
            acq = plan.acq_rate[r, None, plan.pad + first : plan.pad + first + n]
            limit = acq * plan.flexibility[r] if contract else None
            src = source_left[plan.route_source[r]]
            loss = float(plan.loss[r])

            flow = cap_avail
            for bound in (limit, src):
                if bound is not None:
                    flow = np.minimum(flow, bound)
            if need is not None:
                flow = np.minimum(flow, need / (1.0 - loss) if loss else need)
            flow = np.broadcast_to(flow, (m, n))
            delivered = flow * (1.0 - loss) if loss else flow

            derated = np.broadcast_to(avail < 1.0, (m, n))
            _count_binding(out, y, r, flow, cap_avail, derated, limit, src)
            if src is not None:
                src -= flow
            if need is not None:
                need = np.maximum(need - delivered, 0.0)

            put("delivered", r, delivered)
            put("flow", r, flow)
            put("capacity", r, cap)
            put("available", r, cap_avail)
            out["outage_days"][:, y, r] = derated.sum(axis=1)
            if daily:  # no daily temporaries otherwise
                put_daily("flow", r, flow)
                put_daily("delivered", r, delivered)
                put_daily("available", r, np.broadcast_to(cap_avail, (m, n)))
                no_limit = np.full((m, n), np.inf)
                put_daily("contract_limit", r, no_limit if limit is None else limit)
            capacities.append(cap)

        if demand is None or need is None:
            out["demand"][:, y, c] = np.nan
            out["n_minus_1"][:, y, c] = np.nan
            if daily:
                put_daily("demand", c, np.full((m, n), np.nan))
            continue
        balancing = np.minimum(need, plan.balancing[c, days])
        unmet = need - balancing
        for name, rates in (("demand", demand), ("balancing", balancing), ("unmet", unmet)):
            put(name, c, rates)
            put_daily(name, c, rates)
        out["n_minus_1"][:, y, c] = _n_minus_1(demand, capacities)


def _count_binding(
    out: dict[str, FloatArray],
    y: int,
    r: int,
    flow: FloatArray,
    cap_avail: FloatArray,
    derated: BoolArray,
    limit: FloatArray | None,
    src: FloatArray | None,
) -> None:
    """Count the days of year ``y`` each bound set route ``r``'s flow (ties go to the
    earlier in :data:`~flowsim.variables.BINDING`); ``derated`` marks the days its
    availability was below 1. Arrays (members, days of the year)."""
    open_ = flow != cap_avail
    capacity_bound = (~open_).sum(axis=1)
    outage_bound = (~open_ & derated).sum(axis=1)
    out["binding_capacity_days"][:, y, r] = capacity_bound - outage_bound
    out["binding_outage_days"][:, y, r] = outage_bound
    for name, bound in (("contract", limit), ("source", src)):
        if bound is not None:
            hit = open_ & (flow == bound)
            out[f"binding_{name}_days"][:, y, r] = hit.sum(axis=1)
            open_ &= ~hit
    out["binding_demand_days"][:, y, r] = open_.sum(axis=1)


def _n_minus_1(demand: FloatArray, capacities: list[FloatArray]) -> FloatArray:
    """N-1 of each member in the year, shape (M,): nominal route capacity on the year's
    (first) peak-demand day, less the largest route's, over that day's demand. Arrays
    (members, days of the year)."""
    m = demand.shape[0]
    if not capacities:
        return np.full(m, np.nan)
    rows = np.arange(m)
    peak = np.argmax(demand, axis=1)
    supply = [np.broadcast_to(cap, demand.shape)[rows, peak] for cap in capacities]
    total, largest = supply[0], supply[0]
    for cap in supply[1:]:  # route by route, in dispatch order
        total, largest = total + cap, np.maximum(largest, cap)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result: FloatArray = (total - largest) / demand[rows, peak]
    return result


class NumpyEngine:
    """The vectorised numpy engine (see :mod:`flowsim.engines`)."""

    name = "numpy"
    daily = True
    events = False
    route_years_per_second = 90_000.0  # docs/benchmarks.md: 10,763 member-years/s x 9 routes

    def chunk_members(self, plan: Plan) -> int:
        return max(1, CHUNK_BYTES // (8 * 366))

    def simulate(
        self,
        plan: Plan,
        real: Realisations,
        *,
        daily: bool = False,
        trace: list[Any] | None = None,
        cargoes: bool = True,
    ) -> dict[str, FloatArray]:
        return simulate_chunk(plan, real, daily=daily)


ENGINE = NumpyEngine()
