"""The scenarios and reference data shipped with flowsim, wherever it is installed.

In a checkout they are the top-level ``scenarios/`` and ``data/`` folders; an
installed flowsim carries them as the packages ``flowsim.scenarios`` and
``flowsim.data``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flowsim.errors import FlowsimError

__all__ = ["data_file", "scenario_file", "scenario_names"]


def _folder(package: str) -> Path:
    return Path(str(resources.files(package)))


def scenario_names() -> list[str]:
    """Names of the shipped scenario files, without ``.toml``, sorted."""
    return sorted(p.stem for p in _folder("flowsim.scenarios").glob("*.toml"))


def scenario_file(name: str) -> Path:
    """The shipped scenario ``name`` (``"reference"`` or ``"reference.toml"``)."""
    path = _folder("flowsim.scenarios") / f"{name.removesuffix('.toml')}.toml"
    if not path.is_file():
        raise FlowsimError(f"no shipped scenario '{name}' (shipped: {', '.join(scenario_names())})")
    return path


def data_file(name: str) -> Path:
    """The shipped data file ``name`` (e.g. ``"reported_flows.csv"``)."""
    path = _folder("flowsim.data") / name
    if not path.is_file():
        raise FlowsimError(f"no shipped data file '{name}'")
    return path
