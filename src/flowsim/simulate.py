"""``flowsim.run``: check a run, hand its blocks of members to an executor, assemble a Result."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
import xarray as xr

from flowsim.engines import des
from flowsim.engines.core import (
    ANNUAL_ROUTE_VARS,
    COMMODITY_VARS,
    DAILY_COMMODITY_VARS,
    DAILY_ROUTE_VARS,
)
from flowsim.ensemble import BlockResult, Job, blocks, gather, kernel_of
from flowsim.errors import FlowsimError
from flowsim.executors import make_executor
from flowsim.plan import Plan
from flowsim.results import Result, build_annual
from flowsim.scenario import Scenario, load_scenario

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
        ``block_size`` (a multiple of 64). Results do not depend on any of them.

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
) -> list[Result]:
    """Simulate several scenarios through one executor; see :func:`run` for the options.

    All blocks of all scenarios are handed to the executor at once, so workers
    stay busy across scenarios. ``members`` and ``seed`` default per scenario.
    """
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
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
    plans = [Plan.of(s) for s in loaded]
    _check_memory(plans, sizes, daily)
    if block_size is not None:
        blocks(1, block_size)  # check it before starting any worker
    stores = [_Store(plan, n, daily) for plan, n in zip(plans, sizes, strict=True)]
    executor = make_executor(workers, scheduler)
    try:
        gather(
            jobs,
            sizes,
            executor,
            lambda block: stores[block.job].put(block),
            block_size=block_size,
            progress=progress,
        )
    finally:
        executor.close()
    return [store.result(job) for store, job in zip(stores, jobs, strict=True)]


def _check_memory(plans: Sequence[Plan], members: Sequence[int], daily: bool) -> None:
    """Refuse runs whose results would take more than half this machine's memory."""
    need = sum(estimate_bytes(p, n, daily) for p, n in zip(plans, members, strict=True))
    have = _physical_memory()
    if need > have // 2:
        hint = (
            "run without daily values, or with fewer members"
            if daily
            else "run fewer members per call and combine the results"
        )
        raise FlowsimError(
            f"this run needs about {need / 2**30:.1f} GiB for its results, more than half of "
            f"this machine's {have / 2**30:.1f} GiB: {hint}"
        )


class _Store:
    """One run's result arrays, filled block by block as blocks arrive."""

    def __init__(self, plan: Plan, members: int, daily: bool) -> None:
        self.plan, self.members, self.daily = plan, members, daily
        shapes = {name: len(plan.routes) for name in ANNUAL_ROUTE_VARS}
        shapes |= {name: len(plan.commodities) for name in COMMODITY_VARS}
        years = plan.calendar.n_years
        self.annual = {
            name: np.zeros((members, years, width), np.int16 if name.endswith("_days") else float)
            for name, width in shapes.items()
        }
        self.daily_arrays: dict[str, np.ndarray[Any, Any]] = {}
        self.events: list[des.TraceEvent] = []

    def put(self, block: BlockResult) -> None:
        rows = slice(block.first, block.stop)
        for name, values in block.annual.items():
            self.annual[name][rows] = values
        for name, values in block.daily.items():
            daily = self.daily_arrays.setdefault(name, np.zeros((self.members, *values.shape[1:])))
            daily[rows] = values
        self.events += block.events

    def result(self, job: Job) -> Result:
        scenario, plan = job.scenario, self.plan
        attrs = {
            "scenario_name": scenario.name,
            "scenario_toml": scenario_toml(scenario),
            "scenario_hash": scenario_hash(scenario),
            "seed": job.seed,
            "members": self.members,
            "engine": job.engine,
            "kernel": job.kernel,
            "flowsim_version": _version(),
        }
        dataset = build_annual(
            self.annual,
            scenario=scenario,
            members=np.arange(self.members),
            years=plan.calendar.years,
            routes=plan.routes,
            commodities=plan.commodities,
            attrs=attrs,
        )
        return Result(
            dataset,
            _daily_dataset(self.daily_arrays, plan, attrs) if self.daily else None,
            _trace_table(self.events, plan) if job.trace else None,
        )


def _trace_table(events: list[des.TraceEvent], plan: Plan) -> pd.DataFrame:
    """The event trace as a table: member, day, date, route, kind, size, detail."""
    table = pd.DataFrame(
        [vars(e) for e in events], columns=["member", "day", "route", "kind", "size", "detail"]
    )
    start = np.datetime64(f"{plan.calendar.start_year:04d}-01-01")
    table.insert(2, "date", start + table["day"].to_numpy().astype("timedelta64[D]"))
    return table.sort_values(["member", "day"], kind="stable", ignore_index=True)


def _daily_dataset(arrays: dict[str, Any], plan: Plan, attrs: dict[str, Any]) -> xr.Dataset:
    dims = {name: "route" for name in DAILY_ROUTE_VARS}
    dims |= {name: "commodity" for name in DAILY_COMMODITY_VARS}
    dims["production"] = "source"
    members = next(iter(arrays.values())).shape[0]
    return xr.Dataset(
        {
            name: (
                ("member", "day", dims[name]),
                arrays[f"daily_{name}"],
                {"units": "bcm or Mt per day"},
            )
            for name in dims
        },
        coords={
            "member": np.arange(members),
            "day": np.datetime64(f"{plan.calendar.start_year:04d}-01-01")
            + np.arange(plan.n_days).astype("timedelta64[D]"),
            "route": list(plan.routes),
            "commodity": list(plan.commodities),
            "source": list(plan.sources),
            "route_commodity": ("route", [plan.commodities[i] for i in plan.route_commodity]),
            "route_source": ("route", [plan.sources[i] for i in plan.route_source]),
        },
        attrs=attrs,
    )


def _version() -> str:
    from flowsim import __version__

    return __version__
