"""The ``flowsim`` command line: the only package that knows about the terminal.

Each command is a few lines in the module of its group (:mod:`.scenario`,
:mod:`.simulate`, :mod:`.analyse`, :mod:`.bench`): parse options, build a run
spec, call the library; tables come from :mod:`.render` and files from
:mod:`flowsim.outputs`. Exit codes: :mod:`.errors`.
"""

from __future__ import annotations

import click

from flowsim.cli.analyse import backtest_command, compare_command, crosscheck_command
from flowsim.cli.bench import bench_command
from flowsim.cli.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_INVALID_SCENARIO,
    EXIT_TERMINATED,
    EXIT_USAGE,
    FlowsimGroup,
)
from flowsim.cli.report import report_command
from flowsim.cli.scenario import (
    diff_command,
    scenarios_command,
    schema_command,
    validate_command,
)
from flowsim.cli.sensitivity import sensitivity_command
from flowsim.cli.simulate import run_command
from flowsim.version import VERSION

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_SCENARIO",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "cli",
    "main",
]


@click.group(cls=FlowsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="flowsim")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
def cli(debug: bool) -> None:
    """Simulate gas and crude flows from Russia and Central Asia into China.

    Scenario files are TOML; see docs/scenarios.md and docs/scenario-reference.md.
    """


for command in (
    validate_command,
    run_command,
    compare_command,
    diff_command,
    bench_command,
    crosscheck_command,
    backtest_command,
    report_command,
    sensitivity_command,
    schema_command,
    scenarios_command,
):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``flowsim`` console script."""
    cli(prog_name="flowsim")
