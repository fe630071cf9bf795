"""Routing's public face: other layers import ``engine.routing`` and ``engine.routing.model`` only, no private name."""

from __future__ import annotations

import ast
from pathlib import Path

import engine.routing
import engine.routing.model

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FACE = {"engine.routing", "engine.routing.model"}


def _routing_imports(path: Path) -> list[tuple[str, str]]:
    """``(module, name)`` for every import of routing in ``path``, including imports inside functions."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("engine.routing")]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == "engine":
                found += [(f"engine.{a.name}", "") for a in node.names if a.name == "routing"]
            elif node.module.startswith("engine.routing"):
                found += [(node.module, a.name) for a in node.names]
    return found


def _outside_routing() -> list[Path]:
    return [p for p in ENGINE.rglob("*.py") if p.relative_to(ENGINE).parts[0] != "routing" and "gen" not in p.parts]


def test_other_layers_import_only_the_face() -> None:
    leaks = [
        f"{path.relative_to(ENGINE)}: {module} {name}".strip()
        for path in _outside_routing()
        for module, name in _routing_imports(path)
        if module not in FACE or name.startswith("_")
    ]
    assert leaks == []


def test_the_optimizer_uses_at_most_two_routing_modules() -> None:
    used = {module for path in (ENGINE / "optimize").rglob("*.py") for module, _ in _routing_imports(path)}
    assert used <= FACE


def test_the_face_exports_what_it_names() -> None:
    for module in (engine.routing, engine.routing.model):
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == []
        assert not any(name.startswith("_") for name in module.__all__)
