"""The malformed-scenario corpus: each file must fail with exactly the problems it names.

Every ``tests/data/malformed/*.toml`` (except ``_base.toml``, the valid scenario
the others extend) starts with ``# expect: LINE`` comments: the exact lines
``flowsim validate`` must print for it (the command itself: test_cli_scenario.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.scenario import load_scenario, validate_file

from .conftest import MALFORMED, MALFORMED_CASES, expected_lines


def test_corpus_is_large_and_every_case_names_its_problems() -> None:
    """At least 30 malformed files, each with at least one expected message."""
    assert len(MALFORMED_CASES) >= 30
    assert all(expected_lines(p) for p in MALFORMED_CASES)


def test_base_of_the_corpus_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The valid base that malformed files extend loads, so each case has one defect."""
    monkeypatch.chdir(MALFORMED)
    assert load_scenario("_base.toml").name == "base"
    assert validate_file("_base.toml")[1] == []


@pytest.mark.parametrize("path", MALFORMED_CASES, ids=lambda p: p.stem)
def test_malformed_file_reports_exactly_its_problems(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate_file reports exactly the expected lines, file and key path included."""
    monkeypatch.chdir(MALFORMED)
    _, problems = validate_file(path.name)
    assert [str(p) for p in problems] == expected_lines(path)
