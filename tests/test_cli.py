"""The ``corridor`` command line, run as a user runs it (a subprocess of the installed console script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import shape

from tests.conftest import NETWORKS

TOY = str(NETWORKS / "toy")


def corridor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_validate_ok() -> None:
    result = corridor("network", "validate", TOY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK toy@")
    assert "6 nodes, 12 directed links (rail 8, ferry 2, road 2)" in result.stdout


def test_validate_bad_network_exits_1_and_lists_problems(toy_copy: Path) -> None:
    path = toy_copy / "links.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",2500,66,", ",-3,66,"), encoding="utf-8")
    result = corridor("network", "validate", str(toy_copy))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"INVALID {toy_copy}: 1 problem(s)",
        "  links.csv:2: distance_km: must be > 0, got -3",
    ]


def test_show_reports_counts_capacity_and_provenance() -> None:
    result = corridor("network", "show", TOY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "network toy@" in out
    assert "6 nodes, 12 directed links" in out
    assert "CASPIAN-FEEDER  ferry  weekly           2.0        300 TEU    600 TEU" in out
    assert "  all                         5        70           6.7%" in out


def test_nodes_search_is_accent_and_case_insensitive() -> None:
    result = corridor("network", "nodes", TOY, "--search", "DOSTYK toy")
    assert result.returncode == 0
    assert "GAUGE_KZ  Kazakh Gauge Change  KZ       border_crossing|gauge_change" in result.stdout
    missing = corridor("network", "nodes", TOY, "--search", "paris")
    assert missing.returncode == 1
    assert "no node matches 'paris'" in missing.stdout


def test_export_geojson_parses_as_features(tmp_path: Path) -> None:
    target = tmp_path / "toy.geojson"
    result = corridor("network", "export", TOY, "--geojson", str(target))
    assert result.returncode == 0, result.stderr
    collection = json.loads(target.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    geometries = {f["id"]: shape(f["geometry"]) for f in collection["features"]}
    assert geometries["GAUGE_KZ"].geom_type == "Point"
    assert (geometries["GAUGE_KZ"].x, geometries["GAUGE_KZ"].y) == (82.48, 45.25)  # lon, lat (RFC 7946)
    ferry = geometries["F-PORT_KZ-PORT_AZ"]
    assert ferry.geom_type == "LineString"
    assert list(ferry.coords) == [(51.21, 43.6), (49.4, 39.95)]
    kinds = [f["properties"]["feature_type"] for f in collection["features"]]
    assert kinds.count("node") == 6
    assert kinds.count("link") == 12


def test_route_table_resolves_names() -> None:
    result = corridor(
        "route", "xian toy", "Destination", "--network", TOY, "--ready", "2026-12-01T00:00Z", "--teu", "2"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Origin Terminal (ORIGIN) → Destination (DEST), ready 2026-12-01 00:00Z, 2 TEU, 20,000 kg general"
    )
    assert "Route 1 [fastest, fewest_transfers]: 6,704 USD" in result.stdout
    assert "transfers: GAUGE_KZ (gauge break, 6 h)" in result.stdout


def test_route_json_and_geojson(tmp_path: Path) -> None:
    target = tmp_path / "routes.geojson"
    result = corridor(
        "route",
        "ORIGIN",
        "DEST",
        "--network",
        TOY,
        "--ready",
        "2026-12-01T00:00Z",
        "--objective",
        "cheapest",
        "--max-routes",
        "1",
        "--json",
    )
    answer = json.loads(result.stdout)
    assert answer["objective"] == "cheapest"
    assert answer["routes"][0]["cost_usd"] == 6524.0
    assert [leg["mode"] for leg in answer["routes"][0]["legs"]] == ["rail", "rail", "ferry", "rail"]
    corridor("route", "ORIGIN", "DEST", "--network", TOY, "--ready", "2026-12-01T00:00Z", "--geojson", str(target))
    features = json.loads(target.read_text(encoding="utf-8"))["features"]
    line = shape(features[0]["geometry"])
    assert line.geom_type == "LineString"
    assert line.coords[0] == (109.07, 34.4)


def test_route_with_containers_by_type() -> None:
    args = ("route", "ORIGIN", "DEST", "--network", TOY, "--ready", "2026-12-01T00:00Z", "--objective", "cheapest")
    result = corridor(*args, "--containers", "40ft:1,20ft:2", "--max-routes", "1")
    assert result.returncode == 0, result.stderr
    assert "4 TEU (1×40ft, 2×20ft), 40,000 kg general" in result.stdout
    answer = json.loads(corridor(*args, "--containers", "40ft_reefer:1", "--max-routes", "1", "--json").stdout)
    assert answer["shipment"]["cargo_class"] == "reefer"  # a reefer box brings reefer cargo rules


@pytest.mark.parametrize(
    ("containers", "message"),
    [
        (
            "53ft:1",
            "--containers: container type must be one of 20ft, 40ft, 40ft_hc, 40ft_reefer (as TYPE:COUNT), "
            "got '53ft:1'",
        ),
        ("40ft:x", "--containers: count must be a whole number >= 1 (as TYPE:COUNT), got '40ft:x'"),
        ("40ft:1,40ft:2", "shipment.containers: lists 40ft twice"),
    ],
)
def test_route_with_bad_containers_names_the_option(containers: str, message: str) -> None:
    result = corridor(
        "route", "ORIGIN", "DEST", "--network", TOY, "--ready", "2026-12-01T00:00Z", "--containers", containers
    )
    assert result.returncode == 1
    assert message in result.stderr


def test_route_ambiguous_name_lists_candidates() -> None:
    result = corridor("route", "caspian port", "DEST", "--network", TOY, "--ready", "2026-12-01T00:00Z")
    assert result.returncode == 1
    assert "'caspian port' is ambiguous; it matches PORT_AZ (Caspian Port AZ), PORT_KZ (Caspian Port KZ)" in (
        result.stderr
    )


def test_route_without_answer_explains_and_exits_3() -> None:
    result = corridor(
        "route", "ORIGIN", "DEST", "--network", TOY, "--ready", "2026-12-01T00:00Z", "--avoid-modes", "ferry"
    )
    assert result.returncode == 3
    assert "No route: every route needs an avoided mode: ferry" in result.stdout


def test_the_command_line_starts_without_the_optimizer_or_grpc() -> None:
    # `corridor --help` and the network and route commands must not pay for OR-Tools or grpc at start-up.
    code = (
        "import sys, engine.cli; "
        "print(sorted(m for m in ('ortools', 'scipy', 'grpc', 'engine.optimize.plan') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"
