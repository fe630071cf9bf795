"""The worker's job table: each kind answers through translation → library → translation, and every failure is
an outcome (a status), never an exception that would take the worker down."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from corridor.v1 import routing_pb2, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from engine.network import Network
from engine.routing import find_routes
from engine.service.convert.routing import find_routes_response, route_query_from_proto
from engine.service.jobs import JOBS


def toy_request(**fields: object) -> routing_pb2.FindRoutesRequest:
    base: dict[str, object] = {
        "request_id": "toy-1",
        "origin": "ORIGIN",
        "destination": "DEST",
        "departure": Timestamp(seconds=int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())),
        "shipment": types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
    }
    return routing_pb2.FindRoutesRequest(**(base | fields))  # type: ignore[arg-type]


def go_on() -> str | None:
    return None


def test_find_routes_job_answers_what_the_library_answers(toy_network: Network) -> None:
    request = toy_request(include_hops=True)
    response, failure, request_id = JOBS["find_routes"](request.SerializeToString(), toy_network, go_on, None)
    assert failure is None
    assert request_id == "toy-1"
    expected = find_routes_response(
        find_routes(toy_network, route_query_from_proto(request, toy_network)), "toy-1", include_hops=True
    )
    assert response == expected.SerializeToString()
    assert routing_pb2.FindRoutesResponse.FromString(response).routes[0].legs[0].hops


@pytest.mark.parametrize("kind", ["find_routes", "plan_shipment", "assign_demand"])
def test_bytes_that_are_not_the_request_become_invalid_argument(kind: str, toy_network: Network) -> None:
    response, failure, _ = JOBS[kind](b"\xff\xff\xff", toy_network, go_on, None)
    assert response is None
    assert failure is not None
    assert failure.status == "INVALID_ARGUMENT"


def test_a_bad_request_names_its_fields_and_keeps_its_id(toy_network: Network) -> None:
    request = toy_request(origin="", shipment=types_pb2.Shipment(teu=2, gross_weight_kg=0))
    response, failure, request_id = JOBS["find_routes"](request.SerializeToString(), toy_network, go_on, None)
    assert response is None
    assert failure is not None
    assert request_id == "toy-1"
    assert [field for field, _ in failure.violations] == ["origin", "shipment.gross_weight_kg"]


def test_the_stop_hook_reaches_the_search(shipped_network: Network) -> None:
    # the shipped network: the search polls the hook every 64 settled labels and the toy settles fewer
    payload = toy_request(origin="XIAN", destination="DUISBURG").SerializeToString()
    response, failure, _ = JOBS["find_routes"](payload, shipped_network, lambda: "cancelled", None)
    assert response is None
    assert failure is not None
    assert failure.status == "CANCELLED"


def test_a_stream_item_carries_its_error_inside_the_response(toy_network: Network) -> None:
    item = routing_pb2.StreamRoutesRequest(request=toy_request(destination="NOWHERE"))
    response, failure, request_id = JOBS["stream_item"](item.SerializeToString(), toy_network, go_on, None)
    assert failure is not None
    assert failure.status == "NOT_FOUND"
    assert request_id == "toy-1"
    assert response is not None
    answer = routing_pb2.StreamRoutesResponse.FromString(response)
    assert answer.request_id == "toy-1"
    assert answer.error.status == "NOT_FOUND"


def test_a_worker_starts_without_the_optimizer() -> None:
    # OR-Tools costs seconds and memory per worker; it loads with the first optimizer job, not at start.
    code = "import sys, engine.service.worker; print(sorted(m for m in ('ortools', 'scipy') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"


def test_the_service_horizon_limit_is_the_library_one() -> None:
    from engine.optimize.requests import MAX_HORIZON
    from engine.service.convert.routing import MAX_HORIZON_DAYS

    assert MAX_HORIZON.total_seconds() / 86_400 == MAX_HORIZON_DAYS
