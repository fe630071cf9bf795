"""``assert_valid_route``: recompute a route's times, costs and CO2e from its legs, independently of the search."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from engine.network.model import CargoClass, FeeUnit, LoadUnit, Mode, Network, ServiceKind
from engine.routing.query import ContainerType, RouteQuery
from engine.routing.result import Route

EPS = 0.011  # one cent of rounding per component


def _scheduled(network: Network, service_id: str, depart: datetime) -> bool:
    service = network.services[service_id]
    minute_of_week = depart.weekday() * 1440 + depart.hour * 60 + depart.minute
    if service.kind is ServiceKind.CONTINUOUS:
        return True
    if service.kind is ServiceKind.WEEKLY:
        return minute_of_week in service.weekly_departures_min
    assert service.headway_h is not None
    monday = datetime(2026, 11, 30, tzinfo=depart.tzinfo)  # any Monday 00:00 UTC
    offset = (depart - monday).total_seconds() / 60 - service.headway_anchor_min
    return math.isclose(offset / round(service.headway_h * 60), round(offset / round(service.headway_h * 60)))


def _fare_multiplier(network: Network, service_id: str, query: RouteQuery) -> float:
    """The dated rate-series factor of a service for the query's ready date (1 without a series)."""
    points = network.rate_series.get(service_id)
    if not points:
        return 1.0
    day = query.ready_utc.date()
    on_or_before = [p for p in points if p.as_of <= day]
    point = on_or_before[-1] if on_or_before else points[0]
    return point.value / next(p.value for p in points if p.base)


def _fee_units(unit: FeeUnit | None, teu: int, twenty: int, forty: int) -> float:
    if unit is None or unit is FeeUnit.TEU:
        return teu
    if unit is FeeUnit.CONTAINER:
        return twenty + forty
    if unit is FeeUnit.WAGON:
        return forty + math.ceil(twenty / 2)
    return 1


