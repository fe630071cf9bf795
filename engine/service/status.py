"""One table from engine exceptions to gRPC status codes, and the rich error details sent with them.

| exception | status | details |
|---|---|---|
| ``UnknownNode`` | NOT_FOUND | the message names the field, the value and close candidates |
| ``UnknownScenario`` | NOT_FOUND | the message names the scenarios the server holds |
| ``InvalidRequest`` | INVALID_ARGUMENT | ``google.rpc.BadRequest`` with one field violation per bad field |
| ``SearchInterrupted("deadline")`` | DEADLINE_EXCEEDED | |
| ``SearchInterrupted("cancelled")`` | CANCELLED | |
| ``SearchOutgrewMemory`` (a search past ``CORRIDOR_SEARCH_MEMORY_MB``) | RESOURCE_EXHAUSTED | what to narrow |
| ``NetworkDataError`` | FAILED_PRECONDITION | the data problems |
| protobuf ``DecodeError`` | INVALID_ARGUMENT | the bytes sent are not the method's request message |
| ``ServerBusy`` (request bytes in flight over the ceiling) | RESOURCE_EXHAUSTED | retry later |
| ``OptimizerError`` / anything else | INTERNAL | a correlation id, also in the server log with the traceback |

Workers run in other processes, so an outcome crosses the process boundary as a plain :class:`Failure`.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from engine.errors import (
    CorridorError,
    InvalidRequest,
    NetworkDataError,
    SearchInterrupted,
    SearchOutgrewMemory,
    UnknownNode,
    UnknownScenario,
)

log = logging.getLogger("corridor.service")


class ServerBusy(CorridorError):
    """Too much work is held already; the client should retry later (RESOURCE_EXHAUSTED)."""


@dataclass(frozen=True)
class Failure:
    """Why a request failed, in a form that pickles: a status name, a message, field violations."""

    status: str  # grpc.StatusCode name, e.g. "INVALID_ARGUMENT"
    message: str
    violations: tuple[tuple[str, str], ...] = ()
    correlation_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> grpc.StatusCode:
        """The gRPC status code."""
        return grpc.StatusCode[self.status]


MAX_MESSAGE_BYTES = 384
MAX_FIELD_BYTES = 128
MAX_DESCRIPTION_BYTES = 200
MAX_VIOLATIONS = 10
"""Bounds (UTF-8 bytes) on what a failure sends back: the status message and the field violations travel in the
trailers, which gRPC caps at 8 KiB (soft) and 16 KiB (hard); past those the client sees RESOURCE_EXHAUSTED
"metadata size exceeds hard limit" instead of the error. These bounds keep the worst case near 6 KiB."""


class CallFailed(Exception):
    """A call whose answer is already known: ``failure`` is what the client is told (a worker lost before it
    answered, a job that answered with a failure). :func:`failure_from_exception` passes it through."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _cut(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"


def bounded(failure: Failure) -> Failure:
    """``failure`` with its message and violations cut to fit the trailers (the first violations are kept)."""
    violations = tuple(
        (_cut(f, MAX_FIELD_BYTES), _cut(d, MAX_DESCRIPTION_BYTES)) for f, d in failure.violations[:MAX_VIOLATIONS]
    )
    message = failure.message
    if len(failure.violations) > MAX_VIOLATIONS:
        message = f"{len(failure.violations)} problems, the first {MAX_VIOLATIONS}: {message}"
    return Failure(failure.status, _cut(message, MAX_MESSAGE_BYTES), violations, failure.correlation_id, failure.extra)


def failure_from_exception(exc: BaseException) -> Failure:
    """Map an exception to the status the client sees (the table in the module docstring), bounded in size."""
    return bounded(_failure(exc))


def _failure(exc: BaseException) -> Failure:
    if isinstance(exc, CallFailed):
        return exc.failure
    if isinstance(exc, UnknownNode | UnknownScenario):
        return Failure("NOT_FOUND", str(exc), tuple((p.field, p.message) for p in exc.problems))
    if isinstance(exc, InvalidRequest):
        return Failure("INVALID_ARGUMENT", str(exc), tuple((p.field, p.message) for p in exc.problems))
    if isinstance(exc, SearchOutgrewMemory):
        return Failure("RESOURCE_EXHAUSTED", str(exc))
    if isinstance(exc, SearchInterrupted):
        status = "DEADLINE_EXCEEDED" if exc.reason == "deadline" else "CANCELLED"
        return Failure(status, f"the search was stopped: {exc.reason}")
    if isinstance(exc, NetworkDataError):
        return Failure("FAILED_PRECONDITION", f"the network cannot be used: {exc}")
    if isinstance(exc, ServerBusy):
        return Failure("RESOURCE_EXHAUSTED", str(exc))
    if isinstance(exc, DecodeError):
        message = "is not a valid protobuf message for this method"
        return Failure("INVALID_ARGUMENT", f"request: {message}", (("request", message),))
    correlation_id = uuid.uuid4().hex[:12]
    log.error(
        "internal error %s: %s\n%s",
        correlation_id,
        exc,
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )
    return Failure("INTERNAL", f"internal error (correlation id {correlation_id})", correlation_id=correlation_id)


async def abort_with(context: grpc.aio.ServicerContext[Any, Any], failure: Failure) -> NoReturn:
    """End the call with ``failure`` as its status (``google.rpc`` details in the trailers)."""
    grpc_status = rich_status(failure)
    await context.abort(grpc_status.code, grpc_status.details, grpc_status.trailing_metadata)
    raise AssertionError("abort returns only by raising")  # pragma: no cover


def rich_status(failure: Failure) -> grpc.Status:
    """The failure as a gRPC status with ``google.rpc`` details in the trailers (for ``abort``)."""
    status = status_pb2.Status(code=failure.code.value[0], message=failure.message)
    if failure.violations:
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in failure.violations
                ]
            )
        )
        status.details.append(detail)
    if failure.correlation_id:
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.ErrorInfo(
                reason="INTERNAL", domain="corridor", metadata={"correlation_id": failure.correlation_id}
            )
        )
        status.details.append(detail)
    converted: grpc.Status = rpc_status.to_status(status)
    return converted
