"""Demand assignment at scale (issue 13 item 3): 1,000 commodities on a 10k-node synthetic network.

Instance: ``benchmarks/synthetic.py`` network (``ASSIGN_SCALE_NODES``, default 10,000 nodes, seed 1) written to a
temporary directory and loaded; 1,000 commodities from ``benchmarks/synthetic_demand.py`` (40 Chinese/Kazakh
origin terminals × 40 European/Turkish destination terminals, three shipper segments, 10–100 TEU/week); default
capacities (rail, ferry and sea capped by their timetables). ``assign_demand`` runs to a 1e-6 gap with the
tie-break pass, within a time budget of ``ASSIGN_SCALE_BUDGET_S`` seconds (default 300): the result says whether
it finished (``status``) and how far it got (``gap``). Measured: CPU seconds (``time.process_time``; the machine
is shared, so wall time is reported but noisier), iterations, columns (those in the master at the end: idle ones
are dropped, see :mod:`engine.optimize.colgen`), binding capacities, and the gap after each iteration with its CPU
seconds (``trace``). The budget is wall-clock (the request's ``time_limit_s``), so a loaded machine stops the run
at fewer CPU seconds. Written, never asserted. Target (issue 13): ≤ 30 s.

Run: ``python -m benchmarks assign_scale``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.machine import RESULTS, machine_info
from benchmarks.synthetic import generate
from benchmarks.synthetic_demand import SEED, synthetic_demand
from engine.network import load_network
from engine.optimize import AssignRequest, assign_demand
from engine.optimize.colgen import IterationInfo

COMMODITIES = 1_000
NETWORK_SEED = 1
TARGET_S = 30.0
SOLVED = ("optimal", "gap")
"""Statuses that count as solved for the target: no path prices out, or the gap proved at most the 1e-6 asked for
(the usual end at this size). Until session 13 only "optimal" counted, so a run meeting 30 s at the requested gap
would have read as not met."""


def main() -> None:
    """Run the case and write ``benchmarks/results/assign_scale.json`` and ``assign_scale.md``."""
    nodes = int(os.environ.get("ASSIGN_SCALE_NODES", "10000"))
    budget = float(os.environ.get("ASSIGN_SCALE_BUDGET_S", "300"))
    with tempfile.TemporaryDirectory(prefix="assign-scale-") as tmp:
        generate(Path(tmp), nodes, NETWORK_SEED)
        start = time.perf_counter()
        network = load_network(tmp)
        load_s = time.perf_counter() - start
    demand = synthetic_demand(network, COMMODITIES)
    trace: list[dict[str, float]] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()

    def record(info: IterationInfo) -> None:
        trace.append({"iteration": info.iteration, "gap": info.gap, "cpu_s": round(time.process_time() - cpu0, 2)})

    result = assign_demand(network, AssignRequest(tuple(demand), gap=1e-6, time_limit_s=budget), on_iteration=record)
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    report: dict[str, Any] = {
        "benchmark": "assign_scale",
        "network": network.label,
        "nodes": nodes,
        "links": len(network.links),
        "network_seed": NETWORK_SEED,
        "demand_seed": SEED,
        "machine": machine_info(),
        "load_seconds": round(load_s, 2),
        "commodities": COMMODITIES,
        "demand_teu_per_week": round(sum(d.teu_per_week for d in demand), 1),
        "budget_seconds": budget,
        "cpu_seconds": round(cpu_s, 2),
        "wall_seconds": round(wall_s, 2),
        "status": result.status,
        "gap": result.gap,
        "iterations": result.iterations,
        "columns": result.columns,
        "binding_capacities": result.shadow_prices.height,
        "unserved_teu_per_week": round(result.unserved_teu_per_week, 1),
        "objective_usd_per_week": round(result.objective_usd_per_week, 2),
        "trace": trace,
        "targets": {"1000_commodities_10k_nodes_le_30s": result.status in SOLVED and cpu_s <= TARGET_S},
    }
    print(
        f"assign_scale: {COMMODITIES} commodities at {nodes:,} nodes: {report['status']} after "
        f"{report['iterations']} iterations, gap {report['gap']:.1e}, {cpu_s:.1f} s CPU ({wall_s:.1f} s wall)",
        flush=True,
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "assign_scale.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "assign_scale.md").write_text(_markdown(report), encoding="utf-8")


def _markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    return "\n".join(
        [
            "# Demand assignment at scale",
            "",
            f"Network `{r['network']}` ({r['nodes']:,} nodes, {r['links']:,} links, synthetic seed "
            f"{r['network_seed']}), {r['commodities']:,} commodities (demand seed {r['demand_seed']}, "
            f"{r['demand_teu_per_week']:,.0f} TEU/week). Run {m['when_utc']} on {m['cpu']} ({m['cores']} cores), "
            f"commit {m['git_commit']}; "
            "`python -m benchmarks assign_scale`. CPU time (the machine may be shared; wall time is noisier).",
            "",
            "| status | gap | iterations | columns | binding | unserved TEU/wk | CPU s | wall s | budget s |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {r['status']} | {r['gap']:.1e} | {r['iterations']} | {r['columns']:,} | {r['binding_capacities']} | "
            f"{r['unserved_teu_per_week']:,.1f} | {r['cpu_seconds']:.1f} | {r['wall_seconds']:.1f} | "
            f"{r['budget_seconds']:.0f} |",
            "",
            "Targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in r["targets"].items()),
            "",
        ]
    )


if __name__ == "__main__":
    main()
