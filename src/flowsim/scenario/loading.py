"""Load scenario files: TOML, ``extends`` chains, named overrides, validation.

A file may ``extends = "reference.toml"`` (relative to itself): the base is
loaded first and the file's own keys are deep-merged on top (tables merge key
by key; values and arrays replace). ``[overrides.NAME]`` blocks are deep-merged
the same way when selected, through ``[scenarios] NAME = ["override", ...]`` or
by naming the override itself: ``path.toml#NAME`` or ``scenario="NAME"``.

Every problem is reported at once, each naming the file the offending value came
from and its key path inside that file.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flowsim import shipped
from flowsim.errors import Problem, ScenarioError, did_you_mean
from flowsim.scenario.problems import LOADER_KEYS, located_messages
from flowsim.scenario.reading import parse_toml, read_toml
from flowsim.scenario.tree import Scenario

__all__ = [
    "load_scenario",
    "scenario_from_dict",
    "scenario_from_text",
    "scenario_names",
    "split_selector",
    "validate_file",
]

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class _Origin:
    """Where a key of the composed document was written: a file, and the key prefix in it."""

    file: str
    prefix: KeyPath = ()


@dataclass
class _Document:
    """A composed document and, for every key in it, the origin that wrote it."""

    file: str
    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[KeyPath, _Origin] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def merge(self, overlay: Mapping[str, Any], origin: _Origin) -> None:
        """Deep-merge ``overlay`` on top: tables merge, everything else replaces."""
        _merge(self.data, overlay, origin, (), self.origins)

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A problem located in the file (and key path in it) most likely at fault.

        That is the file that wrote the value at ``path``; for a problem with a
        whole table (or a key missing from it), the file that wrote into the
        table last.
        """
        n = len(path)
        while n and path[:n] not in self.origins:
            n -= 1
        inside = [o for p, o in self.origins.items() if p[:n] == path[:n]]
        origin = inside[-1] if n else _Origin(self.file)
        return Problem(origin.file, origin.prefix + path, message)


def _merge(
    target: dict[str, Any],
    overlay: Mapping[str, Any],
    origin: _Origin,
    path: KeyPath,
    origins: dict[KeyPath, _Origin],
) -> None:
    for key, value in overlay.items():
        here = (*path, key)
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value, origin, here, origins)
            continue
        for stale in [p for p in origins if p[: len(here)] == here]:
            del origins[stale]
        origins[here] = origin
        if isinstance(value, Mapping):
            target[key] = {}
            _merge(target[key], value, origin, here, origins)
        else:
            target[key] = value


def _display(path: Path) -> str:
    """A path as short as it can be written from the working directory."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _compose(data: dict[str, Any], file: str, base_dir: Path, chain: tuple[Path, ...]) -> _Document:
    """Resolve the ``extends`` chain of one parsed file into one document."""
    doc = _Document(file)
    extends = data.get("extends")
    if extends is not None:
        if not isinstance(extends, str) or not extends.strip():
            got = f"{extends!r}" if isinstance(extends, str) else type(extends).__name__
            doc.problems.append(
                Problem(file, ("extends",), f"must be the path of a scenario file (got {got})")
            )
        else:
            try:
                base_path = (base_dir / extends).resolve()
            except (OSError, ValueError) as exc:
                raise ScenarioError([Problem(file, ("extends",), f"bad path: {exc}")]) from None
            base_file = _display(base_dir / extends)
            if base_path in chain:
                cycle = [_display(p) for p in (*chain, base_path)]
                start = cycle.index(_display(base_path))
                raise ScenarioError(
                    [Problem(file, ("extends",), "cycle: " + " -> ".join(cycle[start:]))]
                )
            try:
                base_data = read_toml(base_path, base_file)
            except ScenarioError as exc:
                raise ScenarioError(
                    [
                        Problem(file, ("extends",), f"cannot extend '{extends}': {p.message}")
                        if p.file == base_file and p.line is None
                        else p
                        for p in exc.problems
                    ]
                ) from None
            base = _compose(base_data, base_file, base_path.parent, (*chain, base_path))
            doc.data, doc.origins, doc.problems = base.data, base.origins, base.problems
            doc.data.pop("name", None)
            doc.data.pop("extends", None)
    doc.merge({k: v for k, v in data.items() if k != "extends"}, _Origin(file))
    return doc


def _named_overrides(doc: _Document) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check and return the ``[overrides]`` and ``[scenarios]`` tables."""
    overrides = doc.data.pop("overrides", {})
    scenarios = doc.data.pop("scenarios", {})
    if not isinstance(overrides, dict):
        doc.problems.append(
            doc.problem(("overrides",), "must be a table of [overrides.NAME] tables")
        )
        overrides = {}
    for name, block in list(overrides.items()):
        if not isinstance(block, dict):
            doc.problems.append(doc.problem(("overrides", name), "must be a table"))
            del overrides[name]
            continue
        for key in LOADER_KEYS:
            if key in block:
                doc.problems.append(
                    doc.problem(
                        ("overrides", name, key), f"'{key}' is not allowed inside an override"
                    )
                )
    if not isinstance(scenarios, dict):
        doc.problems.append(
            doc.problem(("scenarios",), 'must be a table of NAME = ["override", ...]')
        )
        scenarios = {}
    resolved: dict[str, list[str]] = {}
    for name, names in scenarios.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            doc.problems.append(
                doc.problem(("scenarios", name), "must be an array of override names")
            )
            continue
        for i, ref in enumerate(names):
            if ref not in overrides:
                doc.problems.append(
                    doc.problem(
                        ("scenarios", name, i),
                        f"unknown override '{ref}'" + did_you_mean(ref, overrides),
                    )
                )
        resolved[name] = names
    return overrides, resolved


