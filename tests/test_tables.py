"""Tables of a result: the long summary and the IAMC wide format, in native or energy units.

Unit conversions are checked by hand: 1 bcm of gas is 36.0 PJ or 0.86 Mtoe,
1 Mt of crude 41.868 PJ or 1 Mtoe (BP and IEA factors, flowsim.units).
"""

from __future__ import annotations

import calendar
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import flowsim
from flowsim.cli import cli
from flowsim.errors import FlowsimError
from flowsim.plan import Plan
from flowsim.scenario import scenario_from_text
from flowsim.tables import iamc_frame, summary_frame, volume_unit
from flowsim.variables import VALUE, names

from .conftest import SCENARIOS, tiny_doc
from .engine_cases import NETWORK_SCENARIO, scenario
from .test_plan_prices import PRICED
from .test_price_paths import UNCERTAIN
from .test_value import HALF_TAKEN

GAS, OIL, YEAR = "power_of_siberia", "espo", 2030
"""A gas and an oil route of the reference scenario, and a year both deliver in."""
MONEY_UNITS = {"USD/kcm", "USD/bbl", "million USD/yr"}
"""Units of prices and money, which ``units`` does not convert."""
WORTH = ("Price|", "Value|")
"""IAMC variables of prices and money."""


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
    worth = energy.unit.isin(MONEY_UNITS)  # prices and money stay as they are
    assert set(energy[~worth].unit) == {"PJ/yr", "1"}
    pd.testing.assert_frame_equal(energy[worth], native[native.unit.isin(MONEY_UNITS)])


def test_iamc_in_pj_is_converted_alike(single: flowsim.Result) -> None:
    """An IAMC trade row in PJ is the route's bcm x 36.0 (gas) or Mt x 41.868 (oil), unit PJ/yr."""
    table = iamc_frame(single, units="PJ").set_index("Variable")
    gas = table.loc["Trade|Gas|Pipeline|Power of Siberia"]
    oil = table.loc["Trade|Oil|Pipeline|ESPO"]
    assert (gas.Unit, oil.Unit) == ("PJ/yr", "PJ/yr")
    assert gas[YEAR] == pytest.approx(delivered(single, GAS) * 36.0, rel=1e-12)
    assert oil[YEAR] == pytest.approx(delivered(single, OIL) * 41.868, rel=1e-12)
    volumes = table[~table.index.str.startswith(("Capacity Utilisation|", *WORTH))]
    assert set(volumes.Unit) == {"PJ/yr"}
    native = iamc_frame(single).set_index("Variable")
    worth = table[table.index.str.startswith(WORTH)]
    pd.testing.assert_frame_equal(worth, native[native.index.str.startswith(WORTH)])
    assert set(worth.Unit) <= MONEY_UNITS


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
    volumes = iamc[~iamc.index.str.startswith(("Capacity Utilisation|", *WORTH))]
    assert set(volumes.Unit) == {"Mtoe/yr"}
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


# --- prices and what the flows are worth ---------------------------------------------

PRICED_SCENARIO = scenario_from_text(PRICED)
DAYS_2022 = [calendar.monthrange(2022, month)[1] for month in range(1, 13)]
PIPE_PRICE_2022 = [3 * 70.86 + 50] * 6 + [3 * 85.895 + 50] * 3 + [3 * 100.93 + 50] * 3
"""The oil-indexed pipe's monthly price in 2022 (6-3-3 on Brent, 3 x Brent + 50 USD/kcm)."""
PIPE_2022 = sum(38 * d / 365 * p for d, p in zip(DAYS_2022, PIPE_PRICE_2022, strict=True))
"""Its trade value in 2022, million USD: 38 bcm/yr at each month's price (11,274.0982)."""
CRUDE_2022 = 10 * (100.93 - 2) * 7.33
"""The crude lane's 2022 trade value: 10 Mt x (Brent - 2) USD/bbl x 7.33 bbl/t."""


