"""What a network contains, as numbers a person can read: counts, services, capacity, provenance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from engine.network.countries import COUNTRY_NAMES
from engine.network.model import Mode, Network, ServiceKind


@dataclass(frozen=True)
class ServiceCapacity:
    """One scheduled service's weekly capacity."""

    service_id: str
    mode: Mode
    kind: ServiceKind
    departures_per_week: float
    capacity_per_departure: float | None
    unit: str  # "TEU" or "kg"

    @property
    def capacity_per_week(self) -> float | None:
        """Departures per week × capacity per departure (``None`` when unsized or continuous)."""
        if self.capacity_per_departure is None or self.kind is ServiceKind.CONTINUOUS:
            return None
        return self.departures_per_week * self.capacity_per_departure


@dataclass(frozen=True)
class NetworkSummary:
    """Counts and provenance of one network snapshot."""

    label: str
    title: str
    nodes: int
    links: int
    nodes_by_country: tuple[tuple[str, str, int], ...]  # (code, name, count), most first
    nodes_by_kind: tuple[tuple[str, int], ...]
    links_by_mode: tuple[tuple[str, int, float], ...]  # (mode, links, km)
    services: tuple[ServiceCapacity, ...]
    links_with_capacity: int
    sourced_cells: int
    estimated_cells: int
    sourced_by_table: tuple[tuple[str, int, int], ...]
    sourced_by_column: tuple[tuple[str, str, int, int], ...]  # (table, column, sourced, estimated), file order
    sources: int
    warnings: tuple[str, ...]
    as_of: date | None = None
    """The date the figures were last checked against their sources (``network.toml`` ``as_of``)."""

    @property
    def sourced_share(self) -> float:
        """Share of numeric cells backed by a real source (0–1)."""
        total = self.sourced_cells + self.estimated_cells
        return self.sourced_cells / total if total else 0.0


def summarise(network: Network) -> NetworkSummary:
    """Summarise ``network`` for ``corridor network show`` and ``GetNetworkInfo``."""
    countries = Counter(node.country for node in network.nodes.values())
    kinds = Counter(kind.value for node in network.nodes.values() for kind in node.kinds)
    mode_links = Counter(link.mode for link in network.links.values())
    mode_km: dict[Mode, float] = {}
    for link in network.links.values():
        mode_km[link.mode] = mode_km.get(link.mode, 0.0) + link.distance_km
    services = tuple(
        ServiceCapacity(
            service_id=s.id,
            mode=s.mode,
            kind=s.kind,
            departures_per_week=s.departures_per_week,
            capacity_per_departure=s.capacity_kg_per_departure if s.mode is Mode.AIR else s.capacity_teu_per_departure,
            unit="kg" if s.mode is Mode.AIR else "TEU",
        )
        for s in sorted(network.services.values(), key=lambda s: (list(Mode).index(s.mode), s.id))
    )
    share = network.sourced_share
    tables = sorted(set(share.sourced_by_table) | set(share.estimated_by_table))
    return NetworkSummary(
        label=network.label,
        title=network.title,
        nodes=len(network.nodes),
        links=len(network.links),
        nodes_by_country=tuple(
            (code, COUNTRY_NAMES.get(code, code), n)
            for code, n in sorted(countries.items(), key=lambda i: (-i[1], i[0]))
        ),
        nodes_by_kind=tuple(sorted(kinds.items(), key=lambda i: (-i[1], i[0]))),
        links_by_mode=tuple((m.value, mode_links[m], mode_km[m]) for m in Mode if mode_links[m]),
        services=services,
        links_with_capacity=sum(1 for link in network.links.values() if link.capacity_teu_per_week is not None),
        sourced_cells=share.sourced,
        estimated_cells=share.estimated,
        sourced_by_table=tuple(
            (t, share.sourced_by_table.get(t, 0), share.estimated_by_table.get(t, 0)) for t in tables
        ),
        sourced_by_column=tuple(
            (table, column, n[0], n[1]) for key, n in share.by_column.items() for table, column in [key.split("/", 1)]
        ),
        sources=len(network.sources),
        warnings=network.warnings,
        as_of=network.as_of,
    )
