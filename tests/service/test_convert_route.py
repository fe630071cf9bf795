"""The fast paths of route conversion give the messages the plain construction gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from corridor.v1 import types_pb2

from engine.network import Network
from engine.routing import Constraints, Objective, RouteQuery, Shipment, find_routes
from engine.service.convert.common import geometry_wire, route_to_proto
from engine.service.convert.provenance import figure_to_proto


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
