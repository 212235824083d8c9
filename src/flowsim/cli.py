"""The ``flowsim`` command line: the only module that knows about the terminal.

Exit codes: 0 ok, 1 run failure, 2 usage error, 3 invalid scenario, 130 interrupted.
"""

from __future__ import annotations

import json
import sys
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowsim")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Simulate gas and crude flows from Russia and Central Asia into China.

    Scenario files are TOML; see docs/scenario-reference.md.
    """
    ctx.obj = {"debug": debug}


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and turn errors into one readable line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="flowsim", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("flowsim: interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("flowsim: interrupted", err=True)
        return EXIT_INTERRUPTED
    except InvalidScenarios as exc:
        click.echo(f"flowsim: {exc}", err=True)
        return EXIT_INVALID_SCENARIO
    except ScenarioError as exc:
        if debug:
            raise
        click.echo(str(exc), err=True)
        return EXIT_INVALID_SCENARIO
    except FlowsimError as exc:
        if debug:
            raise
        click.echo(f"flowsim: {exc}", err=True)
        return EXIT_FAILURE
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"flowsim: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback)",
            err=True,
        )
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
