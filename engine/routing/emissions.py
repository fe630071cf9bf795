"""The emissions breakdown a shipper files: per leg and per hub, tank-to-wheel and well-to-wheel (ISO 14083).

Method (ISO 14083:2023, GLEC Framework v3): a leg's emissions are distance (km) × mass (t) × intensity (g CO2e per
tonne-km) of its vehicle class, well-to-wheel (WTW = TTW + WTT, the fuel or electricity chain included) and
tank-to-wheel (TTW, what the vehicle burns; 0 for electric traction). Hub operations add the node's factor per
container handled at each transfer with a lift (well-to-wheel only: the site energy is not split).

The report is built from the steps the search took (:class:`engine.routing.costing.Step`), which carry integer
grams, so the rows sum exactly to the totals: Σ legs WTW + Σ hubs = route WTW (the search's CO2e criterion), and
Σ legs TTW = route TTW ≤ WTW. A leg that changes emission class on the way (an electric train crossing grids) has
one row per class, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.network.model import Mode, Network
from engine.network.views import LazyRows
from engine.routing.compiled import CompiledNetwork, hub_factor
from engine.routing.costing import Step

METHOD = (
    "ISO 14083:2023 / GLEC Framework v3: per leg distance × mass × intensity (g CO2e per tonne-km); "
    "WTW = TTW + WTT; hub operations per container handled (WTW)"
)


class FactorUsed(NamedTuple):
    """An emission class as applied: intensities in g CO2e per tonne-km and where they come from."""

    emission_class: str
    description: str
    g_co2e_per_tkm_ttw: float | None
    g_co2e_per_tkm_wtw: float
    source_keys: tuple[str, ...]
    estimate: bool


class LegEmission(NamedTuple):
    """Emissions of one leg (or of the part of it run under one emission class)."""

    leg_index: int
    from_id: str
    to_id: str
    mode: Mode
    distance_km: float
    tonnes: float
    factor: FactorUsed
    co2e_ttw_kg: float
    co2e_wtw_kg: float


class HubEmission(NamedTuple):
    """Emissions of handling the containers at one transfer with a lift."""

    node_id: str
    kind: str
    containers: int
    kg_co2e_per_container_wtw: float
    source_keys: tuple[str, ...]
    estimate: bool
    co2e_wtw_kg: float


@dataclass(frozen=True)
class EmissionsReport:
    """A route's emissions by leg and hub, with totals in grams (exact) and kilograms."""

    method: str
    legs: tuple[LegEmission, ...]
    hubs: tuple[HubEmission, ...]
    co2e_ttw_g: int
    co2e_wtw_g: int

    @property
    def co2e_ttw_kg(self) -> float:
        """Tank-to-wheel total (kg CO2e)."""
        return self.co2e_ttw_g / 1000

    @property
    def co2e_wtw_kg(self) -> float:
        """Well-to-wheel total including hubs (kg CO2e); equals the route's ``co2e_kg``."""
        return self.co2e_wtw_g / 1000


