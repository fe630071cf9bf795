"""What a worker does with a job: one table from job kind to a library call, with its translations.

Each :class:`Job` parses the serialized request, translates it into the library's request (validated and checked
against the network there), calls the library with the caller's stop hook, and translates the result back. Every
failure becomes a :class:`~engine.service.status.Failure`, so a worker answers every job and survives.
The transport (pipes, processes, cancellation flags) is in :mod:`engine.service.worker` and
:mod:`engine.service.pool`; nothing here knows about it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

from corridor.v1 import network_pb2, routing_pb2, study_pb2
from google.protobuf.message import Message

from engine.errors import SearchInterrupted
from engine.network import Network
from engine.routing import RouteQuery, RouteResult, find_routes
from engine.service.convert.common import proto_field_names
from engine.service.convert.network import list_links, list_nodes
from engine.service.convert.routing import (
    find_routes_response,
    plan_request_from_proto,
    plan_response,
    route_query_from_proto,
    stream_failure,
)
from engine.service.convert.study import assign_request_from_proto, assign_response
from engine.service.limits import MAX_CHARS, check_request_limits
from engine.service.served import ServedNetworks, as_served
from engine.service.status import Failure, failure_from_exception
from engine.service.work_limits import check_assign_rows, check_plan_size

if TYPE_CHECKING:
    from engine.network.scenario import Scenario
    from engine.optimize import Assignment, AssignRequest, PlanRequest, ShipmentPlan

Outcome = tuple[bytes | None, Failure | None, str]
"""A job's answer: (serialized response, None, request_id) or (None, why it failed, request_id)."""
StopHook = Callable[[], str | None]
"""Returns why a running job should stop (``"deadline"``, ``"cancelled"``) or ``None`` to go on."""
Answer = Callable[[bytes, Network | ServedNetworks, StopHook, float | None], Outcome]
"""How a worker answers one kind of job: (payload, the served networks, stop hook, monotonic deadline or None) →
outcome. A job picks the network of the request's ``scenario`` (empty: the base network)."""


class _Request(Protocol):
    """What every request message the workers answer has: an id the client chose, echoed in the answer."""

    @property
    def request_id(self) -> str: ...

    @property
    def scenario(self) -> str: ...


RequestT = TypeVar("RequestT", bound=_Request)
QueryT = TypeVar("QueryT")
ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Job(Generic[RequestT, QueryT, ResultT]):
    """One kind of job: request message → library request → library call → response message.

    The type parameters tie the four together, so mypy checks that each translation fits its library call.
    """

    parse: Callable[[bytes], RequestT]
    translate: Callable[[RequestT, Network], QueryT]
    call: Callable[[Network, QueryT, StopHook, float | None], ResultT]
    reply: Callable[[ResultT, RequestT], Message]

    def __call__(
        self, payload: bytes, networks: Network | ServedNetworks, should_stop: StopHook, deadline: float | None
    ) -> Outcome:
        """Answer one serialized request; ``deadline`` is on the ``time.monotonic()`` clock (or ``None``)."""
        request_id = ""
        try:
            request = self.parse(payload)
            request_id = request.request_id[: MAX_CHARS["request_id"]]
            check_request_limits(cast(Message, request))  # before any work: hostile sizes get INVALID_ARGUMENT
            network = as_served(networks).pick(request.scenario)  # NOT_FOUND naming the scenarios held
            with proto_field_names():  # the library's field names become the request's
                result = self.call(network, self.translate(request, network), should_stop, deadline)
            return self.reply(result, request).SerializeToString(), None, request_id
        except Exception as exc:  # every failure becomes a status; the worker must survive
            return None, failure_from_exception(exc), request_id


def _find_routes(network: Network, query: RouteQuery, should_stop: StopHook, _deadline: float | None) -> RouteResult:
    return find_routes(network, query, should_stop=should_stop)


def _plan_shipment(network: Network, plan: PlanRequest, should_stop: StopHook, _deadline: float | None) -> ShipmentPlan:
    from engine.optimize import plan_shipment  # OR-Tools loads on first use

    return plan_shipment(network, plan, should_stop=should_stop)


