"""The Python search's Pareto set judged against brute force, on a seeded random query: shared by the tests of
search rules that only some networks exercise (two U-turn blocks, the arrival profile)."""

from __future__ import annotations

import random
from datetime import timedelta

from engine.network.model import Network
from engine.routing import search as search_module
from engine.routing.costing import QueryContext
from engine.routing.query import RouteQuery, Shipment
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing
from tests.routing.oracle import EnumerationTooLarge, all_route_vectors, pareto_set
from tests.routing.test_exactness import BASE


def seeded_query(network: Network, seed: int, teu: int = 1) -> RouteQuery:
    """A Pareto query (up to 100 routes) between two of ``network``'s nodes drawn from ``seed``, ready within two
    weeks of ``BASE``."""
    draw = random.Random(seed)
    origin, destination = draw.sample(sorted(network.nodes), 2)
    ready = BASE + timedelta(minutes=draw.randrange(14 * 1440))
    return RouteQuery(origin, destination, ready, Shipment(teu, 9000.0), max_routes=100)


def python_search_judged(network: Network, query: RouteQuery) -> search_module.SearchOutcome | None:
    """The Python search's Pareto outcome for ``query``, after asserting that its vectors are distinct and equal the
    brute-force Pareto set; ``None`` where the routes are too many to enumerate."""
    try:
        vectors = all_route_vectors(network, query)
    except EnumerationTooLarge:
        return None
    context = QueryContext(compile_routing(network), query)
    outcome = search_module.search(context, PARETO_ORDER, pareto=True, kernel=False)
    found = [label.vector for label in outcome.labels]
    assert len(found) == len(set(found))
    assert set(found) == pareto_set(vectors)
    return outcome
