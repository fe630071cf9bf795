"""Lower bounds from every node to the destination, for pruning (one reverse Dijkstra per criterion).

Each bound ignores what depends on the path taken (waits, handling, transfers), so it never overestimates: time
counts run time and border dwell, cost counts freight and border cost, CO2e counts the hop emissions. Links the
query cannot use at all (avoided, refused cargo, too heavy) are left out, so an infinite bound also means the
destination cannot be reached from there.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from engine.routing.costing import QueryContext

INF = 1 << 62


@dataclass(frozen=True)
class Bounds:
    """Per node index: minutes, cents and grams of CO2e at least still needed to reach the destination."""

    time_min: list[int]
    cost_cents: list[int]
    co2e_g: list[int]


def lower_bounds(ctx: QueryContext) -> Bounds:
    """Compute the three bounds for ``ctx``'s destination over the links the query may use."""
    c = ctx.compiled
    usable = [i for i, ok in enumerate(ctx.link_ok) if ok]
    time_w = {i: c.link_run_min[i] + c.link_border_exit_min[i] + c.link_border_entry_min[i] for i in usable}
    cost_w = {}
    for i in usable:
        freights = [f for f in (ctx.freight_container[i], ctx.freight_loose[i]) if f is not None]
        cost_w[i] = min(freights) + round(c.link_border_usd_per_teu[i] * 100) if freights else INF
    co2e_w = {i: ctx.co2e_g[i] for i in usable}
    return Bounds(
        time_min=_reverse_dijkstra(ctx, time_w),
        cost_cents=_reverse_dijkstra(ctx, cost_w),
        co2e_g=_reverse_dijkstra(ctx, co2e_w),
    )


def _reverse_dijkstra(ctx: QueryContext, weight: dict[int, int]) -> list[int]:
    c = ctx.compiled
    dist = [INF] * len(c.node_ids)
    dist[ctx.destination] = 0
    heap = [(0, ctx.destination)]
    in_links = c.in_links
    link_from = c.link_from
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist[node]:
            continue
        for link in in_links[node]:
            w = weight.get(link)
            if w is None or w >= INF:
                continue
            nd = d + w
            src = link_from[link]
            if nd < dist[src]:
                dist[src] = nd
                heapq.heappush(heap, (nd, src))
    return dist