def iamc_row(table: pd.DataFrame, variable: str) -> pd.Series:
    """The one IAMC row of ``variable``."""
    rows = table[table.Variable == variable]
    assert len(rows) == 1, variable
    return rows.iloc[0]


def test_iamc_prices_and_values_of_a_priced_run_are_the_hand_values() -> None:
    """PRICED, one member: prices per route as the plan computes them (the year's mean
    month), trade value per route and by exporter, what each side gets, and the Kazakh
    transit fee of 15 USD/t on 10 Mt, 150 million USD a year; money and prices are not
    converted by ``units``."""
    result = flowsim.run(PRICED_SCENARIO, engine="numpy")
    table = iamc_frame(result)
    plan = Plan.of(PRICED_SCENARIO).prices.price  # routes sorted: crude, fixed, pipe
    pipe = iamc_row(table, "Price|Gas|Pipeline|Pipe")
    assert pipe.Unit == "USD/kcm"
    assert pipe[2022] == pytest.approx(np.mean(PIPE_PRICE_2022), rel=1e-12)
    assert [pipe[2022], pipe[2023]] == pytest.approx(plan[2].reshape(2, 12).mean(axis=1))
    crude = iamc_row(table, "Price|Oil|Pipeline|Crude")
    assert (crude.Unit, crude[2022]) == ("USD/bbl", pytest.approx(100.93 - 2))
    assert iamc_row(table, "Price|Gas|Pipeline|Fixed")[2023] == pytest.approx(260.1)
    value = iamc_row(table, "Value|Trade|Gas|Pipeline|Pipe")
    assert (value.Unit, value[2022]) == ("million USD/yr", pytest.approx(PIPE_2022, rel=1e-12))
    assert value[2022] == pytest.approx(11274.0982, abs=1e-4)  # tests/test_value.py
    gas = iamc_row(table, "Value|Trade|Gas|unattributed|China")
    assert gas[2022] == pytest.approx(PIPE_2022 + 5 * 255.0, rel=1e-12)
    oil_cost = iamc_row(table, "Value|Importer Cost|Oil|unattributed|China")
    assert oil_cost[2022] == pytest.approx(CRUDE_2022, rel=1e-12)
    revenue = iamc_row(table, "Value|Exporter Revenue|Oil|unattributed|China")
    assert revenue[2022] == pytest.approx(CRUDE_2022 - 150, rel=1e-12)
    fees = iamc_row(table, "Value|Transit Fees|Kazakhstan")
    assert (fees.Unit, fees[2022], fees[2023]) == ("million USD/yr", 150, 150)
    assert not table.Variable.str.startswith("Value|Take-or-Pay|").any()  # no contract
    assert not table.Variable.str.contains(r"\|P(?:10|90)$").any()  # one member
    in_pj = iamc_frame(result, units="PJ").set_index("Variable")
    money = in_pj[in_pj.index.str.startswith(WORTH)]
    pd.testing.assert_frame_equal(money, table.set_index("Variable").loc[money.index])
    assert in_pj.loc["Trade|Gas|Pipeline|Pipe", 2022] == pytest.approx(38 * 36.0)


def test_iamc_take_or_pay_is_the_untaken_floor_at_the_years_price() -> None:
    """The fixed-price route under an 80% floor on an ACQ of 5, its buyer taking half, pays
    for 1.5 bcm a year at 255 and 260.1 USD/kcm (flowsim.value)."""
    table = iamc_frame(flowsim.run(scenario_from_text(HALF_TAKEN), engine="numpy"))
    row = iamc_row(table, "Value|Take-or-Pay|Gas|unattributed|China")
    assert row.Unit == "million USD/yr"
    assert [row[2022], row[2023]] == pytest.approx([382.5, 390.15], rel=1e-12)
    assert not table.Variable.str.startswith("Value|Take-or-Pay|Oil").any()  # no contract
    cost = iamc_row(table, "Value|Importer Cost|Gas|unattributed|China")
    assert cost[2022] == pytest.approx(PIPE_2022 + 2.5 * 255.0 + 382.5, rel=1e-12)


