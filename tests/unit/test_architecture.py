"""The layers hold: apps depend on each other one way only, the upstream package knows no app,
and the project's shared modules know none either. Read from the source, not from imports at
run time, so a dependency hidden inside a function counts too."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dashboard"
UPSTREAM = "upstream"
# Project-level modules every app may use: they must not lean on any app themselves.
SHARED = {
    "text",
    "prepared",
    "converters",
    "exports",
    "paging",
    "middleware",
    "views",
    "localsecrets",
    "features",
    "context_processors",
}


def units() -> set[str]:
    return {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def unit_of(module: str, known: set[str]) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "dashboard" and parts[1] in known | SHARED:
        return parts[1]
    return None


def dependencies() -> dict[str, set[str]]:
    """unit -> the units its modules import (apps, the upstream package, shared modules)."""
    known = units()
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        source = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        if source not in known | SHARED:
            continue
        for module in imported_modules(path):
            target = unit_of(module, known)
            if target and target != source:
                graph[source].add(target)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One dependency cycle among the units, if there is any."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [node])):
            return found
    return None


def test_apps_depend_on_each_other_one_way_only():
    found = cycle({unit: deps - SHARED for unit, deps in dependencies().items()})
    assert found is None, "app import cycle: " + " -> ".join(found)


def test_the_upstream_package_imports_no_app():
    graph = dependencies()
    assert graph.get(UPSTREAM, set()) - {UPSTREAM} == set(), graph.get(UPSTREAM)


def test_shared_modules_import_no_app():
    graph = dependencies()
    apps = units() - {UPSTREAM}
    leaning = {module: graph.get(module, set()) & apps for module in SHARED}
    assert all(not deps for deps in leaning.values()), leaning


def test_the_action_log_is_a_leaf_and_the_sandbox_stands_alone():
    graph = dependencies()
    apps = units() - {UPSTREAM}
    assert graph.get("audit", set()) & apps == set(), graph.get("audit")
    assert graph.get("sandbox", set()) & apps == set(), graph.get("sandbox")


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a graph with a loop is reported."""
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert cycle({"a": {"b"}, "b": {"c"}}) is None


def test_background_jobs_know_only_keys_and_the_action_log():
    """``jobs`` runs other apps' work through its registry; it never imports them."""
    graph = dependencies()
    apps = units() - {UPSTREAM}
    assert graph.get("jobs", set()) & apps <= {"accounts", "audit"}, graph.get("jobs")
