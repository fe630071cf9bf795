"""The Martins baseline (benchmarks/martins.py) finds the same Pareto front as the engine: the benchmark compares
two searches for the same answer, and each checks the other."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from benchmarks.martins import MartinsTimeout, martins
from engine.network import Network
from engine.routing import MAX_ROUTES_LIMIT, Constraints, Objective, RouteQuery, Shipment, find_routes

READY = datetime(2026, 12, 3, 6, tzinfo=UTC)
CASES = [
    ("XIAN", "DUISBURG", Constraints()),
    ("URUMQI", "BUDAPEST", Constraints(avoid_countries=frozenset({"RU", "BY"}))),
    ("KASHGAR", "PIRAEUS", Constraints(max_transfers=3)),
    ("CHENGDU", "ISTANBUL", Constraints(via=("BAKU",), arrive_by=datetime(2027, 1, 10, tzinfo=UTC))),
]


@pytest.mark.parametrize(("origin", "destination", "constraints"), CASES)
def test_martins_front_equals_the_engine_front(
    shipped_network: Network, origin: str, destination: str, constraints: Constraints
) -> None:
    query = RouteQuery(
        origin,
        destination,
        READY,
        Shipment(teu=2, gross_weight_kg=20_000),
        Objective.PARETO,
        constraints,
        max_routes=MAX_ROUTES_LIMIT,
    )
    engine = find_routes(shipped_network, query)
    baseline = martins(shipped_network, query)
    assert engine.pareto_size == len(baseline.front) > 0
    assert {route.criteria for route in engine.routes} <= set(baseline.front)
    if engine.pareto_size <= MAX_ROUTES_LIMIT:
        assert sorted(route.criteria for route in engine.routes) == list(baseline.front)


def test_martins_stops_at_its_time_budget(shipped_network: Network) -> None:
    query = RouteQuery("SHANGHAI", "ROTTERDAM", READY, Shipment(teu=2, gross_weight_kg=20_000))
    with pytest.raises(MartinsTimeout):
        martins(shipped_network, query, time_budget_s=0.0)
