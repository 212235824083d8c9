"""``flowsim run``: options, output folders, sweeps, streaming, errors, and the installed command.

The end-to-end tests run ``python -m flowsim.cli`` in a subprocess; the Ctrl-C
one waits for the run's progress bar before interrupting it, and then for the
process to end, never for a fixed time.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from rich.console import Console

import flowsim
from flowsim import executors, simulate
from flowsim.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_INVALID_SCENARIO, cli
from flowsim.cli.render import routes_table, summary_table
from flowsim.errors import FlowsimError

from .conftest import (
    DATA,
    MONTE_CARLO,
    SCENARIOS,
    SHIPPED,
    assert_identical,
    tiny_doc,
)

BASE = DATA / "malformed" / "_base.toml"


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the command line in this process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_a_table_and_writes_results(tmp_path: Path) -> None:
    """`flowsim run` prints delivered volumes per route and writes results.nc and scenario.toml."""
    code, out, err = run("run", str(BASE), "--out", str(tmp_path / "out"), "--no-figures")
    assert code == 0, err
    assert "pipe" in out
    assert "gas demand" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "flowsim-manifest.txt",
        "iamc.csv",
        "results.nc",
        "scenario.toml",
        "summary.csv",
    ]
    result = flowsim.open_result(tmp_path / "out" / "results.nc")
    assert result.annual.attrs["scenario_name"] == "base"
    assert flowsim.load_scenario(tmp_path / "out" / "scenario.toml").routes.keys() == {
        "pipe",
        "spur",
    }


def test_run_ensemble_reports_median_and_shortfall_probability(tmp_path: Path) -> None:
    """With members > 1 the table says it shows medians and adds P(shortfall) rows."""
    code, out, _ = run(
        "run",
        f"{BASE}#late_start",
        "--members",
        "5",
        "--format",
        "nc",
        "--no-figures",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert "median of 5 members" in " ".join(out.split())
    assert "gas P(shortfall)" in out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_run_tables_render_for_every_shipped_scenario(
    path: Path, shipped_run: Callable[[str, int], flowsim.Result]
) -> None:
    """The tables `flowsim run` prints render for a two-member run of each shipped scenario."""
    result = shipped_run(path.stem, 2)
    console = Console(width=200, record=True)
    console.print(summary_table(result))
    console.print(routes_table(result))
    text = " ".join(console.export_text().split())
    assert "median of 2 members" in text
    for route in result.annual.route.values:
        assert str(route) in text


def test_run_rejects_an_invalid_scenario_with_exit_3(tmp_path: Path) -> None:
    """An invalid scenario stops `flowsim run` before anything is written."""
    bad = DATA / "malformed" / "negative_capacity.toml"
    code, _, err = run("run", str(bad), "--out", str(tmp_path / "out"))
    assert code == EXIT_INVALID_SCENARIO
    assert "capacity[1].value: must be >= 0 (got -3)" in err
    assert not (tmp_path / "out").exists()


def test_run_with_an_impossible_output_folder_fails_clearly(tmp_path: Path) -> None:
    """An --out folder that cannot be created is one error line and exit 1."""
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code, _, err = run("run", str(BASE), "--out", str(blocker / "out"), "--quiet")
    assert code == EXIT_FAILURE
    assert err.startswith(f"flowsim: cannot create output folder {blocker / 'out'}")


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    """--format xlsx is refused before anything runs."""
    result = CliRunner().invoke(
        cli,
        ["run", str(SCENARIOS / "reference.toml"), "--format", "nc,xlsx", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "unknown format xlsx" in result.output
    assert not any(tmp_path.iterdir())


def test_cli_runs_a_sweep_file_into_one_folder_per_scenario(tmp_path: Path) -> None:
    """FILE#* runs the file's scenario and each named one, each into its own folder."""
    sweep = SCENARIOS / "pos2_50bcm.toml"
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
    """Two scenarios that would write into one folder are a usage error."""
    result = CliRunner().invoke(
        cli, ["run", str(MONTE_CARLO), str(MONTE_CARLO), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "scenario named more than once" in result.output


def test_cli_stream_writes_the_same_results_file(tmp_path: Path) -> None:
    """--stream writes the same results.nc and tables, block by block, as a run in memory."""
    args = ["run", str(MONTE_CARLO), "--members", "70", "--block-size", "32"]
    args += ["--format", "nc,iamc", "--no-figures", "--quiet"]
    runner = CliRunner()
    memory = runner.invoke(cli, [*args, "--out", str(tmp_path / "memory")])
    assert memory.exit_code == 0, memory.output
    streamed = runner.invoke(cli, [*args, "--out", str(tmp_path / "stream"), "--stream"])
    assert streamed.exit_code == 0, streamed.output
    assert_identical(
        flowsim.open_result(tmp_path / "memory" / "results.nc"),
        flowsim.open_result(tmp_path / "stream" / "results.nc"),
    )
    assert sorted(p.name for p in (tmp_path / "stream").iterdir()) == sorted(
        p.name for p in (tmp_path / "memory").iterdir()
    )
    iamc = "iamc.csv"
    assert (tmp_path / "stream" / iamc).read_text() == (tmp_path / "memory" / iamc).read_text()


def test_a_failed_streamed_cli_run_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A run that fails after streaming began removes the half file and the folders it made."""

    def fail(spec: object, placement: flowsim.Placement, **kwargs: object) -> None:
        for file in placement.files:
            assert file is not None
            file.write_bytes(b"half a result")
        raise FlowsimError("worker lost")

    monkeypatch.setattr(simulate, "execute", fail)
    out = tmp_path / "new" / "folder"
    result = CliRunner().invoke(cli, ["run", str(MONTE_CARLO), "--stream", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == "flowsim: worker lost\n"
    assert list(tmp_path.iterdir()) == []


def test_unreachable_scheduler_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """--scheduler at an address nobody listens at: one line naming it, exit 1, no folder."""
    # The wait is CONNECT_TIMEOUT's business (test_executors.py); shorten it here.
    # DaskExecutor binds it as a default argument at import, so patch that too.
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(executors.DaskExecutor.__init__, "__defaults__", (None, 1.0))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    result = CliRunner().invoke(
        cli, ["run", str(MONTE_CARLO), "--scheduler", address, "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"flowsim: cannot reach the Dask scheduler at {address}")
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


# --- the installed command, in a subprocess ---------------------------------------


def run_installed(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m flowsim.cli ARGS`` in a subprocess (at most five minutes)."""
    return subprocess.run(
        [sys.executable, "-m", "flowsim.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_run_as_a_subprocess_writes_figures(tmp_path: Path) -> None:
    """The installed entry point writes each figure as PNG and SVG next to the data."""
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(tomli_w.dumps(tiny_doc()), encoding="utf-8")
    out = tmp_path / "out"
    proc = run_installed("run", str(scenario), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    figures = sorted(p.name for p in (out / "figures").iterdir())
    stems = ("capacity_vs_delivered_gas", "deliveries_gas", "share_of_demand_gas")
    assert figures == sorted(f"{stem}.{kind}" for stem in stems for kind in ("png", "svg"))
    assert (out / "figures" / "deliveries_gas.png").read_bytes().startswith(b"\x89PNG")
    assert (
        "Gas deliveries to China by route" in (out / "figures" / "deliveries_gas.svg").read_text()
    )


def test_interrupted_run_leaves_no_result_file(tmp_path: Path) -> None:
    """Ctrl-C during an ensemble exits 130 with one line, and writes nothing."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "flowsim.cli", "run", str(MONTE_CARLO), "--engine", "des"]
    command += ["--members", "400", "--out", str(out)]
    terminal, stderr = pty.openpty()  # stderr a terminal: the progress bar shows
    environment = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=environment,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # even if ignored here
    )
    os.close(stderr)
    try:
        # The run is under way once the progress bar is drawn.
        shown = read_until(terminal, b"members")
        assert b"members" in shown, f"no progress bar: {shown!r}"
        proc.send_signal(signal.SIGINT)
        shown += read_until(terminal, None)  # to the end of the process's output
        proc.wait(timeout=300)  # a safety net: the run takes minutes uninterrupted
    finally:
        os.close(terminal)
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED
    lines = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown).decode().splitlines()
    assert [line.strip() for line in lines if line.strip()][-1:] == ["flowsim: interrupted"]
    assert "Traceback" not in "".join(lines)
    assert not out.exists()


def read_until(terminal: int, marker: bytes | None, timeout: float = 300) -> bytes:
    """What the process writes to ``terminal`` until ``marker`` (None: until it closes it).

    Gives up after ``timeout`` seconds (a safety net).
    """
    seen = b""
    deadline = time.monotonic() + timeout
    while marker is None or marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([terminal], [], [], left)[0]:
            break
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        seen += chunk
    return seen


# --- where output goes: only --out and a sanitised scenario name -------------------

NASTY = [
    "../../x",
    "..",
    ".",
    "/ABSOLUTE",
    "a/b",
    "..\\..\\x",
    ".hidden",
    "~",
    "line\nbreak",
    "",
    " ",
    "名前/../../y",
    "x" * 300,
]


def files_below(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("several", [False, True], ids=["default-out", "out-and-sweep"])
@pytest.mark.parametrize("nasty", NASTY, ids=lambda n: repr(n)[:20])
def test_no_scenario_name_writes_outside_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nasty: str, several: bool
) -> None:
    """A scenario name is one safe path component of its output folder, never a path."""
    sandbox = tmp_path / "a" / "b" / "sandbox"
    sandbox.mkdir(parents=True)
    nasty = nasty.replace("/ABSOLUTE", str(tmp_path / "absolute"))
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    paths = []
    for i, name in enumerate([nasty, "plain"] if several else [nasty]):
        path = scenarios / f"s{i}.toml"
        path.write_text(tomli_w.dumps({**tiny_doc(), "name": name}), encoding="utf-8")
        paths.append(str(path))
    monkeypatch.chdir(sandbox)
    before = files_below(tmp_path)
    chosen = sandbox / "chosen" if several else sandbox / "flowsim-out"
    args = ["run", *paths, "--quiet", "--no-figures", "--format", "nc"]
    result = CliRunner().invoke(cli, args + (["--out", str(chosen)] if several else []))
    assert result.exit_code in (0, EXIT_INVALID_SCENARIO), result.output
    created = files_below(tmp_path) - before
    assert all(chosen in p.parents for p in created), sorted(created)
    if result.exit_code == 0:
        folders = {p.relative_to(chosen).parts[0] for p in created}
        assert len(folders) == len(paths)
        assert all(not f.startswith(".") and f not in ("", "..") for f in folders)


def test_an_empty_out_or_format_is_a_usage_error(tmp_path: Path) -> None:
    """--out '' (the current folder, by mistake) and --format '' (no data): exit 2, no change."""
    out = tmp_path / "out"
    args = ["run", str(BASE), "--quiet", "--no-figures"]
    assert run(*args, "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, _, err = run(*args, "--out", "")
    assert code == 2
    assert "--out" in err
    code, _, err = run(*args, "--out", str(out), "--format", "")
    assert code == 2
    assert "choose at least one of nc, csv, iamc" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize("where", ["file", "below-a-file"])
def test_an_output_folder_that_cannot_be_written_fails_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """--out naming a file (or a folder below one): one line, exit 1, nothing simulated."""

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("simulated although the output folder cannot be written")

    monkeypatch.setattr(simulate, "execute", never)
    blocker = tmp_path / "a_file"
    blocker.write_text("mine")
    out = blocker if where == "file" else blocker / "out"
    code, stdout, err = run("run", str(BASE), "--out", str(out), "--quiet")
    assert (code, stdout) == (EXIT_FAILURE, "")
    assert err.startswith(f"flowsim: cannot create output folder {out}: ")
    assert len(err.splitlines()) == 1
    assert blocker.read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_fails_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder without write permission: one line, exit 1, nothing simulated."""

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("simulated although the output folder cannot be written")

    monkeypatch.setattr(simulate, "execute", never)
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        code, _, err = run("run", str(BASE), "--out", str(out), "--quiet")
    finally:
        out.chmod(0o700)
    assert code == EXIT_FAILURE
    assert err == f"flowsim: cannot write to output folder {out}: Permission denied\n"


def test_a_route_that_never_flows_is_noted_on_stderr(tmp_path: Path) -> None:
    """historical.toml's unbuilt lines get one note; so does the reference's western-port lane,
    which the plans gave no volume (it is there to compare with historical.toml)."""
    done = CliRunner().invoke(
        cli,
        ["run", "historical", "--out", str(tmp_path / "h"), "--no-figures", "--quiet"],
    )
    assert done.exit_code == 0, done.output
    notes = [line for line in done.stderr.splitlines() if "note:" in line]
    assert notes == [
        "flowsim: note: historical: routes with no capacity in 2006-2025 (they never flow): "
        "altai, central_asia_gas_line_d, tianjin_crude"
    ]
    assert flowsim.open_result(tmp_path / "h" / "results.nc").annual.attrs["idle_routes"] == (
        "altai, central_asia_gas_line_d, tianjin_crude"
    )
    done = CliRunner().invoke(
        cli,
        ["run", "reference", "--out", str(tmp_path / "r"), "--no-figures", "--quiet"],
    )
    notes = [line for line in done.stderr.splitlines() if "note:" in line]
    assert notes == [
        "flowsim: note: reference: routes with no capacity in 2015-2050 (they never flow): "
        "russia_west_crude"
    ]


def test_printed_tables_keep_route_ids_whole_and_show_no_nan_at_80_columns() -> None:
    """At 80 columns every route id prints whole, and an unbuilt route shows '-', not 'nan%'."""
    result = flowsim.run(f"{SCENARIOS / 'pos2_50bcm.toml'}#never", members=1)
    console = Console(width=80, record=True)
    console.print(summary_table(result))
    console.print(routes_table(result))
    text = console.export_text()
    assert "nan" not in text
    for route in result.annual.route.values:
        assert f"│ {route} " in text
    (altai,) = [line for line in text.splitlines() if line.startswith("│ altai ") and "bcm" in line]
    assert "│           - │" in altai


def test_a_run_of_hours_is_refused_with_the_option_that_allows_it(tmp_path: Path) -> None:
    """A 100,000-member DES run: one line with the estimate and --max-hours, exit 1, no folder."""
    out = tmp_path / "out"
    args = ["run", str(MONTE_CARLO), "--engine", "des", "--members", "100000", "--out", str(out)]
    code, stdout, err = run(*args)
    assert (code, stdout) == (EXIT_FAILURE, "")
    assert re.fullmatch(
        r"flowsim: this run would take about \d+ hours here \(100,000 members x 36 years x "
        r"13 routes, des\), more than the 2 h allowed: the core engine, fewer members, or a "
        r"higher limit \(--max-hours \d+; in Python max_hours=\d+\)\n",
        err,
    )
    assert not out.exists()
    code, _, err = run(*args[:-2], "--max-hours", "0", "--out", str(out))
    assert code == 2
    assert "--max-hours" in err


def test_without_a_working_numba_the_run_notes_it_and_uses_numpy(tmp_path: Path) -> None:
    """A numba that fails to import (say, built for another numpy): one note, numpy, exit 0."""
    fake = tmp_path / "site" / "numba"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("built for another numpy")\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    out = tmp_path / "out"
    done = run_installed("run", str(BASE), "--out", str(out), "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        "flowsim: note: numba does not import (built for another numpy): "
        "using the numpy engine (slower)"
    )
    assert "Traceback" not in done.stderr
    assert flowsim.open_result(out / "results.nc").annual.attrs["engine"] == "numpy"


@pytest.mark.parametrize(
    ("engine", "members", "expected"),
    [("numpy", 130, 2), ("numpy", 64, None), ("numba", 130, None)],
)
def test_a_numpy_run_of_several_blocks_uses_every_cpu_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: str, members: int, expected: int | None
) -> None:
    """Without --workers, a numpy run of two or more blocks runs in one process per CPU;
    one block, or numba (which runs its own threads), stays in this process."""
    chosen: list[int | None] = []

    def record(workers: int | None = None, scheduler: str | None = None) -> executors.Executor:
        chosen.append(workers)
        return executors.SerialExecutor()

    monkeypatch.setattr(simulate, "make_executor", record)
    monkeypatch.setattr(executors, "cpu_count", lambda: 2)
    args = ["run", str(BASE), "--engine", engine, "--members", str(members), "--block-size", "64"]
    code, _, err = run(*args, "--out", str(tmp_path / "o"), "--quiet", "--no-figures")
    assert code == 0, err
    assert chosen == [expected]


def test_the_summary_warns_of_outputs_whose_members_form_groups(
    tiny_result: flowsim.Result,
) -> None:
    """60 members of the tiny scenario whose pipe delivers 0 or its full flow in 2024 (half
    each): the summary names the pipe and the gas total in 2024 only; one member, none."""
    import numpy as np
    import xarray as xr

    one = tiny_result.annual
    annual = xr.concat([one] * 60, dim="member").assign_coords(member=np.arange(60))
    delivered = annual.delivered.values.copy()
    delivered[::2, 1] = 0.0  # 2024: every other member gets nothing
    annual["delivered"] = annual.delivered.copy(data=delivered)

    def printed(result: flowsim.Result) -> str:
        console = Console(width=200, record=True)
        console.print(summary_table(result))
        return " ".join(console.export_text().split())

    text = printed(flowsim.Result(annual))
    assert "separate groups (two or more modes) in pipe 2024; gas delivered total 2024." in text
    assert "the median and the P10-P90 band describe none of the groups" in text
    assert "Warning" not in printed(tiny_result)


def test_given_prints_the_members_whose_draws_meet_it(tmp_path: Path) -> None:
    """--given spare_never_built=true: the tables say so and count those members only;
    results.nc keeps every member."""
    from .test_attribution import KNOWN

    scenario = tmp_path / "known.toml"
    scenario.write_text(KNOWN)
    args = ["run", str(scenario), "--members", "64", "--no-figures", "--out", str(tmp_path / "o")]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, [*args, "--given", "spare_never_built=true"]
    )
    assert result.exit_code == 0, result.output
    happened = flowsim.open_result(tmp_path / "o" / "results.nc").annual.shock_happened
    count = int(happened.sel(shock="spare_never_built").sum())
    assert 0 < count < 64
    words = " ".join(result.output.split())  # the title wraps to the table's width
    assert f"median of {count} members given spare_never_built=true" in words
    bad = CliRunner().invoke(cli, [*args, "--given", "spare_never_built"])
    assert bad.exit_code == 2
    assert "NAME=VALUE" in bad.output
