"""Demand assignment time for 100, 1,000 and 5,000 seeded OD commodities, against the arc LP in HiGHS.

Instances: the shipped network; commodities are distinct (origin, destination, restrictions) triples drawn with a
fixed seed among the terminals (rail terminals, ports, dry ports, road hubs), 10–100 TEU/week each, in three
shipper segments (unrestricted; avoiding Russia and Belarus; avoiding Russia, Belarus and deep sea). Capacities
are the shipped ones (ferry and sea sailings, terminal and link capacities) plus a seeded capacity of
500–3,000 TEU/week on 30 % of the rail links, so congestion is spread over the corridor and many rows bind.

Measured: ``assign_demand`` wall time (column generation to a 1e-6 Lagrangian gap, MathOpt + HiGHS), median of
three runs, with iterations, columns, binding capacities and unserved TEU; and the arc formulation of the same LP
(``tests/optimize/arc_lp.py``: one flow per origin group and arc, scipy ``linprog`` with HiGHS) once, with its
size. The two objectives are compared. Results are written, never asserted. Target (issue 5): 1,000 commodities
with binding capacities in ≤ 30 s.

Run: ``make bench BENCH=assign`` (``python -m benchmarks assign``); ``ASSIGN_SIZES=100,1000`` limits the sizes.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from typing import Any

import polars as pl

from benchmarks.machine import RESULTS, machine_info
from engine.network import Mode, Network, NodeKind, load_network
from engine.network.paths import default_network_dir
from engine.optimize import AssignRequest, Demand, assign_demand, weekly_capacities
from engine.routing.model import compile_network
from tests.optimize.arc_lp import solve_arc_lp

SEED = 20261205
SIZES = (100, 1_000, 5_000)
RUNS = 3
MARGINS = 10
"""Binding capacities measured in the margins run (``corridor assign``'s default)."""
TERMINAL_KINDS = {NodeKind.RAIL_TERMINAL, NodeKind.SEAPORT, NodeKind.DRY_PORT, NodeKind.ROAD_HUB}
SEGMENTS = (
    (frozenset(), frozenset()),
    (frozenset({"RU", "BY"}), frozenset()),
    (frozenset({"RU", "BY"}), frozenset({Mode.SEA})),
)


def make_demand(network: Network, count: int, seed: int = SEED) -> list[Demand]:
    """``count`` distinct commodities (see the module docstring)."""
    rng = random.Random(seed)
    terminals = sorted(n.id for n in network.nodes.values() if n.kinds & TERMINAL_KINDS)
    seen: set[tuple[str, str, int]] = set()
    demand = []
    while len(demand) < count:
        origin, destination = rng.sample(terminals, 2)
        segment = rng.randrange(len(SEGMENTS))
        countries, modes = SEGMENTS[segment]
        if (origin, destination, segment) in seen:
            continue
        if {network.nodes[origin].country, network.nodes[destination].country} & countries:
            continue
        seen.add((origin, destination, segment))
        demand.append(
            Demand(origin, destination, float(rng.randrange(10, 101)), avoid_countries=countries, avoid_modes=modes)
        )
    return demand


def rail_capacities(network: Network, seed: int = SEED) -> dict[str, float]:
    """A seeded capacity on 30 % of the rail links (TEU/week)."""
    rng = random.Random(seed + 1)
    compiled = compile_network(network)
    return {
        link_id: float(rng.randrange(500, 3_001, 100))
        for link_id, mode in zip(compiled.link_ids, compiled.link_mode, strict=True)
        if mode is Mode.RAIL and rng.random() < 0.3
    }


def main() -> None:
    """Run the benchmark and write ``benchmarks/results/assign.json`` and ``assign.md``."""
    network = load_network(default_network_dir())
    overrides = rail_capacities(network)
    caps = weekly_capacities(network, overrides)
    sizes = tuple(int(s) for s in os.environ.get("ASSIGN_SIZES", ",".join(map(str, SIZES))).split(","))
    runs: list[dict[str, Any]] = []
    for size in sizes:
        demand = make_demand(network, size)
        times = []
        result = None
        for _ in range(RUNS):
            start = time.perf_counter()
            result = assign_demand(network, AssignRequest(demand, overrides, gap=1e-6))
            times.append(time.perf_counter() - start)
        assert result is not None
        margins = _margins(network, demand, overrides)
        start = time.perf_counter()
        arc = solve_arc_lp(
            network,
            demand,
            caps.link_teu_per_week,
            caps.node_teu_per_week,
            usd_per_teu_day=result.usd_per_teu_day,
            unserved_usd_per_teu=10_000.0,
        )
        arc_seconds = time.perf_counter() - start
        run = {
            "commodities": size,
            "demand_teu_per_week": round(sum(d.teu_per_week for d in demand), 1),
            "colgen_seconds_median": round(statistics.median(times), 3),
            "colgen_seconds_runs": [round(t, 3) for t in times],
            "status": result.status,
            "iterations": result.iterations,
            "columns": result.columns,
            "gap": result.gap,
            "binding_capacities": result.shadow_prices.height,
            "unserved_teu_per_week": round(result.unserved_teu_per_week, 1),
            "objective_usd_per_week": round(result.objective_usd_per_week, 2),
            "arc_lp_seconds": round(arc_seconds, 3),
            "arc_lp_variables": arc.variables,
            "arc_lp_rows": arc.rows,
            "arc_lp_objective_usd_per_week": round(arc.objective, 2),
            "relative_difference": abs(result.objective_usd_per_week - arc.objective) / max(1.0, abs(arc.objective)),
            "arc_over_colgen": round(arc_seconds / statistics.median(times), 2),
            **margins,
        }
        runs.append(run)
        print(
            f"assign: {size} commodities: column generation {run['colgen_seconds_median']:.2f} s (median of {RUNS}), "
            f"{run['iterations']} iterations, {run['columns']} columns, {run['binding_capacities']} binding; "
            f"arc LP {run['arc_lp_seconds']:.2f} s ({run['arc_lp_variables']:,} variables), "
            f"objectives differ by {run['relative_difference']:.1e}",
            flush=True,
        )
    thousand = next((r for r in runs if r["commodities"] == 1_000), None)
    result = {
        "benchmark": "assign",
        "network": network.label,
        "machine": machine_info(),
        "seed": SEED,
        "runs_per_size": RUNS,
        "extra_rail_capacities": len(overrides),
        "sizes": runs,
        "targets": {
            "1000_commodities_binding_le_30s": None
            if thousand is None
            else thousand["colgen_seconds_median"] <= 30 and thousand["binding_capacities"] > 0
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "assign.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "assign.md").write_text(_markdown(result), encoding="utf-8")


def _margins(network: Network, demand: list[Demand], overrides: dict[str, float]) -> dict[str, Any]:
    """One run with the :data:`MARGINS` dearest binding capacities measured (engine/optimize/margins.py): its wall
    time, how many were measured, and for how many the dual overstates what one more TEU/week saves alone."""
    start = time.perf_counter()
    result = assign_demand(network, AssignRequest(demand, overrides, gap=1e-6, margins=MARGINS))
    seconds = time.perf_counter() - start
    measured = result.shadow_prices.filter(pl.col("saving_usd_per_teu_added").is_not_null())
    overstated = measured.filter(pl.col("saving_usd_per_teu_added") < pl.col("shadow_price_usd_per_teu") - 1e-6)
    return {
        "margins_asked": MARGINS,
        "margins_measured": measured.height,
        "margins_seconds": round(seconds, 3),
        "margins_dual_overstates": overstated.height,
    }


def _markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Demand assignment benchmark",
        "",
        f"Network `{result['network']}` with {result['extra_rail_capacities']} seeded rail capacities, seed "
        f"{result['seed']}. Run {m['when_utc']} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
        f"Python {m['python']}, ortools {m['libraries']['ortools']}, scipy {m['libraries']['scipy']}, highspy "
        f"{m['libraries']['highspy']}, commit {m['git_commit']}. Produced by `make bench BENCH=assign`.",
        "",
        "Column generation: median of "
        f"{result['runs_per_size']} runs to a 1e-6 gap. Arc LP: the same LP in arc form (one flow per origin group "
        "and arc), scipy linprog / HiGHS, one run. With margins: one run measuring the "
        f"{MARGINS} dearest binding capacities (+1, −1 TEU/week and their line, exact re-solves), and for how many "
        "of them the dual overstates what one more TEU/week saves alone.",
        "",
        "| commodities | TEU/week | column generation s | iterations | columns | binding | unserved TEU/wk "
        "| arc LP s | arc LP variables | arc / CG | objective rel. diff | with margins s (measured; dual overstates) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["sizes"]:
        lines.append(
            f"| {r['commodities']:,} | {r['demand_teu_per_week']:,.0f} | {r['colgen_seconds_median']:.2f} | "
            f"{r['iterations']} | {r['columns']:,} | {r['binding_capacities']} | {r['unserved_teu_per_week']:,.1f} | "
            f"{r['arc_lp_seconds']:.2f} | {r['arc_lp_variables']:,} | {r['arc_over_colgen']} | "
            f"{r['relative_difference']:.1e} | {r['margins_seconds']:.2f} ({r['margins_measured']} of "
            f"{r['margins_asked']}; {r['margins_dual_overstates']}) |"
        )
    lines += [
        "",
        "Targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in result["targets"].items()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
