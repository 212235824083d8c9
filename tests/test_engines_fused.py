"""The fused numba kernel (flowsim.engines.fused): bit-identical to the numpy core."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowsim
from flowsim import FlowsimError
from flowsim.engines import core, fused
from flowsim.plan import Plan
from flowsim.sampling import sample
from flowsim.scenario import Scenario

from .conftest import SHIPPED
from .engine_cases import RANDOM_SCENARIO, generated

pytestmark = pytest.mark.skipif(not fused.AVAILABLE, reason="numba is not installed")


def assert_kernels_agree(s: Scenario, members: int, seed: int) -> None:
    """numpy and numba give bit-identical annual values for the same realisations."""
    plan = Plan.of(s)
    real = sample(s, members, seed)
    reference, kernel = core.simulate_chunk(plan, real), fused.simulate_chunk(plan, real)
    assert reference.keys() == kernel.keys()
    for name, values in reference.items():
        np.testing.assert_array_equal(kernel[name], values, err_msg=name, strict=True)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_fused_kernel_is_bit_identical_on_shipped_scenarios(path: Path) -> None:
    """Every shipped scenario: the numba kernel reproduces the numpy core bit for bit."""
    assert_kernels_agree(flowsim.load_scenario(path), members=8, seed=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=generated(), seed=st.integers(0, 2**32))
def test_fused_kernel_is_bit_identical_on_generated_scenarios(s: Scenario, seed: int) -> None:
    """Random scenarios (losses, contracts, shared sources, outages, shocks): identical."""
    assert_kernels_agree(s, members=3, seed=seed)


def test_run_uses_the_kernel_when_available_and_results_match() -> None:
    """run() picks numba by default, records it, and equals the numpy run."""
    fast = flowsim.run(RANDOM_SCENARIO, members=20, seed=4)
    slow = flowsim.run(RANDOM_SCENARIO, members=20, seed=4, engine="numpy")
    assert (fast.annual.attrs["engine"], slow.annual.attrs["engine"]) == ("numba", "numpy")
    xr.testing.assert_equal(fast.annual, slow.annual)
    with pytest.raises(FlowsimError, match="keeps no daily values"):
        flowsim.run(RANDOM_SCENARIO, members=2, daily=True, engine="numba")
