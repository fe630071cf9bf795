"""Provenance of a route's figures (``engine.routing.provenance``) into the proto messages that carry them.

A route carries ~80 figures (source keys, estimate flag, sourced share), and the same few values come back again and
again: on the realistic China → Europe mix ~11,500 legs have ~1,800 distinct provenances, ~8,800 transfers 8 and
~17,000 border crossings 27. So each provenance value is encoded once, as the wire bytes of a message holding only
its fields (written by protobuf itself from a message built field by field), and merged into the next message that
carries it: one ``MergeFromString`` of ~300 bytes costs ~1.5 µs where copying ten figure messages in costs ~8 µs
(upb, protobuf 6). Parsing the bytes gives exactly the fields the copies gave, so the serialized answer is the same
byte for byte (``tests/service/test_convert_route.py`` compares it with the field-by-field construction).
"""

from __future__ import annotations

from functools import lru_cache

from corridor.v1 import types_pb2

from engine.routing import BorderProvenance, FigureProvenance, LegProvenance, RouteProvenance, TransferProvenance

FIGURE_CACHE_SIZE = 4096
"""Distinct figures kept as messages per process (for the provenance encodings below and their callers)."""
PROVENANCE_CACHE_SIZE = 4096
"""Distinct leg, transfer, border and route provenances kept as wire bytes per process, per cache (~300 bytes of
wire and ~2 kB of key for a leg: ~10 MB for the leg cache when full); the realistic mix has ~1,800 distinct legs'
and ~1,400 routes'."""


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


@lru_cache(maxsize=PROVENANCE_CACHE_SIZE)
def leg_provenance_wire(provenance: LegProvenance) -> bytes:
    """The leg's provenance fields (and its cost breakdown's) as the wire bytes of a ``Leg``, to merge into one."""
    message = types_pb2.Leg()
    _cost(message.cost, provenance)
    message.time_provenance.CopyFrom(figure_to_proto(provenance.time))
    message.wait_provenance.CopyFrom(figure_to_proto(provenance.wait))
    message.distance_provenance.CopyFrom(figure_to_proto(provenance.distance))
    message.co2e_provenance.CopyFrom(figure_to_proto(provenance.co2e))
    return message.SerializeToString()


@lru_cache(maxsize=PROVENANCE_CACHE_SIZE)
def route_provenance_wire(provenance: RouteProvenance) -> bytes:
    """The route's own provenance fields (and its cost breakdown's, and the network's as-of) as the wire bytes of
    a ``Route``; its transfers' and border crossings' are :func:`transfer_provenance_wire` and
    :func:`border_provenance_wire` (repeated messages cannot be merged into by position).

    Called with ``transfers`` and ``border_crossings`` emptied, so routes that differ only there share an entry."""
    message = types_pb2.Route()
    _cost(message.cost, provenance)
    message.time_provenance.CopyFrom(figure_to_proto(provenance.time))
    message.distance_provenance.CopyFrom(figure_to_proto(provenance.distance))
    message.co2e_provenance.CopyFrom(figure_to_proto(provenance.co2e))
    message.network_as_of = "" if provenance.network_as_of is None else provenance.network_as_of.isoformat()
    return message.SerializeToString()


@lru_cache(maxsize=PROVENANCE_CACHE_SIZE)
def transfer_provenance_wire(t: TransferProvenance) -> bytes:
    """A transfer's provenance fields as the wire bytes of a ``Transfer``."""
    message = types_pb2.Transfer()
    message.handling_time_provenance.CopyFrom(figure_to_proto(t.handling_time))
    message.handling_cost_provenance.CopyFrom(figure_to_proto(t.handling_cost))
    message.deconsolidation_time_provenance.CopyFrom(figure_to_proto(t.deconsolidation_time))
    message.deconsolidation_cost_provenance.CopyFrom(figure_to_proto(t.deconsolidation_cost))
    return message.SerializeToString()


@lru_cache(maxsize=PROVENANCE_CACHE_SIZE)
def border_provenance_wire(b: BorderProvenance) -> bytes:
    """A border crossing's provenance fields as the wire bytes of a ``BorderCrossing``."""
    message = types_pb2.BorderCrossing()
    message.exit_dwell_provenance.CopyFrom(figure_to_proto(b.exit_dwell))
    message.entry_dwell_provenance.CopyFrom(figure_to_proto(b.entry_dwell))
    message.cost_provenance.CopyFrom(figure_to_proto(b.cost))
    return message.SerializeToString()


def route_wire(provenance: RouteProvenance) -> bytes:
    """:func:`route_provenance_wire` of ``provenance`` (its transfers and border crossings left out of the key)."""
    return route_provenance_wire(provenance._replace(transfers=(), border_crossings=()))
