"""The exception → status table, and an internal bug's correlation id in the reply and in the log."""

from __future__ import annotations

import logging

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from engine.errors import FieldProblem, InvalidRequest, SearchInterrupted, SearchOutgrewMemory, UnknownNode
from engine.service.status import failure_from_exception, rich_status


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (UnknownNode("origin", "XIANN", "net@1"), "NOT_FOUND"),
        (InvalidRequest([FieldProblem("max_routes", "must be between 1 and 100, got 0")]), "INVALID_ARGUMENT"),
        (SearchInterrupted("deadline"), "DEADLINE_EXCEEDED"),
        (SearchInterrupted("cancelled"), "CANCELLED"),
        (SearchOutgrewMemory(2 << 30, 4_000_000), "RESOURCE_EXHAUSTED"),
    ],
)
def test_table(exc: Exception, status: str) -> None:
    assert failure_from_exception(exc).status == status


def test_a_search_past_its_memory_budget_says_what_to_narrow() -> None:
    failure = failure_from_exception(SearchOutgrewMemory(2 << 30, 4_000_000))
    assert "4,000,000 labels" in failure.message
    assert "budget of 2,048 MiB" in failure.message
    assert "narrow the query" in failure.message


def test_invalid_argument_carries_a_bad_request() -> None:
    failure = failure_from_exception(InvalidRequest([FieldProblem("a", "x"), FieldProblem("b", "y")]))
    status = rpc_status.from_call(_Call(rich_status(failure)))  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad)
    assert [(v.field, v.description) for v in bad.field_violations] == [("a", "x"), ("b", "y")]


def test_an_internal_bug_gets_a_correlation_id_that_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="corridor.service"):
        failure = failure_from_exception(ZeroDivisionError("boom"))
    assert failure.status == "INTERNAL"
    assert len(failure.correlation_id) == 12
    assert failure.message == f"internal error (correlation id {failure.correlation_id})"
    assert failure.correlation_id in caplog.text
    assert "ZeroDivisionError: boom" in caplog.text
    assert rich_status(failure).code is grpc.StatusCode.INTERNAL


class _Call:
    """Just enough of a grpc.Call for rpc_status.from_call."""

    def __init__(self, status: grpc.Status) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return self._status.details

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return self._status.trailing_metadata


def test_a_hostile_failure_fits_in_the_trailers() -> None:
    """A million bad entries with long non-ASCII values still make a status that fits gRPC's 8 KiB metadata."""
    value = "ЖЖЖ💥" * 5_000
    problems = [
        FieldProblem(f"constraints.avoid_nodes[{i}]" + "x" * 500, f"{value!r} is not a node") for i in range(1000)
    ]
    status = rich_status(failure_from_exception(InvalidRequest(problems)))
    size = sum(len(key) + len(value) for key, value in status.trailing_metadata)
    assert size + 3 * len(status.details.encode()) < 8 * 1024  # grpc-message is percent-encoded: ≤ 3 bytes a byte
    assert status.details.startswith("1000 problems, the first 10: ")
    assert len(status.details.encode()) <= 384


def test_an_unknown_node_quotes_a_bounded_prefix() -> None:
    message = str(UnknownNode("origin", "Q" * 16_384, "net@1"))
    assert "'QQQQ" in message
    assert "(16,384 characters)" in message
    assert len(message) < 200