def test_summary_rows_of_value_by_route_exporter_and_country() -> None:
    """summary.csv of PRICED with the fixed route unpriced: price, trade value and fees for
    the priced routes only (the unpriced route's NaN rows dropped), each exporter's trade
    value, cost and revenue, and Kazakhstan's fees on crude, in their units."""
    result = flowsim.run(scenario_from_text(PRICED.split("[routes.fixed.price]")[0]))
    table = summary_frame(result)
    for variable in ("price", "trade_value", "take_or_pay_payment", "transit_fees"):
        rows = table[(table.kind == "route") & (table.variable == variable)]
        assert "fixed" not in set(rows.name), variable
    assert set(table[table.variable == "price"].name) == {"crude", "pipe"}
    iamc = set(iamc_frame(result).Variable)
    assert {"Price|Gas|Pipeline|Pipe", "Value|Trade|Gas|Pipeline|Pipe"} <= iamc
    assert not {"Price|Gas|Pipeline|Fixed", "Value|Trade|Gas|Pipeline|Fixed"} & iamc
    assert table[table.variable == "take_or_pay_payment"].empty  # no contract
    price = summary_row(table, "crude", "price", 2022)
    assert (price.unit, price.value) == ("USD/bbl", pytest.approx(100.93 - 2))
    assert summary_row(table, "pipe", "price", 2022).unit == "USD/kcm"
    value = summary_row(table, "pipe", "trade_value", 2022)
    assert (value.unit, value.value) == ("million USD/yr", pytest.approx(PIPE_2022, rel=1e-12))
    assert summary_row(table, "crude", "transit_fees", 2023).value == 150
    assert summary_row(table, "pipe", "transit_fees", 2023).value == 0
    exporter = table[(table.kind == "exporter") & (table.year == 2022)].set_index(
        ["variable", "commodity"]
    )
    assert exporter.loc[("trade_value", "gas"), "value"] == pytest.approx(PIPE_2022, rel=1e-12)
    assert exporter.loc[("importer_cost", "oil"), "value"] == pytest.approx(CRUDE_2022)
    assert exporter.loc[("exporter_revenue", "oil"), "value"] == pytest.approx(CRUDE_2022 - 150)
    assert exporter.loc[("exporter_revenue", "oil"), "unit"] == "million USD/yr"
    countries = table[table.kind == "country"]
    assert countries[
        ["name", "commodity", "variable", "unit"]
    ].drop_duplicates().values.tolist() == [["Kazakhstan", "oil", "transit_fees", "million USD/yr"]]
    assert countries.value.tolist() == [150, 150]
    money = table[table.unit.isin(["million USD/yr", "USD/kcm", "USD/bbl"])]
    per_year = 3 * 2 + 3 * 2 + 1  # price, value, fees of 2 routes; 3 by exporter; 1 country
    assert len(money) == 2 * per_year
    assert not money.value.isnull().any()


