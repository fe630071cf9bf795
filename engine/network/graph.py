"""The network as a networkx ``MultiDiGraph`` (the modelling and validation view; solvers compile their own arrays)."""

from __future__ import annotations

import networkx as nx

from engine.network.model import Network


def build_graph(network: Network) -> nx.MultiDiGraph:
    """Build a frozen ``MultiDiGraph``: one node per network node, one edge per link keyed by link id.

    Node attributes: ``record`` (the :class:`Node`), ``country``, ``kinds``. Edge attributes: ``record`` (the
    :class:`Link`), ``mode``, ``service``, ``distance_km``, ``run_h``. Parallel edges are distinct services or
    modes between the same two nodes.

    >>> from engine.network import load_network
    >>> g = load_network("graphs/middle_corridor").graph
    >>> g.is_multigraph() and g.is_directed()
    True
    """
    graph = nx.MultiDiGraph(name=network.label)
    for node in network.nodes.values():
        graph.add_node(node.id, record=node, country=node.country, kinds=node.kinds)
    for link in network.links.values():
        graph.add_edge(
            link.from_id,
            link.to_id,
            key=link.id,
            record=link,
            mode=link.mode,
            service=link.service_id,
            distance_km=link.distance_km,
            run_h=link.run_h,
        )
    return nx.freeze(graph)
