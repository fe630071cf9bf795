"""Sea passages (Suez, Bab el-Mandeb, Gibraltar, the Singapore/Malacca strait, the Cape) are waypoints: a query
avoids them by id, and a route's countries list only countries whose territory or ports the cargo enters."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.network import Mode, Network, NodeKind
from engine.routing import Constraints, Objective, RouteQuery, Shipment, find_routes
from tests.routing.checks import assert_valid_route

READY = datetime(2026, 12, 1, tzinfo=UTC)
ONE_TEU = Shipment(teu=1, gross_weight_kg=10_000)
BY_SEA_ONLY = frozenset({Mode.RAIL, Mode.ROAD, Mode.AIR})
PASSAGES = {"SINGAPORE_STRAIT", "BAB_EL_MANDEB", "SUEZ", "PORT_SAID", "GIBRALTAR", "CAPE_GOOD_HOPE"}


def sea_route(network: Network, **constraints: frozenset[str] | frozenset[Mode]) -> object:
    query = RouteQuery(
        "SHANGHAI",
        "ROTTERDAM",
        READY,
        ONE_TEU,
        Objective.FASTEST,
        Constraints(avoid_modes=BY_SEA_ONLY, **constraints),  # type: ignore[arg-type]
        max_routes=1,
    )
    (route,) = find_routes(network, query).routes
    assert_valid_route(network, route, query)
    return route


def test_the_shipped_passages_are_waypoints_in_no_territory(shipped_network: Network) -> None:
    passages = {n.id for n in shipped_network.nodes.values() if n.is_sea_passage}
    assert passages == PASSAGES
    assert all(shipped_network.nodes[p].territory is None for p in passages)
    assert shipped_network.nodes["ROTTERDAM"].territory == "NL"
    assert all(NodeKind.WAYPOINT in shipped_network.nodes[p].kinds for p in passages)


def test_shanghai_to_rotterdam_by_sea_lists_no_sea_passage_as_a_country(shipped_network: Network) -> None:
    route = sea_route(shipped_network)
    nodes = {hop.to_id for leg in route.legs for hop in leg.hops}  # type: ignore[attr-defined]
    assert {"BAB_EL_MANDEB", "GIBRALTAR", "SINGAPORE_STRAIT"} <= nodes
    assert route.countries == ("CN", "NL")  # type: ignore[attr-defined]
    # The border dwell is unchanged (Ningbo's exit, Rotterdam's entry) and reported as CN → NL, never via YE/GI/SG.
    crossings = route.border_crossings  # type: ignore[attr-defined]
    assert {(b.from_country, b.to_country) for b in crossings} == {("CN", "NL")}
    assert sum(b.exit_dwell_h + b.entry_dwell_h for b in crossings) == 48


def test_avoiding_bab_el_mandeb_sends_asia_europe_sea_cargo_round_the_cape(shipped_network: Network) -> None:
    via_suez = sea_route(shipped_network)
    via_cape = sea_route(shipped_network, avoid_nodes=frozenset({"BAB_EL_MANDEB"}))
    passed = {hop.to_id for leg in via_cape.legs for hop in leg.hops}  # type: ignore[attr-defined]
    assert "CAPE_GOOD_HOPE" in passed
    assert not {"BAB_EL_MANDEB", "SUEZ"} & passed
    assert via_cape.arrive > via_suez.arrive  # type: ignore[attr-defined]
    assert via_cape.countries == ("CN", "NL")  # type: ignore[attr-defined]


def test_avoiding_yemen_does_not_close_the_red_sea(shipped_network: Network) -> None:
    # Ships pass Bab el-Mandeb without entering Yemen: avoiding the country leaves the passage open.
    route = sea_route(shipped_network, avoid_countries=frozenset({"YE", "GI", "SG"}))
    passed = {hop.to_id for leg in route.legs for hop in leg.hops}  # type: ignore[attr-defined]
    assert "BAB_EL_MANDEB" in passed
