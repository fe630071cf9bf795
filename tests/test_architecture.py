"""The house rules, stated once and checked on every run.

1. Layers import downward only, as the table :data:`LAYERS` allows (every module of ``engine/`` has a layer).
2. No import cycles anywhere in ``engine/``, counting imports inside functions and under ``TYPE_CHECKING`` (why:
   ``tests/import_graph.py``).
3. Nothing in ``engine/`` outside ``engine/routing`` uses a private routing name: an underscore-prefixed module,
   or an underscore-prefixed name imported from a routing module or read as its attribute (``search._step``).
4. Other layers use routing through its face only (the ``face`` column of the table), and ``engine/optimize``
   uses at most two routing modules. A face exports only public names that exist (its ``__all__``).
5. No hand-written module is longer than 500 lines (generated code, as ``[tool.ruff] extend-exclude`` lists it, is
   not hand-written).
6. Only ``engine/service`` imports grpc (or the generated ``corridor.v1`` code).

Each rule is a function from the scanned package to messages naming the file, line and import that break it; the
tests at the bottom run the same functions on a small fake package to show that each rule can fail.
"""

from __future__ import annotations

import functools
import importlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.import_graph import Import, Module, attribute_references, circular_groups, imports_of, scan, shortest_circle

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Layer:
    """Where a layer lives and which layers it may import."""

    modules: tuple[str, ...]
    """Dotted names: a package (with everything under it) or a top-level module."""
    may_import: frozenset[str]
    """Other layers this one may import (itself always; the root package ``engine`` from anywhere)."""
    grpc: bool = False
    """Whether it may import grpc and the generated ``corridor`` code."""
    face: tuple[str, ...] = ()
    """The only modules other layers may import from this one (empty: any module)."""


def _layer(*modules: str, may_import: tuple[str, ...] = (), grpc: bool = False, face: tuple[str, ...] = ()) -> Layer:
    return Layer(modules, frozenset(may_import), grpc, face)


# The one table. Read it bottom-up: errors ← network ← routing ← optimize ← studies ← service / cli.
LAYERS: dict[str, Layer] = {
    "engine": _layer(),  # engine/__init__.py itself: the package docstring and version, importing nothing
    "errors": _layer("engine.errors"),
    "network": _layer("engine.network", may_import=("errors",)),
    "routing": _layer(
        "engine.routing",
        may_import=("errors", "network"),
        face=("engine.routing", "engine.routing.model"),  # questions and answers; the cost model underneath
    ),
    "optimize": _layer("engine.optimize", may_import=("errors", "network", "routing")),
    "studies": _layer("engine.studies", may_import=("errors", "network", "routing", "optimize")),
    "service": _layer("engine.service", may_import=("errors", "network", "routing", "optimize", "studies"), grpc=True),
    "cli": _layer("engine.cli", may_import=("errors", "network", "routing", "optimize", "studies", "service")),
}
ROOT_PACKAGE = "engine"
GRPC_PACKAGES = ("grpc", "grpc_status", "grpc_health", "grpc_reflection", "corridor")
MAX_LINES = 500
MAX_ROUTING_MODULES_IN_OPTIMIZE = 2


