"""The engines held against each other (flowsim.crosscheck): the DES reproduces the numpy core."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowsim
from flowsim.cli import cli
from flowsim.crosscheck import TOLERANCE, crosscheck
from flowsim.sampling import sample
from flowsim.scenario import Scenario

from .conftest import ENGINE_SHIPPED, ROOT, tiny_doc
from .engine_cases import (
    CITE,
    UNCERTAIN_SCENARIO,
    generated,
    has_random_elements,
    members_identical,
    scenario,
)

RANDOM_MEMBERS = 8
"""Members compared in a shipped scenario with random elements."""


@pytest.mark.parametrize("path", ENGINE_SHIPPED, ids=lambda p: p.stem)
def test_des_reproduces_the_core_on_shipped_scenarios(path: Path) -> None:
    """Every shipped scenario: daily and annual values agree to 1e-9 (8 members if random)."""
    s = flowsim.load_scenario(path)
    if has_random_elements(s):
        members = RANDOM_MEMBERS
    else:  # every member is the same, so one checks as much as eight (the draws confirm it)
        assert members_identical(sample(s, RANDOM_MEMBERS, seed=11))
        members = 1
    check = crosscheck(s, members=members, seed=11)
    assert check.members == members
    worst = max(check.differences, key=check.differences.__getitem__)
    assert check.differences[worst] <= TOLERANCE, f"{worst}: {check.differences[worst]:.2e}"
    assert check.agree


def test_des_and_core_agree_on_a_generated_edge_case() -> None:
    """A shock on a source, a contract and a delay at once: the engines still agree."""
    doc = tiny_doc()
    doc["sources"]["field"]["production"] = [{"from": 2000, "value": 45, "cite": CITE}]
    doc["routes"]["pipe"]["contract"] = {
        "acq": [{"from": 2000, "value": 30, "cite": CITE}],
        "daily_flexibility": 1.2,
        "cite": CITE,
    }
    doc["routes"]["pipe"]["commissioning_delay"] = {
        "distribution": "uniform",
        "min_days": 0,
        "max_days": 200,
        "cite": CITE,
    }
    doc["shocks"] = {
        "frost": {
            "sources": ["field"],
            "hazard_per_year": 2.0,
            "duration_days": 20,
            "derate_fraction": 0.9,
            "cite": CITE,
        }
    }
    check = crosscheck(scenario(doc), members=5, seed=1)
    differences = check.differences
    assert {"annual.delivered", "daily.flow", "daily.production"} <= set(differences)
    assert np.isfinite(list(differences.values())).all()
    assert max(differences.values()) <= TOLERANCE


def test_des_and_core_agree_with_uncertain_figures() -> None:
    """Factors on capacity, production and demand drawn per member and year: 1e-9, day by
    day too."""
    check = crosscheck(UNCERTAIN_SCENARIO, members=4, seed=2)
    assert {"annual.capacity", "daily.production", "daily.demand"} <= set(check.differences)
    assert check.agree, check.worst


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32))
def test_des_matches_the_core_on_generated_scenarios(s: Scenario, seed: int) -> None:
    """Random scenarios (shared sources, losses, contracts, outages, delays, shocks): 1e-9."""
    differences = crosscheck(s, members=2, seed=seed).differences
    worst = max(differences, key=differences.__getitem__)
    assert differences[worst] <= TOLERANCE, f"{worst}: {differences[worst]:.2e}"


def test_crosscheck_command_reports_and_exits_zero() -> None:
    """`flowsim crosscheck` prints one line per variable and exits 0 when they agree."""
    path = str(ROOT / "scenarios" / "kazakh_transit_halt.toml")
    done = CliRunner().invoke(cli, ["crosscheck", path, "--members", "2"], terminal_width=120)
    out = done.output
    assert done.exit_code == 0, out
    assert "annual.delivered" in out
    assert "daily.flow" in out
    assert "largest relative difference" in out
