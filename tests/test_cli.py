"""The ``flowsim`` command group: exit codes, errors as one line, --debug, --version, ``-m``.

Each command has its own module: test_cli_scenario.py (validate, diff,
schema), test_cli_run.py, test_cli_analyse.py (compare, backtest) and
test_cli_bench.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from flowsim import __version__
from flowsim.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, cli
from flowsim.errors import FlowsimError

from .conftest import MALFORMED

BASE = MALFORMED / "_base.toml"


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the command line in this process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_internal_errors_are_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception prints one line and exits 1; --debug re-raises it."""

    def boom(path: str) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("flowsim.scenario.validate_file", boom)
    code, _, err = run("validate", str(BASE))
    assert code == EXIT_FAILURE
    assert err.strip() == (
        "flowsim: internal error: RuntimeError: disk on fire (--debug shows the traceback)"
    )
    result = CliRunner().invoke(cli, ["--debug", "validate", str(BASE)])
    assert isinstance(result.exception, RuntimeError)


def test_flowsim_errors_are_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """A FlowsimError from any command is `flowsim: <message>` on stderr and exit code 1."""

    def refuse(path: str) -> None:
        raise FlowsimError("no can do")

    monkeypatch.setattr("flowsim.scenario.validate_file", refuse)
    code, out, err = run("validate", str(BASE))
    assert (code, out, err) == (EXIT_FAILURE, "", "flowsim: no can do\n")


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in any command prints `flowsim: interrupted` and exits 130, without a traceback."""

    def interrupt(path: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("flowsim.scenario.validate_file", interrupt)
    code, _, err = run("validate", str(BASE))
    assert (code, err) == (EXIT_INTERRUPTED, "flowsim: interrupted\n")


def test_unknown_command_is_a_usage_error() -> None:
    """A command flowsim does not have exits 2 and says so."""
    code, _, err = run("simulate")
    assert code == EXIT_USAGE
    assert "No such command 'simulate'" in err


def test_version_option() -> None:
    """`flowsim --version` prints the installed version."""
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"flowsim, version {__version__}")


def test_console_script_runs_as_a_subprocess() -> None:
    """The `flowsim` module entry point works outside the test process."""
    proc = subprocess.run(
        [sys.executable, "-m", "flowsim.cli", "validate", str(BASE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok  ")
