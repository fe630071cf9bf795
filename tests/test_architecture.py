"""The house rules, checked: layers import downward only, and only engine/service imports grpc."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"

# Which engine sub-packages each layer may import. The network floor imports nothing above it.
ALLOWED = {
    "network": {"network", "errors"},
    "routing": {"network", "routing", "errors"},
    "optimize": {"network", "routing", "optimize", "errors"},
    "studies": {"network", "routing", "optimize", "studies", "errors"},
    "service": {"network", "routing", "optimize", "studies", "service", "errors"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_layers_import_downward_only() -> None:
    violations = []
    for path in ENGINE.rglob("*.py"):
        parts = path.relative_to(ENGINE).parts
        layer = parts[0] if len(parts) > 1 else None
        if layer not in ALLOWED or "gen" in parts:
            continue
        for name in _imports(path):
            if name.startswith("engine."):
                target = name.split(".")[1]
                if target not in ALLOWED[layer] and target in {*ALLOWED, "cli"}:
                    violations.append(f"{path.relative_to(ENGINE)} imports {name}")
    assert violations == []


def test_only_the_service_imports_grpc() -> None:
    leaks = [
        str(path.relative_to(ENGINE))
        for path in ENGINE.rglob("*.py")
        if path.relative_to(ENGINE).parts[0] != "service"
        and any(n == "grpc" or n.startswith(("grpc.", "grpc_")) for n in _imports(path))
    ]
    assert leaks == []
