"""Routes on the six-node toy network, checked against numbers worked out by hand, and every constraint."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import InvalidRequest, UnknownNode
from engine.network import CargoClass, Mode, Network, load_network
from engine.routing import Constraints, Objective, RouteQuery, Shipment, Weights, find_routes
from tests.routing.checks import assert_valid_route

READY = datetime(2026, 12, 1, tzinfo=UTC)  # a Tuesday
TWO_TEU = Shipment(teu=2, gross_weight_kg=20_000)


def query(**changes: object) -> RouteQuery:
    base = RouteQuery("ORIGIN", "DEST", READY, TWO_TEU, max_routes=10)
    constraints = changes.pop("constraints", None)
    q = replace(base, **changes)  # type: ignore[arg-type]
    return replace(q, constraints=constraints) if constraints is not None else q


def test_pareto_routes_worked_out_by_hand(toy_network: Network) -> None:
    result = find_routes(toy_network, query())
    assert result.pareto_size == 2
    fastest, cheapest = result.routes  # Pareto order: arrival first
    # China train: Tue 06:00 (headway 24 h from Mon 06:00), 66 h to the border, 14 h exit, 1 h, 78 h entry.
    first = fastest.legs[0]
    assert (first.depart, first.arrive, first.wait_h) == (
        datetime(2026, 12, 1, 6, tzinfo=UTC),
        datetime(2026, 12, 7, 21, tzinfo=UTC),
        6.0,
    )
    assert first.through_nodes == ("BORDER_CN",)
    # Gauge break at GAUGE_KZ: 6 h handling, then the 12-hourly KZ train at 12:00 (wait 9 h).
    transfer = fastest.transfers[0]
    assert (transfer.node_id, transfer.gauge_break, transfer.lift, transfer.handling_usd) == (
        "GAUGE_KZ",
        True,
        True,
        658.0,
    )
    assert fastest.legs[1].depart == datetime(2026, 12, 8, 12, tzinfo=UTC)
    # Feeder Mon 08:00 / Thu 20:00: ready Fri 10:48 after 8 h handling and 6.8 h exit dwell → Mon 14 Dec 08:00.
    assert fastest.legs[2].depart == datetime(2026, 12, 14, 8, tzinfo=UTC)
    assert fastest.legs[2].arrive == datetime(2026, 12, 15, 16, tzinfo=UTC)  # 22 h + 10 h entry dwell
    assert [leg.mode for leg in fastest.legs] == [Mode.RAIL, Mode.RAIL, Mode.FERRY, Mode.ROAD]
    assert fastest.arrive == datetime(2026, 12, 16, 2, tzinfo=UTC)  # truck leaves at once (continuous), 2 h
    # Freight 1840 + 870 + 1200 + 300, handling 658 + 240 + 300, border 806 + 490.
    assert (fastest.cost.freight_usd, fastest.cost.handling_usd, fastest.cost.border_usd) == (4210.0, 1198.0, 1296.0)
    assert fastest.cost_usd == 6704.0
    # The weekly Tuesday 10:00 train is cheaper (60 vs 300 USD per truck) but arrives a week later.
    assert cheapest.legs[-1].mode is Mode.RAIL
    assert cheapest.arrive == datetime(2026, 12, 22, 13, tzinfo=UTC)
    assert cheapest.cost_usd == 6524.0
    assert set(fastest.best_for) == {"fastest", "fewest_transfers"}
    assert set(cheapest.best_for) == {"cheapest", "lowest_co2e"}
    assert fastest.countries == ("CN", "KZ", "AZ")
    assert [b.link_id for b in fastest.border_crossings] == ["R-BORDER-GAUGE", "F-PORT_KZ-PORT_AZ"]
    assert fastest.geometry[0] == (34.4, 109.07)
    assert len(fastest.geometry) == 6
    for route in result.routes:
        assert_valid_route(toy_network, route, result.query)


@pytest.mark.parametrize(
    ("objective", "weights", "expected_last_mode"),
    [
        (Objective.FASTEST, Weights(), Mode.ROAD),
        (Objective.CHEAPEST, Weights(), Mode.RAIL),
        (Objective.LOWEST_CO2E, Weights(), Mode.RAIL),
        (Objective.WEIGHTED, Weights(usd_per_hour=10.0), Mode.ROAD),  # a week of waiting costs 1,540 USD > 180
        (Objective.WEIGHTED, Weights(usd_per_hour=0.5), Mode.RAIL),
    ],
)
def test_objectives(toy_network: Network, objective: Objective, weights: Weights, expected_last_mode: Mode) -> None:
    for max_routes in (1, 3):
        result = find_routes(toy_network, query(objective=objective, weights=weights, max_routes=max_routes))
        assert result.routes[0].legs[-1].mode is expected_last_mode


def test_alternatives_must_really_differ(toy_network: Network) -> None:
    # The two Pareto routes share everything but the last 70 km: not an alternative worth showing.
    result = find_routes(toy_network, query(objective=Objective.CHEAPEST, max_routes=5))
    assert len(result.routes) == 1
    assert result.pareto_size == 2


def test_avoid_mode_holds(toy_network: Network) -> None:
    result = find_routes(toy_network, query(constraints=Constraints(avoid_modes=frozenset({Mode.ROAD}))))
    assert [r.legs[-1].mode for r in result.routes] == [Mode.RAIL]


def test_weight_limit_holds(toy_network: Network) -> None:
    heavy = Shipment(teu=2, gross_weight_kg=50_000)  # 25 t per TEU: over the truck link's 24 t
    result = find_routes(toy_network, query(shipment=heavy))
    assert [r.legs[-1].mode for r in result.routes] == [Mode.RAIL]


def test_via_holds(toy_network: Network) -> None:
    result = find_routes(toy_network, query(constraints=Constraints(via=("PORT_KZ", "PORT_AZ"))))
    assert result.pareto_size == 2
    reversed_via = find_routes(toy_network, query(constraints=Constraints(via=("PORT_AZ", "PORT_KZ"))))
    assert reversed_via.routes == ()
    assert reversed_via.explanation == "no route passes PORT_AZ then PORT_KZ; without that requirement routes exist"


@pytest.mark.parametrize(
    ("constraints", "explanation"),
    [
        (Constraints(max_transfers=2), "no route has at most 2 transfers; the fewest is 3"),
        (
            Constraints(arrive_by=datetime(2026, 12, 10, tzinfo=UTC)),
            "no route arrives by 2026-12-10T00:00Z; the earliest arrival is 2026-12-16T02:00Z",
        ),
        (Constraints(max_cost_usd=5000), "no route costs at most 5,000.00 USD; the cheapest costs 6,524.00 USD"),
        (Constraints(max_co2e_kg=1000), "no route emits at most 1,000.0 kg CO2e; the lowest emits 3,614.0 kg"),
        (Constraints(avoid_countries=frozenset({"KZ"})), "every route crosses an avoided country: KZ"),
        (Constraints(avoid_nodes=frozenset({"PORT_KZ"})), "every route passes an avoided node: PORT_KZ"),
        (Constraints(avoid_modes=frozenset({Mode.FERRY})), "every route needs an avoided mode: ferry"),
        (Constraints(avoid_operators=frozenset({"kmtf"})), "every route uses an avoided operator"),
    ],
)
def test_each_constraint_explains_an_empty_answer(
    toy_network: Network, constraints: Constraints, explanation: str
) -> None:
    result = find_routes(toy_network, query(constraints=constraints))
    assert result.routes == ()
    assert result.explanation == explanation


def test_hazmat_refused_by_the_ferry(toy_network: Network) -> None:
    result = find_routes(toy_network, query(shipment=replace(TWO_TEU, cargo_class=CargoClass.HAZMAT)))
    assert result.routes == ()
    assert result.explanation == "no route accepts hazmat cargo (hazmat never flies; some ferries refuse it)"


def test_constraints_that_only_fail_together(toy_network: Network) -> None:
    both = Constraints(max_transfers=2, arrive_by=datetime(2026, 12, 10, tzinfo=UTC))
    result = find_routes(toy_network, query(constraints=both))
    assert result.explanation == (
        "no route satisfies these constraints together (constraints.arrive_by, constraints.max_transfers); "
        "relaxing any single one is not enough"
    )


def test_several_single_relaxations_are_all_named(toy_network: Network) -> None:
    # The fast route costs 6,704 USD, the cheap one arrives on 22 Dec: a 6,600 USD budget and a 17 Dec deadline
    # cannot both hold, and dropping either one gives a route.
    both = Constraints(max_cost_usd=6600, arrive_by=datetime(2026, 12, 17, tzinfo=UTC))
    result = find_routes(toy_network, query(constraints=both))
    assert result.explanation == (
        "relaxing any one of these gives routes: no route arrives by 2026-12-17T00:00Z; the earliest arrival is "
        "2026-12-22T13:00Z; no route costs at most 6,600.00 USD; the cheapest costs 6,704.00 USD"
    )


def test_loose_cargo_needs_air_or_road(toy_network: Network) -> None:
    result = find_routes(toy_network, query(shipment=Shipment(teu=0, gross_weight_kg=500)))
    assert result.routes == ()
    assert result.explanation == (
        "the network has no route from ORIGIN to DEST for loose cargo (it travels only by air and road) (500 kg): "
        "check weight limits and capacity per departure"
    )


def test_invalid_requests_name_the_field(toy_network: Network) -> None:
    with pytest.raises(UnknownNode, match=r"origin: 'PARIS' is not a node of network toy@"):
        find_routes(toy_network, query(origin="PARIS"))
    with pytest.raises(InvalidRequest, match=r"constraints\.avoid_countries: the origin 'ORIGIN' is in CN"):
        find_routes(toy_network, query(constraints=Constraints(avoid_countries=frozenset({"CN"}))))
    with pytest.raises(InvalidRequest) as caught:
        Shipment(teu=-1, gross_weight_kg=0)
    assert str(caught.value) == (
        "shipment.teu: must be a whole number >= 0 (0 = loose cargo by weight), got -1; "
        "shipment.gross_weight_kg: must be > 0 kg, got 0"
    )
    with pytest.raises(InvalidRequest, match="ready: must carry a time zone"):
        RouteQuery("ORIGIN", "DEST", datetime(2026, 12, 1), TWO_TEU)  # noqa: DTZ001 - the naive time is the point
    with pytest.raises(InvalidRequest, match="max_routes: must be between 1 and 100, got 0"):
        query(max_routes=0)


def test_same_query_same_routes_same_order(toy_network: Network) -> None:
    first = find_routes(toy_network, query())
    for _ in range(5):
        assert find_routes(toy_network, query()) == first


def test_reefers_change_vehicle_only_where_they_can_be_powered(toy_copy: Path) -> None:
    path = toy_copy / "nodes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    port_kz = next(i for i, line in enumerate(lines) if line.startswith("PORT_KZ,"))
    lines[port_kz] = lines[port_kz].replace(",true,", ",false,")  # no reefer plugs at the Caspian port
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    network = load_network(toy_copy)
    reefer = Shipment(teu=2, gross_weight_kg=20_000, cargo_class=CargoClass.REEFER)
    result = find_routes(network, query(shipment=reefer))
    assert result.routes == ()
    assert result.explanation == "no route accepts reefer cargo (reefers need power where they change vehicle)"
    assert find_routes(network, query()).routes  # general cargo still goes
