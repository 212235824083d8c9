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
