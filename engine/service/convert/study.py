"""StudyService translation: AssignDemand requests to the library's request, assignments back to messages
(frames as typed rows or Arrow IPC streams).

The optimizer is imported for type checking only and when a demand row is built, so a worker loads OR-Tools with
its first optimizer job.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import polars as pl
from corridor.v1 import study_pb2

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import CargoClass, Mode
from engine.network.scenario import Scenario, parse_scenario
from engine.optimize.values import DEFAULT_UNSERVED_USD_PER_TEU, DEFAULT_USD_PER_TEU_DAY
from engine.service.convert.common import CARGO_CLASS_TO_PROTO, CARGO_CLASSES, DEFAULT_KG_PER_TEU, MODE_TO_PROTO, MODES

if TYPE_CHECKING:
    from engine.optimize.assign import Assignment
    from engine.optimize.demand import Demand
    from engine.optimize.requests import AssignRequest

FRAMES = ("links", "nodes", "routes", "commodities", "shadow_prices")


def assign_request_from_proto(request: study_pb2.AssignDemandRequest) -> tuple[Scenario | None, AssignRequest]:
    """Translate and validate an AssignDemandRequest: the edits first (``edits_yaml:3: …``), then every demand row,
    then the request's own fields.

    Returns
    -------
    tuple
        The scenario edits to apply to the network first (or ``None``) and the library's request for
        :func:`engine.optimize.assign_demand`, which checks it against the edited network.

    Raises
    ------
    InvalidRequest
        Naming the bad edits, every bad demand row field, or a bad value of time, penalty or gap.
    """
    from engine.optimize.colgen import DEFAULT_GAP  # loads the optimizer (and OR-Tools) on first use
    from engine.optimize.requests import AssignRequest

    edits = parse_scenario(request.edits_yaml, "edits_yaml") if request.edits_yaml.strip() else None
    assignment = AssignRequest(
        demand=tuple(demand_from_proto(request)),
        capacities=dict(request.capacity_teu_per_week) or None,
        usd_per_teu_day=request.usd_per_teu_day if request.HasField("usd_per_teu_day") else DEFAULT_USD_PER_TEU_DAY,
        unserved_usd_per_teu=(
            request.unserved_usd_per_teu if request.HasField("unserved_usd_per_teu") else DEFAULT_UNSERVED_USD_PER_TEU
        ),
        gap=request.gap if request.HasField("gap") else DEFAULT_GAP,
        margins=request.margins,
    )
    return edits, assignment


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
    from engine.optimize.demand import Demand  # loads the optimizer (and OR-Tools) on first use

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
        line = row.pop("expands_with")
        # a margin not measured is None: its optional field stays unset
        response.shadow_prices.add(**row, expands_with=line.split("|") if line else [])
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
