"""StudyService.RunStudy / CompareScenarios translation: a RunStudyRequest to a library :class:`Study` plus the
inline scenario edits, study rows back to ``StudyRow`` messages or an Arrow IPC frame.

A study over the wire is the structured ``RunStudyRequest`` (the fields of a study file), with every scenario's
edits **inline** (``StudyScenario.edits_yaml``): a server never opens a path a client names. Problems are reported
per request field, scenario edit problems at their line (``scenarios[1].edits_yaml:3: factor: …``).
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from corridor.v1 import study_pb2, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from engine.errors import FieldProblem, InvalidRequest, quote
from engine.network import Network
from engine.network.scenario import apply_edits, parse_scenario
from engine.routing import MAX_ROUTES_LIMIT, Objective, Shipment
from engine.service.convert.common import (
    CARGO_CLASSES,
    MODE_TO_PROTO,
    OBJECTIVES,
    collect_problems,
    constraints_from_proto,
    time_from_proto,
)
from engine.service.convert.study_text import inline_edits, study_from_text
from engine.studies.corridor import Corridor
from engine.studies.frame import Row
from engine.studies.run import StudyNetworks, resolve_ods
from engine.studies.spec import MAX_READY_TIMES, Study, StudyOD, StudyScenario

DEFAULT_BASELINE = "baseline"
DEFAULT_STUDY_MAX_ROUTES = 3
MAX_STUDY_QUERIES = 20_000
"""OD pairs × ready times × scenarios in one RunStudy / CompareScenarios call (before weekly repeats are reused).
A query takes ~5–50 ms on the shipped network, so 20,000 is minutes of one worker's time."""
CORRIDOR_TO_PROTO = {corridor.value: study_pb2.Corridor.Value(f"CORRIDOR_{corridor.name}") for corridor in Corridor}
MODE_BY_NAME = {mode.value: number for mode, number in MODE_TO_PROTO.items()}


@dataclass(frozen=True)
class StudyCall:
    """A validated RunStudyRequest: the library's study, each scenario's network, the frame format."""

    study: Study
    networks: StudyNetworks
    edits: Mapping[str, str]
    """Scenario name → its inline edits text (empty for the network as served); workers rebuild networks from it."""
    frame_format: study_pb2.FrameFormat.ValueType
    request_id: str


def _scenario(message: study_pb2.StudyScenario, field: str, problems: list[FieldProblem]) -> StudyScenario | None:
    name = message.name.strip()
    if not name:
        problems.append(FieldProblem(f"{field}.name", "is required: a name every row of this scenario carries"))
        return None
    return StudyScenario(name, None, 0)


def _shipment(request: study_pb2.RunStudyRequest, problems: list[FieldProblem]) -> Shipment | None:
    if not request.HasField("shipment"):
        return Shipment(2, 20_000.0)  # the study file's default: two loaded TEU
    s = request.shipment
    cargo_class = CARGO_CLASSES.get(s.cargo_class)
    if cargo_class is None:
        problems.append(FieldProblem("shipment.cargo_class", f"unknown value {s.cargo_class}"))
        return None
    return collect_problems(problems, lambda: Shipment(int(s.teu), float(s.gross_weight_kg), cargo_class))


def _ready_times(request: study_pb2.RunStudyRequest, problems: list[FieldProblem]) -> tuple[datetime, ...]:
    if not request.ready_times:
        problems.append(FieldProblem("ready_times", "is required: at least one time the cargo is ready (UTC)"))
    if len(request.ready_times) > MAX_READY_TIMES:
        problems.append(
            FieldProblem("ready_times", f"has {len(request.ready_times):,} entries; at most {MAX_READY_TIMES}")
        )
        return ()
    times = [time_from_proto(f"ready_times[{i}]", t, problems) for i, t in enumerate(request.ready_times)]
    return tuple(sorted({t for t in times if t is not None}))


def _od_pairs(request: study_pb2.RunStudyRequest, network: Network, problems: list[FieldProblem]) -> list[StudyOD]:
    if not request.od_pairs:
        problems.append(FieldProblem("od_pairs", "is required: at least one origin and destination"))
    pairs: list[StudyOD] = []
    for i, od in enumerate(request.od_pairs):
        ids = []
        for role, name in (("origin", od.origin.strip()), ("destination", od.destination.strip())):
            field = f"od_pairs[{i}].{role}"
            if not name:
                problems.append(FieldProblem(field, "is required: a node id, name, alias or LOCODE such as 'XIAN'"))
                continue
            try:
                ids.append(network.node_index.resolve(name, role).id)
            except InvalidRequest as exc:
                problems.extend(FieldProblem(field, p.message) for p in exc.problems)
        if len(ids) == 2:
            pairs.append(StudyOD(ids[0], ids[1], i))
    first: dict[tuple[str, str], StudyOD] = {}
    for pair in pairs:  # a pair written twice is searched once, as `corridor study run` does
        first.setdefault((pair.origin, pair.destination), pair)
    return list(first.values())


