"""Shared fixtures: paths to the shipped scenarios and the test data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def write_toml(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write TOML files into a temporary folder: ``write_toml("a.toml", text) -> path``."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def tiny_doc() -> dict:  # type: ignore[type-arg]
    """A small valid scenario document (one gas route, no demand) that tests adapt."""
    cite = "assumption: test"
    return {
        "name": "tiny",
        "horizon": {"start_year": 2023, "end_year": 2025},
        "sources": {"field": {"commodity": "gas"}},
        "routes": {
            "pipe": {
                "commodity": "gas",
                "source": "field",
                "capacity": [{"from": 2000, "value": 38.0, "cite": cite}],
                "cite": cite,
            }
        },
    }
