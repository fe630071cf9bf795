"""What every corridor.v1 service translates alike (the messages of ``types.proto``): enums, timestamps,
constraints and routes.

Requests are checked field by field and every problem is collected, so a client learns all that is wrong with a
request at once: ``shipment.gross_weight_kg: must be > 0 kg, got 0``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeVar

from corridor.v1 import types_pb2
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
from google.protobuf.timestamp_pb2 import Timestamp

from engine.errors import FieldProblem, InvalidRequest, UnknownNode, quote
from engine.network.model import CargoClass, LoadUnit, Mode, NodeKind
from engine.routing import (
    BorderCrossing,
    BorderProvenance,
    Co2eFactor,
    Constraints,
    ContainerType,
    CostBreakdown,
    Leg,
    Objective,
    Route,
    constraints_from,
)
from engine.service.convert.emissions import FACTOR_CACHE_SIZE, fill_emissions
from engine.service.convert.provenance import (
    border_provenance_wire,
    leg_provenance_wire,
    route_wire,
    transfer_provenance_wire,
)

T = TypeVar("T")

MODES: dict[types_pb2.Mode.ValueType, Mode] = {
    types_pb2.MODE_RAIL: Mode.RAIL,
    types_pb2.MODE_FERRY: Mode.FERRY,
    types_pb2.MODE_SEA: Mode.SEA,
    types_pb2.MODE_ROAD: Mode.ROAD,
    types_pb2.MODE_AIR: Mode.AIR,
}
MODE_TO_PROTO = {mode: number for number, mode in MODES.items()}
CONTAINER_TYPES: dict[types_pb2.ContainerType.ValueType, ContainerType] = {
    types_pb2.CONTAINER_TYPE_DRY_20: ContainerType.DRY_20,
    types_pb2.CONTAINER_TYPE_DRY_40: ContainerType.DRY_40,
    types_pb2.CONTAINER_TYPE_HIGH_CUBE_40: ContainerType.HIGH_CUBE_40,
    types_pb2.CONTAINER_TYPE_REEFER_40: ContainerType.REEFER_40,
}


def containers_from_proto(
    counts: Iterable[types_pb2.ContainerCount], field: str, problems: list[FieldProblem]
) -> tuple[tuple[ContainerType, int], ...]:
    """Boxes of a request's ``Shipment.containers``; bad items go to ``problems`` naming ``field``."""
    boxes = []
    for index, item in enumerate(counts):
        kind = CONTAINER_TYPES.get(item.type)
        if kind is None:
            allowed = ", ".join(types_pb2.ContainerType.Name(k) for k in CONTAINER_TYPES)
            problems.append(FieldProblem(f"{field}[{index}].type", f"must be one of {allowed}, got {item.type}"))
            continue
        boxes.append((kind, int(item.count)))
    return tuple(boxes)


CARGO_CLASSES: dict[types_pb2.CargoClass.ValueType, CargoClass] = {
    types_pb2.CARGO_CLASS_UNSPECIFIED: CargoClass.GENERAL,
    types_pb2.CARGO_CLASS_GENERAL: CargoClass.GENERAL,
    types_pb2.CARGO_CLASS_REEFER: CargoClass.REEFER,
    types_pb2.CARGO_CLASS_HAZMAT: CargoClass.HAZMAT,
}
CARGO_CLASS_TO_PROTO = {
    CargoClass.GENERAL: types_pb2.CARGO_CLASS_GENERAL,
    CargoClass.REEFER: types_pb2.CARGO_CLASS_REEFER,
    CargoClass.HAZMAT: types_pb2.CARGO_CLASS_HAZMAT,
}
OBJECTIVES: dict[types_pb2.Objective.ValueType, Objective] = {
    types_pb2.OBJECTIVE_UNSPECIFIED: Objective.PARETO,
    types_pb2.OBJECTIVE_PARETO: Objective.PARETO,
    types_pb2.OBJECTIVE_CHEAPEST: Objective.CHEAPEST,
    types_pb2.OBJECTIVE_FASTEST: Objective.FASTEST,
    types_pb2.OBJECTIVE_FEWEST_TRANSFERS: Objective.FEWEST_TRANSFERS,
    types_pb2.OBJECTIVE_LOWEST_CO2E: Objective.LOWEST_CO2E,
    types_pb2.OBJECTIVE_WEIGHTED: Objective.WEIGHTED,
    types_pb2.OBJECTIVE_MOST_RELIABLE: Objective.MOST_RELIABLE,
}
OBJECTIVE_TO_PROTO = {o: n for n, o in OBJECTIVES.items() if n != types_pb2.OBJECTIVE_UNSPECIFIED}
LOAD_UNITS = {
    LoadUnit.WAGON: types_pb2.LOAD_UNIT_WAGON,
    LoadUnit.TRUCK: types_pb2.LOAD_UNIT_TRUCK,
    LoadUnit.VESSEL: types_pb2.LOAD_UNIT_VESSEL,
    LoadUnit.AIRCRAFT: types_pb2.LOAD_UNIT_AIRCRAFT,
}
NODE_KINDS = {kind: types_pb2.NodeKind.Value(f"NODE_KIND_{kind.name}") for kind in NodeKind}
NODE_KINDS_FROM_PROTO = {number: kind for kind, number in NODE_KINDS.items()}
DEFAULT_KG_PER_TEU = 10_000.0
"""Gross weight per TEU when a request leaves it out (kg)."""
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
BORDER_CACHE_SIZE = 4096
"""Distinct border crossings (with their provenance) kept as wire bytes per process (~150 bytes each)."""


