"""RoutingService translation: FindRoutes, StreamRoutes and PlanShipment requests to domain queries, results
back to messages.

The optimizer is imported only for type checking here and when a PlanShipment request is translated, so a worker
that only routes never loads OR-Tools.
"""

from __future__ import annotations

import contextlib
import math
from datetime import timedelta
from typing import TYPE_CHECKING

from corridor.v1 import routing_pb2, types_pb2

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import Network
from engine.optimize.values import DEFAULT_USD_PER_TEU_DAY
from engine.routing import MAX_ROUTES_LIMIT, RouteQuery, RouteResult, Shipment, Weights
from engine.service.convert.common import (
    CARGO_CLASSES,
    DEFAULT_KG_PER_TEU,
    OBJECTIVE_TO_PROTO,
    OBJECTIVES,
    collect_problems,
    constraints_from_proto,
    containers_from_proto,
    route_to_proto,
    stamp,
    time_from_proto,
)
from engine.service.status import Failure

if TYPE_CHECKING:
    from engine.optimize import DepartureUse, PlanRequest, ShipmentPlan

DEFAULT_MAX_ROUTES = 5
DEFAULT_HORIZON_DAYS = 30.0
MAX_HORIZON_DAYS = 120.0
"""The longest plan horizon (days): ``engine.optimize.requests.MAX_HORIZON``, which this module must not import
(OR-Tools loads with the first plan, not when a worker starts); a test checks the two agree."""


def route_query_from_proto(request: routing_pb2.FindRoutesRequest, network: Network) -> RouteQuery:
    """Translate and validate a FindRoutesRequest.

    Raises
    ------
    InvalidRequest
        Naming every bad field (the service answers INVALID_ARGUMENT with a google.rpc.BadRequest).
    UnknownNode
        The origin or destination is not a node (NOT_FOUND), raised only when nothing else is wrong.
    """
    problems: list[FieldProblem] = []
    origin, destination = request.origin.strip(), request.destination.strip()
    if not origin:
        problems.append(FieldProblem("origin", "is required: a node id such as 'XIAN'"))
    if not destination:
        problems.append(FieldProblem("destination", "is required: a node id such as 'DUISBURG'"))
    ready = None
    if not request.HasField("departure"):
        problems.append(FieldProblem("departure", "is required: when the cargo is ready at the origin (UTC)"))
    else:
        ready = time_from_proto("departure", request.departure, problems)

    shipment = None
    if not request.HasField("shipment"):
        problems.append(FieldProblem("shipment", "is required: teu and gross_weight_kg"))
    else:
        s = request.shipment
        cargo_class = CARGO_CLASSES.get(s.cargo_class)
        if cargo_class is None:
            problems.append(FieldProblem("shipment.cargo_class", f"unknown value {s.cargo_class}"))
        else:
            boxes = containers_from_proto(s.containers, "shipment.containers", problems)
            shipment = collect_problems(
                problems, lambda: Shipment(int(s.teu), float(s.gross_weight_kg), cargo_class, boxes)
            )

    objective = OBJECTIVES.get(request.objective)
    if objective is None:
        problems.append(FieldProblem("objective", f"unknown value {request.objective}"))

    constraints = constraints_from_proto(request.constraints, problems)
    max_routes = request.max_routes or DEFAULT_MAX_ROUTES
    if max_routes > MAX_ROUTES_LIMIT:
        problems.append(FieldProblem("max_routes", f"must be between 1 and {MAX_ROUTES_LIMIT}, got {max_routes}"))
    w = request.weights
    weights = collect_problems(problems, lambda: Weights(w.usd_per_hour, w.usd_per_transfer, w.usd_per_kg_co2e))

    if problems:
        raise InvalidRequest(problems)
    assert ready is not None and shipment is not None and objective is not None
    assert constraints is not None and weights is not None
    query = collect_problems(
        problems,
        lambda: RouteQuery(
            origin,
            destination,
            ready,
            shipment,
            objective,
            constraints,
            max_routes,
            weights,
            pareto_tolerance=request.pareto_tolerance,
        ),
    )
    if problems:
        raise InvalidRequest(problems)
    assert query is not None
    query.check_against(network)
    return query


def find_routes_response(
    result: RouteResult, request_id: str, include_hops: bool = False
) -> routing_pb2.FindRoutesResponse:
    """A RouteResult as a FindRoutesResponse."""
    response = routing_pb2.FindRoutesResponse(
        request_id=request_id,
        network=result.network,
        objective=OBJECTIVE_TO_PROTO[result.objective],
        explanation=result.explanation or "",
    )
    for route in result.routes:
        route_to_proto(route, include_hops, into=response.routes)
    if result.pareto_size >= 0:
        response.pareto_size = result.pareto_size
    response.pareto_tolerance = result.pareto_tolerance
    return response


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


