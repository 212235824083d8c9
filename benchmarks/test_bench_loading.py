"""Benchmarks of scenario loading (pytest-benchmark; not part of the default test run).

Run with ``pip install -e ".[bench]" && pytest benchmarks``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowsim import load_scenario
from flowsim.scenario import validate_file

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_load_scenario(benchmark: Any, path: Path) -> None:
    """Time to read, compose and validate one shipped scenario file."""
    scenario = benchmark(load_scenario, path)
    assert scenario.routes


def test_validate_all_shipped(benchmark: Any) -> None:
    """Time for `flowsim validate scenarios/*.toml` minus process start-up."""

    def validate_all() -> int:
        return sum(len(validate_file(p)[1]) for p in SCENARIOS)

    assert benchmark(validate_all) == 0
