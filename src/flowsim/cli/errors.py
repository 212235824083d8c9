"""How the command line ends: exit codes, and flowsim's errors as one line on stderr.

Exit codes: 0 ok, 1 run failure (including an output folder that cannot be
written), 2 usage error, 3 invalid scenario, 130 interrupted (Ctrl-C), 143
terminated (SIGTERM: ``kill``, SLURM, Kubernetes). ``--debug`` adds the Python
traceback and keeps the code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import click

from flowsim.errors import FlowsimError, Problem, ScenarioError

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_SCENARIO",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "MAX_PROBLEMS",
    "FlowsimGroup",
    "InvalidScenarios",
    "Terminated",
    "problem_lines",
    "report_stale",
    "terminate_cleanly",
]

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INVALID_SCENARIO = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

MAX_PROBLEMS = 8
"""Problems of an invalid scenario printed before ``... and N more``."""


class InvalidScenarios(FlowsimError):
    """Raised by ``validate`` after printing its report, to set the exit code."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the main thread, so it unwinds like Ctrl-C.

    A subclass of KeyboardInterrupt, so that every ``finally`` and every
    ``except KeyboardInterrupt`` that cleans up after Ctrl-C (staging files,
    worker pools) does the same for SIGTERM.
    """


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` in the main thread.

    Only the process that entered installs it: a forked worker that inherits
    the handler dies of SIGTERM as usual. Outside the main thread (a command
    run from a thread) nothing changes. The previous handler comes back on the
    way out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked child: the default action
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class FlowsimGroup(click.Group):
    """Turns flowsim's errors into one readable line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        debug = bool(ctx.params.get("debug"))
        try:
            with terminate_cleanly():
                return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Terminated:
            _traceback(debug)
            click.echo("flowsim: terminated", err=True)
            ctx.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            _traceback(debug)
            click.echo("flowsim: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader (say `| head`) stopped reading: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:
            _traceback(debug)
            code, line = _report(exc)
            click.echo(line, err=True)
            ctx.exit(code)


def _traceback(debug: bool) -> None:
    """With --debug, the traceback of the exception being handled, on stderr."""
    if debug:
        click.echo(traceback.format_exc().rstrip("\n"), err=True)


def _report(exc: Exception) -> tuple[int, str]:
    """Exit code and message (at most a few lines) for an error that ends a command."""
    if isinstance(exc, InvalidScenarios):
        return EXIT_INVALID_SCENARIO, f"flowsim: {exc}"
    if isinstance(exc, ScenarioError):
        return EXIT_INVALID_SCENARIO, "\n".join(problem_lines(exc.problems) or [str(exc)])
    if isinstance(exc, FlowsimError):
        return EXIT_FAILURE, f"flowsim: {exc}"
    name = type(exc).__name__
    return EXIT_FAILURE, f"flowsim: internal error: {name}: {exc} (--debug shows the traceback)"


def problem_lines(problems: Sequence[Problem]) -> list[str]:
    """The first :data:`MAX_PROBLEMS` problems, one line each, then ``... and N more``."""
    lines = [str(p) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    return lines


def report_stale(folder: Path, removed: list[Path]) -> None:
    """One line on stderr: staging that killed runs had left in ``folder`` is gone."""
    what = "file" if len(removed) == 1 else "files"
    click.echo(
        f"flowsim: removed {len(removed)} staging {what} of a stopped earlier run from {folder}/",
        err=True,
    )
