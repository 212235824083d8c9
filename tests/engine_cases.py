"""Shared cases of the engine tests: scenarios, a hypothesis strategy, invariant checks.

Not a test module (it holds no tests); the engine, cross-check, plan, sampling
and result tests import from here, never from each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from flowsim import Result
from flowsim.sampling import Realisations
from flowsim.scenario import Scenario, scenario_from_dict, scenario_from_text

from .conftest import tiny_doc

__all__ = [
    "CARGO_SCENARIO",
    "CITE",
    "NETWORK",
    "NETWORK_SCENARIO",
    "RANDOM",
    "RANDOM_SCENARIO",
    "UNCERTAIN",
    "UNCERTAIN_SCENARIO",
    "annual",
    "assert_daily_invariants",
    "generated",
    "has_random_elements",
    "members_identical",
    "scenario",
]

CITE = "assumption: test"


def scenario(doc: dict[str, Any]) -> Scenario:
    """The validated scenario of a document (a :func:`tiny_doc` the test adapted)."""
    return scenario_from_dict(doc)


def annual(result: Result, var: str, route: str = "pipe", member: int = 0) -> list[float]:
    """One route's annual values of ``var`` in one member, year by year."""
    values: list[float] = result.annual[var].sel(route=route, member=member).values.tolist()
    return values


# --- a scenario with every kind of randomness ----------------------------------

RANDOM = """\
[horizon]
start_year = 2020
end_year = 2024
[sources.field]
commodity = "gas"
[routes.pipe]
commodity = "gas"
source = "field"
capacity = [{from = 2020, value = 38, cite = "assumption: t"}]
cite = "assumption: t"
[routes.pipe.forced_outages]
mtbf_days = 60
mttr_days = 4
distribution = "lognormal"
shape = 0.8
cite = "assumption: t"
[routes.pipe.commissioning_delay]
distribution = "triangular"
min_days = 0
mode_days = 30
max_days = 400
cite = "assumption: t"
[demand.gas]
annual = [{from = 2020, value = 45, cite = "assumption: t"}]
uncertainty = {sigma = 0.1, persistence = 0.5, cite = "assumption: t"}
[balancing.gas]
label = "LNG"
cap = [{from = 2020, value = 5, cite = "assumption: t"}]
[shocks.cold_winter]
routes = ["pipe"]
hazard_per_year = 0.5
months = [12, 1, 2]
duration_days = 20
duration_distribution = "exponential"
derate_fraction = 0.5
cite = "assumption: t"
"""

RANDOM_SCENARIO = scenario_from_text(RANDOM)
"""RANDOM, loaded (scenarios are frozen, so the tests share one)."""

# --- uncertain figures: factors on capacity, production and demand, one driver -----

UNCERTAIN = (
    RANDOM.replace(
        '[sources.field]\ncommodity = "gas"',
        '[sources.field]\ncommodity = "gas"\n'
        'production = [{from = 2020, value = 40, cite = "assumption: t"}]\n'
        'production_factor = {dist = "normal", mean = 0.95, sd = 0.05, low = 0, '
        'cite = "assumption: t"}',
    )
    .replace(
        "[routes.pipe.forced_outages]",
        'capacity_factor = {dist = "triangular", low = 0.8, mode = 1.0, high = 1.1, '
        'per = "year", driver = "cold", correlation = -0.7, cite = "assumption: t"}\n'
        "[routes.pipe.forced_outages]",
    )
    .replace(
        "uncertainty = {",
        'level_factor = {dist = "lognormal", median = 1, sigma = 0.1, per = "year", '
        'driver = "cold", correlation = 0.8, cite = "assumption: t"}\nuncertainty = {',
    )
    + '[drivers.cold]\nper = "year"\ncite = "assumption: cold winters"\n'
)
"""RANDOM with a capacity factor and a demand level drawn each year on one driver
(against each other), and a production factor drawn per member."""

UNCERTAIN_SCENARIO = scenario_from_text(UNCERTAIN)


# --- a seaborne route that moves cargoes (DES) ---------------------------------

CARGO_SCENARIO = """\
[horizon]
start_year = 2021
end_year = 2024
[sources.crude]
commodity = "oil"
[routes.tankers]
commodity = "oil"
source = "crude"
kind = "seaborne"
capacity = [{from = 2021, value = 36.5, cite = "assumption: test, 0.1 Mt/day"}]
own_use_loss_fraction = 0.01
cite = "assumption: test"
[routes.tankers.cargoes]
size = 0.7
loading_days = 1
voyage_days = 5
cite = "assumption: test, about an Aframax-Suezmax cargo"
"""


