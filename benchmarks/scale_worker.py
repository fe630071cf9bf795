"""One size of the scale benchmark, in its own process so that peak RSS is this network's alone.

``python -m benchmarks.scale_worker NETWORK_DIR OUT_JSON --pareto-budget-s S --stage-budget-s T`` loads the
network and measures, on a seeded sample of its origin × destination pairs (:func:`benchmarks.realistic.base_pairs`):

- load time (``load_network``, validation included) and the first ``compile_network``;
- CHEAPEST cold: the first query to each of 4 destinations on the fresh snapshot (bounds computed then);
- CHEAPEST warm: the sampled pairs to those destinations, median of 3 rounds; networkx and scipy Dijkstra on the
  same pairs;
- lower bounds for a destination no query has used (:func:`engine.routing.model.lower_bounds`): time, then the
  peak traced allocation (tracemalloc) for another new destination;
- the arrival profile a PARETO query computes for a new destination (:mod:`engine.routing.arrival_profile`, networks
  of at least ``PROFILE_FROM_LINKS`` links): time, then peak traced allocation for another;
- PARETO (5 routes) on the CHEAPEST pairs (bounds cached): one run per query, each stopped after
  ``--pareto-budget-s`` or at the search's memory budget (``CORRIDOR_SEARCH_MEMORY_MB``, counted apart) and counted
  as did-not-finish; no new query after ``--stage-budget-s``;
- the same PARETO queries with ``pareto_tolerance`` = :data:`PARETO_TOLERANCE` (an ε-Pareto set: the speed an
  analyst can trade for a stated tolerance), with the same budgets;
- Martins on the PARETO pairs that finished (same budgets), and its time over the engine's per query;
- a query that did not finish counts at the budget in p50/p95/max (which are then lower bounds, marked DNF);
- peak RSS of the process (``ru_maxrss``), and the peak so far after each stage: PARETO and Martins run until
  their budgets, so a faster search reaches a larger state before it is stopped (up to its memory budget).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.martins import MartinsTimeout, martins
from benchmarks.realistic import FreightGraph, base_pairs
from benchmarks.routing_realistic import budget_stop, summary, time_rounds
from engine.errors import SearchInterrupted
from engine.network import load_network
from engine.routing import Objective, RouteQuery, find_routes
from engine.routing.arrival_profile import PROFILE_FROM_LINKS, arrival_profile
from engine.routing.model import QueryContext, compile_network, lower_bounds

PAIRS = 16
COLD_DESTINATIONS = 4
"""First queries to a new destination timed (each computes bounds: seconds apiece at 100k nodes)."""
SEED = 20261213
PARETO_TOLERANCE = 0.05
"""The ε of the ε-Pareto stage (``RouteQuery.pareto_tolerance``): what an analyst who accepts routes within 5 % of
the Pareto set on every criterion gets, beside the exact search, on the same queries."""


def measure(
    directory: Path, pareto_budget_s: float, stage_budget_s: float, checkpoint: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Every measurement of the module docstring for the network in ``directory``; ``checkpoint`` receives the
    results so far after each stage (so a process stopped at its time budget still reports what it measured)."""
    out: dict[str, Any] = {"completed_stages": []}

    def done(stage: str, **results: Any) -> None:
        out.update(results)
        out["completed_stages"].append(stage)
        out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        out.setdefault("peak_rss_mib_by_stage", {})[stage] = out["peak_rss_mib"]  # the peak so far, after each stage
        checkpoint(out)

    start = time.perf_counter()
    network = load_network(directory)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    compiled = compile_network(network)
    done("load", network=network.label, nodes=len(network.nodes), links=len(network.links),
         load_s=round(load_s, 3), compile_s=round(time.perf_counter() - start, 3))  # fmt: skip

    pairs = base_pairs(network, SEED)
    random.Random(SEED).shuffle(pairs)
    pairs = pairs[:PAIRS]
    cheapest = [replace(q, objective=Objective.CHEAPEST, max_routes=1) for q in pairs]
    cold: list[float] = []
    seen: set[str] = set()
    for query in cheapest:
        if query.destination not in seen and len(seen) < COLD_DESTINATIONS:
            seen.add(query.destination)
            t0 = time.perf_counter()
            find_routes(network, query)
            cold.append((time.perf_counter() - t0) * 1000)
    done("cheapest_cold", pairs=len(pairs), cheapest_cold=summary(cold))
    cheapest = [q for q in cheapest if q.destination in seen]  # warm: bounds already cached for these
    for query in cheapest:
        find_routes(network, query)
    warm = time_rounds([lambda q=q: find_routes(network, q) for q in cheapest])
    graphs = {teu: FreightGraph(network, teu) for teu in {q.shipment.teu for q in cheapest}}
    peer_pairs = [(graphs[q.shipment.teu], q.origin, q.destination) for q in cheapest]
    nx_times = time_rounds([lambda g=g, o=o, d=d: g.networkx_path(o, d) for g, o, d in peer_pairs])
    sp_times = time_rounds([lambda g=g, o=o, d=d: g.scipy_path(o, d) for g, o, d in peer_pairs])
    done("cheapest_warm", cheapest_warm=summary(warm), networkx_dijkstra=summary(nx_times),
         scipy_csgraph_dijkstra=summary(sp_times))  # fmt: skip

    used = {q.destination for q in pairs}
    done("bounds", lower_bounds_new_destination=_new_destination_bounds(network, compiled, used, pairs[0]))
    if len(compiled.link_ids) >= PROFILE_FROM_LINKS:
        done("profile", arrival_profile_new_destination=_new_destination_profile(network, compiled, used, pairs[0]))

    pairs = [q for q in pairs if q.destination in seen]  # PARETO, too, with bounds already cached
    pareto_ms, pareto = _pareto_stage(network, pairs, pareto_budget_s, stage_budget_s)
    done("pareto", pareto=pareto)
    _, tolerant = _pareto_stage(
        network, [replace(q, pareto_tolerance=PARETO_TOLERANCE) for q in pairs], pareto_budget_s, stage_budget_s
    )
    done("pareto_tolerant", pareto_tolerant=tolerant | {"pareto_tolerance": PARETO_TOLERANCE})

    martins_ms, ratios, martins_dnf = [], [], 0
    stage_end = time.perf_counter() + stage_budget_s
    for i, engine_ms in pareto_ms.items():
        if time.perf_counter() > stage_end:
            break
        t0 = time.perf_counter()
        try:
            martins(network, pairs[i], pareto_budget_s)
        except MartinsTimeout:
            martins_dnf += 1
            ratios.append(pareto_budget_s * 1000 / engine_ms)  # at least: Martins needed more than the budget
            continue
        martins_ms.append((time.perf_counter() - t0) * 1000)
        ratios.append(martins_ms[-1] / engine_ms)
    done("martins", martins=_censored(martins_ms, martins_dnf, pareto_budget_s)
         | {"martins_over_engine_median": round(statistics.median(ratios), 2) if ratios else None}
         | {"ratio_is_lower_bound": martins_dnf > 0})  # fmt: skip
    return out


