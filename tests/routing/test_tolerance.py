"""ε-Pareto sets (``RouteQuery.pareto_tolerance``): real routes, mutually non-dominated, covering the exact set.

For every Pareto-optimal route found by brute force, the ε-set must hold a route no worse than ``1 + ε`` times it
on each criterion (transit time counted from the ready time), and the kernel must return what the Python search
returns.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from engine.errors import InvalidRequest
from engine.routing import arrival_profile as profile_module
from engine.routing.costing import QueryContext
from engine.routing.query import RouteQuery
from engine.routing.search import search
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing
from engine.routing.timetable import to_minutes
from tests.routing.generators import random_network
from tests.routing.oracle import EnumerationTooLarge, all_route_vectors, pareto_set
from tests.routing.test_kernel import queries

SIZES = (7, 5, 26)


def _covers(route: tuple[int, ...], target: tuple[int, ...], ready: int, tolerance: float) -> bool:
    factor = 1.0 + tolerance
    return (
        route[0] - ready <= factor * (target[0] - ready)
        and route[1] <= factor * target[1]
        and route[2] <= factor * target[2]
        and route[3] <= factor * target[3]
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10**6).flatmap(lambda seed: st.tuples(st.just(seed), queries(random_network(seed, *SIZES)))),
    st.sampled_from([0.02, 0.1, 0.5, 1.0]),
)
def test_an_epsilon_set_covers_the_pareto_set(case: tuple[int, RouteQuery], tolerance: float) -> None:
    _check_epsilon_set(case, tolerance)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10**6).flatmap(lambda seed: st.tuples(st.just(seed), queries(random_network(seed, *SIZES)))),
    st.sampled_from([0.02, 0.1, 0.5]),
)
def test_with_the_arrival_profile_and_cost_layers_an_epsilon_set_still_covers(
    case: tuple[int, RouteQuery], tolerance: float
) -> None:
    """The same with the arrival profile and the cost layers (used on large networks only, so the threshold is
    lowered): their regions are checked by ε-dominance too. ``tests/routing/test_cost_layers.py`` checks on the
    synthetic corridor that they change the ε search."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(profile_module, "PROFILE_FROM_LINKS", 0)
        _check_epsilon_set(case, tolerance)


def _check_epsilon_set(case: tuple[int, RouteQuery], tolerance: float) -> None:
    seed, query = case
    network = random_network(seed, *SIZES)
    query = replace(query, pareto_tolerance=tolerance)
    try:
        every = all_route_vectors(network, query)
    except EnumerationTooLarge:
        reject()
    compiled = compile_routing(network)
    python = search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=False)
    kernel = search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
    found = [label.vector for label in python.labels]
    assert found == [label.vector for label in kernel.labels]
    assert (python.labels_created, python.labels_settled) == (kernel.labels_created, kernel.labels_settled)
    assert set(found) <= set(every), "every route of the ε-set is a real route"
    assert set(found) <= pareto_set(found), "and none dominates another"
    ready = to_minutes(query.ready)
    exact = pareto_set(every)
    assert len(found) <= len(exact)
    for target in exact:
        assert any(_covers(route, target, ready, tolerance) for route in found), target


@pytest.mark.parametrize("tolerance", [-0.01, 1.01, float("nan")])
def test_a_tolerance_outside_zero_to_one_is_refused(tolerance: float) -> None:
    query = replace_tolerance_query()
    with pytest.raises(InvalidRequest, match="pareto_tolerance: must be between 0 \\(exact\\) and 1"):
        replace(query, pareto_tolerance=tolerance)


def replace_tolerance_query() -> RouteQuery:
    from datetime import UTC, datetime

    from engine.routing.query import Shipment

    return RouteQuery("A", "B", datetime(2026, 12, 1, tzinfo=UTC), Shipment(1, 10_000.0))
