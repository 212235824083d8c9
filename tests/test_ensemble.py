"""Ensembles in blocks: the same numbers serially, in local processes and on a real Dask cluster.

The Dask tests start real ``LocalCluster`` s (worker processes on the loopback
interface) and kill a worker mid-run.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from click.testing import CliRunner

import flowsim
from flowsim import executors, simulate
from flowsim.cli import cli
from flowsim.ensemble import blocks, simulate_block, tasks
from flowsim.errors import FlowsimError
from flowsim.spec import RunSpec
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "monte_carlo.toml"
MEMBERS = 320  # five sampling blocks


@pytest.fixture(scope="module")
def scenario() -> flowsim.Scenario:
    return flowsim.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def serial(scenario: flowsim.Scenario) -> flowsim.Result:
    return flowsim.run(scenario, members=MEMBERS, block_size=64)


def assert_identical(expected: flowsim.Result, actual: flowsim.Result) -> None:
    assert list(actual.annual.data_vars) == list(expected.annual.data_vars)
    for name in expected.annual.data_vars:
        np.testing.assert_array_equal(actual.annual[name].values, expected.annual[name].values)
    assert actual.annual.attrs == expected.annual.attrs


def grandchildren() -> list[psutil.Process]:
    """Worker processes of a process pool (children of its fork server)."""
    me = psutil.Process()
    return [p for p in me.children(recursive=True) if p.ppid() != me.pid]


def test_blocks_cover_members_once_in_order() -> None:
    assert blocks(300, 128) == [(0, 128), (128, 256), (256, 300)]
    assert blocks(64, 1024) == [(0, 64)]


@pytest.mark.parametrize("size", [0, -64])
def test_block_size_must_be_positive(scenario: flowsim.Scenario, size: int) -> None:
    with pytest.raises(FlowsimError, match="block_size must be >= 1"):
        flowsim.run(scenario, members=64, block_size=size)


@pytest.mark.parametrize("block_size", [100, 128, 1024])
def test_block_size_does_not_change_results(
    scenario: flowsim.Scenario, serial: flowsim.Result, block_size: int
) -> None:
    assert_identical(serial, flowsim.run(scenario, members=MEMBERS, block_size=block_size))


def test_a_block_is_pure(scenario: flowsim.Scenario) -> None:
    (task,) = tasks(RunSpec.of([scenario], members=192, seed=7))
    first, again = simulate_block(task, 64, 192), simulate_block(task, 64, 192)
    for name, values in first.annual.items():
        np.testing.assert_array_equal(values, again.annual[name])
    assert (first.first, first.stop) == (64, 192)


def test_local_processes_match_serial(scenario: flowsim.Scenario, serial: flowsim.Result) -> None:
    assert_identical(serial, flowsim.run(scenario, members=MEMBERS, workers=2, block_size=64))


def test_a_killed_local_process_has_its_blocks_rerun(
    scenario: flowsim.Scenario, serial: flowsim.Result
) -> None:
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        workers = grandchildren()
        if not killed and workers:
            killed.append(workers[0].pid)
            os.kill(workers[0].pid, signal.SIGKILL)

    result = flowsim.run(scenario, members=MEMBERS, workers=2, block_size=64, progress=kill_one)
    assert killed
    assert_identical(serial, result)


def test_ctrl_c_stops_local_workers(scenario: flowsim.Scenario) -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flowsim.run(scenario, members=2048, workers=2, block_size=64, progress=interrupt)
    deadline = time.monotonic() + 10
    while any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in grandchildren()):
        assert time.monotonic() < deadline, "worker processes still running after Ctrl-C"
        time.sleep(0.1)


@pytest.mark.parametrize(("workers", "block_size"), [(1, 64), (2, 64), (2, 192)])
def test_dask_local_cluster_matches_serial(
    scenario: flowsim.Scenario, serial: flowsim.Result, workers: int, block_size: int
) -> None:
    result = flowsim.run(
        scenario, members=MEMBERS, scheduler="local", workers=workers, block_size=block_size
    )
    assert_identical(serial, result)


def test_a_killed_dask_worker_has_its_block_rerun(
    scenario: flowsim.Scenario, serial: flowsim.Result
) -> None:
    from distributed import LocalCluster

    def spawned() -> set[int]:
        """Processes started by multiprocessing spawn below this one: Dask's workers."""
        return {
            p.pid
            for p in psutil.Process().children(recursive=True)
            if any("spawn_main" in part for part in p.cmdline())
        }

    earlier = spawned()
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=50,
    ) as cluster:
        workers = sorted(spawned() - earlier)
        assert len(workers) == 2
        killed: list[int] = []

        def kill_one(done: int, total: int) -> None:
            if not killed:
                killed.append(workers[0])
                os.kill(workers[0], signal.SIGKILL)

        result = flowsim.run(
            scenario,
            members=MEMBERS,
            scheduler=cluster.scheduler_address,
            block_size=64,
            progress=kill_one,
        )
        assert killed
        assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == "zombie"
    assert_identical(serial, result)


