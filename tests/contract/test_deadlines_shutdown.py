"""Deadlines and cancellation stop a running search promptly; SIGTERM lets calls in flight finish."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from corridor.v1 import routing_pb2, routing_pb2_grpc, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from tests.contract.conftest import ENDLESS_RUNG, LONG_RUNG, ServerProcess, start_server


def ladder_request(destination: str) -> routing_pb2.FindRoutesRequest:
    ready = Timestamp()
    ready.FromDatetime(datetime(2026, 12, 1, tzinfo=UTC))
    return routing_pb2.FindRoutesRequest(
        origin="R0",
        destination=destination,
        departure=ready,
        shipment=types_pb2.Shipment(teu=1, gross_weight_kg=10_000),
        request_id=f"to-{destination}",
    )


def test_deadline_stops_the_search_and_frees_the_worker(ladder_server: ServerProcess) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(ladder_server.channel())
    stub.FindRoutes(ladder_request("R3"), timeout=30)  # warm: the one worker holds the network
    with pytest.raises(grpc.RpcError) as caught:
        stub.FindRoutes(ladder_request(ENDLESS_RUNG), timeout=1.0)  # minutes of work without the deadline
    assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    # The only worker must be free again: a small query answers well within its own deadline.
    assert stub.FindRoutes(ladder_request("R3"), timeout=5).routes


def test_cancellation_stops_the_search(ladder_server: ServerProcess) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(ladder_server.channel())
    call = stub.FindRoutes.future(ladder_request(ENDLESS_RUNG), timeout=300)
    time.sleep(0.5)
    call.cancel()
    assert call.cancelled()
    assert stub.FindRoutes(ladder_request("R3"), timeout=5).routes


def test_sigterm_finishes_the_call_in_flight_then_exits_0(ladder_dir: Path) -> None:
    running = start_server(ladder_dir, 1, "--grace-s", "60")
    try:
        stub = routing_pb2_grpc.RoutingServiceStub(running.channel())
        stub.FindRoutes(ladder_request("R2"), timeout=30)
        in_flight = stub.FindRoutes.future(ladder_request(LONG_RUNG), timeout=120)  # about two seconds of search
        time.sleep(0.5)
        running.process.send_signal(signal.SIGTERM)
        response = in_flight.result()
        assert response.routes
        assert response.request_id == f"to-{LONG_RUNG}"
        with pytest.raises(grpc.RpcError):
            stub.FindRoutes(ladder_request("R2"), timeout=5)  # no new calls once stopping
    finally:
        code = running.stop(timeout=120)
    assert code == 0
    assert "corridor serve: stopped\n" in running.stdout
