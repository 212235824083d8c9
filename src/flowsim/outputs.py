"""The files of a run: data, the resolved scenario, figures; written all or nothing.

Everything is first written into a hidden temporary folder beside the
results; only when all files are complete are they moved into place. Files a
previous run wrote (listed in ``flowsim-manifest.txt``) that this run does not
produce are removed, so no stale file is passed off as new. An error or Ctrl-C
before the move leaves the output folder as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from flowsim.errors import FlowsimError
from flowsim.io import write_text_atomic
from flowsim.results import Result
from flowsim.scenario.schema import Scenario

__all__ = ["FORMATS", "MANIFEST", "write_outputs"]

FORMATS = ("nc", "csv", "iamc")
"""Data formats: netCDF of all annual values, summary CSV, IAMC CSV."""

MANIFEST = "flowsim-manifest.txt"


def _figures(result: Result, folder: Path) -> list[Path]:
    from flowsim import plots

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
    return written


def _produce(
    result: Result,
    scenario: Scenario,
    folder: Path,
    formats: Iterable[str],
    figures: bool,
    streamed: Path | None,
) -> None:
    from flowsim.simulate import scenario_toml
    from flowsim.tables import iamc_frame, summary_frame

    formats = set(formats)
    if "nc" in formats and streamed is not None:
        os.replace(streamed, folder / "results.nc")
    elif "nc" in formats:
        result.to_netcdf(folder / "results.nc")
    if "csv" in formats:
        write_text_atomic(folder / "summary.csv", summary_frame(result).to_csv(index=False))
    if "iamc" in formats:
        write_text_atomic(folder / "iamc.csv", iamc_frame(result).to_csv(index=False))
    write_text_atomic(folder / "scenario.toml", scenario_toml(scenario))
    if result.trace is not None:
        write_text_atomic(folder / "trace.csv", result.trace.to_csv(index=False))
    if figures:
        (folder / "figures").mkdir()
        _figures(result, folder / "figures")


def write_outputs(
    result: Result,
    scenario: Scenario,
    folder: str | os.PathLike[str],
    *,
    formats: Iterable[str] = FORMATS,
    figures: bool = True,
    streamed: Path | None = None,
) -> list[Path]:
    """Write a run's files into ``folder``; returns them, relative to it, sorted.

    ``streamed``: the result's netCDF file, already written block by block
    (``flowsim.run(file=...)``); it becomes ``results.nc`` instead of a new copy.
    """
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".flowsim-", dir=target))
    except OSError as exc:
        raise FlowsimError(f"cannot create output folder {target}: {exc.strerror or exc}") from None
    try:
        _produce(result, scenario, staging, formats, figures, streamed)
        new = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        old = _manifest(target)
        for relative in new:  # check before moving anything, so a failure changes nothing
            if (target / relative).is_dir():
                raise IsADirectoryError(21, "a folder is in the way", str(target / relative))
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
