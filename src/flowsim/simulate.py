"""``flowsim.run``: sample, simulate in chunks of members, and assemble a Result."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
import xarray as xr

from flowsim.engines import des
from flowsim.engines import fused as fused_kernel
from flowsim.engines.core import (
    ANNUAL_ROUTE_VARS,
    COMMODITY_VARS,
    DAILY_COMMODITY_VARS,
    DAILY_ROUTE_VARS,
    simulate_chunk,
)
from flowsim.errors import FlowsimError
from flowsim.plan import Plan
from flowsim.results import Result, build_annual
from flowsim.sampling import BLOCK, Realisations, sample
from flowsim.scenario import Scenario, load_scenario

__all__ = ["ENGINES", "estimate_bytes", "run", "scenario_hash", "scenario_toml"]

ENGINES = ("core", "des")
"""Engines available to :func:`run`."""

CHUNK_BYTES = 1 << 20
"""Default chunk: members whose one (members, days) float array fills about 1 MiB."""

FUSED_CHUNK = 256
"""Members per call of the fused kernel (it keeps no arrays over all days)."""


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
        Members simulated together (default: about 1 MiB per daily array).
        Results do not depend on it.
    progress
        Called as ``progress(members_done, members_total)`` after each chunk.
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

    Raises
    ------
    FlowsimError
        Unknown engine, or a result that would not fit in memory.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if engine not in ENGINES:
        raise FlowsimError(f"unknown engine '{engine}' (available: {', '.join(ENGINES)})")
    members = scenario.run.members if members is None else members
    seed = scenario.run.seed if seed is None else seed
    if members < 1:
        raise FlowsimError(f"members must be >= 1 (got {members})")
    if seed < 0:
        raise FlowsimError(f"seed must be >= 0 (got {seed})")
    plan = Plan.of(scenario)
    need, have = estimate_bytes(plan, members, daily), _physical_memory()
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
    if chunk_size is not None and chunk_size < 1:
        raise FlowsimError(f"chunk_size must be >= 1 (got {chunk_size})")
    if trace and engine != "des":
        raise FlowsimError("an event trace needs engine='des'")
    events: list[des.TraceEvent] = []
    simulate, kernel, chunk = _kernel(
        engine, fused, daily, events if trace else None, cargoes, plan
    )
    chunk = chunk_size or chunk

    cal = plan.calendar
    shapes = {name: len(plan.routes) for name in ANNUAL_ROUTE_VARS}
    shapes |= {name: len(plan.commodities) for name in COMMODITY_VARS}
    annual = {
        name: np.zeros((members, cal.n_years, width), np.int16 if name.endswith("_days") else float)
        for name, width in shapes.items()
    }
    daily_arrays: dict[str, np.ndarray[Any, Any]] = {}
    span = BLOCK * -(-chunk // BLOCK)  # members sampled together: whole blocks
    for first in range(0, members, span):
        drawn = sample(scenario, np.arange(first, min(first + span, members)), seed)
        for lo in range(0, len(drawn.members), chunk):
            part = np.arange(lo, min(lo + chunk, len(drawn.members)))
            ids = drawn.members[part]
            members_part = drawn.select(part)
            out = simulate(plan, members_part)
            for name in annual:
                annual[name][ids] = out[name]
            for name, values in out.items():
                if name.startswith("daily_"):
                    store = daily_arrays.setdefault(name, np.zeros((members, *values.shape[1:])))
                    store[ids] = values
            if progress is not None:
                progress(int(ids[-1]) + 1, members)

    attrs = {
        "scenario_name": scenario.name,
        "scenario_toml": scenario_toml(scenario),
        "scenario_hash": scenario_hash(scenario),
        "seed": seed,
        "members": members,
        "engine": engine,
        "kernel": kernel,
        "flowsim_version": _version(),
    }
    dataset = build_annual(
        annual,
        scenario=scenario,
        members=np.arange(members),
        years=cal.years,
        routes=plan.routes,
        commodities=plan.commodities,
        attrs=attrs,
    )
    return Result(
        dataset,
        _daily_dataset(daily_arrays, plan, attrs) if daily else None,
        _trace_table(events, plan) if trace else None,
    )


Simulate = Callable[[Plan, Realisations], dict[str, Any]]


def _kernel(
    engine: str,
    fused: bool | None,
    daily: bool,
    trace: list[des.TraceEvent] | None,
    cargoes: bool,
    plan: Plan,
) -> tuple[Simulate, str, int]:
    """The chunk function of an engine, its name, and its default chunk size."""
    if engine == "des":
        one_by_one = partial(des.simulate_chunk, daily=daily, trace=trace, cargoes=cargoes)
        return one_by_one, "simpy", 1
    use_fused = fused_kernel.AVAILABLE and not daily if fused is None else fused
    if use_fused and daily:
        raise FlowsimError(
            "the fused kernel keeps no daily values: use fused=False with daily=True"
        )
    if use_fused and not fused_kernel.AVAILABLE:
        raise FlowsimError("the fused kernel needs numba: pip install 'flowsim[fast]'")
    if use_fused:
        return fused_kernel.simulate_chunk, "numba", FUSED_CHUNK
    chunk = max(1, CHUNK_BYTES // (8 * plan.n_days))
    return partial(simulate_chunk, daily=daily), "numpy", chunk


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
