"""Run every benchmark (``make bench``), or those named: ``python -m benchmarks routing``.

Each ``benchmarks/bench_<name>.py`` has ``main() -> None`` that writes ``benchmarks/results/<name>.json`` (and a
readable ``.md``) with machine info and prints a one-line summary per run.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(names: list[str]) -> None:
    """Run the named benchmarks (all when none are named)."""
    available = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    # Measure what is served: a server's workers load the compiled search kernel at start (CORRIDOR_KERNEL=off
    # measures the Python search instead).
    from engine.routing.kernel import warm_up

    warm_up()
    for name in names or available:
        if name not in available:
            msg = f"unknown benchmark {name!r}; available: {', '.join(available)}"
            raise SystemExit(msg)
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
