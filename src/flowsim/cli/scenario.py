"""Commands on scenario files: ``validate``, ``diff``, ``schema`` and ``scenarios list|copy``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from flowsim.cli.errors import InvalidScenarios, problem_lines
from flowsim.cli.options import OutFolder

__all__ = [
    "diff_command",
    "scenarios_command",
    "scenarios_copy_command",
    "scenarios_list_command",
    "schema_command",
    "validate_command",
]


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
def validate_command(paths: Sequence[str]) -> None:
    """Check scenario files and every named scenario in them.

    Prints "ok" per valid file on stdout, and one line per problem of the
    others on stderr. Every [scenarios] entry and every [overrides.NAME] block
    is checked. PATH may select one named scenario: file.toml#NAME; a bare
    name such as "reference" is the shipped scenario of that name.
    """
    from flowsim.scenario import validate_file

    invalid = 0
    for path in paths:
        names, problems = validate_file(path)
        if problems:
            invalid += 1
            for line in problem_lines(problems):
                click.echo(line, err=True)
            continue
        named = [n for n in names if n]
        extra = f" (and named: {', '.join(named)})" if named and "#" not in path else ""
        click.echo(f"ok  {path}{extra}")
    if invalid:
        raise InvalidScenarios(f"{invalid} of {len(paths)} file(s) invalid")


@click.command("diff")
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


@click.command("schema")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="JSON Schema for editors, or the Markdown reference in docs/.",
)
def schema_command(fmt: str) -> None:
    """Print the scenario-file schema."""
    from flowsim.scenario.reference import file_json_schema, render_markdown

    if fmt == "json":
        click.echo(json.dumps(file_json_schema(), indent=2))
    else:
        click.echo(render_markdown(), nl=False)


@click.group("scenarios")
def scenarios_command() -> None:
    """The scenarios shipped with flowsim: list them, copy one to edit."""


@scenarios_command.command("list")
def scenarios_list_command() -> None:
    """List the shipped scenarios with the first line of each description.

    Run one by name (flowsim run reference), or a named variant of it
    (flowsim run pos2_50bcm#never).
    """
    from flowsim import shipped
    from flowsim.scenario import load_scenario

    names = shipped.scenario_names()
    width = max(map(len, names), default=0)
    for name in names:
        description = load_scenario(shipped.scenario_file(name)).description.strip()
        first = description.splitlines()[0] if description else ""
        click.echo(f"{name:<{width}}  {first}".rstrip())


def _shipped_name(value: str) -> str:
    """NAME of ``scenarios copy``: a shipped scenario, or a usage error with the choices."""
    from flowsim import shipped

    if value.removesuffix(".toml") not in shipped.scenario_names():
        raise click.BadParameter(
            f"no shipped scenario '{value}' {shipped.unknown_scenario_hint(value)}"
        )
    return value


@scenarios_command.command("copy")
@click.argument("name", callback=lambda _ctx, _param, value: _shipped_name(value))
@click.argument("folder", metavar="DIR", type=OutFolder())
def scenarios_copy_command(name: str, folder: Path) -> None:
    """Copy the shipped scenario NAME, and any file it extends, into DIR to edit.

    Refuses, copying nothing, if DIR already holds a different file of the
    same name; a file identical to the shipped one is kept as it is.
    """
    from flowsim import shipped

    for path, written in shipped.copy_scenario(name, folder):
        click.echo(f"{'wrote' if written else 'kept '} {path}")
