"""Health, reflection and the one-line-per-call log, as any gRPC tool sees them."""

from __future__ import annotations

import time

from corridor.v1 import network_pb2, network_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from tests.contract.conftest import ServerProcess


def test_health_is_serving(server: ServerProcess) -> None:
    health = health_pb2_grpc.HealthStub(server.channel())
    for service in ("", "corridor.v1.RoutingService", "corridor.v1.NetworkService", "corridor.v1.StudyService"):
        response = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_and_describes_the_services(server: ServerProcess) -> None:
    database = ProtoReflectionDescriptorDatabase(server.channel())
    assert set(database.get_services()) == {
        "corridor.v1.RoutingService",
        "corridor.v1.NetworkService",
        "corridor.v1.StudyService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }
    routing = database.FindFileContainingSymbol("corridor.v1.RoutingService")
    assert routing.package == "corridor.v1"
    assert {m.name for m in routing.service[0].method} == {"FindRoutes", "StreamRoutes", "PlanShipment"}


def test_one_log_line_per_call(server: ServerProcess) -> None:
    stub = network_pb2_grpc.NetworkServiceStub(server.channel())
    stub.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10)
    time.sleep(0.2)
    record = [r for r in server.log_records() if r["method"] == "/corridor.v1.NetworkService/GetNetworkInfo"][-1]
    assert record["status"] == "OK"
    assert isinstance(record["latency_ms"], float)
    assert set(record) >= {"method", "status", "latency_ms", "request_id", "peer"}
