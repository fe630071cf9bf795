"""The realistic benchmark mix and its single-criterion peers (benchmarks/realistic.py): the right queries, and
peers that agree with each other on the cheapest freight cost."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest

from benchmarks.realistic import (
    AVOID_RU_BY,
    MAIN_DESTINATIONS,
    MAIN_ORIGINS,
    FreightGraph,
    link_freight_usd,
    multigraph_weight,
    realistic_mix,
)
from engine.network import Network
from engine.routing import Objective


def test_every_main_origin_meets_every_main_destination_in_every_category(shipped_network: Network) -> None:
    mix = realistic_mix(shipped_network)
    pairs = {(o, d) for o in MAIN_ORIGINS for d in MAIN_DESTINATIONS}
    for name, queries in mix.items():
        if name != "pareto_via":
            assert {(q.origin, q.destination) for q in queries} == pairs, name
    assert all(q.objective is Objective.CHEAPEST and q.max_routes == 1 for q in mix["cheapest_avoid_ru_by"])
    assert all(q.constraints.avoid_countries == AVOID_RU_BY for q in mix["fastest_avoid_ru_by"])
    assert all(q.max_routes == 5 and q.objective is Objective.PARETO for q in mix["pareto"])
    assert {q.constraints.via for q in mix["pareto_via"]} == {("AKTAU",), ("BAKU",), ("POTI",)}
    assert realistic_mix(shipped_network) == mix  # seeded


def _cost(graph: FreightGraph, path: list[str]) -> float:
    return sum(graph.graph[a][b]["weight"] for a, b in itertools.pairwise(path))


@pytest.mark.parametrize("avoid", [(), tuple(AVOID_RU_BY)])
def test_the_three_peers_find_equally_cheap_paths_avoiding_what_is_avoided(
    shipped_network: Network, avoid: tuple[str, ...]
) -> None:
    graph = FreightGraph(shipped_network, 2, avoid)
    for origin, destination in [("XIAN", "DUISBURG"), ("SHANGHAI", "ISTANBUL"), ("ALMATY", "BUDAPEST")]:
        by_networkx = graph.networkx_path(origin, destination)
        by_scipy = graph.scipy_path(origin, destination)
        assert by_scipy[0] == origin
        assert by_scipy[-1] == destination
        assert math.isclose(_cost(graph, by_networkx), _cost(graph, by_scipy), rel_tol=1e-9)
        on_multigraph = nx.dijkstra_path_length(
            shipped_network.graph, origin, destination, weight=multigraph_weight(shipped_network, 2, avoid)
        )
        assert math.isclose(on_multigraph, _cost(graph, by_scipy), rel_tol=1e-9)
        assert not {shipped_network.nodes[n].country for n in by_scipy} & set(avoid)


def test_air_links_carry_no_containers(shipped_network: Network) -> None:
    air = next(link for link in shipped_network.links.values() if link.usd_per_kg is not None)
    assert link_freight_usd(air, 2) == math.inf
