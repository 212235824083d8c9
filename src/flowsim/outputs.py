"""The files of a run: data, the resolved scenario, figures; written all or nothing.

Everything is first written into a hidden staging folder inside the output
folder (``.flowsim-staging-HOST-PID-XXXX``, see :mod:`flowsim.io`); only when
all files are complete are they moved into place, with Ctrl-C and SIGTERM held
for those few renames. Files a
previous run wrote (listed in ``flowsim-manifest.txt``) that this run does not
produce are removed, so no stale file is passed off as new. An error or Ctrl-C
before the move leaves the output folder as it was; staging a killed run left
is removed by the next run into the folder.

Output folders are named by the user (``--out``) or by :func:`safe_name` of a
scenario name, one path component that cannot lead outside its parent.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.errors import FlowsimError
from flowsim.io import remove_stale_staging, signals_deferred, staging_prefix, write_text_atomic
from flowsim.results import Result
from flowsim.scenario.tree import Scenario

if TYPE_CHECKING:
    from flowsim.backtest import Backtest
    from flowsim.bench import Measurement
    from flowsim.compare import Comparison

__all__ = [
    "FORMATS",
    "MANIFEST",
    "REPORT",
    "output_folders",
    "safe_name",
    "write_backtest",
    "write_comparison",
    "write_outputs",
    "write_report",
    "write_scaling",
]

FORMATS = ("nc", "csv", "iamc")
"""Data formats: netCDF of all annual values, summary CSV, IAMC CSV."""

MANIFEST = "flowsim-manifest.txt"

REPORT = "report.html"
"""The HTML report's name in an output folder (:mod:`flowsim.report`)."""

_NAME_LENGTH = 100


def safe_name(name: str) -> str:
    """``name`` as one safe path component: for an output folder named after a scenario.

    Letters (any script), digits, ``-``, ``_``, ``.`` and ``#`` stay; anything
    else (``/``, ``\\``, spaces, control characters) becomes ``_``, and so
    does a leading dot. Never empty, ``.`` or ``..``; at most 100 characters.
    """
    kept = "".join(
        c if c in "-_.#" or c in "0123456789" or unicodedata.category(c).startswith("L") else "_"
        for c in unicodedata.normalize("NFC", name)
    )[:_NAME_LENGTH]
    if kept.startswith("."):
        kept = "_" + kept[1:]
    return kept or "_"


def _figures(result: Result, folder: Path) -> list[Path]:
    from flowsim import plots, plots_value

    members = result.annual.sizes["member"]
    written: list[Path] = []
    for commodity in (str(c) for c in result.annual.commodity.values):
        for name, figure in (
            ("deliveries", plots.deliveries),
            ("share_of_demand", plots.share_of_demand),
            ("capacity_vs_delivered", plots.capacity_vs_delivered),
        ):
            written += plots.save(figure(result, commodity), folder / f"{name}_{commodity}")
        if members > 1:
            written += plots.save(
                plots.fan(result, commodity=commodity), folder / f"fan_{commodity}"
            )
    if members > 1:
        for route in (str(r) for r in result.annual.route.values):
            written += plots.save(plots.fan(result, route=route), folder / f"fan_{route}")
    for stem, drawn in plots_value.figures(result):  # runs with priced routes only
        written += plots.save(drawn, folder / stem)
    return written


def _produce(
    result: Result,
    scenario: Scenario,
    folder: Path,
    formats: Iterable[str],
    figures: bool,
    streamed: Path | None,
    units: str,
    report: str | None,
) -> None:
    from flowsim.tables import iamc_frame, summary_frame

    formats = set(formats)
    if report is not None:
        write_text_atomic(folder / REPORT, report)
    if "nc" in formats and streamed is not None:
        os.replace(streamed, folder / "results.nc")
    elif "nc" in formats:
        result.to_netcdf(folder / "results.nc")
    if "csv" in formats:
        table = summary_frame(result, units=units)
        write_text_atomic(folder / "summary.csv", table.to_csv(index=False))
    if "iamc" in formats:
        write_text_atomic(folder / "iamc.csv", iamc_frame(result, units=units).to_csv(index=False))
    write_text_atomic(folder / "scenario.toml", scenario.to_toml())
    if result.trace is not None:
        write_text_atomic(folder / "trace.csv", result.trace.to_csv(index=False))
    if figures:
        (folder / "figures").mkdir()
        _figures(result, folder / "figures")


