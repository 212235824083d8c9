"""The vectorised numpy engine: members and days as array axes.

One call simulates one chunk of members; the caller chunks a large ensemble so
that working memory stays flat as members grow. Nothing couples days except the
order of routes within a day, so each route is one pass over a (members, days)
array, routes of a commodity in dispatch order (docs/model.md, "One day").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.plan import Plan
from flowsim.sampling import Realisations
from flowsim.timeline import Calendar
from flowsim.variables import ANNUAL_COMMODITY, ANNUAL_ROUTE, names

__all__ = ["CHUNK_BYTES", "ENGINE", "simulate_chunk"]

CHUNK_BYTES = 1 << 20
"""Members per call: as many as make one (members, days) float array about 1 MiB."""


def _shifted(rates: FloatArray, pad: int, delays: IntArray, days: int) -> FloatArray:
    """Rates shifted later by each member's delay, shape (M, days), or (1, days) if none is."""
    if not delays.any():
        return rates[None, pad : pad + days]
    windows = np.lib.stride_tricks.sliding_window_view(rates, days)
    shifted: FloatArray = windows[pad - delays]
    return shifted


class _Chunk:
    """Member-specific factors of one chunk: shock and outage masks, demand."""

    def __init__(self, plan: Plan, real: Realisations) -> None:
        self.plan, self.real = plan, real
        self.m, self.n = len(real.members), plan.n_days
        self.shock_on = [
            real.shock_events.of(target=k).active(self.m, self.n) for k in range(len(plan.shocks))
        ]

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
    chunk = _Chunk(plan, real)
    m, n, years = chunk.m, chunk.n, cal.n_years
    diy_year = cal.days_in_year.astype(np.float64)
    diy_day = cal.days_in_year_of_day

    out: dict[str, FloatArray] = {
        name: np.zeros((m, years, len(plan.routes))) for name in names(ANNUAL_ROUTE)
    }
    for name in names(ANNUAL_COMMODITY):
        out[name] = np.zeros((m, years, len(plan.commodities)))
    out["contract"][:] = plan.annual_contract

    def put(name: str, index: int, rates: FloatArray) -> None:
        """Store the yearly sums of daily rates (bcm or Mt per year of days)."""
        out[name][:, :, index] = cal.yearly_sum(rates) / diy_year

    def put_daily(name: str, index: int, rates: FloatArray, width: int) -> None:
        if daily:
            store = out.setdefault(f"daily_{name}", np.zeros((m, n, width)))
            store[:, :, index] = rates / diy_day

    source_left: list[FloatArray | None] = []
    for s in range(len(plan.sources)):
        rate = chunk.factor(plan.production[s], plan.shock_sources[:, s], None, 0.0)
        limited = plan.source_limited[s]
        source_left.append(np.broadcast_to(rate, (m, n)).copy() if limited else None)
        put_daily("production", s, np.broadcast_to(rate, (m, n)), len(plan.sources))

    for c, order in enumerate(plan.dispatch_order):
        multiplier = real.demand_multiplier[:, cal.year_index, plan.multiplier_column[c]]
        demand = plan.demand[c] * multiplier if plan.has_demand[c] else None
        need = None if demand is None else demand.copy()
        capacities: list[FloatArray] = []
        for r in order:
            delays, pad = real.delay_days[:, r], plan.pad
            cap = _shifted(plan.capacity_rate[r], pad, delays, n)
            outages = real.outages.of(target=r)
            down = outages.active(m, n) if len(outages) else None
            avail = chunk.factor(
                plan.maintenance[r], plan.shock_routes[:, r], down, plan.outage_derate[r]
            )
            cap_avail = cap * avail
            contract = plan.has_contract[r]
            limit = plan.acq_rate[r, None, pad:] * plan.flexibility[r] if contract else None
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

            derated = avail < 1.0
            _count_binding(out, r, cal, flow, cap_avail, derated, limit, src)
            if src is not None:
                src -= flow
            if need is not None:
                need = np.maximum(need - delivered, 0.0)

            put("delivered", r, delivered)
            put("flow", r, flow)
            put("capacity", r, cap)
            put("available", r, cap_avail)
            out["outage_days"][:, :, r] = cal.yearly_count(derated)
            if daily:  # no daily temporaries otherwise
                put_daily("flow", r, flow, len(plan.routes))
                put_daily("delivered", r, delivered, len(plan.routes))
                put_daily("available", r, np.broadcast_to(cap_avail, (m, n)), len(plan.routes))
                no_limit = np.full((m, n), np.inf)
                put_daily(
                    "contract_limit", r, no_limit if limit is None else limit, len(plan.routes)
                )
            capacities.append(cap)

        width = len(plan.commodities)
        if demand is None or need is None:
            out["demand"][:, :, c] = np.nan
            out["n_minus_1"][:, :, c] = np.nan
            if daily:
                put_daily("demand", c, np.full((m, n), np.nan), width)
                put_daily("balancing", c, np.zeros((m, n)), width)
                put_daily("unmet", c, np.zeros((m, n)), width)
            continue
        balancing = np.minimum(need, plan.balancing[c])
        unmet = need - balancing
        for name, rates in (("demand", demand), ("balancing", balancing), ("unmet", unmet)):
            put(name, c, rates)
            put_daily(name, c, rates, width)
        out["n_minus_1"][:, :, c] = _n_minus_1(cal, demand, capacities)
    return out


def _count_binding(
    out: dict[str, FloatArray],
    r: int,
    cal: Calendar,
    flow: FloatArray,
    cap_avail: FloatArray,
    derated: BoolArray,
    limit: FloatArray | None,
    src: FloatArray | None,
) -> None:
    """Count the days each bound set route ``r``'s flow (ties go to the earlier in
    :data:`~flowsim.variables.BINDING`);
    ``derated`` marks the days its availability was below 1."""
    open_ = flow != cap_avail
    capacity_bound = cal.yearly_count(~open_)
    outage_bound = cal.yearly_count(~open_ & derated)
    out["binding_capacity_days"][:, :, r] = capacity_bound - outage_bound
    out["binding_outage_days"][:, :, r] = outage_bound
    for name, bound in (("contract", limit), ("source", src)):
        if bound is not None:
            hit = open_ & (flow == bound)
            out[f"binding_{name}_days"][:, :, r] = cal.yearly_count(hit)
            open_ &= ~hit
    out["binding_demand_days"][:, :, r] = cal.yearly_count(open_)


def _n_minus_1(cal: Calendar, demand: FloatArray, capacities: list[FloatArray]) -> FloatArray:
    """N-1 of each member-year, shape (M, years).

    Nominal route capacity on the year's peak-demand day, less the largest
    route's, over that day's demand.
    """
    m = demand.shape[0]
    if not capacities:
        return np.full((m, cal.n_years), np.nan)
    # every year's days side by side, (years, 366): the year's day indices, padded
    offset = np.arange(366)
    in_year = offset[None, :] < cal.days_in_year[:, None]
    days = np.where(in_year, cal.year_starts[:, None] + offset[None, :], 0)
    by_year = np.where(in_year, demand[:, days], -np.inf)  # (M, years, 366)
    peak = days[np.arange(cal.n_years), np.argmax(by_year, axis=2)]  # (M, years): first peak
    rows = np.arange(m)[:, None]
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
    route_years_per_second = 90_000.0  # docs/benchmarks.md: 10,350 member-years/s x 9 routes

    def chunk_members(self, plan: Plan) -> int:
        return max(1, CHUNK_BYTES // (8 * plan.n_days))

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
