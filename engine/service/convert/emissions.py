"""The emissions breakdown (:class:`engine.routing.EmissionsReport`) as a protobuf ``EmissionsReport``."""

from __future__ import annotations

from collections.abc import Mapping

from corridor.v1 import types_pb2

from engine.network.model import Mode
from engine.routing import EmissionsReport


def emissions_to_proto(
    report: EmissionsReport, mode_to_proto: Mapping[Mode, types_pb2.Mode.ValueType]
) -> types_pb2.EmissionsReport:
    """One route's emissions report; kg CO2e, g CO2e per tonne-km, km, t as in the library. ``mode_to_proto`` is
    the service's one mode table (``convert.common``), passed in so that this module does not import it back."""
    message = types_pb2.EmissionsReport(
        method=report.method, co2e_ttw_kg=report.co2e_ttw_kg, co2e_wtw_kg=report.co2e_wtw_kg
    )
    for leg in report.legs:
        factor = leg.factor
        row = message.legs.add(
            leg_index=leg.leg_index,
            from_node=leg.from_id,
            to_node=leg.to_id,
            mode=mode_to_proto[leg.mode],
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
