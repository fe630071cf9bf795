"""Shipment planning time on the shipped network: consignment size × horizon, Middle Corridor and unrestricted.

Each case is timed three times (median) and reported with the size of its time-expanded network (departures,
arcs), how much moved and in how many parts. Results are written, never asserted.

Run: ``make bench BENCH=plan`` (``python -m benchmarks plan``).
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.machine import RESULTS, machine_info
from engine.network import Mode, load_network
from engine.network.paths import default_network_dir
from engine.optimize import PlanRequest, plan_shipment
from engine.routing import Constraints

READY = datetime(2026, 12, 7, tzinfo=UTC)
RUNS = 3
MIDDLE_CORRIDOR = Constraints(avoid_countries=frozenset({"RU", "BY"}), avoid_modes=frozenset({Mode.SEA}))
CASES = (
    ("XIAN", "DUISBURG", 1, 30, "middle corridor", MIDDLE_CORRIDOR),
    ("XIAN", "DUISBURG", 300, 30, "middle corridor", MIDDLE_CORRIDOR),
    ("XIAN", "DUISBURG", 300, 45, "middle corridor", MIDDLE_CORRIDOR),
    ("XIAN", "ISTANBUL", 1_000, 45, "middle corridor", MIDDLE_CORRIDOR),
    ("CHONGQING", "BUDAPEST", 300, 30, "unrestricted", Constraints()),
)


def main() -> None:
    """Run the benchmark and write ``benchmarks/results/plan.json`` and ``plan.md``."""
    network = load_network(default_network_dir())
    rows: list[dict[str, Any]] = []
    for origin, destination, teu, days, label, constraints in CASES:
        times = []
        plan = None
        for _ in range(RUNS):
            start = time.perf_counter()
            plan = plan_shipment(
                network, PlanRequest(origin, destination, teu, READY, timedelta(days=days), constraints)
            )
            times.append(time.perf_counter() - start)
        assert plan is not None
        row = {
            "origin": origin,
            "destination": destination,
            "teu": teu,
            "horizon_days": days,
            "constraints": label,
            "seconds_median": round(statistics.median(times), 3),
            "departures": plan.departures_considered,
            "arcs": plan.arcs,
            "moved_teu": plan.moved_teu,
            "parts": len(plan.parts),
            "binding_departures": len(plan.binding),
            "cost_usd": plan.cost_usd,
            "lateness_usd": plan.lateness_usd,
        }
        rows.append(row)
        print(
            f"plan: {origin}→{destination} {teu} TEU, {days} d, {label}: {row['seconds_median']:.2f} s, "
            f"{row['departures']:,} departures, {row['arcs']:,} arcs, moved {plan.moved_teu} "
            f"in {len(plan.parts)} parts",
            flush=True,
        )
    result = {"benchmark": "plan", "network": network.label, "machine": machine_info(), "runs": RUNS, "cases": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "plan.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    m = result["machine"]
    lines = [
        "# Shipment planning benchmark",
        "",
        f"Network `{network.label}`, ready {READY.isoformat()}, median of {RUNS} runs. Run {m['when_utc']} on "
        f"{m['cpu']} ({m['cores']} cores), Python {m['python']}, ortools {m['libraries']['ortools']}, commit "
        f"{m['git_commit']}. Produced by `make bench BENCH=plan`.",
        "",
        "| OD | TEU | horizon d | constraints | s | departures | arcs | moved | parts | binding |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(
            f"| {r['origin']}→{r['destination']} | {r['teu']:,} | {r['horizon_days']} | {r['constraints']} | "
            f"{r['seconds_median']:.2f} | {r['departures']:,} | {r['arcs']:,} | {r['moved_teu']:,} | {r['parts']} | "
            f"{r['binding_departures']} |"
            for r in rows
        ),
        "",
    ]
    (RESULTS / "plan.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
