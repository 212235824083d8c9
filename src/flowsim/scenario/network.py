"""Checks and lookups over the supply network: routes, the arcs they share, exporters.

The scenario validates itself with :func:`network_problems`; results group routes
by exporter with :func:`exporter_of` (docs/model.md, "Supply network").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim.errors import did_you_mean
from flowsim.scenario.schedules import Ramp, Schedule

if TYPE_CHECKING:
    import datetime as dt

    from flowsim.scenario.route import Maintenance
    from flowsim.scenario.tree import Scenario

__all__ = ["UNATTRIBUTED", "exporter_of", "maintenance_problems", "network_problems"]

UNATTRIBUTED = "unattributed"
"""The exporter of a route whose source names no country."""

Located = list[tuple[tuple[str | int, ...], str]]


def exporter_of(scenario: Scenario, route: str) -> str:
    """The exporting country of ``route``: its source's ``country``."""
    return scenario.sources[scenario.routes[route].source].country or UNATTRIBUTED


def maintenance_problems(
    where: tuple[str | int, ...], windows: list[Maintenance], first: dt.date, last: dt.date
) -> Located:
    """Windows of a route or arc at ``where`` that start outside the horizon."""
    problems: Located = []
    in_horizon = f"must fall in the horizon {first.isoformat()}..{last.isoformat()}"
    for i, window in enumerate(windows):
        if window.every_years is None and not first <= window.start <= last:
            problems.append(
                ((*where, "maintenance", i, "start"), f"{in_horizon} (got {window.start})")
            )
        elif window.start > last:
            problems.append(
                ((*where, "maintenance", i, "start"), f"is after the horizon ends {last}")
            )
    return problems


def _share_problems(where: tuple[str | int, ...], schedule: Schedule) -> Located:
    """Entries of a share schedule above 1."""
    problems: Located = []
    for i, entry in enumerate(schedule):
        keys = ("from_value", "to_value") if isinstance(entry, Ramp) else ("value",)
        for key in keys:
            value = getattr(entry, key)
            if value > 1.0:
                problems.append(((*where, i, key), f"a share must be <= 1 (got {value:g})"))
    return problems


def network_problems(scenario: Scenario) -> Located:
    """What is wrong with the arcs and the routes' paths over them."""
    problems: Located = []
    first, last = scenario.horizon.first_day, scenario.horizon.last_day
    used: set[str] = set()
    for rid, route in scenario.routes.items():
        if route.china_share is not None:
            problems += _share_problems(("routes", rid, "china_share"), route.china_share)
        problems += maintenance_problems(("routes", rid), route.maintenance, first, last)
        for i, aid in enumerate(route.arcs):
            where = ("routes", rid, "arcs", i)
            arc = scenario.arcs.get(aid)
            if arc is None:
                problems.append(
                    (where, f"unknown arc '{aid}'" + did_you_mean(aid, list(scenario.arcs)))
                )
            elif arc.commodity != route.commodity:
                problems.append(
                    (where, f"arc '{aid}' carries {arc.commodity}, the route {route.commodity}")
                )
            elif aid in route.arcs[:i]:
                problems.append((where, f"arc '{aid}' is already on the route's path"))
            used.add(aid)
    for aid, arc in scenario.arcs.items():
        problems += maintenance_problems(("arcs", aid), arc.maintenance, first, last)
        if aid not in used:
            problems.append((("arcs", aid), "no route runs over it (list it in a route's 'arcs')"))
    return problems
