"""Tables of a result: the long summary and the IAMC wide format, in native or energy units.

Unit conversions are checked by hand: 1 bcm of gas is 36.0 PJ or 0.86 Mtoe,
1 Mt of crude 41.868 PJ or 1 Mtoe (BP and IEA factors, flowsim.units).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import flowsim
from flowsim.cli import cli
from flowsim.errors import FlowsimError
from flowsim.tables import iamc_frame, summary_frame, volume_unit

from .conftest import SCENARIOS
from .engine_cases import NETWORK_SCENARIO

GAS, OIL, YEAR = "power_of_siberia", "espo", 2030
"""A gas and an oil route of the reference scenario, and a year both deliver in."""


def delivered(result: flowsim.Result, route: str, year: int = YEAR) -> float:
    """The first member's deliveries of ``route`` in ``year``, in the commodity's own unit."""
    return float(result.annual.delivered.sel(route=route, year=year, member=0))


def summary_row(table: pd.DataFrame, name: str, variable: str, year: int = YEAR) -> pd.Series:
    """The one row of a single-member summary for ``name``, ``variable`` and ``year``."""
    rows = table[(table.name == name) & (table.variable == variable) & (table.year == year)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_summary_csv_has_ensemble_statistics(ensemble: flowsim.Result) -> None:
    """summary.csv rows carry mean/P10/P50/P90 and the shortfall probability, with units."""
    table = summary_frame(ensemble)
    assert set(table.statistic) == {"mean", "p10", "p50", "p90", "probability"}
    pos = table[(table.name == "power_of_siberia") & (table.variable == "delivered")]
    assert set(pos.unit) == {"bcm/yr"}
    p10 = pos[pos.statistic == "p10"].set_index("year").value
    p90 = pos[pos.statistic == "p90"].set_index("year").value
    assert (p10 <= p90).all()


def test_iamc_table_has_the_standard_columns(single: flowsim.Result) -> None:
    """iamc.csv: Model, Scenario, Region, Variable, Unit, then years; trade variables per route."""
    table = iamc_frame(single)
    assert list(table.columns[:5]) == ["Model", "Scenario", "Region", "Variable", "Unit"]
    assert table.columns[5] == 2015
    assert "Trade|Gas|Pipeline|Power of Siberia" in set(table.Variable)
    row = table[table.Variable == "Trade|Gas|Pipeline|Power of Siberia"].iloc[0]
    assert row[2050] == pytest.approx(delivered(single, GAS, 2050))
    assert (table.Region == "China").all()


def test_iamc_ensemble_adds_quantile_variables(ensemble: flowsim.Result) -> None:
    """An ensemble exports the median and |P10, |P90 variables."""
    variables = set(iamc_frame(ensemble).Variable)
    assert {"Import Demand|Gas", "Import Demand|Gas|P10", "Import Demand|Gas|P90"} <= variables


def test_summary_in_pj_is_bcm_times_36_and_mt_times_41_868(single: flowsim.Result) -> None:
    """In PJ a gas route's bcm are x 36.0, an oil route's Mt x 41.868; ratios stay in 1."""
    native, energy = summary_frame(single), summary_frame(single, units="PJ")
    gas, oil = summary_row(energy, GAS, "delivered"), summary_row(energy, OIL, "delivered")
    assert delivered(single, GAS) > 0
    assert delivered(single, OIL) > 0
    assert (gas.unit, oil.unit) == ("PJ/yr", "PJ/yr")
    assert gas.value == pytest.approx(delivered(single, GAS) * 36.0, rel=1e-12)
    assert oil.value == pytest.approx(delivered(single, OIL) * 41.868, rel=1e-12)
    assert summary_row(native, GAS, "delivered").unit == "bcm/yr"
    for route in (GAS, OIL):
        ratio = summary_row(energy, route, "utilisation")
        assert ratio.unit == "1"
        assert ratio.value == summary_row(native, route, "utilisation").value
    assert set(energy.unit) == {"PJ/yr", "1"}


def test_iamc_in_pj_is_converted_alike(single: flowsim.Result) -> None:
    """An IAMC trade row in PJ is the route's bcm x 36.0 (gas) or Mt x 41.868 (oil), unit PJ/yr."""
    table = iamc_frame(single, units="PJ").set_index("Variable")
    gas = table.loc["Trade|Gas|Pipeline|Power of Siberia"]
    oil = table.loc["Trade|Oil|Pipeline|ESPO"]
    assert (gas.Unit, oil.Unit) == ("PJ/yr", "PJ/yr")
    assert gas[YEAR] == pytest.approx(delivered(single, GAS) * 36.0, rel=1e-12)
    assert oil[YEAR] == pytest.approx(delivered(single, OIL) * 41.868, rel=1e-12)
    volumes = table[~table.index.str.startswith("Capacity Utilisation|")]
    assert set(volumes.Unit) == {"PJ/yr"}


