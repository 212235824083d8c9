"""``flowsim run``: simulate scenarios and write their results, tables and figures."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import click
from rich.console import Console

from flowsim.cli.errors import report_stale
from flowsim.cli.options import (
    engine_option,
    figures_option,
    members_option,
    out_option,
    placement_options,
    sampling_option,
    seed_option,
    units_option,
)
from flowsim.spec import MAX_HOURS, RunSpec

__all__ = ["run_command"]


@click.command("run")
@click.argument("scenario_paths", metavar="SCENARIO...", nargs=-1, required=True)
@click.option("--scenario", "name", help="Named scenario of the file (same as FILE#NAME).")
@members_option()
@seed_option()
@sampling_option()
@out_option(
    "Output folder [flowsim-out/<scenario name>]; with several scenarios, "
    "each goes into OUT/<scenario name> (the name with characters other than letters, "
    "digits, - _ . # replaced by _)."
)
@engine_option()
@click.option("--trace", is_flag=True, help="DES only: also write every event to trace.csv.")
@click.option("--daily", is_flag=True, help="Also keep daily values (small runs only).")
@click.option(
    "--format",
    "formats",
    default="nc,csv,iamc",
    show_default=True,
    callback=lambda _ctx, _param, value: _formats(value),
    help="Data files: nc (results.nc), csv (summary.csv), iamc (iamc.csv).",
)
@units_option()
@figures_option()
@placement_options()
@click.option(
    "--stream",
    is_flag=True,
    help="Write annual values to results.nc block by block instead of holding them "
    "in memory (ensembles larger than memory).",
)
@click.option(
    "--max-hours",
    type=click.FloatRange(min=0, min_open=True),
    callback=lambda _ctx, _param, value: _not_nan(value),
    default=MAX_HOURS,
    show_default=True,
    help="Refuse a run estimated to take longer on this machine ('inf': no limit).",
)
@click.option(
    "--given",
    "given",
    multiple=True,
    metavar="NAME=VALUE",
    callback=lambda _ctx, _param, value: _conditions(value),
    help="Print the tables for the members whose draws meet it: a shock and true or "
    "false (altai_not_built=false), or a choice figure and a value; repeat for several. "
    "The files keep every member.",
)
@click.option(
    "--report",
    is_flag=True,
    help="Also write report.html: a self-contained HTML report of the run (figures, "
    "tables, cited assumptions, provenance).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_command(
    scenario_paths: tuple[str, ...],
    name: str | None,
    members: int | None,
    seed: int | None,
    sampling: str | None,
    out: Path | None,
    engine: str,
    trace: bool,
    daily: bool,
    formats: list[str],
    units: str,
    figures: bool,
    workers: int | None,
    scheduler: str | None,
    block_size: int | None,
    stream: bool,
    max_hours: float,
    given: dict[str, bool | float],
    report: bool,
    quiet: bool,
) -> None:
    """Simulate each SCENARIO and write its results, tables and figures.

    Prints delivered volumes per route for selected years (for ensembles the
    median) and demand, balancing and unmet per commodity. Writes results.nc,
    summary.csv, iamc.csv, the resolved scenario and figures (PNG and SVG) into
    the output folder, all or nothing; with --report also report.html.

    Several scenarios run through the same workers. FILE#* stands for the
    file's scenario and every named scenario in its [scenarios] table (a sweep).
    Results do not depend on --workers, --scheduler or --block-size.
    """
    from flowsim.cli.render import (
        arcs_table,
        contracts_table,
        exporters_table,
        routes_table,
        security_table,
        summary_table,
        value_table,
    )
    from flowsim.outputs import output_folders, safe_name, write_outputs
    from flowsim.report import run_report
    from flowsim.scenario import load_scenario
    from flowsim.simulate import execute
    from flowsim.spec import Placement

    if trace and engine != "des":
        raise click.UsageError("--trace needs --engine des (the event-level engine)")
    paths = _expand_sweeps(scenario_paths)
    if name is not None and len(paths) > 1:
        raise click.UsageError("--scenario selects in one file; use FILE#NAME with several")
    scenarios = [load_scenario(path, name) for path in paths]
    names = [safe_name(s.name) for s in scenarios]  # folder names: never a path
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise click.UsageError(f"scenario named more than once: {', '.join(twice)}")
    spec = RunSpec.of(
        scenarios,
        members=members,
        seed=seed,
        engine=engine,
        daily=daily,
        trace=trace,
        sampling=sampling,
    )
    _note_fallback(engine, daily)
    root = out or Path("flowsim-out")
    folders = [out if out is not None and len(scenarios) == 1 else root / n for n in names]
    with output_folders(folders, stream=stream, on_stale=report_stale) as streamed:
        where = Placement(
            workers=_default_workers(spec, workers, scheduler, block_size),
            scheduler=scheduler,
            block_size=block_size,
            files=tuple(streamed),
            max_hours=max_hours,
        )
        started = time.perf_counter()
        with _progress(spec.members, enabled=not quiet) as advance:
            results = execute(spec, where, progress=advance)
        seconds = time.perf_counter() - started if len(scenarios) == 1 else None
        console = Console()
        for i, (scenario, result, folder) in enumerate(
            zip(scenarios, results, folders, strict=True)
        ):
            html = run_report(result, scenario, run_seconds=seconds) if report else None
            written = write_outputs(
                result,
                scenario,
                folder,
                formats=formats,
                figures=figures,
                streamed=where.file_of(i),
                units=units,
                report=html,
            )
            if len(scenarios) > 1:
                console.rule(scenario.name)
            idle = result.annual.attrs.get("idle_routes")
            if idle:
                span = f"{scenario.horizon.start_year}-{scenario.horizon.end_year}"
                click.echo(
                    f"flowsim: note: {scenario.name}: routes with no capacity in {span} "
                    f"(they never flow): {idle}",
                    err=True,
                )
            shown = result.given(given) if given else result
            console.print(summary_table(shown))
            console.print(exporters_table(shown))
            if (value := value_table(shown)) is not None:
                console.print(value)
            console.print(routes_table(shown))
            if shown.annual.sizes.get("arc", 0):
                console.print(arcs_table(shown))
            console.print(security_table(shown))
            if (contracts := contracts_table(shown)) is not None:
                console.print(contracts)
            files = sorted({p.parts[0] + ("/" if len(p.parts) > 1 else "") for p in written})
            console.print(f"wrote {folder}/: {', '.join(files)}", highlight=False, soft_wrap=True)


def _conditions(texts: tuple[str, ...]) -> dict[str, bool | float]:
    """--given values as conditions (a usage error if one is malformed)."""
    from flowsim.conditions import parse_given
    from flowsim.errors import FlowsimError

    try:
        return dict(parse_given(text) for text in texts)
    except FlowsimError as exc:
        raise click.BadParameter(str(exc).removeprefix("--given ")) from None


def _default_workers(
    spec: RunSpec, workers: int | None, scheduler: str | None, block_size: int | None
) -> int | None:
    """--workers as given; unset, every CPU for a numpy run of several blocks (numba
    uses every CPU by itself; the DES runs member by member). Results do not depend on it."""
    from flowsim.ensemble import DEFAULT_BLOCK
    from flowsim.executors import cpu_count

    if workers is not None or scheduler is not None or spec.engine != "numpy":
        return workers
    blocks = sum(-(-run.members // (block_size or DEFAULT_BLOCK)) for run in spec.runs)
    return cpu_count() if blocks >= 2 and cpu_count() > 1 else None


def _note_fallback(engine: str, daily: bool) -> None:
    """One line on stderr when the fastest engine was asked for but numba cannot run."""
    from flowsim.engines import ALIASES, numba_missing

    why = numba_missing()
    if engine in ALIASES and not daily and why is not None:
        click.echo(f"flowsim: note: {why}: using the numpy engine (slower)", err=True)


def _expand_sweeps(paths: Sequence[str]) -> list[str]:
    """``FILE#*`` becomes FILE and FILE#NAME for every named scenario of FILE."""
    from flowsim.scenario import scenario_names

    expanded: list[str] = []
    for path in paths:
        if path.endswith("#*"):
            file = path.removesuffix("#*")
            expanded += [file, *(f"{file}#{n}" for n in scenario_names(file))]
        else:
            expanded.append(path)
    return expanded


def _not_nan(value: float) -> float:
    if value != value:  # NaN
        raise click.BadParameter("must be a number of hours ('inf': no limit), not nan")
    return value


def _formats(value: str) -> list[str]:
    from flowsim.outputs import FORMATS

    chosen = [f.strip() for f in value.split(",") if f.strip()]
    if not chosen:
        raise click.BadParameter(f"choose at least one of {', '.join(FORMATS)}")
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise click.BadParameter(
            f"unknown format {', '.join(unknown)} (choose from {', '.join(FORMATS)})"
        )
    return chosen


@contextlib.contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for ensembles, when stderr is a terminal."""
    if not enabled or total < 2 or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("members", total=total)
        yield lambda done, _total: bar.update(task, completed=done)
