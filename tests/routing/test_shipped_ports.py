"""Routes through the Caspian and Black Sea ports that issue 10 added last: Iran's Amirabad and Anzali, Russia's
Astrakhan, Makhachkala and Novorossiysk, Odesa, and the Varna ↔ Batumi Ro-Pax. Each test pins the legs and
services a forwarder would expect, not only that some route exists."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.network import LoadUnit, Mode, Network
from engine.routing import Constraints, Objective, Route, RouteQuery, Shipment, find_routes
from tests.routing.checks import assert_valid_route

READY = datetime(2026, 12, 1, tzinfo=UTC)
TWO_TEU = Shipment(teu=2, gross_weight_kg=20_000)


def only_route(network: Network, query: RouteQuery) -> Route:
    (route,) = find_routes(network, query).routes
    assert_valid_route(network, route, query)
    return route


def services(route: Route) -> list[str]:
    return [leg.service_id for leg in route.legs]


def hop_ids(route: Route) -> list[str]:
    return [hop.link_id for leg in route.legs for hop in leg.hops]


def test_kuryk_ro_ro_to_amirabad_carries_the_truck_on_to_tehran(shipped_network: Network) -> None:
    # Trucks only (no Aktau feeder, no rail round the Caspian): the Kuryk → Amirabad Ro-Ro is the crossing.
    no_feeder = Constraints(avoid_modes=frozenset({Mode.RAIL}), avoid_nodes=frozenset({"AKTAU"}))
    query = RouteQuery("KURYK", "TEHRAN", READY, TWO_TEU, Objective.FASTEST, no_feeder, max_routes=1)
    route = only_route(shipped_network, query)
    assert services(route) == ["F-KURYK-AMIRABAD-T", "ROAD"]
    assert hop_ids(route) == ["F-KURYK-AMIRABAD-T", "T-AMIRABAD-TEHRAN"]
    ferry, road = route.legs
    assert ferry.load_unit is LoadUnit.TRUCK  # the truck drives off at Amirabad: no lift
    assert road.load_unit is LoadUnit.TRUCK
    # One 2-TEU truck pays the published US$1,600–1,700 Ro-Ro fare once (mid-point in the data).
    assert ferry.hops[0].freight_usd == shipped_network.links["F-KURYK-AMIRABAD-T"].usd_per_truck == 1650
    (crossing,) = route.border_crossings
    assert (crossing.from_country, crossing.to_country) == ("KZ", "IR")
    assert route.countries == ("KZ", "IR")


def test_astrakhan_to_anzali_cheapest_is_the_caspian_container_line(shipped_network: Network) -> None:
    query = RouteQuery("ASTRAKHAN", "ANZALI", READY, TWO_TEU, Objective.CHEAPEST, max_routes=1)
    route = only_route(shipped_network, query)
    assert hop_ids(route) == ["F-ASTRAKHAN-ANZALI"]
    assert route.legs[0].load_unit is LoadUnit.VESSEL
    assert route.countries == ("RU", "IR")


def test_instc_astrakhan_to_tehran_across_the_caspian_lands_at_anzali(shipped_network: Network) -> None:
    # Without the rail detour round the east coast (Kazakhstan, Turkmenistan) or the Black Sea one (Novorossiysk →
    # Samsun → Van), Russian cargo for Tehran sails to Anzali and lands there on Iran's standard-gauge railway or a
    # truck; the Russian broad gauge never meets the Iranian one.
    direct = Constraints(avoid_countries=frozenset({"KZ", "TM", "TR"}))
    query = RouteQuery("ASTRAKHAN", "TEHRAN", READY, TWO_TEU, constraints=direct, max_routes=10)
    result = find_routes(shipped_network, query)
    assert result.routes
    for route in result.routes:
        assert_valid_route(shipped_network, route, query)
        assert route.legs[0].service_id in {"F-ASTRAKHAN-ANZALI", "RZD-1520"}
        assert "ANZALI" in [leg.to_id for leg in route.legs]
        assert hop_ids(route)[-1] in {"R-ANZALI-TEHRAN", "T-ANZALI-TEHRAN"}
        assert {"RU", "IR"} <= set(route.countries) <= {"RU", "IR"}


def test_aktau_feeder_to_anzali_lands_kazakh_cargo_on_the_iranian_railway(shipped_network: Network) -> None:
    no_round = Constraints(avoid_countries=frozenset({"TM"}), avoid_modes=frozenset({Mode.ROAD}))
    query = RouteQuery("AKTAU", "TEHRAN", READY, TWO_TEU, Objective.CHEAPEST, no_round, max_routes=1)
    route = only_route(shipped_network, query)
    assert services(route) == ["F-AKTAU-ANZALI", "RAI-1435"]
    assert route.transfers[0].node_id == "ANZALI"
    assert route.legs[1].gauge_mm == 1435


def test_atyrau_to_makhachkala_runs_on_one_broad_gauge_train(shipped_network: Network) -> None:
    query = RouteQuery("ATYRAU", "MAKHACHKALA", READY, TWO_TEU, Objective.FASTEST, max_routes=1)
    route = only_route(shipped_network, query)
    assert services(route) == ["RZD-1520"]
    assert hop_ids(route) == ["R-ATYRAU-AKSARAISKAYA", "R-AKSARAISKAYA-ASTRAKHAN", "R-ASTRAKHAN-MAKHACHKALA"]
    assert route.legs[0].gauge_mm == 1520
    (crossing,) = route.border_crossings
    assert crossing.to_id == "AKSARAISKAYA"
    # Internal EAEU border: a locomotive and crew change on the Russian side, no customs clearance.
    assert (crossing.entry_dwell_h, crossing.cost_usd) == (1.5, 0.0)


def test_novorossiysk_to_ankara_takes_the_samsun_ferry_then_turkish_rail(shipped_network: Network) -> None:
    query = RouteQuery("NOVOROSSIYSK", "ANKARA", READY, TWO_TEU, Objective.CHEAPEST, max_routes=1)
    route = only_route(shipped_network, query)
    assert route.legs[0].service_id == "F-NOVOROSSIYSK-SAMSUN"
    assert route.transfers[0].node_id == "SAMSUN"
    assert route.legs[1].mode in {Mode.RAIL, Mode.ROAD}
    assert route.countries == ("RU", "TR")


def test_varna_batumi_ro_pax_fare_is_directional(shipped_network: Network) -> None:
    # The Ukrferry tariff charges eastbound trucks almost twice the westbound rate (EUR 1,820 vs 970, B9).
    fares = {}
    for origin, destination in (("VARNA", "BATUMI"), ("BATUMI", "VARNA")):
        # Not through Türkiye by road, and the truck stays on (a feeder via Poti would need a transfer).
        by_sea = Constraints(avoid_countries=frozenset({"TR"}))
        query = RouteQuery(origin, destination, READY, TWO_TEU, Objective.FEWEST_TRANSFERS, by_sea, max_routes=1)
        route = only_route(shipped_network, query)
        assert services(route) == [f"F-{origin}-{destination}-T"]
        assert route.legs[0].load_unit is LoadUnit.TRUCK
        fares[origin] = route.legs[0].hops[0].freight_usd
    assert fares["VARNA"] > 1.8 * fares["BATUMI"] > 0


def test_odesa_feeder_to_constanta_and_rail_through_chornomorsk(shipped_network: Network) -> None:
    query = RouteQuery("ODESA", "CONSTANTA", READY, TWO_TEU, Objective.CHEAPEST, max_routes=1)
    route = only_route(shipped_network, query)
    assert hop_ids(route) == ["F-ODESA-CONSTANTA"]
    assert route.countries == ("UA", "RO")
    # Odesa is a spur of the Chornomorsk line: a broad-gauge train runs on towards Lviv without changing there.
    rail_only = Constraints(avoid_modes=frozenset({Mode.ROAD, Mode.FERRY, Mode.SEA, Mode.AIR}))
    query = RouteQuery("ODESA", "SLAWKOW", READY, TWO_TEU, Objective.FASTEST, rail_only, max_routes=1)
    route = only_route(shipped_network, query)
    assert hop_ids(route)[:2] == ["R-ODESA-CHORNOMORSK", "R-CHORNOMORSK-LVIV"]
    assert route.legs[0].service_id == "UZ-1520"
