"""``flowsim.run``: check a run, hand its blocks of members to an executor, assemble a Result."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import tomli_w

from flowsim.engines.core import (
    ANNUAL_ROUTE_VARS,
    COMMODITY_VARS,
    DAILY_COMMODITY_VARS,
    DAILY_ROUTE_VARS,
)
from flowsim.ensemble import Job, blocks, gather, kernel_of
from flowsim.errors import FlowsimError
from flowsim.executors import Executor, make_executor
from flowsim.plan import Plan
from flowsim.results import Result
from flowsim.scenario import Scenario, load_scenario
from flowsim.stores import FileStore, MemoryStore

__all__ = ["ENGINES", "estimate_bytes", "run", "run_many", "scenario_hash", "scenario_toml"]

ENGINES = ("core", "des")
"""Engines available to :func:`run`."""


def scenario_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML (unset optional keys left out)."""
    return tomli_w.dumps(scenario.model_dump(by_alias=True, exclude_none=True))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON: equal scenarios, equal hashes."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 << 30


def estimate_bytes(plan: Plan, members: int, daily: bool) -> int:
    """Bytes the result of a run will hold (annual values, plus daily ones if asked)."""
    routes, commodities = len(plan.routes), len(plan.commodities)
    counts = sum(name.endswith("_days") for name in ANNUAL_ROUTE_VARS)
    per_year = 8 * (len(ANNUAL_ROUTE_VARS) - counts) * routes + 2 * counts * routes
    annual = members * plan.calendar.n_years * (per_year + 8 * len(COMMODITY_VARS) * commodities)
    per_day = len(DAILY_ROUTE_VARS) * routes + len(DAILY_COMMODITY_VARS) * commodities
    return annual + (8 * members * plan.n_days * (per_day + len(plan.sources)) if daily else 0)


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    members: int | None = None,
    seed: int | None = None,
    engine: str = "core",
    daily: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    fused: bool | None = None,
    trace: bool = False,
    cargoes: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    block_size: int | None = None,
    file: str | os.PathLike[str] | None = None,
) -> Result:
    """Simulate a scenario: one deterministic member or a Monte Carlo ensemble.

    Parameters
    ----------
    scenario
        A validated Scenario, or a path (``file.toml`` or ``file.toml#NAME``).
    members, seed
        Ensemble size and seed (default: the scenario's ``[run]`` settings).
    engine
        ``"core"`` (vectorised numpy, members as an array axis) or ``"des"``
        (SimPy processes, one member at a time; the readable reference).
    daily
        Also keep daily values (memory grows with members x days x routes).
    chunk_size
        Members simulated together by one kernel call (default: about 1 MiB
        per daily array). Results do not depend on it.
    progress
        Called as ``progress(members_done, members_total)`` after each block.
    fused
        Core only: use the numba kernel (bit-identical results, faster): True,
        False, or None for whenever numba is installed and no daily values are
        asked for.
    trace
        DES only: keep every event (outages, maintenance, shocks, commissioning,
        contract years, cargoes) in ``Result.trace``.
    cargoes
        DES only: move seaborne volumes as cargoes where the scenario gives
        cargo detail (False: continuous flow, exactly as the core).
    workers, scheduler, block_size
        Where the blocks of members run: in this process (default), in
        ``workers`` local processes, or on a Dask cluster (``scheduler``: an
        address such as ``tcp://host:8786``, or ``"local"`` for a new local
        cluster of ``workers`` processes). Members go in blocks of
        ``block_size`` (best a multiple of 64). Results do not depend on any of them.
    file
        Write the annual values into this netCDF file block by block instead
        of holding them in memory (for ensembles larger than memory); the
        Result then reads from the file. The file appears only when complete.

    Raises
    ------
    FlowsimError
        Unknown engine, a result that would not fit in memory, or a scheduler
        that cannot be reached.
    """
    return run_many(
        [scenario],
        members=members,
        seed=seed,
        engine=engine,
        daily=daily,
        chunk_size=chunk_size,
        progress=progress,
        fused=fused,
        trace=trace,
        cargoes=cargoes,
        workers=workers,
        scheduler=scheduler,
        block_size=block_size,
        files=None if file is None else [file],
    )[0]


