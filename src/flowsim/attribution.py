"""Which uncertain inputs drive a scenario's outputs: ``flowsim sensitivity``.

The inputs are the scenario's independent uncertain figures drawn once per member
(each figure's own normal score, and each driver's) and its fixed-date shocks with
a probability (whether they happen). Each is a standard normal score ``z``: a
figure's value is its quantile at ``Φ(z)`` (through its driver where it has one, as
in an ensemble), a shock happens when ``Φ(z) < probability``. A design (Saltelli's
for Sobol' indices, Morris's trajectories for elementary effects) sets the scores
of every point; everything else random (outages, hazard shocks, demand noise,
figures drawn each year) is replayed from one member per base point, the same for
all points made from it (common random numbers), so it adds noise to the output's
variance but no spurious effect of an input. Points run as an ensemble, through the
same executors as ``flowsim run``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats

from flowsim import engines
from flowsim.arrays import FloatArray, IntArray
from flowsim.draws import Points
from flowsim.errors import FlowsimError, did_you_mean
from flowsim.results import Result
from flowsim.scenario import Scenario, load_scenario
from flowsim.scenario.uncertain import figures_of
from flowsim.sensitivity import morris, sobol_indices, sobol_points
from flowsim.spec import Placement, RunSpec, ScenarioRun
from flowsim.version import VERSION

__all__ = ["METHODS", "Output", "Sensitivity", "sensitivity", "sensitivity_inputs"]

METHODS = ("sobol", "morris")


def sensitivity_inputs(scenario: Scenario) -> list[str]:
    """The inputs a sensitivity analysis varies: drivers and figures drawn per member
    (``drivers.ID``, their key paths) and fixed-date shocks with a probability below 1
    (``shocks.ID``)."""
    drivers = [f"drivers.{d}" for d, v in sorted(scenario.drivers.items()) if v.per == "member"]
    figures = [".".join(w) for w, f in figures_of(scenario) if f.per == "member"]
    shocks = [
        f"shocks.{sid}"
        for sid, shock in sorted(scenario.shocks.items())
        if shock.start is not None and shock.probability < 1.0
    ]
    return drivers + figures + shocks


@dataclass(frozen=True)
class Output:
    """One output of a member: an annual variable of one route or commodity in one year
    (``balancing:gas:2035``)."""

    variable: str
    name: str
    year: int

    @classmethod
    def parse(cls, text: str) -> Output:
        """``VARIABLE:NAME:YEAR`` (NAME a route id or a commodity)."""
        parts = text.split(":")
        if len(parts) != 3 or not parts[2].strip().isdigit():
            raise FlowsimError(
                f"an output is VARIABLE:NAME:YEAR, e.g. balancing:gas:2035 (got {text!r})"
            )
        return cls(parts[0].strip(), parts[1].strip(), int(parts[2]))

    def __str__(self) -> str:
        return f"{self.variable}:{self.name}:{self.year}"

    def values(self, result: Result) -> FloatArray:
        """Each member's value, shape (members,)."""
        annual = result.annual
        if self.variable not in annual:
            known = [str(v) for v in annual.data_vars]
            raise FlowsimError(
                f"unknown output variable '{self.variable}'" + did_you_mean(self.variable, known)
            )
        data = annual[self.variable]
        axis = next((d for d in data.dims if d not in ("member", "year")), None)
        if axis is None or self.name not in data[axis].values:
            known = [] if axis is None else [str(v) for v in data[axis].values]
            raise FlowsimError(
                f"'{self.variable}' has no {axis or 'entry'} '{self.name}'"
                + did_you_mean(self.name, known)
            )
        if self.year not in data.year.values:
            years = data.year.values
            raise FlowsimError(
                f"year {self.year} is outside the horizon {years.min()}..{years.max()}"
            )
        values: FloatArray = data.sel({axis: self.name, "year": self.year}).values
        return values.astype(np.float64)


@dataclass(frozen=True)
class Sensitivity:
    """What drives each output: one row per (output, input)."""

    scenario: str
    method: str
    inputs: tuple[str, ...]
    outputs: tuple[Output, ...]
    table: pd.DataFrame
    """Sobol': ``first``, ``first_low``, ``first_high``, ``total``, ``total_low``,
    ``total_high`` (indices and their bootstrap interval); Morris: ``mu_star``, ``mu``,
    ``sigma`` (the output's change per unit of the input's quantile); plus ``mean`` and
    ``sd`` of the output over the points."""
    evaluations: int
    seed: int

    def ranking(self, output: Output | str) -> pd.DataFrame:
        """The rows of one output, most important input first (total index, or mu*)."""
        key = "total" if self.method == "sobol" else "mu_star"
        rows = self.table.xs(str(output), level="output")
        return rows.sort_values(key, ascending=False)

    def dataset(self) -> xr.Dataset:
        """The table as a Dataset over (output, input), with what was run in its attrs."""
        data = xr.Dataset.from_dataframe(self.table)
        data.attrs = {
            "scenario_name": self.scenario,
            "method": self.method,
            "evaluations": self.evaluations,
            "seed": self.seed,
            "flowsim_version": VERSION,
        }
        return data

    def tornado(self, output: Output | str) -> Any:
        """A horizontal bar chart of the inputs' importance for one output (matplotlib
        Figure): total and first-order indices with their intervals, or mu*."""
        from flowsim.plots import tornado

        return tornado(self, str(output))


