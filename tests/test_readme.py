"""What the README shows works as shown."""

from __future__ import annotations

import re

from flowsim.scenario import scenario_from_text

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_scenario_example_is_valid() -> None:
    """The scenario file shown in the README validates as it stands."""
    (example,) = blocks("toml")
    scenario = scenario_from_text(example, file="README.md")
    assert scenario.routes["power_of_siberia"].commodity == "gas"


def test_readme_lists_every_shipped_scenario() -> None:
    """Each file in scenarios/ appears in the README's table, and each listed file exists."""
    shipped = {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    listed = set(re.findall(r"^\| `([a-z0-9_]+\.toml)` \|", README, flags=re.MULTILINE))
    assert listed == shipped


def test_readme_gives_the_ci_test_command() -> None:
    """.ci/run runs exactly the test command the README gives."""
    (command,) = [b.strip() for b in blocks("sh") if "pytest" in b and "benchmarks" not in b]
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
