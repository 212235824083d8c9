"""Exceptions raised by flowsim.

Every error a user can cause by their input derives from :class:`FlowsimError`;
anything else escaping flowsim is a bug.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["FlowsimError", "Problem", "ScenarioError", "did_you_mean", "format_path"]


class FlowsimError(Exception):
    """Base class of the errors flowsim reports to users."""


def format_path(path: Sequence[str | int]) -> str:
    """Render a key path the way it reads in a TOML file: ``routes.espo.capacity[1].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


def did_you_mean(name: str, known: Iterable[str], *, list_known: bool = True) -> str:
    """A hint for a misspelt name: ``" (did you mean 'capacity'?)"``.

    Without a close match, lists the known names (unless ``list_known`` is
    False, then gives ``""``).
    """
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    if not list_known:
        return ""
    return f" (known: {', '.join(names)})" if names else " (none defined)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file.

    ``file`` is the file the offending value came from, ``path`` the key path
    inside that file (empty for file-level problems), ``message`` what was
    expected and what was found. ``line`` and ``column`` (1-based) locate TOML
    syntax errors.
    """

    file: str
    path: tuple[str | int, ...]
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        """One line: ``file[:line[:column]]: key.path: message`` (control characters escaped)."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        key = format_path(self.path)
        text = f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ScenarioError(FlowsimError, ValueError):
    """A scenario could not be loaded; ``problems`` lists every reason, one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
