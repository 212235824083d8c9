"""Benchmarks of the numpy core on the Monte Carlo reference ensemble.

The Monte Carlo reference scenario (``scenarios/monte_carlo.toml``): 2015-2050,
all routes, forced outages, commissioning delays, demand uncertainty and random
shocks; annual output. Run with ``pip install -e ".[bench]" && pytest benchmarks``;
``python benchmarks/report.py`` prints the figures quoted in docs/benchmarks.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import flowsim

MONTE_CARLO = Path(__file__).resolve().parents[1] / "scenarios" / "monte_carlo.toml"


@pytest.fixture(scope="module")
def scenario() -> flowsim.Scenario:
    return flowsim.load_scenario(MONTE_CARLO)


@pytest.mark.parametrize("members", [100, 1000])
def test_core_ensemble(benchmark: Any, scenario: flowsim.Scenario, members: int) -> None:
    """Wall time of a Monte Carlo ensemble, annual output."""
    result = benchmark.pedantic(
        flowsim.run, args=(scenario,), kwargs={"members": members, "seed": 1}, rounds=1
    )
    years = result.annual.sizes["year"]
    benchmark.extra_info["member_years_per_second"] = members * years / benchmark.stats["mean"]
    assert result.annual.sizes["member"] == members


def test_sampling_only(benchmark: Any, scenario: flowsim.Scenario) -> None:
    """Time to draw the realisations of 1,000 members (part of every run)."""
    from flowsim.sampling import sample

    real = benchmark.pedantic(sample, args=(scenario, 1000, 1), rounds=1)
    assert len(real.members) == 1000