def test_a_caller_holding_its_own_dask_client_gets_the_same_results(
    scenario: flowsim.Scenario, serial: flowsim.Result
) -> None:
    """As with dask-jobqueue: the caller's cluster and Client, flowsim's own client beside it."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        Client(cluster) as client,
    ):
        result = flowsim.run(
            scenario, members=MEMBERS, scheduler=cluster.scheduler_address, block_size=64
        )
        assert client.submit(sum, [1, 2]).result() == 3  # the caller's client still works
    assert_identical(serial, result)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_fails_fast_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = CliRunner().invoke(
        cli, ["run", str(SCENARIO), "--scheduler", address, "--out", str(tmp_path / "out")]
    )
    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    assert result.output.startswith(f"flowsim: cannot reach the Dask scheduler at {address}")
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_scheduler_without_dask_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, scenario: flowsim.Scenario
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(FlowsimError, match=r"pip install 'flowsim\[dask\]'"):
        flowsim.run(scenario, members=64, scheduler="local")


def test_many_scenarios_run_through_one_runner(scenario: flowsim.Scenario) -> None:
    halt = ROOT / "scenarios" / "kazakh_transit_halt.toml"
    together = flowsim.run_many([scenario, halt], members=128, workers=2)
    assert_identical(flowsim.run(scenario, members=128), together[0])
    assert_identical(flowsim.run(halt, members=128), together[1])


def test_cli_runs_a_sweep_file_into_one_folder_per_scenario(tmp_path: Path) -> None:
    sweep = ROOT / "scenarios" / "pos2_50bcm.toml"
    result = CliRunner().invoke(
        cli,
        ["run", f"{sweep}#*", "--out", str(tmp_path), "--no-figures", "--format", "nc", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    names = [flowsim.load_scenario(sweep).name] + [
        flowsim.load_scenario(sweep, n).name for n in ("never", "start_2033", "mongolia_halt")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        saved = flowsim.open_result(tmp_path / name / "results.nc")
        assert saved.annual.attrs["scenario_name"] == name


def test_cli_refuses_two_scenarios_with_one_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(SCENARIO), str(SCENARIO), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "scenario named more than once" in result.output


def test_a_run_streamed_to_a_file_equals_the_run_in_memory(
    scenario: flowsim.Scenario, serial: flowsim.Result, tmp_path: Path
) -> None:
    path = tmp_path / "streamed.nc"
    result = flowsim.run(scenario, members=MEMBERS, block_size=64, workers=2, file=path)
    assert_identical(serial, result)
    assert_identical(serial, flowsim.open_result(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streamed.nc"]


def test_an_interrupted_streamed_run_leaves_no_file(
    scenario: flowsim.Scenario, tmp_path: Path
) -> None:
    def interrupt_late(done: int, total: int) -> None:
        if done >= 128:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flowsim.run(
            scenario,
            members=MEMBERS,
            block_size=64,
            file=tmp_path / "x.nc",
            progress=interrupt_late,
        )
    assert list(tmp_path.iterdir()) == []


def test_cli_stream_writes_the_same_results_file(tmp_path: Path) -> None:
    args = ["run", str(SCENARIO), "--members", "128", "--no-figures", "--quiet"]
    runner = CliRunner()
    assert runner.invoke(cli, [*args, "--out", str(tmp_path / "memory")]).exit_code == 0
    streamed = runner.invoke(cli, [*args, "--out", str(tmp_path / "stream"), "--stream"])
    assert streamed.exit_code == 0, streamed.output
    assert_identical(
        flowsim.open_result(tmp_path / "memory" / "results.nc"),
        flowsim.open_result(tmp_path / "stream" / "results.nc"),
    )
    assert sorted(p.name for p in (tmp_path / "stream").iterdir()) == sorted(
        p.name for p in (tmp_path / "memory").iterdir()
    )


def test_a_result_too_large_for_memory_is_refused_unless_streamed(
    monkeypatch: pytest.MonkeyPatch, scenario: flowsim.Scenario, tmp_path: Path
) -> None:
    from flowsim import simulate

    monkeypatch.setattr(simulate, "_physical_memory", lambda: 4 << 20)  # 4 MiB machine
    with pytest.raises(FlowsimError, match=r"more than half .* stream the results to a file"):
        flowsim.run(scenario, members=640)
    streamed = flowsim.run(scenario, members=640, file=tmp_path / "big.nc")
    assert streamed.annual.sizes["member"] == 640


def test_a_failed_streamed_cli_run_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fail(spec: object, placement: flowsim.Placement, **kwargs: object) -> None:
        for file in placement.files:
            assert file is not None
            file.write_bytes(b"half a result")
        raise FlowsimError("worker lost")

    monkeypatch.setattr(simulate, "execute", fail)
    out = tmp_path / "new" / "folder"
    result = CliRunner().invoke(cli, ["run", str(SCENARIO), "--stream", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == "flowsim: worker lost\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_on_a_dask_local_cluster_cancels_and_closes_it(
    scenario: flowsim.Scenario,
) -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with pytest.raises(KeyboardInterrupt):
        flowsim.run(
            scenario, members=4096, scheduler="local", workers=2, block_size=64, progress=interrupt
        )
    deadline = time.monotonic() + 15
    while {p.pid for p in psutil.Process().children(recursive=True)} - before:
        assert time.monotonic() < deadline, "Dask worker processes still running after Ctrl-C"
        time.sleep(0.2)
