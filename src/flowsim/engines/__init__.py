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
numba     :mod:`flowsim.engines.fused`: one compiled day-stepped loop, members as
          SIMD lanes (annual values only; the default)
des       :mod:`flowsim.engines.des`: SimPy processes, one member at a time
          (event level: traces, cargoes)
========  ======================================================================

``core`` and ``auto`` choose the fastest core engine that can do the run:
numba (a default dependency) when it imports and no daily values are asked
for, else numpy. Where numba cannot be imported, :func:`numba_missing` says
why, in one line, for the command line to note.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, Protocol

from flowsim.errors import FlowsimError

if TYPE_CHECKING:
    from flowsim.arrays import Array
    from flowsim.plan import Plan
    from flowsim.sampling import Realisations

__all__ = ["ALIASES", "ENGINES", "Engine", "get", "numba_installed", "numba_missing", "resolve"]


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
        """Route-years one process simulates per second, about (for run-time estimates)."""
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


@functools.cache
def numba_missing() -> str | None:
    """Why the numba engine cannot run here, in one line; None when it can.

    numba is imported to find out (a broken install fails on import, not on
    lookup), once per process.
    """
    if importlib.util.find_spec("numba") is None:
        return "numba is not installed"
    try:
        importlib.import_module("numba")
    except Exception as exc:  # an install numba itself refuses (say, a numpy too new)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"numba does not import ({reason})"
    return None


def numba_installed() -> bool:
    """Whether the numba engine can run here."""
    return numba_missing() is None


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
        raise FlowsimError(f"the numba engine cannot run here: {numba_missing()}")
    engine = get(name)
    if daily and not engine.daily:
        raise FlowsimError(f"the {name} engine keeps no daily values: use engine='numpy'")
    if trace and not engine.events:
        raise FlowsimError("an event trace needs engine='des'")
    return name
