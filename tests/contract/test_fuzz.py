"""Hypothesis fuzzing of every RPC's request message against the running server: whatever arrives, the answer is
a deliberate status (never INTERNAL or UNKNOWN) and it comes back before the deadline.

Messages are generated from the protobuf descriptors, so every field of every request is exercised, with values
that mix real node ids, hostile text (control characters, long strings, non-BMP characters), non-finite floats,
extreme integers and unknown enum numbers. A fraction of the bodies are raw bytes. The suite runs a bounded number
of examples (``FUZZ_EXAMPLES``, default 25 per RPC, derandomized); ``make fuzz`` runs many more.
"""

from __future__ import annotations

import collections
import os
import time
from typing import Any

import grpc
import pytest
from corridor.v1 import network_pb2, routing_pb2, study_pb2, types_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.conftest import ServerProcess

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
DEADLINE_S = float(os.environ.get("FUZZ_DEADLINE_S", "20"))
SLACK_S = 5.0
"""Time past the deadline a call may take to come back (a busy machine; the server's answer is the deadline)."""
ALLOWED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
NODE_IDS = ["XIAN", "DUISBURG", "AKTAU", "ALAT", "CHONGQING", "BUDAPEST", "ALTYNKOL", "DOSTYK", "POTI", "ISTANBUL"]
COUNTRIES = ["RU", "BY", "KZ", "CN", "AZ", "GE", "TR", "DE", "ZZ", "ru"]
HOSTILE_TEXT = st.one_of(
    st.sampled_from(NODE_IDS + COUNTRIES + ["", " ", "\x00", "\u202e", "💥" * 50, "A" * 129, "'\"\\", "%s%n"]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400),
)
TIMESTAMPS = st.one_of(
    st.builds(Timestamp, seconds=st.integers(1_700_000_000, 1_900_000_000)),
    st.builds(Timestamp, seconds=st.integers(-(2**63), 2**63 - 1), nanos=st.integers(-(2**31), 2**31 - 1)),
)
FLOATS = st.one_of(st.floats(), st.floats(min_value=0, max_value=200), st.sampled_from([0.0, 1e300, -1e-300]))
INTS = {
    FieldDescriptor.TYPE_INT32: st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers(0, 10)),
    FieldDescriptor.TYPE_UINT32: st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 10)),
    FieldDescriptor.TYPE_INT64: st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(0, 10)),
    FieldDescriptor.TYPE_UINT64: st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 10)),
}


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    if field.type == FieldDescriptor.TYPE_STRING:
        return HOSTILE_TEXT
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return FLOATS
    if field.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if field.type == FieldDescriptor.TYPE_ENUM:  # open enums: unknown numbers arrive as they are
        return st.one_of(st.sampled_from([v.number for v in field.enum_type.values]), st.integers(-5, 2**31 - 1))
    if field.type in INTS:
        return INTS[field.type]
    if field.type == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    raise NotImplementedError(field.type)


def messages(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for a message of ``descriptor``: every field present or not, nested messages to 3
    levels."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            fields[field.name] = st.dictionaries(
                st.one_of(st.sampled_from(NODE_IDS), HOSTILE_TEXT), _scalar(value_field), max_size=4
            )
        elif field.message_type is not None:
            if field.message_type.full_name == "google.protobuf.Timestamp":
                inner: st.SearchStrategy[Any] = TIMESTAMPS
            elif depth >= 3:
                continue
            else:
                inner = messages(field.message_type, depth + 1).map(
                    lambda kwargs, t=field.message_type: _build(t, kwargs)
                )
            fields[field.name] = st.lists(inner, max_size=4) if field.is_repeated else inner
        else:
            fields[field.name] = st.lists(_scalar(field), max_size=6) if field.is_repeated else _scalar(field)
    return st.fixed_dictionaries({}, optional=fields)


def _build(descriptor: Descriptor, kwargs: dict[str, Any]) -> Message:
    from google.protobuf import message_factory

    cls = message_factory.GetMessageClass(descriptor)
    message = cls()
    for name, value in kwargs.items():
        field = descriptor.fields_by_name[name]
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(message, name).update(value)
        elif field.is_repeated:
            getattr(message, name).extend(value)
        elif field.message_type is not None:
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


VALID_BASES: dict[str, Message] = {
    "FindRoutesRequest": routing_pb2.FindRoutesRequest(
        origin="XIAN",
        destination="DUISBURG",
        departure=Timestamp(seconds=1_796_083_200),
        shipment=types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
    ),
    "PlanShipmentRequest": routing_pb2.PlanShipmentRequest(
        origin="XIAN", destination="DUISBURG", teu=4, ready=Timestamp(seconds=1_796_083_200), horizon_days=10
    ),
    "AssignDemandRequest": study_pb2.AssignDemandRequest(
        demand=[study_pb2.DemandRow(origin="XIAN", destination="DUISBURG", teu_per_week=10)]
    ),
}
FIXED = {"horizon_days"}
"""Fields a near-valid request keeps: a 120-day plan is a work bound of its own (tested elsewhere), not fuzz."""


