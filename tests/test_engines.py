"""The engine registry (flowsim.engines) and the one contract every registered engine keeps.

The contract runs against every name in :data:`flowsim.engines.ENGINES`, so an
engine registered later is held to it without changing this file. Tests of what
an engine can or cannot do (daily values, event traces) follow the engine's own
capability flags.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import xarray as xr

import flowsim
from flowsim import FlowsimError, engines
from flowsim.engines import ALIASES, ENGINES, Engine, numba_installed
from flowsim.plan import Plan
from flowsim.scenario import Scenario, scenario_from_text

from .conftest import tiny_doc
from .engine_cases import CITE, RANDOM, RANDOM_SCENARIO, assert_daily_invariants, scenario

# --- the registry -------------------------------------------------------------------


def _usable(name: str) -> bool:
    """Whether engine ``name`` can run here (numba needs numba installed)."""
    return name != "numba" or numba_installed()


@pytest.mark.parametrize("name", list(ENGINES))
def test_get_returns_the_engine_of_each_name(name: str) -> None:
    """get(name) gives an engine that calls itself name, states its abilities, takes members."""
    engine = engines.get(name)
    assert engine.name == name
    assert isinstance(engine.daily, bool)
    assert isinstance(engine.events, bool)
    assert engine.chunk_members(Plan.of(RANDOM_SCENARIO)) >= 1
    if _usable(name):
        assert engines.resolve(name) == name


def test_core_and_auto_choose_the_fastest_core_engine() -> None:
    """core/auto give numba when it is installed and no daily values are asked for, else numpy."""
    fastest = "numba" if numba_installed() else "numpy"
    for alias in ALIASES:
        assert engines.resolve(alias) == fastest
        assert engines.resolve(alias, daily=True) == "numpy"
    assert flowsim.run(RANDOM_SCENARIO).annual.attrs["engine"] == fastest
    assert flowsim.run(RANDOM_SCENARIO, daily=True).annual.attrs["engine"] == "numpy"


def test_unknown_engine_is_refused_naming_the_choices() -> None:
    """An unknown name is a FlowsimError that lists every engine and alias, from get and run."""
    choices = ", ".join([*ENGINES, *ALIASES])
    message = f"unknown engine 'magic' \\(choose from {choices}\\)"
    with pytest.raises(FlowsimError, match=message):
        engines.get("magic")
    with pytest.raises(FlowsimError, match=message):
        engines.resolve("magic")
    with pytest.raises(FlowsimError, match=message):
        flowsim.run(RANDOM_SCENARIO, engine="magic")


@pytest.mark.skipif(not numba_installed(), reason="numba is not installed")
def test_fused_true_is_deprecated_and_runs_numba() -> None:
    """run(fused=True) warns DeprecationWarning and gives exactly the engine='numba' result."""
    with pytest.warns(DeprecationWarning, match="use engine='numba'"):
        fused = flowsim.run(RANDOM_SCENARIO, members=4, seed=3, fused=True)
    numba = flowsim.run(RANDOM_SCENARIO, members=4, seed=3, engine="numba")
    assert fused.annual.attrs["engine"] == "numba"
    xr.testing.assert_identical(fused.annual, numba.annual)


def test_fused_false_is_deprecated_and_runs_numpy() -> None:
    """run(fused=False) warns DeprecationWarning and gives exactly the engine='numpy' result."""
    with pytest.warns(DeprecationWarning, match="use engine='numpy'"):
        unfused = flowsim.run(RANDOM_SCENARIO, members=4, seed=3, fused=False)
    numpy = flowsim.run(RANDOM_SCENARIO, members=4, seed=3, engine="numpy")
    assert unfused.annual.attrs["engine"] == "numpy"
    xr.testing.assert_identical(unfused.annual, numpy.annual)


def test_oversized_runs_are_refused_up_front() -> None:
    """A run whose results cannot fit in memory fails before simulating, with advice."""
    with pytest.raises(FlowsimError, match=r"needs about .* GiB.*without daily values"):
        flowsim.run(RANDOM_SCENARIO, members=10_000_000, daily=True)


# --- the contract ---------------------------------------------------------------------


class EngineContract:
    """Properties every engine must have; ``engine`` is the engine under test."""

    @staticmethod
    def run(engine: Engine, s: Scenario, **kwargs: object) -> flowsim.Result:
        return flowsim.run(s, engine=engine.name, **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def needs_daily(engine: Engine) -> None:
        if not engine.daily:
            pytest.skip(f"the {engine.name} engine keeps no daily values")

    def test_a_contract_spread_over_operating_days_keeps_its_acq(self, engine: Engine) -> None:
        """38 bcm/yr contracted, two full 7-day stops a year, 40 bcm/yr of capacity: spread
        over calendar days the route delivers 38 x 351/365 (the stops lose contract volume);
        spread over the 351 operating days it delivers the whole 38 in every year, leap
        years too (366 days, 352 operating)."""
        doc = tiny_doc()
        doc["horizon"] = {"start_year": 2023, "end_year": 2024}
        pipe = doc["routes"]["pipe"]
        pipe["capacity"] = [{"from": 2000, "value": 40.0, "cite": CITE}]
        pipe["maintenance"] = [
            {"start": "2023-05-01", "duration_days": 7, "every_years": 1, "cite": CITE},
            {"start": "2023-09-01", "duration_days": 7, "every_years": 1, "cite": CITE},
        ]
        pipe["contract"] = {"acq": [{"from": 2000, "value": 38.0, "cite": CITE}], "cite": CITE}
        calendar = self.run(engine, scenario(doc)).annual.delivered.sel(route="pipe")[0]
        np.testing.assert_allclose(calendar, [38 * 351 / 365, 38 * 352 / 366], rtol=1e-12)
        pipe["contract"]["spread_over"] = "operating_days"
        operating = self.run(engine, scenario(doc)).annual.delivered.sel(route="pipe")[0]
        np.testing.assert_allclose(operating, [38.0, 38.0], rtol=1e-12)

    def test_result_shapes_and_provenance(self, engine: Engine) -> None:
        """Annual values have dims (member, year, route | commodity) and carry provenance."""
        result = self.run(engine, RANDOM_SCENARIO, members=3, seed=1)
        assert dict(result.annual.delivered.sizes) == {"member": 3, "year": 5, "route": 1}
        assert dict(result.annual.unmet.sizes) == {"member": 3, "year": 5, "commodity": 1}
        assert result.annual.attrs["engine"] == engine.name
        assert result.annual.attrs["seed"] == 1
        assert result.annual.attrs["members"] == 3

    def test_daily_values_exactly_where_the_engine_keeps_them(self, engine: Engine) -> None:
        """daily=True gives a day axis over the horizon where engine.daily, else a clear error."""
        if not engine.daily:
            with pytest.raises(FlowsimError, match=f"the {engine.name} engine keeps no daily"):
                self.run(engine, RANDOM_SCENARIO, members=2, daily=True)
            return
        result = self.run(engine, RANDOM_SCENARIO, members=2, daily=True)
        assert result.daily is not None
        assert dict(result.daily.delivered.sizes) == {"member": 2, "day": 1827, "route": 1}
        assert self.run(engine, RANDOM_SCENARIO, members=2).daily is None

    def test_daily_invariants(self, engine: Engine) -> None:
        """model.md section 5 invariants hold every day of every member."""
        self.needs_daily(engine)
        assert_daily_invariants(self.run(engine, RANDOM_SCENARIO, members=3, seed=2, daily=True))

    def test_daily_values_add_up_to_the_annual_ones(self, engine: Engine) -> None:
        """Each year's daily flow and deliveries sum to that year's annual values."""
        self.needs_daily(engine)
        result = self.run(engine, RANDOM_SCENARIO, members=3, seed=2, daily=True)
        assert result.daily is not None
        for name in ("flow", "delivered", "balancing", "unmet"):
            yearly = result.daily[name].groupby("day.year").sum()
            expected = result.annual[name].transpose(*yearly.dims)
            np.testing.assert_allclose(yearly, expected, rtol=1e-12, atol=1e-12, err_msg=name)

    def test_full_availability_delivers_capacity(self, engine: Engine) -> None:
        """38 bcm/yr unobstructed delivers 38 in common and leap years alike."""
        result = self.run(engine, scenario(tiny_doc()))
        values = result.annual.delivered.sel(member=0, route="pipe").values
        assert values == pytest.approx([38, 38, 38], rel=1e-12)

    def test_shared_source_and_loss(self, engine: Engine) -> None:
        """Two routes share 50 bcm/yr; the second loses 10% on the way."""
        doc = tiny_doc()
        doc["sources"]["field"]["production"] = [{"from": 2000, "value": 50, "cite": CITE}]
        second = {**copy.deepcopy(doc["routes"]["pipe"]), "priority": 1}
        doc["routes"]["second"] = {**second, "own_use_loss_fraction": 0.1}
        a = self.run(engine, scenario(doc)).annual.sel(member=0)
        assert a.flow.sel(route="pipe").values == pytest.approx([38, 38, 38])
        assert a.flow.sel(route="second").values == pytest.approx([12, 12, 12])
        assert a.delivered.sel(route="second").values == pytest.approx([10.8, 10.8, 10.8])

    def test_same_seed_same_result(self, engine: Engine) -> None:
        """Reproducible: the same seed gives identical annual values."""
        first = self.run(engine, RANDOM_SCENARIO, members=4, seed=9)
        again = self.run(engine, RANDOM_SCENARIO, members=4, seed=9)
        xr.testing.assert_identical(first.annual, again.annual)

    def test_same_result_whatever_the_chunk_size(self, engine: Engine) -> None:
        """Chunks of 1, 7 and 1,000 members give bit-identical annual results."""
        runs = [
            self.run(engine, RANDOM_SCENARIO, members=30, seed=5, chunk_size=c)
            for c in (1, 7, 1000)
        ]
        for other in runs[1:]:
            xr.testing.assert_identical(runs[0].annual, other.annual)

    def test_member_independent_of_ensemble_size(self, engine: Engine) -> None:
        """Member m is the same in a 2-member run and a 70-member run (two sampling blocks)."""
        small = self.run(engine, RANDOM_SCENARIO, members=2, seed=5)
        large = self.run(engine, RANDOM_SCENARIO, members=70, seed=5, chunk_size=35)
        xr.testing.assert_equal(small.annual, large.annual.isel(member=slice(2)))

    def test_different_seeds_differ_and_members_differ(self, engine: Engine) -> None:
        """The randomness is real: other seeds and other members give other outcomes."""
        a = self.run(engine, RANDOM_SCENARIO, members=5, seed=1).annual.delivered
        b = self.run(engine, RANDOM_SCENARIO, members=5, seed=2).annual.delivered
        assert not a.equals(b)
        assert len({tuple(a.sel(member=m).values.ravel()) for m in range(5)}) == 5

    def test_members_and_seed_default_to_the_scenario(self, engine: Engine) -> None:
        """Without members/seed a run uses the scenario's [run] members and seed."""
        s = scenario_from_text(RANDOM + "[run]\nmembers = 3\nseed = 7\n")
        result = self.run(engine, s)
        assert result.annual.sizes["member"] == 3
        assert result.annual.attrs["seed"] == 7
        explicit = self.run(engine, s, members=3, seed=7)
        xr.testing.assert_identical(result.annual, explicit.annual)

    def test_trace_exactly_where_the_engine_records_events(self, engine: Engine) -> None:
        """trace=True gives an event table where engine.events, else a clear error."""
        if not engine.events:
            with pytest.raises(FlowsimError, match="needs engine='des'"):
                self.run(engine, RANDOM_SCENARIO, members=2, trace=True)
            return
        result = self.run(engine, RANDOM_SCENARIO, members=2, trace=True)
        assert result.trace is not None
        assert len(result.trace) > 0
        assert set(result.trace.member) == {0, 1}
        assert self.run(engine, RANDOM_SCENARIO, members=2).trace is None

    def test_progress_counts_up_to_every_member(self, engine: Engine) -> None:
        """The progress callback counts members done upwards, ending at all of them."""
        seen: list[tuple[int, int]] = []
        self.run(
            engine,
            RANDOM_SCENARIO,
            members=3,
            progress=lambda done, total: seen.append((done, total)),
        )
        assert seen
        assert seen[-1] == (3, 3)
        assert {total for _, total in seen} == {3}
        done = [d for d, _ in seen]
        assert done == sorted(done)


