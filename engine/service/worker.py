"""The worker-process side of the server: each worker process holds the network and answers routing requests.

Requests and responses cross the process boundary as serialized protobuf bytes, so the event loop of the main
process only moves bytes. A running search polls its deadline and a shared cancellation flag, so a client's
deadline or cancellation frees the worker within milliseconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from corridor.v1 import routing_pb2, study_pb2, types_pb2

from engine.errors import SearchInterrupted
from engine.network import Network, load_network
from engine.routing import find_routes
from engine.routing.compiled import compile_network
from engine.service.convert import find_routes_response, route_query_from_proto
from engine.service.limits import check_request_limits
from engine.service.status import Failure, failure_from_exception

Outcome = tuple[bytes | None, Failure | None, str]

_network: Network | None = None
_cancel_flags: Any = None


def init_worker(network_dir: str, cancel_flags: ctypes.Array[ctypes.c_byte]) -> None:
    """Load the network once (compiled, so the first request does not pay for it) and keep the cancel flags."""
    global _network, _cancel_flags  # per-process state is the point of a worker
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _network = load_network(network_dir)
    compile_network(_network)
    _cancel_flags = cancel_flags


def serve_pipe(connection: Connection, network_dir: str, cancel_flags: ctypes.Array[ctypes.c_byte]) -> None:
    """A worker process's life: load the network, say ready (with the pid), then answer jobs until the pipe closes.

    A job is a pickled ``(method, payload, deadline, slot)``; the answer is the pickled outcome of
    ``JOBS[method](payload, deadline, slot)``. SIGINT is ignored: Ctrl-C in a terminal reaches the whole process
    group, and the server, not its workers, decides when to stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_worker(network_dir, cancel_flags)
    connection.send_bytes(pickle.dumps(os.getpid()))
    while True:
        try:
            method, payload, deadline, slot = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        connection.send_bytes(pickle.dumps(JOBS[method](payload, deadline, slot)))


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
        request_id = request.request_id[:128]
        check_request_limits(request)  # before any work: hostile sizes get INVALID_ARGUMENT
        query = route_query_from_proto(request, _network)
        result = find_routes(_network, query, should_stop=_stopper(deadline, slot))
        return find_routes_response(result, request_id, request.include_hops).SerializeToString(), None, request_id
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
        request_id = routing_pb2.StreamRoutesRequest.FromString(payload).request.request_id[:128]
    error = types_pb2.Error(
        code=failure.code.value[0],
        status=failure.status,
        message=failure.message,
        field_violations=[types_pb2.FieldViolation(field=f, description=d) for f, d in failure.violations],
        correlation_id=failure.correlation_id,
    )
    return routing_pb2.StreamRoutesResponse(request_id=request_id, error=error).SerializeToString()


def plan_shipment_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Answer one serialized PlanShipmentRequest; building the time-expanded network (the expensive part) stops
    at the client's deadline or cancellation."""
    from engine.optimize import plan_request  # OR-Tools loads on first use
    from engine.service.convert_optimize import plan_request_from_proto, plan_response

    assert _network is not None, "worker not initialised"
    request_id = ""
    try:
        request = routing_pb2.PlanShipmentRequest.FromString(payload)
        request_id = request.request_id[:128]
        check_request_limits(request)  # before any work: hostile sizes get INVALID_ARGUMENT
        plan = plan_request(_network, plan_request_from_proto(request, _network), should_stop=_stopper(deadline, slot))
        return plan_response(plan, request_id).SerializeToString(), None, request_id
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), request_id


def assign_demand_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Answer one serialized AssignDemandRequest; the column generation stops at the client's deadline or when
    the call is cancelled (checked once per iteration)."""
    from engine.network.scenario import apply_edits, parse_scenario
    from engine.optimize import assign_demand
    from engine.optimize.values import DEFAULT_UNSERVED_USD_PER_TEU, DEFAULT_USD_PER_TEU_DAY
    from engine.service.convert_optimize import assign_response, demand_from_proto, proto_field_names

    assert _network is not None, "worker not initialised"
    request_id = ""
    should_stop = _stopper(deadline, slot)

    def on_iteration(_info: object) -> None:
        reason = should_stop()
        if reason:
            raise SearchInterrupted(reason)

    try:
        request = study_pb2.AssignDemandRequest.FromString(payload)
        request_id = request.request_id[:128]
        check_request_limits(request)  # before any work: hostile sizes get INVALID_ARGUMENT
        demand = demand_from_proto(request)
        network = _network
        if request.edits_yaml.strip():
            network = apply_edits(_network, parse_scenario(request.edits_yaml, "edits_yaml"))
        with proto_field_names():
            result = assign_demand(
                network,
                demand,
                dict(request.capacity_teu_per_week) or None,
                usd_per_teu_day=(
                    request.usd_per_teu_day if request.HasField("usd_per_teu_day") else DEFAULT_USD_PER_TEU_DAY
                ),
                unserved_usd_per_teu=(
                    request.unserved_usd_per_teu
                    if request.HasField("unserved_usd_per_teu")
                    else DEFAULT_UNSERVED_USD_PER_TEU
                ),
                gap=request.gap if request.HasField("gap") else 1e-6,
                time_limit_s=None if deadline is None else max(0.1, deadline - time.monotonic()),
                on_iteration=on_iteration,
            )
        return assign_response(result, request_id, request.format).SerializeToString(), None, request_id
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), request_id


JOBS: dict[str, Callable[[bytes, float | None, int], Outcome]] = {
    "find_routes": find_routes_bytes,
    "stream_item": stream_item_bytes,
    "plan_shipment": plan_shipment_bytes,
    "assign_demand": assign_demand_bytes,
}
