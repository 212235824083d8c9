"""Ensembles in fixed blocks of members: what one block computes, and gathering them.

A run's members are split into blocks of ``block_size`` members (best a
multiple of the sampling block, :data:`flowsim.sampling.BLOCK`, so that no
block draws random numbers another block draws too). A block is a pure
function of (job, first member, end member): it samples its members' draws
from the seed and simulates them, so it can run anywhere, in any order, and
again after a failure, always with the same result. The results are placed
into their run's arrays by member number as they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from flowsim.engines import des
from flowsim.engines import fused as fused_kernel
from flowsim.engines.core import ANNUAL_ROUTE_VARS, COMMODITY_VARS, simulate_chunk
from flowsim.errors import FlowsimError
from flowsim.executors import Executor
from flowsim.plan import Plan
from flowsim.sampling import Realisations, sample
from flowsim.scenario import Scenario

__all__ = [
    "DEFAULT_BLOCK",
    "DES_BLOCK",
    "BlockResult",
    "Job",
    "blocks",
    "gather",
    "kernel_of",
    "simulate_block",
]

DEFAULT_BLOCK = 1024
"""Members per block of the core engine (see docs/benchmarks.md for the overhead)."""

DES_BLOCK = 1
"""Members per block of the DES: a member takes it about a third of a second, so
progress is reported member by member at a few percent overhead."""

CHUNK_BYTES = 1 << 20
"""Numpy kernel: members whose one (members, days) float array fills about 1 MiB."""

FUSED_CHUNK = 256
"""Members per call of the fused kernel (it keeps no arrays over all days)."""

Array = np.ndarray[Any, Any]
Simulate = Callable[[Plan, Realisations], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """Everything a block needs besides its members: one scenario run's settings."""

    scenario: Scenario
    seed: int
    engine: str = "core"
    kernel: str = "numpy"
    """``numpy``, ``numba`` or ``simpy`` (see :func:`kernel_of`)."""
    daily: bool = False
    trace: bool = False
    cargoes: bool = True
    chunk_size: int | None = None


@dataclass
class BlockResult:
    """What a block returns: members ``first .. stop - 1`` of one job."""

    job: int
    first: int
    stop: int
    annual: dict[str, Array]
    """Annual arrays, (members, years, routes or commodities)."""
    daily: dict[str, Array] = field(default_factory=dict)
    """Daily arrays ``daily_*``, (members, days, width), when the job asks for them."""
    events: list[des.TraceEvent] = field(default_factory=list)


def kernel_of(engine: str, fused: bool | None, daily: bool) -> str:
    """The kernel a run uses: ``simpy`` for the DES, else ``numba`` or ``numpy``.

    ``fused=None`` picks numba whenever it is installed and no daily values are asked for.
    """
    if engine == "des":
        return "simpy"
    use_fused = fused_kernel.AVAILABLE and not daily if fused is None else fused
    if use_fused and daily:
        raise FlowsimError(
            "the fused kernel keeps no daily values: use fused=False with daily=True"
        )
    if use_fused and not fused_kernel.AVAILABLE:
        raise FlowsimError("the fused kernel needs numba: pip install 'flowsim[fast]'")
    return "numba" if use_fused else "numpy"


def _simulator(job: Job, plan: Plan, events: list[des.TraceEvent]) -> tuple[Simulate, int]:
    """The chunk function of the job's kernel and its default chunk size (members)."""
    if job.kernel == "simpy":
        chunk = partial(
            des.simulate_chunk,
            daily=job.daily,
            trace=events if job.trace else None,
            cargoes=job.cargoes,
        )
        return chunk, 1
    if job.kernel == "numba":
        return fused_kernel.simulate_chunk, FUSED_CHUNK
    return partial(simulate_chunk, daily=job.daily), max(1, CHUNK_BYTES // (8 * plan.n_days))


def simulate_block(job: Job, first: int, stop: int, index: int = 0) -> BlockResult:
    """Sample and simulate members ``first .. stop - 1`` of ``job`` (``index``: job number)."""
    plan = Plan.of(job.scenario)
    events: list[des.TraceEvent] = []
    simulate, chunk = _simulator(job, plan, events)
    chunk = job.chunk_size or chunk
    drawn = sample(job.scenario, np.arange(first, stop), job.seed)
    parts: list[dict[str, Array]] = []
    for lo in range(0, stop - first, chunk):
        parts.append(simulate(plan, drawn.select(np.arange(lo, min(lo + chunk, stop - first)))))
    names = [*ANNUAL_ROUTE_VARS, *COMMODITY_VARS]
    annual = {name: np.concatenate([p[name] for p in parts]) for name in names}
    daily = {
        name: np.concatenate([p[name] for p in parts])
        for name in parts[0]
        if name.startswith("daily_")
    }
    return BlockResult(index, first, stop, annual, daily, events)


def blocks(members: int, block_size: int) -> list[tuple[int, int]]:
    """Member ranges ``(first, stop)`` of a run of ``members`` in blocks of ``block_size``."""
    if block_size < 1:
        raise FlowsimError(f"block_size must be >= 1 (got {block_size})")
    return [(first, min(first + block_size, members)) for first in range(0, members, block_size)]


def gather(
    jobs: Sequence[Job],
    members: Sequence[int],
    executor: Executor,
    store: Callable[[BlockResult], None],
    *,
    block_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run ``members[j]`` members of each ``jobs[j]`` on ``executor``, block by block.

    Each finished block is handed to ``store`` as it arrives (in any order);
    ``progress(done, total)`` counts members over all jobs. ``block_size``
    defaults to :data:`DEFAULT_BLOCK` (:data:`DES_BLOCK` for the DES).
    """
    args = [
        (job, first, stop, index)
        for index, job in enumerate(jobs)
        for first, stop in blocks(
            members[index], block_size or (DES_BLOCK if job.kernel == "simpy" else DEFAULT_BLOCK)
        )
    ]
    done, total = 0, sum(members)
    for block in executor.map_unordered(simulate_block, args):
        store(block)
        done += block.stop - block.first
        del block  # before the next block is computed: memory holds one block at a time
        if progress is not None:
            progress(done, total)
