"""``flowsim report``: the HTML report of a run folder."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["report_command"]


@click.command("report")
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(file_okay=False, path_type=Path))
def report_command(run_dir: Path) -> None:
    """Write RUN_DIR/report.html, a self-contained HTML report of a folder written by
    flowsim run (from its results.nc): figures, tables, the scenario's cited
    assumptions and the provenance, in one file that loads nothing else.

    flowsim run --report writes the same report (with the run's time) as it runs.
    """
    from flowsim.outputs import write_report
    from flowsim.report import folder_report

    path = write_report(run_dir, folder_report(run_dir))
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
