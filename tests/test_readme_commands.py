"""The command line as an outsider meets it: every ``corridor`` command shown in README.md runs and succeeds.

The README's ``sh`` blocks are the only input: each ``.venv/bin/corridor …`` line (with its ``\\`` continuations,
comments dropped, globs expanded) is run in-process from a scratch directory, with the repository's paths made
absolute. Left out: ``serve`` (a server; the contract tests start it) and ``--cluster`` (a Dask cluster; the Dask
tests start one) — both named here so that a new kind of command is not skipped silently.
"""

from __future__ import annotations

import io
import re
import shlex
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = ("corridor serve", "--cluster")


def readme_commands() -> list[str]:
    """The ``corridor`` command lines of README.md's ``sh`` blocks, continuations joined, comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith(".venv/bin/corridor ") and not any(s in line for s in SKIPPED):
                commands.append(line)
    return commands


def _argv(command: str) -> list[str]:
    argv: list[str] = []
    for word in shlex.split(command)[1:]:
        if word.startswith("graphs/"):
            word = str(ROOT / word)
        if "*" in word:  # the shell's glob, on an absolute pattern
            path = Path(word)
            argv.extend(sorted(str(p) for p in path.parent.glob(path.name)))
        else:
            argv.append(word)
    return argv


def test_the_readme_shows_the_main_commands() -> None:
    shown = " ".join(readme_commands())
    for command in ("network validate", "route ", "plan ", "assign ", "study run", "study report", "scenario diff"):
        assert f"corridor {command}" in shown


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_succeeds(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if "study report" in command:  # the report reads the frame that the README's study run writes first
        assert main(_argv(next(c for c in readme_commands() if "study run" in c))) == 0
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(_argv(command))
    assert code == 0, f"{command}\nstdout:\n{out.getvalue()[-2000:]}\nstderr:\n{err.getvalue()[-2000:]}"
    assert out.getvalue().strip() or list(tmp_path.iterdir()), f"{command} printed and wrote nothing"