def _build(
    data: dict[str, Any], file: str, base_dir: Path, chain: tuple[Path, ...], selected: str | None
) -> Scenario:
    """Compose, select and validate one scenario from a parsed top-level document."""
    doc = _compose(data, file, base_dir, chain)
    overrides, scenarios = _named_overrides(doc)
    if "name" not in data:
        doc.merge({"name": Path(file).stem}, _Origin(file))
    if selected is not None:
        names = scenarios.get(selected, [selected] if selected in overrides else None)
        if names is None:
            known = {**scenarios, **overrides}
            missing = f"no scenario or override named '{selected}'" + did_you_mean(selected, known)
            raise ScenarioError([*doc.problems, Problem(file, (), missing)])
        for name in names:
            if name in overrides:
                where = doc.origins.get(("overrides", name), _Origin(file)).file
                doc.merge(overrides[name], _Origin(where, ("overrides", name)))
        if not any("name" in overrides.get(n, {}) for n in names):
            doc.merge({"name": f"{doc.data['name']}-{selected}"}, _Origin(file))
    problems = list(doc.problems)
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        found = [doc.problem(path, message) for path, message in located_messages(exc)]
        if any(p.path == ("extends",) for p in problems):  # keys the base was to give: noise
            found = [p for p in found if p.message != "required key is missing"]
        problems += found
    if problems:
        raise ScenarioError(_unique(problems))
    return scenario


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def split_selector(
    path: str | os.PathLike[str], scenario: str | None = None
) -> tuple[Path, str | None]:
    """Split ``file.toml#NAME`` into the file and the selected scenario name."""
    text = os.fspath(path)
    if "#" in text:
        file, _, named = text.partition("#")
        if not named or "#" in named:
            raise ScenarioError(
                [
                    Problem(
                        text,
                        (),
                        "is not a valid selector: write FILE#NAME, "
                        "with one '#' and a name after it",
                    )
                ]
            )
        if scenario is not None and scenario != named:
            raise ScenarioError(
                [Problem(file, (), f"two scenarios selected: '#{named}' and '{scenario}'")]
            )
        text, scenario = file, named
    return Path(text), scenario


def _is_bare_name(text: str) -> bool:
    """Whether ``text`` could name a shipped scenario: no folder, no ``.toml``."""
    separators = {"/", os.sep, os.altsep or "/"}
    return bool(text) and not any(s in text for s in separators) and not text.endswith(".toml")


