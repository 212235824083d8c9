"""Atomic file output: a file is complete under its final name, or absent.

Every temporary file or folder flowsim makes beside its output ("staging")
has a name starting with :data:`STAGING_PREFIX`, followed by the host and the
process id that made it. Whatever stop Python sees (an error, Ctrl-C,
SIGTERM) removes it; what a process killed outright (SIGKILL, power loss)
left behind, :func:`remove_stale_staging` removes on the next run into that
folder, once that process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = [
    "STAGING_PREFIX",
    "atomic_path",
    "remove_stale_staging",
    "signals_deferred",
    "staging_prefix",
    "write_text_atomic",
]

STAGING_PREFIX = ".flowsim-staging-"
"""How the name of every temporary file or folder flowsim writes starts."""

_STAGING = re.compile(
    re.escape(STAGING_PREFIX) + r"(?P<host>[A-Za-z0-9_.]*)-(?P<pid>[0-9]+)-[A-Za-z0-9_]+(\..*)?"
)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:64]


def staging_prefix() -> str:
    """``.flowsim-staging-HOST-PID-``: the start of this process's staging names."""
    return f"{STAGING_PREFIX}{_host()}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's process, alive
        return True
    return True


def remove_stale_staging(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove staging in ``folder`` whose process (on this host) is gone; returns what went.

    Staging of a live process, or of another host (a shared file system), is
    left alone.
    """
    removed: list[Path] = []
    host = _host()
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _STAGING.fullmatch(entry.name)
        if match is None or match["host"] != host or _alive(int(match["pid"])):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while inside; they take effect on the way out.

    For the few renames that put a run's files in place: an interrupt then
    comes before them or after them, never between two. Only in the main
    thread (the only one Python runs signal handlers in).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    held = (signal.SIGINT, signal.SIGTERM)
    previous: dict[int, Any] = {s: signal.signal(s, hold) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for s in dict.fromkeys(caught):
            signal.raise_signal(s)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only on success.

    Whatever interrupts the block (an error, Ctrl-C) removes the temporary file
    and leaves any existing ``target`` untouched.
    """
    final = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=staging_prefix(), suffix=".tmp", dir=final.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)
