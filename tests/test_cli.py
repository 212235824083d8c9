"""The ``flowsim`` command group: exit codes, errors as one line, --debug, --version, ``-m``.

Signals from outside (SIGTERM, SIGKILL, Ctrl-C in a subprocess): test_signals.py.

Each command has its own module: test_cli_scenario.py (validate, diff,
schema), test_cli_run.py, test_cli_analyse.py (compare, backtest) and
test_cli_bench.py.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim import __version__
from flowsim.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_INVALID_SCENARIO, EXIT_USAGE, cli
from flowsim.cli.errors import EXIT_TERMINATED, MAX_PROBLEMS, Terminated
from flowsim.errors import FlowsimError, Problem, ScenarioError

from .conftest import MALFORMED

BASE = MALFORMED / "_base.toml"


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the command line in this process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_internal_errors_are_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception prints one line and exits 1; --debug adds the traceback."""

    def boom(path: str) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("flowsim.scenario.validate_file", boom)
    code, _, err = run("validate", str(BASE))
    assert code == EXIT_FAILURE
    assert err.strip() == (
        "flowsim: internal error: RuntimeError: disk on fire (--debug shows the traceback)"
    )
    code, _, err = run("--debug", "validate", str(BASE))
    assert code == EXIT_FAILURE
    assert err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: disk on fire\n" in err
    assert err.endswith("(--debug shows the traceback)\n")


def raising(exc: BaseException):  # type: ignore[no-untyped-def]
    def fail(*_args: object, **_kwargs: object) -> None:
        raise exc

    return fail


def problems(n: int) -> ScenarioError:
    return ScenarioError(
        Problem("long.toml", ("schedule", i, "from"), "not a date (got 'x')") for i in range(n)
    )


# Every exit code the README documents, and what makes it.
CASES = {
    "ok": ([], None, 0),
    "run failure": ([], FlowsimError("no can do"), EXIT_FAILURE),
    "internal error": ([], RuntimeError("bug"), EXIT_FAILURE),
    "usage error": (["--no-such-option"], None, EXIT_USAGE),
    "invalid scenario": ([], problems(2), EXIT_INVALID_SCENARIO),
    "interrupted": ([], KeyboardInterrupt(), EXIT_INTERRUPTED),
    "terminated": ([], Terminated(), EXIT_TERMINATED),
}


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_exit_codes_are_as_documented_with_or_without_debug(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str, debug: bool
) -> None:
    """0, 1, 2, 3, 130, 143, whatever --debug says; --debug only adds a traceback."""
    extra, exc, code = CASES[case]
    if exc is not None:
        monkeypatch.setattr("flowsim.scenario.load_scenario", raising(exc))
    args = ["--debug"] * debug + ["run", str(BASE), "--no-figures", "--quiet", *extra]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == code, result.output
    assert ("Traceback" in result.stderr) == (debug and exc is not None)


def test_readme_lists_every_exit_code() -> None:
    """The README's exit-code sentence names each code the command line uses."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    sentence = " ".join(readme.split("Exit codes:", 1)[1].split(".", 1)[0].split())
    for number in ("0 ok", "1 run failure", "2 usage error", "3 invalid scenario", "130"):
        assert number in sentence


def test_a_scenario_with_very_many_problems_prints_the_first_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """73,048 problems (one bad date in a long schedule): 20 lines and `... and N more`."""
    monkeypatch.setattr("flowsim.scenario.load_scenario", raising(problems(73_048)))
    code, out, err = run("run", str(BASE))
    lines = err.splitlines()
    assert (code, out, len(lines)) == (EXIT_INVALID_SCENARIO, "", MAX_PROBLEMS + 1)
    assert lines[0] == "long.toml: schedule[0].from: not a date (got 'x')"
    assert lines[-1] == f"... and {73_048 - MAX_PROBLEMS} more"


def test_sigterm_is_one_line_and_exit_143(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM while a command runs: `flowsim: terminated`, exit 143; the handler is put back."""
    before = signal.getsignal(signal.SIGTERM)

    def terminate(path: str) -> None:
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr("flowsim.scenario.validate_file", terminate)
    code, _, err = run("validate", str(BASE))
    assert (code, err) == (EXIT_TERMINATED, "flowsim: terminated\n")
    assert signal.getsignal(signal.SIGTERM) == before


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
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok  ")
