"""Options several commands share, declared once (``@members_option()`` and so on)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "engine_option",
    "figures_option",
    "members_option",
    "out_option",
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


def out_option(help: str, default: Path | None = None) -> Decorator[Any]:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
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