def _scores(points: FloatArray) -> FloatArray:
    """Normal scores of quantiles ``points``, kept finite."""
    result: FloatArray = special.ndtri(np.clip(points, 1e-12, 1.0 - 1e-12))
    return result


def _run_points(
    scenario: Scenario,
    inputs: tuple[str, ...],
    scores: FloatArray,
    base: IntArray,
    seed: int,
    engine: str,
    placement: Placement,
    progress: Callable[[int, int], None] | None,
) -> Result:
    """Simulate the design's points: ``scores`` (inputs, points), ``base`` (points,)."""
    from flowsim.simulate import execute

    points = Points(base, {k: scores[i] for i, k in enumerate(inputs)})
    run = ScenarioRun(scenario, scores.shape[1], seed, points=points)
    spec = RunSpec((run,), engines.resolve(engine, daily=False, trace=False))
    (result,) = execute(spec, placement, progress=progress)
    return result


def sensitivity(
    scenario: Scenario | str | os.PathLike[str],
    outputs: Sequence[Output | str],
    *,
    method: str = "sobol",
    n: int = 256,
    trajectories: int = 20,
    seed: int | None = None,
    engine: str = "core",
    placement: Placement | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sensitivity:
    """Global sensitivity of ``outputs`` to ``scenario``'s uncertain inputs
    (:func:`sensitivity_inputs`): Sobol' indices from ``n`` base points (a power of 2;
    ``n x (inputs + 2)`` runs), or Morris's elementary effects along ``trajectories``
    paths (``trajectories x (inputs + 1)`` runs)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if method not in METHODS:
        raise FlowsimError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
    wanted = tuple(o if isinstance(o, Output) else Output.parse(o) for o in outputs)
    if not wanted:
        raise FlowsimError("name at least one output, e.g. balancing:gas:2035")
    inputs = tuple(sensitivity_inputs(scenario))
    if not inputs:
        raise FlowsimError(
            f"{scenario.name} has nothing uncertain to attribute: give it uncertain figures "
            "drawn per member (capacity_factor, production_factor, level_factor) or "
            "fixed-date shocks with a probability"
        )
    seed = scenario.run.seed if seed is None else seed
    where = placement or Placement()
    d = len(inputs)

    def evaluate(scores: FloatArray, base: IntArray) -> FloatArray:
        result = _run_points(scenario, inputs, scores, base, seed, engine, where, progress)
        return np.stack([o.values(result) for o in wanted])  # (outputs, points)

    if method == "sobol":
        u = sobol_points(n, d, seed)
        points = u.shape[1]
        y = evaluate(_scores(u), np.arange(points, dtype=np.int64) % n)
        found = sobol_indices(y, inputs, n, seed=seed)
        columns = {
            "first": found.first,
            "first_low": found.first_interval[0],
            "first_high": found.first_interval[1],
            "total": found.total,
            "total_low": found.total_interval[0],
            "total_high": found.total_interval[1],
        }
        evaluations = found.evaluations
    else:
        seen: list[FloatArray] = []

        def func(x: FloatArray) -> FloatArray:
            out = evaluate(x, np.arange(x.shape[1], dtype=np.int64) // (d + 1))
            seen.append(out)
            return out

        normal = {name: stats.norm() for name in inputs}
        effects = morris(func, normal, trajectories, seed=seed)
        y = seen[0]
        columns = {"mu_star": effects.mu_star, "mu": effects.mu, "sigma": effects.sigma}
        evaluations = effects.evaluations
    index = pd.MultiIndex.from_product(
        [[str(o) for o in wanted], inputs], names=["output", "input"]
    )
    table = pd.DataFrame({k: v.reshape(-1) for k, v in columns.items()}, index=index)
    table["mean"] = np.repeat(y.mean(axis=1), d)
    table["sd"] = np.repeat(y.std(axis=1), d)
    return Sensitivity(scenario.name, method, inputs, wanted, table, evaluations, seed)
