"""The scenario tree: frozen values, round trips, the resolved TOML and a stable digest."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from flowsim import ScenarioError, load_scenario
from flowsim.scenario import Scenario, scenario_from_dict, scenario_from_text

from .conftest import DATA, ROOT

SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def test_scenario_is_frozen() -> None:
    """A validated scenario cannot be changed in place."""
    s = load_scenario(DATA / "malformed" / "_base.toml")
    with pytest.raises(Exception, match="frozen"):
        s.routes["pipe"].priority = 3  # type: ignore[misc]


def test_round_trip_through_python_and_json() -> None:
    """dump -> validate gives an equal scenario, from Python objects and from JSON text."""
    s = load_scenario(DATA / "malformed" / "_base.toml")
    again = Scenario.model_validate(s.model_dump(by_alias=True))
    assert again == s
    from_json = scenario_from_dict(json.loads(s.model_dump_json(by_alias=True)))
    assert from_json == s


def test_shock_routes_include_transit_countries() -> None:
    """A shock on a transit country hits every route that crosses it."""
    s = load_scenario(DATA / "malformed" / "_base.toml")
    assert s.shock_routes("halt") == ["pipe"]


def test_routes_of_commodity_follow_dispatch_order() -> None:
    """Dispatch order is (priority, route id)."""
    cite = "assumption: t"
    route = {"commodity": "gas", "source": "field", "capacity": [], "cite": cite}
    doc = {
        "horizon": {"start_year": 2020, "end_year": 2021},
        "sources": {"field": {"commodity": "gas"}},
        "routes": {
            "pipe": {**route, "priority": 1},
            "alpha": {**route, "priority": 1},
            "zulu": route,
        },
    }
    assert scenario_from_dict(doc).routes_of("gas") == ["zulu", "alpha", "pipe"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_to_toml_loads_back_equal(path: Path) -> None:
    """The resolved scenario written as TOML (results' scenario.toml) loads to an equal one."""
    scenario = load_scenario(path)
    again = scenario_from_text(scenario.to_toml(), file="scenario.toml")
    assert again == scenario
    assert "extends" not in tomllib.loads(scenario.to_toml())


def test_digest_is_stable_and_changes_with_any_figure() -> None:
    """Equal scenarios share a digest whatever the key order; a changed figure changes it."""
    scenario = load_scenario(DATA / "malformed" / "_base.toml")
    doc = scenario.model_dump(by_alias=True)
    reordered = scenario_from_dict(dict(reversed(list(doc.items()))))
    assert reordered.digest() == scenario.digest()
    assert len(scenario.digest()) == 64
    doc["routes"]["pipe"]["capacity"][0]["value"] += 1
    assert scenario_from_dict(doc).digest() != scenario.digest()
    doc = json.loads(scenario.model_dump_json(by_alias=True))
    doc["routes"]["pipe"]["cite"] = "report: another source"
    assert scenario_from_dict(doc).digest() != scenario.digest()


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("routes", "pipe", "capacity", 0, "value"), 1e308, "must be <= 10000 (got 1e+308)"),
        (("sources", "field", "production", 0, "value"), 2e4, "must be <= 10000"),
        (("routes", "pipe", "forced_outages", "mtbf_days"), 0.001, "must be >= 1 (got 0.001)"),
        (("routes", "pipe", "commissioning_delay", "days"), 10**9, "must be <= 36525"),
    ],
)
def test_absurd_magnitudes_are_refused(
    where: tuple[str | int, ...], value: float, message: str
) -> None:
    """Rates beyond 10,000 bcm/yr or Mt/yr, sub-day outage means and century delays are errors."""
    cite = "assumption: t"
    doc = {
        "horizon": {"start_year": 2020, "end_year": 2021},
        "sources": {
            "field": {
                "commodity": "gas",
                "production": [{"from": 2020, "value": 50, "cite": cite}],
            }
        },
        "routes": {
            "pipe": {
                "commodity": "gas",
                "source": "field",
                "capacity": [{"from": 2020, "value": 38, "cite": cite}],
                "forced_outages": {"mtbf_days": 300, "mttr_days": 3, "cite": cite},
                "commissioning_delay": {"distribution": "fixed", "days": 10, "cite": cite},
                "cite": cite,
            }
        },
    }
    assert scenario_from_dict(doc).routes["pipe"].capacity  # valid as it stands
    target: Any = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(ScenarioError, match=re.escape(message)):
        scenario_from_dict(doc)