def _locate(path: str | os.PathLike[str]) -> tuple[Path, str]:
    """The file to read for ``file_path``, and how problems name it.

    A bare name (no folder, no ``.toml``) that is not a file is a shipped
    scenario: ``reference`` is the ``reference.toml`` shipped with flowsim.
    """
    text = os.fspath(path).partition("#")[0]
    if not text.strip():
        message = "an empty path: name a scenario file (file.toml) or a shipped scenario"
        raise ScenarioError([Problem(repr(text), (), message)])
    file_path = Path(text)
    if _is_bare_name(text) and not file_path.is_file():
        known = shipped.scenario_names()
        if text in known:
            found = shipped.scenario_file(text)
            return found, _display(found)
        if not file_path.exists():
            hint = shipped.unknown_scenario_hint(text)
            message = f"no such file, nor a shipped scenario of that name {hint}"
            raise ScenarioError([Problem(text, (), message)])
    return file_path, _display(file_path) if file_path.is_absolute() else text


def load_scenario(path: str | os.PathLike[str], scenario: str | None = None) -> Scenario:
    """Load, compose and validate a scenario file.

    Parameters
    ----------
    path
        A TOML scenario file, optionally with ``#NAME`` to select a named scenario.
        A bare name without ``.toml`` that is not a file names a shipped
        scenario (``"reference"``, ``"pos2_50bcm#never"``).
    scenario
        Name of a ``[scenarios]`` entry or an ``[overrides]`` block to apply.

    Every other scenario the file names (``[scenarios]``, ``[overrides.NAME]``)
    is validated too, so that a defect in any of them stops any run of the file.

    Raises
    ------
    ScenarioError
        With every problem found, each naming its file and key path.
    """
    _, selected = split_selector(path, scenario)
    file_path, file = _locate(path)
    data = read_toml(file_path, file)
    where = (file, file_path.resolve().parent, (file_path.resolve(),))
    names = [selected, *(n for n in _selectable(_compose(copy.deepcopy(data), *where).data))]
    problems: list[Problem] = []
    chosen: Scenario | None = None
    for name in dict.fromkeys(names):
        try:
            built = _build(copy.deepcopy(data), *where, name)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if name == selected:
            chosen = built
    if problems or chosen is None:
        raise ScenarioError(_unique(problems))
    return chosen


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    file: str = "<scenario>",
    base_dir: str | os.PathLike[str] = ".",
    scenario: str | None = None,
) -> Scenario:
    """Validate a scenario given as a parsed document (``extends`` resolves from ``base_dir``)."""
    if not isinstance(data, Mapping):
        raise ScenarioError([Problem(file, (), "must be a table of scenario keys")])
    return _build(dict(data), file, Path(base_dir).resolve(), (), scenario)


def scenario_from_text(
    text: str,
    *,
    file: str = "<scenario>",
    base_dir: str | os.PathLike[str] = ".",
    scenario: str | None = None,
) -> Scenario:
    """Validate a scenario given as TOML text."""
    return scenario_from_dict(
        parse_toml(text, file), file=file, base_dir=base_dir, scenario=scenario
    )


def _selectable(data: Mapping[str, Any]) -> list[str]:
    """Every name ``#NAME`` can select in a composed document, in file order."""
    names: list[str] = []
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        if key == "overrides":
            names += [n for n, block in value.items() if isinstance(block, dict)]
        elif key == "scenarios":
            names += [
                n
                for n, refs in value.items()
                if isinstance(refs, str)
                or (isinstance(refs, list) and all(isinstance(r, str) for r in refs))
            ]
    return list(dict.fromkeys(names))


def scenario_names(path: str | os.PathLike[str]) -> list[str]:
    """Every name a file can select with ``#NAME``, its own and inherited, in file order.

    That is each ``[scenarios]`` entry and each ``[overrides.NAME]`` block, once.
    """
    file_path, file = _locate(path)
    doc = _compose(
        read_toml(file_path, file), file, file_path.resolve().parent, (file_path.resolve(),)
    )
    return _selectable(doc.data)


def validate_file(path: str | os.PathLike[str]) -> tuple[list[str], list[Problem]]:
    """Validate a file's base scenario and every name it can select (``#NAME`` too).

    Every ``[scenarios]`` entry and every ``[overrides.NAME]`` block is checked,
    each problem located in the file (and override block) it came from, as
    :func:`load_scenario` does. Returns the names checked (``""`` for the base)
    and every problem found, once each.
    """
    names: list[str] = []
    try:
        split_selector(path)
        names = ["", *scenario_names(os.fspath(path).partition("#")[0])]
        load_scenario(path)
    except ScenarioError as exc:
        return names, list(exc.problems)
    return names, []