def test_exporter_totals_sum_their_routes_in_summary_and_iamc() -> None:
    """Russian crude to China is the sum of every Russian-sourced oil route, in summary.csv
    (kind exporter) and as the IAMC variable Trade|Oil|Russia|China; an ensemble's P10 of
    the total is the quantile of the members' totals."""
    result = flowsim.run(NETWORK_SCENARIO, members=6, seed=2, engine="numpy")
    routes = result.annual.delivered.sel(route=["spur", "kozmino", "transit"]).sum("route")
    totals = result.by_exporter().sel(commodity="oil")
    np.testing.assert_allclose(totals.sel(exporter="Russia"), routes, rtol=1e-12)
    table = iamc_frame(result).set_index("Variable")
    expected = routes.quantile(0.1, dim="member").sel(year=2023)
    assert table.loc["Trade|Oil|Russia|China|P10", 2023] == pytest.approx(float(expected))
    assert table.loc["Trade|Oil|Kazakhstan|China", "Unit"] == "Mt/yr"
    kazakh = result.annual.delivered.sel(route="kazakh").median("member").sel(year=2022)
    assert table.loc["Trade|Oil|Kazakhstan|China", 2022] == pytest.approx(float(kazakh))
    assert "Trade|Gas|Russia|China" not in table.index  # no Russian gas in this network
    summary = summary_frame(result)
    rows = summary[(summary.kind == "exporter") & (summary.statistic == "p50")]
    assert set(rows.name) == {"Russia", "Kazakhstan"}


def test_iamc_reports_each_shared_arcs_utilisation() -> None:
    """Capacity Utilisation|<arc> is the arc's flow over its capacity, a ratio."""
    result = flowsim.run(NETWORK_SCENARIO, engine="numpy")
    table = iamc_frame(result).set_index("Variable")
    a = result.annual.sel(arc="trunk", year=2023).isel(member=0)
    row = table.loc["Capacity Utilisation|Trunk"]
    assert row.Unit == "1"
    assert row[2023] == pytest.approx(float(a.arc_flow / a.arc_capacity), rel=1e-12)
    assert 0 < row[2023] <= 1


def test_cli_units_write_converted_tables(tmp_path: Path) -> None:
    """`flowsim run --units PJ` and `--units Mtoe` convert summary.csv and iamc.csv alike."""
    runner = CliRunner()
    reference = str(SCENARIOS / "reference.toml")
    args = ["run", reference, "--members", "1", "--no-figures", "--quiet", "--format"]
    for units in ("PJ", "Mtoe"):
        out = tmp_path / units
        done = runner.invoke(cli, [*args, "nc,csv,iamc", "--units", units, "--out", str(out)])
        assert done.exit_code == 0, done.output
    result = flowsim.open_result(tmp_path / "PJ" / "results.nc")
    summary = pd.read_csv(tmp_path / "PJ" / "summary.csv")
    gas = summary_row(summary, GAS, "delivered")
    assert gas.unit == "PJ/yr"
    assert gas.value == pytest.approx(delivered(result, GAS) * 36.0, rel=1e-9)
    assert summary_row(summary, GAS, "utilisation").unit == "1"
    iamc = pd.read_csv(tmp_path / "Mtoe" / "iamc.csv").set_index("Variable")
    assert set(iamc[~iamc.index.str.startswith("Capacity Utilisation|")].Unit) == {"Mtoe/yr"}
    gas_mtoe = iamc.loc["Trade|Gas|Pipeline|Power of Siberia", str(YEAR)]
    oil_mtoe = iamc.loc["Trade|Oil|Pipeline|ESPO", str(YEAR)]
    assert gas_mtoe == pytest.approx(delivered(result, GAS) * 0.86, rel=1e-9)
    assert oil_mtoe == pytest.approx(delivered(result, OIL) * 1.0, rel=1e-9)


def test_units_other_than_native_or_energy_are_refused() -> None:
    """An unknown unit is one error listing the ones there are; native keeps bcm/yr and Mt/yr."""
    assert volume_unit("gas") == ("bcm/yr", 1.0)
    assert volume_unit("oil") == ("Mt/yr", 1.0)
    with pytest.raises(
        FlowsimError, match=r"units must be native or one of PJ, EJ, Mtoe \(got 'TJ'\)"
    ):
        volume_unit("gas", "TJ")


def test_tables_of_a_result_read_lazily_equal_those_in_memory(
    ensemble: flowsim.Result, tmp_path: Path
) -> None:
    """A streamed result (read lazily, summarised a slice at a time) gives the same tables."""
    lazy = flowsim.open_result(ensemble.to_netcdf(tmp_path / "r.nc"), lazy=True)
    pd.testing.assert_frame_equal(summary_frame(lazy), summary_frame(ensemble))
    pd.testing.assert_frame_equal(iamc_frame(lazy), iamc_frame(ensemble))
