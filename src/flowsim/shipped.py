"""The scenarios and reference data shipped with flowsim, wherever it is installed.

In a checkout they are the top-level ``scenarios/`` and ``data/`` folders; an
installed flowsim carries them as the packages ``flowsim.scenarios`` and
``flowsim.data``.
"""

from __future__ import annotations

import difflib
import tomllib
from importlib import resources
from pathlib import Path

from flowsim.errors import FlowsimError

__all__ = [
    "copy_scenario",
    "data_file",
    "scenario_file",
    "scenario_files",
    "scenario_names",
    "unknown_scenario_hint",
]


def _folder(package: str) -> Path:
    return Path(str(resources.files(package)))


def scenario_names() -> list[str]:
    """Names of the shipped scenario files, without ``.toml``, sorted."""
    return sorted(p.stem for p in _folder("flowsim.scenarios").glob("*.toml"))


def scenario_file(name: str) -> Path:
    """The shipped scenario ``name`` (``"reference"`` or ``"reference.toml"``)."""
    path = _folder("flowsim.scenarios") / f"{name.removesuffix('.toml')}.toml"
    if not path.is_file():
        raise FlowsimError(f"no shipped scenario '{name}' {unknown_scenario_hint(name)}")
    return path


def unknown_scenario_hint(name: str) -> str:
    """``(did you mean 'X'? shipped: ...)`` for a name no shipped scenario has."""
    known = scenario_names()
    stem = name.removesuffix(".toml")
    close = [n for n in known if n.startswith(stem)] if stem else []
    close = close[:1] or difflib.get_close_matches(stem, known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"({hint}shipped: {', '.join(known)})"


def scenario_files(name: str) -> list[Path]:
    """The shipped scenario ``name`` and every shipped file it ``extends``, itself first."""
    folder = _folder("flowsim.scenarios").resolve()
    files: list[Path] = []
    path = scenario_file(name).resolve()
    while path not in files:
        files.append(path)
        with path.open("rb") as f:
            extends = tomllib.load(f).get("extends")
        if not isinstance(extends, str):
            break
        path = (path.parent / extends).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            raise FlowsimError(f"shipped scenario '{name}' extends '{extends}', not shipped")
    return files


def copy_scenario(name: str, folder: Path) -> list[tuple[Path, bool]]:
    """Copy the shipped scenario ``name``, and the files it extends, into ``folder``.

    Returns each destination and whether it was written (False: the same file
    was there already). Refuses, writing nothing, if a destination holds a
    different file.
    """
    root = _folder("flowsim.scenarios").resolve()
    if folder.exists() and not folder.is_dir():
        raise FlowsimError(f"{folder} is a file, not a folder")
    plan = [(src, folder / src.relative_to(root)) for src in scenario_files(name)]
    taken = [
        dst
        for src, dst in plan
        if dst.exists() and (not dst.is_file() or dst.read_bytes() != src.read_bytes())
    ]
    if taken:
        raise FlowsimError(
            f"not copying '{name}': {', '.join(map(str, taken))} "
            f"already exist{'s' if len(taken) == 1 else ''} "
            "(remove it or copy into another folder)"
        )
    done: list[tuple[Path, bool]] = []
    for src, dst in plan:
        if dst.exists():
            done.append((dst, False))
            continue
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            with dst.open("xb") as f:
                f.write(src.read_bytes())
        except OSError as exc:
            raise FlowsimError(f"cannot write {dst}: {exc.strerror or exc}") from None
        done.append((dst, True))
    return done


def data_file(name: str) -> Path:
    """The shipped data file ``name`` (e.g. ``"reported_flows.csv"``)."""
    path = _folder("flowsim.data") / name
    if not path.is_file():
        raise FlowsimError(f"no shipped data file '{name}'")
    return path
