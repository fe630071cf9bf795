"""Scale curves: the shipped network and seeded synthetic networks of 1k, 10k and 100k nodes, one process each.

``make bench BENCH=scale`` (or ``python -m benchmarks scale``). For each size the synthetic network is generated
(:mod:`benchmarks.synthetic`, seed ``SEED``) into a temporary folder, then :mod:`benchmarks.scale_worker` measures
it in a fresh process (load, CHEAPEST cold and warm, networkx and scipy Dijkstra, lower bounds for a new
destination with tracemalloc, PARETO with a per-query budget, Martins, peak RSS). A size whose process runs past
its time budget is reported as "did not finish in X s". ``SCALE_SIZES=shipped,1000`` limits the sizes.

Writes ``benchmarks/results/scale.json``, ``scale.md`` (a table with machine info) and ``scale.png`` (log-log
chart, Altair + vl-convert). Targets (issue 13) are reported, never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.machine import RESULTS, machine_info
from benchmarks.synthetic import generate
from engine.network.paths import default_network_dir

SEED = 1


@dataclass(frozen=True)
class Size:
    """One point of the curve and its budgets (seconds)."""

    name: str
    nodes: int | None  # None: the shipped network
    pareto_budget_s: float
    stage_budget_s: float
    process_budget_s: float


SIZES = (
    Size("shipped", None, 10, 30, 300),
    Size("1000", 1_000, 10, 30, 300),
    Size("10000", 10_000, 10, 30, 400),
    Size("100000", 100_000, 10, 30, 600),
)


def run_size(size: Size, workdir: Path) -> dict[str, Any]:
    """Generate (synthetic sizes) and measure one size in a subprocess; a timeout is a result, not an error."""
    generate_s = None
    if size.nodes is None:
        directory = default_network_dir()
    else:
        directory = workdir / f"synthetic_{size.nodes}"
        start = time.perf_counter()
        generate(directory, size.nodes, SEED)
        generate_s = round(time.perf_counter() - start, 3)
    out = workdir / f"{size.name}.json"
    budgets = ["--pareto-budget-s", str(size.pareto_budget_s), "--stage-budget-s", str(size.stage_budget_s)]
    command = [sys.executable, "-m", "benchmarks.scale_worker", str(directory), str(out), *budgets]
    start = time.perf_counter()
    try:
        subprocess.run(command, check=True, timeout=size.process_budget_s, cwd=Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired:
        partial = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
        return {"size": size.name, "did_not_finish_s": size.process_budget_s, "generate_s": generate_s} | partial
    except subprocess.CalledProcessError as exc:
        return {"size": size.name, "failed": f"exit status {exc.returncode}", "generate_s": generate_s}
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return {"size": size.name, "generate_s": generate_s, "process_s": round(time.perf_counter() - start, 1)} | result


def targets(points: list[dict[str, Any]]) -> dict[str, bool | None]:
    """Issue 13's scale targets, ``None`` where the size did not run."""
    by = {p["size"]: p for p in points if "nodes" in p}

    def check(size: str, test: Any) -> bool | None:
        try:
            return bool(test(by[size]))
        except KeyError:  # the size did not run, or stopped before that stage
            return None

    def pareto_p50(p: dict[str, Any], limit_ms: float) -> bool:
        return bool(p["pareto"]["did_not_finish"] == 0 and p["pareto"]["p50_ms"] <= limit_ms)

    return {
        "1k_pareto_p50_le_100ms": check("1000", lambda p: pareto_p50(p, 100)),
        "10k_pareto_p50_le_1s": check("10000", lambda p: pareto_p50(p, 1000)),
        "100k_cheapest_cold_le_200ms": check("100000", lambda p: p["cheapest_cold"]["p50_ms"] <= 200),
        "100k_load_le_30s": check("100000", lambda p: p["load_s"] <= 30),
        "100k_peak_rss_le_4gib": check("100000", lambda p: p["peak_rss_mib"] <= 4096),
        "10k_bounds_le_50ms": check("10000", lambda p: p["lower_bounds_new_destination"]["time_ms"] <= 50),
        "10k_bounds_le_4mb": check("10000", lambda p: p["lower_bounds_new_destination"]["tracemalloc_peak_mib"] <= 4),
    }


def main() -> None:
    """Run every size (or ``SCALE_SIZES``) and write the results, the table and the chart."""
    wanted = os.environ.get("SCALE_SIZES")
    sizes = [s for s in SIZES if wanted is None or s.name in wanted.split(",")]
    points = []
    with tempfile.TemporaryDirectory(prefix="corridor-scale-") as tmp:
        for size in sizes:
            point = run_size(size, Path(tmp))
            points.append(point)
            print(f"  scale {size.name}: {_line(point)}", flush=True)
    result = {"benchmark": "scale", "machine": machine_info(), "seed": SEED, "points": points,
              "targets": targets(points)}  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    from benchmarks.scale_report import chart_png, markdown

    (RESULTS / "scale.md").write_text(markdown(result), encoding="utf-8")
    (RESULTS / "scale.png").write_bytes(chart_png(points))
    print("scale: " + "; ".join(f"{p['size']}: {_line(p)}" for p in points))


def _line(p: dict[str, Any]) -> str:
    parts = [f"did not finish in {p['did_not_finish_s']} s"] if "did_not_finish_s" in p else []
    if "failed" in p:
        parts.append(str(p["failed"]))
    if "load_s" in p:
        parts.append(f"load {p['load_s']:.1f} s")
    if "cheapest_cold" in p:
        parts.append(f"CHEAPEST cold p50 {p['cheapest_cold']['p50_ms']:.1f} ms")
    if "cheapest_warm" in p:
        parts.append(f"warm {p['cheapest_warm']['p50_ms']:.2f} ms")
    if "lower_bounds_new_destination" in p:
        parts.append(f"bounds {p['lower_bounds_new_destination']['time_ms']:.0f} ms")
    if "pareto" in p:
        parts.append(f"PARETO p50 {p['pareto']['p50_ms']:.1f} ms ({p['pareto']['did_not_finish']} did not finish)")
    if "peak_rss_mib" in p:
        parts.append(f"RSS {p['peak_rss_mib']:.0f} MiB")
    return ", ".join(parts)


if __name__ == "__main__":
    main()
