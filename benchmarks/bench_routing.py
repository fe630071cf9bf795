"""Routing latency on the shipped network: the seeded mix and the realistic China → Europe mix, with peers.

Two mixes in one run (``make bench BENCH=routing``):

1. **Realistic** (:mod:`benchmarks.realistic`): every main origin × destination, PARETO/CHEAPEST/FASTEST with and
   without avoiding RU/BY, plus deadline, transfer-cap and via queries; p50/p95/max per category. CHEAPEST beside
   networkx and scipy Dijkstra on the same pairs and the same single criterion (freight cost), and PARETO beside a
   plain Martins label-setting search (:mod:`benchmarks.martins`) on a sample, fronts checked equal.
2. **Seeded** (below, unchanged since issue 3).

A fixed, seeded set of 240 (origin, destination, ready time, shipment) queries over the network's China origins and
EU destinations. Each query is timed in three interleaved rounds and its median kept; the report gives p50 and
p95 over queries. The reference is networkx's ``dijkstra_path`` on the same MultiDiGraph, single criterion, with
(a) the ``distance_km`` edge attribute and (b) a weight function giving the shipment's freight cost (containers
do not fly) — the single-criterion analogue of CHEAPEST.

Per-snapshot caches (lower bounds per destination, link rules) are what a running server has after its first
query to each destination; the cold cost of filling them is measured separately on a freshly loaded network.
Targets (issue 3): PARETO p50 ≤ 5 ms and p95 ≤ 25 ms; CHEAPEST p50 ≤ the networkx Dijkstra p50. Targets of the
realistic mix (issue 13): PARETO p50 ≤ 2 ms, p95 ≤ 20 ms, no query above 100 ms; CHEAPEST p50 ≤ networkx p50;
the engine ≥ 20× faster than Martins.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx

from benchmarks.machine import RESULTS, machine_info, percentile
from engine.network import Link, Network, load_network
from engine.network.paths import default_network_dir
from engine.routing import Objective, RouteQuery, Shipment, find_routes

SEED = 20261201
QUERIES = 240
ROUNDS = 3


def make_queries(network: Network, seed: int = SEED, count: int = QUERIES) -> list[RouteQuery]:
    """The fixed benchmark set: origins × destinations, December 2026 ready times, 1–4 TEU of 8–24 t/TEU."""
    rng = random.Random(seed)
    origins, destinations = sorted(network.origins), sorted(network.destinations)
    queries = []
    for _ in range(count):
        teu = rng.choice([1, 2, 2, 4])
        shipment = Shipment(teu=teu, gross_weight_kg=float(teu * rng.randrange(8_000, 24_001, 1_000)))
        ready = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 28 * 24 * 60, 30))
        queries.append(RouteQuery(rng.choice(origins), rng.choice(destinations), ready, shipment))
    return queries


def _time_each(calls: list[Callable[[], object]]) -> list[float]:
    """Median over ROUNDS interleaved rounds of each call's wall time, in milliseconds."""
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(ROUNDS):
        for i, call in enumerate(calls):
            start = time.perf_counter()
            call()
            samples[i].append((time.perf_counter() - start) * 1000)
    return [statistics.median(s) for s in samples]


def _freight_weight(shipment: Shipment) -> Callable[[str, str, dict[str, dict[str, Any]]], float]:
    def link_cost(link: Link) -> float:
        if link.usd_per_teu is not None:
            return link.usd_per_teu * shipment.teu
        if link.usd_per_truck is not None and link.teu_per_truck is not None:
            return link.usd_per_truck * math.ceil(shipment.teu / link.teu_per_truck)
        return math.inf  # air: containers do not fly without de-consolidation

    def weight(_u: str, _v: str, edges: dict[str, dict[str, Any]]) -> float:
        return min(link_cost(attributes["record"]) for attributes in edges.values())

    return weight


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(times, 50), 4),
        "p95_ms": round(percentile(times, 95), 4),
        "mean_ms": round(statistics.fmean(times), 4),
    }


def main() -> None:
    """Run both mixes and write ``benchmarks/results/routing.json`` and ``routing.md``."""
    from benchmarks.routing_realistic import realistic_markdown, run_realistic

    directory = default_network_dir()
    realistic = run_realistic(load_network(directory))
    result = _seeded(directory) | {"realistic": realistic}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "routing.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "routing.md").write_text(_markdown(result) + realistic_markdown(realistic), encoding="utf-8")
    print(
        f"routing: PARETO p50 {result['pareto']['p50_ms']:.2f} ms p95 {result['pareto']['p95_ms']:.2f} ms; "
        f"CHEAPEST p50 {result['cheapest']['p50_ms']:.3f} ms; networkx Dijkstra p50 "
        f"{result['networkx_dijkstra_distance']['p50_ms']:.3f} ms (distance) / "
        f"{result['networkx_dijkstra_freight_cost']['p50_ms']:.3f} ms (freight cost); "
        f"cold first query per destination p50 {result['cold_first_query_per_destination']['p50_ms']:.1f} ms"
    )


