"""What each member drew, kept in its result, and an ensemble conditioned on it.

A result records the draws behind its members (:data:`flowsim.variables.DRAWS`):

- ``figure_value`` (member, year, figure): each uncertain figure's drawn value (a
  factor; the same in every year for a figure drawn per member). The ``figure`` axis
  holds key paths (``routes.altai.capacity_factor``) and their provenance:
  ``figure_dist`` (``"triangular"``), ``figure_distribution`` (the distribution in
  words, ``"triangular(low=0.95, mode=1, high=1.06), per year, driver cold_winter
  (correlation -0.7)"``) and ``figure_cite``.
- ``shock_happened`` (member, shock): whether each shock occurred in the member: a
  fixed-date shock when its probability draw came up (always, at probability 1), a
  random (``hazard_per_year``) shock when it occurred at least once in the horizon.
  The ``shock`` axis holds shock ids, with ``shock_label``, ``shock_occurrence``
  (``"on 2015-01-01 with probability 0.5"``) and ``shock_cite``.

A scenario without uncertain figures (or shocks) has a zero-length axis, as one
without shared arcs has a zero-length ``arc`` axis.

:func:`members_given` picks the members meeting conditions on the discrete draws, a
shock (happened or not) or a ``choice`` figure (equal to one of its values):
:meth:`flowsim.Result.given` and ``--given NAME=VALUE`` (:func:`parse_given`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from flowsim.arrays import Array, BoolArray, IntArray
from flowsim.errors import FlowsimError, did_you_mean
from flowsim.scenario.uncertain import Figure, figures_of

if TYPE_CHECKING:
    from flowsim.sampling import Realisations
    from flowsim.scenario.tree import Scenario, Shock

__all__ = [
    "Condition",
    "describe_figure",
    "describe_shock",
    "draw_arrays",
    "draw_coordinates",
    "draw_widths",
    "given_text",
    "members_given",
    "parse_given",
]

Condition = bool | float
"""What a member's draw must be: a shock happened (True) or not (False), or a figure's
value."""

_NOT_PARAMETERS = {"dist", "per", "driver", "correlation", "cite"}


def _number(value: Any) -> str:
    """A parameter in short form: ``0.95``, ``[0, 1]``."""
    if isinstance(value, list):
        return f"[{', '.join(_number(v) for v in value)}]"
    return f"{value:g}"


def describe_figure(figure: Figure) -> str:
    """The distribution of ``figure`` in words: ``"triangular(low=0.95, mode=1,
    high=1.06), per year, driver cold_winter (correlation -0.7)"``."""
    parameters = figure.model_dump(exclude=_NOT_PARAMETERS, exclude_none=True)
    given = ", ".join(f"{k}={_number(v)}" for k, v in parameters.items() if v != [])
    text = f"{figure.dist}({given}), per {figure.per}"
    if figure.driver is not None:
        text += f", driver {figure.driver} (correlation {figure.correlation:g})"
    return text


def describe_shock(shock: Shock) -> str:
    """When ``shock`` occurs, in words: ``"on 2015-01-01 with probability 0.5"``, ``"at
    random, 0.05 a year in months 1, 2"``."""
    if shock.start is not None:
        chance = f" with probability {shock.probability:g}" if shock.probability < 1 else ""
        return f"on {shock.start}{chance}"
    months = f" in months {', '.join(map(str, shock.months))}" if shock.months else ""
    return f"at random, {shock.hazard_per_year or 0.0:g} a year{months}"


def draw_widths(scenario: Scenario) -> dict[str, int]:
    """Length of the draw axes of ``scenario``'s results: figures and shocks."""
    return {"figure": len(figures_of(scenario)), "shock": len(scenario.shocks)}


def draw_arrays(real: Realisations, years: int) -> dict[str, Array]:
    """The :data:`~flowsim.variables.DRAWS` of the members of ``real``: figure values,
    shape (members, years, figures), and which shocks happened, (members, shocks)."""
    members = len(real.members)
    happened = np.zeros((members, len(real.shocks)), dtype=bool)
    happened[real.shock_events.member, real.shock_events.target] = True
    values = real.draws if real.draws is not None else np.ones((members, years, 0))
    return {"figure_value": values, "shock_happened": happened}


