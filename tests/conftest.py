"""Shared fixtures and helpers: shipped scenarios, shared runs, one Dask cluster, processes.

Expensive things are made once per session and shared: the serial reference
run the executor, ensemble and store tests compare with, one run per shipped
scenario for the table, output, plot and compare tests, and one local Dask
cluster for every test that only needs *a* cluster. Tests must not change
what they are handed.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest

import flowsim
from flowsim import engines, plots
from flowsim.engines import ENGINES, Engine
from flowsim.ensemble import BlockResult, Task
from flowsim.ensemble import simulate_block as _simulate_block
from flowsim.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
"""Every shipped scenario file (parametrize with ``ids=lambda p: p.stem``)."""

SAME_DISPATCH = {"forecast_2014": "reference"}
"""Shipped files whose engines' inputs are another file's (only consumption, which the
engines pass through, differs; tests/test_shipped_scenarios.py holds them to it)."""

ENGINE_SHIPPED = [path for path in SHIPPED if path.stem not in SAME_DISPATCH]
"""The shipped files that give the engines something new: what engine tests run."""

MONTE_CARLO = SCENARIOS / "monte_carlo.toml"
MEMBERS = 320
"""Members of the serial reference run: five sampling blocks of 64."""
BLOCK = 64

MALFORMED = DATA / "malformed"
MALFORMED_CASES = sorted(p for p in MALFORMED.glob("*.toml") if not p.name.startswith("_"))
"""The malformed-scenario corpus, ``_base.toml`` (the valid file the others extend) left out."""


@pytest.fixture
def write_toml(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write TOML files into a temporary folder: ``write_toml("a.toml", text) -> path``."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def tiny_doc() -> dict:  # type: ignore[type-arg]
    """A small valid scenario document (one gas route, no demand) that tests adapt."""
    cite = "assumption: test"
    return {
        "name": "tiny",
        "horizon": {"start_year": 2023, "end_year": 2025},
        "sources": {"field": {"commodity": "gas"}},
        "routes": {
            "pipe": {
                "commodity": "gas",
                "source": "field",
                "capacity": [{"from": 2000, "value": 38.0, "cite": cite}],
                "cite": cite,
            }
        },
    }


def expected_lines(path: Path) -> list[str]:
    """The ``# expect: LINE`` comments of a malformed corpus file: what validation must print."""
    prefix = "# expect: "
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line[len(prefix) :] for line in lines if line.startswith(prefix)]


def assert_identical(expected: flowsim.Result, actual: flowsim.Result) -> None:
    """Two results hold the same annual variables, bit for bit, and the same attributes."""
    assert list(actual.annual.data_vars) == list(expected.annual.data_vars)
    for name in expected.annual.data_vars:
        np.testing.assert_array_equal(actual.annual[name].values, expected.annual[name].values)
    assert actual.annual.attrs == expected.annual.attrs


# --- every engine ----------------------------------------------------------------


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each registered engine in turn (skipped where it is not installed); a module can
    narrow it with a fixture of its own of that name."""
    name: str = request.param
    try:
        return engines.get(name)
    except Exception:  # pragma: no cover - numba missing here
        pytest.skip(f"the {name} engine is not installed here")


# --- shared runs -----------------------------------------------------------------


@pytest.fixture(scope="session")
def monte_carlo() -> flowsim.Scenario:
    """The shipped Monte Carlo scenario, loaded once."""
    return flowsim.load_scenario(MONTE_CARLO)


@pytest.fixture(scope="session")
def serial_reference(monte_carlo: flowsim.Scenario) -> flowsim.Result:
    """:data:`MEMBERS` Monte Carlo members run serially in blocks of 64: what others must equal."""
    return flowsim.run(monte_carlo, members=MEMBERS, block_size=BLOCK)


@pytest.fixture(scope="session")
def single() -> flowsim.Result:
    """The shipped reference scenario, one deterministic member."""
    return flowsim.run(SCENARIOS / "reference.toml")


@pytest.fixture(scope="session")
def ensemble() -> flowsim.Result:
    """The Monte Carlo scenario, 12 members, seed 3."""
    return flowsim.run(MONTE_CARLO, members=12, seed=3)


@pytest.fixture(scope="session")
def shipped_run() -> Callable[[str, int], flowsim.Result]:
    """``shipped_run(stem, members)``: a shipped scenario's run (seed 1), made once per session."""

    @cache
    def run(stem: str, members: int) -> flowsim.Result:
        return flowsim.run(SCENARIOS / f"{stem}.toml", members=members, seed=1)

    return run