def run_many(
    scenarios: Sequence[Scenario | str | os.PathLike[str]],
    *,
    members: int | None = None,
    seed: int | None = None,
    engine: str = "core",
    daily: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    fused: bool | None = None,
    trace: bool = False,
    cargoes: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    block_size: int | None = None,
    files: Sequence[str | os.PathLike[str] | None] | None = None,
) -> list[Result]:
    """Simulate several scenarios through one executor; see :func:`run` for the options.

    All blocks of all scenarios are handed to the executor at once, so workers
    stay busy across scenarios. ``members`` and ``seed`` default per scenario;
    ``files`` gives each scenario's result file (None: in memory).
    """
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    if not loaded:
        return []
    if engine not in ENGINES:
        raise FlowsimError(f"unknown engine '{engine}' (available: {', '.join(ENGINES)})")
    if chunk_size is not None and chunk_size < 1:
        raise FlowsimError(f"chunk_size must be >= 1 (got {chunk_size})")
    if trace and engine != "des":
        raise FlowsimError("an event trace needs engine='des'")
    kernel = kernel_of(engine, fused, daily)
    jobs = [
        Job(
            scenario=s,
            seed=s.run.seed if seed is None else seed,
            engine=engine,
            kernel=kernel,
            daily=daily,
            trace=trace,
            cargoes=cargoes,
            chunk_size=chunk_size,
        )
        for s in loaded
    ]
    sizes = [s.run.members if members is None else members for s in loaded]
    if min(sizes) < 1:
        raise FlowsimError(f"members must be >= 1 (got {min(sizes)})")
    if min(job.seed for job in jobs) < 0:
        raise FlowsimError(f"seed must be >= 0 (got {min(job.seed for job in jobs)})")
    targets = list(files) if files is not None else [None] * len(jobs)
    if len(targets) != len(jobs):
        raise FlowsimError(f"{len(targets)} result files for {len(jobs)} scenarios")
    plans = [Plan.of(s) for s in loaded]
    in_memory = [i for i, file in enumerate(targets) if file is None]
    _check_memory([plans[i] for i in in_memory], [sizes[i] for i in in_memory], daily)
    if block_size is not None:
        blocks(1, block_size)  # check it before starting any worker
    stores: list[MemoryStore | FileStore] = []
    executor: Executor | None = None
    try:
        for job, plan, n, file in zip(jobs, plans, sizes, targets, strict=True):
            attrs = _provenance(job, n)
            stores.append(
                MemoryStore(job, plan, n, attrs)
                if file is None
                else FileStore(job, plan, n, attrs, Path(file))
            )
        executor = make_executor(workers, scheduler)
        gather(
            jobs,
            sizes,
            executor,
            lambda block: stores[block.job].put(block),
            block_size=block_size,
            progress=progress,
        )
        return [store.result() for store in stores]
    finally:
        if executor is not None:
            executor.close()
        for store in stores:
            store.close()


def _provenance(job: Job, members: int) -> dict[str, Any]:
    """The attributes that say how a result was made."""
    return {
        "scenario_name": job.scenario.name,
        "scenario_toml": scenario_toml(job.scenario),
        "scenario_hash": scenario_hash(job.scenario),
        "seed": job.seed,
        "members": members,
        "engine": job.engine,
        "kernel": job.kernel,
        "flowsim_version": _version(),
    }


def _check_memory(plans: Sequence[Plan], members: Sequence[int], daily: bool) -> None:
    """Refuse runs whose results would take more than half this machine's memory."""
    need = sum(estimate_bytes(p, n, daily) for p, n in zip(plans, members, strict=True))
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


def _version() -> str:
    from flowsim import __version__

    return __version__
