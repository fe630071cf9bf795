"""Protobuf ⇄ domain translation for the corridor.v1 API, in one place.

Requests are checked field by field and every problem is collected, so a client learns all that is wrong with a
request at once: ``shipment.gross_weight_kg: must be > 0 kg, got 0``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from corridor.v1 import network_pb2, routing_pb2, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import CargoClass, Link, LoadUnit, Mode, Network, Node, NodeKind
from engine.network.summary import summarise
from engine.routing import (
    MAX_ROUTES_LIMIT,
    Constraints,
    CostBreakdown,
    Leg,
    Objective,
    Route,
    RouteQuery,
    RouteResult,
    Shipment,
    Weights,
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
CARGO_CLASSES: dict[types_pb2.CargoClass.ValueType, CargoClass] = {
    types_pb2.CARGO_CLASS_UNSPECIFIED: CargoClass.GENERAL,
    types_pb2.CARGO_CLASS_GENERAL: CargoClass.GENERAL,
    types_pb2.CARGO_CLASS_REEFER: CargoClass.REEFER,
    types_pb2.CARGO_CLASS_HAZMAT: CargoClass.HAZMAT,
}
OBJECTIVES: dict[types_pb2.Objective.ValueType, Objective] = {
    types_pb2.OBJECTIVE_UNSPECIFIED: Objective.PARETO,
    types_pb2.OBJECTIVE_PARETO: Objective.PARETO,
    types_pb2.OBJECTIVE_CHEAPEST: Objective.CHEAPEST,
    types_pb2.OBJECTIVE_FASTEST: Objective.FASTEST,
    types_pb2.OBJECTIVE_FEWEST_TRANSFERS: Objective.FEWEST_TRANSFERS,
    types_pb2.OBJECTIVE_LOWEST_CO2E: Objective.LOWEST_CO2E,
    types_pb2.OBJECTIVE_WEIGHTED: Objective.WEIGHTED,
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
DEFAULT_MAX_ROUTES = 5
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


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
            shipment = collect_problems(problems, lambda: Shipment(int(s.teu), float(s.gross_weight_kg), cargo_class))

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
    query = RouteQuery(origin, destination, ready, shipment, objective, constraints, max_routes, weights)
    query.check_against(network)
    return query


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
        lambda: Constraints(
            avoid_countries=frozenset(code.strip().upper() for code in c.avoid_countries),
            avoid_nodes=frozenset(n.strip() for n in c.avoid_nodes),
            avoid_modes=frozenset(modes),
            avoid_operators=frozenset(o.strip() for o in c.avoid_operators),
            via=tuple(n.strip() for n in c.via),
            max_transfers=c.max_transfers if c.HasField("max_transfers") else None,
            arrive_by=arrive_by,
            max_cost_usd=c.max_cost_usd if c.HasField("max_cost_usd") else None,
            max_co2e_kg=c.max_co2e_kg if c.HasField("max_co2e_kg") else None,
            allow_deconsolidation=c.allow_deconsolidation,
        ),
    )


def stamp(moment: datetime) -> Timestamp:
    """A whole-minute UTC datetime as a Timestamp."""
    # Route times are whole minutes in UTC; this is ~10x faster than Timestamp.FromDatetime.
    return Timestamp(seconds=int(moment.timestamp()))


def _cost(cost: CostBreakdown) -> types_pb2.CostBreakdown:
    return types_pb2.CostBreakdown(
        freight_usd=cost.freight_usd,
        handling_usd=cost.handling_usd,
        border_usd=cost.border_usd,
        deconsolidation_usd=cost.deconsolidation_usd,
        total_usd=cost.total_usd,
    )


def _leg(leg: Leg, include_hops: bool) -> types_pb2.Leg:
    message = types_pb2.Leg(
        from_node=leg.from_id,
        to_node=leg.to_id,
        through_nodes=leg.through_nodes,
        mode=MODE_TO_PROTO[leg.mode],
        operator=leg.operator or "",
        service=leg.service_id,
        load_unit=LOAD_UNITS[leg.load_unit],
        gauge_mm=leg.gauge_mm or 0,
        depart=stamp(leg.depart),
        arrive=stamp(leg.arrive),
        wait_h=leg.wait_h,
        distance_km=leg.distance_km,
        cost_usd=leg.cost_usd,
        cost=_cost(leg.cost),
        co2e_kg=leg.co2e_kg,
    )
    seen: set[str] = set()
    for hop in leg.hops:
        factor = hop.co2e_factor
        if factor.emission_class not in seen:
            seen.add(factor.emission_class)
            message.co2e_factors.add(
                emission_class=factor.emission_class,
                description=factor.description,
                g_co2e_per_tkm_wtw=factor.g_co2e_per_tkm_wtw,
                sources=factor.source_keys,
                estimate=factor.estimate,
            )
        if include_hops:
            message.hops.add(
                link_id=hop.link_id,
                from_node=hop.from_id,
                to_node=hop.to_id,
                depart=stamp(hop.depart),
                arrive=stamp(hop.arrive),
                distance_km=hop.distance_km,
                freight_usd=hop.freight_usd,
                border_usd=hop.border_usd,
                co2e_kg=hop.co2e_kg,
                emission_class=factor.emission_class,
            )
    return message


def route_to_proto(route: Route, include_hops: bool = False) -> types_pb2.Route:
    """One route as a protobuf message (with every leg's links when ``include_hops``)."""
    return types_pb2.Route(
        legs=[_leg(leg, include_hops) for leg in route.legs],
        transfers=[
            types_pb2.Transfer(
                node=t.node_id,
                arrive=stamp(t.arrive),
                from_service=t.from_service,
                to_service=t.to_service,
                handling_h=t.handling_h,
                handling_usd=t.handling_usd,
                lift=t.lift,
                gauge_break=t.gauge_break,
                deconsolidation=t.deconsolidation,
                deconsolidation_usd=t.deconsolidation_usd,
            )
            for t in route.transfers
        ],
        border_crossings=[
            types_pb2.BorderCrossing(
                link_id=b.link_id,
                from_node=b.from_id,
                to_node=b.to_id,
                from_country=b.from_country,
                to_country=b.to_country,
                exit_dwell_h=b.exit_dwell_h,
                entry_dwell_h=b.entry_dwell_h,
                cost_usd=b.cost_usd,
            )
            for b in route.border_crossings
        ],
        countries=route.countries,
        ready=stamp(route.ready),
        depart=stamp(route.depart),
        arrive=stamp(route.arrive),
        duration_h=route.duration_h,
        cost_usd=route.cost_usd,
        cost=_cost(route.cost),
        co2e_kg=route.co2e_kg,
        distance_km=route.distance_km,
        geometry=[types_pb2.LatLon(lat=lat, lon=lon) for lat, lon in route.geometry],
        best_for=route.best_for,
        transfer_count=route.transfer_count,
        wait_h=route.wait_h,
    )


def find_routes_response(
    result: RouteResult, request_id: str, include_hops: bool = False
) -> routing_pb2.FindRoutesResponse:
    """A RouteResult as a FindRoutesResponse."""
    response = routing_pb2.FindRoutesResponse(
        request_id=request_id,
        network=result.network,
        objective=OBJECTIVE_TO_PROTO[result.objective],
        routes=[route_to_proto(r, include_hops) for r in result.routes],
        explanation=result.explanation or "",
    )
    if result.pareto_size >= 0:
        response.pareto_size = result.pareto_size
    return response


def network_info(network: Network) -> network_pb2.GetNetworkInfoResponse:
    """The network's description."""
    summary = summarise(network)
    return network_pb2.GetNetworkInfoResponse(
        name=network.name,
        title=network.title,
        version=network.version,
        node_count=len(network.nodes),
        link_count=len(network.links),
        service_count=len(network.services),
        modes=[MODE_TO_PROTO[m] for m in network.modes],
        countries=sorted({n.country for n in network.nodes.values()}),
        origins=network.origins,
        destinations=network.destinations,
        sourced_share=summary.sourced_share,
        source_count=summary.sources,
    )


def node_to_proto(node: Node) -> network_pb2.Node:
    """A node as a protobuf message."""
    message = network_pb2.Node(
        id=node.id,
        name=node.name,
        aliases=node.aliases,
        locode=node.locode or "",
        country=node.country,
        lat=node.lat,
        lon=node.lon,
        kinds=sorted(NODE_KINDS[k] for k in node.kinds),
        gauges_mm=sorted(node.gauges_mm),
    )
    for field in ("handling_h", "handling_usd_per_teu", "border_exit_h", "border_entry_h"):
        value = getattr(node, field)
        if value is not None:
            setattr(message, field, value)
    return message


def link_to_proto(link: Link) -> network_pb2.Link:
    """A link as a protobuf message."""
    message = network_pb2.Link(
        id=link.id,
        from_node=link.from_id,
        to_node=link.to_id,
        mode=MODE_TO_PROTO[link.mode],
        service=link.service_id,
        operator=link.operator or "",
        load_unit=LOAD_UNITS[link.load_unit],
        gauge_mm=link.gauge_mm or 0,
        distance_km=link.distance_km,
        run_h=link.run_h,
        teu_per_truck=link.teu_per_truck or 0.0,
        emission_class=link.emission_class,
    )
    if link.usd_per_teu is not None:
        message.usd_per_teu = link.usd_per_teu
    elif link.usd_per_kg is not None:
        message.usd_per_kg = link.usd_per_kg
    elif link.usd_per_truck is not None:
        message.usd_per_truck = link.usd_per_truck
    if link.capacity_teu_per_week is not None:
        message.capacity_teu_per_week = link.capacity_teu_per_week
    return message


def page(
    items: Sequence[T], page_size: int, page_token: str, listing: str, network: Network
) -> tuple[Sequence[T], str]:
    """One page of ``items`` and the token of the next page ('' on the last).

    A token is bound to the listing's filters and to the network version, so a token from another listing or an
    older network is refused instead of silently skipping or repeating items.
    """
    problems: list[FieldProblem] = []
    if page_size > MAX_PAGE_SIZE:
        problems.append(FieldProblem("page_size", f"must be between 1 and {MAX_PAGE_SIZE}, got {page_size}"))
    size = page_size or DEFAULT_PAGE_SIZE
    fingerprint = hashlib.sha256(f"{network.version}|{listing}".encode()).hexdigest()[:12]
    offset = 0
    if page_token:
        try:
            decoded = base64.urlsafe_b64decode(page_token.encode()).decode()
            token_fingerprint, token_offset = decoded.split(":")
            offset = int(token_offset)
        except (ValueError, UnicodeDecodeError):
            problems.append(FieldProblem("page_token", "is not a token this server issued"))
        else:
            if token_fingerprint != fingerprint or not 0 <= offset <= len(items):
                problems.append(
                    FieldProblem(
                        "page_token",
                        "belongs to another listing or network version; repeat the request without a token",
                    )
                )
    if problems:
        raise InvalidRequest(problems)
    chunk = items[offset : offset + size]
    following = offset + size
    token = base64.urlsafe_b64encode(f"{fingerprint}:{following}".encode()).decode() if following < len(items) else ""
    return chunk, token


def list_nodes(request: network_pb2.ListNodesRequest, network: Network) -> network_pb2.ListNodesResponse:
    """Answer ListNodes: filter by text, country and kind, best match first."""
    problems: list[FieldProblem] = []
    country = request.country.strip().upper()
    kind = None
    if request.kind != types_pb2.NODE_KIND_UNSPECIFIED:
        kind = NODE_KINDS_FROM_PROTO.get(request.kind)
        if kind is None:
            problems.append(FieldProblem("kind", f"unknown value {request.kind}"))
    if problems:
        raise InvalidRequest(problems)
    matches = [
        m.node
        for m in network.node_index.search(request.query)
        if (not country or m.node.country == country) and (kind is None or kind in m.node.kinds)
    ]
    listing = f"nodes|{request.query}|{country}|{request.kind}"
    chunk, token = page(matches, request.page_size, request.page_token, listing, network)
    return network_pb2.ListNodesResponse(
        nodes=[node_to_proto(n) for n in chunk], next_page_token=token, total_size=len(matches)
    )


def list_links(request: network_pb2.ListLinksRequest, network: Network) -> network_pb2.ListLinksResponse:
    """Answer ListLinks: filter by mode and node, ordered by id."""
    problems: list[FieldProblem] = []
    mode = None
    if request.mode != types_pb2.MODE_UNSPECIFIED:
        mode = MODES.get(request.mode)
        if mode is None:
            problems.append(FieldProblem("mode", f"unknown value {request.mode}"))
    node = request.node.strip()
    if node and node not in network.nodes:
        problems.append(FieldProblem("node", f"{node!r} is not a node of network {network.label}"))
    if problems:
        raise InvalidRequest(problems)
    links = [
        link
        for link in network.links.values()
        if (mode is None or link.mode is mode) and (not node or node in (link.from_id, link.to_id))
    ]
    chunk, token = page(links, request.page_size, request.page_token, f"links|{request.mode}|{node}", network)
    return network_pb2.ListLinksResponse(
        links=[link_to_proto(link) for link in chunk], next_page_token=token, total_size=len(links)
    )
