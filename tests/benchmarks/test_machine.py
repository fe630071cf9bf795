"""The commit benchmark results name: a run of uncommitted code says so; the results a run writes do not count."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from benchmarks.machine import git_commit


def _git(directory: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *arguments],
        cwd=directory,
        env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_commit_is_marked_dirty_only_for_changes_outside_the_results(tmp_path: Path) -> None:
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    (tmp_path / "engine.py").write_text("a = 1\n")
    (results / "service.md").write_text("old\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "--no-verify", "-m", "first")
    head = _git(tmp_path, "rev-parse", "--short", "HEAD")

    assert git_commit(tmp_path) == head
    (results / "service.md").write_text("new\n")  # what a benchmark run writes
    (results / "scale.png").write_text("new\n")
    assert git_commit(tmp_path) == head
    assert git_commit(results) == head  # from a subdirectory, the whole checkout is judged
    (tmp_path / "engine.py").write_text("a = 2\n")
    assert git_commit(tmp_path) == f"{head}-dirty"
    assert git_commit(results) == f"{head}-dirty"
    (tmp_path / "engine.py").write_text("a = 1\n")
    assert git_commit(tmp_path) == head
    (tmp_path / "new_module.py").write_text("b = 1\n")  # a new file the run may import
    assert git_commit(tmp_path) == f"{head}-dirty"


def test_by_default_the_commit_is_this_project_s_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))  # as under a git hook
    project = Path(__file__).resolve().parents[2]
    assert git_commit().split("-")[0] == git_commit(project).split("-")[0] != ""


def test_outside_a_checkout_the_commit_is_empty(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == ""