def _mode_name(number: types_pb2.Mode.ValueType) -> str:
    try:
        return types_pb2.Mode.Name(number)
    except ValueError:
        return str(number)


def collect_problems(problems: list[FieldProblem], build: Callable[[], T]) -> T | None:
    """Build a domain object, adding its validation problems to ``problems`` instead of raising."""
    try:
        return build()
    except InvalidRequest as exc:
        problems.extend(exc.problems)
        return None


def time_from_proto(field: str, value: Timestamp, problems: list[FieldProblem]) -> datetime | None:
    """A Timestamp field as a UTC datetime, or ``None`` with a problem added (invalid or outside 2000–2100)."""
    try:
        moment = value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        problems.append(FieldProblem(field, f"is not a valid timestamp ({exc})"))
        return None
    if not EARLIEST_YEAR <= moment.year < LATEST_YEAR:
        problems.append(
            FieldProblem(field, f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}, got {moment.isoformat()}")
        )
        return None
    return moment


def constraints_from_proto(c: types_pb2.Constraints, problems: list[FieldProblem]) -> Constraints | None:
    """Translate constraints, adding their problems to ``problems``."""
    modes: set[Mode] = set()
    for number in c.avoid_modes:
        mode = MODES.get(number)
        if mode is None:
            allowed = ", ".join(types_pb2.Mode.Name(n) for n in MODES)
            problems.append(
                FieldProblem("constraints.avoid_modes", f"must be among {allowed}, got {_mode_name(number)}")
            )
        else:
            modes.add(mode)
    arrive_by = time_from_proto("constraints.arrive_by", c.arrive_by, problems) if c.HasField("arrive_by") else None
    return collect_problems(
        problems,
        lambda: constraints_from(
            avoid_countries=c.avoid_countries,
            avoid_nodes=c.avoid_nodes,
            avoid_modes=modes,
            avoid_operators=c.avoid_operators,
            via=c.via,
            max_transfers=c.max_transfers if c.HasField("max_transfers") else None,
            arrive_by=arrive_by,
            max_cost_usd=c.max_cost_usd if c.HasField("max_cost_usd") else None,
            max_co2e_kg=c.max_co2e_kg if c.HasField("max_co2e_kg") else None,
            allow_deconsolidation=c.allow_deconsolidation,
            min_on_time_probability=(c.min_on_time_probability if c.HasField("min_on_time_probability") else None),
        ),
    )


def stamp(moment: datetime) -> Timestamp:
    """A whole-minute UTC datetime as a Timestamp."""
    # Route times are whole minutes in UTC; this is ~10x faster than Timestamp.FromDatetime.
    return Timestamp(seconds=int(moment.timestamp()))


# A route's message is built in place: each leg, transfer and border crossing as a new item of its repeated field
# (``add``), timestamps and cost breakdowns by setting their fields, and what recurs from route to route
# (provenance, emission factors) merged from cached wire bytes. upb copies a message passed to a constructor or
# ``CopyFrom`` field by field, so building a leg apart and then copying it in cost twice as much (measured on the
# realistic mix: ~0.9 → ~0.4 ms a request). Setting a field of a sub-message marks it present even when the
# value is the default, as a constructed sub-message is, so the serialized bytes are those of the plain
# construction (``tests/service/test_convert_route.py``).


