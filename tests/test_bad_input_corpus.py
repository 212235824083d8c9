"""The bad-input corpus: every bad command line and malformed file fails cleanly.

Cases: the command lines of ``tests/data/bad_commands.toml`` (its header says
how they are written), and every malformed scenario file of
``tests/data/malformed`` run both as ``flowsim validate FILE`` and as
``flowsim run FILE`` (exit 3, its first ``# expect:`` line on stderr). Each
must exit with its documented non-zero code, name the problem on stderr in at
most 10 lines, and print no traceback. Valid unusual inputs: test_unusual_inputs.py.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flowsim.cli import EXIT_INVALID_SCENARIO, cli

from .conftest import DATA, MALFORMED, MALFORMED_CASES, SCENARIOS, expected_lines

COMMANDS = DATA / "bad_commands.toml"
MAX_STDERR_LINES = 10
MIN_CASES = 150


@dataclass(frozen=True)
class Case:
    """One bad input: a command line, what to write first, and how it must end."""

    id: str
    args: tuple[str, ...]
    exit: int
    message: str
    files: Mapping[str, str] = field(default_factory=dict)
    binary: Mapping[str, str] = field(default_factory=dict)
    nested: Mapping[str, int] = field(default_factory=dict)
    xfail: str | None = None
    cwd: Path | None = None
    """The working folder [``{tmp}``]."""


def _command_cases() -> list[Case]:
    """The cases of ``bad_commands.toml``."""
    document: dict[str, Any] = tomllib.loads(COMMANDS.read_text(encoding="utf-8"))
    return [
        Case(
            id=entry["id"],
            args=tuple(entry["args"]),
            exit=entry["exit"],
            message=entry["message"],
            files=entry.get("files", {}),
            binary=entry.get("binary", {}),
            nested=entry.get("nested", {}),
            xfail=entry.get("xfail"),
        )
        for entry in document["case"]
    ]


def _malformed_cases() -> list[Case]:
    """Each malformed scenario file through ``validate`` and through ``run``.

    Run from the corpus folder with the bare file name, as the ``# expect:``
    lines name files.
    """
    cases = []
    for path in MALFORMED_CASES:
        first = expected_lines(path)[0]
        for command, args in (
            ("validate", ("validate", path.name)),
            ("run", ("run", path.name, "--out", "{tmp}/out", "--no-figures")),
        ):
            case_id = f"{command}-malformed-{path.stem}"
            cases.append(Case(case_id, args, EXIT_INVALID_SCENARIO, first, cwd=MALFORMED))
    return cases


COMMAND_CASES = _command_cases()
CASES = COMMAND_CASES + _malformed_cases()


def _params(cases: list[Case]) -> list[Any]:
    """``pytest.param`` per case, a strict xfail where the case says the code is wrong."""
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for case in cases
    ]


def _expand(text: str, tmp: Path) -> str:
    """Fill in the placeholders of a case."""
    return (
        text.replace("{scenarios}", str(SCENARIOS))
        .replace("{malformed}", str(MALFORMED))
        .replace("{data}", str(DATA))
        .replace("{tmp}", str(tmp))
    )


def _prepare(case: Case, tmp: Path) -> None:
    """Write the files a case needs into ``tmp``."""
    for name, text in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_expand(text, tmp), encoding="utf-8")
    for name, hexed in case.binary.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes.fromhex(hexed))
    for name, depth in case.nested.items():
        (tmp / name).write_text("a = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")


def test_corpus_is_large_and_ids_are_unique() -> None:
    """At least 150 cases (malformed files once each), no id twice."""
    assert len(COMMAND_CASES) + len(MALFORMED_CASES) >= MIN_CASES
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def test_every_command_case_is_well_formed() -> None:
    """Each case expects a non-zero exit code and names a message fragment."""
    for case in COMMAND_CASES:
        assert case.exit in (1, 2, 3), case.id
        assert case.message.strip(), case.id
        assert case.args, case.id


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_input_fails_cleanly(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documented exit code, the message on stderr in at most 10 lines, no traceback."""
    _prepare(case, tmp_path)
    monkeypatch.chdir(case.cwd or tmp_path)
    args = [_expand(arg, tmp_path) for arg in case.args]
    result = CliRunner().invoke(cli, args, prog_name="flowsim")
    stderr = result.stderr
    shown = f"flowsim {' '.join(args)}\nexit {result.exit_code}\nstderr:\n{stderr}"
    assert "Traceback" not in result.stdout + stderr, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert result.exit_code == case.exit, shown
    assert _expand(case.message, tmp_path) in stderr, shown
    assert len([line for line in stderr.splitlines() if line.strip()]) <= MAX_STDERR_LINES, shown
