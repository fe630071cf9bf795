"""Slow oracles for the routing search: brute-force enumeration of every route.

Independent of the search: no bags, no dominance, no bounds, no heap. It walks every route that never repeats a
(node, service, previous node, loose, via) state — the Pareto set over all walks equals the one over these,
because cutting a loop between two visits of the same state never makes any criterion worse — and applies the
cost model
(:meth:`QueryContext.step`) link by link.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.network.model import Network
from engine.routing.costing import QueryContext
from engine.routing.query import RouteQuery
from engine.routing.through import compile_routing
from engine.routing.timetable import EPOCH

MAX_STEPS = 300_000
"""Link steps one enumeration may take. Random networks are small, but the number of state-simple routes grows
exponentially with their density; now and then hypothesis draws one that would run for many minutes. Such an
example is refused (see :class:`EnumerationTooLarge`) rather than judged."""


class EnumerationTooLarge(Exception):
    """The network has too many routes to enumerate within :data:`MAX_STEPS`; the test rejects the example."""


Vector = tuple[int, int, int, int]
State = tuple[int, int, int, bool, int]  # node, service, previous node, loose, via index


def all_route_vectors(network: Network, query: RouteQuery) -> list[Vector]:
    """Criteria vectors (arrival min, cost cents, transfers, CO2e g) of every feasible route."""
    ctx = QueryContext(compile_routing(network), query)
    c = query.constraints
    deadline = None if c.arrive_by is None else int((c.arrive_by - EPOCH).total_seconds() // 60)
    budget = None if c.max_cost_usd is None else round(c.max_cost_usd * 100)
    cap = None if c.max_co2e_kg is None else round(c.max_co2e_kg * 1000)
    vectors = []
    for vector in _walks(ctx):
        if c.max_transfers is not None and vector[2] > c.max_transfers:
            continue
        if deadline is not None and vector[0] > deadline:
            continue
        if budget is not None and vector[1] > budget:
            continue
        if cap is not None and vector[3] > cap:
            continue
        vectors.append(vector)
    return vectors


def _walks(ctx: QueryContext) -> Iterator[Vector]:
    compiled = ctx.compiled
    n_via = len(ctx.via)
    steps = 0

    def extend(
        node: int, came_from: int, service: int, loose: bool, via: int, vector: Vector, seen: set[State]
    ) -> Iterator[Vector]:
        nonlocal steps
        arrive, cost, transfers, co2e = vector
        for link in compiled.out_links[node]:
            if not ctx.usable(link):
                continue
            steps += 1
            if steps > MAX_STEPS:
                raise EnumerationTooLarge(steps)
            step = ctx.step(node, arrive, service, loose, link, came_from)
            if step is None:
                continue
            to = compiled.link_to[link]
            new_via = via + 1 if via < n_via and to == ctx.via[via] else via
            state = (to, compiled.link_service[link], node, step.loose_after, new_via)
            if state in seen:
                continue
            new_vector = (
                step.arrive,
                cost + step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents,
                transfers + step.transfer,
                co2e + step.co2e_g,
            )
            if to == ctx.destination and new_via == n_via:
                yield new_vector
                continue
            seen.add(state)
            yield from extend(to, node, state[1], step.loose_after, new_via, new_vector, seen)
            seen.discard(state)

    start = (ctx.origin, -1, -1, ctx.starts_loose, 0)
    yield from extend(ctx.origin, -1, -1, ctx.starts_loose, 0, (ctx.ready_min, 0, 0, 0), {start})


def pareto_set(vectors: list[Vector]) -> set[Vector]:
    """Distinct vectors no other vector dominates (≤ everywhere, < somewhere)."""
    unique = set(vectors)
    return {v for v in unique if not any(w != v and all(w[i] <= v[i] for i in range(4)) for w in unique)}
