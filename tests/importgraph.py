"""The import graph of the package, read from its source: which module imports which (every
import statement counts, at module level, inside a function, or under TYPE_CHECKING: each ties
two files), and the circles in it, among modules and among folders.

A package's __init__.py that only re-exports (no function or class of its own) is a door,
not a node: importing it stands for importing what it re-exports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "toygan_tui"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_door(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defines = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return path.name == "__init__.py" and not any(isinstance(n, defines) for n in tree.body)


def _imported(path: Path, known: set[str]) -> Iterator[str]:
    """The package's modules `path` imports (a name imported from a package that is a module
    of its own counts as that module)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]  # fmt: skip
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != me:
                yield target


def edges() -> dict[str, set[str]]:
    """module → the modules it imports; a door's imports stand in for the door."""
    known = modules()
    graph = {name: set(_imported(path, set(known))) for name, path in known.items()}
    doors = {name for name, path in known.items() if _is_door(path)}
    for name in graph:
        for door in graph[name] & doors:
            graph[name] = (graph[name] - {door}) | (graph[door] - {name})
    return {name: targets for name, targets in graph.items() if name not in doors}


def folder_of(module: str) -> str:
    path = modules()[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def folder_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """folder → the folders its modules import, a folder and the folders inside it being one
    family (core/'s own modules and core/problems/ may import each other)."""
    folders: dict[str, set[str]] = {}
    for source, targets in graph.items():
        here = folder_of(source)
        folders.setdefault(here, set()).update(
            there for there in map(folder_of, targets) if not _related(here, there)
        )
    return folders


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
