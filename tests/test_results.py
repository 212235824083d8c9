"""Results (flowsim.results): summaries, derived values, netCDF round trip, open_result."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import flowsim
from flowsim import FlowsimError
from flowsim.results import SHORTFALL_TOLERANCE
from flowsim.sampling import sample
from flowsim.scenario import scenario_from_text

from .conftest import tiny_doc
from .engine_cases import CITE, RANDOM_SCENARIO, scenario
from .test_plan_prices import PRICED
from .test_price_paths import UNCERTAIN


def test_netcdf_round_trip_keeps_values_and_provenance(tmp_path: Path) -> None:
    """to_netcdf then open_result gives the same data, provenance and scenario."""
    result = flowsim.run(RANDOM_SCENARIO, members=4, seed=2, daily=True)
    path = result.to_netcdf(tmp_path / "results.nc")
    assert path == tmp_path / "results.nc"
    again = flowsim.open_result(path)
    xr.testing.assert_identical(again.annual, result.annual)
    assert again.daily is not None
    assert result.daily is not None
    xr.testing.assert_identical(again.daily, result.daily)
    assert again.scenario == RANDOM_SCENARIO
    assert again.annual.attrs["seed"] == 2
    assert again.annual.attrs["engine"] == "numpy"  # daily values: the numpy engine
    assert [p.name for p in tmp_path.iterdir()] == ["results.nc"]


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    """A write that fails midway leaves neither the target nor a temporary file."""
    result = flowsim.run(RANDOM_SCENARIO, members=2)
    result.annual.attrs["bad"] = {"nested": "dict"}  # netCDF cannot store it
    with pytest.raises(TypeError):
        result.to_netcdf(tmp_path / "results.nc")
    assert list(tmp_path.iterdir()) == []


def test_open_result_rejects_other_files(tmp_path: Path) -> None:
    """A missing or foreign file is a FlowsimError, not a crash."""
    with pytest.raises(FlowsimError, match="no such result file"):
        flowsim.open_result(tmp_path / "nope.nc")
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    with pytest.raises(FlowsimError, match="not a flowsim result"):
        flowsim.open_result(junk)


def test_summary_has_ensemble_statistics() -> None:
    """summary() gives mean and P10 <= P50 <= P90 per variable, and shortfall figures."""
    result = flowsim.run(RANDOM_SCENARIO, members=50, seed=1)
    s = result.summary()
    a = result.annual
    assert s.statistic.values.tolist() == ["mean", "p10", "p50", "p90"]
    d = s.delivered.sel(route="pipe")
    mean = a.delivered.mean("member").sel(route="pipe")
    xr.testing.assert_allclose(d.sel(statistic="mean", drop=True), mean)
    assert (d.sel(statistic="p10") <= d.sel(statistic="p50")).all()
    assert (d.sel(statistic="p50") <= d.sel(statistic="p90")).all()
    assert (d.sel(statistic="p10") < d.sel(statistic="p90")).any()  # the members do spread
    share_short = (a.unmet > SHORTFALL_TOLERANCE * a.demand).mean("member")
    xr.testing.assert_allclose(s.shortfall_probability, share_short)
    xr.testing.assert_allclose(s.expected_unmet, a.unmet.mean("member"))
    assert {"utilisation", "paid_not_taken", "n_minus_1"} <= set(s.data_vars)


def test_summary_of_a_route_never_built_is_nan_not_an_error() -> None:
    """Utilisation of a route with no capacity in any member is NaN in the summary, silently."""
    doc = tiny_doc()
    doc["routes"]["unbuilt"] = {**copy.deepcopy(doc["routes"]["pipe"]), "capacity": []}
    s = flowsim.run(scenario(doc), members=3).summary()
    assert s.utilisation.sel(route="unbuilt").isnull().all()
    assert not s.utilisation.sel(route="pipe").isnull().any()
    assert (s.delivered.sel(route="unbuilt") == 0).all()


def test_shortfall_probability_is_the_share_of_members_short() -> None:
    """A halt that happens with probability 0.5 leaves exactly the members it hits short."""
    doc = tiny_doc()
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 30, "cite": CITE}]}}
    doc["shocks"] = {
        "halt": {
            "routes": ["pipe"],
            "start": dt.date(2024, 3, 1),
            "duration_days": 30,
            "probability": 0.5,
            "cite": CITE,
        }
    }
    s = scenario(doc)
    hit = len(np.unique(sample(s, 200, seed=3).shock_events.member)) / 200
    assert 0.35 < hit < 0.65
    summary = flowsim.run(s, members=200, seed=3).summary()
    short = summary.shortfall_probability.sel(commodity="gas").values.tolist()
    assert short == pytest.approx([0, hit, 0])
    assert summary.expected_unmet.sel(commodity="gas").values == pytest.approx(
        [0, hit * 30 * 30 / 366, 0]
    )


# --- summaries of results read lazily from a file (streamed runs) --------------------


def _lazy_copy(result: flowsim.Result, path: Path) -> flowsim.Result:
    """``result`` written to ``path`` and opened lazily, as a streamed run's result is."""
    return flowsim.open_result(result.to_netcdf(path), lazy=True)


