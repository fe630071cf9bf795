"""Limits on the shape of every request, checked right after decoding and before any work starts.

A request that crosses a limit is answered INVALID_ARGUMENT with one ``google.rpc.BadRequest`` field violation per
crossing (at most ``MAX_VIOLATIONS``), e.g. ``constraints.avoid_nodes: has 100,000 entries; at most 1,000 are
allowed``. The table (also in ``docs/OPERATIONS.md``):

| what | limit | enforced by |
|---|---|---|
| a whole request message | 16 MiB (``MAX_MESSAGE_BYTES`` in ``server.py``) | gRPC: RESOURCE_EXHAUSTED |
| ``edits_yaml`` (also in a study) | 256 Ki characters, then the bounds of ``engine.network.yaml_guard`` | here |
| ``study_yaml`` (RunStudy, CompareScenarios) | 256 Ki characters, then the same YAML bounds | here |
| ``request_id`` | 128 characters | here |
| ``query`` (ListNodes), ``page_token`` | 256 characters | here |
| any other string: node ids, countries, operators, services, link ids, segments, map keys | 128 characters | here |
| ``demand`` (AssignDemand rows) | 50,000 | here |
| ``capacity_teu_per_week`` (map entries) | 10,000 | here |
| ``constraints.via`` | 16 | here |
| ``scenarios`` (RunStudy, CompareScenarios) | 32 | here |
| ``ready_times`` (RunStudy, CompareScenarios) | 520 (ten years of weeks) | here |
| any other repeated field (``avoid_nodes``, ``avoid_countries``, ``bookings``, …) | 1,000 | here |

The limits sit far above what the shipped network can use (a few hundred nodes, ~20 countries) and far below what
would hurt the server. Work bounds (horizon × departures, assignment size, memory) are separate.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from engine.errors import FieldProblem, InvalidRequest, quote
from engine.service.status import failure_from_exception, rich_status

log = logging.getLogger("corridor.service")

MAX_VIOLATIONS = 20
"""Field violations reported for one request; a hostile request with a million bad entries gets twenty."""
DEFAULT_MAX_CHARS = 128
MAX_CHARS = {"edits_yaml": 256 * 1024, "study_yaml": 256 * 1024, "request_id": 128, "query": 256, "page_token": 256}
DEFAULT_MAX_ENTRIES = 1000
MAX_ENTRIES = {"demand": 50_000, "capacity_teu_per_week": 10_000, "via": 16, "scenarios": 32, "ready_times": 520}


def _check_text(path: str, name: str, value: str, problems: list[FieldProblem]) -> None:
    limit = MAX_CHARS.get(name, DEFAULT_MAX_CHARS)
    if len(value) > limit:
        problems.append(FieldProblem(path, f"is {len(value):,} characters long; at most {limit:,} are allowed"))


def _check_count(path: str, name: str, count: int, problems: list[FieldProblem]) -> bool:
    limit = MAX_ENTRIES.get(name, DEFAULT_MAX_ENTRIES)
    if count > limit:
        problems.append(FieldProblem(path, f"has {count:,} entries; at most {limit:,} are allowed"))
        return False
    return True


def _walk(message: Message, prefix: str, problems: list[FieldProblem]) -> None:
    for field, value in message.ListFields():
        if len(problems) >= MAX_VIOLATIONS:
            return
        name = field.name
        path = prefix + name
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if _check_count(path, name, len(value), problems):
                for key in value:
                    if isinstance(key, str):
                        _check_text(f"{path}[{quote(key, 32)}]", name, key, problems)
        elif field.is_repeated:
            if not _check_count(path, name, len(value), problems):
                continue
            for index, item in enumerate(value):
                if len(problems) >= MAX_VIOLATIONS:
                    return
                if field.type == FieldDescriptor.TYPE_STRING:
                    _check_text(f"{path}[{index}]", name, item, problems)
                elif field.type == FieldDescriptor.TYPE_MESSAGE:
                    _walk(item, f"{path}[{index}].", problems)
        elif field.type == FieldDescriptor.TYPE_STRING:
            _check_text(path, name, value, problems)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            _walk(value, path + ".", problems)


def request_limit_problems(request: Message) -> list[FieldProblem]:
    """Every string, repeated field and map of ``request`` (recursively) that crosses its limit, at most
    ``MAX_VIOLATIONS`` of them."""
    problems: list[FieldProblem] = []
    _walk(request, "", problems)
    return problems[:MAX_VIOLATIONS]


def check_request_limits(request: Message) -> None:
    """Raise :class:`InvalidRequest` if ``request`` crosses any limit of the table in the module docstring."""
    problems = request_limit_problems(request)
    if problems:
        raise InvalidRequest(problems)


def _abort_status(exc: BaseException) -> grpc.Status:
    return rich_status(failure_from_exception(exc))


def guarded_unary(
    method: str,
    behavior: Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]],
    request_deserializer: Callable[[bytes], Message],
    response_serializer: Callable[[Any], bytes],
) -> grpc.RpcMethodHandler[Any, Any]:
    """The handler of a typed unary method of ``corridor.v1`` (``method``, its full path) that decodes the request
    itself and checks the limits before ``behavior`` runs.

    Left to gRPC, a body that is not the method's message ends as UNKNOWN with the text of a protobuf DecodeError;
    here it is INVALID_ARGUMENT naming ``request``. (RoutingService and StudyService take raw bytes and are decoded
    and checked in the worker processes, off the event loop.) Built once when the method is registered, not per
    call: a server interceptor runs on every call of every method (~0.03 ms of the event loop's CPU each, measured
    on an echo server), and only this method needs it.
    """

    async def guarded(payload: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            request = request_deserializer(payload)
            check_request_limits(request)
        except (DecodeError, InvalidRequest) as exc:
            status = _abort_status(exc)
            log.info(json.dumps({"method": method, "status": status.code.name, "peer": context.peer()}))
            await context.abort(status.code, status.details, status.trailing_metadata)
        return await behavior(request, context)

    return grpc.unary_unary_rpc_method_handler(guarded, None, response_serializer)