@st.composite
def near_valid(draw: st.DrawFn, request_class: type[Message]) -> bytes:
    """A valid request with one to three fields overwritten (scalars) or extended (lists) by fuzzed values, so the
    fuzzing also reaches the search, the planner and the solver, not only validation."""
    descriptor = request_class.DESCRIPTOR
    message = request_class()
    message.CopyFrom(VALID_BASES[descriptor.name])
    names = [f.name for f in descriptor.fields if f.name not in FIXED]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    overrides = draw(messages(descriptor))
    patch = _build(descriptor, {name: value for name, value in overrides.items() if name in chosen})
    message.MergeFrom(patch)
    return message.SerializeToString()


def bodies(request_class: type[Message]) -> st.SearchStrategy[bytes]:
    """Serialized requests of ``request_class``: near-valid (when there is a valid base), random, or raw bytes."""
    built = messages(request_class.DESCRIPTOR).map(lambda kw: _build(request_class.DESCRIPTOR, kw).SerializeToString())
    if request_class.DESCRIPTOR.name in VALID_BASES:
        close = near_valid(request_class)
        return st.one_of(close, close, built, st.binary(max_size=200))
    return st.one_of(built, built, built, st.binary(max_size=200))


RPCS = [
    ("/corridor.v1.RoutingService/FindRoutes", routing_pb2.FindRoutesRequest),
    ("/corridor.v1.RoutingService/PlanShipment", routing_pb2.PlanShipmentRequest),
    ("/corridor.v1.StudyService/AssignDemand", study_pb2.AssignDemandRequest),
    ("/corridor.v1.NetworkService/GetNetworkInfo", network_pb2.GetNetworkInfoRequest),
    ("/corridor.v1.NetworkService/ListNodes", network_pb2.ListNodesRequest),
    ("/corridor.v1.NetworkService/ListLinks", network_pb2.ListLinksRequest),
]


def check_answer(channel: grpc.Channel, method: str, body: bytes) -> grpc.StatusCode:
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    started = time.monotonic()
    details = ""
    try:
        call(body, timeout=DEADLINE_S)
        code = grpc.StatusCode.OK
    except grpc.RpcError as error:
        code, details = error.code(), error.details()
    assert code in ALLOWED, f"{method} answered {code}: {details}"
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S + SLACK_S, f"{method} took {elapsed:.1f} s"
    return code


@pytest.mark.parametrize(("method", "request_class"), RPCS, ids=[m.rsplit("/", 1)[1] for m, _ in RPCS])
def test_fuzzed_requests_get_deliberate_answers(
    server: ServerProcess, method: str, request_class: type[Message]
) -> None:
    channel = server.channel()
    tally: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize="FUZZ_EXAMPLES" not in os.environ,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies(request_class))
    def fuzz(body: bytes) -> None:
        tally[check_answer(channel, method, body).name] += 1

    fuzz()
    print(f"{method}: {sum(tally.values())} fuzzed calls, {dict(tally)}")
    if request_class.DESCRIPTOR.name in VALID_BASES:  # the fuzz reached the real work, not only validation
        assert tally["OK"] > 0, tally
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


def test_fuzzed_stream_items_are_answered_in_the_stream(server: ServerProcess) -> None:
    """StreamRoutes with fuzzed items (FindRoutes bodies or raw bytes): one answer per item, no INTERNAL."""
    stream = server.channel().stream_stream(
        "/corridor.v1.RoutingService/StreamRoutes", request_serializer=None, response_deserializer=None
    )

    @settings(
        max_examples=max(3, EXAMPLES // 5), deadline=None, derandomize="FUZZ_EXAMPLES" not in os.environ, database=None
    )
    @given(items=st.lists(bodies(routing_pb2.FindRoutesRequest), min_size=1, max_size=6))
    def fuzz(items: list[bytes]) -> None:
        wrapped = [b"\x0a" + _varint(len(item)) + item for item in items]  # StreamRoutesRequest.request = 1
        answers = [
            routing_pb2.StreamRoutesResponse.FromString(a) for a in stream(iter(wrapped), timeout=DEADLINE_S * 3)
        ]
        assert len(answers) == len(items)
        assert not [a.error.status for a in answers if a.error.status in ("INTERNAL", "UNKNOWN")]

    fuzz()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
