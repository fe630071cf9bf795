"""What a benchmark ran on: machine, Python and library versions (written next to every result)."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
LIBRARIES = (
    "networkx",
    "ortools",
    "polars",
    "numpy",
    "scipy",
    "grpcio",
    "protobuf",
    "highspy",
    "distributed",
    "numba",
)


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and library versions, git commit, and the time of the run (UTC)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "when_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": versions,
        "git_commit": git_commit(),
        "search": _search_path(),
    }


def git_commit(directory: Path | None = None) -> str:
    """The short commit of ``directory``'s checkout (default: the current one), with ``-dirty`` when tracked files
    outside ``benchmarks/results/`` (which a benchmark run writes itself) differ from it: a run of uncommitted code
    then does not pass for the commit's. Empty when git cannot tell."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=directory, capture_output=True, text=True, check=False, timeout=10
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ":/", ":(top,exclude)benchmarks/results")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return f"{commit}-dirty" if commit and changed else commit


def _search_path() -> str:
    """Which search the in-process measurements ran: the compiled kernel once loaded (as served), else Python."""
    from engine.routing import kernel

    setting = kernel.kernel_setting()
    if setting == "off":
        return "python (CORRIDOR_KERNEL=off)"
    return "numba kernel" if kernel.kernel_wanted(0) else f"python below {kernel.KERNEL_FROM_LINKS} links, else kernel"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
