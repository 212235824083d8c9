"""Commands on scenario files: ``validate``, ``diff`` and ``schema``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from flowsim.cli.errors import InvalidScenarios

__all__ = ["diff_command", "schema_command", "validate_command"]


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
def validate_command(paths: Sequence[str]) -> None:
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
