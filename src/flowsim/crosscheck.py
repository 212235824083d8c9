"""Hold the two engines against each other: ``python -m flowsim.crosscheck SCENARIO``.

Runs the numpy core and the SimPy DES (cargo detail off, so that both flow
continuously) on the same sampled members and reports,
per variable, the largest relative difference between them (daily values and
annual ones). Exits 1 when any exceeds the tolerance.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np
import xarray as xr

from flowsim.scenario import Scenario, load_scenario
from flowsim.simulate import run

__all__ = ["TOLERANCE", "crosscheck", "main"]

TOLERANCE = 1e-9
"""Largest relative difference allowed between the engines (model.md section 7)."""


def _relative(a: xr.DataArray, b: xr.DataArray) -> float:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    with np.errstate(invalid="ignore"):
        diff = np.abs(x - y) / np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-300)
    return float(np.where(same, 0.0, diff).max(initial=0.0))


def crosscheck(
    scenario: Scenario | str | os.PathLike[str], members: int = 20, seed: int | None = None
) -> dict[str, float]:
    """Largest relative difference between the core and the DES, per variable.

    Daily variables are prefixed ``daily.``; annual ones ``annual.``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    core = run(scenario, members=members, seed=seed, engine="core", daily=True)
    des = run(scenario, members=members, seed=seed, engine="des", daily=True, cargoes=False)
    assert core.daily is not None
    assert des.daily is not None
    out = {f"annual.{v}": _relative(core.annual[v], des.annual[v]) for v in core.annual.data_vars}
    out |= {f"daily.{v}": _relative(core.daily[v], des.daily[v]) for v in core.daily.data_vars}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flowsim.crosscheck", description=__doc__)
    parser.add_argument("scenario", help="scenario file (file.toml or file.toml#NAME)")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    differences = crosscheck(args.scenario, args.members, args.seed)
    width = max(map(len, differences))
    for name, value in differences.items():
        flag = "" if value <= TOLERANCE else "   <-- exceeds tolerance"
        print(f"{name:<{width}}  {value:.2e}{flag}")
    worst = max(differences.values())
    print(f"largest relative difference {worst:.2e} (tolerance {TOLERANCE:.0e})")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