class TestEngineContract(EngineContract):
    """The contract, once for every registered engine."""

    @pytest.fixture(params=list(ENGINES))
    def engine(self, request: pytest.FixtureRequest) -> Engine:
        name: str = request.param
        if not _usable(name):
            pytest.skip(f"the {name} engine is not installed here")
        return engines.get(name)


# --- ties in priority ---------------------------------------------------------------


def _tie(demand: float, **extra: dict[str, object]) -> dict[str, object]:
    """2023-2025: pipes ``a`` (30 bcm/yr) and ``b`` (10) of one priority, flat ``demand``."""
    doc = tiny_doc()
    pipe = doc["routes"].pop("pipe")
    doc["routes"] = {
        "a": {**pipe, "capacity": [{"from": 2000, "value": 30.0, "cite": CITE}]},
        "b": {**copy.deepcopy(pipe), "capacity": [{"from": 2000, "value": 10.0, "cite": CITE}]},
        **extra,
    }
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": demand, "cite": CITE}]}}
    return doc


def _flows(name: str, doc: dict[str, object], var: str = "flow") -> dict[str, float]:
    result = flowsim.run(scenario(doc), engine=name)
    values = result.annual[var].isel(member=0, year=1)
    return {str(r): float(v) for r, v in zip(values.route.values, values.values, strict=True)}