def test_an_ensembles_value_rows_are_member_quantiles() -> None:
    """Drawn Brent (UNCERTAIN): the IAMC median and |P10, |P90 of a price, a route's and an
    exporter's trade value and a fee are the quantiles over members, ordered and spread;
    summary.csv's statistics are the same; a lazily read result gives the same tables."""
    result = flowsim.run(scenario_from_text(UNCERTAIN), members=20, seed=2, engine="numpy")
    a = result.annual.sel(year=2023)
    table = iamc_frame(result).set_index("Variable")
    members = {
        "Price|Gas|Pipeline|Pipe": a.price.sel(route="pipe"),
        "Value|Trade|Oil|Pipeline|Crude": a.trade_value.sel(route="crude"),
        "Value|Exporter Revenue|Oil|unattributed|China": a.exporter_revenue.sel(route="crude"),
        "Value|Trade|Gas|unattributed|China": a.trade_value.sel(route=["pipe", "fixed"]).sum(
            "route"
        ),
        "Value|Transit Fees|Kazakhstan": a.transit_fees.sel(route="crude"),
    }
    for name, values in members.items():
        p10, p50, p90 = (table.loc[f"{name}{s}", 2023] for s in ("|P10", "", "|P90"))
        assert [p10, p50, p90] == pytest.approx(
            np.quantile(values.values, [0.1, 0.5, 0.9]), rel=1e-12
        ), name
        assert p10 <= p50 <= p90
    assert (
        table.loc["Price|Gas|Pipeline|Pipe|P10", 2023]
        < table.loc["Price|Gas|Pipeline|Pipe|P90", 2023]
    )
    summary = summary_frame(result)
    price = summary[
        (summary.name == "pipe") & (summary.variable == "price") & (summary.year == 2023)
    ]
    stats = price.set_index("statistic").value
    assert stats["p10"] == pytest.approx(table.loc["Price|Gas|Pipeline|Pipe|P10", 2023])
    assert stats["mean"] == pytest.approx(float(a.price.sel(route="pipe").mean()))
    exporter = summary[
        (summary.kind == "exporter") & (summary.variable == "trade_value") & (summary.year == 2023)
    ].set_index(["commodity", "statistic"])
    assert exporter.loc[("gas", "p90"), "value"] == pytest.approx(
        table.loc["Value|Trade|Gas|unattributed|China|P90", 2023]
    )


def test_priced_tables_of_a_lazy_result_equal_those_in_memory(tmp_path: Path) -> None:
    result = flowsim.run(scenario_from_text(UNCERTAIN), members=6, seed=2, engine="numpy")
    lazy = flowsim.open_result(result.to_netcdf(tmp_path / "r.nc"), lazy=True)
    pd.testing.assert_frame_equal(summary_frame(lazy), summary_frame(result))
    pd.testing.assert_frame_equal(iamc_frame(lazy), iamc_frame(result))


def test_an_unpriced_run_has_no_price_or_value_rows() -> None:
    """Without prices or fees the tables are those of a result without value variables at
    all: no Price| or Value| variable, no money unit, no country rows."""
    for members in (1, 4):
        result = flowsim.run(
            scenario_from_text(PRICED.split("[routes.pipe.price]")[0]), members=members, seed=1
        )
        bare = flowsim.Result(result.annual.drop_vars(names(VALUE)))
        iamc, summary = iamc_frame(result), summary_frame(result)
        pd.testing.assert_frame_equal(iamc, iamc_frame(bare))
        pd.testing.assert_frame_equal(summary, summary_frame(bare))
        assert not iamc.Variable.str.startswith(WORTH).any()
        assert set(iamc.Unit) <= {"bcm/yr", "Mt/yr", "1"}
        assert set(summary.kind) == {"route", "commodity", "exporter"}
        assert not set(summary.variable) & set(names(VALUE))


def test_fees_without_prices_are_reported_alone() -> None:
    """A route paying a transit fee but without a price: its fees (38 bcm x 3 USD/kcm = 114
    million USD a year) by route and by country, and no price or trade value."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["transit_countries"] = ["Mongolia"]
    doc["routes"]["pipe"]["transit_fees"] = [
        {"country": "Mongolia", "value": 3, "unit": "USD/kcm", "cite": "report: t"}
    ]
    result = flowsim.run(scenario(doc), engine="numpy")
    iamc = iamc_frame(result).set_index("Variable")
    assert in_money(iamc) == ["Value|Transit Fees|Mongolia"]
    assert iamc.loc["Value|Transit Fees|Mongolia", 2024] == pytest.approx(114)
    summary = summary_frame(result)
    fees = summary[summary.variable == "transit_fees"]
    assert fees[["kind", "name"]].drop_duplicates().values.tolist() == [
        ["route", "pipe"],
        ["country", "Mongolia"],
    ]
    assert fees.value.values == pytest.approx(np.full(6, 114))
    assert set(summary.variable) & {"price", "trade_value", "importer_cost"} == set()


def in_money(table: pd.DataFrame) -> list[str]:
    """The IAMC variables (index of ``table``) of prices and money."""
    return [str(v) for v in table.index if str(v).startswith(WORTH)]
