"""Executors: the same numbers serially, in local processes and on a real Dask cluster.

Most Dask tests share the session's cluster (``dask_cluster`` in conftest).
Two start their own and destroy it: the one that kills a worker, and the one
that interrupts flowsim's own ``scheduler="local"`` cluster. Workers are killed
from inside a block (``dies_once``), at a known point: a worker killed from
outside while it hands back a result can hang a process pool for good.
Ctrl-C tests wait on the processes themselves, never on a wall-clock deadline.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import psutil
import pytest

import flowsim
from flowsim import ensemble, executors
from flowsim.errors import FlowsimError
from flowsim.executors import ProcessExecutor, SerialExecutor, make_executor

from .conftest import (
    BLOCK,
    CLUSTER_OPTIONS,
    MEMBERS,
    assert_identical,
    dies_once,
    nap,
    pool_workers,
    spawned,
    still_running,
)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- choosing an executor --------------------------------------------------------


def test_make_executor_is_serial_unless_asked_for_workers() -> None:
    """No workers or one worker run in this process; two or more in a local process pool."""
    assert isinstance(make_executor(), SerialExecutor)
    assert isinstance(make_executor(workers=1), SerialExecutor)
    pool = make_executor(workers=2)
    try:
        assert isinstance(pool, ProcessExecutor)
        assert pool.workers == 2
    finally:
        pool.close()


def test_serial_executor_yields_in_order() -> None:
    """The serial executor calls the function on each argument tuple, one after another."""
    assert list(SerialExecutor().map_unordered(pow, [(2, 3), (3, 2), (5, 0)])) == [8, 9, 1]


# --- local processes -------------------------------------------------------------


def test_local_processes_match_serial(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result
) -> None:
    """Blocks run in two local processes give bit-identical results to the serial run."""
    result = flowsim.run(monte_carlo, members=MEMBERS, workers=2, block_size=BLOCK)
    assert_identical(serial_reference, result)


def test_a_killed_local_process_has_its_blocks_rerun(
    monte_carlo: flowsim.Scenario,
    serial_reference: flowsim.Result,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A pool worker killed mid-block breaks the pool; it is rebuilt and the lost blocks rerun."""
    marker = tmp_path / "killed"
    monkeypatch.setattr(ensemble, "simulate_block", partial(dies_once, str(marker), 2 * BLOCK))
    result = flowsim.run(monte_carlo, members=MEMBERS, workers=2, block_size=BLOCK)
    assert marker.exists(), "no worker was killed"
    assert int(marker.read_text()) != os.getpid()
    assert_identical(serial_reference, result)


def test_workers_that_keep_dying_give_up_with_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A block that kills its worker every time ends the run after RETRIES rebuilds of the pool."""
    monkeypatch.setattr(executors, "RETRIES", 1)
    pool = ProcessExecutor(1)
    try:
        with pytest.raises(FlowsimError, match=r"^local worker processes died 2 times; giving up"):
            list(pool.map_unordered(os._exit, [(1,)]))
    finally:
        pool.close()


def test_closing_a_process_pool_stops_the_blocks_running(tmp_path: Path) -> None:
    """close() stops a block that is running: its worker ends and the block never finishes."""
    marks = [(tmp_path / f"started{i}", tmp_path / f"finished{i}") for i in range(2)]
    naps = [(str(start), str(end), 3600.0 * i) for i, (start, end) in enumerate(marks)]
    before = {p.pid for p in pool_workers()}
    pool = ProcessExecutor(1)
    results = pool.map_unordered(nap, naps)
    try:
        next(results)  # the first block is done; the worker takes on the hour-long second one
        started = marks[1][0]
        for _ in range(6000):  # a safety net of a minute for the block to begin
            if started.exists():
                break
            time.sleep(0.01)
        assert started.exists()
        workers = [p for p in pool_workers() if p.pid not in before]
    finally:
        pool.close()
        results.close()
    assert still_running(workers) == []
    assert not marks[1][1].exists()


def test_ctrl_c_stops_local_workers(monte_carlo: flowsim.Scenario) -> None:
    """Ctrl-C while blocks run in local processes leaves no worker process running."""
    workers: list[psutil.Process] = []

    def interrupt_once_working(done: int, total: int) -> None:
        workers.extend(pool_workers())
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flowsim.run(
            monte_carlo,
            members=8 * BLOCK,
            workers=2,
            block_size=BLOCK,
            progress=interrupt_once_working,
        )
    assert workers, "no worker process was running when the interrupt came"
    assert still_running(workers) == []


# --- Dask ---------------------------------------------------------------------


@pytest.mark.parametrize("block_size", [64, 100, 192])
def test_dask_cluster_matches_serial(
    monte_carlo: flowsim.Scenario,
    serial_reference: flowsim.Result,
    dask_cluster: Any,
    block_size: int,
) -> None:
    """Blocks of any size run on a Dask cluster give bit-identical results to the serial run."""
    result = flowsim.run(
        monte_carlo,
        members=MEMBERS,
        scheduler=dask_cluster.scheduler_address,
        block_size=block_size,
    )
    assert_identical(serial_reference, result)


def test_a_caller_holding_its_own_dask_client_gets_the_same_results(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result, dask_cluster: Any
) -> None:
    """As with dask-jobqueue: the caller's cluster and Client, flowsim's own client beside it."""
    from distributed import Client

    with Client(dask_cluster) as client:
        result = flowsim.run(
            monte_carlo,
            members=MEMBERS,
            scheduler=dask_cluster.scheduler_address,
            block_size=BLOCK,
        )
        assert client.submit(sum, [1, 2]).result() == 3  # the caller's client still works
    assert_identical(serial_reference, result)


def test_a_killed_dask_worker_has_its_block_rerun(
    monte_carlo: flowsim.Scenario,
    serial_reference: flowsim.Result,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Dask reruns the block of a worker killed mid-block (own cluster, closed at the end)."""
    from distributed import LocalCluster

    marker = tmp_path / "killed"
    monkeypatch.setattr(ensemble, "simulate_block", partial(dies_once, str(marker), 2 * BLOCK))
    with LocalCluster(n_workers=2, **CLUSTER_OPTIONS) as cluster:
        result = flowsim.run(
            monte_carlo, members=MEMBERS, scheduler=cluster.scheduler_address, block_size=BLOCK
        )
        assert marker.exists(), "no worker was killed"
        killed = int(marker.read_text())
        assert killed != os.getpid()
        assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == "zombie"
    assert_identical(serial_reference, result)