def _fill_cost(message: types_pb2.CostBreakdown, cost: CostBreakdown) -> None:
    message.freight_usd = cost.freight_usd
    message.handling_usd = cost.handling_usd
    message.border_usd = cost.border_usd
    message.deconsolidation_usd = cost.deconsolidation_usd
    message.total_usd = cost.total_usd
    message.surcharge_usd = cost.surcharge_usd
    message.through_tariff_usd = cost.through_tariff_usd


@lru_cache(maxsize=FACTOR_CACHE_SIZE)
def _co2e_factor_wire(factor: Co2eFactor) -> bytes:
    """One of a leg's ``co2e_factors`` as the wire bytes of a ``Leg`` (a network has a few dozen factors)."""
    return types_pb2.Leg(
        co2e_factors=[
            types_pb2.Co2eFactor(
                emission_class=factor.emission_class,
                description=factor.description,
                g_co2e_per_tkm_wtw=factor.g_co2e_per_tkm_wtw,
                sources=factor.source_keys,
                estimate=factor.estimate,
            )
        ]
    ).SerializeToString()


def _add_leg(add: Callable[..., types_pb2.Leg], leg: Leg, include_hops: bool) -> None:
    message = add(
        from_node=leg.from_id,
        to_node=leg.to_id,
        through_nodes=leg.through_nodes,
        mode=MODE_TO_PROTO[leg.mode],
        operator=leg.operator or "",
        service=leg.service_id,
        load_unit=LOAD_UNITS[leg.load_unit],
        gauge_mm=leg.gauge_mm or 0,
        wait_h=leg.wait_h,
        distance_km=leg.distance_km,
        cost_usd=leg.cost_usd,
        co2e_kg=leg.co2e_kg,
        co2e_ttw_kg=leg.co2e_ttw_kg,
        through_tariff=leg.through_tariff or "",
    )
    message.depart.seconds = int(leg.depart.timestamp())
    message.arrive.seconds = int(leg.arrive.timestamp())
    _fill_cost(message.cost, leg.cost)
    for surcharge in leg.surcharges:
        message.surcharges.add(
            id=surcharge.surcharge_id,
            kind=surcharge.kind,
            usd=surcharge.usd,
            unit=surcharge.unit.value,
            valid_from=surcharge.valid_from.isoformat() if surcharge.valid_from else "",
            valid_to=surcharge.valid_to.isoformat() if surcharge.valid_to else "",
            sources=surcharge.source_keys,
        )
    if leg.dated_price is not None:
        price = leg.dated_price
        message.dated_price.as_of = price.as_of.isoformat()
        message.dated_price.value = price.value
        message.dated_price.unit = price.unit
        message.dated_price.multiplier = price.multiplier
        message.dated_price.sources.extend(price.source_keys)
    wire = [_co2e_factor_wire(factor) for factor in leg.co2e_factors]
    if include_hops:
        hops = message.hops
        for hop in leg.hops:
            item = hops.add(
                link_id=hop.link_id,
                from_node=hop.from_id,
                to_node=hop.to_id,
                distance_km=hop.distance_km,
                freight_usd=hop.freight_usd,
                border_usd=hop.border_usd,
                co2e_kg=hop.co2e_kg,
                emission_class=hop.co2e_factor.emission_class,
            )
            item.depart.seconds = int(hop.depart.timestamp())
            item.arrive.seconds = int(hop.arrive.timestamp())
    if leg.provenance is not None:
        wire.append(leg_provenance_wire(leg.provenance))
    message.MergeFromString(b"".join(wire))


