"""The package layout: imports go one way, modules stay small, the API is as documented."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import flowsim

PACKAGE = Path(flowsim.__file__).parent
MODULES = {
    ".".join(("flowsim", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    ): p
    for p in PACKAGE.rglob("*.py")
}
MAX_LINES = 500


def _imports(name: str, path: Path) -> set[str]:
    """flowsim modules that ``name`` imports, lazily or not (TYPE_CHECKING blocks excluded)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.level else [node.module or ""])
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in MODULES and m != name and not name.startswith(m + ".")}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_no_import_cycle() -> None:
    """No module reaches itself through imports (lazy imports count)."""

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = list(GRAPH[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo += GRAPH[module]
        return seen

    assert [m for m in MODULES if m in reach(m)] == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    """No module grows past about 500 lines: split it by concept instead."""
    assert len(MODULES[name].read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_only_the_engines_and_their_registry_import_an_engine_module() -> None:
    """Output names, options and engines are reached through flowsim.variables and the registry."""
    engine_modules = {m for m in MODULES if m.startswith("flowsim.engines.")}
    for name, imported in GRAPH.items():
        if not name.startswith("flowsim.engines"):
            assert not imported & engine_modules, name


def test_nothing_inside_imports_the_package_root() -> None:
    """Modules import what they need from its home, never from ``flowsim`` itself."""
    assert [name for name, imported in GRAPH.items() if "flowsim" in imported] == []


def test_public_api_is_what_the_readme_shows() -> None:
    """flowsim.__all__ lists the documented API, and every name in it exists."""
    documented = {
        "FlowsimError",
        "Placement",
        "Problem",
        "Result",
        "RunSpec",
        "Scenario",
        "ScenarioError",
        "__version__",
        "compare",
        "diff",
        "load_scenario",
        "open_result",
        "run",
        "run_many",
    }
    assert set(flowsim.__all__) == documented
    assert all(hasattr(flowsim, name) for name in flowsim.__all__)
