"""The network as a networkx ``MultiDiGraph`` (the modelling and validation view; solvers compile their own arrays)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import networkx as nx

# The graph is a view the snapshot (engine.network.model.Network) builds of itself, so this module must not import
# the model: it describes the little it reads from a snapshot as protocols instead.


class _GraphNode(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def kinds(self) -> frozenset[str]: ...


class _GraphLink(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def from_id(self) -> str: ...
    @property
    def to_id(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def service_id(self) -> str: ...
    @property
    def distance_km(self) -> float: ...
    @property
    def run_h(self) -> float: ...


class Snapshot(Protocol):
    """What :func:`build_graph` reads of a network snapshot (a :class:`~engine.network.model.Network` has it)."""

    @property
    def label(self) -> str: ...
    @property
    def nodes(self) -> Mapping[str, _GraphNode]: ...
    @property
    def links(self) -> Mapping[str, _GraphLink]: ...


def build_graph(network: Snapshot) -> nx.MultiDiGraph:
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