def _seeded(directory: Path) -> dict[str, Any]:
    """The seeded mix of issue 3 (240 queries), as before."""
    network = load_network(directory)
    queries = make_queries(network)
    pareto_queries = list(queries)
    cheapest_queries = [
        RouteQuery(q.origin, q.destination, q.ready, q.shipment, Objective.CHEAPEST, max_routes=1) for q in queries
    ]

    # Cold: the first query to each destination on a fresh snapshot fills the per-destination bound cache.
    fresh = load_network(directory)
    cold: list[float] = []
    seen: set[str] = set()
    for query in cheapest_queries:
        if query.destination not in seen:
            seen.add(query.destination)
            start = time.perf_counter()
            find_routes(fresh, query)
            cold.append((time.perf_counter() - start) * 1000)

    for query in pareto_queries + cheapest_queries:  # warm the caches, as a running server is
        find_routes(network, query)
    pareto_results = [find_routes(network, q) for q in pareto_queries]
    pareto = _time_each([lambda q=q: find_routes(network, q) for q in pareto_queries])
    cheapest = _time_each([lambda q=q: find_routes(network, q) for q in cheapest_queries])
    graph = network.graph
    nx_distance = _time_each(
        [lambda q=q: nx.dijkstra_path(graph, q.origin, q.destination, weight="distance_km") for q in queries]
    )
    nx_cost = _time_each(
        [
            lambda q=q: nx.dijkstra_path(graph, q.origin, q.destination, weight=_freight_weight(q.shipment))
            for q in queries
        ]
    )

    return {
        "benchmark": "routing",
        "network": network.label,
        "machine": machine_info(),
        "queries": len(queries),
        "rounds": ROUNDS,
        "seed": SEED,
        "pareto": _summary(pareto)
        | {
            "pareto_size_median": statistics.median(r.pareto_size for r in pareto_results),
            "labels_created_median": statistics.median(r.stats.labels_created for r in pareto_results),
        },
        "cheapest": _summary(cheapest),
        "networkx_dijkstra_distance": _summary(nx_distance),
        "networkx_dijkstra_freight_cost": _summary(nx_cost),
        "cold_first_query_per_destination": _summary(cold) | {"destinations": len(cold)},
        "ratios": {
            "cheapest_p50_over_nx_distance_p50": round(percentile(cheapest, 50) / percentile(nx_distance, 50), 3),
            "cheapest_p50_over_nx_cost_p50": round(percentile(cheapest, 50) / percentile(nx_cost, 50), 3),
            "pareto_p50_over_nx_cost_p50": round(percentile(pareto, 50) / percentile(nx_cost, 50), 3),
        },
        "targets": {
            "pareto_p50_le_5ms": percentile(pareto, 50) <= 5,
            "pareto_p95_le_25ms": percentile(pareto, 95) <= 25,
            "cheapest_p50_le_nx_p50": percentile(cheapest, 50)
            <= min(percentile(nx_distance, 50), percentile(nx_cost, 50)),
        },
    }


def _markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    rows = [
        ("find_routes PARETO (max_routes 5)", result["pareto"]),
        ("find_routes CHEAPEST (max_routes 1)", result["cheapest"]),
        ("networkx dijkstra_path, distance_km", result["networkx_dijkstra_distance"]),
        ("networkx dijkstra_path, freight cost", result["networkx_dijkstra_freight_cost"]),
        ("first query per destination, fresh snapshot (CHEAPEST)", result["cold_first_query_per_destination"]),
    ]
    lines = [
        "# Routing benchmark",
        "",
        "## Seeded mix (issue 3)",
        "",
        f"Network `{result['network']}`, {result['queries']} seeded queries (seed {result['seed']}), median of "
        f"{result['rounds']} rounds per query. Run {m['when_utc']} on {m['cpu']} ({m['cores']} cores, "
        f"{m['memory_gib']} GiB), Python {m['python']}, networkx {m['libraries']['networkx']}, commit "
        f"{m['git_commit']}. Produced by `make bench BENCH=routing`.",
        "",
        "| what | p50 ms | p95 ms | mean ms |",
        "|---|---|---|---|",
        *(f"| {name} | {s['p50_ms']:.3f} | {s['p95_ms']:.3f} | {s['mean_ms']:.3f} |" for name, s in rows),
        "",
        f"Pareto set size (median): {result['pareto']['pareto_size_median']}; labels created (median): "
        f"{result['pareto']['labels_created_median']}.",
        "",
        "Ratios: " + ", ".join(f"{k} = {v}" for k, v in result["ratios"].items()),
        "",
        "Targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in result["targets"].items()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
