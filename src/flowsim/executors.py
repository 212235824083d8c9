"""Where ensemble blocks run: in this process, in local processes, or on Dask.

Every executor offers one operation, :meth:`Executor.map_unordered`: call a
pure function on each of a list of argument tuples and yield the results as
they finish, in any order. Blocks are pure and idempotent, so an executor may
run a block again after a worker died; the caller places each result by the
block it names, so the order does not matter.

Ctrl-C (KeyboardInterrupt) while results are awaited cancels every block not
yet finished and stops the workers before the interrupt goes on.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from flowsim.errors import FlowsimError

__all__ = [
    "CONNECT_TIMEOUT",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "check_address",
    "cpu_count",
    "make_executor",
]

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up."""

RETRIES = 3
"""Times a local process pool is rebuilt after a worker died, per run."""

WATCH_SECONDS = 1.0
"""How often a local pool's workers are checked while no block finishes."""

Task = Callable[..., Any]


def cpu_count() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Executor(Protocol):
    """Runs blocks; see the module docstring."""

    def map_unordered(self, fn: Task, args: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        """Yield ``fn(*a)`` for every ``a`` in ``args``, in order of completion."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class SerialExecutor:
    """Runs blocks one after another in this process."""

    def map_unordered(self, fn: Task, args: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        for a in args:
            yield fn(*a)

    def close(self) -> None:
        pass


def _init_worker(threads: int) -> None:
    """Worker initialiser: Ctrl-C is handled once, by the parent; numba gets a share of CPUs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(ImportError):
        import numba

        numba.set_num_threads(min(threads, numba.get_num_threads()))


class ProcessExecutor:
    """Runs blocks in ``workers`` local processes (started by a fork server).

    A worker that dies breaks the pool; the pool is then rebuilt and the
    blocks not yet finished run again, up to :data:`RETRIES` times. A worker
    killed while it hands back a result can leave the pool waiting for the
    rest of that result for ever, without noticing; so while no block
    finishes, the workers are checked every :data:`WATCH_SECONDS`, and a dead
    one is treated the same way.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise FlowsimError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["flowsim.ensemble"])
        self._pool = self._start()
        self._busy = False  # blocks are running or waiting: close() stops them

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=self._context,
            initializer=_init_worker,
            initargs=(max(1, cpu_count() // self.workers),),
        )

    def map_unordered(self, fn: Task, args: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        waiting = dict(enumerate(args))
        failures = 0
        self._busy = True
        while waiting:
            try:  # submitting too: a pool whose workers die at start breaks while it fills
                pending: dict[Future[Any], int] = {
                    self._pool.submit(fn, *a): i for i, a in waiting.items()
                }
                while pending:
                    done, _ = wait(pending, WATCH_SECONDS, return_when=FIRST_COMPLETED)
                    if not done and self._a_worker_died():
                        raise BrokenProcessPool("a worker died unnoticed")
                    for future in done:
                        result = future.result()
                        del waiting[pending.pop(future)]
                        yield result
            except BrokenProcessPool:
                failures += 1
                if failures > RETRIES:
                    raise FlowsimError(
                        f"local worker processes died {failures} times; giving up (out of "
                        "memory? or a script that starts them without "
                        "if __name__ == '__main__':, or from standard input)"
                    ) from None
                self.close()
                self._pool = self._start()
            except BaseException:
                self.close()
                raise
        self._busy = False

    def _workers(self) -> list[Any]:
        """The pool's worker processes (a private attribute: empty if it is gone)."""
        return list((getattr(self._pool, "_processes", None) or {}).values())

    def _a_worker_died(self) -> bool:
        return any(process.exitcode is not None for process in self._workers())

    def close(self) -> None:
        if not self._busy:  # every block is back: let the workers end as they should
            self._pool.shutdown(wait=True)
            return
        # Stop blocks already running too (ProcessPoolExecutor cannot before 3.14):
        # take the processes first, shutdown() forgets them.
        running = self._workers()
        results = getattr(self._pool, "_result_queue", None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in running:
            process.terminate()
        for process in running:
            process.join(WATCH_SECONDS)
        # A pool stuck reading half a result waits on this pipe: with the
        # workers gone, closing our end of it lets the read fail and the pool end.
        writer = getattr(results, "_writer", None)
        if writer is not None and not any(p.is_alive() for p in running):
            with contextlib.suppress(OSError):
                writer.close()


class DaskExecutor:
    """Runs blocks on a Dask cluster: one at ``address`` or a new local one.

    ``address="local"`` starts a ``LocalCluster`` of ``workers`` single-threaded
    processes listening on 127.0.0.1 only. Dask runs a block again when the
    worker holding it dies.
    """

    def __init__(
        self, address: str, workers: int | None = None, timeout: float | None = None
    ) -> None:
        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise FlowsimError("a Dask scheduler needs Dask: pip install 'flowsim[dask]'") from None
        self._cluster: Any = None
        if address == "local":
            # Workers started while Ctrl-C is ignored keep ignoring it: the
            # interrupt is handled once, here, by cancelling and closing.
            main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                n = workers or cpu_count()
                self._cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    # numba's share of the CPUs, as in the local process pool
                    env={"NUMBA_NUM_THREADS": str(max(1, cpu_count() // n))},
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
            self._client: Any = Client(self._cluster, set_as_default=False)
        else:
            try:
                self._client = Client(address, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise FlowsimError(
                    f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({reason})"
                ) from None

    def map_unordered(self, fn: Task, args: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        from distributed import as_completed

        # Each task (a scenario's plan: megabytes) goes to every worker once, not inside
        # every block's graph; a copy on each survives a worker's death.
        shared: dict[int, Any] = {}
        for a in args:
            if id(a[0]) not in shared:
                shared[id(a[0])] = self._client.scatter(a[0], hash=False, broadcast=True)
        futures = [self._client.submit(fn, shared[id(a[0])], *a[1:], pure=False) for a in args]
        try:
            # Our client's loop: as_completed would take the default client's, which
            # is the caller's own Client when they hold one.
            for future in as_completed(futures, loop=self._client.loop):
                result = future.result()
                future.release()
                yield result
        except BaseException:
            self._client.cancel(futures)
            raise

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""Dask comm protocols a scheduler address may name."""


def check_address(address: str) -> None:
    """Refuse, before anything starts, a scheduler that is neither ``local`` nor ``SCHEME://HOST:PORT``."""
    if address == "local":
        return
    scheme, sep, rest = address.partition("://")
    host, colon, port = rest.rpartition(":")
    if not (
        sep and scheme in SCHEMES and host and colon and port.isdigit() and 0 < int(port) < 65536
    ):
        raise FlowsimError(
            f"scheduler must be 'local' or an address like tcp://HOST:8786 (got {address!r})"
        )


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for ``--workers N`` / ``--scheduler ADDRESS|local`` (default: serial)."""
    if scheduler is not None:
        return DaskExecutor(scheduler, workers)
    if workers is None or workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
