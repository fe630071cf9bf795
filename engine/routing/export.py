"""Route results as plain JSON-able dicts and as GeoJSON (for the CLI, files and maps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.routing.emissions import emissions_to_dict
from engine.routing.provenance import BorderProvenance, FigureProvenance, LegProvenance, TransferProvenance
from engine.routing.result import Leg, Route, RouteResult


def _figure(figure: FigureProvenance) -> dict[str, Any]:
    return {"sources": list(figure.sources), "estimate": figure.estimate, "sourced_share": figure.sourced_share}


def _figures(record: LegProvenance | TransferProvenance | BorderProvenance | None) -> dict[str, Any] | None:
    """A provenance record (a named tuple of figures) as ``{figure: {sources, estimate, sourced_share}}``."""
    if record is None:
        return None
    return {name: _figure(value) for name, value in zip(record._fields, record, strict=True)}


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _leg(leg: Leg) -> dict[str, Any]:
    return {
        "from": leg.from_id,
        "to": leg.to_id,
        "through": list(leg.through_nodes),
        "mode": leg.mode.value,
        "operator": leg.operator,
        "service": leg.service_id,
        "load_unit": leg.load_unit.value,
        "gauge_mm": leg.gauge_mm,
        "depart": _time(leg.depart),
        "arrive": _time(leg.arrive),
        "wait_h": leg.wait_h,
        "distance_km": leg.distance_km,
        "cost_usd": leg.cost_usd,
        "cost": {
            "freight_usd": leg.cost.freight_usd,
            "handling_usd": leg.cost.handling_usd,
            "border_usd": leg.cost.border_usd,
            "deconsolidation_usd": leg.cost.deconsolidation_usd,
            "surcharge_usd": leg.cost.surcharge_usd,
            "through_tariff_usd": leg.cost.through_tariff_usd,
        },
        "through_tariff": leg.through_tariff,
        "surcharges": [
            {
                "id": s.surcharge_id,
                "kind": s.kind,
                "usd": s.usd,
                "unit": s.unit.value,
                "valid_from": s.valid_from.isoformat() if s.valid_from else None,
                "valid_to": s.valid_to.isoformat() if s.valid_to else None,
                "sources": list(s.source_keys),
            }
            for s in leg.surcharges
        ],
        "dated_price": None
        if leg.dated_price is None
        else {
            "as_of": leg.dated_price.as_of.isoformat(),
            "value": leg.dated_price.value,
            "unit": leg.dated_price.unit,
            "multiplier": round(leg.dated_price.multiplier, 6),
            "sources": list(leg.dated_price.source_keys),
        },
        "co2e_kg": leg.co2e_kg,
        "co2e_ttw_kg": leg.co2e_ttw_kg,
        "co2e_factors": [
            {
                "emission_class": f.emission_class,
                "description": f.description,
                "g_co2e_per_tkm_wtw": f.g_co2e_per_tkm_wtw,
                "sources": list(f.source_keys),
                "estimate": f.estimate,
            }
            for f in leg.co2e_factors
        ],
        "links": [h.link_id for h in leg.hops],
        "provenance": _figures(leg.provenance),
    }


def _route_provenance(route: Route) -> dict[str, Any] | None:
    p = route.provenance
    if p is None:
        return None
    figures = {name: _figure(getattr(p, name)) for name in p._fields if isinstance(getattr(p, name), FigureProvenance)}
    return {
        **figures,
        "cost_sourced_share": p.cost_sourced_share,
        "time_sourced_share": p.time_sourced_share,
        "network_as_of": None if p.network_as_of is None else p.network_as_of.isoformat(),
    }


def route_to_json(route: Route) -> dict[str, Any]:
    """One route as a JSON-able dict (times as ISO 8601 UTC, money USD, CO2e kg)."""
    return {
        "best_for": list(route.best_for),
        "cost_usd": route.cost_usd,
        "cost": {
            "freight_usd": route.cost.freight_usd,
            "handling_usd": route.cost.handling_usd,
            "border_usd": route.cost.border_usd,
            "deconsolidation_usd": route.cost.deconsolidation_usd,
            "surcharge_usd": route.cost.surcharge_usd,
            "through_tariff_usd": route.cost.through_tariff_usd,
        },
        "depart": _time(route.depart),
        "arrive": _time(route.arrive),
        "arrival_p10": None if route.arrival_p10 is None else _time(route.arrival_p10),
        "arrival_p50": None if route.arrival_p50 is None else _time(route.arrival_p50),
        "arrival_p90": None if route.arrival_p90 is None else _time(route.arrival_p90),
        "on_time_probability": route.on_time_probability,
        "duration_h": route.duration_h,
        "wait_h": route.wait_h,
        "transfers": [
            {
                "node": t.node_id,
                "from_service": t.from_service,
                "to_service": t.to_service,
                "handling_h": t.handling_h,
                "handling_usd": t.handling_usd,
                "gauge_break": t.gauge_break,
                "deconsolidation": t.deconsolidation,
                **({} if route.provenance is None else {"provenance": _figures(route.provenance.transfers[n])}),
            }
            for n, t in enumerate(route.transfers)
        ],
        "border_crossings": [
            {
                "link": b.link_id,
                "from": b.from_id,
                "to": b.to_id,
                "from_country": b.from_country,
                "to_country": b.to_country,
                "dwell_h": round(b.exit_dwell_h + b.entry_dwell_h, 2),
                "cost_usd": b.cost_usd,
                **({} if route.provenance is None else {"provenance": _figures(route.provenance.border_crossings[n])}),
            }
            for n, b in enumerate(route.border_crossings)
        ],
        "countries": list(route.countries),
        "co2e_kg": route.co2e_kg,
        "distance_km": route.distance_km,
        "legs": [_leg(leg) for leg in route.legs],
        "geometry": [list(point) for point in route.geometry],
        "emissions": None if route.emissions is None else emissions_to_dict(route.emissions),
        "provenance": _route_provenance(route),
    }


def result_to_json(result: RouteResult) -> dict[str, Any]:
    """A whole result as a JSON-able dict."""
    return {
        "network": result.network,
        "origin": result.query.origin,
        "destination": result.query.destination,
        "objective": result.objective.value,
        "shipment": {
            "teu": result.query.shipment.teu,
            "gross_weight_kg": result.query.shipment.gross_weight_kg,
            "cargo_class": result.query.shipment.cargo_class.value,
            "containers": [{"type": kind.value, "count": n} for kind, n in result.query.shipment.boxes],
        },
        "pareto_size": result.pareto_size,
        "pareto_tolerance": result.pareto_tolerance,
        "explanation": result.explanation,
        "routes": [route_to_json(r) for r in result.routes],
    }


def routes_to_geojson(result: RouteResult) -> dict[str, Any]:
    """The routes as an RFC 7946 FeatureCollection of LineStrings ([lon, lat]); ``network`` (a foreign member)
    is the snapshot's label, naming any scenarios applied and the content hash."""
    return {
        "type": "FeatureCollection",
        "network": result.network,
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in route.geometry]},
                "properties": {
                    "rank": n,
                    "best_for": list(route.best_for),
                    "cost_usd": route.cost_usd,
                    "duration_h": route.duration_h,
                    "transfers": route.transfer_count,
                    "co2e_kg": route.co2e_kg,
                    "countries": list(route.countries),
                },
            }
            for n, route in enumerate(result.routes, 1)
        ],
    }