def draw_coordinates(scenario: Scenario) -> dict[str, Any]:
    """The coordinates of the draw axes, with each figure's and shock's provenance."""
    located = figures_of(scenario)
    shocks = sorted(scenario.shocks)
    return {
        "figure": [".".join(where) for where, _ in located],
        "figure_dist": ("figure", [f.dist for _, f in located]),
        "figure_distribution": ("figure", [describe_figure(f) for _, f in located]),
        "figure_cite": ("figure", [f.cite for _, f in located]),
        "shock": shocks,
        "shock_label": ("shock", [scenario.shocks[s].label or s for s in shocks]),
        "shock_occurrence": ("shock", [describe_shock(scenario.shocks[s]) for s in shocks]),
        "shock_cite": ("shock", [scenario.shocks[s].cite for s in shocks]),
    }


def parse_given(text: str) -> tuple[str, Condition]:
    """``NAME=VALUE`` of ``--given``: a shock and ``true`` or ``false``
    (``altai_not_built=true``), or an uncertain figure's key path and a number
    (``routes.altai.capacity_factor=0``)."""
    name, equals, value = (part.strip() for part in text.partition("="))
    if not equals or not name or not value:
        raise FlowsimError(
            f"--given {text!r}: write NAME=VALUE, a shock and true or false "
            "(altai_not_built=true) or an uncertain figure and a number "
            "(routes.altai.capacity_factor=0)"
        )
    if value.lower() in ("true", "false"):
        return name, value.lower() == "true"
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise FlowsimError(f"--given {text!r}: {value!r} is not true, false or a finite number")
    return name, number


def given_text(conditions: Mapping[str, Condition]) -> str:
    """``conditions`` as ``--given`` writes them: ``"altai_not_built=false, x=0"``."""
    return ", ".join(
        f"{name}={str(value).lower() if isinstance(value, bool) else f'{value:g}'}"
        for name, value in conditions.items()
    )


def _axis(annual: xr.Dataset, axis: str) -> list[str]:
    return [str(v) for v in annual[axis].values] if axis in annual.coords else []


def _meets(annual: xr.Dataset, name: str, value: Condition) -> BoolArray:
    """Whether each member meets ``name = value``, shape (members,)."""
    shocks, figures = _axis(annual, "shock"), _axis(annual, "figure")
    is_flag = isinstance(value, bool | np.bool_)
    if name in shocks:
        if not is_flag:
            raise FlowsimError(f"given {name}: a shock happens or not, give true or false")
        happened = np.asarray(annual.shock_happened.sel(shock=name).values, dtype=bool)
        return np.asarray(happened == bool(value))
    if name in figures:
        dist = str(annual.figure_dist.sel(figure=name).values)
        if dist != "choice":
            raise FlowsimError(
                f"given {name}: drawn from a {dist} distribution, not a choice of values; "
                "only shocks and choice figures can be given"
            )
        if is_flag:
            raise FlowsimError(f"given {name}: an uncertain figure, give one of its values")
        drawn = np.asarray(annual.figure_value.sel(figure=name).values)
        return np.asarray((drawn == float(value)).all(axis=1))
    raise FlowsimError(
        f"given {name}: no shock or uncertain figure of that name"
        + did_you_mean(name, shocks + figures)
    )


def members_given(annual: xr.Dataset, conditions: Mapping[str, Condition]) -> IntArray:
    """Positions of the members of ``annual`` meeting every one of ``conditions``
    (name: value), in order; a FlowsimError for an unknown name, a condition on a
    continuous figure, or conditions no member meets."""
    met = {name: _meets(annual, name, value) for name, value in conditions.items()}
    keep = np.ones(annual.sizes["member"], dtype=bool)
    for each in met.values():
        keep &= each
    if not keep.any():
        alone = ", ".join(
            f"{given_text({name: conditions[name]})}: {int(each.sum())}"
            for name, each in met.items()
        )
        raise FlowsimError(
            f"given {given_text(conditions)}: no member of {annual.sizes['member']} meets "
            f"{'it' if len(met) == 1 else 'them all'} (members meeting each: {alone})"
        )
    return np.flatnonzero(keep)
