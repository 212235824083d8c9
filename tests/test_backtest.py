"""The back-test: its numbers come from the data file, and bad data files are clear errors.

The ``flowsim backtest`` command is tested in test_cli_analyse.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowsim
from flowsim.backtest import STATUSES, ReportedDataError, backtest, read_reported
from flowsim.shipped import data_file, scenario_file

from .conftest import ROOT

DATA = ROOT / "data" / "reported_flows.csv"
HISTORICAL = ROOT / "scenarios" / "historical.toml"


def _raw() -> list[dict[str, str]]:
    """The shipped data file as plain CSV rows, without flowsim's reader."""
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def historical() -> flowsim.Result:
    return flowsim.run(HISTORICAL)


@pytest.fixture(scope="module")
def check(historical: flowsim.Result) -> flowsim.backtest.Backtest:
    routes = {r: s.commodity for r, s in historical.scenario.routes.items()}
    return backtest(historical, read_reported(DATA, routes))


def _write(tmp_path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    path = tmp_path / "flows.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- the shipped data ------------------------------------------------------


def test_shipped_data_covers_the_four_routes_over_their_years() -> None:
    """PoS-1 2019-2025, ESPO spur 2011-2025, KCP 2006-2025, CAGP 2010-2024, statuses honest."""
    years: dict[str, set[int]] = {}
    for row in _raw():
        years.setdefault(row["series"], set()).add(int(row["year"]))
        assert row["status"] in STATUSES
        assert row["source"].strip()
    assert years["PoS1"] == set(range(2019, 2026))
    assert years["ESPO_spur_Skovorodino_Mohe"] == set(range(2011, 2026))
    assert years["KCP_total_Alashankou"] == set(range(2006, 2026))
    assert years["CAGP"] == set(range(2010, 2025))


def test_shipped_figures_carry_over_from_the_shared_data() -> None:
    """Each figure taken from the shared annual flows keeps its volume and never gains status.

    tests/data/shared_annual_flows.csv is a verbatim copy of the project's shared research
    file (shared/data/annual_flows.csv), kept here so the check runs without it.
    """
    shared = Path(__file__).parent / "data" / "shared_annual_flows.csv"
    with shared.open(encoding="utf-8", newline="") as handle:
        original = {(r["route"], int(r["year"])): r for r in csv.DictReader(handle)}
    rank = {status: i for i, status in enumerate(STATUSES)}
    for row in _raw():
        source = original.get((row["series"], int(row["year"])))
        if source is None:  # 2025 KCP rows come from routes.md
            continue
        assert float(row["volume"]) == float(source["volume"])
        was = source["source"].split(":")[0]
        assert rank[row["status"]] >= rank[was], row


def test_kcp_total_maps_to_both_alashankou_routes() -> None:
    """The Alashankou total is Kazakh crude plus the Russian transit, as two route ids."""
    routes = {row["route"] for row in _raw() if row["series"] == "KCP_total_Alashankou"}
    assert routes == {"kazakh_oil+kazakh_oil_russian_transit"}


def test_data_file_is_found_after_install() -> None:
    """flowsim.shipped finds the data file and the historical scenario wherever flowsim runs."""
    assert data_file("reported_flows.csv").read_bytes() == DATA.read_bytes()
    assert scenario_file("historical").read_bytes() == HISTORICAL.read_bytes()


# --- the numbers ------------------------------------------------------------


def test_reported_column_is_the_data_file(check: flowsim.backtest.Backtest) -> None:
    """Every row of the table holds the data file's volume, status and year, in file order."""
    raw = _raw()
    assert len(check.table) == len(raw)
    for row, expected in zip(check.table.itertuples(), raw, strict=True):
        assert (row.series, row.year, row.status) == (
            expected["series"],
            int(expected["year"]),
            expected["status"],
        )
        assert row.reported == float(expected["volume"])


def test_simulated_column_sums_the_routes_of_the_run(
    check: flowsim.backtest.Backtest, historical: flowsim.Result
) -> None:
    """The simulated value of a series is the run's deliveries summed over its route ids,
    or for a reported value (million USD) the routes' trade values."""
    a = historical.annual.isel(member=0)
    for row in check.table.itertuples():
        variable = a.trade_value if row.unit == "million USD" else a.delivered
        expected = sum(float(variable.sel(route=r, year=row.year)) for r in row.route.split("+"))
        assert row.simulated == pytest.approx(expected, rel=1e-12)
    assert (check.table["unit"] == "million USD").sum() == 19


def test_errors_are_simulated_minus_reported(check: flowsim.backtest.Backtest) -> None:
    """error = simulated - reported; error % = 100 x error / reported."""
    t = check.table
    np.testing.assert_allclose(t["error"], t["simulated"] - t["reported"], rtol=1e-12)
    np.testing.assert_allclose(t["error_pct"], 100 * t["error"] / t["reported"], rtol=1e-12)


def test_statistics_are_over_sourced_years_only(check: flowsim.backtest.Backtest) -> None:
    """MAPE and bias per series are the mean absolute and mean percent errors of sourced rows."""
    raw = pd.DataFrame(_raw()).astype({"year": int, "volume": float})
    for stats in check.stats.itertuples():
        rows = raw[(raw["series"] == stats.series) & (raw["status"] == "sourced")]
        simulated = check.table.set_index(["series", "year"]).loc[stats.series, "simulated"]
        pairs = zip(rows["year"], rows["volume"], strict=True)
        pct = [100 * (simulated[y] - v) / v for y, v in pairs]
        assert stats.sourced_years == len(rows)
        assert stats.mape_pct == pytest.approx(np.mean(np.abs(pct)))
        assert stats.bias_pct == pytest.approx(np.mean(pct))
        assert abs(stats.worst_error_pct) == pytest.approx(max(abs(p) for p in pct))


def test_independent_sourced_years_hold_within_ten_percent(
    check: flowsim.backtest.Backtest,
) -> None:
    """Sourced years that no fitted parameter saw and no documented gap explains are within 10%.

    The exceptions are named in docs/validation.md: the first months of a line
    (CAGP 2010, PoS-1 2019), China's 2020 cut of PoS-1 offtake and the ESPO spur
    above its nameplate (2016, -9%, still inside 10%).
    """
    explained = {("CAGP", 2010), ("PoS1", 2019), ("PoS1", 2020)}
    table = check.table
    sourced = table[(table["status"] == "sourced") & (table["unit"] != "million USD")]
    for row in sourced.itertuples():
        if (row.series, row.year) not in explained and row.series not in NETWORK_TARGETS:
            assert abs(row.error_pct) <= 10, (row.series, row.year, row.error_pct)


VALUE_TARGETS = {("PoS1_value", y): 15.0 for y in (2022, 2023, 2024)} | {
    ("RU_CN_crude_value", 2023): 15.0
}
"""Reported customs values (GACC) the simulated trade value must meet within 15% (issue
18): PoS-1 2022-2024 and Russian crude 2023 (no full-year 2024 value is published)."""


@pytest.mark.parametrize(("series", "year"), sorted(VALUE_TARGETS), ids=lambda v: str(v))
def test_trade_values_meet_chinas_customs_values(
    check: flowsim.backtest.Backtest, series: str, year: int
) -> None:
    """Prices (common/prices.toml) times simulated deliveries against GACC's values: the
    PoS-1 formula is fitted to Russia's MinEcon prices, not to these values."""
    row = check.table.set_index(["series", "year"]).loc[(series, year)]
    assert row["status"] == "sourced"
    assert abs(row["error_pct"]) <= VALUE_TARGETS[series, year], row["error_pct"]


def test_the_value_scores_docs_and_readme_quote(check: flowsim.backtest.Backtest) -> None:
    """docs/validation.md's table and the README: MAPE 5.2% (PoS-1), 6.8% (Russian crude),
    5.2% (Turkmen), 12.7% (Kazakh), 46.8% (Uzbek gas, the assumed run-down too steep)."""
    stats = check.stats.set_index("series")["mape_pct"]
    quoted = {"PoS1_value": 5.2, "RU_CN_crude_value": 6.8, "CAGP_Turkmen_value": 5.2,
              "CAGP_Kazakh_value": 12.7, "CAGP_Uzbek_value": 46.8}  # fmt: skip
    assert {name: round(float(stats[name]), 1) for name in quoted} == quoted


# --- the targets of the supply network (issue 15; docs/validation.md) -------

NETWORK_TARGETS = {"RU_CN_crude_GACC": 10.0, "Kozmino_China_offtake": 15.0}
"""Series and the percent error each sourced year 2015-2024 must stay within."""
FITTED = {("RU_CN_crude_GACC", 2019)}
"""Years a fitted figure saw (the Russian residual lane, historical.toml): no test."""
MISSED: dict[tuple[str, int], str] = {}
"""Years the model misses, each explained in docs/validation.md; strict xfail: a fix shows.
None today: every sourced target year 2015-2024 but the fitted one is met."""


def _target_cases() -> list[object]:
    rows = [r for r in _raw() if r["series"] in NETWORK_TARGETS and r["status"] == "sourced"]
    rows = [r for r in rows if 2015 <= int(r["year"]) <= 2024]
    rows = [r for r in rows if (r["series"], int(r["year"])) not in FITTED]
    return [
        pytest.param(
            r["series"],
            int(r["year"]),
            id=f"{r['series']}-{r['year']}",
            marks=[pytest.mark.xfail(reason=MISSED[key])]
            if (key := (r["series"], int(r["year"]))) in MISSED
            else [],
        )
        for r in rows
    ]


def test_target_cases_are_every_sourced_year_but_the_fitted_one() -> None:
    """GACC 2016-2024 less 2019 (eight years) and Kozmino 2015-2018 (four) are held."""
    ids = [case.id for case in _target_cases()]  # type: ignore[attr-defined]
    gacc = [f"RU_CN_crude_GACC-{y}" for y in (2016, 2017, 2018, 2020, 2021, 2022, 2023, 2024)]
    assert ids == gacc + [f"Kozmino_China_offtake-{y}" for y in range(2015, 2019)]


@pytest.mark.parametrize(("series", "year"), _target_cases())
def test_network_series_meet_their_targets(
    check: flowsim.backtest.Backtest, series: str, year: int
) -> None:
    """Russian crude to China (all lanes) within 10% of GACC and Kozmino's China liftings
    within 15% in every sourced year 2015-2024 but GACC 2019, on which the residual Russian
    lane is fitted (docs/validation.md)."""
    row = check.table.set_index(["series", "year"]).loc[(series, year)]
    assert abs(row["error_pct"]) <= NETWORK_TARGETS[series]


def test_atasu_alashankou_total_within_ten_percent_every_year(
    check: flowsim.backtest.Backtest,
) -> None:
    """The shared line carries Kazakh and Russian crude together: ~11 Mt/yr, not 20."""
    kcp = check.table[check.table["series"] == "KCP_total_Alashankou"]
    kcp = kcp[(kcp["year"] >= 2013) & (kcp["year"] <= 2024)]
    assert len(kcp) == 12
    assert (kcp["error_pct"].abs() <= 10).all(), kcp[["year", "error_pct"]]


def test_exporter_rows_sum_every_route_of_that_country(
    check: flowsim.backtest.Backtest, historical: flowsim.Result
) -> None:
    """'exporter:Russia' sums the spur, Kozmino, the Kazakh transit, the western ports, the
    fitted residual and Tianjin (Russian sources), not Kazakh crude on the same Atasu line."""
    rows = check.table[check.table["series"] == "RU_CN_crude_GACC"]
    (route,) = set(rows["route"])
    assert sorted(route.split("+")) == [
        "espo",
        "kazakh_oil_russian_transit",
        "kozmino_crude",
        "russia_other_crude",
        "russia_west_crude",
        "tianjin_crude",
    ]
    delivered = historical.annual.delivered.isel(member=0).sel(year=2023)
    kazakh = float(delivered.sel(route="kazakh_oil"))
    everything = float(delivered.where(delivered.route_unit == "Mt/yr").sum())
    russian = rows.set_index("year").loc[2023, "simulated"]
    assert russian == pytest.approx(everything - kazakh, rel=1e-12)


def test_an_exporter_the_scenario_lacks_is_an_error(
    tmp_path: Path, historical: flowsim.Result
) -> None:
    """An exporter no route of the row's commodity has is named, with the exporters there are."""
    row = {**_raw()[0], "route": "exporter:Norway"}
    reported = read_reported(_write(tmp_path, [row]), {"power_of_siberia": "gas"})
    with pytest.raises(flowsim.FlowsimError, match=r"exporter:Norway.*exporters: Kazakhstan"):
        backtest(historical, reported)
    bad = _write(tmp_path, [{**row, "route": "exporter:Russia+espo"}])
    with pytest.raises(ReportedDataError, match="expected 'exporter:COUNTRY' alone"):
        read_reported(bad)


def test_same_seed_same_backtest() -> None:
    """Two ensemble back-tests with one seed are identical, coverage included."""
    first, second = (
        backtest(flowsim.run(f"{HISTORICAL}#ensemble", members=20, seed=3), read_reported(DATA))
        for _ in range(2)
    )
    pd.testing.assert_frame_equal(first.table, second.table)
    assert first.coverage == second.coverage


def test_ensemble_band_and_coverage() -> None:
    """An ensemble adds P10 <= P50 <= P90 per row; coverage is the share of sourced volumes
    inside (values, which follow from volumes and prices, are shown, not counted)."""
    result = flowsim.run(f"{HISTORICAL}#ensemble", members=40, seed=1)
    check = backtest(result, read_reported(DATA))
    t = check.table
    assert (t["p10"] <= t["simulated"] + 1e-9).all()
    assert (t["simulated"] <= t["p90"] + 1e-9).all()
    sourced = t[(t["status"] == "sourced") & (t["unit"] != "million USD")]
    inside = (sourced["p10"] <= sourced["reported"]) & (sourced["reported"] <= sourced["p90"])
    assert check.coverage == pytest.approx(inside.mean())
    assert check.members == 40


def test_the_historical_ensemble_is_calibrated() -> None:
    """historical.toml#ensemble (500 members): at least 60% of the sourced figures inside
    the P10-P90 band, also without the figures fitted in the scenario (KCP 2006 and 2009,
    GACC 2019); the calibration curve rises with the band's width and stays within 0.2
    of the diagonal (docs/validation.md)."""
    check = backtest(flowsim.run(f"{HISTORICAL}#ensemble"), read_reported(DATA))
    assert check.coverage is not None
    assert check.coverage >= 0.6
    volumes = check.table[check.table["unit"] != "million USD"]
    sourced = volumes[volumes["status"] == "sourced"]
    fitted = {("KCP_total_Alashankou", 2006), ("KCP_total_Alashankou", 2009)}
    fitted |= {("RU_CN_crude_GACC", 2019)}
    test = sourced[
        [(s, y) not in fitted for s, y in zip(sourced.series, sourced.year, strict=True)]
    ]
    assert len(test) == len(sourced) - 3
    assert test["inside"].mean() >= 0.6
    curve = check.calibration
    assert curve is not None
    assert list(curve.width) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert (curve.inside.diff().dropna() >= 0).all()
    assert (abs(curve.inside - curve.width) <= 0.2).all()
    # the figures docs/validation.md and the README quote
    assert (int(sourced["inside"].sum()), int(test["inside"].sum())) == (24, 21)
    assert [round(x, 2) for x in curve.inside] == [
        0.06, 0.16, 0.31, 0.44, 0.47, 0.5, 0.59, 0.75, 0.81
    ]  # fmt: skip


def test_single_member_has_no_coverage(check: flowsim.backtest.Backtest) -> None:
    """A deterministic back-test has no band and no coverage."""
    assert check.coverage is None
    assert "p10" not in check.table


# --- bad data files --------------------------------------------------------


def test_malformed_rows_give_one_line_each(tmp_path: Path) -> None:
    """Bad status, non-numeric volume, unknown route id and wrong unit: each named with its line."""
    rows = _raw()[:5]
    rows[0] = {**rows[0], "status": "sourcd"}
    rows[1] = {**rows[1], "volume": "lots"}
    rows[2] = {**rows[2], "route": "power_of_siberai"}
    rows[3] = {**rows[3], "unit": "Mt"}
    path = _write(tmp_path, rows)
    routes = {r: s.commodity for r, s in flowsim.load_scenario(HISTORICAL).routes.items()}
    with pytest.raises(ReportedDataError) as error:
        read_reported(path, routes)
    lines = str(error.value).splitlines()
    assert lines == [
        f"{path}:2: column 'status': expected one of sourced, derived, estimate (got 'sourcd')",
        f"{path}:3: column 'volume': expected a number >= 0 (got 'lots')",
        f"{path}:4: column 'route': unknown route 'power_of_siberai' "
        "(did you mean 'power_of_siberia'?)",
        f"{path}:5: column 'unit': expected 'bcm' for gas, or 'million USD' for a trade value "
        "(got 'Mt')",
    ]


def test_missing_column_and_wrong_commodity(tmp_path: Path) -> None:
    """A missing column is named; a gas series on an oil route is caught."""
    rows = [{k: v for k, v in row.items() if k != "status"} for row in _raw()[:2]]
    path = _write(tmp_path, rows)
    with pytest.raises(ReportedDataError, match=r"flows.csv:1: missing column 'status'"):
        read_reported(path)
    rows = [{**_raw()[0], "route": "espo"}]
    with pytest.raises(ReportedDataError, match="route 'espo' carries oil, not gas"):
        read_reported(_write(tmp_path, rows), {"espo": "oil"})


def test_a_bad_year_and_duplicates_are_errors(tmp_path: Path) -> None:
    """A year that is not a whole number, and a series-year given twice, are errors."""
    first = _raw()[0]
    path = _write(tmp_path, [{**first, "year": "2019.5"}, first, first])
    with pytest.raises(ReportedDataError) as error:
        read_reported(path)
    assert [p.line for p in error.value.problems] == [2, 4]
    assert "column 'year': expected a whole year (got '2019.5')" in str(error.value)
    assert "has year 2019 twice (first on line 3)" in str(error.value)


def test_years_the_scenario_does_not_simulate_are_left_out_and_counted() -> None:
    """A projection from 2015 is held against the reported figures of 2015 on only."""
    reference = ROOT / "scenarios" / "reference.toml"
    reported = read_reported(DATA)
    check = backtest(flowsim.run(reference, members=1), reported)
    assert set(check.table["year"]) == {y for y in reported["year"] if y >= 2015}
    assert check.left_out == int((reported["year"] < 2015).sum()) > 0
