"""Hostile requests over every RPC against the real server: each gets its status and names its field, the error
fits in the trailers, and the server still answers a good request straight after."""

from __future__ import annotations

import grpc
import pytest
from corridor.v1 import routing_pb2, types_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from engine.network import Network
from tests.contract.conftest import ServerProcess
from tests.contract.hostile import BOMB, GARBAGE, Hostile, assign, catalogue, route

CASES = catalogue("LINK-PLACEHOLDER")


def field_violations(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is None:
        return []
    fields = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    return fields


def call_raw(channel: grpc.Channel, method: str, body: bytes, timeout: float = 60) -> bytes:
    callable_ = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    answer: bytes = callable_(body, timeout=timeout)
    return answer


def assert_still_serving(channel: grpc.Channel) -> None:
    answer = routing_pb2.FindRoutesResponse.FromString(
        call_raw(channel, "/corridor.v1.RoutingService/FindRoutes", route())
    )
    assert answer.routes


@pytest.fixture(scope="module")
def cases(shipped_network: Network) -> dict[str, Hostile]:
    link_id = sorted(link.id for link in shipped_network.links.values() if link.capacity_teu_per_week)[0]
    return {case.name: case for case in catalogue(link_id)}


def test_the_catalogue_is_large_and_covers_every_rpc() -> None:
    assert len(CASES) >= 60
    assert {case.method.rsplit("/", 1)[1] for case in CASES} == {
        "FindRoutes",
        "PlanShipment",
        "AssignDemand",
        "GetNetworkInfo",
        "ListNodes",
        "ListLinks",
    }
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_hostile_request(server: ServerProcess, cases: dict[str, Hostile], name: str) -> None:
    case = cases[name]
    channel = server.channel()
    with pytest.raises(grpc.RpcError) as refused:
        call_raw(channel, case.method, case.body)
    error = refused.value
    assert error.code() == case.status, error.details()
    assert len(error.details() or "") <= 600  # bounded: never the whole hostile input
    if case.field is not None:
        fields = field_violations(error)
        assert any(f.startswith(case.field) for f in fields), fields
        assert all(len(f) <= 128 for f in fields)
    assert_still_serving(channel)


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        (
            routing_pb2.StreamRoutesRequest(request=routing_pb2.FindRoutesRequest()).SerializeToString(),
            "INVALID_ARGUMENT",
            "origin",
        ),
        (GARBAGE, "INVALID_ARGUMENT", "request"),
        (
            routing_pb2.StreamRoutesRequest(
                request=routing_pb2.FindRoutesRequest.FromString(route(origin="NOWHERE"))
            ).SerializeToString(),
            "NOT_FOUND",
            "origin",
        ),
        (
            routing_pb2.StreamRoutesRequest(
                request=routing_pb2.FindRoutesRequest.FromString(route(request_id="r" * 100_000))
            ).SerializeToString(),
            "INVALID_ARGUMENT",
            "request_id",
        ),
        (
            routing_pb2.StreamRoutesRequest(
                request=routing_pb2.FindRoutesRequest.FromString(
                    route(constraints=types_pb2.Constraints(avoid_nodes=["N"] * 5000))
                )
            ).SerializeToString(),
            "INVALID_ARGUMENT",
            "constraints.avoid_nodes",
        ),
    ],
    ids=["empty", "garbage", "unknown-origin", "request-id-100k", "avoid-nodes-5000"],
)
def test_hostile_stream_items_are_answered_in_the_stream(
    server: ServerProcess, payload: bytes, status: str, field: str
) -> None:
    """A bad item of StreamRoutes gets its error in the stream; the good item after it still gets routes."""
    good = routing_pb2.StreamRoutesRequest(request=routing_pb2.FindRoutesRequest.FromString(route(request_id="good")))
    stream = server.channel().stream_stream(
        "/corridor.v1.RoutingService/StreamRoutes", request_serializer=None, response_deserializer=None
    )
    answers = [
        routing_pb2.StreamRoutesResponse.FromString(a)
        for a in stream(iter([payload, good.SerializeToString()]), timeout=60)
    ]
    assert len(answers) == 2
    bad = next(a for a in answers if a.HasField("error"))
    assert bad.error.status == status
    assert any(v.field.startswith(field) for v in bad.error.field_violations)
    assert len(bad.request_id) <= 128
    assert next(a for a in answers if a.HasField("response")).response.routes


def test_an_oversized_message_is_refused_by_size(server: ServerProcess) -> None:
    """Past 16 MiB gRPC itself refuses the message (RESOURCE_EXHAUSTED); the server carries on."""
    channel = server.channel()
    with pytest.raises(grpc.RpcError) as refused:
        call_raw(channel, "/corridor.v1.StudyService/AssignDemand", b"\x12" + b"\x80\x80\x80\x09" + b"#" * (17 * 2**20))
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert_still_serving(channel)


def test_the_alias_bomb_is_refused_at_once(server: ServerProcess) -> None:
    """The 474-byte alias bomb once cost 10.7 s of CPU and 1.3 GB; now it is refused before it expands."""
    assert len(BOMB) < 600
    with pytest.raises(grpc.RpcError) as refused:
        call_raw(server.channel(), "/corridor.v1.StudyService/AssignDemand", assign(edits_yaml=BOMB), timeout=5)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "alias" in (refused.value.details() or "")
