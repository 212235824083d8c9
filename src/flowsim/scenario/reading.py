"""Read a scenario file into a TOML document, with TOML's errors in plain words.

A UTF-8 byte-order mark is accepted; a file that is not UTF-8 text, a missing
file or a folder, and every TOML syntax error become one :class:`Problem` with
the line and column where TOML says.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from flowsim.errors import Problem, ScenarioError

__all__ = ["parse_toml", "read_toml"]

_TOML_POSITION = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")

_PLAIN_TOML = {
    "Expected '=' after a key in a key/value pair": (
        "expected '=' after the key (write key = value)"
    ),
    "Unterminated string": "a string is not closed: its closing quote is missing",
    "Unclosed array": "an array is not closed: its ']' is missing",
    "Unclosed inline table": (
        "an inline table is not closed: its '}' is missing "
        "(an inline table { ... } must be written on one line)"
    ),
    "Invalid statement": "expected a key = value line, a [table] header or a # comment",
    "Invalid value": (
        'not a value: quote text ("..."); numbers, true/false, dates (2027-10-01), '
        "[arrays] and { inline tables } stand bare"
    ),
    "Expected ']' at the end of a table declaration": "a [table] header is not closed with ']'",
    "Expected ']]' at the end of an array declaration": (
        "an [[array of tables]] header is not closed with ']]'"
    ),
    "Expected newline or end of document after a statement": (
        "expected the end of the line after the value (one key = value per line)"
    ),
    "Cannot overwrite a value": "this key is set twice (a key may be set once)",
    "Cannot mutate immutable namespace": (
        "this table was already written whole and cannot be added to"
    ),
    "Invalid date or datetime": "not a valid date (write it as YYYY-MM-DD, e.g. 2027-10-01)",
}
"""tomllib's wording of common syntax errors, and the same in plain words."""


def _plain_toml(message: str, text: str, line: int | None, column: int | None) -> str:
    """tomllib's message for a syntax error at ``line:column`` of ``text``, in plain words."""
    if message in _PLAIN_TOML:
        return _PLAIN_TOML[message]
    here = ""
    before = ""
    if line is not None and column is not None:
        lines = text.split("\n")
        if line <= len(lines):
            before = lines[line - 1][: column - 1]
            here = lines[line - 1][column - 1 : column] or "\n"
    if message == "Illegal character '\\n'":
        return (
            "a string is not closed on its line: its closing quote is missing "
            '(use """...""" for text over several lines)'
        )
    if message == "Invalid initial character for a key part":
        if here == "\n" and before.count("{") > before.count("}"):
            return (
                "an inline table { ... } must be written on one line: close it with '}' "
                "on this line, or use a [table] section"
            )
        if here == "}":
            return "a ',' after the last key of an inline table is not allowed"
        return "expected a key: letters, digits, '_' and '-', or a quoted string"
    declared = re.fullmatch(r"Cannot declare \((?P<key>.*)\) twice", message)
    if declared:
        parts = re.findall(r"'([^']*)'", declared["key"])
        return f"table [{'.'.join(parts)}] is declared twice (declare a table once)"
    return message


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """The TOML document of ``text`` (``file`` names it in problems)."""
    text = text.removeprefix("\ufeff")
    try:
        return tomllib.loads(text)
    except RecursionError:
        message = "invalid TOML: arrays or tables nested too deeply (hundreds of levels)"
        raise ScenarioError([Problem(file, (), message)]) from None
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        if match:
            line, column = int(match["line"]), int(match["col"])
            message = _plain_toml(match["msg"], text, line, column)
            raise ScenarioError(
                [Problem(file, (), f"invalid TOML: {message}", line=line, column=column)]
            ) from None
        message, at_end, _ = str(exc).partition(" (at end of document)")
        if not at_end:
            message = _plain_toml(str(exc), text, None, None)
            raise ScenarioError([Problem(file, (), f"invalid TOML: {message}")]) from None
        lines = text.splitlines() or [""]
        message = _plain_toml(message, text, None, None)
        end = Problem(
            file,
            (),
            f"invalid TOML: {message} before the end of the file",
            len(lines),
            len(lines[-1]) + 1,
        )
        raise ScenarioError([end]) from None


def read_toml(path: Path, file: str) -> dict[str, Any]:
    """The TOML document of the file at ``path`` (``file`` names it in problems)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(file, (), "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(file, (), "is a directory, not a scenario file")]) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(file, (), f"cannot be read: {exc}")]) from None
    try:
        if b"\x00" in raw:
            raise ValueError("NUL byte")
        text = raw.decode("utf-8")
    except ValueError:
        raise ScenarioError(
            [Problem(file, (), "is not a scenario file (not a TOML text file)")]
        ) from None
    return parse_toml(text, file)
