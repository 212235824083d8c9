"""A scenario's prices laid out by month: benchmark paths, each route's contract price
and its transit fees, with what one unit of a price is worth per unit of volume.

Months count from January of the horizon's first year; a benchmark path starts
:data:`HISTORY_MONTHS` earlier, so that a formula can average over the months before
the horizon. A benchmark's monthly value is the mean of its schedule over the month's
days; it is NaN in a month any of whose days comes before the schedule's first entry
(a price not known), and so is a contract price built on it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.pricing import Escalating, MonthlyPath
from flowsim.pricing import OilIndexed as OilIndexedFormula
from flowsim.scenario.prices import Fixed, Offset, OilIndexed
from flowsim.scenario.route import Route
from flowsim.scenario.schedules import Ramp, Step, annual_rates, entry_start
from flowsim.scenario.tree import Scenario
from flowsim.timeline import Calendar
from flowsim.units import BARRELS_PER_TONNE_CRUDE, TBTU_PER_BCM

__all__ = ["HISTORY_MONTHS", "USD_PER_UNIT", "PricePlan", "RoutePrice", "fee_table"]

HISTORY_MONTHS = 36
"""Months of each benchmark path before the horizon: the longest averaging window plus
the longest lag a formula may give."""

USD_PER_UNIT = {
    "USD/kcm": 1e6,  # 1 bcm = 10^6 thousand m³
    "USD/MMBtu": TBTU_PER_BCM * 1e6,  # 1 TBtu = 10^6 MMBtu
    "USD/bbl": BARRELS_PER_TONNE_CRUDE * 1e6,  # 1 Mt = 10^6 t
    "USD/t": 1e6,
}
"""USD per bcm (gas) or Mt (crude) for a price of 1 in each unit (:mod:`flowsim.units`)."""


def _monthly_means(path: Sequence[Step | Ramp], first: dt.date, months: int) -> FloatArray:
    """The mean of a schedule over each of ``months`` months from ``first``, shape (months,)."""
    start = np.datetime64(first, "D")
    stop = np.datetime64(first, "M") + months
    days = np.arange(start, stop.astype("datetime64[D]"), dtype="datetime64[D]")
    ordinals = days.astype(np.int64) + dt.date(1970, 1, 1).toordinal()
    rates = annual_rates(path, ordinals)
    rates[ordinals < entry_start(path[0]).toordinal()] = np.nan  # not known before its first entry
    month = (days.astype("datetime64[M]") - np.datetime64(first, "M")).astype(np.int64)
    result: FloatArray = np.bincount(month, rates, months) / np.bincount(month, None, months)
    return result


@dataclass(frozen=True)
class RoutePrice:
    """One route's contract price formula, evaluated on benchmark paths."""

    benchmark: int
    """Index of its benchmark in :attr:`PricePlan.benchmarks` (-1: fixed)."""
    formula: OilIndexedFormula | None
    """An oil-indexed formula; None: a differential or a fixed price."""
    addend: FloatArray
    """Added to the benchmark (a differential, NaN before its first offset) or, for a
    fixed price, the price itself, each month of the horizon, shape (months,)."""

    def price(self, paths: FloatArray, first_year: int) -> FloatArray:
        """The price in each month of the horizon from benchmark ``paths`` (which start
        :data:`HISTORY_MONTHS` before it), shape (..., benchmarks, history + months) to
        (..., months)."""
        if self.benchmark < 0:
            fixed: FloatArray = np.broadcast_to(self.addend, (*paths.shape[:-2], len(self.addend)))
            return fixed
        path = paths[..., self.benchmark, :]
        if self.formula is not None:
            priced: FloatArray = self.formula.price(MonthlyPath(first_year, path)).values
            return priced[..., HISTORY_MONTHS:]
        result: FloatArray = path[..., HISTORY_MONTHS:] + self.addend
        return result


