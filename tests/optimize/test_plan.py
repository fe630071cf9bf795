"""Shipment planning: agreement with find_routes for one TEU, brute force on tiny networks, capacity and cuts."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.errors import InputFileError, InvalidRequest
from engine.network.model import (
    EmissionFactor,
    Link,
    LoadUnit,
    Mode,
    Network,
    Node,
    NodeKind,
    Service,
    ServiceKind,
)
from engine.optimize import Booking, PlanRequest, ShipmentPlan, plan_shipment, read_bookings_csv
from engine.routing import Constraints, Objective, RouteQuery, Shipment, Weights, find_routes
from engine.routing.compiled import compile_network
from engine.routing.costing import QueryContext
from engine.routing.timetable import to_minutes
from tests.optimize.brute_plan import best_split, itineraries
from tests.routing.checks import assert_valid_route
from tests.routing.generators import random_network

READY = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday


def check_plan(network: Network, plan: ShipmentPlan) -> None:
    """Every part is a valid route (times, costs, CO2e recomputed) and no departure carries more than it can."""
    request = plan.request
    query = request.route_query(plan.lot_teu)
    used: dict[tuple[str, datetime], int] = {}
    for part in plan.parts:
        assert_valid_route(network, part.route, query)
        assert part.cost_usd == pytest.approx(part.route.cost_usd * part.teu / plan.lot_teu, abs=0.02)
        assert part.route.ready == request.ready
        for departure in part.departures:
            key = (departure.link_id, departure.depart)
            used[key] = used.get(key, 0) + part.teu
            if departure.capacity_teu is not None:
                assert used[key] <= departure.capacity_teu
    assert sum(p.teu for p in plan.parts) == plan.moved_teu == request.teu - plan.unmoved_teu


# ------------------------------------------------------------------------------------ one TEU = find_routes


def test_one_teu_costs_what_the_cheapest_route_costs(toy_network: Network) -> None:
    plan = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 1, READY, timedelta(days=60), usd_per_teu_day=0.0))
    query = RouteQuery("ORIGIN", "DEST", READY, Shipment(1, 10_000.0), objective=Objective.CHEAPEST, max_routes=1)
    cheapest = find_routes(toy_network, query).routes[0]
    assert plan.moved_teu == 1
    assert plan.cost_usd == pytest.approx(cheapest.cost_usd, abs=0.005)
    check_plan(toy_network, plan)


def _weighted_best(network: Network, origin: str, destination: str, usd_per_day: float, **kw: object) -> float:
    query = RouteQuery(
        origin,
        destination,
        READY,
        Shipment(1, 10_000.0),
        objective=Objective.WEIGHTED,
        max_routes=1,
        weights=Weights(usd_per_hour=usd_per_day / 24.0),
        **kw,  # type: ignore[arg-type]
    )
    result = find_routes(network, query)
    return min(r.score(usd_per_day / 24.0, 0.0, 0.0) for r in result.routes)


@pytest.mark.parametrize("usd_per_day", [0.0, 24.0, 500.0])
def test_one_teu_plan_trades_cost_and_time_like_the_weighted_route(toy_network: Network, usd_per_day: float) -> None:
    plan = plan_shipment(
        toy_network, PlanRequest("ORIGIN", "DEST", 1, READY, timedelta(days=60), usd_per_teu_day=usd_per_day)
    )
    assert plan.objective_usd == pytest.approx(_weighted_best(toy_network, "ORIGIN", "DEST", usd_per_day), abs=0.02)


@pytest.mark.parametrize("seed", range(10))
def test_one_teu_agrees_on_random_networks(seed: int) -> None:
    network = random_network(seed, n_nodes=6, n_services=5, n_links=18)
    rng = random.Random(seed)
    checked = 0
    for origin, destination in rng.sample([(a, b) for a in network.nodes for b in network.nodes if a != b], 6):
        query = RouteQuery(origin, destination, READY, Shipment(1, 10_000.0), objective=Objective.CHEAPEST)
        result = find_routes(network, query)
        if not result.routes:
            continue
        days = max(2.0, (result.routes[0].arrive - READY).total_seconds() / 86400 + 1)
        plan = plan_shipment(
            network, PlanRequest(origin, destination, 1, READY, timedelta(days=days), usd_per_teu_day=0.0)
        )
        assert plan.moved_teu == 1
        assert plan.cost_usd <= result.routes[0].cost_usd + 0.005  # never dearer than the cheapest route …
        weighted = plan_shipment(
            network, PlanRequest(origin, destination, 1, READY, timedelta(days=40), usd_per_teu_day=96.0)
        )
        assert weighted.objective_usd == pytest.approx(_weighted_best(network, origin, destination, 96.0), abs=0.02)
        check_plan(network, weighted)
        checked += 1
    assert checked >= 1


def test_one_teu_on_the_shipped_network(shipped_network: Network) -> None:
    constraints = Constraints(avoid_countries=frozenset({"RU", "BY"}), avoid_modes=frozenset({Mode.SEA}))
    plan = plan_shipment(shipped_network, PlanRequest("XIAN", "ISTANBUL", 1, READY, timedelta(days=40), constraints))
    best = _weighted_best(shipped_network, "XIAN", "ISTANBUL", 20.0, constraints=constraints)
    assert plan.objective_usd == pytest.approx(best, abs=0.02)
    check_plan(shipped_network, plan)


# ---------------------------------------------------------------------------------------- brute force


def tiny_network() -> Network:
    """A → B → C by a through train (two departures, 2 TEU each), B → C by a small train or by truck, A → C by a
    weekly feeder of 1 TEU: a network where a consignment must split."""

    def node(node_id: str, country: str, handling: float | None, kinds: set[NodeKind]) -> Node:
        return Node(
            id=node_id,
            name=node_id,
            aliases=(),
            locode=None,
            country=country,
            lat=43.0,
            lon=51.0 + len(node_id),
            kinds=frozenset(kinds),
            gauges_mm=frozenset({1520}),
            handling_h=handling,
            handling_usd_per_teu=None if handling is None else 75.0,
            handling_usd_per_kg=None,
            deconsolidation_h=None,
            deconsolidation_usd_per_teu=None,
            border_exit_h=5.0 if country == "CN" else None,
            border_entry_h=3.0 if country == "KZ" else None,
            border_exit_usd_per_teu=20.0 if country == "CN" else None,
            border_entry_usd_per_teu=30.0 if country == "KZ" else None,
            reefer_plugs=None,
        )

    def service(service_id: str, mode: Mode, kind: ServiceKind, times: tuple[int, ...], cap: float | None) -> Service:
        return Service(service_id, mode, None, kind, times, None, 0, cap, None)

    def link(link_id: str, a: str, b: str, mode: Mode, service_id: str, unit: LoadUnit, run: float, usd: float) -> Link:
        truck = unit is LoadUnit.TRUCK
        return Link(
            id=link_id,
            from_id=a,
            to_id=b,
            mode=mode,
            service_id=service_id,
            load_unit=unit,
            gauge_mm=1520 if unit is LoadUnit.WAGON else None,
            distance_km=500.0,
            run_h=run,
            usd_per_teu=None if truck else usd,
            usd_per_kg=None,
            usd_per_truck=usd if truck else None,
            teu_per_truck=2.0 if truck else None,
            capacity_teu_per_week=None,
            operator=None,
            emission_class=mode.value,
            max_gross_kg_per_teu=None,
            refused_cargo=frozenset(),
        )

    day = 1440
    nodes = {
        "A": node("A", "CN", 2.0, {NodeKind.RAIL_TERMINAL, NodeKind.SEAPORT}),
        "B": node("B", "KZ", 4.0, {NodeKind.RAIL_TERMINAL, NodeKind.ROAD_HUB}),
        "C": node("C", "KZ", 1.0, {NodeKind.RAIL_TERMINAL, NodeKind.ROAD_HUB, NodeKind.SEAPORT}),
    }
    services = {
        "S1": service("S1", Mode.RAIL, ServiceKind.WEEKLY, (6 * 60, 2 * day + 6 * 60), 2.0),
        "S2": service("S2", Mode.RAIL, ServiceKind.WEEKLY, (day + 12 * 60, 3 * day + 12 * 60, 5 * day + 12 * 60), 1.0),
        "S3": service("S3", Mode.FERRY, ServiceKind.WEEKLY, (4 * day,), 1.0),
        "TRUCK": Service("TRUCK", Mode.ROAD, None, ServiceKind.CONTINUOUS, (), None, 0, None, None),
    }
    links = {
        "L-AB": link("L-AB", "A", "B", Mode.RAIL, "S1", LoadUnit.WAGON, 20.0, 300.0),
        "L-BC1": link("L-BC1", "B", "C", Mode.RAIL, "S1", LoadUnit.WAGON, 30.0, 250.0),
        "L-BC2": link("L-BC2", "B", "C", Mode.RAIL, "S2", LoadUnit.WAGON, 10.0, 200.0),
        "L-AC": link("L-AC", "A", "C", Mode.FERRY, "S3", LoadUnit.VESSEL, 30.0, 900.0),
        "T-BC": link("T-BC", "B", "C", Mode.ROAD, "TRUCK", LoadUnit.TRUCK, 8.0, 700.0),
    }
    factors = {m.value: EmissionFactor(m.value, m, m.value, 20.0) for m in (Mode.RAIL, Mode.FERRY, Mode.ROAD)}
    return Network("tiny", "tiny", "tiny-v1", nodes, links, services, factors, {})


def brute_force(network: Network, request: PlanRequest) -> tuple[int, int]:
    compiled = compile_network(network)
    ctx = QueryContext(compiled, request.route_query(1))
    end = to_minutes(request.ready + request.horizon)
    due = to_minutes(request.due or request.ready)

    def lateness(t: int) -> int:
        return round(request.usd_per_teu_day * 100 * max(0, t - due) / 1440)

    def capacity(link: int, depart: int) -> int | None:
        service = network.services[compiled.service_ids[compiled.link_service[link]]]
        if service.capacity_teu_per_departure is None:
            return None
        booked = sum(
            b.teu
            for b in request.bookings
            if b.service_id == service.id
            and to_minutes(b.depart) == depart
            and b.link_id in (None, compiled.link_ids[link])
        )
        return max(0, math.floor(service.capacity_teu_per_departure - booked + 1e-9))

    return best_split(itineraries(ctx, end, lateness), request.teu, capacity)


CASES = [
    (teu, usd_per_day, days, bookings)
    for teu in (1, 3, 4, 6)
    for usd_per_day in (0.0, 40.0, 400.0)
    for days, bookings in (
        (6.0, ()),
        (6.0, (Booking("S1", READY + timedelta(hours=6), 1.0),)),
        (4.5, (Booking("S2", READY + timedelta(days=1, hours=12), 1.0, "L-BC2"),)),
    )
]


@pytest.mark.parametrize(("teu", "usd_per_day", "days", "bookings"), CASES)
def test_split_equals_brute_force(teu: int, usd_per_day: float, days: float, bookings: tuple[Booking, ...]) -> None:
    network = tiny_network()
    plan = plan_shipment(
        network,
        PlanRequest(
            "A", "C", teu, READY, timedelta(days=days), usd_per_teu_day=usd_per_day, bookings=bookings, lot_teu=1
        ),
    )
    moved, cents = brute_force(network, plan.request)
    assert plan.moved_teu == moved
    assert round(plan.objective_usd * 100) == cents
    check_plan(network, plan)


def test_toy_split_equals_brute_force(toy_network: Network) -> None:
    request_days = 13.5
    plan = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 3, READY, timedelta(days=request_days), lot_teu=1))
    moved, cents = brute_force(toy_network, plan.request)
    assert (plan.moved_teu, round(plan.objective_usd * 100)) == (moved, cents)


# --------------------------------------------------------------------------------- capacity, cuts, bookings


def test_what_cannot_move_is_explained_by_a_minimum_cut() -> None:
    network = tiny_network()
    plan = plan_shipment(network, PlanRequest("A", "C", 9, READY, timedelta(days=6), lot_teu=1))
    assert plan.unmoved_teu > 0
    assert plan.explanation
    # max-flow = min-cut: the binding departures' free capacity is exactly what moved
    assert sum(d.capacity_teu or 0 for d in plan.binding) == plan.moved_teu
    assert set(plan.binding_links) <= {"L-AB", "L-AC", "L-BC2"}


def test_bookings_take_capacity(toy_network: Network) -> None:
    free = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 250, READY, timedelta(days=30)))
    first = free.parts[0].departures[0]
    booked = plan_shipment(
        toy_network,
        PlanRequest(
            "ORIGIN",
            "DEST",
            250,
            READY,
            timedelta(days=30),
            bookings=[Booking(first.service_id, first.depart, 60.0, first.link_id)],
        ),
    )
    taken = sum(
        p.teu for p in booked.parts for d in p.departures if (d.link_id, d.depart) == (first.link_id, first.depart)
    )
    assert taken <= (first.capacity_teu or 0) - 60
    assert booked.objective_usd >= free.objective_usd
    check_plan(toy_network, booked)


def test_a_large_consignment_splits_on_the_shipped_network(shipped_network: Network) -> None:
    constraints = Constraints(avoid_countries=frozenset({"RU", "BY"}), avoid_modes=frozenset({Mode.SEA}))
    plan = plan_shipment(shipped_network, PlanRequest("XIAN", "ISTANBUL", 300, READY, timedelta(days=40), constraints))
    assert plan.moved_teu == 300
    # No chain of departures takes 300 TEU: the consignment splits over several. (Where it splits moved when the
    # Chinese rail family got its daily volume as capacity: the Caspian and Georgian departures bind now.)
    assert len({tuple((d.service_id, d.depart) for d in p.departures) for p in plan.parts}) >= 3
    check_plan(shipped_network, plan)


def test_nothing_moves_when_the_horizon_is_too_short(toy_network: Network) -> None:
    plan = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 5, READY, timedelta(days=2)))
    assert plan.moved_teu == 0
    assert plan.parts == ()
    assert plan.explanation is not None
    assert "cannot arrive" in plan.explanation


def test_determinism(toy_network: Network) -> None:
    first = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 250, READY, timedelta(days=30)))
    second = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 250, READY, timedelta(days=30)))
    assert first == second


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"teu": 0}, "teu"),
        ({"horizon": timedelta(days=400)}, "horizon"),
        ({"constraints": Constraints(via=("BORDER_CN",))}, "constraints.via"),
        ({"constraints": Constraints(max_transfers=2)}, "constraints.max_transfers"),
        ({"bookings": [Booking("NO-SUCH", READY, 1.0)]}, "bookings[0].service_id"),
        ({"bookings": [Booking("CN-TRAIN", READY, -1.0)]}, "bookings[0].teu"),
        ({"bookings": [Booking("CN-TRAIN", READY, 1.0, "F-PORT_KZ-PORT_AZ")]}, "bookings[0].link_id"),
        ({"destination": "NOWHERE"}, "destination"),
        ({"usd_per_teu_day": -5.0}, "usd_per_teu_day"),
    ],
)
def test_bad_requests_name_the_field(toy_network: Network, kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"origin": "ORIGIN", "destination": "DEST", "teu": 10, "ready": READY}
    arguments.update(kwargs)
    with pytest.raises(InvalidRequest) as caught:
        plan_shipment(toy_network, PlanRequest(**arguments))  # type: ignore[arg-type]
    assert field in [p.field for p in caught.value.problems]


def test_bookings_file(tmp_path: Path, toy_network: Network) -> None:
    path = tmp_path / "bookings.csv"
    path.write_text("service_id,depart,teu,link_id\nCN-TRAIN,2026-12-07T06:00Z,40,R-ORIGIN-BORDER\n", encoding="utf-8")
    (booking,) = read_bookings_csv(path)
    assert booking == Booking("CN-TRAIN", READY + timedelta(hours=6), 40.0, "R-ORIGIN-BORDER")
    plan = plan_shipment(toy_network, PlanRequest("ORIGIN", "DEST", 100, READY, timedelta(days=30), bookings=[booking]))
    first = [
        d for p in plan.parts for d in p.departures if d.link_id == "R-ORIGIN-BORDER" and d.depart == booking.depart
    ]
    assert all(d.capacity_teu == 60 and d.booked_teu == 40 for d in first)
    path.write_text("service_id,depart,teu\nCN-TRAIN,next monday,-1\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_bookings_csv(path)
    messages = [str(p) for p in caught.value.problems]
    assert any("bookings.csv:2: teu: must be >= 0" in m for m in messages)
    assert any("bookings.csv:2: depart: must be an ISO 8601 time" in m for m in messages)
