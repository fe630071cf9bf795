"""The fast paths of route conversion (in-place building, cached wire bytes, packed geometry) give the bytes the
plain field-by-field construction (``plain_route``) gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from corridor.v1 import types_pb2

from engine.network import CargoClass, Mode, Network
from engine.routing import Constraints, Objective, RouteQuery, Shipment, find_routes
from engine.service.convert.common import geometry_wire, route_to_proto
from engine.service.convert.provenance import figure_to_proto
from tests.service.plain_route import plain_route

READY = datetime(2026, 12, 3, 8, tzinfo=UTC)
TITR = Constraints(
    avoid_countries=frozenset({"RU", "BY", "UA"}), avoid_modes=frozenset({Mode.ROAD, Mode.AIR, Mode.SEA})
)


def _plain(points: list[tuple[float, float]]) -> types_pb2.Route:
    return types_pb2.Route(geometry=[types_pb2.LatLon(lat=lat, lon=lon) for lat, lon in points])


@pytest.mark.parametrize(
    "points",
    [[], [(0.0, 0.0)], [(-0.0, 180.0), (41.2995, 69.2401)], [(-33.9, -151.2), (89.99999, -179.99999), (1e-300, 0.5)]],
)
def test_geometry_wire_parses_to_the_plain_message(points: list[tuple[float, float]]) -> None:
    message = types_pb2.Route()
    message.MergeFromString(geometry_wire(points))
    assert message == _plain(points)
    assert message.SerializeToString() == _plain(points).SerializeToString()


def test_route_to_proto_keeps_geometry_and_does_not_share_cached_figures(shipped_network: Network) -> None:
    query = RouteQuery(
        "XIAN",
        "ROTTERDAM",
        datetime(2026, 12, 3, 8, tzinfo=UTC),
        Shipment(teu=2, gross_weight_kg=30_000.0),
        Objective.PARETO,
        Constraints(avoid_countries=frozenset({"RU", "BY"})),
        max_routes=3,
    )
    route = find_routes(shipped_network, query).routes[0]
    assert route.provenance is not None
    assert len(route.geometry) > 2
    first = route_to_proto(route)
    assert list(first.geometry) == list(_plain(list(route.geometry)).geometry)
    sources = list(first.cost.freight_provenance.sources)
    assert sources == list(route.provenance.freight.sources)
    # A caller that edits its answer must not change the figure the next answer copies.
    first.cost.freight_provenance.sources.append("EDITED")
    first.legs[0].cost.freight_provenance.estimate = not first.legs[0].cost.freight_provenance.estimate
    second = route_to_proto(route)
    assert list(second.cost.freight_provenance.sources) == sources
    assert list(figure_to_proto(route.provenance.freight).sources) == sources
    assert second == route_to_proto(route)
    assert second.legs[0] != first.legs[0]


@pytest.mark.parametrize(
    ("origin", "destination", "shipment", "constraints"),
    [
        ("XIAN", "DUISBURG", Shipment(2, 20_000), Constraints()),  # rail with borders and gauge breaks
        ("SHANGHAI", "ROTTERDAM", Shipment(1, 9_000), Constraints()),  # sea, fares from a dated index
        ("CHONGQING", "ISTANBUL", Shipment(4, 60_000, CargoClass.REEFER), Constraints()),  # reefer surcharges
        ("XIAN", "FRA", Shipment(0, 900), Constraints(allow_deconsolidation=True)),  # loose cargo by air
        ("ALTYNKOL", "ISTANBUL", Shipment(2, 30_000), Constraints(arrive_by=READY + timedelta(days=25))),
        ("CHENGDU", "BUDAPEST", Shipment(1, 12_000, CargoClass.HAZMAT), Constraints(avoid_countries=frozenset({"RU"}))),
        ("ALTYNKOL", "ISTANBUL", Shipment(2, 20_000), TITR),  # a through tariff
    ],
)
def test_route_to_proto_gives_the_plain_bytes(
    shipped_network: Network, origin: str, destination: str, shipment: Shipment, constraints: Constraints
) -> None:
    query = RouteQuery(origin, destination, READY, shipment, Objective.PARETO, constraints, max_routes=8)
    routes = find_routes(shipped_network, query).routes
    assert routes
    for route in routes:
        for include_hops in (False, True):
            fast = route_to_proto(route, include_hops).SerializeToString()
            assert fast == plain_route(route, include_hops).SerializeToString()
        # Routes without the deferred parts (an optimizer plan has no band) take the other branches.
        bare = replace(route, provenance=None, emissions=None, arrival_p10=None, arrival_p50=None, arrival_p90=None)
        assert route_to_proto(bare).SerializeToString() == plain_route(bare).SerializeToString()