# --- a network: a shared trunk, losses, a China share, arc events ----------------

NETWORK = """\
[horizon]
start_year = 2020
end_year = 2023
[sources.russia]
commodity = "oil"
country = "Russia"
production = [{from = 2020, value = 88, cite = "assumption: test"}]
[sources.kazakhstan]
commodity = "oil"
country = "Kazakhstan"
[arcs.trunk]
commodity = "oil"
capacity = [{from = 2020, value = 95, cite = "assumption: test"}]
own_use_loss_fraction = 0.004
maintenance = [{start = 2020-06-01, duration_days = 10, derate_fraction = 0.5, every_years = 1, \
cite = "assumption: test"}]
forced_outages = {mtbf_days = 40, mttr_days = 3, derate_fraction = 0.6, cite = "assumption: test"}
cite = "assumption: test"
[arcs.border]
commodity = "oil"
kind = "border"
capacity = [{from = 2020, value = 30, cite = "assumption: test"}]
own_use_loss_fraction = 0.002
cite = "assumption: test"
[routes.spur]
commodity = "oil"
source = "russia"
arcs = ["trunk"]
capacity = [{from = 2020, value = 35, cite = "assumption: test"}]
own_use_loss_fraction = 0.001
contract = {acq = [{from = 2020, value = 30, cite = "assumption: test"}], \
daily_flexibility = 1.1, cite = "assumption: test"}
cite = "assumption: test"
[routes.kozmino]
commodity = "oil"
source = "russia"
kind = "seaborne"
arcs = ["trunk"]
capacity = [{from = 2020, value = 45, cite = "assumption: test"}]
china_share = [{start = 2020-01-01, end = 2023-01-01, from_value = 0.5, to_value = 0.8, \
cite = "assumption: test"}]
cite = "assumption: test"
[routes.kozmino.forced_outages]
mtbf_days = 90
mttr_days = 5
derate_fraction = 0.5
cite = "assumption: test"
[routes.transit]
commodity = "oil"
source = "russia"
priority = 1
arcs = ["trunk", "border"]
capacity = [{from = 2020, value = 12, cite = "assumption: test"}]
cite = "assumption: test"
[routes.kazakh]
commodity = "oil"
source = "kazakhstan"
priority = 1
arcs = ["border"]
capacity = [{from = 2020, value = 20, cite = "assumption: test"}]
cite = "assumption: test"
[demand.oil]
annual = [{from = 2020, value = 80, cite = "assumption: test"}]
uncertainty = {sigma = 0.15, persistence = 0.5, cite = "assumption: test"}
[balancing.oil]
label = "other crude"
[shocks.trunk_fire]
arcs = ["trunk"]
hazard_per_year = 3
duration_days = 15
duration_distribution = "exponential"
derate_fraction = 0.7
cite = "assumption: test"
"""

NETWORK_SCENARIO = scenario_from_text(NETWORK)
"""NETWORK, loaded: two equal-priority routes share a trunk (one with a contract, one a
lane sending part of its volume elsewhere), and at a lower priority a transit route over
the trunk and a border crossing shares the crossing with a Kazakh route; the trunk has
losses, yearly maintenance, forced outages and a random shock."""


# --- randomness of a scenario ---------------------------------------------------


def has_random_elements(s: Scenario) -> bool:
    """Whether members of ``s`` can differ.

    Random are: forced outages (of routes or arcs), a commissioning delay that is not ``fixed``, a
    shock with ``hazard_per_year``, ``probability < 1`` or a random duration,
    and demand uncertainty. Without any of these every member is the same.
    """
    routes = any(
        r.forced_outages is not None
        or (r.commissioning_delay is not None and r.commissioning_delay.distribution != "fixed")
        for r in s.routes.values()
    ) or any(a.forced_outages is not None for a in s.arcs.values())
    shocks = any(
        k.hazard_per_year is not None or k.probability < 1 or k.duration_distribution != "fixed"
        for k in s.shocks.values()
    )
    demand = any(d.uncertainty is not None for d in s.demand.values())
    return routes or shocks or demand


