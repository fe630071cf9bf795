"""A network compiled for searching: node and link ids become list indexes, units become minutes and cents.

Compiled once per snapshot and kept with it, in the snapshot's view cache (:mod:`engine.network.views`), like every
other view routing derives (usable nodes and link rules per filter, freight per TEU count, bounds per destination,
link facts for the route builder); scenario copies compile separately. Never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.network.model import CargoClass, FeeUnit, HubEmissionFactor, LoadUnit, Mode, Network, Node
from engine.routing.timetable import Departures

MODES = tuple(Mode)
VESSEL_MODES = frozenset({Mode.FERRY, Mode.SEA})
"""Modes whose boarding at a port waits in the port's queue (``port_queue_h``): ferries, feeders and liners."""
LOAD_UNITS = tuple(LoadUnit)


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Flat lists indexed by node or link number. Minutes (``_min``) and cents (``_cents``) are integers."""

    network: Network
    node_ids: tuple[str, ...]
    node_index: dict[str, int]
    country: tuple[str, ...]
    allows_transfer: tuple[bool, ...]
    handling_min: tuple[int, ...]
    port_queue_min: tuple[int, ...]  # P50 queue for a vessel slot: added to a transfer onto a VESSEL_MODES link
    handling_usd_per_teu: tuple[float, ...]
    handling_usd_per_kg: tuple[float | None, ...]
    decons_min: tuple[int | None, ...]
    decons_usd_per_teu: tuple[float, ...]
    reefer_ok: tuple[bool, ...]
    # links
    link_ids: tuple[str, ...]
    link_from: tuple[int, ...]
    link_to: tuple[int, ...]
    link_mode: tuple[Mode, ...]
    link_service: tuple[int, ...]
    link_vehicle: tuple[int, ...]
    link_load_unit: tuple[LoadUnit, ...]
    link_run_min: tuple[int, ...]
    link_distance_km: tuple[float, ...]
    link_border_exit_min: tuple[int, ...]
    link_border_entry_min: tuple[int, ...]
    link_border_usd_per_teu: tuple[float, ...]
    link_g_per_tkm: tuple[float, ...]
    out_links: tuple[tuple[int, ...], ...]
    in_links: tuple[tuple[int, ...], ...]
    # services
    service_ids: tuple[str, ...]
    departures: tuple[Departures, ...]
    service_vehicle: tuple[int, ...]
    vehicle_kinds: tuple[tuple[LoadUnit, int | None], ...]
    # static tariffs and rules per link
    link_usd_per_teu: tuple[float, ...]
    link_usd_per_kg: tuple[float | None, ...]
    link_usd_per_truck: tuple[float | None, ...]
    link_teu_per_truck: tuple[float, ...]
    link_refused: tuple[frozenset[CargoClass], ...]
    link_operators: tuple[frozenset[str], ...]
    link_max_gross_kg_per_teu: tuple[float | None, ...]
    link_capacity_teu: tuple[float | None, ...]
    link_capacity_kg: tuple[float | None, ...]
    nodes_by_country: dict[str, tuple[int, ...]]
    link_g_per_tonne: tuple[float, ...]
    smallest_capacity_teu: float
    smallest_capacity_kg: float
    smallest_max_gross_kg_per_teu: float
    link_g_per_tonne_ttw: tuple[float, ...]
    """Tank-to-wheel grams of CO2e per tonne carried over the whole link (``link_g_per_tonne`` is well-to-wheel)."""
    hub_g_per_container: tuple[float, ...]
    """Per node: well-to-wheel grams of CO2e per container lifted there at a transfer (0: no hub factor)."""
    # tariff units (engine.routing.pricing): appended so the arrays above keep their meaning
    handling_unit: tuple[FeeUnit, ...] = ()
    link_border_fees: tuple[tuple[tuple[float, FeeUnit], ...], ...] = ()
    """Per link crossing a border: (USD, unit) of the exit fee of its start and the entry fee of its end node."""
    link_feu_factor: tuple[float, ...] = ()
    """Per link: its service's 40ft ÷ 20ft price ratio on per-TEU tariffs (2.0 = charged per TEU)."""
    # through products (engine.routing.through): empty or all -1 / False without through tariffs
    through_ids: tuple[str, ...] = ()
    link_through: tuple[int, ...] = ()
    """Per link: index of the through product it belongs to, -1 for an ordinary link."""
    link_through_pos: tuple[int, ...] = ()
    """Per link: position in its product's path (0 = boarding link), -1 for an ordinary link."""
    link_through_last: tuple[bool, ...] = ()
    link_through_change: tuple[bool, ...] = ()
    """Per product link after the first: the underlying vehicle changes before it (an internal transfer)."""
    link_through_lift: tuple[bool, ...] = ()
    link_timetable: tuple[int, ...] = ()
    """Per link: the service whose departures it waits for (a product link: its underlying service)."""
    service_through_end: tuple[int, ...] = ()
    """Per service: the end node of a through product, -1 for an ordinary service."""

    def usable_nodes(self, avoid_countries: frozenset[str], avoid_nodes: frozenset[str]) -> tuple[bool, ...]:
        """Per node index: not avoided by country or id (a view of the snapshot, per filter)."""
        return self.network.views.get(
            ("routing.usable_nodes", avoid_countries, avoid_nodes),
            lambda: self._usable_nodes(avoid_countries, avoid_nodes),
        )

    def _usable_nodes(self, avoid_countries: frozenset[str], avoid_nodes: frozenset[str]) -> tuple[bool, ...]:
        usable = [True] * len(self.node_ids)
        for country in avoid_countries:
            for i in self.nodes_by_country.get(country, ()):
                usable[i] = False
        for node_id in avoid_nodes:
            usable[self.node_index[node_id]] = False
        return tuple(usable)


