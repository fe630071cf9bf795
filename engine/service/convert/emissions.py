"""The emissions breakdown (:class:`engine.routing.EmissionsReport`) as a protobuf ``EmissionsReport``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from corridor.v1 import types_pb2

from engine.network.model import Mode
from engine.routing import EmissionsReport, FactorUsed, HubEmission

FACTOR_CACHE_SIZE = 1024
"""Distinct emission factors kept as wire bytes per process (a network has a few dozen)."""
HUB_CACHE_SIZE = 4096
"""Distinct hub rows kept as wire bytes per process (~100 bytes each)."""


@lru_cache(maxsize=FACTOR_CACHE_SIZE)
def _factor_wire(factor: FactorUsed) -> bytes:
    """A row's ``factor`` (and its TTW intensity, when the class has one) as the wire bytes of a ``LegEmission``:
    the same few factors recur on every report, and merging their bytes is ~3× faster than building them."""
    row = types_pb2.LegEmission(
        factor=types_pb2.Co2eFactor(
            emission_class=factor.emission_class,
            description=factor.description,
            g_co2e_per_tkm_wtw=factor.g_co2e_per_tkm_wtw,
            sources=factor.source_keys,
            estimate=factor.estimate,
        )
    )
    if factor.g_co2e_per_tkm_ttw is not None:
        row.g_co2e_per_tkm_ttw = factor.g_co2e_per_tkm_ttw
    return row.SerializeToString()


def fill_emissions(
    message: types_pb2.EmissionsReport,
    report: EmissionsReport,
    mode_to_proto: Mapping[Mode, types_pb2.Mode.ValueType],
) -> None:
    """Fill ``message`` (a route's ``emissions``, built in place: upb copies a finished message field by field)
    with one route's emissions report; kg CO2e, g CO2e per tonne-km, km, t as in the library. ``mode_to_proto``
    is the service's one mode table (``convert.common``), passed in so that this module does not import it back."""
    message.method = report.method
    message.co2e_ttw_kg = report.co2e_ttw_kg
    message.co2e_wtw_kg = report.co2e_wtw_kg
    add = message.legs.add
    for leg in report.legs:
        add(
            leg_index=leg.leg_index,
            from_node=leg.from_id,
            to_node=leg.to_id,
            mode=mode_to_proto[leg.mode],
            distance_km=leg.distance_km,
            tonnes=leg.tonnes,
            co2e_ttw_kg=leg.co2e_ttw_kg,
            co2e_wtw_kg=leg.co2e_wtw_kg,
        ).MergeFromString(_factor_wire(leg.factor))
    if report.hubs:
        message.MergeFromString(b"".join([_hub_wire(hub) for hub in report.hubs]))


@lru_cache(maxsize=HUB_CACHE_SIZE)
def _hub_wire(hub: HubEmission) -> bytes:
    """One hub row as the wire bytes of an ``EmissionsReport`` (merged in order, rows keep their order): a hub's
    row depends on the node and the number of boxes lifted, so the same few recur."""
    row = types_pb2.HubEmission(
        node=hub.node_id,
        kind=hub.kind,
        containers=hub.containers,
        kg_co2e_per_container_wtw=hub.kg_co2e_per_container_wtw,
        sources=hub.source_keys,
        estimate=hub.estimate,
        co2e_wtw_kg=hub.co2e_wtw_kg,
    )
    return types_pb2.EmissionsReport(hubs=[row]).SerializeToString()
