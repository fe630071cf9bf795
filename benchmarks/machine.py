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
    """The short commit of the checkout holding ``directory`` (default: this project's), with ``-dirty`` when files
    outside ``benchmarks/results/`` (which a benchmark run writes itself) differ from it, new files not ignored
    included, so that a run of uncommitted code does not pass for the commit's; ``-unchecked`` when git could not
    tell. Empty outside a checkout or without git. Git's own variables (``GIT_DIR``, set under a hook) are dropped,
    so the directory decides."""
    where = Path(__file__).resolve().parent if directory is None else directory
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}

    def git(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *arguments], cwd=where, env=environ, capture_output=True, text=True, check=False, timeout=10
        )

    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return ""
        status = git("status", "--porcelain", "--", ":/", ":(top,exclude)benchmarks/results")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    commit = head.stdout.strip()
    if status.returncode != 0:
        return f"{commit}-unchecked"
    return f"{commit}-dirty" if status.stdout.strip() else commit


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
