"""Generate the Python gRPC code and its type stubs from ``proto/``: the one place the protoc command is written.

``make proto`` runs it into ``engine/service/gen`` (the committed code); ``tests/contract/test_proto.py`` runs it
into a temporary directory and compares, so the committed code cannot drift from ``proto/`` or from this command.

Usage: ``python proto/generate.py [OUT_DIR]`` (default ``engine/service/gen``), with the project's interpreter:
grpcio-tools and mypy-protobuf are development dependencies, and the mypy plugins are found next to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTO = ROOT / "proto"
GEN = ROOT / "engine" / "service" / "gen"
PACKAGE = Path("corridor") / "v1"
"""The proto package path, which is also the generated code's import path (``corridor.v1``)."""


def protoc_command(out: Path) -> list[str]:
    """The protoc invocation: Python messages, gRPC stubs and mypy stubs for every ``.proto``, in path order."""
    protos = sorted(str(p.relative_to(ROOT)) for p in PROTO.rglob("*.proto"))
    return [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO.relative_to(ROOT)}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        f"--mypy_out={out}",
        f"--mypy_grpc_out={out}",
        *protos,
    ]


def generate(out: Path) -> None:
    """Replace the generated package under ``out`` with freshly generated code (and its ``__init__.py`` files).

    Raises
    ------
    subprocess.CalledProcessError
        When protoc fails; its messages are on standard error.
    """
    out = out.resolve()
    shutil.rmtree(out / PACKAGE.parts[0], ignore_errors=True)
    (out / PACKAGE).mkdir(parents=True)
    # protoc finds its plugins (protoc-gen-mypy, protoc-gen-mypy_grpc) on PATH; they sit next to the interpreter.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(protoc_command(out), cwd=ROOT, env=env, check=True, timeout=300)
    for package in (PACKAGE.parent, PACKAGE):
        (out / package / "__init__.py").touch()


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else GEN)
