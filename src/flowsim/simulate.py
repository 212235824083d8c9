"""``flowsim.run``: turn a run's description into Results, block by block on an executor.

:func:`execute` takes a :class:`~flowsim.spec.RunSpec` (what) and a
:class:`~flowsim.spec.Placement` (where); :func:`run` and :func:`run_many` are
its keyword front ends for Python users.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Unpack

from flowsim import engines
from flowsim.ensemble import Task, gather, tasks
from flowsim.errors import FlowsimError
from flowsim.executors import Executor, cpu_count, make_executor
from flowsim.plan import Plan
from flowsim.results import Result
from flowsim.scenario import Scenario
from flowsim.spec import Placement, RunOptions, RunSpec, split_options
from flowsim.stores import FileStore, MemoryStore
from flowsim.variables import ANNUAL, DAILY
from flowsim.version import VERSION

__all__ = ["estimate_bytes", "estimate_seconds", "execute", "run", "run_many"]


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 << 30


def estimate_bytes(plan: Plan, members: int, daily: bool) -> int:
    """Bytes the result of a run will hold (annual values, plus daily ones if asked)."""
    widths = plan.widths()
    per_year = sum(widths[v.axis] * (2 if v.dtype == "int16" else 8) for v in ANNUAL)
    annual = members * plan.calendar.n_years * per_year
    per_day = sum(8 * widths[v.axis] for v in DAILY)
    return annual + (members * plan.n_days * per_day if daily else 0)


def estimate_seconds(task: Task, workers: int = 1) -> float:
    """Seconds ``task`` will take, about: its route-years over its engine's measured rate.

    ``workers`` local processes share the work, as far as this machine has CPUs.
    """
    route_years = task.run.members * task.plan.calendar.n_years * max(1, len(task.plan.routes))
    rate = engines.get(task.engine).route_years_per_second
    return route_years / (rate * max(1, min(workers, cpu_count())))


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    file: str | os.PathLike[str] | None = None,
    **options: Unpack[RunOptions],
) -> Result:
    """Simulate a scenario: one deterministic member or a Monte Carlo ensemble.

    Parameters
    ----------
    scenario
        A validated Scenario, or a path (``file.toml`` or ``file.toml#NAME``).
    file
        Write the annual values into this netCDF file block by block instead
        of holding them in memory (for ensembles larger than memory); the
        Result then reads from the file. The file appears only when complete.
    **options
        What to simulate: ``members``, ``seed`` (default: the scenario's
        ``[run]``), ``engine`` (``"core"``: the fastest core engine; ``"numpy"``,
        ``"numba"``, ``"des"``), ``daily``, ``trace`` and ``cargoes`` (DES);
        see :meth:`flowsim.spec.RunSpec.of`. Where it runs: ``workers``,
        ``scheduler``, ``block_size``, ``chunk_size``; see
        :class:`flowsim.spec.Placement`. ``progress`` is called as
        ``progress(members_done, members_total)`` after each block.

    Raises
    ------
    FlowsimError
        Unknown engine, a bad option, a result that would not fit in memory,
        or a scheduler that cannot be reached.
    """
    return run_many([scenario], files=None if file is None else [file], **options)[0]


def run_many(
    scenarios: Sequence[Scenario | str | os.PathLike[str]],
    *,
    files: Sequence[str | os.PathLike[str] | None] | None = None,
    **options: Unpack[RunOptions],
) -> list[Result]:
    """Simulate several scenarios through one executor; see :func:`run` for the options.

    All blocks of all scenarios are handed to the executor at once, so workers
    stay busy across scenarios. ``members`` and ``seed`` default per scenario;
    ``files`` gives each scenario's result file (None: in memory).
    """
    if not scenarios:
        return []
    spec, placement, progress = split_options(scenarios, options, files)
    return execute(spec, placement, progress=progress)


def execute(
    spec: RunSpec,
    placement: Placement | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Run ``spec`` as ``placement`` says: one Result per scenario, in order."""
    placement = placement or Placement()
    work = tasks(spec, placement.chunk_size)
    in_memory = [t for t in work if placement.file_of(t.index) is None]
    _check_time(work, placement)
    _check_memory(in_memory, spec.daily)
    _check_disk([(t, f) for t in work if (f := placement.file_of(t.index)) is not None])
    stores: list[MemoryStore | FileStore] = []
    executor: Executor | None = None
    try:
        for task in work:
            attrs = provenance(task)
            file = placement.file_of(task.index)
            stores.append(
                MemoryStore(task, attrs) if file is None else FileStore(task, attrs, file)
            )
        executor = make_executor(placement.workers, placement.scheduler)
        gather(
            work,
            executor,
            lambda block: stores[block.task].put(block),
            block_size=placement.block_size,
            progress=progress,
        )
        return [store.result() for store in stores]
    finally:
        if executor is not None:
            executor.close()
        for store in stores:
            store.close()


def provenance(task: Task) -> dict[str, Any]:
    """The attributes that say how a result was made (``idle_routes``: the routes that never
    flow in the horizon, comma-separated)."""
    scenario = task.run.scenario
    return {
        "idle_routes": ", ".join(task.plan.idle_routes(scenario)),
        "scenario_name": scenario.name,
        "scenario_toml": scenario.to_toml(),
        "scenario_digest": scenario.digest(),
        "seed": task.run.seed,
        "members": task.run.members,
        "engine": task.engine,
        "flowsim_version": VERSION,
    }


def _check_disk(work: Sequence[tuple[Task, Path]]) -> None:
    """Refuse streamed runs whose result files would not fit on their disks."""
    need: dict[int, int] = {}
    free: dict[int, tuple[int, Path]] = {}
    for task, file in work:
        folder = file.parent if file.parent.exists() else Path.cwd()
        device = folder.stat().st_dev
        need[device] = need.get(device, 0) + estimate_bytes(task.plan, task.run.members, False)
        free.setdefault(device, (shutil.disk_usage(folder).free, folder))
    for device, bytes_needed in need.items():
        available, folder = free[device]
        if bytes_needed > available:
            raise FlowsimError(
                f"this run's result files need about {bytes_needed / 2**30:,.1f} GiB, more than "
                f"the {available / 2**30:,.1f} GiB free where {folder} is: fewer members, or "
                "another --out"
            )


def _check_time(work: Sequence[Task], placement: Placement) -> None:
    """Refuse runs estimated to take longer than ``placement.max_hours`` on this machine.

    A remote Dask cluster's size is unknown here, so its runs are not estimated.
    """
    remote = placement.scheduler not in (None, "local")
    if remote or not work:
        return
    seconds = sum(estimate_seconds(t, placement.workers or 1) for t in work)
    if seconds <= placement.max_hours * 3600:
        return
    hours = seconds / 3600
    way = "the core engine, " if any(t.engine == "des" for t in work) else ""
    limit = math.ceil(hours)
    raise FlowsimError(
        f"this run would take about {_duration(seconds)} here ({_size(work)}), more than "
        f"the {placement.max_hours:g} h allowed: {way}fewer members, or a higher limit "
        f"(--max-hours {limit}; in Python max_hours={limit})"
    )


def _size(work: Sequence[Task]) -> str:
    """A run's size in words: members x years x routes, per engine."""
    parts = [
        f"{t.run.members:,} members x {t.plan.calendar.n_years} years x "
        f"{len(t.plan.routes)} routes, {t.engine}"
        for t in work
    ]
    return "; ".join(parts) if len(parts) <= 2 else f"{len(parts)} scenarios"


def _duration(seconds: float) -> str:
    """``"40 min"``, ``"11 hours"``, ``"3 days"``."""
    if seconds < 5400:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.0f} hours"
    return f"{seconds / 86400:,.0f} days"


def _check_memory(work: Sequence[Task], daily: bool) -> None:
    """Refuse runs whose results would take more than half this machine's memory."""
    need = sum(estimate_bytes(t.plan, t.run.members, daily) for t in work)
    have = _physical_memory()
    if need > have // 2:
        hint = (
            "run without daily values, or with fewer members"
            if daily
            else "stream the results to a file (run(file=...), flowsim run --stream)"
        )
        raise FlowsimError(
            f"this run needs about {need / 2**30:.1f} GiB for its results, more than half of "
            f"this machine's {have / 2**30:.1f} GiB: {hint}"
        )
