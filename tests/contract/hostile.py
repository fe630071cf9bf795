"""A catalogue of hostile requests over every RPC: each with the status and the field violation it must earn.

Each case is raw bytes for one method, so bodies that are not protobuf at all fit in the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from corridor.v1 import network_pb2, routing_pb2, study_pb2, types_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

ROUTE = "/corridor.v1.RoutingService/FindRoutes"
PLAN = "/corridor.v1.RoutingService/PlanShipment"
ASSIGN = "/corridor.v1.StudyService/AssignDemand"
INFO = "/corridor.v1.NetworkService/GetNetworkInfo"
NODES = "/corridor.v1.NetworkService/ListNodes"
LINKS = "/corridor.v1.NetworkService/ListLinks"
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND

READY = Timestamp(seconds=int(datetime(2026, 12, 1, tzinfo=UTC).timestamp()))
GARBAGE = b"\xff\xff\xff\xff\x0f\x01"  # a varint that never ends: not any message
BAD_UTF8_ORIGIN = b"\x0a\x02\xff\xfe"  # field 1 (a string) holding bytes that are not UTF-8
TRUNCATED = b"\x0a\x10XIAN"  # field 1 announces 16 bytes, 4 follow
BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "edits: []\n"
)


@dataclass(frozen=True)
class Hostile:
    """One hostile call: the method, the body, the status it must get and the field it must name."""

    name: str
    method: str
    body: bytes
    status: grpc.StatusCode
    field: str | None  # a field violation must start with this; None: no BadRequest expected


def route(**fields: object) -> bytes:
    base: dict[str, object] = {
        "origin": "XIAN",
        "destination": "DUISBURG",
        "departure": READY,
        "shipment": types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
    }
    return routing_pb2.FindRoutesRequest(**(base | fields)).SerializeToString()  # type: ignore[arg-type]


def plan(**fields: object) -> bytes:
    base: dict[str, object] = {"origin": "XIAN", "destination": "DUISBURG", "teu": 4, "ready": READY}
    return routing_pb2.PlanShipmentRequest(**(base | fields)).SerializeToString()  # type: ignore[arg-type]


def row(**fields: object) -> study_pb2.DemandRow:
    base: dict[str, object] = {"origin": "XIAN", "destination": "DUISBURG", "teu_per_week": 10}
    return study_pb2.DemandRow(**(base | fields))  # type: ignore[arg-type]


def assign(**fields: object) -> bytes:
    base: dict[str, object] = {"demand": [row()]}
    return study_pb2.AssignDemandRequest(**(base | fields)).SerializeToString()  # type: ignore[arg-type]


def c(**fields: object) -> types_pb2.Constraints:
    return types_pb2.Constraints(**fields)  # type: ignore[arg-type]


def message(value: Message) -> bytes:
    return value.SerializeToString()


def catalogue(link_id: str) -> list[Hostile]:
    """The cases; ``link_id`` is a real link of the served network."""
    nan, inf = float("nan"), float("inf")
    return [
        # --- FindRoutes
        Hostile("route-empty", ROUTE, b"", INVALID, "origin"),
        Hostile("route-garbage", ROUTE, GARBAGE, INVALID, "request"),
        Hostile("route-truncated", ROUTE, TRUNCATED, INVALID, "request"),
        Hostile("route-not-utf8", ROUTE, BAD_UTF8_ORIGIN, INVALID, "request"),
        Hostile("route-origin-16k", ROUTE, route(origin="X" * 16_384), INVALID, "origin"),
        Hostile("route-origin-unknown", ROUTE, route(origin="NOWHERE"), NOT_FOUND, "origin"),
        Hostile("route-origin-unknown-120", ROUTE, route(origin="Q" * 120), NOT_FOUND, "origin"),
        Hostile("route-destination-unknown", ROUTE, route(destination="ATLANTIS"), NOT_FOUND, "destination"),
        Hostile("route-destination-blank", ROUTE, route(destination="   "), INVALID, "destination"),
        Hostile(
            "route-avoid-nodes-100k",
            ROUTE,
            route(constraints=c(avoid_nodes=[f"N{i}" for i in range(100_000)])),
            INVALID,
            "constraints.avoid_nodes",
        ),
        Hostile(
            "route-avoid-nodes-500-unknown",
            ROUTE,
            route(constraints=c(avoid_nodes=[f"N{i}" for i in range(500)])),
            INVALID,
            "constraints.avoid_nodes",
        ),
        Hostile(
            "route-avoid-countries-long",
            ROUTE,
            route(constraints=c(avoid_countries=["R" * 1000])),
            INVALID,
            "constraints.avoid_countries[0]",
        ),
        Hostile(
            "route-avoid-countries-unknown",
            ROUTE,
            route(constraints=c(avoid_countries=["ZZ"])),
            INVALID,
            "constraints.avoid_countries",
        ),
        Hostile(
            "route-avoid-operators-2000",
            ROUTE,
            route(constraints=c(avoid_operators=["op"] * 2000)),
            INVALID,
            "constraints.avoid_operators",
        ),
        Hostile("route-via-17", ROUTE, route(constraints=c(via=["AKTAU"] * 17)), INVALID, "constraints.via"),
        Hostile("route-via-unknown", ROUTE, route(constraints=c(via=["NOWHERE"])), INVALID, "constraints.via"),
        Hostile("route-request-id-256k", ROUTE, route(request_id="r" * 262_144), INVALID, "request_id"),
        Hostile(
            "route-departure-out-of-range", ROUTE, route(departure=Timestamp(seconds=10**12)), INVALID, "departure"
        ),
        Hostile("route-departure-1970", ROUTE, route(departure=Timestamp(seconds=0)), INVALID, "departure"),
        Hostile(
            "route-departure-nanos",
            ROUTE,
            route(departure=Timestamp(seconds=READY.seconds, nanos=-5)),
            INVALID,
            "departure",
        ),
        Hostile(
            "route-no-shipment",
            ROUTE,
            routing_pb2.FindRoutesRequest(origin="XIAN", destination="DUISBURG", departure=READY).SerializeToString(),
            INVALID,
            "shipment",
        ),
        Hostile(
            "route-weight-nan",
            ROUTE,
            route(shipment=types_pb2.Shipment(teu=2, gross_weight_kg=nan)),
            INVALID,
            "shipment.gross_weight_kg",
        ),
        Hostile(
            "route-weight-negative",
            ROUTE,
            route(shipment=types_pb2.Shipment(teu=2, gross_weight_kg=-1)),
            INVALID,
            "shipment.gross_weight_kg",
        ),
        Hostile(
            "route-cargo-class-99",
            ROUTE,
            route(shipment=types_pb2.Shipment(teu=2, gross_weight_kg=1, cargo_class=99)),  # type: ignore[arg-type]
            INVALID,
            "shipment.cargo_class",
        ),
        Hostile(
            "route-container-type-99",
            ROUTE,
            route(
                shipment=types_pb2.Shipment(
                    gross_weight_kg=1,
                    containers=[types_pb2.ContainerCount(type=99, count=1)],  # type: ignore[arg-type]
                )
            ),
            INVALID,
            "shipment.containers[0].type",
        ),
        Hostile(
            "route-container-count-0",
            ROUTE,
            route(
                shipment=types_pb2.Shipment(
                    gross_weight_kg=1, containers=[types_pb2.ContainerCount(type=types_pb2.CONTAINER_TYPE_DRY_40)]
                )
            ),
            INVALID,
            "shipment.containers",
        ),
        Hostile("route-objective-99", ROUTE, route(objective=99), INVALID, "objective"),
        Hostile(
            "route-avoid-mode-99", ROUTE, route(constraints=c(avoid_modes=[99])), INVALID, "constraints.avoid_modes"
        ),
        Hostile("route-max-routes-huge", ROUTE, route(max_routes=2**31), INVALID, "max_routes"),
        Hostile(
            "route-max-cost-nan", ROUTE, route(constraints=c(max_cost_usd=nan)), INVALID, "constraints.max_cost_usd"
        ),
        Hostile(
            "route-max-co2e-negative", ROUTE, route(constraints=c(max_co2e_kg=-1)), INVALID, "constraints.max_co2e_kg"
        ),
        Hostile(
            "route-arrive-by-invalid",
            ROUTE,
            route(constraints=c(arrive_by=Timestamp(seconds=-(10**12)))),
            INVALID,
            "constraints.arrive_by",
        ),
        Hostile(
            "route-weights-inf",
            ROUTE,
            route(objective=types_pb2.OBJECTIVE_WEIGHTED, weights=types_pb2.Weights(usd_per_hour=inf)),
            INVALID,
            "weights.usd_per_hour",
        ),
        # --- PlanShipment
        Hostile("plan-empty", PLAN, b"", INVALID, "ready"),
        Hostile("plan-garbage", PLAN, GARBAGE, INVALID, "request"),
        Hostile("plan-horizon-1e300", PLAN, plan(horizon_days=1e300), INVALID, "horizon_days"),
        Hostile("plan-horizon-200", PLAN, plan(horizon_days=200), INVALID, "horizon_days"),
        Hostile("plan-horizon-nan", PLAN, plan(horizon_days=nan), INVALID, "horizon_days"),
        Hostile("plan-horizon-negative", PLAN, plan(horizon_days=-3), INVALID, "horizon_days"),
        Hostile("plan-teu-zero", PLAN, plan(teu=0), INVALID, "teu"),
        Hostile("plan-gross-1e300", PLAN, plan(gross_kg_per_teu=1e300), INVALID, "gross_kg_per_teu"),
        Hostile("plan-lot-1000", PLAN, plan(lot_teu=1000), INVALID, "lot_teu"),
        Hostile("plan-usd-per-day-negative", PLAN, plan(usd_per_teu_day=-1), INVALID, "usd_per_teu_day"),
        Hostile("plan-due-1970", PLAN, plan(due=Timestamp(seconds=0)), INVALID, "due"),
        Hostile("plan-cargo-class-99", PLAN, plan(cargo_class=99), INVALID, "cargo_class"),
        Hostile("plan-origin-unknown", PLAN, plan(origin="NOWHERE"), NOT_FOUND, "origin"),
        Hostile("plan-origin-16k", PLAN, plan(origin="X" * 16_384), INVALID, "origin"),
        Hostile(
            "plan-booking-unknown-service",
            PLAN,
            plan(bookings=[routing_pb2.Booking(service="GHOST-FERRY", depart=READY, teu=1)]),
            INVALID,
            "bookings[0].service",
        ),
        Hostile(
            "plan-bookings-1001",
            PLAN,
            plan(bookings=[routing_pb2.Booking(service="X", depart=READY, teu=1)] * 1001),
            INVALID,
            "bookings",
        ),
        # --- AssignDemand
        Hostile("assign-empty", ASSIGN, b"", INVALID, "demand"),
        Hostile("assign-garbage", ASSIGN, GARBAGE, INVALID, "request"),
        Hostile(
            "assign-teu-1e300", ASSIGN, assign(demand=[row(teu_per_week=1e300)]), INVALID, "demand[0].teu_per_week"
        ),
        Hostile(
            "assign-teu-negative", ASSIGN, assign(demand=[row(teu_per_week=-1)]), INVALID, "demand[0].teu_per_week"
        ),
        Hostile("assign-format-99", ASSIGN, assign(format=99), INVALID, "format"),
        Hostile("assign-yaml-alias-bomb", ASSIGN, assign(edits_yaml=BOMB), INVALID, "edits_yaml"),
        Hostile("assign-yaml-deep", ASSIGN, assign(edits_yaml="[" * 50_000), INVALID, "edits_yaml"),
        Hostile(
            "assign-yaml-deep-mapping",
            ASSIGN,
            assign(edits_yaml="a:\n" + "".join(" " * i + "b:\n" for i in range(1, 200))),
            INVALID,
            "edits_yaml",
        ),
        Hostile("assign-yaml-300k", ASSIGN, assign(edits_yaml="#" * 300_000), INVALID, "edits_yaml"),
        Hostile("assign-yaml-not-yaml", ASSIGN, assign(edits_yaml="edits: [\n  {op: x"), INVALID, "edits_yaml"),
        Hostile("assign-yaml-nul", ASSIGN, assign(edits_yaml="edits: []\x00"), INVALID, "edits_yaml"),
        Hostile(
            "assign-yaml-unknown-op", ASSIGN, assign(edits_yaml="edits:\n  - op: explode\n"), INVALID, "edits_yaml"
        ),
        Hostile("assign-yaml-scalar", ASSIGN, assign(edits_yaml="42"), INVALID, "edits_yaml"),
        Hostile(
            "assign-capacity-unknown",
            ASSIGN,
            assign(capacity_teu_per_week={"NO-SUCH-LINK": 5}),
            INVALID,
            "capacity_teu_per_week",
        ),
        Hostile(
            "assign-capacity-negative",
            ASSIGN,
            assign(capacity_teu_per_week={link_id: -5}),
            INVALID,
            f"capacity_teu_per_week['{link_id}']",
        ),
        Hostile(
            "assign-capacity-key-long",
            ASSIGN,
            assign(capacity_teu_per_week={"K" * 5000: 5}),
            INVALID,
            "capacity_teu_per_week[",
        ),
        Hostile("assign-unserved-1e308", ASSIGN, assign(unserved_usd_per_teu=1e308), INVALID, "unserved_usd_per_teu"),
        Hostile("assign-usd-per-day-inf", ASSIGN, assign(usd_per_teu_day=inf), INVALID, "usd_per_teu_day"),
        Hostile("assign-gap-2", ASSIGN, assign(gap=2), INVALID, "gap"),
        Hostile("assign-rows-50001", ASSIGN, assign(demand=[row()] * 50_001), INVALID, "demand"),
        Hostile(
            "assign-row-unknown-origin", ASSIGN, assign(demand=[row(origin="NOWHERE")]), INVALID, "demand[0].origin"
        ),
        Hostile(
            "assign-row-same-od", ASSIGN, assign(demand=[row(destination="XIAN")]), INVALID, "demand[0].destination"
        ),
        Hostile(
            "assign-row-country",
            ASSIGN,
            assign(demand=[row(avoid_countries=["ZZ"])]),
            INVALID,
            "demand[0].avoid_countries",
        ),
        Hostile(
            "assign-row-segment-long", ASSIGN, assign(demand=[row(segment="s" * 10_000)]), INVALID, "demand[0].segment"
        ),
        # --- NetworkService
        Hostile("info-garbage", INFO, GARBAGE, INVALID, "request"),
        Hostile("nodes-garbage", NODES, GARBAGE, INVALID, "request"),
        Hostile("links-garbage", LINKS, GARBAGE, INVALID, "request"),
        Hostile("nodes-query-16k", NODES, message(network_pb2.ListNodesRequest(query="q" * 16_384)), INVALID, "query"),
        Hostile(
            "nodes-country-long", NODES, message(network_pb2.ListNodesRequest(country="C" * 1000)), INVALID, "country"
        ),
        Hostile("nodes-kind-99", NODES, message(network_pb2.ListNodesRequest(kind=99)), INVALID, "kind"),  # type: ignore[arg-type]
        Hostile(
            "nodes-page-size-huge", NODES, message(network_pb2.ListNodesRequest(page_size=10**9)), INVALID, "page_size"
        ),
        Hostile(
            "nodes-page-token-forged",
            NODES,
            message(network_pb2.ListNodesRequest(page_token="forged")),
            INVALID,
            "page_token",
        ),
        Hostile("links-mode-99", LINKS, message(network_pb2.ListLinksRequest(mode=99)), INVALID, "mode"),  # type: ignore[arg-type]
        Hostile("links-node-unknown", LINKS, message(network_pb2.ListLinksRequest(node="NOWHERE")), INVALID, "node"),
        Hostile("links-node-16k", LINKS, message(network_pb2.ListLinksRequest(node="N" * 16_384)), INVALID, "node"),
        Hostile(
            "links-page-token-forged",
            LINKS,
            message(network_pb2.ListLinksRequest(page_token="\u00ff" * 200)),
            INVALID,
            "page_token",
        ),
    ]
