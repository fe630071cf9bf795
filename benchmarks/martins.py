"""A plain Martins multi-criteria label-setting search: the textbook baseline for the engine's Pareto search.

Martins (1984): labels leave a heap in lexicographic order of their criteria; each state keeps a bag of labels no
other label in it weakly dominates; a new label enters its bag unless dominated and removes the labels it
dominates. Nothing else: no lower bounds, no A* order, no target pruning, no early stop.

It uses the engine's public cost model (:mod:`engine.routing.model`: :class:`QueryContext` and its ``step``) and
the same state as the engine (node, service, previous node, loose cargo, via nodes passed), so both answer the
same question: the Pareto set over (arrival minute, cost cents, transfers, CO2e grams) of the routes from origin to
destination. Destination labels are collected in one bag and not extended, as in the engine. Constraints (deadline,
budget, CO2e cap, transfer cap) drop a label whose own vector breaks them (every criterion only grows).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

from engine.network import Network
from engine.routing import RouteQuery
from engine.routing.model import QueryContext, compile_routing, to_minutes

Vector = tuple[int, int, int, int]


@dataclass(frozen=True)
class MartinsOutcome:
    """The Pareto front (distinct criteria vectors, sorted) and how many labels the search created and settled."""

    front: tuple[Vector, ...]
    labels_created: int
    labels_settled: int


class MartinsTimeout(Exception):
    """The search ran past its time budget (benchmarks report it as "did not finish")."""


class _Label:
    __slots__ = ("alive", "came_from", "loose", "node", "service", "vector", "via")

    def __init__(self, vector: Vector, node: int, service: int, loose: bool, via: int, came_from: int) -> None:
        self.vector = vector
        self.node = node
        self.service = service
        self.loose = loose
        self.via = via
        self.came_from = came_from
        self.alive = True


def _dominated(bag: list[_Label], v: Vector) -> bool:
    return any(a.vector[0] <= v[0] and a.vector[1] <= v[1] and a.vector[2] <= v[2] and a.vector[3] <= v[3] for a in bag)


def martins(network: Network, query: RouteQuery, time_budget_s: float | None = None) -> MartinsOutcome:
    """The Pareto front of ``query`` on ``network`` by plain Martins label setting.

    Parameters
    ----------
    network
        A loaded network snapshot.
    query
        The question; its objective and ``max_routes`` are ignored (the whole front is returned).
    time_budget_s
        Wall-clock seconds after which :class:`MartinsTimeout` is raised (checked every 256 settled labels).

    Returns
    -------
    MartinsOutcome
        Distinct criteria vectors of the Pareto-optimal routes, sorted, with label counts.
    """
    query.check_against(network)
    ctx = QueryContext(compile_routing(network), query)  # the search's arrays: through products too
    c = ctx.compiled
    q = query.constraints
    unlimited = 1 << 62
    deadline = unlimited
    if q.arrive_by is not None:  # whole minutes, as the engine reads a deadline with seconds
        exact = q.arrive_by.second == 0 and q.arrive_by.microsecond == 0
        deadline = to_minutes(q.arrive_by) - (0 if exact else 1)
    budget = unlimited if q.max_cost_usd is None else round(q.max_cost_usd * 100)
    co2e_cap = unlimited if q.max_co2e_kg is None else round(q.max_co2e_kg * 1000)
    max_transfers = unlimited if q.max_transfers is None else q.max_transfers
    via_nodes, n_via, destination = ctx.via, len(ctx.via), ctx.destination
    stop_at = None if time_budget_s is None else time.perf_counter() + time_budget_s

    start = _Label((ctx.ready_min, 0, 0, 0), ctx.origin, -1, ctx.starts_loose, 0, -1)
    bags: dict[tuple[int, int, int, bool, int], list[_Label]] = {}
    target: list[_Label] = []
    heap: list[tuple[Vector, int, _Label]] = [(start.vector, 0, start)]
    created, settled = 1, 0
    while heap:
        _, _, label = heapq.heappop(heap)
        if not label.alive:
            continue
        settled += 1
        if stop_at is not None and not settled % 256 and time.perf_counter() > stop_at:
            msg = f"Martins search ran past {time_budget_s} s"
            raise MartinsTimeout(msg)
        arrive, cost, transfers, co2e = label.vector
        for link in c.out_links[label.node]:
            if not ctx.usable(link):
                continue
            step = ctx.step(label.node, arrive, label.service, label.loose, link, label.came_from)
            if step is None:
                continue
            vector: Vector = (
                step.arrive,
                cost + step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents,
                transfers + step.transfer,
                co2e + step.co2e_g,
            )
            if vector[0] > deadline or vector[1] > budget or vector[2] > max_transfers or vector[3] > co2e_cap:
                continue
            to = c.link_to[link]
            via = label.via + 1 if label.via < n_via and to == via_nodes[label.via] else label.via
            service = c.link_service[link]
            if to == destination and via == n_via:
                bag = target
            else:
                bag = bags.setdefault((to, service, label.node, step.loose_after, via), [])
            if _dominated(bag, vector):
                continue
            for other in bag:
                o = other.vector
                if vector[0] <= o[0] and vector[1] <= o[1] and vector[2] <= o[2] and vector[3] <= o[3]:
                    other.alive = False
            bag[:] = [other for other in bag if other.alive]
            child = _Label(vector, to, service, step.loose_after, via, label.node)
            bag.append(child)
            if bag is not target:
                created += 1
                heapq.heappush(heap, (vector, created, child))
    return MartinsOutcome(tuple(sorted({t.vector for t in target})), created, settled)
