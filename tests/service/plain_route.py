"""The route conversion as it was first written (field by field, a new message per figure): the reference the
fast paths of ``engine.service.convert`` must match byte for byte (``test_convert_route.py``)."""

from __future__ import annotations

from corridor.v1 import types_pb2

from engine.routing import CostBreakdown, EmissionsReport, FigureProvenance, Leg, LegProvenance, Route, RouteProvenance
from engine.service.convert.common import LOAD_UNITS, MODE_TO_PROTO, stamp


def _figure(figure: FigureProvenance) -> types_pb2.FigureProvenance:
    return types_pb2.FigureProvenance(
        sources=figure.sources, estimate=figure.estimate, sourced_share=figure.sourced_share
    )


def _cost(cost: CostBreakdown) -> types_pb2.CostBreakdown:
    return types_pb2.CostBreakdown(
        freight_usd=cost.freight_usd,
        handling_usd=cost.handling_usd,
        border_usd=cost.border_usd,
        deconsolidation_usd=cost.deconsolidation_usd,
        total_usd=cost.total_usd,
        surcharge_usd=cost.surcharge_usd,
        through_tariff_usd=cost.through_tariff_usd,
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
        co2e_ttw_kg=leg.co2e_ttw_kg,
    )
    message.through_tariff = leg.through_tariff or ""
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
    _add_leg_provenance(message, leg.provenance)
    return message


def plain_route(route: Route, include_hops: bool = False) -> types_pb2.Route:
    """The route message built field by field, every figure a new message."""
    message = types_pb2.Route(
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
        best_for=route.best_for,
        transfer_count=route.transfer_count,
        wait_h=route.wait_h,
        emissions=None if route.emissions is None else _emissions(route.emissions),
        arrival_p10=None if route.arrival_p10 is None else stamp(route.arrival_p10),
        arrival_p50=None if route.arrival_p50 is None else stamp(route.arrival_p50),
        arrival_p90=None if route.arrival_p90 is None else stamp(route.arrival_p90),
        on_time_probability=route.on_time_probability,
    )
    message.geometry.extend(types_pb2.LatLon(lat=lat, lon=lon) for lat, lon in route.geometry)
    _add_route_provenance(message, route.provenance)
    return message


def _provenance_cost(message: types_pb2.CostBreakdown, p: LegProvenance | RouteProvenance) -> None:
    message.freight_provenance.CopyFrom(_figure(p.freight))
    message.handling_provenance.CopyFrom(_figure(p.handling))
    message.border_provenance.CopyFrom(_figure(p.border))
    message.deconsolidation_provenance.CopyFrom(_figure(p.deconsolidation))
    message.total_provenance.CopyFrom(_figure(p.cost))
    message.surcharge_provenance.CopyFrom(_figure(p.surcharge))


def _add_leg_provenance(message: types_pb2.Leg, provenance: LegProvenance | None) -> None:
    """Fill the leg's provenance fields (and its cost breakdown's); nothing when the leg has none."""
    if provenance is None:
        return
    _provenance_cost(message.cost, provenance)
    message.time_provenance.CopyFrom(_figure(provenance.time))
    message.wait_provenance.CopyFrom(_figure(provenance.wait))
    message.distance_provenance.CopyFrom(_figure(provenance.distance))
    message.co2e_provenance.CopyFrom(_figure(provenance.co2e))


def _add_route_provenance(message: types_pb2.Route, provenance: RouteProvenance | None) -> None:
    """Fill the route's provenance fields, its cost breakdown's, and its transfers' and border crossings' (the
    message's transfers and border_crossings must be in the route's order)."""
    if provenance is None:
        return
    _provenance_cost(message.cost, provenance)
    message.time_provenance.CopyFrom(_figure(provenance.time))
    message.distance_provenance.CopyFrom(_figure(provenance.distance))
    message.co2e_provenance.CopyFrom(_figure(provenance.co2e))
    message.network_as_of = "" if provenance.network_as_of is None else provenance.network_as_of.isoformat()
    for transfer, t in zip(message.transfers, provenance.transfers, strict=True):
        transfer.handling_time_provenance.CopyFrom(_figure(t.handling_time))
        transfer.handling_cost_provenance.CopyFrom(_figure(t.handling_cost))
        transfer.deconsolidation_time_provenance.CopyFrom(_figure(t.deconsolidation_time))
        transfer.deconsolidation_cost_provenance.CopyFrom(_figure(t.deconsolidation_cost))
    for border, b in zip(message.border_crossings, provenance.border_crossings, strict=True):
        border.exit_dwell_provenance.CopyFrom(_figure(b.exit_dwell))
        border.entry_dwell_provenance.CopyFrom(_figure(b.entry_dwell))
        border.cost_provenance.CopyFrom(_figure(b.cost))


def _emissions(report: EmissionsReport) -> types_pb2.EmissionsReport:
    message = types_pb2.EmissionsReport(
        method=report.method, co2e_ttw_kg=report.co2e_ttw_kg, co2e_wtw_kg=report.co2e_wtw_kg
    )
    for leg in report.legs:
        factor = leg.factor
        row = message.legs.add(
            leg_index=leg.leg_index,
            from_node=leg.from_id,
            to_node=leg.to_id,
            mode=MODE_TO_PROTO[leg.mode],
            distance_km=leg.distance_km,
            tonnes=leg.tonnes,
            factor=types_pb2.Co2eFactor(
                emission_class=factor.emission_class,
                description=factor.description,
                g_co2e_per_tkm_wtw=factor.g_co2e_per_tkm_wtw,
                sources=factor.source_keys,
                estimate=factor.estimate,
            ),
            co2e_ttw_kg=leg.co2e_ttw_kg,
            co2e_wtw_kg=leg.co2e_wtw_kg,
        )
        if factor.g_co2e_per_tkm_ttw is not None:
            row.g_co2e_per_tkm_ttw = factor.g_co2e_per_tkm_ttw
    for hub in report.hubs:
        message.hubs.add(
            node=hub.node_id,
            kind=hub.kind,
            containers=hub.containers,
            kg_co2e_per_container_wtw=hub.kg_co2e_per_container_wtw,
            sources=hub.source_keys,
            estimate=hub.estimate,
            co2e_wtw_kg=hub.co2e_wtw_kg,
        )
    return message
