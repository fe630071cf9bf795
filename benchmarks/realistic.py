"""The realistic China → Europe query mix and its single-criterion peers (networkx, scipy), for the benchmarks.

The mix is what forwarders send: every main origin × every main destination, ready times spread over December
2026 and 1, 2 or 4 TEU of 8–24 t per TEU (seeded), in categories that each run the same pairs:

- ``pareto`` / ``pareto_avoid_ru_by``: PARETO with 5 routes, without / with avoiding Russia and Belarus;
- ``cheapest`` / ``cheapest_avoid_ru_by``, ``fastest`` / ``fastest_avoid_ru_by``: one route;
- ``pareto_arrive_by``: PARETO with a deadline 30 days after the ready time;
- ``pareto_max_transfers``: PARETO with at most 3 transfers;
- ``pareto_via``: PARETO through a Middle Corridor port (cycling AKTAU, BAKU, POTI) — the hardest case.

The peers answer one criterion on the same pairs: the shipment's freight cost per link (``usd_per_teu`` × TEU,
``usd_per_truck`` × trucks; air and per-kg links left out, containers do not fly), the cheapest of the parallel
links, nodes of avoided countries removed. That graph is built once per (TEU, avoidance) before timing, for
networkx (``dijkstra_path``) and for scipy (``csgraph.dijkstra`` from the origin with predecessors, then the path
walked back). The issue 3 peer is kept too: networkx on the network's MultiDiGraph with the weight computed per
edge visit (:func:`multigraph_weight`), slower than the precomputed graph. The peers ignore timetables, transfers,
handling, borders and CO2e — the engine's CHEAPEST does not.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from engine.network import Link, Network
from engine.routing import Constraints, Objective, RouteQuery, Shipment

MAIN_ORIGINS = ("XIAN", "CHONGQING", "CHENGDU", "ZHENGZHOU", "YIWU", "SHANGHAI", "WUHAN", "URUMQI", "KASHGAR", "ALMATY")
MAIN_DESTINATIONS = ("DUISBURG", "HAMBURG", "ROTTERDAM", "MALASZEWICZE", "WARSAW", "PRAGUE", "BUDAPEST", "MILAN",
                     "ISTANBUL", "PIRAEUS")  # fmt: skip
VIA_NODES = ("AKTAU", "BAKU", "POTI")
AVOID_RU_BY = frozenset({"RU", "BY"})
SEED = 20261213


def base_pairs(network: Network, seed: int = SEED) -> list[RouteQuery]:
    """One PARETO query per main origin × destination of the network (the shipped ones when it has them all,
    else its ``network.toml`` origins × destinations), with seeded ready times and shipments."""
    origins = [o for o in MAIN_ORIGINS if o in network.nodes]
    destinations = [d for d in MAIN_DESTINATIONS if d in network.nodes]
    if len(origins) < len(MAIN_ORIGINS) or len(destinations) < len(MAIN_DESTINATIONS):
        origins, destinations = list(network.origins), list(network.destinations)
    rng = random.Random(seed)
    queries = []
    for origin in origins:
        for destination in destinations:
            teu = rng.choice([1, 2, 2, 4])
            shipment = Shipment(teu=teu, gross_weight_kg=float(teu * rng.randrange(8_000, 24_001, 1_000)))
            ready = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 28 * 24 * 60, 30))
            queries.append(RouteQuery(origin, destination, ready, shipment, max_routes=5))
    return queries


def realistic_mix(
    network: Network, seed: int = SEED, via_nodes: Sequence[str] = VIA_NODES
) -> dict[str, list[RouteQuery]]:
    """The categories of the module docstring, each over the same pairs (``pareto_via`` only when the network has
    the via nodes)."""
    pairs = base_pairs(network, seed)
    avoid = Constraints(avoid_countries=AVOID_RU_BY)

    def single(objective: Objective, constraints: Constraints) -> list[RouteQuery]:
        return [replace(q, objective=objective, constraints=constraints, max_routes=1) for q in pairs]

    mix = {
        "pareto": pairs,
        "pareto_avoid_ru_by": [replace(q, constraints=avoid) for q in pairs],
        "cheapest": single(Objective.CHEAPEST, Constraints()),
        "cheapest_avoid_ru_by": single(Objective.CHEAPEST, avoid),
        "fastest": single(Objective.FASTEST, Constraints()),
        "fastest_avoid_ru_by": single(Objective.FASTEST, avoid),
        "pareto_arrive_by": [
            replace(q, constraints=Constraints(arrive_by=q.ready + timedelta(days=30))) for q in pairs
        ],
        "pareto_max_transfers": [replace(q, constraints=Constraints(max_transfers=3)) for q in pairs],
    }
    vias = [v for v in via_nodes if v in network.nodes]
    if vias:
        mix["pareto_via"] = [
            replace(q, constraints=Constraints(via=(vias[i % len(vias)],)))
            for i, q in enumerate(pairs)
            if q.origin != vias[i % len(vias)] and q.destination != vias[i % len(vias)]
        ]
    return mix


def link_freight_usd(link: Link, teu: int) -> float:
    """Freight of ``link`` for ``teu`` containers (USD); infinite for links that do not carry containers."""
    if link.usd_per_teu is not None:
        return link.usd_per_teu * teu
    if link.usd_per_truck is not None and link.teu_per_truck is not None:
        return link.usd_per_truck * math.ceil(teu / link.teu_per_truck - 1e-9)
    return math.inf


def multigraph_weight(
    network: Network, teu: int, avoid_countries: Iterable[str] = ()
) -> Callable[[str, str, dict[str, dict[str, Any]]], float | None]:
    """The issue 3 peer's weight on the network's own MultiDiGraph (``network.graph``), computed per edge visit: the
    cheapest parallel link's freight; ``None`` (networkx: edge hidden) at nodes of avoided countries."""
    avoided = frozenset(avoid_countries)
    hidden = {n for n, node in network.nodes.items() if node.country in avoided}

    def weight(u: str, v: str, edges: dict[str, dict[str, Any]]) -> float | None:
        if u in hidden or v in hidden:
            return None
        return min(link_freight_usd(attributes["record"], teu) for attributes in edges.values())

    return weight


