"""The ``flowsim`` command line: the only module that knows about the terminal.

Exit codes: 0 ok, 1 run failure, 2 usage error, 3 invalid scenario, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from flowsim import __version__
from flowsim.errors import FlowsimError, ScenarioError

if TYPE_CHECKING:
    from flowsim.results import Result

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_INVALID_SCENARIO", "EXIT_USAGE", "cli", "main"]

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INVALID_SCENARIO = 3
EXIT_INTERRUPTED = 130


class InvalidScenarios(FlowsimError):
    """Raised by ``validate`` after printing its report, to set the exit code."""


class _FlowsimGroup(click.Group):
    """Turns flowsim's errors into one readable line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("flowsim: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader (say `| head`) stopped reading: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:
            if debug:
                raise
            code, line = _report(exc)
            click.echo(line, err=True)
            ctx.exit(code)


def _report(exc: Exception) -> tuple[int, str]:
    """Exit code and message for an error that ends a command."""
    if isinstance(exc, InvalidScenarios):
        return EXIT_INVALID_SCENARIO, f"flowsim: {exc}"
    if isinstance(exc, ScenarioError):
        return EXIT_INVALID_SCENARIO, str(exc)
    if isinstance(exc, FlowsimError):
        return EXIT_FAILURE, f"flowsim: {exc}"
    name = type(exc).__name__
    return EXIT_FAILURE, f"flowsim: internal error: {name}: {exc} (--debug shows the traceback)"


