"""Benchmarks of the SimPy DES engine: seconds per member and events per second.

Not part of the default test run: ``pip install -e ".[bench]" && pytest benchmarks``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import flowsim
from flowsim.engines import des
from flowsim.plan import Plan
from flowsim.sampling import sample

MONTE_CARLO = Path(__file__).resolve().parents[1] / "scenarios" / "monte_carlo.toml"


def test_des_member(benchmark: Any) -> None:
    """One member of the Monte Carlo reference (36 years, 9 routes), continuous flows."""
    scenario = flowsim.load_scenario(MONTE_CARLO)
    plan, real = Plan.of(scenario), sample(scenario, 1, 1)
    start = time.perf_counter()
    out = benchmark.pedantic(des.simulate_member, args=(plan, real, 0), rounds=3)
    seconds = (time.perf_counter() - start) / 3
    benchmark.extra_info["events"] = out["events"]
    benchmark.extra_info["events_per_second"] = out["events"] / seconds
    assert out["events"] > plan.n_days