def layer_of(module: str) -> str | None:
    """The layer of an ``engine`` module (``None`` when the table places it nowhere)."""
    if module == ROOT_PACKAGE:
        return ROOT_PACKAGE
    matches = [
        (len(prefix), name)
        for name, layer in LAYERS.items()
        for prefix in layer.modules
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def generated_dirs(repo: Path) -> list[Path]:
    """Directories of generated code: those ruff is told to leave alone (one list, in pyproject.toml)."""
    with (repo / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)
    return [repo / entry for entry in config["tool"]["ruff"]["extend-exclude"]]


def _in_package(target: str) -> bool:
    return target == ROOT_PACKAGE or target.startswith(ROOT_PACKAGE + ".")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _all_imports(modules: dict[str, Module], root: Path) -> list[Import]:
    return [imp for module in modules.values() for imp in imports_of(module, modules, root)]


# ---- the rules: each returns one message per violation ----------------------------------------------------------


def unplaced_modules(modules: dict[str, Module], root: Path) -> list[str]:
    """Modules the table puts in no layer."""
    return [
        f"{m.path.relative_to(root).as_posix()}: module {m.name} is in no layer; add it to LAYERS"
        for m in modules.values()
        if layer_of(m.name) is None
    ]


def upward_imports(modules: dict[str, Module], root: Path) -> list[str]:
    """Imports of a layer the importing layer may not use."""
    problems = []
    for imp in _all_imports(modules, root):
        source, target = layer_of(imp.source), layer_of(imp.target)
        if not _in_package(imp.target) or source is None or target in (source, ROOT_PACKAGE):
            continue
        if target is None or target not in LAYERS[source].may_import:
            allowed = ", ".join(sorted(LAYERS[source].may_import)) or "no other layer"
            problems.append(f"{imp}: {source} may not import {target or imp.target} (it may import {allowed})")
    return problems


def import_cycles(modules: dict[str, Module], root: Path) -> list[str]:
    """One message per circle of imports, listing the statements that close it."""
    by_edge: dict[tuple[str, str], list[Import]] = {}
    for imp in _all_imports(modules, root):
        if imp.target in modules:
            by_edge.setdefault((imp.source, imp.target), []).append(imp)
    edges: dict[str, set[str]] = {}
    for source, target in by_edge:
        edges.setdefault(source, set()).add(target)
    messages = []
    for group in circular_groups(edges):
        members = set(group)
        tangle = [imp for (a, b), imps in by_edge.items() if {a, b} <= members for imp in imps]
        statements = [str(imp) for imp in sorted(tangle, key=lambda imp: (imp.file, imp.line, imp.target))]
        messages.append(
            "import cycle "
            + " → ".join(shortest_circle(edges, group))
            + (f" (all modules in the tangle: {', '.join(group)})" if len(group) > 2 else "")
            + ":\n    "
            + "\n    ".join(statements)
        )
    return messages


def private_routing_uses(modules: dict[str, Module], root: Path) -> list[str]:
    """Private routing modules or names used outside engine/routing."""
    problems = []
    for module in modules.values():
        if layer_of(module.name) == "routing":
            continue
        for imp in imports_of(module, modules, root):
            if layer_of(imp.target) != "routing":
                continue
            private = [part for part in imp.target.split(".") if _private(part)]
            private += [name for name in imp.names if _private(name)]
            if private:
                problems.append(f"{imp}: {', '.join(private)} is private to engine/routing")
        file = module.path.relative_to(root).as_posix()
        for line, target, attribute in attribute_references(module, modules):
            if layer_of(target) == "routing" and _private(attribute):
                problems.append(f"{file}:{line}: {target}.{attribute}: {attribute} is private to engine/routing")
    return problems


def routing_modules_used_by_optimize(modules: dict[str, Module], root: Path) -> list[str]:
    """One message when engine/optimize reaches into more routing modules than the face."""
    used: dict[str, list[Import]] = {}
    for imp in _all_imports(modules, root):
        if layer_of(imp.source) == "optimize" and layer_of(imp.target) == "routing":
            used.setdefault(imp.target, []).append(imp)
    if len(used) <= MAX_ROUTING_MODULES_IN_OPTIMIZE:
        return []
    lines = [f"{target}: {imp}" for target in sorted(used) for imp in used[target]]
    return [
        f"engine/optimize imports {len(used)} routing modules, at most {MAX_ROUTING_MODULES_IN_OPTIMIZE} allowed "
        "(the routing face):\n    " + "\n    ".join(lines)
    ]


def behind_the_face(modules: dict[str, Module], root: Path) -> list[str]:
    """Imports of a layer's modules other than its face, from another layer."""
    problems = []
    for imp in _all_imports(modules, root):
        source, target = layer_of(imp.source), layer_of(imp.target)
        if source is None or target is None or source == target or not _in_package(imp.target):
            continue
        face = LAYERS[target].face
        if face and imp.target not in face:
            problems.append(f"{imp}: {imp.target} is not in {target}'s face ({', '.join(face)})")
    return problems


def long_modules(modules: dict[str, Module], root: Path) -> list[str]:
    """Hand-written modules over the line limit."""
    return [
        f"{m.path.relative_to(root).as_posix()}: {m.lines()} lines, at most {MAX_LINES} (split it by job)"
        for m in modules.values()
        if m.lines() > MAX_LINES
    ]


def grpc_outside_the_service(modules: dict[str, Module], root: Path) -> list[str]:
    """Imports of grpc or the generated gRPC code by layers the table does not allow."""
    problems = []
    for imp in _all_imports(modules, root):
        layer = layer_of(imp.source)
        if imp.target.split(".")[0] in GRPC_PACKAGES and not (layer is not None and LAYERS[layer].grpc):
            problems.append(f"{imp}: only engine/service imports grpc and the generated corridor.v1 code")
    return problems


# ---- the rules, applied to engine/ ---------------------------------------------------------------------------------


@functools.cache
def _engine() -> dict[str, Module]:
    return scan(REPO / "engine", exclude=generated_dirs(REPO))


def _check(problems: list[str]) -> None:
    """Fail with every message in full (an assertion diff would cut them short)."""
    if problems:
        pytest.fail(f"{len(problems)} violation(s):\n" + "\n".join(problems), pytrace=False)


def test_the_table_itself_is_layered() -> None:
    for name, layer in LAYERS.items():
        assert layer.may_import <= LAYERS.keys() - {name, ROOT_PACKAGE}, f"{name} may import only other layers"
    assert circular_groups({name: layer.may_import for name, layer in LAYERS.items()}) == []


def test_every_module_has_a_layer() -> None:
    _check(unplaced_modules(_engine(), REPO))


def test_layers_import_downward_only() -> None:
    _check(upward_imports(_engine(), REPO))


def test_no_import_cycles() -> None:
    _check(import_cycles(_engine(), REPO))


def test_nothing_outside_routing_uses_a_private_routing_name() -> None:
    _check(private_routing_uses(_engine(), REPO))


def test_other_layers_use_routing_through_its_face() -> None:
    _check(behind_the_face(_engine(), REPO))


def test_optimize_uses_at_most_two_routing_modules() -> None:
    _check(routing_modules_used_by_optimize(_engine(), REPO))


def test_a_face_exports_what_it_names() -> None:
    """Every name in a face module's ``__all__`` exists and is public: what other layers may use is real."""
    for layer in LAYERS.values():
        for dotted in layer.face:
            module = importlib.import_module(dotted)
            names = list(module.__all__)
            assert names, f"{dotted} has no __all__"
            assert [n for n in names if not hasattr(module, n) or n.startswith("_")] == [], dotted


def test_no_hand_written_module_over_500_lines() -> None:
    _check(long_modules(_engine(), REPO))


def test_only_the_service_imports_grpc() -> None:
    _check(grpc_outside_the_service(_engine(), REPO))


# ---- each rule can fail: the same functions on a small fake engine/ -------------------------------------------------

FAKE_ENGINE = {
    "__init__.py": '"""Root."""\n',
    "errors.py": "class CorridorError(Exception): ...\n",
    "network/__init__.py": "",
    "network/model.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from engine.routing.query import RouteQuery\n"
        "def graph():\n"
        "    from engine.network.graph import build\n"
        "    return build()\n"
    ),
    "network/graph.py": "from engine.network.model import graph\nimport grpc\n",
    "routing/__init__.py": "",
    "routing/_labels.py": "LABEL = 1\n",
    "routing/search.py": "def _step(): ...\nclass Label: ...\n",
    "routing/query.py": "class RouteQuery: ...\n",
    "routing/costing.py": "STEP = 1\n",
    "optimize/__init__.py": "",
    "optimize/plan.py": (
        "import engine.routing.search as search\n"
        "from engine.routing import _labels, costing\n"
        "from engine.routing.search import Label, _step\n"
        "from engine.routing.query import RouteQuery\n"
        "from engine.service.server import serve\n"
        "search._step()\n"
    ),
    "service/__init__.py": "",
    "service/server.py": "import grpc\nfrom corridor.v1 import routing_pb2\ndef serve(): ...\n",
    "service/gen/corridor/v1/routing_pb2.py": "import grpc\n" + "X = 1\n" * 600,
    "cli/__init__.py": "from engine.cli.optimize import add_commands\n",
    "cli/optimize.py": "def add_commands():\n    from engine import cli\n    return cli\n",
    "reports.py": "\n" * 501,
}