_COMPILED = ("routing.compiled",)


def compile_network(network: Network) -> CompiledNetwork:
    """The solver arrays of ``network``: compiled on first use, then kept in ``network.views``."""
    return network.views.get(_COMPILED, lambda: _compile(network), pin=True)


def hub_factor(network: Network, node: Node) -> HubEmissionFactor | None:
    """The hub emission factor of ``node``: the first kind of ``hub_emission_factors.csv`` (file order) it has."""
    return next((f for kind, f in network.hub_emission_factors.items() if kind in node.kinds), None)


def _hub_kg(network: Network, node: Node) -> float:
    factor = hub_factor(network, node)
    return 0.0 if factor is None else factor.kg_co2e_per_container_wtw


def _minutes(hours: float | None) -> int:
    return 0 if hours is None else round(hours * 60)


def _compile(network: Network) -> CompiledNetwork:
    nodes = list(network.nodes.values())
    node_index = {node.id: i for i, node in enumerate(nodes)}
    links = [network.links[k] for k in sorted(network.links)]
    service_ids = tuple(sorted(network.services))
    service_index = {s: i for i, s in enumerate(service_ids)}
    vehicles: dict[tuple[LoadUnit, int | None], int] = {}
    for link in links:
        vehicles.setdefault(link.vehicle, len(vehicles))

    service_vehicle: dict[int, int] = {}
    for link in links:  # one vehicle per service (validated at load)
        service_vehicle.setdefault(service_index[link.service_id], vehicles[link.vehicle])

    out_links: list[list[int]] = [[] for _ in nodes]
    in_links: list[list[int]] = [[] for _ in nodes]
    for i, link in enumerate(links):
        out_links[node_index[link.from_id]].append(i)
        in_links[node_index[link.to_id]].append(i)

    def crosses(link_from: str, link_to: str) -> bool:
        return network.nodes[link_from].country != network.nodes[link_to].country

    return CompiledNetwork(
        network=network,
        node_ids=tuple(n.id for n in nodes),
        node_index=node_index,
        country=tuple(n.country for n in nodes),
        allows_transfer=tuple(n.allows_transfer for n in nodes),
        handling_min=tuple(_minutes(n.handling_h) for n in nodes),
        port_queue_min=tuple(_minutes(n.port_queue_h) for n in nodes),
        handling_usd_per_teu=tuple(n.handling_usd_per_teu or 0.0 for n in nodes),
        handling_usd_per_kg=tuple(n.handling_usd_per_kg for n in nodes),
        decons_min=tuple(None if n.deconsolidation_h is None else _minutes(n.deconsolidation_h) for n in nodes),
        decons_usd_per_teu=tuple(n.deconsolidation_usd_per_teu or 0.0 for n in nodes),
        reefer_ok=tuple(n.reefer_plugs is not False for n in nodes),
        link_ids=tuple(link.id for link in links),
        link_from=tuple(node_index[link.from_id] for link in links),
        link_to=tuple(node_index[link.to_id] for link in links),
        link_mode=tuple(link.mode for link in links),
        link_service=tuple(service_index[link.service_id] for link in links),
        link_vehicle=tuple(vehicles[link.vehicle] for link in links),
        link_load_unit=tuple(link.load_unit for link in links),
        link_run_min=tuple(max(1, _minutes(link.run_h)) for link in links),
        link_distance_km=tuple(link.distance_km for link in links),
        link_border_exit_min=tuple(
            _minutes(network.nodes[link.from_id].border_exit_h) if crosses(link.from_id, link.to_id) else 0
            for link in links
        ),
        link_border_entry_min=tuple(
            _minutes(network.nodes[link.to_id].border_entry_h) if crosses(link.from_id, link.to_id) else 0
            for link in links
        ),
        link_border_usd_per_teu=tuple(
            (network.nodes[link.from_id].border_exit_usd_per_teu or 0.0)
            + (network.nodes[link.to_id].border_entry_usd_per_teu or 0.0)
            if crosses(link.from_id, link.to_id)
            else 0.0
            for link in links
        ),
        link_g_per_tkm=tuple(network.emission_factors[link.emission_class].g_co2e_per_tkm_wtw for link in links),
        out_links=tuple(tuple(v) for v in out_links),
        in_links=tuple(tuple(v) for v in in_links),
        service_ids=service_ids,
        departures=tuple(Departures(network.services[s]) for s in service_ids),
        service_vehicle=tuple(service_vehicle.get(s, -1) for s in range(len(service_ids))),
        vehicle_kinds=tuple(vehicles),
        link_usd_per_teu=tuple(link.usd_per_teu or 0.0 for link in links),
        link_usd_per_kg=tuple(link.usd_per_kg for link in links),
        link_usd_per_truck=tuple(link.usd_per_truck for link in links),
        link_teu_per_truck=tuple(link.teu_per_truck or 1.0 for link in links),
        link_refused=tuple(link.refused_cargo for link in links),
        link_operators=tuple(
            frozenset(
                o.casefold() for o in (link.operator, network.services[link.service_id].operator) if o is not None
            )
            for link in links
        ),
        link_max_gross_kg_per_teu=tuple(link.max_gross_kg_per_teu for link in links),
        link_capacity_teu=tuple(network.services[link.service_id].capacity_teu_per_departure for link in links),
        link_capacity_kg=tuple(network.services[link.service_id].capacity_kg_per_departure for link in links),
        link_g_per_tonne=tuple(
            network.emission_factors[link.emission_class].g_co2e_per_tkm_wtw * link.distance_km for link in links
        ),
        smallest_capacity_teu=min(
            (c for link in links if (c := network.services[link.service_id].capacity_teu_per_departure) is not None),
            default=float("inf"),
        ),
        smallest_capacity_kg=min(
            (c for link in links if (c := network.services[link.service_id].capacity_kg_per_departure) is not None),
            default=float("inf"),
        ),
        smallest_max_gross_kg_per_teu=min(
            (link.max_gross_kg_per_teu for link in links if link.max_gross_kg_per_teu is not None),
            default=float("inf"),
        ),
        link_g_per_tonne_ttw=tuple(
            (network.emission_factors[link.emission_class].g_co2e_per_tkm_ttw or 0.0) * link.distance_km
            for link in links
        ),
        hub_g_per_container=tuple(_hub_kg(network, node) * 1000 for node in nodes),
        handling_unit=tuple(n.handling_unit or FeeUnit.TEU for n in nodes),
        link_border_fees=tuple(
            tuple(
                (usd, unit or FeeUnit.TEU)
                for usd, unit in (
                    (network.nodes[link.from_id].border_exit_usd_per_teu, network.nodes[link.from_id].border_unit),
                    (network.nodes[link.to_id].border_entry_usd_per_teu, network.nodes[link.to_id].border_unit),
                )
                if usd
            )
            if crosses(link.from_id, link.to_id)
            else ()
            for link in links
        ),
        link_feu_factor=tuple(network.services[link.service_id].feu_factor or 2.0 for link in links),
        link_through=(-1,) * len(links),
        link_through_pos=(-1,) * len(links),
        link_through_last=(False,) * len(links),
        link_through_change=(False,) * len(links),
        link_through_lift=(False,) * len(links),
        link_timetable=tuple(service_index[link.service_id] for link in links),
        service_through_end=(-1,) * len(service_ids),
        # By territory: avoiding YE must not close Bab el-Mandeb (a sea passage is avoided by its id).
        nodes_by_country={
            country: tuple(i for i, n in enumerate(nodes) if n.territory == country)
            for country in sorted({n.territory for n in nodes if n.territory is not None})
        },
    )
