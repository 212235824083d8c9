"""The benchmark suite's logic: scenario variants, the regression check, the overhead fit.

Speeds themselves are measured by ``flowsim bench``, never asserted here.
"""

from __future__ import annotations

import pytest

from flowsim import bench
from flowsim.bench import Bench, Measurement, Spec


def test_routes_are_cut_or_replicated_with_both_commodities() -> None:
    four = bench._scenario(Spec("numpy", 1, routes=4))
    assert len(four.routes) == 4
    assert {r.commodity for r in four.routes.values()} == {"gas", "oil"}
    forty = bench._scenario(Spec("numpy", 1, routes=40))
    assert len(forty.routes) == 40
    assert forty.routes["espo_copy2"] == forty.routes["espo"]
    hit = forty.shocks["sanctions_escalation"].routes
    assert "kozmino_crude_copy3" in hit
    assert "kozmino_crude" in hit


def test_horizon_is_shortened_from_its_start() -> None:
    five = bench._scenario(Spec("numpy", 1, years=5))
    assert (five.horizon.start_year, five.horizon.end_year) == (2015, 2019)


def test_a_measurement_runs_in_its_own_process_on_the_variant() -> None:
    row = bench.measure(Spec("numpy", 64, years=3, routes=5, stream=True))
    assert (row.years, row.routes) == (3, 5)
    assert row.seconds > 0
    assert row.peak_mib > 0
    assert row.member_years_per_s == pytest.approx(64 * 3 / row.seconds)


def test_a_failed_measurement_is_one_clear_error() -> None:
    with pytest.raises(bench.FlowsimError, match=r"benchmark .* failed: .*no shipped scenario"):
        bench.measure(Spec("numpy", 1, scenario="no_such_scenario"))


def rows(numpy: float, numba: float, des: float) -> Bench:
    """A bench whose kernels ran 1,000 member-years in the given seconds (DES: 10)."""

    def row(kernel: str, seconds: float, members: int) -> Measurement:
        return Measurement(Spec(kernel, members), 10, 9, seconds, 100.0)

    made = [row("numpy", numpy, 100), row("numba", numba, 100), row("des", des, 1)]
    return Bench(made, bandwidth=16e9)


def test_check_passes_at_the_baseline_and_fails_when_the_core_loses_half() -> None:
    baseline = {"numpy": 100.0, "numba": 300.0}
    assert bench.check(rows(numpy=1.0, numba=1 / 3, des=1.0), baseline) == []
    failures = bench.check(rows(numpy=2.5, numba=1 / 3, des=1.0), baseline)
    assert len(failures) == 1
    assert failures[0].startswith("core (numpy) is 40x the DES")


def test_floor_is_bytes_per_member_route_day_over_bandwidth() -> None:
    b = rows(1.0, 1.0, 1.0)
    numpy = b.rows[0]
    assert b.floor_seconds(numpy) == pytest.approx(100 * 10 * 365.25 * 9 * 16 / 16e9)


def test_block_overhead_fit_recovers_per_block_and_per_member_cost() -> None:
    made = [
        Measurement(
            Spec("numba", 4096, block_size=size), 36, 9, 4096 * 1e-3 + (4096 / size) * 0.02, 1
        )
        for size in (64, 256, 1024, 4096)
    ]
    per_block, per_member = bench.block_overhead(made)
    assert per_block == pytest.approx(0.02)
    assert per_member == pytest.approx(1e-3)


def test_memory_bandwidth_is_bytes_per_second() -> None:
    assert bench.memory_bandwidth(mib=8, repeats=2) > 1e8
