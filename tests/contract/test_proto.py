"""The contract itself: buf lint passes and the committed generated code is exactly what `make proto` makes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_buf_lint_passes() -> None:
    buf = shutil.which("buf") or str(BIN / "buf")
    result = subprocess.run([buf, "lint"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    # The same script `make proto` runs, so the check cannot drift from the command that made the committed code.
    result = subprocess.run(
        [sys.executable, str(ROOT / "proto" / "generate.py"), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    committed = ROOT / "engine" / "service" / "gen"
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert generated, "protoc generated nothing"
    for relative in generated:
        assert (committed / relative).read_bytes() == (tmp_path / relative).read_bytes(), (
            f"{relative} differs from what `make proto` generates; run `make proto` and commit"
        )
    stale = sorted(
        p.relative_to(committed)
        for p in committed.rglob("*_pb2*")
        if p.is_file() and p.relative_to(committed) not in set(generated)
    )
    assert stale == [], f"generated files without a .proto: {stale}"


@pytest.mark.parametrize("name", ["types", "routing", "network"])
def test_every_field_and_message_is_commented(name: str) -> None:
    lines = (ROOT / "proto" / "corridor" / "v1" / f"{name}.proto").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        declares = stripped.startswith(("message ", "enum ", "service ", "rpc ", "oneof ")) or (
            "=" in stripped
            and stripped.endswith(";")
            and not stripped.startswith(("syntax", "package", "import", "option"))
        )
        if declares:
            assert lines[number - 1].strip().startswith("//"), f"{name}.proto:{number + 1} has no comment: {stripped}"
