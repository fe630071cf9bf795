"""Routing: exact time-dependent multi-criteria routes with forwarder constraints."""

from engine.routing.api import find_routes
from engine.routing.query import Constraints, Objective, RouteQuery, Shipment, Weights, constraints_from
from engine.routing.result import BorderCrossing, CostBreakdown, Hop, Leg, Route, RouteResult, Transfer

__all__ = [
    "BorderCrossing",
    "Constraints",
    "CostBreakdown",
    "Hop",
    "Leg",
    "Objective",
    "Route",
    "RouteQuery",
    "RouteResult",
    "Shipment",
    "Transfer",
    "Weights",
    "constraints_from",
    "find_routes",
]