def study_call_from_proto(request: study_pb2.RunStudyRequest, network: Network) -> StudyCall:
    """Translate and validate a RunStudyRequest against ``network``, edits applied, size checked.

    Raises
    ------
    InvalidRequest
        Naming every bad field (``od_pairs[2].origin``, ``scenarios[1].edits_yaml:3: op``, ``constraints.arrive_by``)
        or a study above :data:`MAX_STUDY_QUERIES` queries.
    """
    if request.format not in study_pb2.FrameFormat.values():
        raise InvalidRequest([FieldProblem("format", f"must be one of {', '.join(study_pb2.FrameFormat.keys())}")])
    if request.study_yaml.strip():
        return _text_call(request, network)
    problems: list[FieldProblem] = []
    baseline = (
        _scenario(request.baseline, "baseline", problems)
        if request.HasField("baseline")
        else StudyScenario(DEFAULT_BASELINE, None, 0)
    )
    scenarios = [_scenario(s, f"scenarios[{i}]", problems) for i, s in enumerate(request.scenarios)]
    seen = {baseline.name} if baseline else set()
    for i, scenario in enumerate(scenarios):
        if scenario is not None and scenario.name in seen:
            problems.append(FieldProblem(f"scenarios[{i}].name", f"{quote(scenario.name)} is used twice"))
        elif scenario is not None:
            seen.add(scenario.name)
    objective = OBJECTIVES.get(request.objective)
    if objective is None or objective is Objective.WEIGHTED:
        problems.append(FieldProblem("objective", "must be PARETO, CHEAPEST, FASTEST, FEWEST_TRANSFERS or LOWEST_CO2E"))
    max_routes = request.max_routes or DEFAULT_STUDY_MAX_ROUTES
    if max_routes > MAX_ROUTES_LIMIT:
        problems.append(FieldProblem("max_routes", f"must be between 1 and {MAX_ROUTES_LIMIT}, got {max_routes}"))
    if request.constraints.HasField("arrive_by"):
        problems.append(FieldProblem("constraints.arrive_by", "is not allowed in a study: its ready times differ"))
    constraints = constraints_from_proto(request.constraints, problems)
    shipment = _shipment(request, problems)
    ready_times = _ready_times(request, problems)
    od_pairs = _od_pairs(request, network, problems)
    _check_size(len(od_pairs), len(ready_times), 1 + len(request.scenarios), "od_pairs", problems)
    if problems:
        raise InvalidRequest(problems)
    assert baseline is not None and objective is not None and shipment is not None and constraints is not None
    edits = {baseline.name: request.baseline.edits_yaml}
    edits.update({s.name: m.edits_yaml for s, m in zip(scenarios, request.scenarios, strict=True) if s})
    study = Study(
        name=request.request_id or "study",
        title="",
        file="request",
        od_pairs=tuple(od_pairs),
        ready_times=ready_times,
        baseline=baseline,
        scenarios=tuple(s for s in scenarios if s is not None),
        objective=objective,
        max_routes=max_routes,
        shipment=shipment,
        constraints=constraints,
    )
    return _call(study, edits, request, network)


def _check_size(ods: int, ready_times: int, scenarios: int, field: str, problems: list[FieldProblem]) -> None:
    queries = ods * ready_times * scenarios
    if queries > MAX_STUDY_QUERIES:
        message = (
            f"the study has {ods:,} OD pairs × {ready_times:,} ready times × {scenarios} scenarios = {queries:,} "
            f"queries; at most {MAX_STUDY_QUERIES:,} per call (split it, or run `corridor study run` with --cluster)"
        )
        problems.append(FieldProblem(field, message))


def _call(study: Study, edits: Mapping[str, str], request: study_pb2.RunStudyRequest, network: Network) -> StudyCall:
    """Apply each scenario's inline edits (problems located at the request field that carried them)."""
    fields = {study.baseline.name: "baseline.edits_yaml"}
    fields.update({m.name.strip(): f"scenarios[{i}].edits_yaml" for i, m in enumerate(request.scenarios)})
    networks = StudyNetworks(
        {name: scenario_network(network, name, text, fields.get(name, "edits_yaml")) for name, text in edits.items()},
        study.baseline.name,
    )
    return StudyCall(study, networks, dict(edits), request.format, request.request_id)


