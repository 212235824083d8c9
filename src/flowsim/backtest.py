"""The back-test: simulated annual flows held against the reported ones, series by series.

A reported-flows file (``data/reported_flows.csv`` is shipped) is a CSV with
one row per reported series and year:

``series``
    The name of the reported series as in the source data (``CAGP``, ``PoS1``).
``route``
    The flowsim route ids the series measures, joined by ``+`` when it is a
    sum (``kazakh_oil+kazakh_oil_russian_transit``), or ``exporter:COUNTRY``
    (``exporter:Russia``): every route of the row's commodity whose source's
    ``country`` is COUNTRY, whatever lanes the scenario has.
``year``, ``commodity`` (``gas`` or ``oil``), ``volume``, ``unit``
    The reported annual figure: a volume (``unit`` ``bcm`` or ``Mt``: held against
    ``delivered``) or a trade value, China's customs value of the imports (``unit``
    ``million USD``: held against ``trade_value``, :mod:`flowsim.value`).
``status``
    ``sourced`` (stated in the cited item), ``derived`` (arithmetic on sourced
    figures) or ``estimate`` (interpolated, recalled or a plan).
``source``
    Where the figure comes from.

Errors are ``simulated - reported``; percent errors are relative to the
reported figure. In the result's table an ``exporter:`` row names the route
ids it summed. The statistics per series (MAPE, bias) are taken over its
``sourced`` years only: derived and estimated figures are shown, not scored. The
coverage and calibration of an ensemble are those of the sourced volumes (values
follow from them and the prices).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.errors import FlowsimError, Problem, did_you_mean
from flowsim.results import Result
from flowsim.scenario.network import exporter_of
from flowsim.series import VALUE_UNIT, series_values
from flowsim.stats import member_quantile
from flowsim.variables import VOLUME_UNITS as UNITS

__all__ = [
    "COLUMNS",
    "EXPORTER",
    "STATUSES",
    "WIDTHS",
    "Backtest",
    "ReportedDataError",
    "backtest",
    "read_reported",
]

COLUMNS = ("series", "route", "year", "commodity", "volume", "unit", "status", "source")
"""Columns of a reported-flows file, in this order."""

STATUSES = ("sourced", "derived", "estimate")
"""How a reported figure is known, from best to worst."""

EXPORTER = "exporter:"
"""Prefix of a ``route`` cell that names an exporting country instead of route ids."""


class ReportedDataError(FlowsimError, ValueError):
    """A reported-flows file could not be read; ``problems`` lists every reason, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_reported(
    path: str | os.PathLike[str], routes: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read and check a reported-flows file.

    Parameters
    ----------
    path
        The CSV file (columns :data:`COLUMNS`).
    routes
        Route id -> commodity of the scenario it will be held against: every
        id must be one of them and carry the row's commodity.

    Returns
    -------
    pandas.DataFrame
        One row per series and year, columns :data:`COLUMNS` (``year`` int,
        ``volume`` float), in file order.

    Raises
    ------
    ReportedDataError
        Every problem of the file at once, each as ``FILE:LINE: column 'x':
        expected ... (got ...)``.
    """
    name = os.fspath(path)
    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            lines = list(csv.reader(handle))
    except UnicodeDecodeError:
        message = "is not a CSV text file (not UTF-8 text)"
        raise ReportedDataError([Problem(name, (), message)]) from None
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        raise ReportedDataError([Problem(name, (), message)]) from None
    if not lines:
        raise ReportedDataError([Problem(name, (), "empty file: expected a header line")])
    header = [h.strip() for h in lines[0]]
    missing = [c for c in COLUMNS if c not in header]
    problems = [
        Problem(name, (), f"missing column '{c}' (expected columns: {', '.join(COLUMNS)})", line=1)
        for c in missing
    ]
    problems += [
        Problem(name, (), f"unknown column '{c}'{did_you_mean(c, COLUMNS, list_known=False)}", 1)
        for c in header
        if c not in COLUMNS
    ]
    if problems:
        raise ReportedDataError(problems)
    rows: list[dict[str, object]] = []
    seen: dict[tuple[str, int], int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(name, (), f"expected {len(header)} fields (got {len(cells)})", number)
            )
            continue
        row = {h: cell.strip() for h, cell in zip(header, cells, strict=True)}
        found = _check_row(row, routes)
        problems += [Problem(name, (), message, number) for message in found]
        if found:
            continue
        key = (row["series"], int(row["year"]))
        if key in seen:
            message = f"series '{key[0]}' has year {key[1]} twice (first on line {seen[key]})"
            problems.append(Problem(name, (), message, number))
            continue
        seen[key] = number
        rows.append({**row, "year": int(row["year"]), "volume": float(row["volume"])})
    if problems:
        raise ReportedDataError(problems)
    if not rows:
        raise ReportedDataError([Problem(name, (), "no data rows")])
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _check_row(row: dict[str, str], routes: Mapping[str, str] | None) -> list[str]:
    """What is wrong with one row of a reported-flows file, one message per column."""
    out = []
    if not row["series"]:
        out.append("column 'series': expected a series name (got nothing)")
    try:
        int(row["year"])
    except ValueError:
        out.append(f"column 'year': expected a whole year (got '{row['year']}')")
    try:
        volume = float(row["volume"])
        if not math.isfinite(volume) or volume < 0:
            raise ValueError
    except ValueError:
        out.append(f"column 'volume': expected a number >= 0 (got '{row['volume']}')")
    commodity = row["commodity"]
    if commodity not in UNITS:
        out.append(f"column 'commodity': expected one of gas, oil (got '{commodity}')")
    elif row["unit"] not in (UNITS[commodity], VALUE_UNIT):
        out.append(
            f"column 'unit': expected '{UNITS[commodity]}' for {commodity}, or "
            f"'{VALUE_UNIT}' for a trade value (got '{row['unit']}')"
        )
    if row["status"] not in STATUSES:
        out.append(
            f"column 'status': expected one of {', '.join(STATUSES)} (got '{row['status']}')"
        )
    if row["route"].startswith(EXPORTER):
        if not row["route"].removeprefix(EXPORTER).strip() or "+" in row["route"]:
            out.append(
                "column 'route': expected 'exporter:COUNTRY' alone, e.g. 'exporter:Russia' "
                f"(got '{row['route']}')"
            )
        return out
    ids = row["route"].split("+")
    for route in ids:
        if not route:
            out.append(f"column 'route': expected route ids joined by '+' (got '{row['route']}')")
        elif routes is not None and route not in routes:
            out.append(f"column 'route': unknown route '{route}'{did_you_mean(route, routes)}")
        elif routes is not None and commodity in UNITS and routes[route] != commodity:
            out.append(f"column 'route': route '{route}' carries {routes[route]}, not {commodity}")
    return out


WIDTHS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""Nominal widths of the central bands of the calibration curve (0.8: P10-P90)."""


@dataclass(frozen=True)
class Backtest:
    """The outcome of :func:`backtest`.

    Attributes
    ----------
    table
        One row per reported series and year: ``series``, ``route``, ``year``,
        ``unit``, ``status``, ``source``, ``reported``, ``simulated`` (the single
        member's value, or the ensemble median), ``error`` (simulated -
        reported, in ``unit``), ``error_pct`` (100 x error / reported; NaN when
        nothing was reported) and, for ensembles, ``p10``, ``p90`` and
        ``inside`` (reported within P10-P90).
    stats
        One row per series, over its ``sourced`` years: ``sourced_years``,
        ``mape_pct`` (mean absolute percent error), ``bias_pct`` (mean percent
        error: > 0 the model runs high), ``worst_year`` and ``worst_error_pct``
        (largest absolute percent error), and ``all_years`` / ``mape_all_pct``
        over every status, for reference.
    members
        Ensemble members of the result.
    scenario
        Scenario name of the result.
    left_out
        Reported figures of years the result does not simulate (not scored).
    """

    table: pd.DataFrame
    stats: pd.DataFrame
    members: int
    scenario: str
    left_out: int = 0
    calibration: pd.DataFrame | None = None
    """Ensembles: for each central band of nominal width ``width`` (0.1 to 0.9: P45-P55
    to P5-P95), the share ``inside`` of the ``sourced`` figures that lie in it; a
    well-calibrated ensemble has ``inside`` near ``width``."""

    @property
    def coverage(self) -> float | None:
        """Share of ``sourced`` volumes inside the P10-P90 band (None for one member)."""
        if self.members == 1:
            return None
        table = self.table
        sourced = table[(table["status"] == "sourced") & (table["unit"] != VALUE_UNIT)]
        return float(sourced["inside"].mean()) if len(sourced) else None


def backtest(result: Result, reported: pd.DataFrame) -> Backtest:
    """Hold a result's annual deliveries and trade values against reported ones.

    ``reported`` is what :func:`read_reported` returns; a series' simulated
    value is the sum of ``delivered`` (or ``trade_value``) over its route ids, per
    member (:func:`flowsim.series.series_values`); an
    ``exporter:COUNTRY`` row sums every route of its commodity whose source
    belongs to COUNTRY, and the table names those ids. Figures of years the
    result does not simulate are left out (and counted).

    Raises
    ------
    FlowsimError
        When no reported figure falls in the simulated years, or an
        ``exporter:`` row names a country none of the row's routes has.
    """
    a = result.annual
    members = a.sizes["member"]
    simulated_years = reported["year"].isin(a.year.values)
    if not simulated_years.any():
        first, last = int(a.year.values[0]), int(a.year.values[-1])
        raise FlowsimError(f"no reported figure falls in the simulated years {first}-{last}")
    table = reported[simulated_years].rename(columns={"volume": "reported"})
    table["route"] = _route_ids(result, table["route"], table["commodity"])
    table = table.drop(columns="commodity")
    simulated = np.empty(len(table))
    lows, highs = np.full(len(table), np.nan), np.full(len(table), np.nan)
    bands = np.full((len(table), len(WIDTHS), 2), np.nan)  # each row's central bands
    rows = zip(table["route"], table["year"], table["unit"], strict=True)
    for i, (route, year, unit) in enumerate(rows):
        values = series_values(result, route, unit).sel(year=year)
        simulated[i] = float(member_quantile(values, 0.5)) if members > 1 else float(values[0])
        if members > 1:
            lows[i], highs[i] = (float(member_quantile(values, q)) for q in (0.1, 0.9))
            for j, width in enumerate(WIDTHS):
                for k, q in enumerate((0.5 - width / 2, 0.5 + width / 2)):
                    bands[i, j, k] = float(member_quantile(values, q))
    table["simulated"] = simulated
    table["error"] = table["simulated"] - table["reported"]
    table["error_pct"] = 100 * table["error"] / table["reported"].where(table["reported"] > 0)
    if members > 1:
        table["p10"], table["p90"] = lows, highs
        table["inside"] = (table["p10"] <= table["reported"]) & (table["reported"] <= table["p90"])
    order = ["series", "route", "year", "unit", "status", "reported", "simulated"]
    order += ["error", "error_pct", *(["p10", "p90", "inside"] if members > 1 else []), "source"]
    table = table[order].reset_index(drop=True)
    name = str(a.attrs.get("scenario_name", ""))
    calibration = None
    if members > 1:
        sourced = ((table["status"] == "sourced") & (table["unit"] != VALUE_UNIT)).to_numpy()
        figure = table["reported"].to_numpy()[sourced, None]
        inside = (bands[sourced, :, 0] <= figure) & (figure <= bands[sourced, :, 1])
        calibration = pd.DataFrame(
            {"width": WIDTHS, "inside": inside.mean(axis=0), "figures": int(sourced.sum())}
        )
    left_out = int((~simulated_years).sum())
    return Backtest(table, _stats(table), members, name, left_out, calibration)


def _route_ids(result: Result, routes: pd.Series, commodities: pd.Series) -> list[str]:
    """Each row's route ids joined by ``+``, an ``exporter:`` cell resolved in the scenario."""
    wanted = {(r, c) for r, c in zip(routes, commodities, strict=True) if r.startswith(EXPORTER)}
    resolved: dict[tuple[str, str], str] = {}
    if wanted:
        scenario = result.scenario
        for cell, commodity in sorted(wanted):
            country = cell.removeprefix(EXPORTER).strip()
            ids = [
                rid
                for rid, route in scenario.routes.items()
                if route.commodity == commodity and exporter_of(scenario, rid) == country
            ]
            if not ids:
                known = sorted({exporter_of(scenario, rid) for rid in scenario.routes})
                raise FlowsimError(
                    f"reported series route '{cell}': no {commodity} route of scenario "
                    f"'{scenario.name}' has that exporter (exporters: {', '.join(known)})"
                )
            resolved[cell, commodity] = "+".join(ids)
    return [resolved.get((r, c), r) for r, c in zip(routes, commodities, strict=True)]


def _stats(table: pd.DataFrame) -> pd.DataFrame:
    """Error statistics per series over its sourced years (and MAPE over all years)."""
    rows = []
    for series, group in table.groupby("series", sort=False):
        scored = group[(group["status"] == "sourced") & group["error_pct"].notna()]
        worst = scored.loc[scored["error_pct"].abs().idxmax()] if len(scored) else None
        rows.append(
            {
                "series": series,
                "route": group["route"].iloc[0],
                "unit": group["unit"].iloc[0],
                "sourced_years": len(scored),
                "mape_pct": scored["error_pct"].abs().mean() if len(scored) else np.nan,
                "bias_pct": scored["error_pct"].mean() if len(scored) else np.nan,
                "worst_year": int(worst["year"]) if worst is not None else pd.NA,
                "worst_error_pct": worst["error_pct"] if worst is not None else np.nan,
                "all_years": int(group["error_pct"].notna().sum()),
                "mape_all_pct": group["error_pct"].abs().mean(),
            }
        )
    return pd.DataFrame(rows)