@pytest.fixture
def fake(tmp_path: Path) -> dict[str, Module]:
    for name, text in FAKE_ENGINE.items():
        path = tmp_path / "engine" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return scan(tmp_path / "engine", exclude=[tmp_path / "engine/service/gen"])


def test_a_module_outside_the_table_is_named(fake: dict[str, Module], tmp_path: Path) -> None:
    assert unplaced_modules(fake, tmp_path) == [
        "engine/reports.py: module engine.reports is in no layer; add it to LAYERS"
    ]


def test_upward_imports_are_named_with_their_statement(fake: dict[str, Module], tmp_path: Path) -> None:
    assert upward_imports(fake, tmp_path) == [
        "engine/network/model.py:3: from engine.routing.query import RouteQuery  (under TYPE_CHECKING): network may "
        "not import routing (it may import errors)",
        "engine/optimize/plan.py:5: from engine.service.server import serve: optimize may not import service (it may "
        "import errors, network, routing)",
    ]


def test_cycles_count_function_level_imports_and_from_package_imports(fake: dict[str, Module], tmp_path: Path) -> None:
    assert import_cycles(fake, tmp_path) == [
        "import cycle engine.cli → engine.cli.optimize → engine.cli:\n"
        "    engine/cli/__init__.py:1: from engine.cli.optimize import add_commands\n"
        "    engine/cli/optimize.py:2: from engine import cli  (inside a function)",
        "import cycle engine.network.graph → engine.network.model → engine.network.graph:\n"
        "    engine/network/graph.py:1: from engine.network.model import graph\n"
        "    engine/network/model.py:5: from engine.network.graph import build  (inside a function)",
    ]


