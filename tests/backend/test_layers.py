"""The layering rules of backend/, read from the source with `ast` (no import runs):

- dependencies point down: the domain never imports the HTTP layer (backend.api, backend.web) nor the
  composition root (backend.app, backend.services);
- only backend/chain/ imports web3 (in backend/ and metadata/);
- backend/db/ imports nothing of the domain (only itself and the leaf modules settings/errors);
- no import cycles between backend modules, counting imports inside functions too (a lazy import
  only hides a cycle, it does not remove it).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
HTTP_LAYER = ("backend.api", "backend.web", "backend.app", "backend.services")
DB_MAY_IMPORT = ("backend.db", "backend.settings", "backend.errors", "backend.clock")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules(*packages: str) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts and "versions" in path.parts:
                continue  # migrations are frozen history; they import nothing of the domain anyway
            found[module_name(path)] = path
    return found


def imports_of(path: Path, name: str) -> set[str]:
    """Every module `path` imports (absolute names), wherever in the file the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.add(origin)
            # `from backend.x import y` may name a submodule y
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


MODULES = source_modules("backend")
GRAPH = {name: {m for m in imports_of(path, name) if m in MODULES and m != name} for name, path in MODULES.items()}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_domain_never_imports_the_http_layer():
    breaches = sorted(f"{name} imports {target}" for name, targets in GRAPH.items() if not within(name, HTTP_LAYER)
                      for target in targets if within(target, HTTP_LAYER))
    assert breaches == []


def test_only_the_chain_package_imports_web3():
    breaches = []
    for name, path in {**MODULES, **source_modules("metadata")}.items():
        if within(name, ("backend.chain",)):
            continue
        breaches += [f"{name} imports {m}" for m in sorted(imports_of(path, name)) if m == "web3" or
                     m.startswith("web3.")]
    assert breaches == []


def test_the_database_layer_imports_nothing_of_the_domain():
    breaches = sorted(f"{name} imports {target}" for name, targets in GRAPH.items() if within(name, ("backend.db",))
                      for target in targets if not within(target, DB_MAY_IMPORT))
    assert breaches == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` as a path [a, b, …, a], or None (iterative DFS, three colours)."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_there_are_no_import_cycles():
    assert find_cycle(GRAPH) is None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
