"""Ensembles in fixed blocks of members: what one block computes, and gathering them.

A run's members are split into *blocks* of ``block_size`` members, the unit
of work handed to a worker (best a multiple of the random-number substream,
:data:`flowsim.sampling.SUBSTREAM`, so that no block draws random numbers
another block draws too). A block is a pure function of (task, first member,
end member): it samples its members' draws from the seed and simulates them,
so it can run anywhere, in any order, and again after a failure, always with
the same result. The results are placed into their run's arrays by member
number as they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flowsim import engines
from flowsim.arrays import Array
from flowsim.conditions import draw_arrays
from flowsim.contracts import contract_accounts
from flowsim.errors import FlowsimError
from flowsim.executors import Executor
from flowsim.plan import Plan
from flowsim.sampling import sample
from flowsim.security import security_metrics
from flowsim.spec import RunSpec, ScenarioRun
from flowsim.value import trade_value
from flowsim.variables import ENGINE_ANNUAL, MONTHLY, names

__all__ = [
    "DEFAULT_BLOCK",
    "DES_BLOCK",
    "BlockResult",
    "Task",
    "blocks",
    "gather",
    "simulate_block",
    "tasks",
]

DEFAULT_BLOCK = 1024
"""Members per block of the core engines (see docs/benchmarks.md for the overhead)."""

DES_BLOCK = 1
"""Members per block of the DES: a member takes it about a third of a second, so
progress is reported member by member at a few percent overhead."""


@dataclass(frozen=True)
class Task:
    """Everything a block needs besides its members: one scenario of a run, laid out once."""

    index: int
    """The scenario's position in the run."""
    run: ScenarioRun
    plan: Plan
    engine: str
    daily: bool = False
    trace: bool = False
    cargoes: bool = True
    chunk_size: int | None = None
    """Members per engine call (None: the engine's own)."""


@dataclass
class BlockResult:
    """What a block returns: members ``first .. stop - 1`` of one task."""

    task: int
    first: int
    stop: int
    annual: dict[str, Array]
    """Annual arrays, (members, years, routes or commodities)."""
    daily: dict[str, Array] = field(default_factory=dict)
    """Daily arrays ``daily_*``, (members, days, width), when the run asks for them."""
    events: list[Any] = field(default_factory=list)
    """Trace events (:class:`flowsim.engines.des.TraceEvent`), when the run asks for them."""
    draws: dict[str, Array] = field(default_factory=dict)
    """What the members drew (:func:`flowsim.conditions.draw_arrays`): ``figure_value``,
    (members, years, figures), and ``shock_happened``, (members, shocks)."""


def tasks(spec: RunSpec, chunk_size: int | None = None) -> list[Task]:
    """One task per scenario of ``spec``, each with its Plan built once."""
    return [
        Task(
            index=i,
            run=run,
            plan=Plan.of(run.scenario),
            engine=spec.engine,
            daily=spec.daily,
            trace=spec.trace,
            cargoes=spec.cargoes,
            chunk_size=chunk_size,
        )
        for i, run in enumerate(spec.runs)
    ]


def simulate_block(task: Task, first: int, stop: int) -> BlockResult:
    """Sample and simulate members ``first .. stop - 1`` of ``task``."""
    engine = engines.get(task.engine)
    chunk = task.chunk_size or engine.chunk_members(task.plan)
    ids, design = task.run.block(first, stop)
    drawn = sample(task.run.scenario, ids, task.run.seed, design)
    events: list[Any] = []
    parts: list[dict[str, Array]] = []
    for lo in range(0, stop - first, chunk):
        whole = lo == 0 and chunk >= stop - first
        members = drawn if whole else drawn.select(np.arange(lo, min(lo + chunk, stop - first)))
        parts.append(
            engine.simulate(
                task.plan,
                members,
                daily=task.daily,
                trace=events if task.trace else None,
                cargoes=task.cargoes,
            )
        )
    engine_names = [*names(ENGINE_ANNUAL), *([MONTHLY] if MONTHLY in parts[0] else [])]
    if len(parts) == 1:  # one engine call: its arrays are the block's
        annual = {name: parts[0][name] for name in engine_names}
        daily = {name: value for name, value in parts[0].items() if name.startswith("daily_")}
    else:
        annual = {name: np.concatenate([p[name] for p in parts]) for name in engine_names}
        daily = {
            name: np.concatenate([p[name] for p in parts])
            for name in parts[0]
            if name.startswith("daily_")
        }
    annual |= security_metrics(task.plan, annual)
    annual |= contract_accounts(task.plan, annual)
    annual |= trade_value(task.plan, annual, ids, task.run.seed)
    annual.pop(MONTHLY, None)  # worth kept, months not
    drew = draw_arrays(drawn, task.plan.calendar.n_years)
    return BlockResult(task.index, first, stop, annual, daily, events, drew)


def blocks(members: int, block_size: int) -> list[tuple[int, int]]:
    """Member ranges ``(first, stop)`` of a run of ``members`` in blocks of ``block_size``."""
    if block_size < 1:
        raise FlowsimError(f"block_size must be >= 1 (got {block_size})")
    return [(first, min(first + block_size, members)) for first in range(0, members, block_size)]


def gather(
    work: Sequence[Task],
    executor: Executor,
    store: Callable[[BlockResult], None],
    *,
    block_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run every member of every task on ``executor``, block by block.

    Each finished block is handed to ``store`` as it arrives (in any order);
    ``progress(done, total)`` counts members over all tasks. ``block_size``
    defaults to :data:`DEFAULT_BLOCK` (:data:`DES_BLOCK` for the DES).
    """
    args = [
        (task, first, stop)
        for task in work
        for first, stop in blocks(
            task.run.members,
            block_size or (DES_BLOCK if task.engine == "des" else DEFAULT_BLOCK),
        )
    ]
    done, total = 0, sum(task.run.members for task in work)
    for block in executor.map_unordered(simulate_block, args):
        store(block)
        done += block.stop - block.first
        del block  # before the next block is computed: memory holds one block at a time
        if progress is not None:
            progress(done, total)