def test_private_routing_modules_names_and_attributes_are_named(fake: dict[str, Module], tmp_path: Path) -> None:
    assert private_routing_uses(fake, tmp_path) == [
        "engine/optimize/plan.py:2: from engine.routing import _labels, costing: _labels is private to engine/routing",
        "engine/optimize/plan.py:3: from engine.routing.search import Label, _step: _step is private to engine/routing",
        "engine/optimize/plan.py:6: engine.routing.search._step: _step is private to engine/routing",
    ]


def test_optimize_reaching_into_routing_is_listed(fake: dict[str, Module], tmp_path: Path) -> None:
    (message,) = routing_modules_used_by_optimize(fake, tmp_path)
    assert message.splitlines() == [
        "engine/optimize imports 4 routing modules, at most 2 allowed (the routing face):",
        "    engine.routing._labels: engine/optimize/plan.py:2: from engine.routing import _labels, costing",
        "    engine.routing.costing: engine/optimize/plan.py:2: from engine.routing import _labels, costing",
        "    engine.routing.query: engine/optimize/plan.py:4: from engine.routing.query import RouteQuery",
        "    engine.routing.search: engine/optimize/plan.py:1: import engine.routing.search as search",
        "    engine.routing.search: engine/optimize/plan.py:3: from engine.routing.search import Label, _step",
    ]


def test_imports_behind_the_face_are_named(fake: dict[str, Module], tmp_path: Path) -> None:
    face = "routing's face (engine.routing, engine.routing.model)"
    assert behind_the_face(fake, tmp_path) == [
        f"engine/network/model.py:3: from engine.routing.query import RouteQuery  (under TYPE_CHECKING): "
        f"engine.routing.query is not in {face}",
        f"engine/optimize/plan.py:1: import engine.routing.search as search: engine.routing.search is not in {face}",
        f"engine/optimize/plan.py:2: from engine.routing import _labels, costing: engine.routing._labels is not in "
        f"{face}",
        f"engine/optimize/plan.py:2: from engine.routing import _labels, costing: engine.routing.costing is not in "
        f"{face}",
        f"engine/optimize/plan.py:3: from engine.routing.search import Label, _step: engine.routing.search is not in "
        f"{face}",
        f"engine/optimize/plan.py:4: from engine.routing.query import RouteQuery: engine.routing.query is not in "
        f"{face}",
    ]


def test_long_modules_are_named_and_generated_code_is_not(fake: dict[str, Module], tmp_path: Path) -> None:
    assert long_modules(fake, tmp_path) == ["engine/reports.py: 501 lines, at most 500 (split it by job)"]


def test_grpc_outside_the_service_is_named(fake: dict[str, Module], tmp_path: Path) -> None:
    assert grpc_outside_the_service(fake, tmp_path) == [
        "engine/network/graph.py:2: import grpc: only engine/service imports grpc and the generated corridor.v1 code"
    ]


def test_generated_code_is_what_ruff_excludes() -> None:
    assert REPO / "engine/service/gen" in generated_dirs(REPO)