@pytest.fixture(scope="session")
def tiny_result() -> flowsim.Result:
    """A one-route, three-year result: the cheapest one to write files and figures of."""
    return flowsim.run(scenario_from_dict(tiny_doc()))


# --- processes and Dask ----------------------------------------------------------


CLUSTER_OPTIONS: dict[str, Any] = {
    "threads_per_worker": 1,
    "processes": True,
    "host": "127.0.0.1",
    # A free port for the scheduler's HTTP server: with dashboard_address=None
    # distributed still takes 8787, and warns (an error here) when it is taken.
    "dashboard_address": "127.0.0.1:0",
    "silence_logs": logging.ERROR,
}
"""Options of the test suite's own local Dask clusters (plus ``n_workers``)."""


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """One local Dask cluster (two single-threaded worker processes) for the whole session.

    Tests reach it through flowsim's ``scheduler=cluster.scheduler_address``.
    A test that kills workers or interrupts a run starts its own cluster and
    destroys it, so this one stays whole.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, **CLUSTER_OPTIONS) as cluster:
        yield cluster


def descendants(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """Every living process below ``parent`` (default: this process)."""
    return (parent or psutil.Process()).children(recursive=True)


def pool_workers(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """Worker processes of a local process pool below ``parent``: children of its fork server."""
    parent = parent or psutil.Process()
    found = []
    for p in descendants(parent):
        try:
            if p.ppid() != parent.pid:
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def spawned(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """Processes started by multiprocessing's spawn below ``parent``: Dask's worker processes."""
    found = []
    for p in descendants(parent):
        try:
            if any("spawn_main" in part for part in p.cmdline()):
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def still_running(processes: list[psutil.Process], timeout: float = 120.0) -> list[psutil.Process]:
    """Wait for ``processes`` to end; those still running after ``timeout`` (a safety net).

    Waits on the processes themselves (pidfd), so it returns as soon as the
    last one ends; a process that ended but is not yet reaped counts as ended.
    """
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    running = []
    for p in alive:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                running.append(p)
        except psutil.NoSuchProcess:
            pass
    return running


def nap(started: str, finished: str, seconds: float) -> None:
    """A block for executor tests: touch ``started``, sleep, then touch ``finished``."""
    Path(started).touch()
    time.sleep(seconds)
    Path(finished).touch()


def dies_once(marker: str, victim: int, task: Task, first: int, stop: int) -> BlockResult:
    """``simulate_block``, except that the process running the block from member ``victim``
    kills itself (SIGKILL) the first time, mid-block; ``marker`` records its process id.

    Tests put ``functools.partial(dies_once, marker, victim)`` in the place of
    ``flowsim.ensemble.simulate_block``: a worker dies at a known point of a
    run, while it computes, never while it hands a result back.
    """
    if first == victim:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)
    return _simulate_block(task, first, stop)


@pytest.fixture
def quick_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """plots.save writes empty PNG and SVG files instead of rendering the figure."""

    def save(fig: object, stem: str | os.PathLike[str]) -> list[Path]:
        paths = [Path(f"{os.fspath(stem)}{suffix}") for suffix in (".png", ".svg")]
        for path in paths:
            path.write_bytes(b"")
        return paths

    monkeypatch.setattr(plots, "save", save)
