"""What the arrival band costs (issue 9: "the band adds at most 2× to the realistic-mix query p50").

Runs the realistic China → Europe PARETO categories (``benchmarks/realistic.py``) through ``find_routes``, reads
every returned route's band (routes replay it on first read, ``engine/routing/deferred.py``; the objectives that
need it replay it inside ``find_routes``) and times, inside that, the seeded Monte-Carlo replays
(:func:`engine.routing.reliability.arrival_band`, 1,000 replays per returned route). The time without the band is
the query's time minus the time spent in ``arrival_band`` — measured in the same call, on the same routes. Each
query runs ``ROUNDS`` times interleaved; the median is kept. The ratio is p50(with band) ÷ p50(without band).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import engine.routing.api as routing_api
import engine.routing.route_builder as route_builder
from benchmarks.machine import RESULTS, machine_info, percentile
from benchmarks.realistic import realistic_mix
from engine.network import load_network
from engine.network.paths import default_network_dir
from engine.routing import find_routes

ROUNDS = 3
CATEGORIES = ("pareto", "pareto_avoid_ru_by", "pareto_arrive_by")


class _BandClock:
    """Wraps ``arrival_band`` where ``find_routes`` calls it and adds up the seconds spent in it."""

    def __init__(self, band: Callable[..., Any]) -> None:
        self.band = band
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.band(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def run() -> dict[str, Any]:
    """Per category: p50/p95 of query time with and without the band (ms) and the p50 ratio."""
    network = load_network(default_network_dir())
    mix = realistic_mix(network)
    clock = _BandClock(routing_api.arrival_band)
    routing_api.arrival_band = clock  # type: ignore[assignment]  # measurement only: restored below
    route_builder.arrival_band = clock  # type: ignore[assignment]  # where a route replays its band on first read
    results: dict[str, Any] = {}
    try:
        for category in CATEGORIES:
            queries = mix[category]
            for q in queries:  # warm the caches (bounds, pricing, spreads) as a running server has them
                find_routes(network, q)
            with_band: list[float] = []
            without_band: list[float] = []
            for q in queries:
                totals, bands = [], []
                for _ in range(ROUNDS):
                    clock.seconds = 0.0
                    start = time.perf_counter()
                    for route in find_routes(network, q).routes:
                        _ = route.arrival_p50  # the band is replayed on first read
                    totals.append((time.perf_counter() - start) * 1000)
                    bands.append(clock.seconds * 1000)
                with_band.append(statistics.median(totals))
                without_band.append(statistics.median(t - b for t, b in zip(totals, bands, strict=True)))
            p50_with, p50_without = percentile(with_band, 50), percentile(without_band, 50)
            results[category] = {
                "queries": len(queries),
                "with_band_p50_ms": round(p50_with, 3),
                "with_band_p95_ms": round(percentile(with_band, 95), 3),
                "without_band_p50_ms": round(p50_without, 3),
                "without_band_p95_ms": round(percentile(without_band, 95), 3),
                "ratio_p50": round(p50_with / p50_without, 3) if p50_without else None,
            }
    finally:
        routing_api.arrival_band = clock.band  # type: ignore[assignment]
        route_builder.arrival_band = clock.band  # type: ignore[assignment]
    return results


def main() -> None:
    """Write ``results/bands.json`` and ``bands.md``."""
    results = run()
    payload = {"machine": machine_info(), "target": "ratio_p50 <= 2.0", "categories": results}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bands.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Arrival band cost (realistic China → Europe PARETO mix, 5 routes)",
        "",
        "Query time with the seeded Monte-Carlo band (1,000 replays per route) and without it (same call, the time",
        "inside `arrival_band` subtracted). Target: with ÷ without ≤ 2 at p50.",
        "",
        "| category | queries | with band p50 / p95 (ms) | without p50 / p95 (ms) | ratio p50 |",
        "|---|---|---|---|---|",
    ]
    for category, r in results.items():
        lines.append(
            f"| {category} | {r['queries']} | {r['with_band_p50_ms']} / {r['with_band_p95_ms']} | "
            f"{r['without_band_p50_ms']} / {r['without_band_p95_ms']} | {r['ratio_p50']} |"
        )
        print(f"bands {category}: p50 {r['with_band_p50_ms']} / {r['without_band_p50_ms']} ms", flush=True)
    machine = payload["machine"]
    lines += ["", f"Machine: {json.dumps(machine, ensure_ascii=False)}", ""]
    (RESULTS / "bands.md").write_text("\n".join(lines), encoding="utf-8")
