"""Benchmarks of the core on the Monte Carlo reference ensemble (pytest-benchmark).

``scenarios/monte_carlo.toml``: 2015-2050, all routes, forced outages,
commissioning delays, demand uncertainty and random shocks; annual output.
Not part of the default test run: ``pip install -e ".[bench]" && pytest benchmarks``.
``flowsim bench`` prints the table quoted in docs/benchmarks.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import flowsim
from flowsim.engines import fused
from flowsim.sampling import sample

MONTE_CARLO = Path(__file__).resolve().parents[1] / "scenarios" / "monte_carlo.toml"
KERNELS = [False, True] if fused.AVAILABLE else [False]


@pytest.fixture(scope="module")
def scenario() -> flowsim.Scenario:
    scenario = flowsim.load_scenario(MONTE_CARLO)
    if fused.AVAILABLE:
        flowsim.run(scenario, members=2, engine="numba")  # compile outside the timing
    return scenario


@pytest.mark.parametrize("use_fused", KERNELS, ids=lambda f: "numba" if f else "numpy")
def test_reference_ensemble_1000_members(
    benchmark: Any, scenario: flowsim.Scenario, use_fused: bool
) -> None:
    """Wall time of 1,000 members, 2015-2050, annual output."""
    result = benchmark.pedantic(
        flowsim.run,
        args=(scenario,),
        kwargs={"members": 1000, "seed": 1, "engine": "numba" if use_fused else "numpy"},
        rounds=2,
    )
    years = result.annual.sizes["year"]
    if benchmark.stats:  # None under --benchmark-disable
        benchmark.extra_info["member_years_per_second"] = 1000 * years / benchmark.stats["mean"]
    assert result.annual.sizes["member"] == 1000


def test_sampling_1000_members(benchmark: Any, scenario: flowsim.Scenario) -> None:
    """Drawing the realisations of 1,000 members (part of every run)."""
    real = benchmark.pedantic(sample, args=(scenario, 1000, 1), rounds=3)
    assert len(real.members) == 1000