def members_identical(real: Realisations) -> bool:
    """Whether every member of ``real`` has the same draws as the first."""
    n = len(real.members)

    def events(which: str, m: int) -> list[tuple[int, int, int]]:
        e = getattr(real, which).of(member=m)
        return sorted(zip(e.target.tolist(), e.start.tolist(), e.duration.tolist(), strict=True))

    return all(
        np.array_equal(real.delay_days[m], real.delay_days[0])
        and np.array_equal(real.demand_multiplier[m], real.demand_multiplier[0])
        and events("outages", m) == events("outages", 0)
        and events("shock_events", m) == events("shock_events", 0)
        and events("arc_outages", m) == events("arc_outages", 0)
        for m in range(1, n)
    )


# --- invariants -------------------------------------------------------------------


def assert_daily_invariants(result: Result) -> None:
    """model.md section 5 invariants, every day of every member, to 1e-9 relative."""
    d = result.daily
    assert d is not None
    for name in ("flow", "delivered", "available", "balancing", "unmet"):
        assert np.isfinite(d[name]).all(), name
    tol = 1e-9
    assert (d.flow >= 0).all()
    assert (d.flow <= d.available * (1 + tol) + 1e-15).all()
    assert (d.flow <= d.contract_limit * (1 + tol) + 1e-15).all()
    used = d.flow.groupby(d.route_source).sum("route").rename(route_source="source")
    assert (used <= d.production.sel(source=used.source) * (1 + tol) + 1e-15).all()
    routes_delivered = (
        d.delivered.groupby(d.route_commodity).sum("route").rename(route_commodity="commodity")
    )
    for c in d.commodity.values:
        if d.demand.sel(commodity=c).isnull().all():  # no demand block: not demand limited
            assert (d.unmet.sel(commodity=c) == 0).all()
            continue
        total = (
            routes_delivered.sel(commodity=c)
            + d.balancing.sel(commodity=c)
            + d.storage_withdrawal.sel(commodity=c)
            + d.unmet.sel(commodity=c)
        )
        served = d.demand.sel(commodity=c) + d.storage_injection.sel(commodity=c)
        np.testing.assert_allclose(total, served, rtol=tol, atol=1e-12)
        level = d.storage_level.sel(commodity=c)
        assert (level >= 0).all()
        moved = (d.storage_injection - d.storage_withdrawal).sel(commodity=c).cumsum("day")
        start = level.isel(day=0) - moved.isel(day=0)  # the level before the first day
        np.testing.assert_allclose(level, start + moved, rtol=1e-9, atol=1e-9)


# --- random small scenarios ---------------------------------------------------------

CAP = st.one_of(st.just(0.0), st.floats(1e-6, 100))
"""A capacity or ACQ: none, or from 1e-6 (1,000 m³ or 1 t a year) up. Hypothesis once drew
an ACQ of 4e-255, where the engines' 1e-9 ties round apart in the binding-day counts:
no figure of a scenario is that small."""
SHARE = st.sampled_from([0.0, 0.3, 0.8, 1.0])


def _arcs(draw: st.DrawFn, routes: list[str]) -> dict[str, Any]:
    """0-2 shared arcs with capacities, losses and maybe outages or maintenance."""
    arcs: dict[str, Any] = {}
    for a in range(draw(st.integers(0, 2))):
        arc: dict[str, Any] = {
            "commodity": "gas",
            "capacity": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
            "own_use_loss_fraction": draw(st.floats(0, 0.1)),
            "cite": CITE,
        }
        if draw(st.booleans()):
            arc["forced_outages"] = {
                "mtbf_days": draw(st.floats(5, 400)),
                "mttr_days": draw(st.floats(1, 30)),
                "derate_fraction": draw(st.floats(0.1, 1)),
                "cite": CITE,
            }
        if draw(st.booleans()):
            arc["maintenance"] = [
                {"start": "2024-05-01", "duration_days": 10, "derate_fraction": 0.5, "cite": CITE}
            ]
        arcs[f"a{a}"] = arc
    return arcs


def _storage(draw: st.DrawFn) -> dict[str, Any]:
    """A gas storage pool with random size, rates, fills, rule and order."""
    fill = st.floats(0, 1)
    pool: dict[str, Any] = {
        "label": "pool",
        "working_volume": [{"from": 2023, "value": draw(st.floats(0, 20)), "cite": CITE}],
        "injection": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
        "withdrawal": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
        "initial_fill": draw(fill),
        "reserve_fill": draw(fill),
        "order": draw(st.sampled_from(["before_balancing", "after_balancing"])),
        "cite": CITE,
    }
    if draw(st.booleans()):
        pool["target_fill"] = draw(st.lists(fill, min_size=12, max_size=12))
    if draw(st.booleans()):
        pool["withdrawal_by_fill"] = [[0.0, draw(st.floats(0, 1))], [draw(st.floats(0.01, 1)), 1.0]]
    if draw(st.booleans()):
        pool["injection_by_fill"] = [[draw(st.floats(0, 0.99)), 1.0], [1.0, draw(st.floats(0, 1))]]
    return pool