@contextlib.contextmanager
def output_folders(
    folders: Sequence[Path],
    *,
    stream: bool = False,
    on_stale: Callable[[Path, list[Path]], None] | None = None,
) -> Iterator[list[Path]]:
    """Make the output ``folders`` and check they can be written, before a run.

    Raises a FlowsimError naming the first folder that cannot be made or
    written. Staging that killed runs left in a folder is removed, and
    reported to ``on_stale(folder, removed)``. Yields, with ``stream``, a
    staging file per folder to stream results into (else no files).

    On the way out the staging files are gone (moved into place or removed),
    and so are the folders made here if nothing was written into them.
    """
    made: list[Path] = []
    files: list[Path] = []
    try:
        for folder in folders:
            made += [p for p in (folder, *folder.parents) if not p.exists()][::-1]
            _writable(folder)
            removed = remove_stale_staging(folder)
            if removed and on_stale is not None:
                on_stale(folder, removed)
            if stream:
                files.append(folder / f"{staging_prefix()}{secrets.token_hex(4)}.streaming.nc")
        yield files
    finally:
        for file in files:
            file.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty


def _writable(folder: Path) -> None:
    """Make ``folder`` if needed and check a file can be made in it."""
    if folder.exists() and not folder.is_dir():
        raise FlowsimError(f"cannot create output folder {folder}: a file of that name exists")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlowsimError(f"cannot create output folder {folder}: {exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=staging_prefix(), suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise FlowsimError(
            f"cannot write to output folder {folder}: {exc.strerror or exc}"
        ) from None


