"""The benchmark suite's logic: scenario variants, the regression check, the overhead fit.

Speeds themselves are measured by ``flowsim bench``, never asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import bench
from flowsim.bench import Bench, Measurement, Spec


def test_routes_are_cut_or_replicated_with_both_commodities() -> None:
    """Route counts are met by taking gas and oil in turn; copies keep the original's shocks."""
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
    """A shorter horizon keeps the start year and ends earlier."""
    five = bench._scenario(Spec("numpy", 1, years=5))
    assert (five.horizon.start_year, five.horizon.end_year) == (2015, 2019)


def test_a_measurement_runs_in_its_own_process_on_the_variant() -> None:
    """A measurement runs the variant in a fresh process and reports its size, time and memory."""
    row = bench.measure(Spec("numpy", 64, years=3, routes=5, stream=True))
    assert (row.years, row.routes) == (3, 5)
    assert row.seconds > 0
    assert row.peak_mib > 0
    assert row.member_years_per_s == pytest.approx(64 * 3 / row.seconds)


def test_a_failed_measurement_is_one_clear_error() -> None:
    """A measurement whose process fails is one FlowsimError naming the spec and the cause."""
    with pytest.raises(bench.FlowsimError, match=r"benchmark .* failed: .*no shipped scenario"):
        bench.measure(Spec("numpy", 1, scenario="no_such_scenario"))


def rows(numpy: float, numba: float, des: float) -> Bench:
    """A bench whose kernels ran 1,000 member-years in the given seconds (DES: 10)."""

    def row(kernel: str, seconds: float, members: int) -> Measurement:
        return Measurement(Spec(kernel, members), 10, 9, seconds, 100.0)

    made = [row("numpy", numpy, 100), row("numba", numba, 100), row("des", des, 1)]
    return Bench(made, bandwidth=16e9)


def test_check_passes_at_the_baseline_and_fails_when_the_core_loses_half() -> None:
    """--check passes at the baseline speed-up and names the engine that lost more than half."""
    baseline = {"numpy": 100.0, "numba": 300.0}
    assert bench.check(rows(numpy=1.0, numba=1 / 3, des=1.0), baseline) == []
    failures = bench.check(rows(numpy=2.5, numba=1 / 3, des=1.0), baseline)
    assert len(failures) == 1
    assert failures[0].startswith("core (numpy) is 40x the DES")


def test_floor_is_bytes_per_member_route_day_over_bandwidth() -> None:
    """The floor is 16 bytes per member-route-day at the measured bandwidth."""
    b = rows(1.0, 1.0, 1.0)
    numpy = b.rows[0]
    assert b.floor_seconds(numpy) == pytest.approx(100 * 10 * 365.25 * 9 * 16 / 16e9)


def test_block_overhead_fit_recovers_per_block_and_per_member_cost() -> None:
    """The least-squares fit recovers the per-block and per-member seconds it was built from."""
    made = [
        Measurement(
            Spec("numba", 4096, block_size=size), 36, 9, 4096 * 1e-3 + (4096 / size) * 0.02, 1
        )
        for size in (64, 256, 1024, 4096)
    ]
    per_block, per_member = bench.block_overhead(made)
    assert per_block == pytest.approx(0.02)
    assert per_member == pytest.approx(1e-3)


class Clock:
    """A stand-in for time.perf_counter that returns the given readings in turn."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def perf_counter(self) -> float:
        return self.readings.pop(0)


def test_memory_bandwidth_is_bytes_copied_over_the_fastest_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bandwidth is read plus written bytes over the fastest of the timed copies."""
    copied = 2 * 4 * 2**20  # 4 MiB read and 4 MiB written per copy
    monkeypatch.setattr(bench, "time", Clock(10.0, 10.5))
    assert bench.memory_bandwidth(mib=4, repeats=1) == copied / 0.5
    clock = Clock(0.0, 0.5, 1.0, 1.25, 2.0, 3.0)  # copies of 0.5 s, 0.25 s and 1 s
    monkeypatch.setattr(bench, "time", clock)
    assert bench.memory_bandwidth(mib=4, repeats=3) == copied / 0.25
    assert clock.readings == []  # every copy was timed, once


def test_memory_bandwidth_copies_the_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each timed copy moves the whole buffer of ``mib`` MiB of float64 into another."""
    copies: list[tuple[int, bool]] = []

    def copyto(target: np.ndarray, source: np.ndarray) -> None:
        copies.append((source.nbytes, bool((source == 1).all())))
        target[...] = source

    monkeypatch.setattr(bench.np, "copyto", copyto)
    bench.memory_bandwidth(mib=2, repeats=3)
    assert copies == [(2 * 2**20, True)] * 3
