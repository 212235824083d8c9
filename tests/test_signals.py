"""Stops from outside: SIGTERM and Ctrl-C stop cleanly, SIGKILL's debris goes next time.

The runs here are subprocesses that stop in the write phase: a small wrapper
around ``flowsim.cli.main`` lets the run write its staging folder, says so on
stderr and waits. The tests wait for that line (never for a fixed time), send
the signal and wait, with a timeout, for the process to end. Children get the
default SIGINT handler whatever this process inherited.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from flowsim.cli import cli
from flowsim.io import STAGING_PREFIX, remove_stale_staging, staging_prefix

from .conftest import tiny_doc

EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143
TIMEOUT = 120  # seconds: a safety net, never a delay

STALL = r"""
import sys, time
import flowsim.outputs as outputs

produce = outputs._produce

def stalled(result, scenario, folder, *args):
    produce(result, scenario, folder, *args)
    sys.stderr.write(f"staged {folder}\n")  # one write: the signal cannot split the line
    sys.stderr.flush()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.01)
    raise SystemExit("not stopped")

outputs._produce = stalled
from flowsim.cli import main

sys.argv[0] = "flowsim"
main()
"""


def default_sigint() -> None:
    """In the child before exec: Ctrl-C does what it does at a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], *, script: str = STALL, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
        env=env,
    )


def read_until(proc: subprocess.Popen[bytes], marker: bytes | None, timeout: float) -> bytes:
    """The child's stderr up to ``marker`` (None: to its end), waiting at most ``timeout``."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stderr, selectors.EVENT_READ)
        while marker is None or marker not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
    return seen


def finish(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=TIMEOUT)


def staging(folder: Path) -> list[str]:
    """Every staging entry below ``folder``."""
    return sorted(p.name for p in folder.rglob(f"{STAGING_PREFIX}*"))


def listing(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(tiny_doc()), encoding="utf-8")
    return path


def run_args(scenario: Path, out: Path, *extra: str) -> list[str]:
    return ["run", str(scenario), "--out", str(out), "--quiet", "--no-figures", *extra]


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGTERM, EXIT_TERMINATED, "flowsim: terminated"),
        (signal.SIGINT, EXIT_INTERRUPTED, "flowsim: interrupted"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
@pytest.mark.parametrize("stream", [False, True], ids=["memory", "stream"])
def test_a_signal_in_the_write_phase_stops_cleanly(
    scenario: Path, tmp_path: Path, signum: int, code: int, line: str, stream: bool
) -> None:
    """One line, the documented code, the earlier run's files as they were, no staging left."""
    out = tmp_path / "out"
    extra = ["--members", "3", "--stream"] if stream else []
    first = CliRunner().invoke(cli, run_args(scenario, out, "--format", "csv"))
    assert first.exit_code == 0, first.output
    before = listing(out)
    proc = start(run_args(scenario, out, *extra))
    try:
        shown = read_until(proc, b"staged ", TIMEOUT)
        assert b"staged " in shown, shown.decode(errors="replace")
        assert staging(out), "the run stopped before it staged anything"
        proc.send_signal(signum)
        shown += read_until(proc, None, TIMEOUT)
        proc.wait(timeout=TIMEOUT)
    finally:
        finish(proc)
    text = shown.decode()
    assert proc.returncode == code, text
    assert [s for s in text.splitlines() if s.strip()][-1] == line
    assert "Traceback" not in text
    assert staging(out) == []
    assert listing(out) == before


@pytest.mark.parametrize("stream", [False, True], ids=["memory", "stream"])
def test_the_run_after_a_sigkill_removes_its_staging(
    scenario: Path, tmp_path: Path, stream: bool
) -> None:
    """SIGKILL leaves staging; the next run into the folder removes it and says so in one line."""
    out = tmp_path / "out"
    extra = ["--members", "3", "--stream"] if stream else []
    proc = start(run_args(scenario, out, *extra))
    try:
        shown = read_until(proc, b"staged ", TIMEOUT)
        assert b"staged " in shown, shown.decode(errors="replace")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
    finally:
        finish(proc)
    assert staging(out), "SIGKILL left nothing: the test tests nothing"
    again = CliRunner().invoke(cli, run_args(scenario, out, *extra))
    assert again.exit_code == 0, again.output
    said = [s for s in again.stderr.splitlines() if "staging" in s]
    assert len(said) == 1
    assert re.fullmatch(
        r"flowsim: removed \d+ staging files? of a stopped earlier run from "
        + re.escape(f"{out}/"),
        said[0],
    )
    assert staging(out) == []
    assert sorted(listing(out)) == [
        "flowsim-manifest.txt",
        "iamc.csv",
        "results.nc",
        "scenario.toml",
        "summary.csv",
    ]


def test_staging_of_live_processes_and_other_hosts_is_kept(tmp_path: Path) -> None:
    """Only staging whose process is gone, on this host, is stale."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )
    gone = int(done.stdout)
    mine = tmp_path / f"{staging_prefix()}abc123"
    mine.mkdir()
    host = staging_prefix().removeprefix(STAGING_PREFIX).rsplit("-", 2)[0]
    dead = tmp_path / f"{STAGING_PREFIX}{host}-{gone}-x1y2"
    dead.mkdir()
    (dead / "results.nc").write_bytes(b"half")
    dead_file = tmp_path / f"{STAGING_PREFIX}{host}-{gone}-q9.streaming.nc"
    dead_file.write_bytes(b"half")
    elsewhere = tmp_path / f"{STAGING_PREFIX}otherhost-{gone}-zz"
    elsewhere.mkdir()
    other = tmp_path / ".flowsim-staging-notes.txt"  # not a staging name: left alone
    other.write_text("mine")
    assert sorted(remove_stale_staging(tmp_path)) == sorted([dead, dead_file])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, elsewhere.name, other.name]
    )


def flowsim_script() -> str | None:
    return shutil.which("flowsim", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(flowsim_script() is None, reason="the flowsim console script is not installed")
def test_ctrl_c_while_flowsim_loads_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C while the console script imports flowsim: exit 130 and no traceback.

    -X importtime's lines on stderr say how far the import is: the signal goes
    once numpy is loaded, well before main() runs.
    """
    script = flowsim_script()
    assert script is not None
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.Popen(
        [script, "validate", str(tmp_path / "none.toml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
        env=env,
    )
    try:
        shown = read_until(proc, b" numpy\n", TIMEOUT)
        assert b" numpy\n" in shown
        proc.send_signal(signal.SIGINT)
        shown += read_until(proc, None, TIMEOUT)
        proc.wait(timeout=TIMEOUT)
    finally:
        finish(proc)
    assert proc.returncode in (EXIT_INTERRUPTED, -signal.SIGINT)
    assert b"Traceback" not in shown