def _text_call(request: study_pb2.RunStudyRequest, network: Network) -> StudyCall:
    """A study given as ``study_yaml`` (:mod:`engine.service.convert.study_text`)."""
    study = study_from_text(request)
    edits = inline_edits(study, request)
    ods = resolve_ods(study, network)  # unknown names are located at their line of the text
    problems: list[FieldProblem] = []
    _check_size(len(ods), len(study.ready_times), len(study.all_scenarios), "study_yaml", problems)
    if problems:
        raise InvalidRequest(problems)
    resolved = tuple(StudyOD(origin, destination, 0) for origin, destination in ods)
    return _call(dataclasses.replace(study, od_pairs=resolved), edits, request, network)


def scenario_network(network: Network, name: str, edits_yaml: str, field: str = "edits_yaml") -> Network:
    """``network`` with ``edits_yaml`` applied (``network`` itself when the text is blank).

    Raises
    ------
    InputFileError
        A malformed edit or one that does not apply, located as ``field:line``.
    """
    if not edits_yaml.strip():
        return network
    return apply_edits(network, parse_scenario(edits_yaml, field), label=name)


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def _optional_float(value: Any) -> float:
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def study_row(row: Row) -> study_pb2.StudyRow:
    """One frame row as a StudyRow message."""
    message = study_pb2.StudyRow(
        scenario=row["scenario"],
        scenario_hash=row.get("scenario_hash") or "",
        baseline=bool(row.get("baseline")),
        origin=row["origin"],
        destination=row["destination"],
        ready=_timestamp(row["ready"]),
        route_rank=row.get("route_rank") or 0,
        pareto_size=-1 if row.get("pareto_size") is None else row["pareto_size"],
        explanation=row.get("explanation") or "",
        search_stopped=row.get("search_stopped") or "",
        shifted_weeks=row.get("shifted_weeks") or 0,
    )
    message.computed_from.CopyFrom(_timestamp(row.get("computed_from") or row["ready"]))
    if row.get("route_rank") is None:
        return message
    message.best_for.extend(b for b in (row.get("best_for") or "").split(",") if b)
    message.cost_usd = _optional_float(row.get("cost_usd"))
    message.departure.CopyFrom(_timestamp(row["departure"]))
    message.arrival.CopyFrom(_timestamp(row["arrival"]))
    message.transit_days = _optional_float(row.get("transit_days"))
    message.transfers = row.get("transfers") or 0
    message.co2e_kg = _optional_float(row.get("co2e_kg"))
    message.distance_km = _optional_float(row.get("distance_km"))
    message.countries.extend(c for c in (row.get("countries") or "").split("|") if c)
    message.modes.extend(
        MODE_BY_NAME.get(m, types_pb2.MODE_UNSPECIFIED) for m in (row.get("modes") or "").split("|") if m
    )
    message.corridor = CORRIDOR_TO_PROTO.get(row.get("corridor") or "", study_pb2.CORRIDOR_UNSPECIFIED)
    return message


def ipc_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as one uncompressed Arrow IPC stream."""
    buffer = io.BytesIO()
    frame.write_ipc_stream(buffer, compression="uncompressed")
    return buffer.getvalue()


def _optional_double(message: Any, field: str, value: Any) -> None:
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        setattr(message, field, float(value))


def compare_response(
    comparison: pl.DataFrame, shares: pl.DataFrame, request_id: str, frame_format: study_pb2.FrameFormat.ValueType
) -> study_pb2.CompareScenariosResponse:
    """The comparison and corridor-share frames as a CompareScenariosResponse (rows or Arrow IPC)."""
    response = study_pb2.CompareScenariosResponse(request_id=request_id)
    if frame_format == study_pb2.FRAME_FORMAT_ARROW_IPC:
        response.frames.add(name="comparison", arrow_ipc=ipc_bytes(comparison))
        response.frames.add(name="shares", arrow_ipc=ipc_bytes(shares))
        return response
    for row in comparison.iter_rows(named=True):
        delta = response.deltas.add(
            scenario=row["scenario"],
            origin=row["origin"],
            destination=row["destination"],
            ready=_timestamp(row["ready"]),
            corridor=CORRIDOR_TO_PROTO.get(row["corridor"] or "", study_pb2.CORRIDOR_UNSPECIFIED),
            baseline_corridor=CORRIDOR_TO_PROTO.get(row["baseline_corridor"] or "", study_pb2.CORRIDOR_UNSPECIFIED),
            change=row["change"],
        )
        for name in ("min_cost_usd", "min_transit_days", "min_co2e_kg"):
            _optional_double(delta, name, row[name])
            _optional_double(delta, f"baseline_{name}", row[f"baseline_{name}"])
    for row in shares.iter_rows(named=True):
        response.shares.add(
            scenario=row["scenario"],
            corridor=CORRIDOR_TO_PROTO.get(row["corridor"] or "", study_pb2.CORRIDOR_UNSPECIFIED),
            queries=row["queries"],
            share=row["share"],
            unknown=row["unknown"],
        )
    return response