def _keys(provenance_keys: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    keys = tuple(dict.fromkeys(provenance_keys))
    return keys, "ESTIMATE" in keys or not keys


def _factors(network: Network) -> dict[str, FactorUsed]:
    def build() -> dict[str, FactorUsed]:
        used = {}
        for f in network.emission_factors.values():
            keys, estimate = _keys(
                (*f.provenance.keys_for("g_co2e_per_tkm_wtw"), *f.provenance.keys_for("g_co2e_per_tkm_ttw"))
            )
            used[f.id] = FactorUsed(f.id, f.description, f.g_co2e_per_tkm_ttw, f.g_co2e_per_tkm_wtw, keys, estimate)
        return used

    return network.views.get(("routing.emission_factors_used",), build)


def emissions_report(
    network: Network, compiled: CompiledNetwork, containers: int, tonnes: float, steps: Sequence[Step]
) -> EmissionsReport:
    """The breakdown of ``steps`` (a route from its origin, as the search took it).

    Parameters
    ----------
    network, compiled
        The snapshot and its solver arrays.
    containers, tonnes
        The shipment: boxes lifted at each hub (``Shipment.boxes``; 0 = loose cargo) and mass (t).
    steps
        The route's steps, in order.

    Returns
    -------
    EmissionsReport
        Legs and hubs whose grams sum exactly to the totals.
    """
    factors = _factors(network)
    rows = _link_rows(network, compiled)
    hub_rows = _hub_rows(network, compiled)
    legs: list[LegEmission] = []
    hubs: list[HubEmission] = []
    leg_index = -1
    previous_service = -1
    ttw_total = wtw_total = 0
    # One open row: (leg index, from, to, mode, km, class, ttw g, wtw g)
    row: list[Any] | None = None

    def close() -> None:
        if row is not None:
            index, start, end, mode, km, cls, ttw, wtw = row
            legs.append(
                LegEmission(index, start, end, mode, round(km, 1), tonnes, factors[cls], ttw / 1000, wtw / 1000)
            )

    for step in steps:
        link = rows[step.link]
        service = compiled.link_service[step.link]
        new_leg = service != previous_service
        if new_leg:
            leg_index += 1
            previous_service = service
        if step.hub_co2e_g:
            node_id, kind, kg_per_container, keys, estimate = hub_rows[compiled.link_from[step.link]]
            hubs.append(
                HubEmission(node_id, kind, containers, kg_per_container, keys, estimate, step.hub_co2e_g / 1000)
            )
        link_wtw = step.co2e_g - step.hub_co2e_g
        ttw_total += step.co2e_ttw_g
        wtw_total += step.co2e_g
        if row is None or new_leg or row[5] != link.emission_class:
            close()
            row = [leg_index, link.from_id, link.to_id, link.mode, 0.0, link.emission_class, 0, 0]
        row[2] = link.to_id
        row[4] += link.distance_km
        row[6] += step.co2e_ttw_g
        row[7] += link_wtw
    close()
    return EmissionsReport(METHOD, tuple(legs), tuple(hubs), ttw_total, wtw_total)


class _LinkRow(NamedTuple):
    """What the report reads of a link (resolved once per snapshot, row by row, like the route builder's facts)."""

    from_id: str
    to_id: str
    mode: Mode
    distance_km: float
    emission_class: str


def _link_rows(network: Network, compiled: CompiledNetwork) -> LazyRows[_LinkRow]:
    def row(index: int) -> _LinkRow:
        link = network.links[compiled.link_ids[index]]
        return _LinkRow(link.from_id, link.to_id, link.mode, link.distance_km, link.emission_class)

    key = ("routing.emission_links", len(compiled.link_ids))  # with or without through products
    return network.views.get(key, lambda: LazyRows(len(compiled.link_ids), row))


def _hub_rows(network: Network, compiled: CompiledNetwork) -> LazyRows[tuple[str, str, float, tuple[str, ...], bool]]:
    """Per node index, the hub factor a transfer there is charged: node, kind, kg per container, keys, estimate."""

    def row(index: int) -> tuple[str, str, float, tuple[str, ...], bool]:
        node = network.nodes[compiled.node_ids[index]]
        factor = hub_factor(network, node)
        assert factor is not None  # hub grams come only from a node with a factor
        keys, estimate = _keys(factor.provenance.keys_for("kg_co2e_per_container_wtw"))
        return node.id, factor.kind.value, factor.kg_co2e_per_container_wtw, keys, estimate

    key = ("routing.emission_hubs", len(compiled.node_ids))
    return network.views.get(key, lambda: LazyRows(len(compiled.node_ids), row))


def emissions_to_dict(report: EmissionsReport) -> dict[str, Any]:
    """The report as JSON-ready values (kg, g/t-km, km, t)."""
    return {
        "method": report.method,
        "co2e_ttw_kg": report.co2e_ttw_kg,
        "co2e_wtw_kg": report.co2e_wtw_kg,
        "legs": [
            {
                "leg_index": leg.leg_index,
                "from": leg.from_id,
                "to": leg.to_id,
                "mode": leg.mode.value,
                "distance_km": leg.distance_km,
                "tonnes": leg.tonnes,
                "emission_class": leg.factor.emission_class,
                "description": leg.factor.description,
                "g_co2e_per_tkm_ttw": leg.factor.g_co2e_per_tkm_ttw,
                "g_co2e_per_tkm_wtw": leg.factor.g_co2e_per_tkm_wtw,
                "sources": list(leg.factor.source_keys),
                "estimate": leg.factor.estimate,
                "co2e_ttw_kg": leg.co2e_ttw_kg,
                "co2e_wtw_kg": leg.co2e_wtw_kg,
            }
            for leg in report.legs
        ],
        "hubs": [
            {
                "node": hub.node_id,
                "kind": hub.kind,
                "containers": hub.containers,
                "kg_co2e_per_container_wtw": hub.kg_co2e_per_container_wtw,
                "sources": list(hub.source_keys),
                "estimate": hub.estimate,
                "co2e_wtw_kg": hub.co2e_wtw_kg,
            }
            for hub in report.hubs
        ],
    }


def emissions_text(report: EmissionsReport) -> str:
    """The report as the plain text a shipper files (``corridor route … --emissions-report``)."""
    lines = [f"Emissions report — {report.method}", ""]
    lines.append(
        f"{'leg':>3}  {'from':<14} {'to':<14} {'mode':<5} {'km':>8} {'t':>6}  {'class':<22} "
        f"{'TTW g/tkm':>9} {'WTW g/tkm':>9} {'TTW kg':>10} {'WTW kg':>10}  sources"
    )
    for leg in report.legs:
        f = leg.factor
        ttw_factor = "n/a" if f.g_co2e_per_tkm_ttw is None else f"{f.g_co2e_per_tkm_ttw:g}"
        mark = " *" if f.estimate else ""
        lines.append(
            f"{leg.leg_index + 1:>3}  {leg.from_id:<14} {leg.to_id:<14} {leg.mode.value:<5} {leg.distance_km:>8,.1f} "
            f"{leg.tonnes:>6g}  {f.emission_class:<22} {ttw_factor:>9} {f.g_co2e_per_tkm_wtw:>9g} "
            f"{leg.co2e_ttw_kg:>10,.1f} {leg.co2e_wtw_kg:>10,.1f}  {'|'.join(f.source_keys)}{mark}"
        )
    if report.hubs:
        lines += ["", f"{'hub':<14} {'kind':<15} {'containers':>10} {'kg/container':>12} {'WTW kg':>10}  sources"]
        for hub in report.hubs:
            mark = " *" if hub.estimate else ""
            lines.append(
                f"{hub.node_id:<14} {hub.kind:<15} {hub.containers:>10} {hub.kg_co2e_per_container_wtw:>12g} "
                f"{hub.co2e_wtw_kg:>10,.1f}  {'|'.join(hub.source_keys)}{mark}"
            )
    hub_kg = sum(h.co2e_wtw_kg for h in report.hubs)
    lines += [
        "",
        f"Total tank-to-wheel {report.co2e_ttw_kg:,.1f} kg CO2e (legs; hub energy is not split into TTW)",
        f"Total well-to-wheel {report.co2e_wtw_kg:,.1f} kg CO2e (legs {report.co2e_wtw_kg - hub_kg:,.1f} + "
        f"hubs {hub_kg:,.1f})",
        "WTW = TTW + WTT (well-to-tank: producing and delivering the fuel or electricity). * = estimate.",
    ]
    return "\n".join(lines)
