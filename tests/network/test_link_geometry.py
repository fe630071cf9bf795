"""Link polylines (``geometry.geojson``): attached to links and their reverses, checked, used by the exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import NetworkDataError
from engine.network import Mode, Network, load_network
from engine.network.geojson import network_to_geojson
from engine.network.link_geometry import GEOMETRY_FILE
from engine.routing import Constraints, Objective, RouteQuery, Shipment, find_routes

# R-ORIGIN-BORDER runs from ORIGIN (34.4 N, 109.07 E) to BORDER_CN (45.17 N, 82.57 E) in the toy network.
TRACK = [[109.07, 34.4], [103.8, 36.1], [87.6, 43.8], [82.57, 45.17]]


def write_geometry(directory: Path, *features: dict[str, object]) -> None:
    collection = {"type": "FeatureCollection", "features": list(features)}
    (directory / GEOMETRY_FILE).write_text(json.dumps(collection), encoding="utf-8")


def line(link_id: object, coordinates: object) -> dict[str, object]:
    return {"type": "Feature", "id": link_id, "geometry": {"type": "LineString", "coordinates": coordinates}}


def test_a_line_is_attached_and_exported(toy_copy: Path) -> None:
    write_geometry(toy_copy, line("R-ORIGIN-BORDER", TRACK))
    network = load_network(toy_copy)
    link = network.links["R-ORIGIN-BORDER"]
    assert link.geometry == tuple((lon, lat) for lon, lat in TRACK)
    assert network.links["R-ORIGIN-BORDER.R"].geometry == link.geometry[::-1]  # the reverse hop, reversed
    assert all(other.geometry is None for other in network.links.values() if not other.id.startswith(link.id))
    feature = next(f for f in network_to_geojson(network)["features"] if f["id"] == "R-ORIGIN-BORDER")
    assert feature["geometry"]["coordinates"] == TRACK
    # Geometry is display only: the version (routing identity) does not change.
    assert network.version == load_network(Path(__file__).parents[1] / "networks" / "toy").version


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        (line("R-NOPE", TRACK), "geometry.geojson: id: feature 1: 'R-NOPE' is not a link row id of links.csv"),
        (line("R-ORIGIN-BORDER", [[109.07, 34.4]]), "a line needs at least 2 positions"),
        (line("R-ORIGIN-BORDER", [[109.07, 34.4], [200, 45]]), "[200, 45] is not [lon, lat] in [-180, 180]"),
        (line("R-ORIGIN-BORDER", [[109.07, 34.4], [82.57, 48.0]]), "ends 315 km from node BORDER_CN; at most 25 km"),
        (line("R-ORIGIN-BORDER", [[100.0, 34.4], [82.57, 45.17]]), "starts 832 km from node ORIGIN"),
        (
            {"type": "Feature", "id": "R-ORIGIN-BORDER", "geometry": {"type": "Point", "coordinates": [1, 2]}},
            "must be a LineString",
        ),
    ],
)
def test_a_bad_line_is_refused_with_the_feature_and_field(
    toy_copy: Path, feature: dict[str, object], expected: str
) -> None:
    write_geometry(toy_copy, feature)
    with pytest.raises(NetworkDataError) as caught:
        load_network(toy_copy)
    assert expected in str(caught.value)


def test_a_file_that_is_not_geojson_is_refused(toy_copy: Path) -> None:
    (toy_copy / GEOMETRY_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(NetworkDataError, match=r"geometry\.geojson:1: is not JSON"):
        load_network(toy_copy)
    (toy_copy / GEOMETRY_FILE).write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(NetworkDataError, match="must be a GeoJSON FeatureCollection"):
        load_network(toy_copy)


def test_the_shipped_sea_lanes_go_round_africa_not_across_it(shipped_network: Network) -> None:
    cape = shipped_network.links["S-AEC-CAPE_GOOD_HOPE-ROTTERDAM"].geometry
    assert cape is not None
    # A straight Cape → Rotterdam segment stays east of 4° E; the MARNET lane passes Senegal, west of 17° W.
    assert min(lon for lon, _ in cape) < -17
    with_line = [link for link in shipped_network.links.values() if link.geometry]
    assert len(with_line) > 500
    assert all(link.mode.value != "air" for link in with_line)


def test_a_route_follows_the_lanes(shipped_network: Network) -> None:
    query = RouteQuery(
        "SHANGHAI",
        "ROTTERDAM",
        datetime(2026, 12, 1, tzinfo=UTC),
        Shipment(teu=1, gross_weight_kg=10_000),
        Objective.FASTEST,
        Constraints(avoid_modes=frozenset({Mode.RAIL, Mode.ROAD, Mode.AIR}), avoid_nodes=frozenset({"BAB_EL_MANDEB"})),
        max_routes=1,
    )
    (route,) = find_routes(shipped_network, query).routes
    hops = sum(len(leg.hops) for leg in route.legs)
    assert len(route.geometry) > hops + 1  # more than one straight segment per hop
    assert min(lon for _, lon in route.geometry) < -17  # round West Africa
    assert route.geometry[0] == (shipped_network.nodes["SHANGHAI"].lat, shipped_network.nodes["SHANGHAI"].lon)
    assert route.geometry[-1] == (shipped_network.nodes["ROTTERDAM"].lat, shipped_network.nodes["ROTTERDAM"].lon)
