"""Routes on the shipped Middle Corridor network: the comparisons forwarders make, ready 2026-12-01."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.network import CargoClass, Mode, Network
from engine.routing import Constraints, Objective, RouteQuery, Shipment, find_routes
from tests.routing.checks import assert_valid_route

READY = datetime(2026, 12, 1, tzinfo=UTC)
TWO_TEU = Shipment(teu=2, gross_weight_kg=20_000)
CASPIAN_PORTS = {"AKTAU", "KURYK", "TURKMENBASHI", "ALAT"}


def crosses_caspian(route: object) -> bool:
    return any(
        leg.mode is Mode.FERRY and {leg.from_id, leg.to_id} <= CASPIAN_PORTS
        for leg in route.legs  # type: ignore[attr-defined]
    )


def test_avoiding_russia_and_belarus_the_fastest_land_route_crosses_the_caspian(shipped_network: Network) -> None:
    avoid = Constraints(avoid_countries=frozenset({"RU", "BY"}))
    query = RouteQuery("XIAN", "DUISBURG", READY, TWO_TEU, Objective.FASTEST, avoid, max_routes=1)
    result = find_routes(shipped_network, query)
    (route,) = result.routes
    assert crosses_caspian(route)
    assert not {"RU", "BY"} & set(route.countries)
    assert_valid_route(shipped_network, route, query)
    # And every route of the Pareto set that goes overland (not by sea) crosses the Caspian too, or (since issue 10
    # added it) takes the southern route round it through Turkmenistan and Iran.
    pareto = find_routes(
        shipped_network, RouteQuery("XIAN", "DUISBURG", READY, TWO_TEU, constraints=avoid, max_routes=100)
    )
    overland = [r for r in pareto.routes if Mode.SEA not in r.modes]
    assert any(crosses_caspian(r) for r in overland)
    assert all(crosses_caspian(r) or {"TM", "IR"} <= set(r.countries) for r in overland)


def test_with_russia_allowed_the_fastest_route_runs_through_russia(shipped_network: Network) -> None:
    query = RouteQuery("XIAN", "DUISBURG", READY, TWO_TEU, Objective.FASTEST, max_routes=1)
    (route,) = find_routes(shipped_network, query).routes
    assert "RU" in route.countries
    assert not crosses_caspian(route)
    assert_valid_route(shipped_network, route, query)


def test_shanghai_to_rotterdam_cheapest_goes_by_sea(shipped_network: Network) -> None:
    query = RouteQuery("SHANGHAI", "ROTTERDAM", READY, TWO_TEU, Objective.CHEAPEST, max_routes=1)
    (route,) = find_routes(shipped_network, query).routes
    assert Mode.SEA in route.modes
    assert max(route.legs, key=lambda leg: leg.distance_km).mode is Mode.SEA
    assert_valid_route(shipped_network, route, query)


@pytest.mark.parametrize(
    "shipment",
    [
        Shipment(teu=0, gross_weight_kg=800, cargo_class=CargoClass.HAZMAT),
        Shipment(teu=1, gross_weight_kg=8_000, cargo_class=CargoClass.HAZMAT),
    ],
    ids=["loose", "containerised"],
)
def test_hazmat_never_flies(shipped_network: Network, shipment: Shipment) -> None:
    allow = Constraints(allow_deconsolidation=True)
    for objective in (Objective.FASTEST, Objective.PARETO):
        query = RouteQuery("SHANGHAI", "FRA", READY, shipment, objective, allow, max_routes=20)
        result = find_routes(shipped_network, query)
        assert all(Mode.AIR not in r.modes for r in result.routes)
    # The same general cargo does fly when that is fastest, so the rule is what keeps hazmat on the ground.
    general = RouteQuery(
        "SHANGHAI", "FRA", READY, Shipment(teu=0, gross_weight_kg=800), Objective.FASTEST, max_routes=1
    )
    assert Mode.AIR in find_routes(shipped_network, general).routes[0].modes


def test_pareto_routes_are_valid_and_representative(shipped_network: Network) -> None:
    query = RouteQuery("CHONGQING", "BUDAPEST", READY, TWO_TEU, max_routes=6)
    result = find_routes(shipped_network, query)
    assert result.pareto_size >= len(result.routes) == 6
    tags = {tag for route in result.routes for tag in route.best_for}
    assert tags == {"cheapest", "fastest", "fewest_transfers", "lowest_co2e"}
    arrivals = [r.arrive for r in result.routes]
    assert arrivals == sorted(arrivals)
    for route in result.routes:
        assert_valid_route(shipped_network, route, query)


def test_same_query_gives_the_same_routes_in_the_same_order(shipped_network: Network) -> None:
    query = RouteQuery("YIWU", "WARSAW", READY, TWO_TEU, max_routes=10)
    first = find_routes(shipped_network, query)
    for _ in range(4):
        assert find_routes(shipped_network, query) == first
