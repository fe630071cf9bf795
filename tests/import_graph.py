"""The static import graph of a Python package, read from its source with :mod:`ast` (nothing is imported).

Used by ``tests/test_architecture.py`` to state and enforce the house rules. What counts as an import:

- every ``import`` and ``from … import`` statement, wherever it is written: at module level, inside a function
  (a lazy import is still a dependency, and still closes a circle when the function runs) and under
  ``if TYPE_CHECKING:``. Type-only imports do not run, but they are the same coupling: a module whose signatures
  name another module's types cannot be read, moved or tested without it, and in ``engine/optimize/__init__.py``
  they are the only static record of the names its ``__getattr__`` loads on first use;
- ``from package import name`` is an import of the submodule ``package.name`` when that module exists, otherwise
  of ``package`` itself (``from engine import cli`` depends on ``engine.cli``);
- relative imports are resolved against the importing module.

Not counted: the implicit import of a parent package's ``__init__`` when a submodule is imported (every
package would otherwise be a circle with its own modules), and imports by computed name
(``importlib.import_module(f"…")``), which no static reading can resolve.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

MODULE_LEVEL = "module level"
IN_FUNCTION = "inside a function"
TYPE_ONLY = "under TYPE_CHECKING"


@dataclass(frozen=True)
class Module:
    """One source file of the package."""

    name: str
    """Dotted name, e.g. ``engine.routing.search`` (a package's ``__init__.py`` is the package's name)."""
    path: Path
    is_package: bool
    tree: ast.Module

    def lines(self) -> int:
        """Physical lines in the file."""
        return len(self.path.read_text(encoding="utf-8").splitlines())


@dataclass(frozen=True)
class Import:
    """One module imported by one statement."""

    source: str
    """The importing module."""
    target: str
    """The imported module: a module of the package when it is one, else the dotted name as written."""
    names: tuple[str, ...]
    """Names taken from ``target`` by a ``from`` import (empty for ``import target`` or a submodule import)."""
    file: str
    """The importing file, relative to the package's parent directory (``engine/cli.py``)."""
    line: int
    statement: str
    """The statement as written (normalised by :func:`ast.unparse`)."""
    where: str
    """:data:`MODULE_LEVEL`, :data:`IN_FUNCTION` or :data:`TYPE_ONLY`."""

    def __str__(self) -> str:
        note = "" if self.where == MODULE_LEVEL else f"  ({self.where})"
        return f"{self.file}:{self.line}: {self.statement}{note}"


def scan(package_dir: Path, exclude: Iterable[Path] = ()) -> dict[str, Module]:
    """Every ``.py`` file under ``package_dir`` (a directory with ``__init__.py``), by dotted name.

    Files under any directory of ``exclude`` are left out (e.g. generated code).
    """
    root = package_dir.parent
    excluded = [e.resolve() for e in exclude]
    modules: dict[str, Module] = {}
    for path in sorted(package_dir.rglob("*.py")):
        if any(path.resolve().is_relative_to(e) for e in excluded):
            continue
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, path, is_package, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return modules


def imports_of(module: Module, modules: Mapping[str, Module], root: Path) -> list[Import]:
    """Every import ``module`` makes, resolved against the package's ``modules``; ``root`` shortens file names."""
    file = module.path.relative_to(root).as_posix()
    found: list[Import] = []
    for statement, where in _import_statements(module.tree):
        text = ast.unparse(statement)
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                found.append(Import(module.name, alias.name, (), file, statement.lineno, text, where))
            continue
        base = _absolute(module, statement.module, statement.level)
        taken: list[str] = []
        for alias in statement.names:
            submodule = f"{base}.{alias.name}"
            if submodule in modules:
                found.append(Import(module.name, submodule, (), file, statement.lineno, text, where))
            else:
                taken.append(alias.name)
        if taken:
            found.append(Import(module.name, base, tuple(taken), file, statement.lineno, text, where))
    return found


def _absolute(module: Module, name: str | None, level: int) -> str:
    if level == 0:
        return name or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    anchor = package[: len(package) - (level - 1)]
    return ".".join([*anchor, name] if name else anchor)


def _import_statements(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    def visit(node: ast.AST, where: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, where
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from visit(child, IN_FUNCTION if where == MODULE_LEVEL else where)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    yield from visit(ast.Module(body=[statement], type_ignores=[]), TYPE_ONLY)
                for statement in child.orelse:
                    yield from visit(ast.Module(body=[statement], type_ignores=[]), where)
            else:
                yield from visit(child, where)

    return visit(tree, MODULE_LEVEL)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def attribute_references(module: Module, modules: Mapping[str, Module]) -> Iterator[tuple[int, str, str]]:
    """``(line, module, attribute)`` for each ``alias.attribute`` where ``alias`` names a module of the package.

    Catches what an import list cannot show: ``from engine.routing import search`` then ``search._step(...)``.
    """
    aliases: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node.module, node.level)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Attribute):
            continue
        dotted = _dotted(node)
        if dotted is None or dotted[0] not in aliases:
            continue
        # The longest prefix of the chain that is a module; the name after it is the attribute used.
        parts = [*aliases[dotted[0]].split("."), *dotted[1:]]
        for cut in range(len(parts) - 1, 0, -1):
            if ".".join(parts[:cut]) in modules:
                if cut == len(parts) - 1:
                    yield node.lineno, ".".join(parts[:cut]), parts[cut]
                break


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def circular_groups(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of nodes that reach each other (strongly connected components with a circle), each sorted.

    Every edge between two nodes of one group lies on a circle, so a group's edges are exactly the imports to
    untangle. A node importing itself is a group of one; a node on no circle is in no group.
    """
    graph = _graph(edges)
    groups = [
        sorted(component)
        for component in _strongly_connected(graph)
        if len(component) > 1 or next(iter(component)) in graph[next(iter(component))]
    ]
    return sorted(groups)


def shortest_circle(edges: Mapping[str, Iterable[str]], group: list[str]) -> list[str]:
    """A shortest circle through the group's first node, e.g. ``["a", "b", "a"]`` (breadth-first, in the group)."""
    graph = _graph(edges)
    members = set(group)
    start = group[0]
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in graph[node]:
            if successor not in members:
                continue
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if successor not in previous:
                previous[successor] = node
                queue.append(successor)
    msg = f"{start} is on no circle inside {group}"
    raise ValueError(msg)


def _graph(edges: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    graph = {node: sorted(set(targets)) for node, targets in edges.items()}
    for targets in list(graph.values()):
        for target in targets:
            graph.setdefault(target, [])
    return graph


def _strongly_connected(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on long import chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph[successor])))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components