@pytest.mark.parametrize(
    "budget",
    [
        pytest.param(10**12, id="all-at-once"),
        pytest.param(40 * 8 * 9 * 5, id="years-cut"),
        pytest.param(40 * 8 * 3, id="routes-cut"),
        pytest.param(1, id="two-cells"),
    ],
)
def test_a_lazy_summary_by_slices_is_identical_to_the_summary_in_memory(
    tmp_path: Path, budget: int
) -> None:
    """Statistics slice by slice (whole, cut along years, along routes, two cells at a
    time) are bit for bit those over all members in memory: same values, same layout."""
    result = flowsim.run(RANDOM_SCENARIO, members=40, seed=5)
    lazy = _lazy_copy(result, tmp_path / "r.nc")
    in_memory = result.summary()
    by_slices = lazy._summary_by_slices(budget)
    by_slices.attrs = dict(lazy.annual.attrs)
    xr.testing.assert_identical(by_slices, in_memory)
    xr.testing.assert_identical(lazy.summary(), in_memory)


def test_a_summary_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """summary() keeps its statistics: a second call (tables, figures) computes nothing;
    a new annual Dataset computes them anew."""
    import flowsim.results as results

    calls = []
    statistics = results.member_statistics
    monkeypatch.setattr(results, "member_statistics", lambda v: calls.append(1) or statistics(v))
    result = flowsim.run(RANDOM_SCENARIO, members=6, seed=1)
    first = result.summary()
    first["delivered"] = first.delivered * 0  # a caller's change stays the caller's
    again = result.summary()
    assert len(calls) == 1
    assert float(abs(again.delivered).max()) > 0
    result.annual = result.annual.copy()
    result.summary()
    assert len(calls) == 2


# --- transit fees by country ------------------------------------------------------------

FEES = PRICED.replace(
    'cite = "assumption: t"\n[routes.pipe.price]',
    'transit_countries = ["Kazakhstan", "Uzbekistan"]\n'
    'transit_fees = [{country = "Kazakhstan", value = 2, unit = "USD/kcm", cite = "report: t"},'
    ' {country = "Uzbekistan", value = 0.5, unit = "USD/MMBtu", cite = "report: t"}]\n'
    'cite = "assumption: t"\n[routes.pipe.price]',
)
"""PRICED with fees on the gas pipe too (38 bcm/yr): Kazakhstan 2 USD/kcm, Uzbekistan
0.5 USD/MMBtu."""


def test_transit_fees_by_country_are_each_routes_flow_times_its_fee() -> None:
    """PRICED: the crude lane's 10 Mt at 15 USD/t make Kazakhstan 150 million USD a year.
    With the pipe's fees too, Kazakhstan adds 38 bcm x 2 USD/kcm = 76 and Uzbekistan
    charges 38 bcm x 0.5 USD/MMBtu x 34.12 TBtu/bcm = 648.28; by commodity they split."""
    assert PRICED.count('cite = "assumption: t"\n[routes.pipe.price]') == 1
    priced = flowsim.run(scenario_from_text(PRICED), engine="numpy")
    fee = priced.annual.route_transit_fee
    assert fee.dims == ("route", "transit_country")
    assert fee.sel(transit_country="Kazakhstan").values.tolist() == [15e6, 0.0, 0.0]
    kazakh = priced.transit_fees_by_country()
    assert kazakh.dims == ("member", "year", "transit_country")
    np.testing.assert_allclose(kazakh.sel(transit_country="Kazakhstan", member=0), [150, 150])
    assert (kazakh.attrs["units"], kazakh.attrs["currency"]) == ("1e6", "USD")

    both = flowsim.run(scenario_from_text(FEES), engine="numpy")
    fees = both.transit_fees_by_country().isel(member=0)
    assert fees.transit_country.values.tolist() == ["Kazakhstan", "Uzbekistan"]
    np.testing.assert_allclose(fees.sel(transit_country="Kazakhstan"), [226, 226], rtol=1e-12)
    np.testing.assert_allclose(fees.sel(transit_country="Uzbekistan"), [648.28, 648.28])
    gas = both.transit_fees_by_country("gas").isel(member=0)
    np.testing.assert_allclose(gas.sel(transit_country="Kazakhstan"), [76, 76], rtol=1e-12)
    oil = both.transit_fees_by_country("oil").isel(member=0)
    np.testing.assert_allclose(oil.sel(transit_country="Uzbekistan"), [0, 0])
    by_route = both.annual.transit_fees.isel(member=0).sum("route")  # flowsim.value's fees
    np.testing.assert_allclose(fees.sum("transit_country"), by_route, rtol=1e-12)


def test_a_run_without_fees_has_no_transit_countries() -> None:
    """No route pays fees: no transit_country dimension, and no fees by country."""
    result = flowsim.run(RANDOM_SCENARIO, members=2)
    assert "transit_country" not in result.annual.dims
    assert "route_transit_fee" not in result.annual.coords
    assert result.transit_fees_by_country().shape == (2, result.annual.sizes["year"], 0)


def test_fees_by_country_survive_netcdf_and_lazy_summaries(tmp_path: Path) -> None:
    """results.nc (h5netcdf) keeps the fee coordinate; a lazily read ensemble with fees and
    drawn prices summarises slice by slice as in memory."""
    result = flowsim.run(scenario_from_text(UNCERTAIN), members=6, seed=1, engine="numpy")
    again = flowsim.open_result(result.to_netcdf(tmp_path / "results.nc"))
    xr.testing.assert_identical(again.annual, result.annual)
    xr.testing.assert_identical(again.transit_fees_by_country(), result.transit_fees_by_country())
    lazy = _lazy_copy(result, tmp_path / "lazy.nc")
    by_slices = lazy._summary_by_slices(6 * 8 * 2)
    by_slices.attrs = dict(lazy.annual.attrs)
    xr.testing.assert_identical(by_slices, result.summary())
