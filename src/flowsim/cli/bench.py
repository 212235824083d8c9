"""``flowsim bench``: the core engines against the DES, the memory floor and the compute floor."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from flowsim.cli.errors import EXIT_FAILURE, report_stale
from flowsim.cli.options import OutFolder

__all__ = ["bench_command"]


@click.command("bench")
@click.option(
    "--quick", is_flag=True, help="1,000 core members and 2 DES members (under a minute)."
)
@click.option(
    "--scenario",
    default="monte_carlo",
    show_default=True,
    help="Shipped scenario name or scenario file to measure on.",
)
@click.option(
    "--check",
    "check_ratio",
    is_flag=True,
    help="Fail (exit 1) when the core's speed-up over the DES fell more than "
    "half below its baseline (for CI).",
)
@click.option(
    "--scaling",
    type=OutFolder(),
    help="Also measure scaling (members, horizon, routes, workers, block size; minutes) "
    "and write scaling.csv and scaling.png/svg into this folder.",
)
def bench_command(quick: bool, scenario: str, check_ratio: bool, scaling: Path | None) -> None:
    """Measure the core (numpy, and numba if installed) against the DES, in one run.

    Prints one table: wall and CPU time, member-years and route-days per
    second, peak memory, the speed-up over the DES measured in the same run,
    and the distance from two floors: the memory floor set by this machine's
    memory-copy bandwidth, and the compute floor of a minimal dispatch loop.
    """
    from flowsim.outputs import output_folders
    from flowsim.scenario import load_scenario

    load_scenario(scenario)  # an invalid scenario fails here (exit 3), not after measuring
    with output_folders([] if scaling is None else [scaling], on_stale=report_stale):
        _bench(quick, scenario, check_ratio, scaling)


def _bench(quick: bool, scenario: str, check_ratio: bool, scaling: Path | None) -> None:
    from flowsim import bench
    from flowsim.cli.render_analysis import bench_table

    status = Console(stderr=True).status("measuring")
    with status:
        result = bench.run_bench(
            quick, scenario, progress=lambda s: status.update(f"measuring {s}")
        )
    out = Console(width=max(Console().width, 150))
    out.print(bench_table(result))
    out.print(f"Machine: {bench.machine()}", highlight=False)
    core = [r for r in result.rows if r.spec.engine != "des"]
    speedups = ", ".join(f"{r.spec.engine} {result.speedup(r):,.0f}x" for r in core)
    out.print(f"Core over DES per member-year, this run: {speedups}", highlight=False)
    floors = ", ".join(f"{r.spec.engine} {r.seconds / result.floor_seconds(r):,.1f}x" for r in core)
    out.print(
        f"Memory-copy bandwidth {result.bandwidth / 1e9:.1f} GB/s; wall time over the memory "
        f"floor ({bench.FLOOR_BYTES} B per member-route-day at that bandwidth): {floors}",
        highlight=False,
    )
    computed = ", ".join(f"{r.spec.engine} {result.over_compute_floor(r):,.1f}x" for r in core)
    out.print(
        f"Compute floor {result.compute * 1e9:.2f} ns of CPU per member-route-day (the "
        f"dispatch loop alone, members as lanes); CPU time over it: {computed}",
        highlight=False,
    )
    if scaling is not None:
        _scaling(scaling, scenario, out)
    if check_ratio:
        failures = bench.check(result)
        for line in failures:
            click.echo(f"flowsim: benchmark regression: {line}", err=True)
        if failures:
            raise SystemExit(EXIT_FAILURE)
        out.print(
            "Speed-up check passed (baseline: "
            + ", ".join(f"{k} {v:.0f}x" for k, v in bench.BASELINE.items())
            + ")",
            highlight=False,
        )


def _scaling(folder: Path, scenario: str, out: Console) -> None:
    """Measure the scaling runs, print them and write them into ``folder``."""
    from flowsim import bench
    from flowsim.cli.render_analysis import scaling_table
    from flowsim.outputs import write_scaling

    engine = bench.core_engines()[-1]
    with Console(stderr=True).status("scaling") as status:
        rows = bench.scaling(engine, scenario, progress=lambda s: status.update(f"scaling: {s}"))
    out.print(scaling_table(rows, engine))
    per_block, per_member = bench.block_overhead(rows)
    shares = ", ".join(
        f"{size}: {per_block / (per_block + size * per_member):.1%}"
        for size in bench.SCALING["block_size"]
    )
    out.print(
        f"Overhead per block {per_block * 1e3:.1f} ms ({per_member * 1e6:.0f} us per member); "
        f"share of a block's time by block size: {shares}",
        highlight=False,
    )
    written = write_scaling(rows, f"flowsim core ({engine}) scaling, {scenario}", folder)
    out.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)
