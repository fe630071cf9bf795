"""Provenance of a route's figures (``engine.routing.provenance``) into the proto messages that carry them."""

from __future__ import annotations

from functools import lru_cache

from corridor.v1 import types_pb2

from engine.routing import FigureProvenance, LegProvenance, RouteProvenance

FIGURE_CACHE_SIZE = 4096
"""Distinct figures kept as messages per process: a route carries ~80 figures, most of them repeated across legs
and routes (the same few source keys), and building a message costs ~1 µs where copying a cached one is ~0.2 µs."""


@lru_cache(maxsize=FIGURE_CACHE_SIZE)
def figure_to_proto(figure: FigureProvenance) -> types_pb2.FigureProvenance:
    """One figure's sources, estimate flag and sourced share (a shared message: copy it, never change it)."""
    return types_pb2.FigureProvenance(
        sources=figure.sources, estimate=figure.estimate, sourced_share=figure.sourced_share
    )


def _cost(message: types_pb2.CostBreakdown, p: LegProvenance | RouteProvenance) -> None:
    message.freight_provenance.CopyFrom(figure_to_proto(p.freight))
    message.handling_provenance.CopyFrom(figure_to_proto(p.handling))
    message.border_provenance.CopyFrom(figure_to_proto(p.border))
    message.deconsolidation_provenance.CopyFrom(figure_to_proto(p.deconsolidation))
    message.total_provenance.CopyFrom(figure_to_proto(p.cost))
    message.surcharge_provenance.CopyFrom(figure_to_proto(p.surcharge))


def add_leg_provenance(message: types_pb2.Leg, provenance: LegProvenance | None) -> None:
    """Fill the leg's provenance fields (and its cost breakdown's); nothing when the leg has none."""
    if provenance is None:
        return
    _cost(message.cost, provenance)
    message.time_provenance.CopyFrom(figure_to_proto(provenance.time))
    message.wait_provenance.CopyFrom(figure_to_proto(provenance.wait))
    message.distance_provenance.CopyFrom(figure_to_proto(provenance.distance))
    message.co2e_provenance.CopyFrom(figure_to_proto(provenance.co2e))


def add_route_provenance(message: types_pb2.Route, provenance: RouteProvenance | None) -> None:
    """Fill the route's provenance fields, its cost breakdown's, and its transfers' and border crossings' (the
    message's transfers and border_crossings must be in the route's order)."""
    if provenance is None:
        return
    _cost(message.cost, provenance)
    message.time_provenance.CopyFrom(figure_to_proto(provenance.time))
    message.distance_provenance.CopyFrom(figure_to_proto(provenance.distance))
    message.co2e_provenance.CopyFrom(figure_to_proto(provenance.co2e))
    message.network_as_of = "" if provenance.network_as_of is None else provenance.network_as_of.isoformat()
    for transfer, t in zip(message.transfers, provenance.transfers, strict=True):
        transfer.handling_time_provenance.CopyFrom(figure_to_proto(t.handling_time))
        transfer.handling_cost_provenance.CopyFrom(figure_to_proto(t.handling_cost))
        transfer.deconsolidation_time_provenance.CopyFrom(figure_to_proto(t.deconsolidation_time))
        transfer.deconsolidation_cost_provenance.CopyFrom(figure_to_proto(t.deconsolidation_cost))
    for border, b in zip(message.border_crossings, provenance.border_crossings, strict=True):
        border.exit_dwell_provenance.CopyFrom(figure_to_proto(b.exit_dwell))
        border.entry_dwell_provenance.CopyFrom(figure_to_proto(b.entry_dwell))
        border.cost_provenance.CopyFrom(figure_to_proto(b.cost))