def plan_request_from_proto(request: routing_pb2.PlanShipmentRequest) -> PlanRequest:
    """Translate and validate a PlanShipmentRequest (every bad field named); :func:`engine.optimize.plan_shipment`
    checks it against the network."""
    from engine.optimize import Booking, PlanRequest  # OR-Tools loads with the first plan, not the worker

    problems: list[FieldProblem] = []
    ready = None
    if not request.HasField("ready"):
        problems.append(FieldProblem("ready", "is required: when the consignment is ready at the origin (UTC)"))
    else:
        ready = time_from_proto("ready", request.ready, problems)
    due = time_from_proto("due", request.due, problems) if request.HasField("due") else None
    cargo_class = CARGO_CLASSES.get(request.cargo_class)
    if cargo_class is None:
        problems.append(FieldProblem("cargo_class", f"unknown value {request.cargo_class}"))
    horizon_days = request.horizon_days or DEFAULT_HORIZON_DAYS
    if not (math.isfinite(horizon_days) and 0 < horizon_days <= MAX_HORIZON_DAYS):
        message = f"must be more than 0 and at most {MAX_HORIZON_DAYS:g} days, got {horizon_days:g}"
        problems.append(FieldProblem("horizon_days", message))
        horizon_days = DEFAULT_HORIZON_DAYS
    constraints = constraints_from_proto(request.constraints, problems)
    teu = int(request.teu)
    boxes = containers_from_proto(request.containers, "containers", problems)
    boxes_teu = sum(kind.teu * count for kind, count in boxes)
    if boxes and teu not in (0, boxes_teu):
        problems.append(
            FieldProblem("teu", f"must be 0 (derived) or {boxes_teu} to agree with the containers, got {teu}")
        )
    elif boxes:
        teu = boxes_teu
    bookings = []
    for i, booking in enumerate(request.bookings):
        depart = time_from_proto(f"bookings[{i}].depart", booking.depart, problems)
        if depart is not None:
            bookings.append(Booking(booking.service, depart, booking.teu, booking.link_id or None))
    if problems:
        raise InvalidRequest(problems)
    assert ready is not None and cargo_class is not None and constraints is not None
    return PlanRequest(
        origin=request.origin.strip(),
        destination=request.destination.strip(),
        teu=teu,
        ready=ready,
        horizon=timedelta(days=horizon_days),
        constraints=constraints,
        cargo_class=cargo_class,
        gross_kg_per_teu=request.gross_kg_per_teu or DEFAULT_KG_PER_TEU,
        usd_per_teu_day=request.usd_per_teu_day if request.HasField("usd_per_teu_day") else DEFAULT_USD_PER_TEU_DAY,
        due=due,
        bookings=tuple(bookings),
        lot_teu=request.lot_teu or None,
    )


def _departure(use: DepartureUse) -> routing_pb2.DepartureUse:
    message = routing_pb2.DepartureUse(
        link_id=use.link_id,
        service=use.service_id,
        from_node=use.from_id,
        to_node=use.to_id,
        depart=stamp(use.depart),
        booked_teu=use.booked_teu,
        planned_teu=use.planned_teu,
    )
    if use.capacity_teu is not None:
        message.capacity_teu = use.capacity_teu
    return message


def plan_response(plan: ShipmentPlan, request_id: str) -> routing_pb2.PlanShipmentResponse:
    """A ShipmentPlan as a PlanShipmentResponse."""
    return routing_pb2.PlanShipmentResponse(
        request_id=request_id,
        network=plan.network,
        lot_teu=plan.lot_teu,
        moved_teu=plan.moved_teu,
        unmoved_teu=plan.unmoved_teu,
        parts=[
            routing_pb2.PlanPart(
                teu=part.teu,
                route=route_to_proto(part.route),
                depart=stamp(part.depart),
                arrive=stamp(part.arrive),
                cost_usd=part.cost_usd,
                cost_usd_per_teu=part.cost_usd_per_teu,
                lateness_usd=part.lateness_usd,
                co2e_kg=part.co2e_kg,
                departures=[_departure(d) for d in part.departures],
            )
            for part in plan.parts
        ],
        cost_usd=plan.cost_usd,
        lateness_usd=plan.lateness_usd,
        co2e_kg=plan.co2e_kg,
        binding=[_departure(d) for d in plan.binding],
        explanation=plan.explanation or "",
        departures_considered=plan.departures_considered,
    )
