"""The commit benchmark results name: a run of uncommitted code says so; the results a run writes do not count."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.machine import git_commit


def _git(directory: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *arguments],
        cwd=directory,
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
    _git(tmp_path, "commit", "-q", "-m", "first")
    head = _git(tmp_path, "rev-parse", "--short", "HEAD")

    assert git_commit(tmp_path) == head
    (results / "service.md").write_text("new\n")  # what a benchmark run writes
    (tmp_path / "notes.txt").write_text("untracked\n")
    assert git_commit(tmp_path) == head
    assert git_commit(results) == head  # from a subdirectory, the whole checkout is judged
    (tmp_path / "engine.py").write_text("a = 2\n")
    assert git_commit(tmp_path) == f"{head}-dirty"
    assert git_commit(results) == f"{head}-dirty"


def test_outside_a_checkout_the_commit_is_empty(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == ""
