"""Routing: exact time-dependent multi-criteria routes with forwarder constraints.

This package's public face is what this module exports (queries, results, :func:`find_routes`, JSON/GeoJSON
export) plus :mod:`engine.routing.model` (the cost model, compiled arrays, bounds and the route builder, for the
optimizer). Other layers import nothing else from ``engine.routing``: the search and its labels are private.
"""

from engine.routing.api import find_routes
from engine.routing.emissions import (
    EmissionsReport,
    FactorUsed,
    HubEmission,
    LegEmission,
    emissions_text,
    emissions_to_dict,
)
from engine.routing.export import result_to_json, route_to_json, routes_to_geojson
from engine.routing.kernel import search_memory_budget_bytes
from engine.routing.kernel import warm_up as warm_up_kernel
from engine.routing.provenance import (
    BorderProvenance,
    FigureProvenance,
    LegProvenance,
    RouteProvenance,
    TransferProvenance,
)
from engine.routing.query import (
    MAX_ROUTES_LIMIT,
    Constraints,
    ContainerType,
    Objective,
    RouteQuery,
    Shipment,
    Weights,
    constraints_from,
)
from engine.routing.result import (
    BorderCrossing,
    Co2eFactor,
    CostBreakdown,
    Hop,
    Leg,
    Route,
    RouteResult,
    SearchStats,
    Transfer,
)

__all__ = [
    "MAX_ROUTES_LIMIT",
    "BorderCrossing",
    "BorderProvenance",
    "Co2eFactor",
    "Constraints",
    "ContainerType",
    "CostBreakdown",
    "EmissionsReport",
    "FactorUsed",
    "FigureProvenance",
    "Hop",
    "HubEmission",
    "Leg",
    "LegEmission",
    "LegProvenance",
    "Objective",
    "Route",
    "RouteProvenance",
    "RouteQuery",
    "RouteResult",
    "SearchStats",
    "Shipment",
    "Transfer",
    "TransferProvenance",
    "Weights",
    "constraints_from",
    "emissions_text",
    "emissions_to_dict",
    "find_routes",
    "result_to_json",
    "route_to_json",
    "routes_to_geojson",
    "search_memory_budget_bytes",
    "warm_up_kernel",
]
