"""The compiled kernel's on-disk cache is keyed by the digest of :data:`engine.routing.kernel_cache.KERNEL_SOURCES`.

numba keys a cached function by its own file only, so a function inlined from another file (or a constant read from
one) must be in that digest, or a change to it loads stale machine code: in session 13 a helper in a new file,
``kernel_layers.py``, changed its row layout while the search loop's cached code still read the old one, and the
10k-node Pareto sets came out wrong. This test reads the imports, so a new kernel file cannot be forgotten.
"""

from __future__ import annotations

import ast
from pathlib import Path

from engine.routing.kernel_cache import KERNEL_SOURCES

ROUTING = Path(__file__).resolve().parents[2] / "engine" / "routing"
OUTSIDE = {"engine.network.model": {"MINUTES_PER_WEEK"}}
"""Names the kernel reads from outside ``engine/routing`` and why they need not be in the digest: the minutes of a
week."""


def _engine_imports(path: Path) -> list[tuple[str, set[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module, {alias.name for alias in node.names})
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("engine.")
    ]


def test_every_compiled_routing_file_is_in_the_kernel_digest() -> None:
    compiled = {path.name for path in ROUTING.glob("*.py") if "@njit" in path.read_text(encoding="utf-8")}
    compiled.discard("bound_dijkstra.py")  # its own cache key: it inlines nothing from another file
    missing = compiled - set(KERNEL_SOURCES)
    assert not missing, f"compiled files missing from KERNEL_SOURCES: {sorted(missing)}"


def test_what_the_compiled_files_import_is_in_the_digest_too() -> None:
    """Functions and constants a compiled file imports are compiled into it (``kernel_tables.py`` itself builds the
    tables in Python: only its constants are read by compiled code, and it is in the digest)."""
    missing = []
    for name in KERNEL_SOURCES:
        if "@njit" not in (ROUTING / name).read_text(encoding="utf-8"):
            continue
        for module, names in _engine_imports(ROUTING / name):
            if module.startswith("engine.routing."):
                if f"{module.rsplit('.', 1)[1]}.py" not in KERNEL_SOURCES:
                    missing.append(f"{name} imports {module}")
            elif not names <= OUTSIDE.get(module, set()):
                missing.append(f"{name} imports {sorted(names)} from {module}")
    assert not missing, missing
