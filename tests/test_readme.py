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


def test_readme_tables_are_real_output(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The table rows the README shows are what `flowsim run`, `sensitivity` and `compare`
    print today."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "100"}
    shown = [b for b in blocks("text")]
    commands = [
        [
            "run",
            "scenarios/reference.toml",
            "--out",
            str(tmp_path / "run"),
            "--quiet",
            "--no-figures",
            "--format",
            "nc",
        ],
        [
            "sensitivity",
            "scenarios/monte_carlo.toml",
            "--output",
            "balancing:gas:2035",
            "--out",
            str(tmp_path / "sensitivity"),
            "--no-figures",
        ],
        [
            "run",
            "scenarios/winter_disruption.toml",
            "--out",
            str(tmp_path / "winter"),
            "--quiet",
            "--no-figures",
            "--format",
            "nc",
        ],
        [
            "compare",
            "scenarios/pos2_50bcm.toml#never",
            "scenarios/pos2_50bcm.toml",
            "--out",
            str(tmp_path / "compare"),
        ],
    ]
    for block, args in zip(shown, commands, strict=True):
        proc = subprocess.run(
            [sys.executable, "-m", "flowsim.cli", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        printed = proc.stdout.splitlines()
        for line in block.strip().splitlines():
            assert line in printed, line


def test_readme_figures_exist() -> None:
    """Every image the README shows is in the repository."""
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / path).is_file(), path


def test_readme_python_example_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The 'From Python' block runs as shown, and its lines give what they say."""
    (example,) = blocks("python")
    code = example.replace('"scenarios/', f'"{ROOT}/scenarios/').replace(
        '"reference.nc"', repr(str(tmp_path / "reference.nc"))
    )
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    import flowsim

    result = namespace["result"]
    assert isinstance(result, flowsim.Result)
    assert result.annual.sizes["member"] == 500
    again = flowsim.open_result(tmp_path / "reference.nc")
    assert again.annual.attrs["scenario_name"] == "reference"