def write_outputs(
    result: Result,
    scenario: Scenario,
    folder: str | os.PathLike[str],
    *,
    formats: Iterable[str] = FORMATS,
    figures: bool = True,
    streamed: Path | None = None,
    units: str = "native",
    report: str | None = None,
) -> list[Path]:
    """Write a run's files into ``folder``; returns them, relative to it, sorted.

    ``streamed``: the result's netCDF file, already written block by block
    (``flowsim.run(file=...)``); it becomes ``results.nc`` instead of a new copy.
    ``units``: volumes of summary.csv and iamc.csv in the commodity's own unit
    (``native``) or in energy (:data:`flowsim.units.ENERGY_UNITS`).
    ``report``: the run's HTML report (:func:`flowsim.report.run_report`), written as
    ``report.html`` with the other files.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise FlowsimError(f"cannot create output folder {target}: a file of that name exists")
    try:
        target.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(target)
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix(), dir=target))
    except OSError as exc:
        raise FlowsimError(f"cannot create output folder {target}: {exc.strerror or exc}") from None
    try:
        _produce(result, scenario, staging, formats, figures, streamed, units, report)
        new = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        old = _manifest(target)
        for relative in new:  # check before moving anything, so a failure changes nothing
            if (target / relative).is_dir():
                raise IsADirectoryError(21, "a folder is in the way", str(target / relative))
        with signals_deferred():  # an interrupt comes before the renames or after them
            for relative in new:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / relative, target / relative)
            for relative in sorted(set(old) - set(new)):
                (target / relative).unlink(missing_ok=True)
                if relative.parent != Path() and not any((target / relative.parent).iterdir()):
                    (target / relative.parent).rmdir()
            write_text_atomic(target / MANIFEST, "".join(f"{p.as_posix()}\n" for p in new))
    except OSError as exc:
        raise FlowsimError(f"cannot write results to {target}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if streamed is not None:
            streamed.unlink(missing_ok=True)
    return new


def _manifest(folder: Path) -> list[Path]:
    """The files the previous run wrote into ``folder`` (none if there is no manifest)."""
    try:
        lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [
        Path(line) for line in lines if line and not Path(line).is_absolute() and ".." not in line
    ]


def write_report(folder: str | os.PathLike[str], html: str) -> Path:
    """Write ``html`` to ``folder/report.html`` atomically; returns its path. In a run's
    folder the manifest lists it too, so a later run without a report removes it."""
    target = _folder(Path(folder), "the report")
    try:
        path = write_text_atomic(target / REPORT, html)
        listed = _manifest(target)
        if (target / MANIFEST).is_file() and Path(REPORT) not in listed:
            lines = "".join(f"{p.as_posix()}\n" for p in sorted([*listed, Path(REPORT)]))
            write_text_atomic(target / MANIFEST, lines)
    except OSError as exc:
        raise FlowsimError(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    return path


def _folder(folder: Path, what: str) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlowsimError(
            f"cannot create folder for {what} {folder}: {exc.strerror or exc}"
        ) from None
    return folder


def write_comparison(comparison: Comparison, folder: Path) -> None:
    """comparison.csv and an overlay and a difference figure per commodity, into ``folder``."""
    from flowsim.plots import save

    _folder(folder, "the comparison")
    try:
        write_text_atomic(folder / "comparison.csv", comparison.table.to_csv())
        for commodity in (str(c) for c in comparison.results[0].annual.commodity.values):
            save(comparison.overlay(commodity), folder / f"overlay_{commodity}")
            save(comparison.difference(commodity), folder / f"difference_{commodity}")
    except OSError as exc:
        raise FlowsimError(
            f"cannot write the comparison to {folder}: {exc.strerror or exc}"
        ) from None


def write_backtest(
    check: Backtest, result: Result, folder: Path, *, data: str, figures: bool = True
) -> None:
    """backtest.csv, backtest_stats.csv, calibration.csv (ensembles) and (``figures``) a
    figure per series, into ``folder``.

    ``data`` names the reported-flows file in the figures' footnotes.
    """
    from flowsim.plots import backtest as backtest_figure
    from flowsim.plots import calibration as calibration_figure
    from flowsim.plots import save

    _folder(folder, "the back-test")
    try:
        write_text_atomic(folder / "backtest.csv", check.table.to_csv(index=False))
        write_text_atomic(folder / "backtest_stats.csv", check.stats.to_csv(index=False))
        if check.calibration is not None:
            calibration = check.calibration.to_csv(index=False)
            write_text_atomic(folder / "calibration.csv", calibration)
            if figures:
                save(calibration_figure(check), folder / "calibration")
        if figures:
            for series in check.stats["series"]:
                save(backtest_figure(check, result, series, data), folder / f"backtest_{series}")
    except OSError as exc:
        raise FlowsimError(
            f"cannot write the back-test to {folder}: {exc.strerror or exc}"
        ) from None


def write_scaling(rows: list[Measurement], title: str, folder: Path) -> list[Path]:
    """scaling.csv and the scaling figure (PNG and SVG) into ``folder``; returns the files."""
    from flowsim.bench import axis_of, plot_scaling
    from flowsim.plots import save

    lines = ["axis,value,members,years,routes,seconds,member_years_per_s,peak_mib"]
    for r in rows:
        axis, value = axis_of(r)
        lines.append(
            f"{axis},{value},{r.spec.members},{r.years},{r.routes},{r.seconds:.4f},"
            f"{r.member_years_per_s:.1f},{r.peak_mib:.1f}"
        )
    _folder(folder, "the scaling runs")
    try:
        table = write_text_atomic(folder / "scaling.csv", "\n".join(lines) + "\n")
        return [table, *save(plot_scaling(rows, title), folder / "scaling")]
    except OSError as exc:
        raise FlowsimError(f"cannot write to {folder}: {exc.strerror or exc}") from None
