"""Labels of two different U-turn blocks together replace a newcomer (``search._two_blocks_dominate``): exact,
judged by brute force on small networks whose services all run both ways (the random networks of
``test_exactness`` rarely have a junction where two blocks meet, so the rule seldom fires there)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.network.model import Network
from engine.routing import search as search_module
from engine.routing.costing import QueryContext
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing
from tests.routing.generators import random_network
from tests.routing.judged import python_search_judged, seeded_query

SEEDS = range(400)
"""Enough seeds for the rule to fire a few times in Pareto mode, the only mode that applies it (when written, it
fired in 9 of the first 150 seeds counting both modes, and in 2 counting the Pareto searches alone)."""


def _both_ways(seed: int) -> Network:
    """7 nodes, 2 services, 14 links, each also run back by its service: junctions where blocks meet."""
    network = random_network(seed, n_nodes=7, n_services=2, n_links=14)
    links = dict(network.links)
    for link in network.links.values():
        links[link.id + "r"] = replace(link, id=link.id + "r", from_id=link.to_id, to_id=link.from_id)
    return replace(network, links=links)


def test_pareto_sets_equal_brute_force_where_two_blocks_dominate(monkeypatch: pytest.MonkeyPatch) -> None:
    fired = 0
    original = search_module._two_blocks_dominate

    def counting(*args: object) -> bool:
        nonlocal fired
        dominated = original(*args)  # type: ignore[arg-type]
        fired += dominated
        return dominated

    monkeypatch.setattr(search_module, "_two_blocks_dominate", counting)
    judged = 0
    for seed in SEEDS:
        network = _both_ways(seed)
        query = seeded_query(network, seed)
        outcome = python_search_judged(network, query)
        if outcome is None:
            continue
        judged += 1
        compiled = compile_routing(network)
        found = [label.vector for label in outcome.labels]
        compiled_search = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
        assert sorted(label.vector for label in compiled_search.labels) == sorted(found), seed  # the kernel's rule
    assert judged > 250
    assert fired >= 3, "the rule must fire for this test to judge it"