def test_ctrl_c_on_a_dask_local_cluster_cancels_and_closes_it(
    monte_carlo: flowsim.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during a run on flowsim's own local cluster ends its worker processes."""
    import distributed

    # flowsim's cluster, but with its HTTP server on a free port: flowsim asks for
    # none (dashboard_address=None), yet distributed takes 8787 and warns if that
    # is busy (the session's cluster, a parallel test run).
    real = distributed.LocalCluster

    def on_a_free_port(*args: Any, **kwargs: Any) -> Any:
        return real(*args, **{**kwargs, "dashboard_address": "127.0.0.1:0"})

    monkeypatch.setattr(distributed, "LocalCluster", on_a_free_port)
    earlier = {p.pid for p in spawned()}
    workers: list[psutil.Process] = []

    def interrupt_once_working(done: int, total: int) -> None:
        workers.extend(p for p in spawned() if p.pid not in earlier)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flowsim.run(
            monte_carlo,
            members=4096,
            scheduler="local",
            workers=1,
            block_size=BLOCK,
            progress=interrupt_once_working,
        )
    assert workers, "no Dask worker process was running when the interrupt came"
    assert still_running(workers) == []


def test_unreachable_scheduler_is_one_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler nobody listens at is a FlowsimError naming the address and the wait."""
    # DaskExecutor binds CONNECT_TIMEOUT as a default argument when flowsim is
    # imported, so patching the constant alone does not shorten the wait (see
    # test_the_connect_timeout_is_read_when_connecting); patch the default too.
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(executors.DaskExecutor.__init__, "__defaults__", (None, 1.0))
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(FlowsimError) as error:
        make_executor(scheduler=address)
    assert str(error.value).startswith(f"cannot reach the Dask scheduler at {address} within 1 s")
    assert "\n" not in str(error.value)


def test_the_connect_timeout_is_read_when_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    """flowsim.executors.CONNECT_TIMEOUT, changed at run time, is the wait for a scheduler."""
    import distributed

    waited: list[float] = []

    def refuse(address: str, timeout: float, **kwargs: object) -> None:
        waited.append(timeout)
        raise OSError("connection refused")

    monkeypatch.setattr(distributed, "Client", refuse)
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(FlowsimError, match="within 1 s"):
        make_executor(scheduler="tcp://127.0.0.1:1")
    assert waited == [1.0]


def test_a_scheduler_without_dask_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, monte_carlo: flowsim.Scenario
) -> None:
    """Asking for a scheduler where Dask is not installed names the extra to install."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(FlowsimError, match=r"pip install 'flowsim\[dask\]'"):
        flowsim.run(monte_carlo, members=64, scheduler="local")


def dies_sending_half_a_result(marker: str, block: int) -> int:
    """Block 0's first worker dies half-way through handing back its result; marks ``marker``."""
    import gc
    import multiprocessing.queues
    import struct

    if block != 0 or os.path.exists(marker):
        return block
    Path(marker).write_text(str(os.getpid()))
    results = next(q for q in gc.get_objects() if isinstance(q, multiprocessing.queues.SimpleQueue))
    # A result of 1,000 bytes announced, 10 sent: the pool waits for the rest for ever.
    os.write(results._writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
    os._exit(1)


def test_a_worker_killed_while_handing_back_a_result_does_not_hang_the_pool(
    tmp_path: Path,
) -> None:
    """The pool notices the dead worker, is rebuilt, and every block still comes back."""
    marker = tmp_path / "died"
    pool = ProcessExecutor(2)
    try:
        blocks = [(str(marker), b) for b in range(3)]
        done = sorted(pool.map_unordered(dies_sending_half_a_result, blocks))
    finally:
        pool.close()
    assert marker.exists()
    assert done == [0, 1, 2]