def _pareto_stage(
    network: Any, pairs: list[RouteQuery], pareto_budget_s: float, stage_budget_s: float
) -> tuple[dict[int, float], dict[str, Any]]:
    """Run each query once, each stopped after ``pareto_budget_s`` (or at the search's memory budget), none started
    after ``stage_budget_s``; the milliseconds of each that finished (by index) and the stage's summary."""
    pareto_ms: dict[int, float] = {}
    pareto_dnf, memory_stops, stage_end = 0, 0, time.perf_counter() + stage_budget_s
    sizes, settled = [], []
    for i, query in enumerate(pairs):
        if time.perf_counter() > stage_end:
            break
        t0 = time.perf_counter()
        try:
            result = find_routes(network, query, should_stop=budget_stop(pareto_budget_s))
        except SearchInterrupted as stopped:  # the time budget, or the search's memory budget (SearchOutgrewMemory)
            pareto_dnf += 1
            memory_stops += stopped.reason == "memory"
            continue
        pareto_ms[i] = (time.perf_counter() - t0) * 1000
        sizes.append(result.pareto_size)
        settled.append(result.stats.labels_settled)
    return pareto_ms, (
        _censored(list(pareto_ms.values()), pareto_dnf, pareto_budget_s)
        | {"not_started": len(pairs) - len(pareto_ms) - pareto_dnf, "budget_s": pareto_budget_s}
        | {"stopped_at_memory_budget": memory_stops}
        | {"pareto_size_median": statistics.median(sizes) if sizes else None}
        | {"labels_settled_median": statistics.median(settled) if settled else None}
    )


def _censored(times_ms: list[float], dnf: int, budget_s: float) -> dict[str, Any]:
    """Summary with each query that did not finish counted at the budget: p50/p95/max are then lower bounds."""
    return summary(times_ms + [budget_s * 1000] * dnf, 0) | {"did_not_finish": dnf, "censored_at_s": budget_s}


def _new_destination_bounds(network: Any, compiled: Any, used: set[str], template: RouteQuery) -> dict[str, Any]:
    """Bounds for destinations no query has asked for: time for one, tracemalloc peak for another."""
    fresh = [d for d in network.destinations if d not in used and d != template.origin]
    fresh += [n for n in sorted(network.nodes) if n not in used and n != template.origin][: 2 - min(2, len(fresh))]
    timed = replace(template, destination=fresh[0], objective=Objective.CHEAPEST, max_routes=1)
    t0 = time.perf_counter()
    lower_bounds(QueryContext(compiled, timed))
    elapsed_ms = (time.perf_counter() - t0) * 1000
    traced = replace(timed, destination=fresh[1])
    context = QueryContext(compiled, traced)
    tracemalloc.start()
    lower_bounds(context)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"time_ms": round(elapsed_ms, 3), "tracemalloc_peak_mib": round(peak / 2**20, 3)}


def _new_destination_profile(network: Any, compiled: Any, used: set[str], template: RouteQuery) -> dict[str, Any]:
    """The arrival profile a PARETO query computes for a destination no query has asked for (its bounds already
    computed, as a query computes them first): time, and the peak traced allocation for another destination."""
    fresh = [n for n in sorted(network.nodes) if n not in used and n != template.origin][-2:]
    results = {}
    for destination, traced in zip(fresh, (False, True), strict=True):
        context = QueryContext(compiled, replace(template, destination=destination))
        lower_bounds(context)
        if traced:
            tracemalloc.start()
        t0 = time.perf_counter()
        arrival_profile(context)
        elapsed_ms = (time.perf_counter() - t0) * 1000
        if traced:
            results["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 3)
            tracemalloc.stop()
        else:
            results["time_ms"] = round(elapsed_ms, 3)
    return results


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pareto-budget-s", type=float, default=20.0)
    parser.add_argument("--stage-budget-s", type=float, default=60.0)
    args = parser.parse_args()

    def checkpoint(results: dict[str, Any]) -> None:
        partial = args.out.with_suffix(".partial")
        partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        partial.replace(args.out)  # whole files only: the parent may read it after stopping this process

    from engine.routing.kernel import warm_up

    warm_up()  # as served: the compiled search kernel, loaded before the clock starts (not part of load time)
    measure(args.network, args.pareto_budget_s, args.stage_budget_s, checkpoint)


if __name__ == "__main__":
    main()