def route_to_proto(
    route: Route, include_hops: bool = False, into: RepeatedCompositeFieldContainer[types_pb2.Route] | None = None
) -> types_pb2.Route:
    """One route as a protobuf message (with every leg's links when ``include_hops``) and the provenance of its
    figures; built as a new item of ``into`` when given (a response's ``routes``), which saves copying a finished
    route into it."""
    build = types_pb2.Route if into is None else into.add
    message = build(
        countries=route.countries,
        duration_h=route.duration_h,
        cost_usd=route.cost_usd,
        co2e_kg=route.co2e_kg,
        distance_km=route.distance_km,
        best_for=route.best_for,
        transfer_count=route.transfer_count,
        wait_h=route.wait_h,
        on_time_probability=route.on_time_probability,
    )
    add_leg = message.legs.add
    for leg in route.legs:
        _add_leg(add_leg, leg, include_hops)
    provenance = route.provenance
    add_transfer = message.transfers.add
    for n, t in enumerate(route.transfers):
        transfer = add_transfer(
            node=t.node_id,
            from_service=t.from_service,
            to_service=t.to_service,
            handling_h=t.handling_h,
            handling_usd=t.handling_usd,
            lift=t.lift,
            gauge_break=t.gauge_break,
            deconsolidation=t.deconsolidation,
            deconsolidation_usd=t.deconsolidation_usd,
        )
        transfer.arrive.seconds = int(t.arrive.timestamp())
        if provenance is not None:
            transfer.MergeFromString(transfer_provenance_wire(provenance.transfers[n]))
    crossings = provenance.border_crossings if provenance is not None else (None,) * len(route.border_crossings)
    borders = [_border_wire(b, p) for b, p in zip(route.border_crossings, crossings, strict=False)]
    if provenance is not None and (
        len(provenance.transfers) != len(route.transfers)
        or len(provenance.border_crossings) != len(route.border_crossings)
    ):
        msg = "a route's provenance must have one entry per transfer and per border crossing"
        raise ValueError(msg)
    message.ready.seconds = int(route.ready.timestamp())
    message.depart.seconds = int(route.depart.timestamp())
    message.arrive.seconds = int(route.arrive.timestamp())
    _fill_cost(message.cost, route.cost)
    if route.emissions is not None:
        fill_emissions(message.emissions, route.emissions, MODE_TO_PROTO)
    for field, moment in (
        (message.arrival_p10, route.arrival_p10),
        (message.arrival_p50, route.arrival_p50),
        (message.arrival_p90, route.arrival_p90),
    ):
        if moment is not None:
            field.seconds = int(moment.timestamp())
    borders.append(geometry_wire(route.geometry))
    if provenance is not None:
        borders.append(route_wire(provenance))
    message.MergeFromString(b"".join(borders))
    return message


@lru_cache(maxsize=BORDER_CACHE_SIZE)
def _border_wire(b: BorderCrossing, provenance: BorderProvenance | None) -> bytes:
    """One of a route's ``border_crossings`` with its provenance, as the wire bytes of a ``Route`` (merged in
    route order, the crossings keep their order). A crossing's dwell, fee and sources depend on the link and the
    shipment's size, so the same few recur: the realistic mix's ~17,000 crossings have ~150 distinct values."""
    message = types_pb2.Route()
    border = message.border_crossings.add(
        link_id=b.link_id,
        from_node=b.from_id,
        to_node=b.to_id,
        from_country=b.from_country,
        to_country=b.to_country,
        exit_dwell_h=b.exit_dwell_h,
        entry_dwell_h=b.entry_dwell_h,
        cost_usd=b.cost_usd,
    )
    if provenance is not None:
        border.MergeFromString(border_provenance_wire(provenance))
    return message.SerializeToString()


def _geometry_point_prefix() -> tuple[bytes, bytes]:
    """Wire bytes before a point's latitude and between latitude and longitude, from the generated descriptors."""
    geometry = types_pb2.Route.DESCRIPTOR.fields_by_name["geometry"].number
    lat = types_pb2.LatLon.DESCRIPTOR.fields_by_name["lat"].number
    lon = types_pb2.LatLon.DESCRIPTOR.fields_by_name["lon"].number
    if max(geometry, lat, lon) > 15:  # a tag would need more than one byte
        msg = f"geometry_wire assumes one-byte tags, got field numbers {geometry}, {lat}, {lon}"
        raise RuntimeError(msg)
    # Tag (field << 3 | wire type), one-byte varints: length-delimited (2) point of 18 bytes, fixed64 (1) doubles.
    return bytes([geometry << 3 | 2, 18, lat << 3 | 1]), bytes([lon << 3 | 1])


_POINT_HEAD, _POINT_MID = _geometry_point_prefix()
_POINT = struct.Struct(f"<{len(_POINT_HEAD)}sd{len(_POINT_MID)}sd").pack


def geometry_wire(points: Iterable[tuple[float, float]]) -> bytes:
    """A route's geometry (WGS 84 degrees) as the wire bytes of ``Route.geometry``, to merge into a Route message.

    A route carries ~250 points; building a LatLon message per point was the largest part of converting a route
    (~100 µs of ~500 µs). Parsing the encoded points gives the same message (a test compares them) ~4× faster, and
    packing a point's bytes with one ``struct`` call is ~2.4× faster again than packing each double apart.
    """
    head, mid, point = _POINT_HEAD, _POINT_MID, _POINT
    return b"".join([point(head, lat, mid, lon) for lat, lon in points])


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
