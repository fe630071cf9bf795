"""Protobuf ⇄ domain translation for the optimizer RPCs: PlanShipment and StudyService.AssignDemand."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from corridor.v1 import routing_pb2, study_pb2, types_pb2

from engine.errors import FieldProblem, InvalidRequest, UnknownNode, quote
from engine.network.model import CargoClass, Mode, Network
from engine.optimize.assign import Assignment
from engine.optimize.demand import Demand
from engine.optimize.plan import MAX_HORIZON, Booking, DepartureUse, PlanRequest, ShipmentPlan
from engine.optimize.values import DEFAULT_USD_PER_TEU_DAY
from engine.routing.query import Constraints
from engine.service.convert import (
    CARGO_CLASSES,
    MODE_TO_PROTO,
    MODES,
    constraints_from_proto,
    route_to_proto,
    stamp,
    time_from_proto,
)

DEFAULT_HORIZON_DAYS = 30.0
MAX_HORIZON_DAYS = MAX_HORIZON.total_seconds() / 86_400
DEFAULT_KG_PER_TEU = 10_000.0
CARGO_CLASS_TO_PROTO = {
    CargoClass.GENERAL: types_pb2.CARGO_CLASS_GENERAL,
    CargoClass.REEFER: types_pb2.CARGO_CLASS_REEFER,
    CargoClass.HAZMAT: types_pb2.CARGO_CLASS_HAZMAT,
}
FRAMES = ("links", "nodes", "routes", "commodities", "shadow_prices")


def plan_request_from_proto(request: routing_pb2.PlanShipmentRequest, network: Network) -> PlanRequest:
    """Translate and validate a PlanShipmentRequest (every bad field named; unknown nodes raise UnknownNode)."""
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
    bookings = []
    for i, booking in enumerate(request.bookings):
        depart = time_from_proto(f"bookings[{i}].depart", booking.depart, problems)
        if depart is not None:
            bookings.append(Booking(booking.service, depart, booking.teu, booking.link_id or None))
    if problems:
        raise InvalidRequest(problems)
    assert ready is not None and cargo_class is not None and constraints is not None
    with proto_field_names():
        return _plan_request(request, network, ready, horizon_days, constraints, cargo_class, due, bookings)


def _plan_request(
    request: routing_pb2.PlanShipmentRequest,
    network: Network,
    ready: datetime,
    horizon_days: float,
    constraints: Constraints,
    cargo_class: CargoClass,
    due: datetime | None,
    bookings: list[Booking],
) -> PlanRequest:
    plan = PlanRequest(
        origin=request.origin.strip(),
        destination=request.destination.strip(),
        teu=int(request.teu),
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
    plan.check_against(network)
    return plan


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


def _proto_field(field: str) -> str:
    """The request field an engine problem is about: the engine says ``horizon`` (a timedelta) where the request
    has ``horizon_days``, ``capacities.X`` where it has the map ``capacity_teu_per_week``."""
    if field == "horizon":
        return "horizon_days"
    if field == "capacities":
        return "capacity_teu_per_week"
    if field.startswith("capacities."):
        return f"capacity_teu_per_week[{quote(field.removeprefix('capacities.'))}]"
    return re.sub(r"^(bookings\[\d+\])\.service_id$", r"\1.service", field)


@contextmanager
def proto_field_names() -> Iterator[None]:
    """Re-raise the engine's :class:`InvalidRequest` with the request's own field names (unknown nodes pass)."""
    try:
        yield
    except UnknownNode:
        raise
    except InvalidRequest as exc:
        raise InvalidRequest([FieldProblem(_proto_field(p.field), p.message) for p in exc.problems]) from exc


def demand_from_proto(request: study_pb2.AssignDemandRequest) -> list[Demand]:
    """The demand rows, every problem named by row (``demand[3].teu_per_week: …``); also checks ``format``."""
    problems: list[FieldProblem] = []
    rows: list[Demand] = []
    if request.format not in study_pb2.FrameFormat.values():
        allowed = ", ".join(study_pb2.FrameFormat.keys())
        problems.append(FieldProblem("format", f"must be one of {allowed}, got {request.format}"))
    if not request.demand:
        problems.append(FieldProblem("demand", "is required: at least one origin-destination row"))
    for i, row in enumerate(request.demand):
        field = f"demand[{i}]"
        cargo_class = CARGO_CLASSES.get(row.cargo_class)
        if cargo_class is None:
            problems.append(FieldProblem(f"{field}.cargo_class", f"unknown value {row.cargo_class}"))
            continue
        modes: set[Mode] = set()
        for number in row.avoid_modes:
            mode = MODES.get(number)
            if mode is None:
                problems.append(FieldProblem(f"{field}.avoid_modes", f"unknown or unspecified mode {number}"))
            else:
                modes.add(mode)
        try:
            rows.append(_demand(row, cargo_class, modes, field))
        except InvalidRequest as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidRequest(problems)
    return rows


def _demand(row: study_pb2.DemandRow, cargo_class: CargoClass, modes: set[Mode], field: str) -> Demand:
    try:
        return Demand(
            origin=row.origin.strip(),
            destination=row.destination.strip(),
            teu_per_week=row.teu_per_week,
            cargo_class=cargo_class,
            avoid_countries=frozenset(c.strip().upper() for c in row.avoid_countries),
            avoid_modes=frozenset(modes),
            gross_kg_per_teu=row.gross_kg_per_teu or DEFAULT_KG_PER_TEU,
            unserved_usd_per_teu=row.unserved_usd_per_teu if row.HasField("unserved_usd_per_teu") else None,
            segment=row.segment,
        )
    except InvalidRequest as exc:  # the row's own field names, placed under demand[i]
        raise InvalidRequest(
            [FieldProblem(f"{field}.{p.field.removeprefix('demand.')}", p.message) for p in exc.problems]
        ) from exc


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _optional(message: Any, field: str, value: float | None) -> None:
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        setattr(message, field, value)


def assign_response(
    result: Assignment, request_id: str, frame_format: study_pb2.FrameFormat.ValueType
) -> study_pb2.AssignDemandResponse:
    """An Assignment as an AssignDemandResponse, frames as typed rows or Arrow IPC streams."""
    response = study_pb2.AssignDemandResponse(
        request_id=request_id,
        network=result.network,
        status=result.status,
        objective_usd_per_week=result.objective_usd_per_week,
        lower_bound_usd_per_week=result.lower_bound_usd_per_week,
        gap=result.gap,
        freight_usd_per_week=result.freight_usd_per_week,
        teu_hours_per_week=result.teu_hours_per_week,
        co2e_kg_per_week=result.co2e_kg_per_week,
        served_teu_per_week=result.served_teu_per_week,
        unserved_teu_per_week=result.unserved_teu_per_week,
        unserved_penalty_usd_per_week=result.unserved_penalty_usd_per_week,
        iterations=result.iterations,
    )
    for row in _rows(result.shadow_prices):
        response.shadow_prices.add(**row)
    if frame_format == study_pb2.FRAME_FORMAT_ARROW_IPC:
        for name in FRAMES:
            buffer = io.BytesIO()
            getattr(result, name).write_ipc_stream(buffer, compression="uncompressed")
            response.frames.add(name=name, arrow_ipc=buffer.getvalue())
        return response
    for row in _rows(result.links):
        message = response.links.add(
            link_id=row["link_id"],
            from_node=row["from_id"],
            to_node=row["to_id"],
            mode=MODE_TO_PROTO[Mode(row["mode"])],
            service=row["service_id"],
            flow_teu_per_week=row["flow_teu_per_week"],
            capacity_basis=row["capacity_basis"] or "",
            utilisation=row["utilisation"] or 0.0,
            binding=bool(row["binding"]),
            shadow_price_usd_per_teu=row["shadow_price_usd_per_teu"] or 0.0,
        )
        _optional(message, "capacity_teu_per_week", row["capacity_teu_per_week"])
    for row in _rows(result.nodes):
        node = response.nodes.add(
            node_id=row["node_id"],
            name=row["name"],
            country=row["country"],
            lift_teu_per_week=row["lift_teu_per_week"],
            arrival_teu_per_week=row["arrival_teu_per_week"],
            utilisation=row["utilisation"] or 0.0,
            binding=bool(row["binding"]),
            shadow_price_usd_per_teu=row["shadow_price_usd_per_teu"] or 0.0,
        )
        _optional(node, "capacity_teu_per_week", row["capacity_teu_per_week"])
    for row in _rows(result.routes):
        response.routes.add(
            origin=row["origin"],
            destination=row["destination"],
            cargo_class=CARGO_CLASS_TO_PROTO[CargoClass(row["cargo_class"])],
            segment=row["segment"],
            rank=row["rank"],
            teu_per_week=row["teu_per_week"],
            usd_per_teu=row["usd_per_teu"],
            hours_per_teu=row["hours_per_teu"],
            co2e_kg_per_teu=row["co2e_kg_per_teu"],
            generalized_usd_per_teu=row["generalized_usd_per_teu"],
            transfers=row["transfers"],
            links=row["links"].split("|") if row["links"] else [],
            nodes=row["nodes"].split("-") if row["nodes"] else [],
        )
    for row in _rows(result.commodities):
        response.commodities.add(
            origin=row["origin"],
            destination=row["destination"],
            cargo_class=CARGO_CLASS_TO_PROTO[CargoClass(row["cargo_class"])],
            segment=row["segment"],
            demand_teu_per_week=row["demand_teu_per_week"],
            served_teu_per_week=row["served_teu_per_week"],
            unserved_teu_per_week=row["unserved_teu_per_week"],
            marginal_usd_per_teu=row["marginal_usd_per_teu"],
        )
    return response