@click.group(cls=_FlowsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowsim")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
def cli(debug: bool) -> None:
    """Simulate gas and crude flows from Russia and Central Asia into China.

    Scenario files are TOML; see docs/scenario-reference.md.
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
def validate(paths: Sequence[str]) -> None:
    """Check scenario files and every named scenario in them.

    Prints "ok" per valid file and one line per problem for the others.
    PATH may select one named scenario: file.toml#NAME.
    """
    from flowsim.scenario import validate_file

    invalid = 0
    for path in paths:
        names, problems = validate_file(path)
        if problems:
            invalid += 1
            for problem in problems:
                click.echo(str(problem))
            continue
        named = [n for n in names if n]
        extra = f" (and named: {', '.join(named)})" if named and "#" not in path else ""
        click.echo(f"ok  {path}{extra}")
    if invalid:
        raise InvalidScenarios(f"{invalid} of {len(paths)} file(s) invalid")


@cli.command("run")
@click.argument("scenario_paths", metavar="SCENARIO...", nargs=-1, required=True)
@click.option("--scenario", "name", help="Named scenario of the file (same as FILE#NAME).")
@click.option(
    "--members", type=click.IntRange(min=1), help="Ensemble members [scenario's run.members]."
)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed [scenario's run.seed].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [flowsim-out/<scenario name>]; with several scenarios, "
    "each goes into OUT/<scenario name>.",
)
@click.option(
    "--engine",
    type=click.Choice(["core", "des"]),
    default="core",
    show_default=True,
    help="core: vectorised numpy (fast); des: SimPy processes (readable, event level).",
)
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
@click.option("--figures/--no-figures", default=True, help="Write figures (PNG and SVG).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Run blocks of members in N local processes (or N workers of --scheduler local).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on a Dask cluster: its scheduler (tcp://HOST:PORT), or 'local' to start "
    "one on this machine. Needs 'pip install flowsim[dask]'.",
)
@click.option(
    "--block-size",
    type=click.IntRange(min=1),
    help="Members per block handed to a worker (best a multiple of 64) [1024; DES 1].",
)
@click.option(
    "--stream",
    is_flag=True,
    help="Write annual values to results.nc block by block instead of holding them "
    "in memory (ensembles larger than memory).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_command(
    scenario_paths: tuple[str, ...],
    name: str | None,
    members: int | None,
    seed: int | None,
    out: Path | None,
    engine: str,
    trace: bool,
    daily: bool,
    formats: list[str],
    figures: bool,
    workers: int | None,
    scheduler: str | None,
    block_size: int | None,
    stream: bool,
    quiet: bool,
) -> None:
    """Simulate each SCENARIO and write its results, tables and figures.

    Prints delivered volumes per route for selected years (for ensembles the
    median) and demand, balancing and unmet per commodity. Writes results.nc,
    summary.csv, iamc.csv, the resolved scenario and figures (PNG and SVG) into
    the output folder, all or nothing.

    Several scenarios run through the same workers. FILE#* stands for the
    file's scenario and every named scenario in its [scenarios] table (a sweep).
    Results do not depend on --workers, --scheduler or --block-size.
    """
    import flowsim
    from flowsim.outputs import write_outputs

    paths = _expand_sweeps(scenario_paths)
    if name is not None and len(paths) > 1:
        raise click.UsageError("--scenario selects in one file; use FILE#NAME with several")
    scenarios = [flowsim.load_scenario(path, name) for path in paths]
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise click.UsageError(f"scenario named more than once: {', '.join(twice)}")
    root = out or Path("flowsim-out")
    folders = [out if out is not None and len(scenarios) == 1 else root / s.name for s in scenarios]
    total = sum(members or s.run.members for s in scenarios)
    with _streaming(folders, [s.name for s in scenarios], enabled=stream) as streamed:
        with _progress(total, enabled=not quiet) as advance:
            results = flowsim.run_many(
                scenarios,
                members=members,
                seed=seed,
                engine=engine,
                daily=daily,
                trace=trace,
                progress=advance,
                workers=workers,
                scheduler=scheduler,
                block_size=block_size,
                files=streamed,
            )
        console = Console()
        for i, (scenario, result, folder) in enumerate(
            zip(scenarios, results, folders, strict=True)
        ):
            written = write_outputs(
                result,
                scenario,
                folder,
                formats=formats,
                figures=figures,
                streamed=None if streamed is None else streamed[i],
            )
            if len(scenarios) > 1:
                console.rule(scenario.name)
            console.print(_summary_table(result))
            console.print(_routes_table(result))
            shown = sorted({p.parts[0] + ("/" if len(p.parts) > 1 else "") for p in written})
            console.print(f"wrote {folder}/: {', '.join(shown)}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _streaming(
    folders: Sequence[Path], names: Sequence[str], *, enabled: bool
) -> Iterator[list[Path] | None]:
    """Hidden files in the output folders that ``--stream`` writes results into.

    On the way out the files are gone (moved into place or removed), and so
    are the folders made for them if nothing was written there.
    """
    if not enabled:
        yield None
        return
    made: list[Path] = []
    try:
        for folder in folders:
            made += [p for p in (folder, *folder.parents) if not p.exists()][::-1]
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlowsimError(f"cannot create output folder {exc.filename}: {exc.strerror}") from None
    files = [folder / f".{name}.streaming.nc" for folder, name in zip(folders, names, strict=True)]
    try:
        yield files
    finally:
        for file in files:
            file.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty


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


def _formats(value: str) -> list[str]:
    from flowsim.outputs import FORMATS

    chosen = [f.strip() for f in value.split(",") if f.strip()]
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


def _report_years(years: list[int]) -> list[int]:
    """First and last year, and the years ending in 0 or 5 between them (at most 9)."""
    chosen = [y for y in years if y % 5 == 0 and years[0] < y < years[-1]]
    while len(chosen) > 7:
        chosen = chosen[::2]
    return [years[0], *chosen, years[-1]] if len(years) > 1 else years


def _summary_table(result: Result) -> Table:
    """Delivered per route and demand balance per commodity, selected years."""
    from flowsim.results import SHORTFALL_TOLERANCE

    a = result.annual
    years = _report_years([int(y) for y in a.year.values])
    members = a.sizes["member"]
    title = f"{a.attrs['scenario_name']}: delivered volumes (bcm for gas, Mt for oil)"
    if members > 1:
        title += f", median of {members} members (P10/P90 in results.nc)"
    table = Table(title=title, title_justify="left")
    table.add_column("route / commodity")
    for year in years:
        table.add_column(str(year), justify="right")

    def cells(values: Any) -> list[str]:
        middle = values.median("member") if members > 1 else values.isel(member=0)
        return [f"{float(middle.sel(year=year)):.1f}" for year in years]

    for commodity in a.commodity.values:
        for route in a.route.values[a.route_commodity.values == commodity]:
            table.add_row(str(route), *cells(a.delivered.sel(route=route)))
        c = a.sel(commodity=commodity)
        if not bool(c.demand.isnull().all()):
            table.add_row(f"[b]{commodity} demand[/b]", *cells(c.demand))
            table.add_row(f"{commodity} balancing", *cells(c.balancing))
            table.add_row(f"{commodity} unmet", *cells(c.unmet))
            if members > 1:
                short = (c.unmet > SHORTFALL_TOLERANCE * c.demand).mean("member")
                table.add_row(
                    f"{commodity} P(shortfall)", *[f"{float(short.sel(year=y)):.0%}" for y in years]
                )
        table.add_section()
    return table


def _routes_table(result: Result) -> Table:
    """Each route in the last year: capacity, deliveries, utilisation, share of demand."""
    from flowsim.results import member_quantile

    a = result.annual
    year = int(a.year.values[-1])
    last = result.with_derived().sel(year=year)
    members = a.sizes["member"]
    table = Table(
        title=f"Routes in {year}" + (" (median, P10-P90 in brackets)" if members > 1 else ""),
        title_justify="left",
    )
    for column in ("route", "capacity", "delivered", "utilisation", "share of demand"):
        table.add_column(column, justify="left" if column == "route" else "right")
    for route in a.route.values:
        r = last.sel(route=route)
        unit = "bcm" if str(r.route_commodity.values) == "gas" else "Mt"

        def stat(name: str, scale: float = 1.0, fmt: str = ".1f", r: Any = r) -> str:
            mid = float(member_quantile(r[name], 0.5)) * scale
            if members == 1:
                return f"{mid:{fmt}}"
            lo, hi = (float(member_quantile(r[name], q)) * scale for q in (0.1, 0.9))
            return f"{mid:{fmt}} [{lo:{fmt}}-{hi:{fmt}}]"

        table.add_row(
            str(route),
            f"{stat('capacity')} {unit}",
            f"{stat('delivered')} {unit}",
            f"{stat('utilisation', 100, '.0f')}%",
            f"{stat('share_of_demand', 100, '.1f')}%",
        )
    return table


@cli.command("compare")
@click.argument("items", nargs=-1, required=True, metavar="A B [C ...]")
@click.option("--members", type=click.IntRange(min=1), help="Members of scenarios run here.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of scenarios run here.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("flowsim-out") / "compare",
    show_default=True,
    help="Folder for comparison.csv and the figures.",
)
def compare_command(items: Sequence[str], members: int | None, seed: int | None, out: Path) -> None:
    """Set scenarios (file.toml, file.toml#NAME) or results (results.nc) side by side.

    Prints, for selected years, the first one's deliveries of every route that
    differs and of each commodity in total, and the others' differences from
    it; writes comparison.csv and overlay and difference figures.
    """
    from flowsim.compare import compare
    from flowsim.io import write_text_atomic
    from flowsim.plots import save

    if len(items) < 2:
        raise click.UsageError("compare needs at least two scenarios or results")
    comparison = compare(*items, members=members, seed=seed)
    Console().print(_comparison_table(comparison))
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "comparison.csv", comparison.table.to_csv())
        commodities = [str(c) for c in comparison.results[0].annual.commodity.values]
        for commodity in commodities:
            save(comparison.overlay(commodity), out / f"overlay_{commodity}")
            save(comparison.difference(commodity), out / f"difference_{commodity}")
    except OSError as exc:
        raise FlowsimError(f"cannot write the comparison to {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {out}/: comparison.csv, overlay and difference figures")


def _comparison_table(comparison: Any) -> Table:
    """Baseline deliveries and the others' differences, selected years."""
    table_data = comparison.table
    years = _report_years(sorted({int(y) for y in table_data.index.get_level_values("year")}))
    first = comparison.names[0]
    letters = {name: chr(ord("A") + i) for i, name in enumerate(comparison.names)}
    legend = "; ".join(f"{letter} = {name}" for name, letter in letters.items())
    table = Table(
        title=f"Deliveries (bcm for gas, Mt for oil) of A, and each other's difference from A. "
        f"{legend}",
        title_justify="left",
    )
    table.add_column("route / commodity")
    for year in years:
        table.add_column(str(year), justify="right")
    differences = [f"{other} - {first}" for other in comparison.names[1:]]
    for variable in ("delivered", "delivered_total", "balancing", "unmet"):
        rows = table_data.xs(variable, level="variable")
        for name in dict.fromkeys(rows.index.get_level_values("name")):
            values = rows.xs(name, level="name").droplevel("unit")
            if variable == "delivered" and not (values[differences].abs() > 1e-9).any().any():
                continue  # a route the same in every result
            label = name if variable == "delivered" else f"{name} {variable.replace('_', ' ')}"
            table.add_row(f"[b]{label}[/b]", *[f"{values.loc[y, first]:.1f}" for y in years])
            for other in comparison.names[1:]:
                column = values[f"{other} - {first}"]
                table.add_row(f"  {letters[other]} - A", *[f"{column.loc[y]:+.1f}" for y in years])
        table.add_section()
    return table


@cli.command("diff")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
def diff_command(first: str, second: str) -> None:
    """List the parameters that differ between two scenarios, key path by key path."""
    from flowsim.compare import diff

    differences = diff(first, second)
    for path, left, right in differences:
        click.echo(f"{path}: {_short(left)} -> {_short(right)}")
    if not differences:
        click.echo("no differences")


def _short(value: Any) -> str:
    text = "(absent)" if value is None else json.dumps(value, default=str)
    return text if len(text) <= 70 else text[:67] + "..."


@cli.command("bench")
@click.option(
    "--quick", is_flag=True, help="1,000 core members and 2 DES members (under a minute)."
)
@click.option(
    "--scenario",
    default="monte_carlo",
    show_default=True,
    help="Shipped scenario name or scenario file to measure on.",
)
@click.option(
    "--check",
    "check_ratio",
    is_flag=True,
    help="Fail (exit 1) when the core's speed-up over the DES fell more than "
    "half below its baseline (for CI).",
)
@click.option(
    "--scaling",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also measure scaling (members, horizon, routes, workers, block size; minutes) "
    "and write scaling.csv and scaling.png/svg into this folder.",
)
def bench_command(quick: bool, scenario: str, check_ratio: bool, scaling: Path | None) -> None:
    """Measure the core (numpy, and numba if installed) against the DES, in one run.

    Prints one table: wall time, member-years and route-days per second, peak
    memory, the speed-up over the DES measured in the same run, and the
    distance from the floor set by this machine's memory-copy bandwidth.
    """
    from flowsim import bench

    console = Console(stderr=True)
    status = console.status("measuring")
    with status:
        result = bench.run_bench(
            quick, scenario, progress=lambda s: status.update(f"measuring {s}")
        )
    out = Console(width=max(Console().width, 120))
    out.print(_bench_table(result))
    out.print(f"Machine: {bench.machine()}", highlight=False)
    core = [r for r in result.rows if r.spec.kernel != "simpy"]
    speedups = ", ".join(f"{r.spec.kernel} {result.speedup(r):,.0f}x" for r in core)
    out.print(f"Core over DES per member-year, this run: {speedups}", highlight=False)
    floors = ", ".join(f"{r.spec.kernel} {r.seconds / result.floor_seconds(r):,.1f}x" for r in core)
    out.print(
        f"Memory-copy bandwidth {result.bandwidth / 1e9:.1f} GB/s; time over the floor "
        f"({bench.FLOOR_BYTES} B per member-route-day at that bandwidth): {floors}",
        highlight=False,
    )
    if scaling is not None:
        _bench_scaling(scaling, scenario, out)
    if check_ratio:
        failures = bench.check(result)
        for line in failures:
            click.echo(f"flowsim: benchmark regression: {line}", err=True)
        if failures:
            raise SystemExit(EXIT_FAILURE)
        out.print(
            "Speed-up check passed (baseline: "
            + ", ".join(f"{k} {v:.0f}x" for k, v in bench.BASELINE.items())
            + ")",
            highlight=False,
        )


def _bench_table(result: Any) -> Table:
    table = Table(title="flowsim bench")
    for name in ("engine", "members", "years", "routes", "wall s", "member-years/s"):
        table.add_column(name, justify="left" if name == "engine" else "right")
    for name in ("route-days/s", "peak MiB", "x DES", "x floor"):
        table.add_column(name, justify="right")
    for r in result.rows:
        engine = "DES" if r.spec.kernel == "simpy" else f"core {r.spec.kernel}"
        table.add_row(
            engine,
            f"{r.spec.members:,}",
            str(r.years),
            str(r.routes),
            f"{r.seconds:.2f}",
            f"{r.member_years_per_s:,.0f}",
            f"{r.route_days_per_s / 1e6:,.1f} M",
            f"{r.peak_mib:,.0f}",
            f"{result.speedup(r):,.0f}",
            f"{r.seconds / result.floor_seconds(r):,.1f}",
        )
    return table


def _bench_scaling(folder: Path, scenario: str, out: Console) -> None:
    from flowsim import bench
    from flowsim.io import write_text_atomic
    from flowsim.plots import save

    kernel = bench.kernels()[-1]
    console = Console(stderr=True)
    with console.status("scaling") as status:
        rows = bench.scaling(kernel, scenario, progress=lambda s: status.update(f"scaling: {s}"))
    table = Table(title=f"Scaling, core ({kernel}), results streamed to a file")
    for name in ("axis", "value", "members", "wall s", "member-years/s", "peak MiB"):
        table.add_column(name, justify="left" if name == "axis" else "right")
    lines = ["axis,value,members,years,routes,seconds,member_years_per_s,peak_mib"]
    for r in rows:
        axis, value = bench.axis_of(r)
        table.add_row(
            axis,
            f"{value:,}",
            f"{r.spec.members:,}",
            f"{r.seconds:.2f}",
            f"{r.member_years_per_s:,.0f}",
            f"{r.peak_mib:,.0f}",
        )
        lines.append(
            f"{axis},{value},{r.spec.members},{r.years},{r.routes},{r.seconds:.4f},"
            f"{r.member_years_per_s:.1f},{r.peak_mib:.1f}"
        )
    out.print(table)
    per_block, per_member = bench.block_overhead(rows)
    shares = ", ".join(
        f"{size}: {per_block / (per_block + size * per_member):.1%}"
        for size in bench.SCALING["block_size"]
    )
    out.print(
        f"Overhead per block {per_block * 1e3:.1f} ms ({per_member * 1e6:.0f} us per member); "
        f"share of a block's time by block size: {shares}",
        highlight=False,
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlowsimError(f"cannot create folder {folder}: {exc}") from None
    write_text_atomic(folder / "scaling.csv", "\n".join(lines) + "\n")
    written = save(
        bench.plot_scaling(rows, f"flowsim core ({kernel}) scaling, {scenario}"), folder / "scaling"
    )
    out.print(
        f"wrote {folder / 'scaling.csv'}, {', '.join(p.name for p in written)}", highlight=False
    )


@cli.command("crosscheck")
@click.argument("scenario_path", metavar="SCENARIO")
@click.option("--members", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed [scenario's run.seed].")
def crosscheck_command(scenario_path: str, members: int, seed: int | None) -> None:
    """Run both engines on the same members and print their largest differences.

    Exits 1 when the core and the DES differ by more than 1e-9 (relative).
    """
    from flowsim.crosscheck import main as crosscheck_main

    args = [scenario_path, "--members", str(members)]
    if seed is not None:
        args += ["--seed", str(seed)]
    code = crosscheck_main(args)
    if code:
        raise FlowsimError("the engines disagree")


@cli.command("backtest")
@click.argument("scenario_path", metavar="[SCENARIO]", required=False)
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Reported flows CSV [the shipped data/reported_flows.csv].",
)
@click.option("--members", type=click.IntRange(min=1), help="Members [scenario's run.members].")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed [scenario's run.seed].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for backtest.csv, backtest_stats.csv, figures [flowsim-out/<name>-backtest].",
)
@click.option("--figures/--no-figures", default=True, help="Write figures (PNG and SVG).")
def backtest_command(
    scenario_path: str | None,
    data_path: Path | None,
    members: int | None,
    seed: int | None,
    out: Path | None,
    figures: bool,
) -> None:
    """Hold SCENARIO's simulated annual flows against reported ones, series by series.

    SCENARIO defaults to the shipped historical.toml (historical.toml#ensemble
    is its P10-P90 calibration check). Prints each reported figure with its
    status beside the simulated one and the error, then MAPE and bias over the
    sourced years per series and, for ensembles, the share of sourced figures
    inside the P10-P90 band. Writes backtest.csv, backtest_stats.csv and a
    figure per series. A malformed --data file gets one line per problem and
    exit code 2.
    """
    import flowsim
    from flowsim import backtest as bt
    from flowsim.io import write_text_atomic
    from flowsim.plots import backtest as backtest_figure
    from flowsim.plots import save
    from flowsim.shipped import data_file, scenario_file

    scenario = flowsim.load_scenario(scenario_path or scenario_file("historical"))
    data = data_path or data_file("reported_flows.csv")
    routes = {rid: route.commodity for rid, route in scenario.routes.items()}
    try:
        reported = bt.read_reported(data, routes)
    except bt.ReportedDataError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    result = flowsim.run(scenario, members=members, seed=seed)
    check = bt.backtest(result, reported)
    console = Console(width=max(Console().width, 110))
    console.print(_backtest_table(check))
    console.print(_backtest_stats(check))
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
    folder = out or Path("flowsim-out") / f"{scenario.name}-backtest"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "backtest.csv", check.table.to_csv(index=False))
        write_text_atomic(folder / "backtest_stats.csv", check.stats.to_csv(index=False))
        if figures:
            for series in check.stats["series"]:
                figure = backtest_figure(check, result, series, Path(data).name)
                save(figure, folder / f"backtest_{series}")
    except OSError as exc:
        raise FlowsimError(
            f"cannot write the back-test to {folder}: {exc.strerror or exc}"
        ) from None
    drawn = f", {len(check.stats)} figures (PNG and SVG)" if figures else ""
    console.print(f"wrote {folder}/: backtest.csv, backtest_stats.csv{drawn}", highlight=False)


def _backtest_table(check: Any) -> Table:
    """Every reported figure beside the simulated one, with error and status."""
    ensemble = check.members > 1
    table = Table(
        title=f"{check.scenario}: simulated vs reported deliveries"
        + (f" (median of {check.members} members)" if ensemble else ""),
        title_justify="left",
    )
    columns = ["series", "year", "status", "reported", "simulated", "error", "error %"]
    for column in [*columns, *(["P10-P90", "inside"] if ensemble else [])]:
        table.add_column(column, justify="left" if column in ("series", "status") else "right")
    for series, rows in check.table.groupby("series", sort=False):
        for row in rows.itertuples():
            cells = [
                str(series),
                str(row.year),
                str(row.status),
                f"{row.reported:.2f} {row.unit}",
                f"{row.simulated:.2f}",
                f"{row.error:+.2f}",
                f"{row.error_pct:+.1f}%",
            ]
            if ensemble:
                cells += [f"{row.p10:.1f}-{row.p90:.1f}", "yes" if row.inside else "no"]
            table.add_row(*cells)
        table.add_section()
    return table


def _backtest_stats(check: Any) -> Table:
    """Error statistics per series over its sourced years."""
    table = Table(title="Errors over sourced years (bias > 0: model high)", title_justify="left")
    for column in ("series", "routes", "sourced", "MAPE", "bias", "worst", "MAPE all years"):
        table.add_column(column, justify="left" if column in ("series", "routes") else "right")
    for row in check.stats.itertuples():
        scored = row.sourced_years > 0
        table.add_row(
            str(row.series),
            str(row.route),
            str(row.sourced_years),
            f"{row.mape_pct:.1f}%" if scored else "-",
            f"{row.bias_pct:+.1f}%" if scored else "-",
            f"{row.worst_error_pct:+.1f}% ({row.worst_year})" if scored else "-",
            f"{row.mape_all_pct:.1f}%",
        )
    return table


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="JSON Schema for editors, or the Markdown reference in docs/.",
)
def schema(fmt: str) -> None:
    """Print the scenario-file schema."""
    from flowsim.scenario.reference import file_json_schema, render_markdown

    if fmt == "json":
        click.echo(json.dumps(file_json_schema(), indent=2))
    else:
        click.echo(render_markdown(), nl=False)


def main() -> None:
    """Entry point of the ``flowsim`` console script."""
    cli(prog_name="flowsim")


if __name__ == "__main__":  # pragma: no cover
    main()
