"""Finding places: nearest nodes to a point, and a city that is not a node resolved to its nearest terminals."""

from __future__ import annotations

import csv
import math

import pytest

from engine.cli import main
from engine.errors import UnknownNode
from engine.network import Network
from engine.network.places import CITIES_CSV, find_city, great_circle_km, nearest_nodes, unknown_node_near


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_great_circle_matches_a_known_distance() -> None:
    # London (51.5074, -0.1278) → Paris (48.8566, 2.3522): 343.5 km on the WGS 84 geodesic; the sphere is within 0.5 %.
    assert great_circle_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, rel=0.005)
    assert great_circle_km(10, 20, 10, 20) == 0


def test_nearest_almaty_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "network", "nearest", "43.25", "76.95")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[0] == "ALMATY"
    assert len(lines) == 5
    distances = [float(line.split(" km")[0].split()[-1].replace(",", "")) for line in lines]
    assert distances == sorted(distances)
    assert distances[0] < 10


def test_nearest_filters_kinds_limit_and_radius(shipped_network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "network", "nearest", "43.25", "76.95", "--kinds", "airport", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "ALMATY_AIRPORT"
    assert all(line.rstrip().endswith("airport") for line in lines)
    near = nearest_nodes(shipped_network.nodes.values(), 43.25, 76.95, radius_km=20)
    assert {n.node.id for n in near} == {"ALMATY", "ALMATY_AIRPORT"}
    assert all(n.distance_km <= 20 for n in near)


def test_a_city_that_is_not_a_node_lists_its_nearest_terminals(
    shipped_network: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not shipped_network.node_index.search("Dortmund")
    code, out, _ = run(capsys, "network", "nearest", "Dortmund", "--limit", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[0] == "DUISBURG"
    assert "Dortmund (DE" in lines[-1]
    assert "GEONAMES-CACHE-3-0-2" in lines[-1]
    # Wuxi (Jiangsu) is served by the Suzhou terminal, 41 km away.
    code, out, _ = run(capsys, "network", "nearest", "Wuxi", "--limit", "1")
    assert out.splitlines()[0].split()[0] == "SUZHOU"


def test_a_route_to_a_city_names_the_nearest_terminals(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "route", "XIAN", "Dortmund", "--ready", "2026-12-01T00:00Z")
    assert code == 1
    assert "destination: 'Dortmund' is not a node" in err
    assert "nearest terminals to Dortmund (DE) [GEONAMES-CACHE-3-0-2]: DUISBURG 49 km" in err


def test_unknown_words_stay_unknown(shipped_network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    error = UnknownNode("origin", "NOWHERE", shipped_network.label)
    assert unknown_node_near(error, shipped_network) is error
    code, _, err = run(capsys, "network", "nearest", "Nowhere")
    assert code == 1
    assert "place: 'Nowhere' is neither a node nor a city" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("91", "0"), "near.lat: must be degrees in [-90, 90], got 91.0"),
        (("0", "181"), "near.lon: must be degrees in [-180, 180], got 181.0"),
        (("1", "2", "--limit", "0"), "limit: must be 1-1000, got 0"),
        (("1", "2", "--radius-km", "-5"), "radius_km: must be a distance in km > 0, got -5.0"),
        (("1", "2", "--kinds", "harbour"), "kinds: unknown kind 'harbour'; allowed: rail_terminal"),
    ],
)
def test_bad_arguments_name_the_field(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: str) -> None:
    code, _, err = run(capsys, "network", "nearest", *argv)
    assert code == 1
    assert expected in err


def test_the_gazetteer_is_small_sourced_and_in_range() -> None:
    with CITIES_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert 1000 < len(rows) < 5000
    assert {r["source"] for r in rows} == {"GEONAMES-CACHE-3-0-2"}
    assert all(-90 <= float(r["lat"]) <= 90 and -180 <= float(r["lon"]) <= 180 for r in rows)
    assert all(int(r["population"]) >= 100_000 for r in rows)
    city = find_city("lodz")
    assert city is not None
    assert city.name == "Łódź"
    assert city.country == "PL"
    assert find_city("Wuhan", "DE") is None
    assert math.isclose(find_city("Wuhan").lat, 30.58333)  # type: ignore[union-attr]


def test_network_nodes_lists_the_terminals_near_a_city(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "network", "nodes", "--search", "Essen")
    assert code == 0
    lines = out.splitlines()
    assert lines[2].split()[0] == "DUISBURG"
    assert "17.3 km" in lines[2]
    assert lines[-1].startswith("Essen (DE) [GEONAMES-CACHE-3-0-2] is not a node")
    code, out, _ = run(capsys, "network", "nodes", "--search", "Nowhereville")
    assert code == 1
    assert "no node matches 'Nowhereville'" in out