@pytest.mark.parametrize("name", [n for n in ENGINES if _usable(n)])
def test_equal_priority_routes_share_a_cut_pro_rata(name: str) -> None:
    """Demand 20 of 40 offered: each pipe runs at half its bound (15 and 5), whatever the
    ids; at 50 both run full and the last 10 are unmet (there is no balancing supply)."""
    assert _flows(name, _tie(20.0)) == pytest.approx({"a": 15.0, "b": 5.0}, rel=1e-12)
    doc = _tie(50.0)
    assert _flows(name, doc) == pytest.approx({"a": 30.0, "b": 10.0}, rel=1e-12)
    unmet = flowsim.run(scenario(doc), engine=name).annual.unmet
    assert float(unmet.isel(member=0, year=1).sel(commodity="gas")) == pytest.approx(10.0)


@pytest.mark.parametrize("name", [n for n in ENGINES if _usable(n)])
def test_a_pro_rata_cut_shares_what_a_source_offers(name: str) -> None:
    """Both pipes draw on a field of 35: ``a`` offers 30, ``b`` the 5 it leaves; demand
    20 takes 4/7 of each."""
    doc = _tie(20.0)
    doc["sources"]["field"]["production"] = [{"from": 2000, "value": 35.0, "cite": CITE}]
    expected = {"a": 30 * 20 / 35, "b": 5 * 20 / 35}
    assert _flows(name, doc) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", [n for n in ENGINES if _usable(n)])
def test_a_shared_lane_in_a_tie_is_cut_in_its_china_part(name: str) -> None:
    """Pipe ``a`` (30) beside lane ``c`` (20, half of it China's) and no ``b``: 40 offered
    to China against demand 20, so the pipe runs at 15, the lane loads in full (its other
    buyers take the rest) and delivers China half of its 10."""
    doc = _tie(20.0)
    lane = {**copy.deepcopy(doc["routes"].pop("b")), "capacity": [
        {"from": 2000, "value": 20.0, "cite": CITE}
    ]}  # fmt: skip
    lane["china_share"] = [{"from": 2000, "value": 0.5, "cite": CITE}]
    doc["routes"]["c"] = lane
    assert _flows(name, doc) == pytest.approx({"a": 15.0, "c": 20.0}, rel=1e-12)
    assert _flows(name, doc, "delivered") == pytest.approx({"a": 15.0, "c": 5.0}, rel=1e-12)
