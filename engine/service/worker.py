"""The process-pool side of the server: each worker process holds the network and answers routing requests.

Requests and responses cross the process boundary as serialized protobuf bytes, so the event loop of the main
process only moves bytes. A running search polls its deadline and a shared cancellation flag, so a client's
deadline or cancellation frees the worker within milliseconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import time
from typing import Any

from corridor.v1 import routing_pb2, types_pb2

from engine.network import Network, load_network
from engine.routing import find_routes
from engine.service.convert import find_routes_response, route_query_from_proto
from engine.service.status import Failure, failure_from_exception

Outcome = tuple[bytes | None, Failure | None, str]

_network: Network | None = None
_cancel_flags: Any = None


def init_worker(network_dir: str, cancel_flags: ctypes.Array[ctypes.c_byte]) -> None:
    """Process-pool initializer: load the network once and remember the shared cancellation flags."""
    global _network, _cancel_flags
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _network = load_network(network_dir)
    _cancel_flags = cancel_flags


def warm(_: int) -> int:
    """Touch the network (compile it) so the first real request does not pay for it; returns the worker's pid."""
    from engine.routing.compiled import compile_network

    assert _network is not None
    compile_network(_network)
    time.sleep(0.05)  # hold the worker briefly so the pool starts every process
    return os.getpid()


def _stopper(deadline: float | None, slot: int) -> Any:
    def should_stop() -> str | None:
        if _cancel_flags is not None and slot >= 0 and _cancel_flags[slot]:
            return "cancelled"
        if deadline is not None and time.monotonic() > deadline:
            return "deadline"
        return None

    return should_stop


def find_routes_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Answer one serialized FindRoutesRequest: (FindRoutesResponse bytes, None, request_id) or
    (None, Failure, request_id)."""
    assert _network is not None, "worker not initialised"
    request_id = ""
    try:
        request = routing_pb2.FindRoutesRequest.FromString(payload)
        request_id = request.request_id
        query = route_query_from_proto(request, _network)
        result = find_routes(_network, query, should_stop=_stopper(deadline, slot))
        return find_routes_response(result, request_id).SerializeToString(), None, request_id
    except Exception as exc:
        return None, failure_from_exception(exc), request_id


def stream_item_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Answer one serialized StreamRoutesRequest with a serialized StreamRoutesResponse (errors inside it)."""
    try:
        wrapper = routing_pb2.StreamRoutesRequest.FromString(payload)
    except Exception as exc:
        return stream_failure(b"", failure_from_exception(exc)), None, ""
    response, failure, request_id = find_routes_bytes(wrapper.request.SerializeToString(), deadline, slot)
    if failure is not None:
        return stream_failure(payload, failure), failure, request_id
    assert response is not None
    item = routing_pb2.StreamRoutesResponse(
        request_id=request_id, response=routing_pb2.FindRoutesResponse.FromString(response)
    )
    return item.SerializeToString(), None, request_id


def stream_failure(payload: bytes, failure: Failure) -> bytes:
    """A StreamRoutesResponse carrying ``failure`` for the request in ``payload`` (if it can be read)."""
    request_id = ""
    with contextlib.suppress(Exception):  # the id is a courtesy; the error is what matters
        request_id = routing_pb2.StreamRoutesRequest.FromString(payload).request.request_id
    error = types_pb2.Error(
        code=failure.code.value[0],
        status=failure.status,
        message=failure.message,
        field_violations=[types_pb2.FieldViolation(field=f, description=d) for f, d in failure.violations],
        correlation_id=failure.correlation_id,
    )
    return routing_pb2.StreamRoutesResponse(request_id=request_id, error=error).SerializeToString()
