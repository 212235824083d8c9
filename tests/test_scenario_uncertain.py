"""Uncertain figures in the scenario language: every problem named at its key path."""

from __future__ import annotations

import pytest

from flowsim import ScenarioError
from flowsim.scenario import scenario_from_text

from .engine_cases import RANDOM, UNCERTAIN


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text)
    return [f"{'.'.join(map(str, p.path))}: {p.message}" for p in caught.value.problems]


def with_capacity_factor(table: str) -> str:
    return RANDOM.replace(
        "[routes.pipe.forced_outages]", f"capacity_factor = {table}\n[routes.pipe.forced_outages]"
    )


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '{dist = "triang", low = 0, high = 1, cite = "assumption: t"}',
            "routes.pipe.capacity_factor: dist must be one of uniform, triangular, normal, "
            "lognormal, beta, choice (got 'triang') (did you mean 'triangular'?)",
        ),
        (
            '{low = 0, high = 1, cite = "assumption: t"}',
            "routes.pipe.capacity_factor: needs 'dist', one of uniform",
        ),
        (
            '{dist = "uniform", low = 1.2, high = 0.9, cite = "assumption: t"}',
            "routes.pipe.capacity_factor.high: must be > low 1.2 (got 0.9)",
        ),
        (
            '{dist = "triangular", low = 0.9, mode = 1.3, high = 1.2, cite = "assumption: t"}',
            "routes.pipe.capacity_factor.mode: must lie in low..high, 0.9..1.2 (got 1.3)",
        ),
        (
            '{dist = "normal", mean = 1, sd = 0.1, cite = "assumption: t"}',
            "routes.pipe.capacity_factor: a factor cannot be negative: give low >= 0",
        ),
        (
            '{dist = "uniform", low = 0.9, high = 1.1, correlation = 0.5, cite = "assumption: t"}',
            "routes.pipe.capacity_factor.correlation: needs a 'driver' to correlate with",
        ),
        (
            '{dist = "uniform", low = 0.9, high = 1.1, driver = "hot", correlation = 0.5, '
            'cite = "assumption: t"}',
            "routes.pipe.capacity_factor.driver: unknown driver 'hot'",
        ),
        (
            '{dist = "choice", values = [0, 1], weights = [1], cite = "assumption: t"}',
            "routes.pipe.capacity_factor.weights: needs one weight per value, 2 (got 1)",
        ),
        (
            '{dist = "beta", a = 2, b = 0, cite = "assumption: t"}',
            "routes.pipe.capacity_factor.b: must be > 0 (got 0)",
        ),
        (
            '{dist = "uniform", low = 0.9, high = 1.1, cite = "nobody said"}',
            "routes.pipe.capacity_factor.cite: must read 'KIND: where the figure comes from'",
        ),
    ],
)
def test_a_bad_uncertain_figure_is_named_at_its_key_path(table: str, expected: str) -> None:
    found = problems(with_capacity_factor(table))
    assert any(message.startswith(expected) for message in found), found


def test_a_figure_drawn_at_another_pace_than_its_driver_is_refused() -> None:
    text = UNCERTAIN.replace(
        'per = "year", driver = "cold", correlation = -0.7', 'driver = "cold", correlation = -0.7'
    )
    assert problems(text) == [
        "routes.pipe.capacity_factor.per: must be 'year' like its driver 'cold' (got 'member')"
    ]


def test_a_production_factor_needs_a_production_schedule() -> None:
    text = RANDOM.replace(
        '[sources.field]\ncommodity = "gas"',
        '[sources.field]\ncommodity = "gas"\nproduction_factor = '
        '{dist = "uniform", low = 0.9, high = 1, cite = "assumption: t"}',
    )
    assert problems(text) == [
        "sources.field.production_factor: needs a production schedule to scale"
    ]


def test_an_offtake_factor_needs_a_contract() -> None:
    text = with_capacity_factor(
        '{dist = "uniform", low = 0.9, high = 1, cite = "assumption: t"}'
    ).replace("capacity_factor = ", "offtake_factor = ")
    assert problems(text) == [
        "routes.pipe.offtake_factor: needs a contract: it scales the contract's nominations"
    ]