class FreightGraph:
    """The single-criterion peer graph of one (TEU, avoided countries): networkx DiGraph and scipy CSR, same weights."""

    def __init__(self, network: Network, teu: int, avoid_countries: Iterable[str] = ()) -> None:
        avoided = frozenset(avoid_countries)
        keep = [n for n, node in network.nodes.items() if node.country not in avoided]
        self.index = {n: i for i, n in enumerate(keep)}
        self.ids = keep
        cheapest: dict[tuple[str, str], float] = {}
        for link in network.links.values():
            if link.from_id not in self.index or link.to_id not in self.index:
                continue
            usd = link_freight_usd(link, teu)
            if math.isfinite(usd):
                pair = (link.from_id, link.to_id)
                cheapest[pair] = min(usd, cheapest.get(pair, math.inf))
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(keep)
        self.graph.add_weighted_edges_from((a, b, w) for (a, b), w in cheapest.items())
        rows = np.fromiter((self.index[a] for a, _ in cheapest), dtype=np.int64, count=len(cheapest))
        cols = np.fromiter((self.index[b] for _, b in cheapest), dtype=np.int64, count=len(cheapest))
        # A free link would vanish from a sparse matrix (zero = no edge): a tiny positive weight keeps it.
        weights = np.fromiter((max(w, 1e-9) for w in cheapest.values()), dtype=np.float64, count=len(cheapest))
        self.csr = csr_matrix((weights, (rows, cols)), shape=(len(keep), len(keep)))

    def networkx_path(self, origin: str, destination: str) -> list[str]:
        """Cheapest path by networkx's Dijkstra (raises ``NetworkXNoPath`` when there is none)."""
        return list(nx.dijkstra_path(self.graph, origin, destination, weight="weight"))

    def scipy_path(self, origin: str, destination: str) -> list[str]:
        """Cheapest path by scipy's Dijkstra from ``origin`` (the whole tree), walked back from ``destination``."""
        source, target = self.index[origin], self.index[destination]
        _, predecessors = dijkstra(self.csr, indices=source, return_predecessors=True)
        path = [target]
        while path[-1] != source and path[-1] >= 0:
            path.append(int(predecessors[path[-1]]))
        return [self.ids[i] for i in reversed(path)]
