"""How the command line ends: exit codes, and flowsim's errors as one line on stderr.

Exit codes: 0 ok, 1 run failure, 2 usage error, 3 invalid scenario, 130 interrupted.
"""

from __future__ import annotations

import os
import sys

import click

from flowsim.errors import FlowsimError, ScenarioError

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_SCENARIO",
    "EXIT_USAGE",
    "FlowsimGroup",
    "InvalidScenarios",
]

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INVALID_SCENARIO = 3
EXIT_INTERRUPTED = 130


class InvalidScenarios(FlowsimError):
    """Raised by ``validate`` after printing its report, to set the exit code."""


class FlowsimGroup(click.Group):
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
