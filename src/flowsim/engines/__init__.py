"""The engines: implementations of one model (docs/model.md), behind one contract.

Every engine turns a scenario's :class:`~flowsim.plan.Plan` and a chunk of
sampled :class:`~flowsim.sampling.Realisations` into the annual arrays named
in :mod:`flowsim.variables` (``(members, years, routes | commodities)``), and,
where it keeps them, the daily ones (``daily_<name>``, ``(members, days, ...)``).
Engines never read files, print or draw.

========  ======================================================================
name      implementation
========  ======================================================================
numpy     :mod:`flowsim.engines.core`: members and days as array axes (the
          readable vectorised reference; daily values)
numba     :mod:`flowsim.engines.fused`: the same arithmetic in one compiled loop
          (``pip install "flowsim[fast]"``; annual values only)
des       :mod:`flowsim.engines.des`: SimPy processes, one member at a time
          (event level: traces, cargoes)
========  ======================================================================

``core`` and ``auto`` choose the fastest core engine that can do the run:
numba when it is installed and no daily values are asked for, else numpy.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, Protocol

from flowsim.errors import FlowsimError

if TYPE_CHECKING:
    from flowsim.arrays import Array
    from flowsim.plan import Plan
    from flowsim.sampling import Realisations

__all__ = ["ALIASES", "ENGINES", "Engine", "get", "numba_installed", "resolve"]


class Engine(Protocol):
    """What every engine offers (see the module docstring)."""

    @property
    def name(self) -> str:
        """The engine's name in :data:`ENGINES`."""
        ...

    @property
    def daily(self) -> bool:
        """Whether it can keep daily values."""
        ...

    @property
    def events(self) -> bool:
        """Whether it can record an event trace and move cargoes."""
        ...

    @property
    def route_years_per_second(self) -> float:
        """Route-years one CPU simulates per second, about (for run-time estimates)."""
        ...

    def chunk_members(self, plan: Plan) -> int:
        """Members one :meth:`simulate` call should take by default."""
        ...

    def simulate(
        self,
        plan: Plan,
        real: Realisations,
        *,
        daily: bool = False,
        trace: list[Any] | None = None,
        cargoes: bool = True,
    ) -> dict[str, Array]:
        """Simulate the members of ``real``; ``trace`` (event engines) collects events."""
        ...


ENGINES: dict[str, str] = {
    "numpy": "flowsim.engines.core",
    "numba": "flowsim.engines.fused",
    "des": "flowsim.engines.des",
}
"""Every engine by name, and the module that holds it (as ``ENGINE``)."""

ALIASES = ("core", "auto")
"""Names that choose the fastest core engine available for the run."""


def numba_installed() -> bool:
    """Whether the numba engine can run here (without importing numba)."""
    return importlib.util.find_spec("numba") is not None


def get(name: str) -> Engine:
    """The engine called ``name`` (one of :data:`ENGINES`)."""
    if name not in ENGINES:
        known = ", ".join([*ENGINES, *ALIASES])
        raise FlowsimError(f"unknown engine '{name}' (choose from {known})")
    engine: Engine = importlib.import_module(ENGINES[name]).ENGINE
    return engine


def resolve(name: str, *, daily: bool = False, trace: bool = False) -> str:
    """The engine a run of ``name`` uses, checked against what the run asks for.

    ``core`` and ``auto`` become ``numba`` or ``numpy`` (see the module docstring).
    """
    if name in ALIASES:
        name = "numba" if numba_installed() and not daily else "numpy"
    if name == "numba" and not numba_installed():
        raise FlowsimError("the numba engine needs numba: pip install 'flowsim[fast]'")
    engine = get(name)
    if daily and not engine.daily:
        raise FlowsimError(f"the {name} engine keeps no daily values: use engine='numpy'")
    if trace and not engine.events:
        raise FlowsimError("an event trace needs engine='des'")
    return name