@dataclass(frozen=True)
class PricePlan:
    """Monthly prices of a scenario's routes (routes sorted by id)."""

    benchmarks: tuple[str, ...]
    """Benchmark ids, sorted."""
    benchmark: FloatArray
    """Each benchmark's monthly path from :data:`HISTORY_MONTHS` before the horizon, in
    its unit, shape (benchmarks, HISTORY_MONTHS + months)."""
    first_year: int
    """The year the benchmark paths start in (January)."""
    routes: tuple[RoutePrice | None, ...]
    """Each route's formula (None: no price)."""
    usd_per_volume: FloatArray
    """USD per bcm or Mt of a price of 1 in each route's price unit, shape (routes,)."""
    fee: FloatArray
    """Each route's transit fees by country, USD per bcm or Mt, shape (routes,
    countries)."""
    countries: tuple[str, ...]
    """The countries charging fees, sorted."""
    volatility: FloatArray
    """Each benchmark's annualised volatility of log price (0: the path as given), shape
    (benchmarks,)."""
    persistence: FloatArray
    """Each benchmark's monthly AR(1) coefficient of its log deviation, shape
    (benchmarks,)."""
    drawn_from: IntArray
    """Each benchmark's first drawn month, an index into its path, shape (benchmarks,)."""
    relative_to: IntArray
    """The benchmark each one is a differential to (-1: quoted in its own right), shape
    (benchmarks,)."""
    spread: FloatArray
    """Each differential benchmark's differential (0 for the others), shape (benchmarks,
    HISTORY_MONTHS + months): ``benchmark[b] = benchmark[relative_to[b]] + spread[b]``."""
    alike: IntArray
    """For each route, the first route priced exactly like it (same formula, benchmark,
    terms and unit; itself if none before it), or -1 without a price, shape (routes,):
    a price is evaluated once per distinct route."""

    @property
    def priced(self) -> BoolArray:
        """Whether each route has a contract price, shape (routes,)."""
        return np.array([r is not None for r in self.routes], dtype=bool)

    @property
    def drawn(self) -> bool:
        """Whether any benchmark path is drawn per member."""
        return bool((self.volatility > 0).any())

    def contract_price(self, paths: FloatArray | None = None) -> FloatArray:
        """Each route's contract price in each month of the horizon, in the formula's unit
        (NaN: no price, or a window reaching before the path), from benchmark ``paths``
        of shape (..., benchmarks, HISTORY_MONTHS + months) (default: the paths as
        given), shape (..., routes, months) (a view of :meth:`monthly_price`)."""
        return np.swapaxes(self.monthly_price(paths), -1, -2)

    def monthly_price(self, paths: FloatArray | None = None) -> FloatArray:
        """:meth:`contract_price` laid out by month, shape (..., months, routes)."""
        paths = self.benchmark if paths is None else paths
        months = self.benchmark.shape[1] - HISTORY_MONTHS
        out = np.full((*paths.shape[:-2], months, len(self.routes)), np.nan)
        for r, price in self.distinct_prices(paths).items():
            out[..., self.alike == r] = price[..., None]
        return out

    def distinct_prices(self, paths: FloatArray | None = None) -> dict[int, FloatArray]:
        """The price of each distinct priced route (the keys: :attr:`alike`'s values) in
        each month of the horizon, in its formula's unit, from benchmark ``paths`` (see
        :meth:`contract_price`), each of shape (..., months)."""
        paths = self.benchmark if paths is None else paths
        return {
            int(r): route.price(paths, self.first_year)
            for r in np.unique(self.alike[self.alike >= 0])
            if (route := self.routes[r]) is not None
        }

    @property
    def price(self) -> FloatArray:
        """Each route's contract price on the paths as given, shape (routes, months)."""
        return self.contract_price()

    @property
    def value_per_volume(self) -> FloatArray:
        """Each route's price in USD per bcm or Mt, each month, on the paths as given,
        shape (routes, months)."""
        result: FloatArray = self.price * self.usd_per_volume[:, None]
        return result

    @classmethod
    def of(cls, scenario: Scenario, routes: tuple[str, ...], cal: Calendar) -> PricePlan:
        """Lay out the prices of ``scenario``'s ``routes`` over ``cal``'s months."""
        months = 12 * cal.n_years
        start = cal.date_of(0)
        first = dt.date(start.year - HISTORY_MONTHS // 12, 1, 1)
        benchmarks = tuple(sorted(scenario.prices))
        quoted = [scenario.prices[b] for b in benchmarks]
        spread = np.array(
            [_by_month(q.offsets or [], first, HISTORY_MONTHS + months) for q in quoted]
        ).reshape(len(benchmarks), HISTORY_MONTHS + months)
        relative_to = np.array([_index(q.relative_to, benchmarks) for q in quoted], dtype=np.int64)
        own = [_monthly_means(q.path, first, HISTORY_MONTHS + months) if q.path else None
               for q in quoted]  # fmt: skip
        paths = np.array(
            [path if path is not None else own[relative_to[b]] + spread[b]
             for b, path in enumerate(own)]
        ).reshape(len(benchmarks), HISTORY_MONTHS + months)  # fmt: skip
        spread = np.where((relative_to >= 0)[:, None], spread, 0.0)
        objs = [scenario.routes[r] for r in routes]
        countries, fee = fee_table(objs)
        spreads = [scenario.prices[b].uncertainty for b in benchmarks]
        return cls(
            benchmarks=benchmarks,
            benchmark=paths,
            first_year=first.year,
            routes=tuple(_route_price(route, benchmarks, cal) for route in objs),
            usd_per_volume=np.array(
                [USD_PER_UNIT[route.price.unit] if route.price else np.nan for route in objs]
            ),
            fee=fee,
            countries=countries,
            volatility=np.array([u.volatility if u else 0.0 for u in spreads]),
            persistence=np.array(
                [0.5 ** (1 / (12 * u.half_life_years)) if u else 1.0 for u in spreads]
            ),
            drawn_from=np.array(
                [_first_month_from(u.from_, first) if u else 0 for u in spreads], dtype=np.int64
            ),
            relative_to=relative_to,
            spread=spread,
            alike=_alike(objs),
        )


def _alike(routes: Sequence[Route]) -> IntArray:
    """For each route, the first route whose price has the same terms, cites aside (-1:
    no price)."""
    first: dict[str, int] = {}
    out = np.full(len(routes), -1, dtype=np.int64)
    for r, route in enumerate(routes):
        if route.price is not None:
            terms = json.dumps(_without_cites(route.price.model_dump(mode="json")), sort_keys=True)
            out[r] = first.setdefault(terms, r)
    return out


def _without_cites(value: object) -> object:
    """``value`` (a price's terms as JSON data) with every ``cite`` left out."""
    if isinstance(value, dict):
        return {k: _without_cites(v) for k, v in value.items() if k != "cite"}
    if isinstance(value, list):
        return [_without_cites(v) for v in value]
    return value


def _index(benchmark: str | None, benchmarks: tuple[str, ...]) -> int:
    return -1 if benchmark is None else benchmarks.index(benchmark)


def fee_table(routes: Sequence[Route]) -> tuple[tuple[str, ...], FloatArray]:
    """The countries charging ``routes`` transit fees (sorted) and each route's fee per
    unit of its volume by country, USD per bcm (gas) or Mt (crude), shape (routes,
    countries)."""
    countries = tuple(sorted({f.country for route in routes for f in route.transit_fees}))
    fee = np.zeros((len(routes), len(countries)))
    for r, route in enumerate(routes):
        for f in route.transit_fees:
            fee[r, countries.index(f.country)] += f.value * USD_PER_UNIT[f.unit]
    return countries, fee


def _first_month_from(day: dt.date, first: dt.date) -> int:
    """Index of the first month starting on or after ``day`` in a path from ``first``
    (0 if before the path)."""
    month = (day.year - first.year) * 12 + day.month - 1 + (day.day > 1)
    return max(month, 0)


def _route_price(route: Route, benchmarks: tuple[str, ...], cal: Calendar) -> RoutePrice | None:
    """``route``'s formula laid out over the horizon's months (None: no price)."""
    deal = route.price
    months = 12 * cal.n_years
    if deal is None:
        return None
    if isinstance(deal, Fixed):
        fixed = Escalating(deal.base, deal.base_year, deal.escalation)
        return RoutePrice(-1, None, fixed.price(cal.date_of(0).year, cal.n_years).values)
    b = benchmarks.index(deal.benchmark)
    if isinstance(deal, OilIndexed):
        formula = OilIndexedFormula(
            deal.slope, deal.constant, deal.average_months, deal.lag_months, deal.reset_months
        )
        return RoutePrice(b, formula, np.zeros(months))
    return RoutePrice(b, None, _by_month(deal.offsets, cal.date_of(0), months))


def _by_month(offsets: Sequence[Offset], first: dt.date, months: int) -> FloatArray:
    """Dated differentials in each of ``months`` months from ``first``'s month, each from
    the first month starting on or after its day until the next (NaN before the first),
    shape (months,)."""
    month_starts = np.array(
        [dt.date(first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1, 1)
         for m in range(months)]
    )  # fmt: skip
    out = np.full(months, np.nan)
    for step in offsets:  # in date order
        out[month_starts >= step.from_] = step.value
    return out
