"""Global sensitivity of a scenario (flowsim.attribution): the answer known by
construction, reproducible, every engine and executor alike, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import FlowsimError
from flowsim.attribution import Output, sensitivity, sensitivity_inputs
from flowsim.scenario import scenario_from_text
from flowsim.spec import Placement

KNOWN = """\
[horizon]
start_year = 2030
end_year = 2030
[sources.field]
commodity = "gas"
production = [{value = 1000, cite = "assumption: t"}]
production_factor = {dist = "uniform", low = 0.9, high = 1.0, cite = "assumption: t"}
[sources.other]
commodity = "gas"
[routes.pipe]
commodity = "gas"
source = "field"
capacity = [{value = 30, cite = "assumption: t"}]
capacity_factor = {dist = "uniform", low = 0.5, high = 1.5, cite = "assumption: t"}
cite = "assumption: t"
[routes.spare]
commodity = "gas"
source = "other"
capacity = [{value = 20, cite = "assumption: t"}]
cite = "assumption: t"
[demand.gas]
annual = [{value = 100, cite = "assumption: t"}]
level_factor = {dist = "uniform", low = 0.9, high = 1.1, cite = "assumption: t"}
[balancing.gas]
label = "LNG"
[shocks.spare_never_built]
routes = ["spare"]
start = 2030-01-01
probability = 0.5
derate_fraction = 1.0
cite = "assumption: t"
"""
"""Balancing = 100 L - 30 f - 20 (1 - shock): variances 33.3, 75 and 100 (sum 208.3), so
first-order = total indices 0.16, 0.36, 0.48, and 0 for the production factor, which
never binds."""

SCENARIO = scenario_from_text(KNOWN)
BALANCING = "balancing:gas:2030"
EXPECTED = {
    "demand.gas.level_factor": 33.33 / 208.33,
    "routes.pipe.capacity_factor": 75.0 / 208.33,
    "sources.field.production_factor": 0.0,
    "shocks.spare_never_built": 100.0 / 208.33,
}


@pytest.fixture(scope="module")
def known() -> object:
    return sensitivity(SCENARIO, [BALANCING], n=512, seed=3)


def test_the_inputs_are_per_member_figures_and_chance_shocks() -> None:
    assert sensitivity_inputs(SCENARIO) == [
        "routes.pipe.capacity_factor",
        "sources.field.production_factor",
        "demand.gas.level_factor",
        "shocks.spare_never_built",
    ]


def test_sobol_finds_the_indices_known_by_construction(known: object) -> None:
    """Each first-order and total index within 0.05 of its value, inside its interval
    (widened by 0.01 for the estimator's bias); no interactions."""
    rows = known.ranking(BALANCING)  # type: ignore[attr-defined]
    assert list(rows.index) == [
        "shocks.spare_never_built",
        "routes.pipe.capacity_factor",
        "demand.gas.level_factor",
        "sources.field.production_factor",
    ]
    for name, value in EXPECTED.items():
        row = rows.loc[name]
        for key in ("first", "total"):
            assert row[key] == pytest.approx(value, abs=0.05), (name, key)
            assert row[f"{key}_low"] - 0.01 <= value <= row[f"{key}_high"] + 0.01, (name, key)
    assert rows["mean"].iloc[0] == pytest.approx(100 - 30 - 10, abs=1.0)


def test_morris_ranks_the_inputs_alike() -> None:
    found = sensitivity(SCENARIO, [BALANCING], method="morris", trajectories=30, seed=5)
    rows = found.ranking(BALANCING)
    assert rows.index[-1] == "sources.field.production_factor"
    assert rows.loc["sources.field.production_factor", "mu_star"] == 0.0
    assert rows.loc["routes.pipe.capacity_factor", "mu"] < 0  # more pipe, less LNG
    assert rows.loc["demand.gas.level_factor", "mu"] > 0


def test_the_same_design_gives_the_same_indices_in_processes_and_any_engine(
    known: object,
) -> None:
    again = sensitivity(
        SCENARIO, [BALANCING], n=512, seed=3, engine="numpy",
        placement=Placement(workers=2, block_size=300),
    )  # fmt: skip
    np.testing.assert_allclose(
        again.table.to_numpy(),
        known.table.to_numpy(),
        rtol=1e-9,
        atol=1e-12,  # type: ignore[attr-defined]
    )


def test_bad_requests_are_one_clear_error() -> None:
    with pytest.raises(FlowsimError, match="VARIABLE:NAME:YEAR"):
        Output.parse("balancing:2030")
    with pytest.raises(FlowsimError, match="did you mean 'balancing'"):
        sensitivity(SCENARIO, ["balancng:gas:2030"], n=2, seed=1)
    with pytest.raises(FlowsimError, match="outside the horizon"):
        sensitivity(SCENARIO, ["balancing:gas:2040"], n=2, seed=1)
    certain = "\n".join(
        line for line in KNOWN.split("[shocks.")[0].splitlines() if "_factor" not in line
    )
    with pytest.raises(FlowsimError, match="nothing uncertain to attribute"):
        sensitivity(scenario_from_text(certain), [BALANCING])
