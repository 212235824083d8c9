"""A run, described once: *what* to simulate (:class:`RunSpec`), apart from *where*
(:class:`Placement`).

``flowsim.run``, ``flowsim.run_many``, the command line and the benchmark all
build these two values and hand them to :func:`flowsim.simulate.execute`.
Both are frozen and checked when made, so a bad option fails before any
worker starts. Neither changes results: the same RunSpec gives bit-identical
results under any Placement.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

from flowsim import engines
from flowsim.arrays import IntArray
from flowsim.draws import SAMPLING, Design, Points
from flowsim.errors import FlowsimError
from flowsim.executors import check_address
from flowsim.scenario import Scenario, load_scenario

__all__ = ["MAX_HOURS", "Placement", "RunOptions", "RunSpec", "ScenarioRun", "split_options"]

MAX_HOURS = 2.0
"""Runs estimated to take longer than this many hours are refused unless allowed."""

SEED_LIMIT = 2**63
"""Seeds are integers in ``0 .. SEED_LIMIT - 1`` (as in a scenario's ``[run] seed``)."""


class RunOptions(TypedDict, total=False):
    """The keyword options of :func:`flowsim.run` and :func:`flowsim.run_many`.

    What to simulate (they make the :class:`RunSpec`): ``members``, ``seed``,
    ``engine``, ``daily``, ``trace``, ``cargoes``, ``sampling`` and the deprecated
    ``fused``.
    Where it runs (they make the :class:`Placement`): ``workers``,
    ``scheduler``, ``block_size``, ``chunk_size``, ``max_hours``. Plus ``progress``.
    """

    members: int | None
    seed: int | None
    engine: str
    daily: bool
    trace: bool
    cargoes: bool
    fused: bool | None
    sampling: str | None
    workers: int | None
    scheduler: str | None
    block_size: int | None
    chunk_size: int | None
    max_hours: float
    progress: Callable[[int, int], None] | None


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of a run, with its ensemble size and seed."""

    scenario: Scenario
    members: int
    seed: int
    sampling: str = "random"
    """How members draw the uncertain figures (:data:`flowsim.draws.SAMPLING`)."""
    points: Points | None = None
    """A designed ensemble instead (a sensitivity analysis): ``members`` is its points."""

    def __post_init__(self) -> None:
        _check_int("members", self.members, 1, None)
        _check_int("seed", self.seed, 0, SEED_LIMIT)
        if self.sampling not in SAMPLING:
            raise FlowsimError(
                f"sampling must be one of {', '.join(SAMPLING)} (got {self.sampling!r})"
            )
        if self.points is not None and len(self.points.base) != self.members:
            raise FlowsimError(
                f"a design of {len(self.points.base)} points run as {self.members} members"
            )

    def block(self, first: int, stop: int) -> tuple[IntArray, Design]:
        """The members ``first .. stop - 1`` draw as (their member numbers, and how their
        uncertain figures are chosen): themselves, or the points of :attr:`points`."""
        if self.points is not None:
            return self.points.block(first, stop)
        design = Design(method=self.sampling, size=self.members)  # type: ignore[arg-type]
        return np.arange(first, stop), design


@dataclass(frozen=True)
class RunSpec:
    """What a run simulates; see :meth:`of` for the meaning of each option."""

    runs: tuple[ScenarioRun, ...]
    engine: str
    """The engine's name in :data:`flowsim.engines.ENGINES` (an alias already resolved)."""
    daily: bool = False
    trace: bool = False
    cargoes: bool = True

    def __post_init__(self) -> None:
        if engines.resolve(self.engine, daily=self.daily, trace=self.trace) != self.engine:
            raise FlowsimError(f"engine '{self.engine}' is an alias: use RunSpec.of to resolve it")

    @classmethod
    def of(
        cls,
        scenarios: Sequence[Scenario | str | os.PathLike[str]],
        *,
        members: int | None = None,
        seed: int | None = None,
        engine: str = "core",
        daily: bool = False,
        trace: bool = False,
        cargoes: bool = True,
        fused: bool | None = None,
        sampling: str | None = None,
    ) -> RunSpec:
        """Load and check a run of ``scenarios`` (Scenario, ``file.toml`` or ``file.toml#NAME``).

        Parameters
        ----------
        members, seed
            Ensemble size and seed of every scenario (default: each scenario's
            ``[run]`` settings).
        engine
            ``numpy``, ``numba`` or ``des`` (see :mod:`flowsim.engines`), or
            ``core``/``auto`` for the fastest core engine that can do the run.
        daily
            Also keep daily values (memory grows with members x days x routes).
        trace
            DES only: keep every event in ``Result.trace``.
        cargoes
            DES only: move seaborne volumes as cargoes where the scenario gives
            cargo detail (False: continuous flow, exactly as the core).
        fused
            Deprecated: ``True`` is ``engine="numba"``, ``False`` ``engine="numpy"``.
        sampling
            ``random`` or ``lhs`` (Latin hypercube): how members draw the uncertain
            figures (default: each scenario's ``[run]`` setting).
        """
        if fused is not None:
            named = "numba" if fused else "numpy"
            warnings.warn(
                f"run(fused=...) is deprecated and will be removed in the next release: "
                f"use engine='{named}'",
                DeprecationWarning,
                stacklevel=_outside_flowsim(),
            )
            if engine not in (*engines.ALIASES, named):
                raise FlowsimError(f"fused={fused} contradicts engine='{engine}'")
            engine = named
        loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
        runs = tuple(
            ScenarioRun(
                s,
                s.run.members if members is None else members,
                s.run.seed if seed is None else seed,
                s.run.sampling if sampling is None else sampling,
            )
            for s in loaded
        )
        chosen = engines.resolve(engine, daily=daily, trace=trace)
        return cls(runs, chosen, daily=daily, trace=trace, cargoes=cargoes)

    @property
    def members(self) -> int:
        """Members over all scenarios."""
        return sum(r.members for r in self.runs)


@dataclass(frozen=True)
class Placement:
    """Where a run's blocks of members run, and where results land. Results do not depend on it.

    Attributes
    ----------
    workers
        Local processes (or workers of a local Dask cluster); None: this process.
    scheduler
        A Dask scheduler address (``tcp://host:8786``), or ``"local"`` for a new
        local cluster of ``workers`` processes.
    block_size
        Members per block handed to a worker (best a multiple of
        :data:`flowsim.sampling.SUBSTREAM`); default 1,024, or 1 for the DES.
    chunk_size
        Members per engine call within a block (default: the engine's own).
    files
        A netCDF file per scenario to stream annual values into block by block
        (None: in memory); empty means every scenario in memory.
    max_hours
        Refuse a run estimated to take longer (hours; ``math.inf``: no limit).
        The estimate is checked before any work: see
        :func:`flowsim.simulate.estimate_seconds`.
    """

    workers: int | None = None
    scheduler: str | None = None
    block_size: int | None = None
    chunk_size: int | None = None
    files: tuple[Path | None, ...] = ()
    max_hours: float = MAX_HOURS

    def __post_init__(self) -> None:
        for name in ("workers", "block_size", "chunk_size"):
            value = getattr(self, name)
            if value is not None:
                _check_int(name, value, 1, None)
        if not self.max_hours > 0:  # NaN fails too
            raise FlowsimError(f"max_hours must be > 0 (got {self.max_hours})")
        if self.scheduler is not None:
            check_address(self.scheduler)

    def file_of(self, index: int) -> Path | None:
        """The result file of scenario ``index`` of the run (None: in memory)."""
        return self.files[index] if self.files else None


def split_options(
    scenarios: Sequence[Scenario | str | os.PathLike[str]],
    options: RunOptions,
    files: Sequence[str | os.PathLike[str] | None] | None = None,
) -> tuple[RunSpec, Placement, Callable[[int, int], None] | None]:
    """The RunSpec, Placement and progress callback that keyword ``options`` describe."""
    unknown = set(options) - set(RunOptions.__annotations__)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    where = ("workers", "scheduler", "block_size", "chunk_size", "max_hours")
    what = {k: v for k, v in options.items() if k not in (*where, "progress")}
    spec = RunSpec.of(scenarios, **what)  # type: ignore[arg-type]
    paths = tuple(None if f is None else Path(f) for f in files) if files is not None else ()
    if paths and len(paths) != len(spec.runs):
        raise FlowsimError(f"{len(paths)} result files for {len(spec.runs)} scenarios")
    placed = {k: v for k, v in options.items() if k in where}
    placement = Placement(**placed, files=paths)  # type: ignore[arg-type]
    return spec, placement, options.get("progress")


def _outside_flowsim() -> int:
    """The ``stacklevel`` of a warning that names the first caller outside flowsim."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("flowsim"):
        frame, level = frame.f_back, level + 1
    return level


def _check_int(name: str, value: object, low: int, high: int | None) -> None:
    """Refuse a non-integer or out-of-range option with one line naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FlowsimError(f"{name} must be an integer (got {value!r})")
    if value < low:
        raise FlowsimError(f"{name} must be >= {low} (got {value})")
    if high is not None and value >= high:
        raise FlowsimError(f"{name} must be < {high} (got {value})")