@st.composite
def generated(draw: st.DrawFn) -> Scenario:
    """Random small scenarios: 1-4 routes on 1-2 sources, contracts, losses, demand, shocks."""
    doc = tiny_doc()
    n_sources = draw(st.integers(1, 2))
    doc["sources"] = {
        f"s{i}": {
            "commodity": "gas",
            **(
                {"production": [{"from": 2000, "value": draw(CAP), "cite": CITE}]}
                if draw(st.booleans())
                else {}
            ),
        }
        for i in range(n_sources)
    }
    routes = {}
    for r in range(draw(st.integers(1, 4))):
        route: dict[str, Any] = {
            "commodity": "gas",
            "source": f"s{draw(st.integers(0, n_sources - 1))}",
            "capacity": [
                {"from": 2023, "value": draw(CAP), "cite": CITE},
                {
                    "start": 2024,
                    "end": 2025,
                    "from_value": draw(CAP),
                    "to_value": draw(CAP),
                    "shape": draw(st.sampled_from(["linear", "logistic"])),
                    "cite": CITE,
                },
            ],
            "priority": draw(st.integers(0, 2)),
            "own_use_loss_fraction": draw(st.floats(0, 0.3)),
            "cite": CITE,
        }
        if draw(st.booleans()):
            route["contract"] = {
                "acq": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
                "daily_flexibility": draw(st.floats(1, 1.5)),
                "spread_over": draw(st.sampled_from(["calendar_days", "operating_days"])),
                "cite": CITE,
            }
        if draw(st.booleans()):
            route["maintenance"] = [
                {
                    "start": "2023-07-01",
                    "duration_days": draw(st.integers(1, 30)),
                    "derate_fraction": draw(st.sampled_from([0.5, 1.0])),
                    "every_years": 1,
                    "cite": CITE,
                }
            ]
        if draw(st.booleans()):
            route["forced_outages"] = {
                "mtbf_days": draw(st.floats(5, 400)),
                "mttr_days": draw(st.floats(1, 30)),
                "cite": CITE,
            }
        if draw(st.booleans()):
            route["commissioning_delay"] = {
                "distribution": "uniform",
                "min_days": 0,
                "max_days": draw(st.integers(0, 400)),
                "cite": CITE,
            }
        routes[f"r{r}"] = route
    doc["routes"] = routes
    arcs = _arcs(draw, list(routes))
    if arcs:
        doc["arcs"] = arcs
        for rid in routes:
            on = [a for a in arcs if draw(st.booleans())]
            if on:
                routes[rid]["arcs"] = on
            if draw(st.booleans()):
                routes[rid]["china_share"] = [{"from": 2023, "value": draw(SHARE), "cite": CITE}]
        for aid in arcs:  # every arc carries some route
            if not any(aid in r.get("arcs", []) for r in routes.values()):
                routes["r0"].setdefault("arcs", []).append(aid)
    if draw(st.booleans()):
        doc["demand"] = {
            "gas": {
                "annual": [{"from": 2023, "value": draw(CAP), "cite": CITE}],
                "seasonality": {
                    "monthly_weights": draw(st.lists(st.floats(0.1, 3), min_size=12, max_size=12)),
                    "cite": CITE,
                },
                "uncertainty": {
                    "sigma": draw(st.floats(0, 0.3)),
                    "persistence": draw(st.floats(0, 1)),
                    "cite": CITE,
                },
            }
        }
        cap = draw(st.one_of(st.none(), CAP))
        doc["balancing"] = {
            "gas": {
                "label": "LNG",
                **({} if cap is None else {"cap": [{"from": 2023, "value": cap, "cite": CITE}]}),
            }
        }
        if draw(st.booleans()):
            doc["storage"] = {"gas": _storage(draw)}
    if draw(st.booleans()):
        target = {"arcs": ["a0"]} if arcs and draw(st.booleans()) else {"routes": ["r0"]}
        doc["shocks"] = {
            "random": {
                **target,
                "hazard_per_year": draw(st.floats(0, 3)),
                "duration_days": draw(st.integers(1, 60)),
                "derate_fraction": draw(st.floats(0, 1)),
                "cite": CITE,
            }
        }
    return scenario(doc)
