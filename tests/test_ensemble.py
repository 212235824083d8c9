"""Ensembles in blocks: how members are split, that a block is pure, and gathering them.

Where blocks run (local processes, Dask) is tested in test_executors.py; all
of them are held against the session's serial reference run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import flowsim
from flowsim.ensemble import BlockResult, blocks, gather, simulate_block, tasks
from flowsim.simulate import provenance
from flowsim.spec import RunSpec
from flowsim.stores import MemoryStore

from .conftest import BLOCK, MEMBERS, assert_identical
from .engine_cases import UNCERTAIN_SCENARIO


class ReversedExecutor:
    """Hands back every block, but in the reverse order of the blocks it was given."""

    def map_unordered(
        self, fn: Callable[..., Any], args: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]:
        results = [fn(*a) for a in args]
        yield from reversed(results)

    def close(self) -> None:
        pass


def test_blocks_cover_members_once_in_order() -> None:
    """Blocks are consecutive, cover every member once, and the last one may be short."""
    assert blocks(300, 128) == [(0, 128), (128, 256), (256, 300)]
    assert blocks(64, 1024) == [(0, 64)]


@pytest.mark.parametrize("block_size", [100, 128, 1024])
def test_block_size_does_not_change_results(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result, block_size: int
) -> None:
    """Any block size, aligned with the sampling substream or not, gives the same numbers."""
    result = flowsim.run(monte_carlo, members=MEMBERS, block_size=block_size)
    assert_identical(serial_reference, result)


@pytest.mark.parametrize("sampling", ["random", "lhs"])
def test_uncertain_figures_do_not_depend_on_blocks_or_workers(sampling: str) -> None:
    """With uncertain figures (random or Latin hypercube), member k's values are the same
    in one block, in blocks of 50, and in two local processes."""
    one = flowsim.run(UNCERTAIN_SCENARIO, members=130, seed=3, sampling=sampling)
    small = flowsim.run(
        UNCERTAIN_SCENARIO, members=130, seed=3, sampling=sampling, block_size=50, workers=2
    )
    assert_identical(one, small)
    other = flowsim.run(UNCERTAIN_SCENARIO, members=130, seed=3, sampling="random")
    assert (sampling == "random") == bool((one.annual.capacity == other.annual.capacity).all())


def test_a_block_is_pure(monte_carlo: flowsim.Scenario) -> None:
    """The same block computed twice gives the same arrays and names its members."""
    (task,) = tasks(RunSpec.of([monte_carlo], members=192, seed=7))
    first, again = simulate_block(task, 64, 192), simulate_block(task, 64, 192)
    for name, values in first.annual.items():
        np.testing.assert_array_equal(values, again.annual[name])
    assert (first.first, first.stop) == (64, 192)


def test_gather_places_blocks_arriving_in_any_order(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result
) -> None:
    """Blocks arriving last-first are placed by member number; progress counts members done."""
    spec = RunSpec.of([monte_carlo], members=MEMBERS, seed=monte_carlo.run.seed)
    work = tasks(spec)
    store = MemoryStore(work[0], provenance(work[0]))
    arrived: list[tuple[int, int]] = []
    done: list[tuple[int, int]] = []

    def put(block: BlockResult) -> None:
        arrived.append((block.first, block.stop))
        store.put(block)

    gather(
        work, ReversedExecutor(), put, block_size=BLOCK, progress=lambda d, t: done.append((d, t))
    )
    assert arrived == blocks(MEMBERS, BLOCK)[::-1]
    assert done == [(BLOCK * i, MEMBERS) for i in range(1, MEMBERS // BLOCK + 1)]
    assert_identical(serial_reference, store.result())