def _assign_demand(
    network: Network, call: tuple[Scenario | None, AssignRequest], should_stop: StopHook, deadline: float | None
) -> Assignment:
    """Apply the edits, then assign; column generation checks the stop hook once per iteration and its time limit
    is what is left of the deadline."""
    from engine.network.scenario import apply_edits
    from engine.optimize import assign_demand  # OR-Tools loads on first use

    def on_iteration(_info: object) -> None:
        reason = should_stop()
        if reason:
            raise SearchInterrupted(reason)

    edits, request = call
    on_iteration(None)  # parsing a large request may already have used the time
    if edits is not None:
        network = apply_edits(network, edits)
    if deadline is not None:
        request = replace(request, time_limit_s=max(0.1, deadline - time.monotonic()))
    return assign_demand(network, request, on_iteration=on_iteration)


FIND_ROUTES = Job(
    routing_pb2.FindRoutesRequest.FromString,
    route_query_from_proto,
    _find_routes,
    lambda result, request: find_routes_response(result, request.request_id, request.include_hops),
)


def _plan_request(request: routing_pb2.PlanShipmentRequest, network: Network) -> PlanRequest:
    check_plan_size(request, network)  # horizon × departures bounds the time-expanded model's memory
    return plan_request_from_proto(request)


def _assign_request(request: study_pb2.AssignDemandRequest, _network: Network) -> tuple[Scenario | None, AssignRequest]:
    check_assign_rows(request)
    return assign_request_from_proto(request)


PLAN_SHIPMENT = Job(
    routing_pb2.PlanShipmentRequest.FromString,
    _plan_request,
    _plan_shipment,
    lambda plan, request: plan_response(plan, request.request_id),
)
ASSIGN_DEMAND = Job(
    study_pb2.AssignDemandRequest.FromString,
    _assign_request,
    _assign_demand,
    lambda result, request: assign_response(result, request.request_id, request.format),
)


def stream_item(
    payload: bytes, network: Network | ServedNetworks, should_stop: StopHook, deadline: float | None
) -> Outcome:
    """Answer one serialized StreamRoutesRequest with a serialized StreamRoutesResponse (errors inside it)."""
    try:
        wrapper = routing_pb2.StreamRoutesRequest.FromString(payload)
    except Exception as exc:
        return stream_failure(b"", failure_from_exception(exc)), None, ""
    response, failure, request_id = FIND_ROUTES(wrapper.request.SerializeToString(), network, should_stop, deadline)
    if failure is not None:
        return stream_failure(payload, failure), failure, request_id
    assert response is not None
    item = routing_pb2.StreamRoutesResponse(
        request_id=request_id, response=routing_pb2.FindRoutesResponse.FromString(response)
    )
    return item.SerializeToString(), None, request_id


MessageT = TypeVar("MessageT", bound=Message)


def _network_answer(parse: Callable[[bytes], MessageT], answer: Callable[[MessageT, Network], Message]) -> Answer:
    """A NetworkService look-up, answered in a worker: a large query text must not stall the event loop."""

    def run(
        payload: bytes, networks: Network | ServedNetworks, _should_stop: StopHook, _deadline: float | None
    ) -> Outcome:
        try:
            request = parse(payload)
            check_request_limits(request)
            return answer(request, as_served(networks).base).SerializeToString(), None, ""
        except Exception as exc:  # every failure becomes a status; the worker must survive
            return None, failure_from_exception(exc), ""

    return run


def ping(
    payload: bytes, _network: Network | ServedNetworks, _should_stop: StopHook, _deadline: float | None
) -> Outcome:
    """Echo ``payload`` (measures the transport's round trip)."""
    return payload, None, ""


JOBS: dict[str, Answer] = {
    "ping": ping,
    "list_nodes": _network_answer(network_pb2.ListNodesRequest.FromString, list_nodes),
    "list_links": _network_answer(network_pb2.ListLinksRequest.FromString, list_links),
    "find_routes": FIND_ROUTES,
    "stream_item": stream_item,
    "plan_shipment": PLAN_SHIPMENT,
    "assign_demand": ASSIGN_DEMAND,
}
"""Job kind (what the server sends) → how a worker answers it."""
