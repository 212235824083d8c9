"""The ``flowsim`` command line: the only module that knows about the terminal.

Exit codes: 0 ok, 1 run failure, 2 usage error, 3 invalid scenario, 130 interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from flowsim import __version__
from flowsim.errors import FlowsimError, ScenarioError

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
