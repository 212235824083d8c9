"""Commands that hold results against something: ``compare``, ``backtest``, ``crosscheck``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from flowsim.cli.errors import EXIT_USAGE, problem_lines, report_stale
from flowsim.cli.options import figures_option, members_option, out_option, seed_option
from flowsim.errors import FlowsimError

if TYPE_CHECKING:
    import pandas as pd

    from flowsim.compare import Comparison
    from flowsim.scenario import Scenario

__all__ = ["backtest_command", "compare_command", "crosscheck_command"]

_REPORT = click.option(
    "--report", is_flag=True, help="Also write report.html: a self-contained HTML report."
)


@click.command("compare")
@click.argument("items", nargs=-1, required=True, metavar="A B [C ...]")
@members_option(help="Members of scenarios run here.")
@seed_option()
@out_option(
    "Folder for comparison.csv, paired.csv and the figures.", Path("flowsim-out") / "compare"
)
@_REPORT
def compare_command(
    items: Sequence[str], members: int | None, seed: int | None, out: Path, report: bool
) -> None:
    """Set scenarios (file.toml, file.toml#NAME) or results (results.nc) side by side.

    Prints, for selected years, the first one's deliveries of every route that
    differs and of each commodity in total, and the others' differences from
    it; writes comparison.csv and overlay and difference figures.

    Ensembles of the same members and seed (--members N --seed S: common random
    numbers) are also compared member by member: P10, P50, P90 of B - A and the
    share of members with B below A, printed and written to paired.csv, with a
    figure of the differences of each commodity's total and balancing.

    With --report also report.html, a self-contained HTML report of the comparison.
    """
    from flowsim.cli.render_analysis import comparison_table, paired_table
    from flowsim.compare import compare
    from flowsim.outputs import output_folders, write_comparison
    from flowsim.report import comparison_report

    if len(items) < 2:
        raise click.UsageError("compare needs at least two scenarios or results")
    with output_folders([out], on_stale=report_stale):
        comparison = compare(*items, members=members, seed=seed)
        console = Console()
        console.print(comparison_table(comparison))
        if comparison.paired is not None:
            console.print(paired_table(comparison))
        for note in comparison.notes:
            click.echo(f"flowsim: note: {note}", err=True)
        write_comparison(comparison, out)
        _write_paired(comparison, out)
        _write_report(out, comparison_report(comparison) if report else None)
    paired = ", paired.csv and paired figures" if comparison.paired is not None else ""
    html = ", report.html" if report else ""
    click.echo(f"wrote {out}/: comparison.csv, overlay and difference figures{paired}{html}")


def _write_report(folder: Path, html: str | None) -> None:
    """report.html into ``folder``; without one (no --report), a report an earlier command
    wrote there is removed: no stale report passes for a new one."""
    from flowsim.outputs import REPORT, write_report

    if html is not None:
        write_report(folder, html)
        return
    try:
        (folder / REPORT).unlink(missing_ok=True)
    except OSError as exc:
        raise FlowsimError(f"cannot remove {folder / REPORT}: {exc.strerror or exc}") from None


PAIRED_SHOWN = ("delivered_total", "balancing")
"""The variables (per commodity) whose paired differences ``compare`` draws."""


def _write_paired(comparison: Comparison, folder: Path) -> None:
    """paired.csv and a figure (``paired_<variable>_<commodity>``) of each of
    :data:`PAIRED_SHOWN` with values, into ``folder``. Paired files an earlier comparison
    wrote there and this one does not are removed: no stale file passes for a new one."""
    from flowsim.io import write_text_atomic
    from flowsim.plots import save

    paired = comparison.paired
    written: list[Path] = []
    try:
        if paired is not None:
            written.append(write_text_atomic(folder / "paired.csv", paired.to_csv()))
            for variable, name in dict.fromkeys(paired.index.droplevel(["result", "unit", "year"])):
                rows = paired.xs((variable, name), level=("variable", "name"))
                if variable in PAIRED_SHOWN and rows["p50"].notna().any():
                    figure = comparison.paired_fan(variable, name)
                    written += save(figure, folder / f"paired_{variable}_{name}")
        earlier = [
            folder / "paired.csv",
            *folder.glob("paired_*.png"),
            *folder.glob("paired_*.svg"),
        ]
        for path in earlier:
            if path not in written:
                path.unlink(missing_ok=True)
    except OSError as exc:
        raise FlowsimError(
            f"cannot write the comparison to {folder}: {exc.strerror or exc}"
        ) from None


@click.command("backtest")
@click.argument("scenario_path", metavar="[SCENARIO]", required=False)
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Reported flows CSV [the shipped data/reported_flows.csv].",
)
@members_option()
@seed_option()
@out_option("Folder for backtest.csv, backtest_stats.csv, figures [flowsim-out/<name>-backtest].")
@figures_option()
@_REPORT
def backtest_command(
    scenario_path: str | None,
    data_path: Path | None,
    members: int | None,
    seed: int | None,
    out: Path | None,
    figures: bool,
    report: bool,
) -> None:
    """Hold SCENARIO's simulated annual flows against reported ones, series by series.

    SCENARIO defaults to the shipped historical.toml (historical.toml#ensemble
    is its P10-P90 calibration check). Prints each reported figure with its
    status beside the simulated one and the error, then MAPE and bias over the
    sourced years per series and, for ensembles, the share of sourced figures
    inside the P10-P90 band. Writes backtest.csv, backtest_stats.csv and a
    figure per series (with --report also report.html, a self-contained HTML
    report). A malformed --data file gets one line per problem and exit code 2.
    """
    from flowsim import backtest as bt
    from flowsim.outputs import output_folders, safe_name
    from flowsim.scenario import load_scenario
    from flowsim.shipped import data_file, scenario_file

    scenario = load_scenario(scenario_path or scenario_file("historical"))
    data = data_path or data_file("reported_flows.csv")
    routes = {rid: route.commodity for rid, route in scenario.routes.items()}
    try:
        reported = bt.read_reported(data, routes)
    except bt.ReportedDataError as exc:
        for line in problem_lines(exc.problems):
            click.echo(line, err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    folder = out or Path("flowsim-out") / f"{safe_name(scenario.name)}-backtest"
    with output_folders([folder], on_stale=report_stale):
        _backtest(scenario, reported, members, seed, folder, Path(data).name, figures, report)


def _backtest(
    scenario: Scenario,
    reported: pd.DataFrame,
    members: int | None,
    seed: int | None,
    folder: Path,
    data: str,
    figures: bool,
    report: bool,
) -> None:
    """Run the back-test, print it and write it into ``folder`` (``report``: with
    report.html)."""
    from flowsim import backtest as bt
    from flowsim.cli.render_analysis import backtest_stats, backtest_table
    from flowsim.outputs import write_backtest
    from flowsim.report import backtest_report
    from flowsim.simulate import run

    started = time.perf_counter()
    result = run(scenario, members=members, seed=seed)
    seconds = time.perf_counter() - started
    check = bt.backtest(result, reported)
    console = Console(width=max(Console().width, 110))
    console.print(backtest_table(check))
    console.print(backtest_stats(check))
    if check.left_out:
        console.print(
            f"{check.left_out} reported figures of years outside {scenario.horizon.start_year}-"
            f"{scenario.horizon.end_year} left out",
            highlight=False,
        )
    if check.coverage is not None:
        sourced = check.table[check.table["status"] == "sourced"]
        console.print(
            f"P10-P90 coverage: {int(sourced['inside'].sum())} of {len(sourced)} sourced figures "
            f"({check.coverage:.0%}) inside the band of {check.members} members "
            "(about 80% if the uncertainty model is right)",
            highlight=False,
        )
    if check.calibration is not None:
        curve = ", ".join(
            f"{width:.0%}: {inside:.0%}"
            for width, inside in zip(check.calibration.width, check.calibration.inside, strict=True)
        )
        console.print(f"Calibration (central band: share inside): {curve}", highlight=False)
    write_backtest(check, result, folder, data=data, figures=figures)
    _write_report(
        folder, backtest_report(check, result, data=data, run_seconds=seconds) if report else None
    )
    drawn = f", {len(check.stats)} figures (PNG and SVG)" if figures else ""
    calibrated = ", calibration.csv" if check.calibration is not None else ""
    html = ", report.html" if report else ""
    console.print(
        f"wrote {folder}/: backtest.csv, backtest_stats.csv{calibrated}{drawn}{html}",
        highlight=False,
    )


@click.command("crosscheck")
@click.argument("scenario_path", metavar="SCENARIO")
@members_option(default=20, help="Members run by both engines.")
@seed_option()
def crosscheck_command(scenario_path: str, members: int, seed: int | None) -> None:
    """Run both engines on the same members and print their largest differences.

    Exits 1 when the core and the DES differ by more than 1e-9 (relative).
    """
    from flowsim.cli.render_analysis import crosscheck_table
    from flowsim.crosscheck import crosscheck

    check = crosscheck(scenario_path, members, seed)
    console = Console(width=max(Console().width, 100))
    console.print(crosscheck_table(check))
    console.print(
        f"largest relative difference {check.worst:.2e} (tolerance {check.tolerance:.0e})",
        highlight=False,
    )
    if not check.agree:
        raise FlowsimError("the engines disagree")
