"""The import graph reader behind the architecture rules: resolution, where an import sits, and circles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import (
    IN_FUNCTION,
    MODULE_LEVEL,
    TYPE_ONLY,
    Module,
    attribute_references,
    circular_groups,
    imports_of,
    scan,
    shortest_circle,
)


def _package(root: Path, files: dict[str, str]) -> dict[str, Module]:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return scan(root / "pkg")


def _targets(modules: dict[str, Module], name: str, root: Path) -> list[tuple[str, tuple[str, ...], str]]:
    return [(i.target, i.names, i.where) for i in imports_of(modules[name], modules, root)]


def test_names_follow_the_files(tmp_path: Path) -> None:
    modules = _package(tmp_path, {"__init__.py": "", "a.py": "", "sub/__init__.py": "", "sub/b.py": ""})
    assert sorted(modules) == ["pkg", "pkg.a", "pkg.sub", "pkg.sub.b"]
    assert modules["pkg.sub"].is_package
    assert not modules["pkg.sub.b"].is_package


def test_from_a_package_import_a_submodule_or_a_name(tmp_path: Path) -> None:
    modules = _package(
        tmp_path,
        {
            "__init__.py": "X = 1\n",
            "a.py": "from pkg import b, X\nimport pkg.sub.c as c\nimport os.path\n",
            "b.py": "",
            "sub/__init__.py": "",
            "sub/c.py": "",
        },
    )
    assert _targets(modules, "pkg.a", tmp_path) == [
        ("pkg.b", (), MODULE_LEVEL),
        ("pkg", ("X",), MODULE_LEVEL),
        ("pkg.sub.c", (), MODULE_LEVEL),
        ("os.path", (), MODULE_LEVEL),
    ]


def test_relative_imports_resolve_from_the_module_or_the_package(tmp_path: Path) -> None:
    modules = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "",
            "sub/__init__.py": "from . import d\nfrom .d import Y\n",
            "sub/c.py": "from . import d\nfrom .. import a\nfrom ..a import Z\n",
            "sub/d.py": "",
        },
    )
    assert _targets(modules, "pkg.sub", tmp_path) == [
        ("pkg.sub.d", (), MODULE_LEVEL),
        ("pkg.sub.d", ("Y",), MODULE_LEVEL),
    ]
    assert _targets(modules, "pkg.sub.c", tmp_path) == [
        ("pkg.sub.d", (), MODULE_LEVEL),
        ("pkg.a", (), MODULE_LEVEL),
        ("pkg.a", ("Z",), MODULE_LEVEL),
    ]


def test_where_an_import_sits(tmp_path: Path) -> None:
    source = (
        "import typing\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import pkg.b\n"
        "    def f():\n"
        "        import pkg.c\n"
        "else:\n"
        "    import pkg.d\n"
        "if typing.TYPE_CHECKING:\n"
        "    import pkg.e\n"
        "class K:\n"
        "    import pkg.f\n"
        "    def method(self):\n"
        "        import pkg.g\n"
        "try:\n"
        "    import pkg.h\n"
        "except ImportError:\n"
        "    pass\n"
        "async def g():\n"
        "    import pkg.i\n"
    )
    names = "bcdefghi"
    modules = _package(tmp_path, {"__init__.py": "", "a.py": source, **{f"{n}.py": "" for n in names}})
    where = {target: w for target, _, w in _targets(modules, "pkg.a", tmp_path) if target.startswith("pkg.")}
    assert where == {
        "pkg.b": TYPE_ONLY,
        "pkg.c": TYPE_ONLY,
        "pkg.d": MODULE_LEVEL,
        "pkg.e": TYPE_ONLY,
        "pkg.f": MODULE_LEVEL,
        "pkg.g": IN_FUNCTION,
        "pkg.h": MODULE_LEVEL,
        "pkg.i": IN_FUNCTION,
    }


def test_an_import_prints_as_file_line_and_statement(tmp_path: Path) -> None:
    modules = _package(tmp_path, {"__init__.py": "", "a.py": "\ndef f():\n    from pkg   import b as c\n", "b.py": ""})
    (imp,) = imports_of(modules["pkg.a"], modules, tmp_path)
    assert str(imp) == "pkg/a.py:3: from pkg import b as c  (inside a function)"


def test_attributes_of_module_aliases(tmp_path: Path) -> None:
    modules = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "import pkg.b\nimport pkg.b as bee\nfrom pkg import b\npkg.b._x\nbee.y.z\nb._w()\nother._v\n",
            "b.py": "",
        },
    )
    assert sorted(attribute_references(modules["pkg.a"], modules)) == [
        (4, "pkg", "b"),
        (4, "pkg.b", "_x"),
        (5, "pkg.b", "y"),
        (6, "pkg.b", "_w"),
    ]


def test_excluded_directories_are_not_scanned(tmp_path: Path) -> None:
    _package(tmp_path, {"__init__.py": "", "gen/__init__.py": "", "gen/x_pb2.py": "import grpc\n"})
    assert sorted(scan(tmp_path / "pkg", exclude=[tmp_path / "pkg" / "gen"])) == ["pkg"]


def test_no_circle_in_a_layered_graph() -> None:
    assert circular_groups({"a": ["b", "c"], "b": ["c"], "c": []}) == []


def test_a_two_module_circle() -> None:
    edges = {"a": ["b"], "b": ["a", "c"], "c": []}
    assert circular_groups(edges) == [["a", "b"]]
    assert shortest_circle(edges, ["a", "b"]) == ["a", "b", "a"]


def test_a_module_importing_itself() -> None:
    assert circular_groups({"a": ["a"], "b": ["a"]}) == [["a"]]
    assert shortest_circle({"a": ["a"]}, ["a"]) == ["a", "a"]


def test_separate_tangles_are_separate_groups() -> None:
    edges = {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["e"], "e": ["c"], "x": ["a", "c"]}
    assert circular_groups(edges) == [["a", "b"], ["c", "d", "e"]]


def test_the_shortest_circle_through_the_first_module() -> None:
    # a → b → c → d → a is a circle, but so is a → d → a: the shorter one is shown.
    edges = {"a": ["b", "d"], "b": ["c"], "c": ["d"], "d": ["a"]}
    assert circular_groups(edges) == [["a", "b", "c", "d"]]
    assert shortest_circle(edges, ["a", "b", "c", "d"]) == ["a", "d", "a"]


def test_a_long_chain_needs_no_recursion() -> None:
    chain = {f"m{i:05d}": [f"m{i + 1:05d}"] for i in range(5000)}
    chain["m05000"] = ["m00000"]
    (group,) = circular_groups(chain)
    assert len(group) == 5001
    assert len(shortest_circle(chain, group)) == 5002


def test_a_group_without_a_circle_is_refused() -> None:
    with pytest.raises(ValueError, match="on no circle"):
        shortest_circle({"a": ["b"], "b": []}, ["a", "b"])
