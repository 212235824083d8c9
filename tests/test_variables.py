"""The output vocabulary: one table of variables, and units a program can read."""

from __future__ import annotations

import cf_units
import numpy as np
import pytest
import xarray as xr

import flowsim
from flowsim import variables
from flowsim.units import energy_factor

from .conftest import ROOT

SCENARIO = ROOT / "scenarios" / "seaborne_cargoes.toml"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    """A results.nc with annual and daily values, read back as netCDF (both groups merged)."""
    path = tmp_path_factory.mktemp("units") / "results.nc"
    flowsim.run(SCENARIO, members=2, seed=1, engine="numpy", daily=True).to_netcdf(path)
    with xr.open_dataset(path, engine="h5netcdf") as annual:
        annual = annual.load()
    with xr.open_dataset(path, engine="h5netcdf", group="daily") as daily:
        daily = daily.load()
    return xr.merge(
        [annual, daily.rename({v: f"daily_{v}" for v in daily.data_vars})],
        compat="override",
        join="outer",
    )


def _unit_of(ds: xr.Dataset, name: str) -> list[str]:
    """The unit string(s) of a variable: its ``units`` or every value of its unit coordinate."""
    attrs = ds[name].attrs
    if "units" in attrs:
        return [attrs["units"]]
    coordinate = ds[attrs["unit_coordinate"]]
    assert coordinate.dims == (attrs["unit_coordinate"].split("_")[0],)
    assert set(ds[name].dims) >= set(coordinate.dims)
    return [variables.CF_UNITS[u] for u in coordinate.values.tolist()]


def test_every_written_variable_has_a_unit_that_udunits_parses(written: xr.Dataset) -> None:
    """Each variable in results.nc has a CF unit string, or a unit coordinate of known units."""
    for name in written.data_vars:
        for unit in _unit_of(written, str(name)):
            cf_units.Unit(unit)  # raises on anything UDUNITS cannot read


def test_volume_units_follow_the_commodity(written: xr.Dataset) -> None:
    """Gas volumes are bcm (km3) per year or day, crude Mt; counts days, ratios 1."""
    gas_route = str(written.route.values[written.route_commodity.values == "gas"][0])
    oil_route = str(written.route.values[written.route_commodity.values == "oil"][0])
    unit = written.route_unit
    assert (unit.sel(route=gas_route).item(), unit.sel(route=oil_route).item()) == (
        "bcm/yr",
        "Mt/yr",
    )
    per_year = cf_units.Unit(variables.CF_UNITS["bcm/yr"])
    assert per_year.convert(1.0, cf_units.Unit("m3 yr-1")) == pytest.approx(1e9)
    daily = cf_units.Unit(variables.CF_UNITS["Mt/d"])
    assert daily.convert(1.0, cf_units.Unit("kg s-1")) == pytest.approx(1e9 / 86400)
    assert written.outage_days.attrs["units"] == "d"
    assert written.n_minus_1.attrs["units"] == "1"
    assert written.commodity_unit.values.tolist() == [
        variables.ANNUAL_UNITS[c] for c in written.commodity.values.tolist()
    ]
    assert "bcm or Mt" not in str(written)


def test_engines_return_exactly_the_variables_of_the_table() -> None:
    """A run's annual Dataset holds every annual variable, with the table's dims and dtype."""
    result = flowsim.run(SCENARIO, members=1)
    every = variables.ANNUAL + variables.DRAWS
    assert list(result.annual.data_vars) == list(variables.names(every))
    for v in every:
        assert result.annual[v.name].dims == v.dims
        assert result.annual[v.name].dtype == np.dtype(v.dtype)
        assert result.annual[v.name].attrs["description"] == v.description
    derived = result.derived()
    assert list(derived.data_vars) == list(variables.names(variables.DERIVED))


def test_commodities_and_units_cover_each_other() -> None:
    """Every commodity has an annual, daily and CF unit and an energy factor."""
    for commodity in variables.COMMODITIES:
        for units in (variables.ANNUAL_UNITS, variables.DAILY_UNITS):
            assert units[commodity] in variables.CF_UNITS
        assert energy_factor(commodity, "PJ") > 0
    assert variables.BINDING[0] == "capacity"
    counted = [v.name for v in variables.ANNUAL_ROUTE if v.name.startswith("binding_")]
    assert counted == [f"binding_{b}_days" for b in variables.BINDING]
