"""Exactness, property-tested: the search's Pareto set equals brute-force enumeration on random networks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from engine.network.model import CargoClass, Mode, Network
from engine.routing.api import find_routes
from engine.routing.compiled import compile_network
from engine.routing.costing import QueryContext
from engine.routing.query import Constraints, Objective, RouteQuery, Shipment
from engine.routing.search import search
from engine.routing.select import LEXICOGRAPHIC_ORDERS, PARETO_ORDER
from tests.routing.checks import assert_valid_route
from tests.routing.generators import random_network
from tests.routing.oracle import EnumerationTooLarge, all_route_vectors, pareto_set

BASE = datetime(2026, 12, 1, tzinfo=UTC)


def _network(seed: int) -> Network:
    """Sizes vary with the seed: 5–7 nodes, 3–6 services, 10–22 links."""
    return random_network(seed, n_nodes=5 + seed % 3, n_services=3 + seed % 4, n_links=10 + seed % 13)


@st.composite
def cases(draw: st.DrawFn, constrained: bool) -> tuple[int, RouteQuery]:
    seed = draw(st.integers(0, 10**6))
    network = _network(seed)
    ids = sorted(network.nodes)
    origin, destination = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
    ready = BASE + timedelta(minutes=draw(st.integers(0, 14 * 1440)))
    loose = draw(st.booleans()) if draw(st.integers(0, 4)) == 0 else False
    teu = 0 if loose else draw(st.integers(1, 3))
    weight = draw(st.sampled_from([800.0, 9000.0, 20000.0, 30000.0]))
    if teu:
        weight = min(weight, teu * 30000.0)
    shipment = Shipment(teu, weight, draw(st.sampled_from(list(CargoClass))))
    constraints = Constraints(allow_deconsolidation=draw(st.booleans()))
    if constrained:
        avoid = frozenset(draw(st.sets(st.sampled_from(["AZ", "KZ", "CN"]), max_size=1))) - {
            network.nodes[origin].country,
            network.nodes[destination].country,
        }
        others = [n for n in ids if n not in (origin, destination) and network.nodes[n].country not in avoid]
        constraints = Constraints(
            avoid_countries=avoid,
            avoid_modes=frozenset(draw(st.sets(st.sampled_from(list(Mode)), max_size=1))),
            avoid_operators=frozenset(draw(st.sets(st.sampled_from(["OpA", "opc"]), max_size=1))),
            via=tuple(draw(st.lists(st.sampled_from(others), max_size=1, unique=True))) if others else (),
            max_transfers=draw(st.none() | st.integers(0, 3)),
            arrive_by=draw(st.none() | st.integers(24, 24 * 30).map(lambda h: ready + timedelta(hours=h))),
            max_cost_usd=draw(st.none() | st.sampled_from([500.0, 2000.0, 8000.0])),
            max_co2e_kg=draw(st.none() | st.sampled_from([200.0, 3000.0])),
            allow_deconsolidation=draw(st.booleans()),
        )
    return seed, RouteQuery(origin, destination, ready, shipment, constraints=constraints, max_routes=100)


def _search_vectors(seed: int, query: RouteQuery, order: tuple[int, ...], pareto: bool) -> list[tuple[int, ...]]:
    ctx = QueryContext(compile_network(_network(seed)), query)
    return [label.vector for label in search(ctx, order, pareto=pareto).labels]


SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _route_vectors(seed: int, query: RouteQuery) -> list[tuple[int, int, int, int]]:
    """Every route's vector by brute force; an example with too many routes to enumerate is rejected, not judged."""
    try:
        return all_route_vectors(_network(seed), query)
    except EnumerationTooLarge:
        reject()


@SETTINGS
@given(cases(constrained=False))
def test_pareto_set_equals_brute_force(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    expected = pareto_set(_route_vectors(seed, query))
    found = _search_vectors(seed, query, PARETO_ORDER, pareto=True)
    assert len(found) == len(set(found)), "one route per criteria vector"
    assert set(found) == expected


@SETTINGS
@given(cases(constrained=True))
def test_pareto_set_equals_brute_force_under_constraints(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    expected = pareto_set(_route_vectors(seed, query))
    assert set(_search_vectors(seed, query, PARETO_ORDER, pareto=True)) == expected


@SETTINGS
@given(cases(constrained=True), st.sampled_from(sorted(LEXICOGRAPHIC_ORDERS)))
def test_single_objective_equals_brute_force_optimum(case: tuple[int, RouteQuery], objective: Objective) -> None:
    seed, query = case
    order = LEXICOGRAPHIC_ORDERS[objective]
    vectors = _route_vectors(seed, query)
    found = _search_vectors(seed, query, order, pareto=False)
    if not vectors:
        assert found == []
    else:
        assert found[0] == min(vectors, key=lambda v: tuple(v[i] for i in order))


@settings(max_examples=60, deadline=None)
@given(cases(constrained=True))
def test_infeasible_queries_explain_themselves(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    result = find_routes(_network(seed), query)
    assert (result.explanation is None) == bool(result.routes)
    if not result.routes:
        assert result.explanation


@settings(max_examples=200, deadline=None)
@given(cases(constrained=True), st.sampled_from(list(Objective)))
def test_every_route_recomputes_from_its_legs(case: tuple[int, RouteQuery], objective: Objective) -> None:
    seed, query = case
    network = _network(seed)
    result = find_routes(network, replace(query, objective=objective, max_routes=5))
    for route in result.routes:
        assert_valid_route(network, route, query)
