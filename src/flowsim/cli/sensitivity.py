"""``flowsim sensitivity``: which uncertain inputs drive chosen outputs of a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from flowsim.cli.errors import report_stale
from flowsim.cli.options import (
    engine_option,
    figures_option,
    out_option,
    placement_options,
    seed_option,
)

if TYPE_CHECKING:
    from flowsim.attribution import Sensitivity

__all__ = ["sensitivity_command"]


@click.command("sensitivity")
@click.argument("scenario_path", metavar="SCENARIO")
@click.option(
    "--output",
    "outputs",
    multiple=True,
    required=True,
    metavar="VARIABLE:NAME:YEAR",
    help="An output to attribute, e.g. balancing:gas:2035 or delivered:altai:2035 "
    "(repeat for several).",
)
@click.option(
    "--method",
    type=click.Choice(["sobol", "morris"]),
    default="sobol",
    show_default=True,
    help="Sobol' first-order and total indices, or Morris elementary effects (a screen).",
)
@click.option(
    "--n",
    "base",
    type=click.IntRange(min=2),
    default=256,
    show_default=True,
    help="Sobol': base points, a power of 2 (runs: N x (inputs + 2)).",
)
@click.option(
    "--trajectories",
    type=click.IntRange(min=2),
    default=20,
    show_default=True,
    help="Morris: paths (runs: T x (inputs + 1)).",
)
@seed_option()
@engine_option()
@placement_options()
@out_option("Folder for sensitivity.csv, sensitivity.nc and tornado figures.")
@figures_option()
def sensitivity_command(
    scenario_path: str,
    outputs: tuple[str, ...],
    method: str,
    base: int,
    trajectories: int,
    seed: int | None,
    engine: str,
    workers: int | None,
    scheduler: str | None,
    block_size: int | None,
    out: Path | None,
    figures: bool,
) -> None:
    """Global sensitivity of OUTPUTs of SCENARIO to its uncertain inputs.

    The inputs are the uncertain figures drawn per member (capacity_factor,
    production_factor, level_factor), the drivers drawn per member, and the
    fixed-date shocks with a probability. Everything else random (outages,
    hazard shocks, demand noise, figures drawn each year) is replayed alike for
    the points of one base point: it adds noise, so indices sum to less than 1.
    Prints the inputs by importance per output and writes sensitivity.csv,
    sensitivity.nc and a tornado chart per output.
    """
    from flowsim.attribution import sensitivity
    from flowsim.errors import FlowsimError
    from flowsim.outputs import output_folders, safe_name
    from flowsim.scenario import load_scenario
    from flowsim.spec import Placement

    if method == "sobol" and base & (base - 1):
        raise click.BadParameter(f"must be a power of 2 (got {base})", param_hint="--n")
    scenario = load_scenario(scenario_path)
    folder = out or Path("flowsim-out") / f"{safe_name(scenario.name)}-sensitivity"
    with output_folders([folder], on_stale=report_stale):
        found = sensitivity(
            scenario,
            outputs,
            method=method,
            n=base,
            trajectories=trajectories,
            seed=seed,
            engine=engine,
            placement=Placement(workers=workers, scheduler=scheduler, block_size=block_size),
        )
        console = Console()
        for output in found.outputs:
            console.print(_table(found, str(output)))
        written = _write(found, folder, figures)
    if not written:  # pragma: no cover - every run writes the csv
        raise FlowsimError("nothing written")
    click.echo(f"wrote {folder}/: {', '.join(written)}")


def _table(found: Sensitivity, output: str) -> Table:
    """The inputs of one output, most important first."""
    rows = found.ranking(output)
    mean, sd = rows["mean"].iloc[0], rows["sd"].iloc[0]
    points = f"{found.evaluations} runs, seed {found.seed}"
    table = Table(
        title=f"What drives {output} (mean {mean:.2f}, sd {sd:.2f} over {points})",
        title_justify="left",
    )
    table.add_column("input")
    if found.method == "sobol":
        table.add_column("first-order [95% interval]", justify="right")
        table.add_column("total [95% interval]", justify="right")
        for name, row in rows.iterrows():
            table.add_row(
                str(name),
                f"{_index(row['first'])} [{_index(row['first_low'])}, {_index(row['first_high'])}]",
                f"{_index(row['total'])} [{_index(row['total_low'])}, {_index(row['total_high'])}]",
            )
    else:
        for column in ("mu*", "mu", "sigma"):
            table.add_column(column, justify="right")
        for name, row in rows.iterrows():
            table.add_row(
                str(name), f"{row['mu_star']:.2f}", f"{row['mu']:+.2f}", f"{row['sigma']:.2f}"
            )
    return table


def _index(value: float) -> str:
    """An index or bound to two places (an estimate a hair below 0 shows as 0.00)."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _write(found: Sensitivity, folder: Path, figures: bool) -> list[str]:
    """sensitivity.csv, sensitivity.nc and (with ``figures``) a tornado chart per output
    (``tornado_<variable>_<name>_<year>``), each written atomically; their names."""
    from flowsim.io import atomic_path, write_text_atomic
    from flowsim.plots import save

    write_text_atomic(folder / "sensitivity.csv", found.table.to_csv())
    with atomic_path(folder / "sensitivity.nc") as staged:
        found.dataset().to_netcdf(staged, engine="h5netcdf")
    written = ["sensitivity.csv", "sensitivity.nc"]
    if figures:
        for output in found.outputs:
            stem = f"tornado_{output.variable}_{output.name}_{output.year}"
            save(found.tornado(output), folder / stem)
            written.append(f"{stem}.png/.svg")
    return written
