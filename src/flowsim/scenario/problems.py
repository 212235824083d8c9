"""Turn pydantic validation errors into short, located messages with hints.

``x: must be >= 0 (got -3)`` rather than pydantic's ``Input should be greater
than or equal to 0``; unknown keys get a "did you mean" hint drawn from the
schema itself.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Tag, ValidationError

from flowsim.errors import did_you_mean
from flowsim.scenario.fields import LocatedProblems, show_value
from flowsim.scenario.tree import Scenario
from flowsim.scenario.uncertain import DISTRIBUTIONS

__all__ = ["LOADER_KEYS", "located_messages"]

Path = tuple[str | int, ...]

LOADER_KEYS = ("extends", "overrides", "scenarios")
"""Top-level keys the loader consumes before the schema sees the document."""


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
            else:
                return tp
        else:
            return tp


def _tagged_members(tp: Any) -> dict[str, Any]:
    """The tag -> model map of a tagged union, or {} if ``tp`` is none."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return {}
    members: dict[str, Any] = {}
    for arg in typing.get_args(tp):
        if typing.get_origin(arg) is typing.Annotated:
            inner, *meta = typing.get_args(arg)
            for m in meta:
                if isinstance(m, Tag):
                    members[m.tag] = inner
    return members


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field.annotation
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _walk(loc: Sequence[str | int]) -> tuple[Path, Any]:
    """Drop union tags from ``loc``; also return the type that holds its last key."""
    tp: Any = Scenario
    clean: list[str | int] = []
    parent: Any = None
    for part in loc:
        tp = _unwrap(tp)
        tagged = _tagged_members(tp)
        if tagged and part in tagged:
            tp = tagged[part]
            continue
        parent = tp
        clean.append(part)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            tp = _field_by_alias(tp, str(part))
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        elif origin is list:
            tp = typing.get_args(tp)[0]
        else:
            tp = None
    return tuple(clean), _unwrap(parent)


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


_TYPE_WORDS = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "list_type": "an array",
    "date_type": "a date",
}

_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def _describe(err: Any, parent: Any) -> str:
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        known = (
            _keys_of(parent) if isinstance(parent, type) and issubclass(parent, BaseModel) else []
        )
        if parent is Scenario:
            known += list(LOADER_KEYS)
        return "unknown key" + did_you_mean(key, known)
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"must be {_BOUNDS[kind]} {_number(bound)} (got {show_value(got)})"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]} (got {show_value(got)})"
    if kind == "finite_number":
        return f"must be a finite number (got {show_value(got)})"
    if kind == "literal_error":
        message = f"must be {ctx['expected']} (got {show_value(got)})"
        if isinstance(got, str):
            options = [o.strip(" '") for o in str(ctx["expected"]).replace(" or ", ",").split(",")]
            message += did_you_mean(got, options, list_known=False)
        return message
    if kind == "string_pattern_mismatch":
        return (
            "must be ASCII lowercase letters a-z, digits and '_', starting with a letter "
            f"(got {show_value(got)})"
        )
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} entries (got {ctx['actual_length']})"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} entries (got {ctx['actual_length']})"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters long"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = list(DISTRIBUTIONS)
        if kind == "union_tag_not_found":
            return f"needs 'dist', one of {', '.join(tags)} (got {show_value(got)})"
        found = str(ctx.get("tag"))
        return f"dist must be one of {', '.join(tags)} (got {found!r})" + did_you_mean(
            found, tags, list_known=False
        )
    return str(err["msg"])


def located_messages(error: ValidationError) -> list[tuple[Path, str]]:
    """(key path, message) for every problem in a validation error of :class:`Scenario`."""
    out: list[tuple[Path, str]] = []
    for err in error.errors(include_url=False):
        loc: Path = tuple(err["loc"])
        if loc and loc[-1] == "[key]":
            path, _ = _walk(loc[:-1])
            out.append((path, "bad key: " + _describe(err, None)))
            continue
        path, parent = _walk(loc)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, LocatedProblems):
            out.extend((path + sub, message) for sub, message in cause.items)
        else:
            out.append((path, _describe(err, parent)))
    return out