def assert_valid_route(network: Network, route: Route, query: RouteQuery) -> None:
    """Raise AssertionError unless ``route`` is a feasible answer to ``query`` with consistent numbers."""
    shipment, c = query.shipment, query.constraints
    twenty = sum(n for kind, n in shipment.boxes if kind is ContainerType.DRY_20)
    forty = sum(n for kind, n in shipment.boxes if kind is not ContainerType.DRY_20)
    through = {t.id: t for t in network.through_tariffs}
    through_freight: dict[str, float] = {}
    assert route.legs[0].from_id == query.origin
    assert route.legs[-1].to_id == query.destination
    previous_arrive = route.ready
    loose = shipment.is_loose
    freight = handling = border = decons = co2e = 0.0
    visited = [query.origin]
    for n, leg in enumerate(route.legs):
        if n:
            assert leg.from_id == route.legs[n - 1].to_id
        node = network.nodes[leg.from_id]
        hub_kg = 0.0
        if n:
            assert node.handling_h is not None, f"transfer at {node.id}, which has no handling"
            if route.transfers[n - 1].lift and not loose:  # containers lifted: the node's hub factor per container
                hub = next((f for k, f in network.hub_emission_factors.items() if k in node.kinds), None)
                containers = shipment.container_count  # boxes of any size
                hub_kg = 0.0 if hub is None else hub.kg_co2e_per_container_wtw * containers
        if leg.mode is Mode.AIR:
            assert shipment.cargo_class is not CargoClass.HAZMAT, "hazmat never flies"
            if not loose:
                assert c.allow_deconsolidation
                assert node.deconsolidation_h is not None
                decons += (node.deconsolidation_usd_per_teu or 0) * shipment.teu
                loose = True
        if loose:
            assert leg.load_unit in (LoadUnit.TRUCK, LoadUnit.AIRCRAFT)
        handling += leg.cost.handling_usd
        t = leg.hops[0].depart
        leg_ttw = 0.0
        assert t >= previous_arrive + timedelta(hours=(node.handling_h or 0) if n else 0) - timedelta(minutes=1)
        for k, hop in enumerate(leg.hops):
            link = network.links[hop.link_id]
            assert (link.from_id, link.to_id, link.service_id) == (hop.from_id, hop.to_id, leg.service_id)
            assert link.mode not in c.avoid_modes
            assert shipment.cargo_class not in link.refused_cargo
            src, dst = network.nodes[link.from_id], network.nodes[link.to_id]
            crosses = src.country != dst.country
            exit_h = (src.border_exit_h or 0) if crosses else 0
            entry_h = (dst.border_entry_h or 0) if crosses else 0
            if k:
                assert hop.depart == leg.hops[k - 1].arrive + timedelta(minutes=round(exit_h * 60))
            else:
                assert _scheduled(network, leg.service_id, hop.depart), (
                    f"{hop.depart} is not a departure of {leg.service_id}"
                )
            assert hop.arrive == hop.depart + timedelta(minutes=max(1, round(link.run_h * 60)) + round(entry_h * 60))
            multiplier = _fare_multiplier(network, link.service_id, query)
            if leg.through_tariff is not None:  # priced as a share of the through rate, checked per product below
                expected = hop.freight_usd
                through_freight[leg.through_tariff] = through_freight.get(leg.through_tariff, 0.0) + expected
            elif link.usd_per_kg is not None:
                expected = link.usd_per_kg * shipment.gross_weight_kg * multiplier
            elif link.usd_per_truck is not None:
                assert link.teu_per_truck is not None
                trucks = (
                    math.ceil(shipment.gross_weight_kg / 24000)
                    if loose
                    else math.ceil(shipment.teu / link.teu_per_truck)
                )
                expected = link.usd_per_truck * trucks * multiplier
            else:
                assert link.usd_per_teu is not None
                feu_factor = network.services[link.service_id].feu_factor or 2.0
                expected = link.usd_per_teu * (twenty + feu_factor * forty) * multiplier
            assert abs(hop.freight_usd - expected) < EPS
            freight += expected
            if not crosses or leg.through_tariff is not None:  # a through rate is all-in
                expected_border = 0.0
            elif loose:
                expected_border = (src.border_exit_usd_per_teu or 0) + (dst.border_entry_usd_per_teu or 0)
            else:
                expected_border = (src.border_exit_usd_per_teu or 0) * _fee_units(
                    src.border_unit, shipment.teu, twenty, forty
                ) + (dst.border_entry_usd_per_teu or 0) * _fee_units(dst.border_unit, shipment.teu, twenty, forty)
            assert abs(hop.border_usd - expected_border) < EPS
            border += expected_border
            factor = network.emission_factors[link.emission_class].g_co2e_per_tkm_wtw
            expected_co2e = factor * shipment.gross_weight_kg / 1000 * link.distance_km / 1000 + (0 if k else hub_kg)
            assert abs(hop.co2e_kg - expected_co2e) < 0.002
            co2e += expected_co2e
            ttw = network.emission_factors[link.emission_class].g_co2e_per_tkm_ttw or 0.0
            leg_ttw += ttw * shipment.gross_weight_kg / 1000 * link.distance_km / 1000
            visited.append(link.to_id)
        assert abs(leg.co2e_ttw_kg - leg_ttw) < 0.002 * len(leg.hops)
        previous_arrive = leg.arrive
    for tariff_id, charged in through_freight.items():
        tariff = through[tariff_id]
        assert abs(charged - (twenty * (tariff.usd_20ft or 0) + forty * (tariff.usd_40ft or 0))) < EPS
    assert route.arrive == previous_arrive
    assert_emissions_add_up(route)
    assert abs(route.cost.freight_usd - freight) < EPS * len(route.legs) * 4
    assert abs(route.cost.border_usd - border) < EPS * len(route.legs) * 4
    assert abs(route.cost.deconsolidation_usd - decons) < EPS * 2
    assert abs(route.cost.handling_usd - handling) < EPS * 2
    assert abs(route.co2e_kg - co2e) < 0.01 * len(route.legs)
    assert route.transfer_count == len(route.legs) - 1
    for node_id in visited:
        node = network.nodes[node_id]
        assert node.id not in c.avoid_nodes
        assert node.territory not in c.avoid_countries  # sea passages are in no territory
    positions = [visited.index(v) for v in c.via]
    assert positions == sorted(positions), "via nodes in order"
    if c.max_transfers is not None:
        assert route.transfer_count <= c.max_transfers
    if c.arrive_by is not None:
        assert route.arrive <= c.arrive_by
    if c.max_cost_usd is not None:
        assert route.cost_usd <= c.max_cost_usd + EPS
    if c.max_co2e_kg is not None:
        assert route.co2e_kg <= c.max_co2e_kg + 0.001


def assert_emissions_add_up(route: Route) -> None:
    """The emissions report's rows sum to its totals and to the route's CO2e: legs + hubs = WTW, TTW ≤ WTW."""
    report = route.emissions
    assert report is not None
    assert report.co2e_wtw_g == route.criteria[3]
    assert report.co2e_wtw_kg == route.co2e_kg
    legs_wtw = sum(leg.co2e_wtw_kg for leg in report.legs)
    hubs_wtw = sum(hub.co2e_wtw_kg for hub in report.hubs)
    assert abs(legs_wtw + hubs_wtw - report.co2e_wtw_kg) < 1e-6
    assert abs(sum(leg.co2e_ttw_kg for leg in report.legs) - report.co2e_ttw_kg) < 1e-6
    assert abs(sum(leg.co2e_ttw_kg for leg in route.legs) - report.co2e_ttw_kg) < 1e-6
    assert report.co2e_ttw_kg <= report.co2e_wtw_kg
    assert abs(sum(row.distance_km for row in report.legs) - route.distance_km) < 0.1 * len(report.legs) + 1e-6
    for row in report.legs:
        assert row.co2e_ttw_kg <= row.co2e_wtw_kg + 1e-9
        assert 0 <= row.leg_index < len(route.legs)
