"""Options several commands share, declared once (``@members_option()`` and so on)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

__all__ = [
    "OutFolder",
    "engine_option",
    "figures_option",
    "members_option",
    "out_option",
    "placement_options",
    "sampling_option",
    "seed_option",
    "units_option",
]

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


def members_option(default: int | None = None, help: str | None = None) -> Decorator[Any]:
    return click.option(
        "--members",
        type=click.IntRange(min=1),
        default=default,
        show_default=default is not None,
        help=help or "Ensemble members [scenario's run.members].",
    )


def seed_option() -> Decorator[Any]:
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=2**63 - 1),
        help="Random seed [scenario's run.seed].",
    )


def sampling_option() -> Decorator[Any]:
    from flowsim.draws import SAMPLING

    return click.option(
        "--sampling",
        type=click.Choice(SAMPLING),
        help="How members draw the uncertain figures: random, or lhs (Latin hypercube) "
        "[scenario's run.sampling].",
    )


def placement_options() -> Decorator[Any]:
    """--workers, --scheduler and --block-size: where blocks of members run."""
    workers = click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Run blocks of members in N local processes (or N workers of --scheduler local) "
        "[numpy engine: every CPU once there are two blocks; others: 1].",
    )
    scheduler = click.option(
        "--scheduler",
        metavar="ADDRESS",
        callback=lambda _ctx, _param, value: _address(value),
        help="Run on a Dask cluster: its scheduler (tcp://HOST:PORT), or 'local' to start "
        "one on this machine. Needs 'pip install flowsim[dask]'.",
    )
    block_size = click.option(
        "--block-size",
        type=click.IntRange(min=1),
        help="Members per block handed to a worker (best a multiple of 64) [1024; DES 1].",
    )

    def apply(command: Any) -> Any:
        return workers(scheduler(block_size(command)))

    return apply


def _address(value: str | None) -> str | None:
    """A --scheduler value checked before anything starts (a usage error if malformed)."""
    from flowsim.errors import FlowsimError
    from flowsim.executors import check_address

    if value is not None:
        try:
            check_address(value)
        except FlowsimError as exc:
            raise click.BadParameter(str(exc).removeprefix("scheduler ")) from None
    return value


def engine_option() -> Decorator[Any]:
    from flowsim.engines import ALIASES, ENGINES

    return click.option(
        "--engine",
        type=click.Choice([*ALIASES, *ENGINES]),
        default="core",
        show_default=True,
        help="core/auto: the fastest core engine (numba if installed, else numpy); "
        "numpy, numba: one of them; des: SimPy processes (readable, event level).",
    )


if TYPE_CHECKING:  # generic from click 8.3 on
    _PathType = click.ParamType[Path, Any]
else:
    _PathType = click.ParamType


class OutFolder(_PathType):
    """An output folder option: any path but the empty one (a usage error).

    Whether it can be made and written is checked before a run starts
    (:func:`flowsim.outputs.output_folders`): exit 1 if not.
    """

    name = "folder"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        if not str(value).strip():
            self.fail("must not be empty", param, ctx)
        return Path(value)


def out_option(help: str, default: Path | None = None) -> Decorator[Any]:
    return click.option(
        "--out",
        type=OutFolder(),
        default=default,
        show_default=default is not None,
        help=help,
    )


def figures_option() -> Decorator[Any]:
    return click.option("--figures/--no-figures", default=True, help="Write figures (PNG and SVG).")


def units_option() -> Decorator[Any]:
    from flowsim.units import ENERGY_UNITS

    return click.option(
        "--units",
        type=click.Choice(["native", *ENERGY_UNITS]),
        default="native",
        show_default=True,
        help="Volumes in summary.csv and iamc.csv: native (bcm gas, Mt oil) or energy, "
        "converted with the factors in flowsim.units.",
    )
