"""The worker-process side of the server: each worker process holds the network and answers requests.

Started by the server as ``python -m engine.service.worker`` with one end of a socket pair
(``engine/service/transport.py``); the first frame is the network snapshot the server holds. Requests and
responses cross the process boundary as serialized protobuf bytes, so the event loop of the main process only
moves bytes. A running search polls its deadline and a shared cancel byte, so a client's deadline or cancellation
frees the worker within milliseconds; the server kills a worker that does not stop (``engine/service/pool.py``).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import mmap
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from corridor.v1 import routing_pb2, study_pb2, types_pb2

from engine.errors import SearchInterrupted
from engine.network import Network
from engine.routing import find_routes
from engine.routing.compiled import compile_network
from engine.service.convert import find_routes_response, route_query_from_proto
from engine.service.limits import check_assign_rows, check_plan_size
from engine.service.status import Failure, failure_from_exception
from engine.service.transport import recv_frame, resident_bytes, send_frame

Outcome = tuple[bytes | None, Failure | None, str]

_network: Network | None = None
_cancel_flags: Any = None
PR_SET_PDEATHSIG = 1


def init_worker(network: Network, cancel_flags: Any) -> None:
    """Keep the network the server sent (compiled, so the first request does not pay for it) and the cancel
    flags."""
    global _network, _cancel_flags  # per-process state is the point of a worker
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _network = network
    compile_network(_network)
    _cancel_flags = cancel_flags


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this worker when the server dies (Linux), and leave if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        sys.exit(0)


def serve_socket(sock: socket.socket, cancel_flags: Any, seat: int) -> None:
    """A worker process's life: receive the network snapshot, say ready (with the pid), then answer jobs until
    the socket closes.

    The first frame is the :class:`~engine.network.Network` the server holds in memory (a restarted worker never
    reads the network directory, so every answer comes from the version the server loaded). A job is
    ``(method, payload, deadline)``; the answer is ``(JOBS[method](payload, deadline, seat), resident bytes)``,
    which lets the server recycle a worker that has grown past its memory bound. SIGINT is ignored: Ctrl-C in a
    terminal reaches the whole process group, and the server, not its workers, decides when to stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        init_worker(recv_frame(sock), cancel_flags)
    except EOFError:
        return
    send_frame(sock, os.getpid())
    while True:
        try:
            method, payload, deadline = recv_frame(sock)
        except (EOFError, OSError):
            return
        outcome = JOBS[method](payload, deadline, seat)
        send_frame(sock, (outcome, resident_bytes(os.getpid())))


def main(argv: list[str]) -> None:
    """``python -m engine.service.worker SOCKET_FD FLAGS_FD SEAT SERVER_PID`` (started by the server only)."""
    sock_fd, flags_fd, seat, parent_pid = (int(a) for a in argv)
    _die_with_parent(parent_pid)
    sock = socket.socket(fileno=sock_fd)
    flags = mmap.mmap(flags_fd, 0)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the server went away mid-answer
        serve_socket(sock, flags, seat)


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
        request_id = routing_pb2.StreamRoutesRequest.FromString(payload).request.request_id
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
        request_id = request.request_id
        check_plan_size(request, _network)
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
    from engine.service.convert_optimize import assign_response, demand_from_proto

    assert _network is not None, "worker not initialised"
    request_id = ""
    should_stop = _stopper(deadline, slot)

    def on_iteration(_info: object) -> None:
        reason = should_stop()
        if reason:
            raise SearchInterrupted(reason)

    try:
        request = study_pb2.AssignDemandRequest.FromString(payload)
        request_id = request.request_id
        check_assign_rows(request)
        on_iteration(None)  # parsing a large request may already have used the time
        network = _network
        if request.edits_yaml.strip():
            network = apply_edits(_network, parse_scenario(request.edits_yaml, "edits_yaml"))
        result = assign_demand(
            network,
            demand_from_proto(request),
            dict(request.capacity_teu_per_week) or None,
            usd_per_teu_day=request.usd_per_teu_day if request.HasField("usd_per_teu_day") else DEFAULT_USD_PER_TEU_DAY,
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


def list_nodes_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Answer one serialized ListNodesRequest (in a worker: a large query text must not stall the event loop)."""
    from corridor.v1 import network_pb2

    from engine.service.convert import list_nodes

    assert _network is not None, "worker not initialised"
    try:
        request = network_pb2.ListNodesRequest.FromString(payload)
        return list_nodes(request, _network).SerializeToString(), None, ""
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), ""


def list_links_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Answer one serialized ListLinksRequest."""
    from corridor.v1 import network_pb2

    from engine.service.convert import list_links

    assert _network is not None, "worker not initialised"
    try:
        request = network_pb2.ListLinksRequest.FromString(payload)
        return list_links(request, _network).SerializeToString(), None, ""
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), ""


def ping_bytes(payload: bytes, deadline: float | None, slot: int) -> Outcome:
    """Echo ``payload`` (measures the transport's round trip)."""
    return payload, None, ""


JOBS: dict[str, Callable[[bytes, float | None, int], Outcome]] = {
    "ping": ping_bytes,
    "list_nodes": list_nodes_bytes,
    "list_links": list_links_bytes,
    "find_routes": find_routes_bytes,
    "stream_item": stream_item_bytes,
    "plan_shipment": plan_shipment_bytes,
    "assign_demand": assign_demand_bytes,
}


if __name__ == "__main__":
    main(sys.argv[1:])
