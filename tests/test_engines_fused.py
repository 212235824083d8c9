"""The numba engine (flowsim.engines.fused): its agreement contract, its vector code, and
per-lane state carried from day to day.

The kernel sums each year sequentially; the numpy core sums pairwise. They agree to
1e-12 relative on every annual value, day counts exactly; the kernel and the DES
(which also sums in day order) agree more closely still.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowsim
from flowsim import FlowsimError
from flowsim.crosscheck import NOISE, relative_difference
from flowsim.engines import core, des, fused, fused_day
from flowsim.plan import Plan
from flowsim.sampling import Realisations, sample
from flowsim.scenario import Scenario
from flowsim.variables import ENGINE_ANNUAL, names

from .conftest import ENGINE_SHIPPED, MONTE_CARLO
from .engine_cases import NETWORK_SCENARIO, RANDOM_SCENARIO, UNCERTAIN_SCENARIO, generated

pytestmark = pytest.mark.skipif(not fused.AVAILABLE, reason="numba is not installed")

RELATIVE = 1e-12
"""Largest relative difference allowed between the numba and the numpy engine."""

EXACT = [n for n in names(ENGINE_ANNUAL) if n.endswith("_days")] + ["peak_day"]
"""Annual values with no sum over days: the engines must agree on them exactly."""


def assert_agree(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray]) -> None:
    """Every annual value within RELATIVE, or NOISE of zero (NaN where the other is NaN);
    day counts and the peak day equal."""
    assert expected.keys() == actual.keys()
    for name, values in expected.items():
        if name in EXACT:
            np.testing.assert_array_equal(actual[name], values, err_msg=name)
        else:
            np.testing.assert_allclose(
                actual[name], values, rtol=RELATIVE, atol=NOISE, err_msg=name
            )


def kernels(s: Scenario, members: int, seed: int, **options: object) -> tuple[dict, dict]:
    plan, real = Plan.of(s), sample(s, members, seed)
    return core.simulate_chunk(plan, real), fused.simulate_chunk(plan, real, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ENGINE_SHIPPED, ids=lambda p: p.stem)
def test_numba_agrees_with_numpy_on_shipped_scenarios(path: Path) -> None:
    """Every shipped scenario: within 1e-12 relative, day counts and N-1 exact."""
    assert_agree(*kernels(flowsim.load_scenario(path), members=8, seed=3))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32), batch=st.integers(1, 9))
def test_numba_agrees_with_numpy_on_generated_scenarios(s: Scenario, seed: int, batch: int) -> None:
    """Random scenarios (losses, contracts, shared sources, outages, shocks), in batches
    of any width, some of them ragged."""
    assert_agree(*kernels(s, members=11, seed=seed, batch=batch))


def test_numba_agrees_with_numpy_on_uncertain_figures() -> None:
    """Factors on capacity (each year), production and demand (each year) drawn per
    member: the engines apply them alike, and they change what the members deliver."""
    expected, actual = kernels(UNCERTAIN_SCENARIO, members=24, seed=6, batch=5)
    assert_agree(expected, actual)
    plain = core.simulate_chunk(Plan.of(RANDOM_SCENARIO), sample(RANDOM_SCENARIO, 24, 6))
    assert not np.allclose(plain["capacity"], expected["capacity"])
    assert not np.allclose(plain["demand"], expected["demand"])


def test_a_member_is_the_same_in_any_batch_and_lane() -> None:
    """Member k gives bit-identical values whatever batch width puts it in whatever lane."""
    plan, real = Plan.of(RANDOM_SCENARIO), sample(RANDOM_SCENARIO, 37, 5)
    runs = [fused.simulate_chunk(plan, real, batch=batch) for batch in (1, 8, 64)]
    for other in runs[1:]:
        for name in names(ENGINE_ANNUAL):
            np.testing.assert_array_equal(other[name], runs[0][name], err_msg=name)


def test_numba_and_the_des_sum_alike() -> None:
    """Both sum each year in day order: on monte_carlo (outages, delays, shocks, demand
    uncertainty, uncertain figures) they agree to 1e-13 relative, closer than the numpy
    core's 1e-12 (1e-14 before the figures: a capacity drawn off round numbers leaves a few
    values where the two round differently, and the kernel multiplies a year's capacity sum
    by the member's factor where the DES adds up each day's capacity times it)."""
    s = flowsim.load_scenario(MONTE_CARLO)
    plan, real = Plan.of(s), sample(s, 3, 8)
    kernel = fused.simulate_chunk(plan, real)
    event = des.simulate_chunk(plan, real, cargoes=False)
    for name in names(ENGINE_ANNUAL):
        np.testing.assert_allclose(kernel[name], event[name], rtol=1e-13, atol=0, err_msg=name)


def test_run_uses_numba_by_default_and_it_matches_numpy() -> None:
    """run() picks numba by default, records it, and agrees with the numpy run."""
    fast = flowsim.run(RANDOM_SCENARIO, members=20, seed=4)
    slow = flowsim.run(RANDOM_SCENARIO, members=20, seed=4, engine="numpy")
    assert (fast.annual.attrs["engine"], slow.annual.attrs["engine"]) == ("numba", "numpy")
    xr.testing.assert_allclose(fast.annual, slow.annual, rtol=RELATIVE, atol=0)
    with pytest.raises(FlowsimError, match="keeps no daily values"):
        flowsim.run(RANDOM_SCENARIO, members=2, daily=True, engine="numba")


# --- vector code -----------------------------------------------------------------


def test_the_member_loop_compiles_to_vector_instructions() -> None:
    """The day's dispatch over the lanes (the loop the kernel calls for every route) is
    vector code. Its one division (the need before losses) is a packed double-precision
    division on 256- or 512-bit registers, and the bounds are compared and selected
    packed. A change that makes the lane loop scalar (a call in it, a branch that cannot
    become a select, lanes that are not the innermost axis) fails here."""
    lane_loop = fused_day.dispatch.py_func  # compiled afresh: cached code cannot be inspected
    compiled = fused.numba.njit(error_model="numpy")(lane_loop)
    rows, lanes = 3, 8
    books = tuple(np.ones((rows, lanes)) for _ in range(6))
    books += (np.ones(lanes), np.zeros((rows, lanes), dtype=np.int64))
    books += tuple(np.zeros((rows, lanes)) for _ in range(3))
    books += (np.zeros((2, rows, lanes)), np.ones(lanes), np.ones((rows, lanes)))  # contract
    # year, pro-rata cut and offers
    takes = np.ones((rows, lanes))  # the buyer's offtake factor in each lane
    compiled(1, 0, 0, 0, lanes, 5.0, 4.0, takes, 0.9, 0.9, 0.0, *books, False, False)
    asm = compiled.inspect_asm(compiled.signatures[0])

    def packed(mnemonic: str) -> int:
        return len(re.findall(rf"^\s+{mnemonic}\s.*%[yz]mm", asm, flags=re.MULTILINE))

    assert packed("vdivpd") >= 1, "the dispatch loop over the lanes is not vectorised"
    assert packed(r"vcmp\w*pd") >= 3, "the bounds are not compared lane-parallel"
    assert packed(r"vaddpd") >= 3, "the yearly sums are not added lane-parallel"


# --- the supply network --------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 5, 256])
def test_numba_clears_the_supply_network_as_numpy(batch: int) -> None:
    """Shared arcs (pro-rata shares, outages, maintenance, shocks, losses, a China share):
    the numba engine gives the numpy engine's annual values to 1e-12 and its day counts
    exactly, in batches of any width."""
    plan, real = Plan.of(NETWORK_SCENARIO), sample(NETWORK_SCENARIO, 12, 3)
    expected = core.simulate_chunk(plan, real)
    got = fused.simulate_chunk(plan, real, batch=batch)
    for name, value in expected.items():
        if name.endswith("_days"):
            np.testing.assert_array_equal(got[name], value, err_msg=name)
        else:
            assert relative_difference(got[name], value) <= 1e-12, name
    assert expected["binding_arc_days"].sum() > 0


# --- state carried from day to day ------------------------------------------------


def reference_annual_cap(plan: Plan, real: Realisations, cap: np.ndarray) -> np.ndarray:
    """Deliveries under an annual cap, day by day in plain Python from the numpy engine's
    uncapped daily flows: a model-free check for routes that nothing else limits."""
    daily = core.simulate_chunk(plan, real, daily=True)["daily_flow"]  # (M, days, routes)
    cal = plan.calendar
    out = np.zeros((len(real.members), cal.n_years, len(plan.routes)))
    for m in range(len(real.members)):
        for y, (first, n) in enumerate(zip(cal.year_starts, cal.days_in_year, strict=True)):
            for r in range(len(plan.routes)):
                left, total = cap[r] * n, 0.0
                for t in range(first, first + n):
                    rate = daily[m, t, r] * n  # back to an annual rate
                    flow = rate if rate <= left else left
                    left -= flow
                    total += flow
                out[m, y, r] = total / n
    return out


def test_a_bound_with_memory_carries_each_members_state_from_day_to_day() -> None:
    """A test-only annual cap on every route: what is left of a year's allowance is carried
    per member from day to day. Deliveries then stop mid-year in members that flowed
    more, and match a plain day-by-day reference."""
    s = flowsim.load_scenario(MONTE_CARLO)
    whole = Plan.of(s)
    plan = dataclasses.replace(  # no demand, source limits or shared arcs: nothing else
        whole,  # carries state, or ties one route's flow to another's
        has_demand=np.zeros(2, dtype=bool),
        source_limited=np.zeros(len(s.sources), dtype=bool),
        arc_use=np.zeros_like(whole.arc_use),
    )
    real = sample(s, 5, 2)
    free = fused.simulate_chunk(plan, real)["flow"]
    cap = np.where(free.max(axis=(0, 1)) > 0, 0.8 * free.max(axis=(0, 1)), np.inf)
    capped = fused.simulate_chunk(plan, real, annual_cap=cap)["flow"]
    np.testing.assert_allclose(capped, reference_annual_cap(plan, real, cap), rtol=1e-12)
    assert (capped <= cap * (1 + 1e-12)).all()
    bound = capped < free - 1e-9  # the cap bit in some member-years, not others
    assert bound.any()
    assert not bound.all()
