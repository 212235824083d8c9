"""The ``flowsim`` command line: the only module that knows about the terminal.

Exit codes: 0 ok, 1 run failure, 2 usage error, 3 invalid scenario, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
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
@click.argument("scenario_path", metavar="SCENARIO")
@click.option("--scenario", "name", help="Named scenario of the file (same as FILE#NAME).")
@click.option(
    "--members", type=click.IntRange(min=1), help="Ensemble members [scenario's run.members]."
)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed [scenario's run.seed].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [flowsim-out/<scenario name>].",
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
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_command(
    scenario_path: str,
    name: str | None,
    members: int | None,
    seed: int | None,
    out: Path | None,
    engine: str,
    trace: bool,
    daily: bool,
    quiet: bool,
) -> None:
    """Simulate SCENARIO and write results.nc and the resolved scenario.

    Prints delivered volumes per route for selected years (for ensembles the
    P50 with the P10-P90 range) and demand, balancing and unmet per commodity.
    """
    import flowsim
    from flowsim.io import write_text_atomic
    from flowsim.simulate import scenario_toml

    scenario = flowsim.load_scenario(scenario_path, name)
    folder = out or Path("flowsim-out") / scenario.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlowsimError(f"cannot create output folder {folder}: {exc.strerror}") from None
    n = members or scenario.run.members
    with _progress(n, enabled=not quiet) as advance:
        result = flowsim.run(
            scenario,
            members=members,
            seed=seed,
            engine=engine,
            daily=daily,
            trace=trace,
            progress=advance,
        )
    console = Console()
    console.print(_summary_table(result))
    try:
        written = [
            result.to_netcdf(folder / "results.nc"),
            write_text_atomic(folder / "scenario.toml", scenario_toml(scenario)),
        ]
        if result.trace is not None:
            written.append(
                write_text_atomic(folder / "trace.csv", result.trace.to_csv(index=False))
            )
    except OSError as exc:
        raise FlowsimError(f"cannot write results to {folder}: {exc.strerror or exc}") from None
    for path in written:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)


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
