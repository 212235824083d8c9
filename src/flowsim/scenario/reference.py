"""The scenario-file reference and JSON Schema, generated from the schema models.

``docs/scenario-reference.md`` is :func:`render_markdown`'s output; a test fails
when the file is stale (regenerate with ``flowsim schema --format markdown``).
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from flowsim.scenario import arc, fields, prices, route, schedules, storage, tree, uncertain
from flowsim.scenario.fields import CITE_KINDS
from flowsim.scenario.tree import Scenario

__all__ = ["file_json_schema", "render_markdown"]


def file_json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file: the full scenario plus the loader's composition keys.

    Top-level keys are not required, because a file that ``extends`` another
    may leave them to its base.
    """
    out = Scenario.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "flowsim scenario file"
    out.pop("required", None)
    out["properties"].update(
        {
            "extends": {
                "type": "string",
                "description": "Base scenario file, relative to this file; "
                "this file's keys merge on top.",
            },
            "overrides": {
                "type": "object",
                "description": "Named partial scenarios, merged on top when selected.",
                "additionalProperties": {"type": "object"},
            },
            "scenarios": {
                "type": "object",
                "description": "Named scenarios: NAME = [override names, applied in order].",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        }
    )
    return out


def _bounds(metadata: list[Any]) -> str:
    words = []
    for m in metadata:
        for attr, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(m, attr, None)
            if value is not None:
                words.append(f"{op} {value:g}" if isinstance(value, float) else f"{op} {value}")
    return ", ".join(words)


def _length(metadata: list[Any]) -> str:
    lo = next((m.min_length for m in metadata if isinstance(m, MinLen)), None)
    hi = next((m.max_length for m in metadata if isinstance(m, MaxLen)), None)
    if lo is not None and lo == hi:
        return f"{lo} "
    return f"{lo}+ " if lo else ""


def _marker(metadata: list[Any]) -> str | None:
    """The name of a schema alias (cite, schedule, id) recognised by its validator."""
    for m in metadata:
        func = getattr(m, "func", None)
        if func is fields._check_cite:
            return "cite"
        if func is schedules._check_order:
            return "[schedule](#schedule)"
        if getattr(m, "pattern", None):
            return "id"
    return None


_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", dt.date: "date"}


def _type_text(tp: Any, metadata: list[Any]) -> str:
    """A reader's description of an annotation: ``number >= 0``, ``array of [Step](#step)``."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner, *meta = typing.get_args(tp)
        flat = [c for m in meta for c in (m.metadata if isinstance(m, FieldInfo) else [m])]
        return _type_text(inner, metadata + flat)
    marker = _marker(metadata)
    if marker:
        return marker
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_type_text(a, metadata) for a in args)
    if origin is typing.Literal:
        return " or ".join(
            f'`"{v}"`' if isinstance(v, str) else f"`{v}`" for v in typing.get_args(tp)
        )
    if origin is list:
        (item,) = typing.get_args(tp)
        return f"array of {_length(metadata)}{_type_text(item, [])}"
    if origin is dict:
        key, value = typing.get_args(tp)
        return f"table of {_type_text(value, [])} by {_type_text(key, [])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    name = _NAMES.get(tp, getattr(tp, "__name__", str(tp)))
    if tp is str and any(isinstance(m, MinLen) for m in metadata):
        name = "non-empty string"
    bounds = _bounds(metadata)
    return f"{name} {bounds}" if bounds else name


def _default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    default = field.get_default(call_default_factory=True)
    if default is None or default == [] or default == {}:
        return "optional"
    if isinstance(default, BaseModel):
        return "see below"
    if isinstance(default, str):
        return f'`"{default}"`'
    return f"`{default}`"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _model_section(model: type[BaseModel]) -> list[str]:
    doc = inspect.cleandoc(model.__doc__ or "")
    lines = [
        f"## {model.__name__}",
        "",
        doc,
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in model.model_fields.items():
        key = field.alias or name
        text = _type_text(field.annotation, list(field.metadata))
        lines.append(
            f"| `{key}` | {text} | {_default_text(field)} | {_one_line(field.description)} |"
        )
    return [*lines, ""]


_MODELS: tuple[type[BaseModel], ...] = (
    Scenario,
    tree.Horizon,
    tree.RunSettings,
    tree.Source,
    arc.Arc,
    route.Route,
    route.Contract,
    route.Maintenance,
    route.ForcedOutages,
    route.CommissioningDelay,
    route.Cargoes,
    route.Season,
    tree.Demand,
    tree.Seasonality,
    tree.DemandUncertainty,
    tree.Balancing,
    storage.Storage,
    tree.Shock,
    schedules.Step,
    schedules.Ramp,
    prices.Benchmark,
    prices.OilIndexed,
    prices.Differential,
    prices.Offset,
    prices.Fixed,
    prices.TransitFee,
    uncertain.Driver,
    uncertain.Uniform,
    uncertain.Triangular,
    uncertain.Normal,
    uncertain.LogNormal,
    uncertain.Beta,
    uncertain.Choice,
)

_INTRO = f"""\
# Scenario file reference

Generated from the schema in `src/flowsim/scenario/` by
`flowsim schema --format markdown`; do not edit by hand (a test fails when it
is stale). See `docs/scenarios.md` for a guided introduction.

Conventions:

- **Units.** Gas volumes are bcm, crude volumes Mt. Every annual rate in a
  schedule is in bcm/yr (gas) or Mt/yr (oil); other units are in key names
  (`duration_days`, `hazard_per_year`).
- **Dates** are TOML dates (`2019-12-02`) or bare years (`2019` = 1 January).
- **Cites.** Every table holding a real-world figure has `cite = "KIND: text"`,
  KIND one of {", ".join(f"`{k}`" for k in CITE_KINDS)}: a signed agreement, a
  published report, arithmetic on sourced figures, an interpolated or recalled
  value, or a modelling assumption (which says why).
- **Ids** (keys of `sources`, `routes`, `shocks`) are lowercase letters, digits
  and `_`, starting with a letter.
- **Composition keys** (top level of a file, consumed before validation):
  `extends = "base.toml"` (relative to the file; tables merge key by key,
  values and arrays replace), `[overrides.NAME]` (a partial scenario merged on
  top when selected) and `[scenarios] NAME = ["override", ...]`. Select with
  `file.toml#NAME` or `--scenario NAME`.

## schedule

An annual rate over time: an array of entries in date order, each a
[Step](#step) (`{{from = 2019-12-02, value = 5, cite = "..."}}`) or a
[Ramp](#ramp) (`{{start = 2020, end = 2024, from_value = 5, to_value = 38, cite = "..."}}`).
The rate is 0 before the first entry; a step holds until the next entry; a
ramp holds its `to_value` after its `end` until the next entry. Entries may
lie outside the horizon (an entry before it sets the starting rate).

## uncertain figures

A factor a member draws (`capacity_factor`, `production_factor`,
`level_factor`): a table whose `dist` names the distribution,
[Uniform](#uniform), [Triangular](#triangular), [Normal](#normal),
[LogNormal](#lognormal), [Beta](#beta) or [Choice](#choice)
(`{{dist = "triangular", low = 0.95, mode = 1, high = 1.06, cite = "..."}}`).
Every one also takes `per` (`"member"`: drawn once; `"year"`: each year),
`driver` and `correlation` (it moves with a [Driver](#driver): the Gaussian
copula's correlation, sign and size), and `cite`.

"""


def render_markdown() -> str:
    """The scenario-file reference as Markdown, one section per schema model."""
    lines = [_INTRO]
    for model in _MODELS:
        lines += _model_section(model)
    return "\n".join(lines).rstrip() + "\n"
