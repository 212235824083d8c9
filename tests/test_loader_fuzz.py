"""Whatever document the loader is fed, it returns a Scenario or raises ScenarioError."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsim import ScenarioError
from flowsim.scenario import Scenario, scenario_from_dict, scenario_from_text

from .conftest import DATA

BASE_DOC = tomllib.loads((DATA / "malformed" / "_base.toml").read_text())
KEYS = [
    "horizon",
    "routes",
    "sources",
    "capacity",
    "value",
    "from",
    "start",
    "end",
    "cite",
    "commodity",
    "source",
    "extends",
    "overrides",
    "scenarios",
    "demand",
    "gas",
    "oil",
    "derate_fraction",
    "duration_days",
    "maintenance",
    "shocks",
    "run",
    "members",
]

leaves = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["gas", "oil", "report: x", "_base.toml", "2019-12-02", "../", "\x00"]),
    st.dates(),
    st.datetimes(),
    st.times(),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=10))
documents = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=30,
)


def check(load: Any) -> None:
    """``load()`` gives a Scenario, or a ScenarioError whose every problem is one located line."""
    try:
        result = load()
    except ScenarioError as exc:
        problems = exc.problems
    else:
        assert isinstance(result, Scenario)
        return
    assert problems, "a ScenarioError must name at least one problem"
    for problem in problems:
        assert problem.file, problem
        assert problem.message.strip(), problem
        assert str(problem).isprintable(), problem  # one line, whatever the input held


def paths_of(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths_of(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths_of(v, (*prefix, i))
    return out


BASE_PATHS = paths_of(BASE_DOC)[1:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(keys, documents, max_size=6))
def test_arbitrary_documents(doc: dict[str, Any]) -> None:
    """Random nested tables, lists and scalars never crash the loader."""
    check(lambda: scenario_from_dict(doc, base_dir=DATA / "malformed"))


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(BASE_PATHS), value=documents, selected=st.sampled_from([None, "late"]))
def test_valid_document_with_one_value_replaced(
    path: tuple[Any, ...], value: Any, selected: str | None
) -> None:
    """Replacing any one value of a valid scenario gives a Scenario or a ScenarioError."""
    doc = copy.deepcopy(BASE_DOC)
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    check(lambda: scenario_from_dict(doc, base_dir=DATA / "malformed", scenario=selected))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    """Arbitrary text, mostly invalid TOML, gives a ScenarioError with a location."""
    check(lambda: scenario_from_text(text, base_dir=DATA / "malformed"))


def test_fuzz_base_is_valid() -> None:
    """The document the mutation test starts from is itself valid."""
    scenario = scenario_from_dict(BASE_DOC, base_dir=DATA / "malformed")
    assert scenario.horizon.end_year == 2024
