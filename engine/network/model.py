"""Typed records of a loaded network: nodes, links, services, emission factors and sources.

All records are frozen. A :class:`Network` is an immutable snapshot: scenario edits build a new one.
Units live in the field names (``_km``, ``_h``, ``_usd``, ``_kg``, ``_teu``, ``_mm``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from engine.network.kinds import (
    DEFAULT_LOAD_UNIT as DEFAULT_LOAD_UNIT,
)
from engine.network.kinds import (
    CargoClass as CargoClass,
)
from engine.network.kinds import (
    FeeUnit as FeeUnit,
)
from engine.network.kinds import (
    Gauge as Gauge,
)
from engine.network.kinds import (
    LoadUnit as LoadUnit,
)
from engine.network.kinds import (
    Mode as Mode,
)
from engine.network.kinds import (
    NodeKind as NodeKind,
)
from engine.network.kinds import (
    ServiceKind as ServiceKind,
)
from engine.network.kinds import (
    SurchargeScope as SurchargeScope,
)
from engine.network.views import ViewCache

if TYPE_CHECKING:
    import networkx as nx

    from engine.network.lookup import NodeIndex

MINUTES_PER_WEEK = 7 * 24 * 60
ESTIMATE = "ESTIMATE"


@dataclass(frozen=True)
class Provenance:
    """Where a row's numbers come from: source keys per numeric column, and the notes explaining estimates."""

    keys_by_column: Mapping[str, tuple[str, ...]]
    notes_by_column: Mapping[str, str]
    text: str = ""
    notes_text: str = ""

    def keys_for(self, column: str) -> tuple[str, ...]:
        """Source keys backing ``column`` (``('ESTIMATE',)`` for an estimate, ``()`` if unsourced)."""
        return self.keys_by_column.get(column, self.keys_by_column.get("*", ()))

    def is_estimate(self, column: str) -> bool:
        """True when the column's number is an estimate rather than a published figure."""
        return ESTIMATE in self.keys_for(column)


EMPTY_PROVENANCE = Provenance({}, {})


SEA_PASSAGE_KINDS = frozenset({NodeKind.WAYPOINT})
"""The kinds of a node that is only a sea passage (see :attr:`Node.territory`)."""


@dataclass(frozen=True)
class Node:
    """A place cargo can be. ``handling_h is None`` means cargo cannot change vehicle here."""

    id: str
    name: str
    aliases: tuple[str, ...]
    locode: str | None
    country: str
    lat: float
    lon: float
    kinds: frozenset[NodeKind]
    gauges_mm: frozenset[int]
    handling_h: float | None
    handling_usd_per_teu: float | None
    handling_usd_per_kg: float | None
    deconsolidation_h: float | None
    deconsolidation_usd_per_teu: float | None
    border_exit_h: float | None
    border_entry_h: float | None
    border_exit_usd_per_teu: float | None
    border_entry_usd_per_teu: float | None
    reefer_plugs: bool | None
    capacity_teu_per_week: float | None = None
    # The time model's spread (hours; docs/RELIABILITY.md): P10/P90 of a dwell whose P50 is the column above, and
    # the port queue for a vessel slot (its P50 ``port_queue_h`` is added to a transfer onto a ferry or sea vessel).
    border_exit_p10_h: float | None = None
    border_exit_p90_h: float | None = None
    border_entry_p10_h: float | None = None
    border_entry_p90_h: float | None = None
    handling_p10_h: float | None = None
    handling_p90_h: float | None = None
    port_queue_h: float | None = None
    port_queue_p10_h: float | None = None
    port_queue_p90_h: float | None = None
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)
    handling_unit: FeeUnit | None = None
    """What ``handling_usd_per_teu`` is charged per (``None`` = per TEU, the historical unit)."""
    border_unit: FeeUnit | None = None
    """What ``border_exit_usd_per_teu`` and ``border_entry_usd_per_teu`` are charged per (``None`` = per TEU)."""

    @property
    def allows_transfer(self) -> bool:
        """Whether cargo may change vehicle (service) at this node."""
        return self.handling_h is not None

    @property
    def is_sea_passage(self) -> bool:
        """Whether the node is only a sea passage (a strait, canal entrance or cape the ships pass)."""
        return self.kinds == SEA_PASSAGE_KINDS

    @property
    def territory(self) -> str | None:
        """Country whose territory or port the cargo enters here; ``None`` at a sea passage.

        A ship passing Bab el-Mandeb or Gibraltar enters neither Yemen nor Gibraltar: the ``country`` column of a
        sea passage names the coastal state for display and for the border rule of the costing (a hop that changes
        ``country`` applies the exit values of its start node), but a route's countries and ``avoid_countries``
        use the territory. Avoid a passage by its id (``avoid_nodes: [BAB_EL_MANDEB]``).
        """
        return None if self.is_sea_passage else self.country


@dataclass(frozen=True)
class Link:
    """A directed hop of one service between two nodes."""

    id: str
    from_id: str
    to_id: str
    mode: Mode
    service_id: str
    load_unit: LoadUnit
    gauge_mm: int | None
    distance_km: float
    run_h: float
    usd_per_teu: float | None
    usd_per_kg: float | None
    usd_per_truck: float | None
    teu_per_truck: float | None
    capacity_teu_per_week: float | None
    operator: str | None
    emission_class: str
    max_gross_kg_per_teu: float | None
    refused_cargo: frozenset[CargoClass]
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)
    reverse_of: str | None = None
    geometry: tuple[tuple[float, float], ...] | None = field(default=None, compare=False, repr=False)
    reverse_fare: float | None = None
    """Fare of the reverse direction (the ``.R`` link), in the unit of this link's tariff; ``None`` = symmetric."""
    """The track or sea lane as (lon, lat) degrees from ``from_id`` to ``to_id`` (``geometry.geojson``); ``None``
    = a straight segment between the nodes."""

    @property
    def vehicle(self) -> tuple[LoadUnit, int | None]:
        """The load unit together with its gauge: a change of this at a transfer is a lift."""
        return (self.load_unit, self.gauge_mm)


@dataclass(frozen=True)
class Service:
    """A service running over links. Departures are minutes after Monday 00:00 UTC, sorted."""

    id: str
    mode: Mode
    operator: str | None
    kind: ServiceKind
    weekly_departures_min: tuple[int, ...]
    headway_h: float | None
    headway_anchor_min: int
    capacity_teu_per_departure: float | None
    capacity_kg_per_departure: float | None
    cancel_probability: float | None = None
    """Share of departures that do not sail (weather, no vessel): the reliability model's cancellations; the search
    ignores it (its P50 model assumes every departure runs)."""
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)
    feu_factor: float | None = None
    """Price of a 40ft box ÷ price of a 20ft box on this service's per-TEU tariffs (``None`` = 2, i.e. per TEU)."""

    @property
    def departures_per_week(self) -> float:
        """Average departures per week (``inf`` for continuous services)."""
        if self.kind is ServiceKind.WEEKLY:
            return float(len(self.weekly_departures_min))
        if self.kind is ServiceKind.HEADWAY:
            assert self.headway_h is not None
            return 168.0 / self.headway_h
        return float("inf")


@dataclass(frozen=True)
class EmissionFactor:
    """CO2e intensity of one vehicle class, in g CO2e per tonne-km: well-to-wheel and tank-to-wheel (ISO 14083).

    ``g_co2e_per_tkm_ttw`` is ``None`` where the network does not give the tank-to-wheel part.
    """

    id: str
    mode: Mode
    description: str
    g_co2e_per_tkm_wtw: float
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)
    g_co2e_per_tkm_ttw: float | None = None


@dataclass(frozen=True)
class HubEmissionFactor:
    """Well-to-wheel CO2e of handling one container at a node of one kind (a transshipment hub), in kg.

    A node's factor is the first row of ``hub_emission_factors.csv`` whose kind the node has (file order is the
    priority: a seaport that is also a rail terminal handles as a seaport).
    """

    kind: NodeKind
    description: str
    kg_co2e_per_container_wtw: float
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Surcharge:
    """A fee added to the tariffs: reefer power, hazmat, war risk, canal transit, peak season (``surcharges.csv``).

    ``usd`` is per ``unit``; ``cargo_class`` limits it to reefer or hazmat cargo (``None``: all cargo);
    ``valid_from``/``valid_to`` (inclusive, either may be open) are compared with the query's ready date.
    """

    id: str
    kind: str
    scope: SurchargeScope
    target: str
    cargo_class: CargoClass | None
    usd: float
    unit: FeeUnit
    valid_from: date | None
    valid_to: date | None
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)

    def valid_on(self, day: date) -> bool:
        """Whether the surcharge applies to cargo ready on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class RatePoint:
    """One dated value of a published rate index for a service (``rate_series.csv``).

    The service's link fares are the ones published at the ``base`` point; a query ready on day ``d`` pays them ×
    (value of the latest point on or before ``d``) ÷ (base value). Before the first point, the first point applies.
    """

    service_id: str
    as_of: date
    value: float
    unit: str
    base: bool
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class ThroughTariff:
    """A published through rate for riding a whole product (``through_tariffs.csv``), e.g. a TITR agreed rate.

    It replaces the sum of the segment tariffs, border and handling fees of ``link_ids`` (a path, in order) when a
    route rides the whole product; elsewhere the segments add up. ``usd_20ft``/``usd_40ft`` are per box (40ft also
    prices high cube and reefer boxes); a missing price means the product does not carry that size.
    """

    id: str
    operator: str | None
    link_ids: tuple[str, ...]
    usd_20ft: float | None
    usd_40ft: float | None
    provenance: Provenance = field(default=EMPTY_PROVENANCE, compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Source:
    """A publication that numbers in the network cite."""

    key: str
    title: str
    publisher: str | None
    url: str
    year: int | None
    note: str | None
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class SourcedShare:
    """How many numeric cells cite a real source vs ESTIMATE, per table and in total."""

    sourced_by_table: Mapping[str, int]
    estimated_by_table: Mapping[str, int]
    by_column: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """``table file/column`` (``links.csv/run_h``) → (cells with a real source, ESTIMATE-only cells). One string
    key, not a pair: a bare column name would share the interned attribute names and pickle differently."""

    @property
    def sourced(self) -> int:
        """Numeric cells backed by at least one real source key."""
        return sum(self.sourced_by_table.values())

    @property
    def estimated(self) -> int:
        """Numeric cells whose only key is ESTIMATE."""
        return sum(self.estimated_by_table.values())

    @property
    def share(self) -> float:
        """Fraction of numeric cells backed by a real source (0–1)."""
        total = self.sourced + self.estimated
        return self.sourced / total if total else 0.0


@dataclass(frozen=True, eq=False)
class Network:
    """An immutable, validated network snapshot.

    ``version`` is a content hash of the files it was loaded from (or of the edits applied to it), so two
    snapshots with equal ``version`` route identically.
    """

    name: str
    title: str
    version: str
    nodes: Mapping[str, Node]
    links: Mapping[str, Link]
    services: Mapping[str, Service]
    emission_factors: Mapping[str, EmissionFactor]
    sources: Mapping[str, Source]
    origins: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    sourced_share: SourcedShare = field(default=SourcedShare({}, {}), compare=False)
    scenarios: tuple[str, ...] = ()
    surcharges: tuple[Surcharge, ...] = ()
    rate_series: Mapping[str, tuple[RatePoint, ...]] = field(default_factory=dict)
    """Service id → its dated rate points, oldest first."""
    through_tariffs: tuple[ThroughTariff, ...] = ()
    """Names of the scenarios applied to the loaded network, in order (``engine.network.scenario.apply_scenarios``);
    they appear in :attr:`label` so every answer says which network it comes from."""
    hub_emission_factors: Mapping[NodeKind, HubEmissionFactor] = field(default_factory=dict)
    """Per node kind, in priority order: kg CO2e per container handled at a transfer with a lift (empty: no hub
    emissions)."""
    as_of: date | None = None
    """The date the network's figures were last checked against their sources (``as_of`` in ``network.toml``);
    every answer carries it."""
    sources_cited_elsewhere: frozenset[str] = frozenset()
    """Source keys cited outside the five tables (the ``source`` column of ``calibration.csv``)."""
    views: ViewCache = field(default_factory=lambda: _new_views(), init=False, repr=False, compare=False)
    """Everything derived from this snapshot alone, kept with it (:mod:`engine.network.views`): empty in a copy
    made by ``dataclasses.replace`` and after pickling, bounded by bytes."""

    @property
    def label(self) -> str:
        """``name@version`` as used in messages; ``name+scenario+…@version`` for a network with scenarios applied
        (``version`` then hashes the base network's content hash and the edits)."""
        return f"{'+'.join((self.name, *self.scenarios))}@{self.version[:8]}"

    @property
    def graph(self) -> nx.MultiDiGraph:
        """A frozen networkx ``MultiDiGraph``: nodes keyed by id, edges keyed by link id, records as ``record``."""
        from engine.network.graph import build_graph

        return self.views.get(("network.graph",), lambda: build_graph(self))

    @property
    def node_index(self) -> NodeIndex[Node]:
        """Search by id, name, alias or LOCODE (see :mod:`engine.network.lookup`)."""
        # Imported here, not at the top, so loading the records does not load the views (lookup and graph do not
        # import this module, so there is no circle either way).
        from engine.network.lookup import NodeIndex

        return self.views.get(("network.node_index",), lambda: NodeIndex(self.nodes, self.label))

    @property
    def links_from(self) -> Mapping[str, tuple[Link, ...]]:
        """Outgoing links per node id, in link-id order (deterministic)."""
        return self.views.get(("network.links_from",), lambda: self._links_by(lambda link: link.from_id))

    @property
    def links_to(self) -> Mapping[str, tuple[Link, ...]]:
        """Incoming links per node id, in link-id order (deterministic)."""
        return self.views.get(("network.links_to",), lambda: self._links_by(lambda link: link.to_id))

    def _links_by(self, end: Callable[[Link], str]) -> Mapping[str, tuple[Link, ...]]:
        grouped: dict[str, list[Link]] = {node_id: [] for node_id in self.nodes}
        for link in self.links.values():
            grouped[end(link)].append(link)
        return {k: tuple(sorted(v, key=lambda ln: ln.id)) for k, v in grouped.items()}

    @property
    def modes(self) -> tuple[Mode, ...]:
        """Modes present, in the enum's order."""
        return self.views.get(("network.modes",), lambda: tuple(m for m in Mode if m in self._present_modes()))

    def _present_modes(self) -> set[Mode]:
        return {link.mode for link in self.links.values()}


RECORD_TYPES: tuple[type, ...] = (
    Network,
    Node,
    Link,
    Service,
    EmissionFactor,
    HubEmissionFactor,
    Source,
    Provenance,
    SourcedShare,
    Source,
    Provenance,
    SourcedShare,
    Surcharge,
    RatePoint,
    ThroughTariff,
)
"""The snapshot and its records: views refer to them but do not own them, so their bytes are not counted."""


def _new_views() -> ViewCache:
    # Views beside the compiled arrays may take as much as they do (at least VIEW_CACHE_BYTES): see pinned_share.
    return ViewCache(shared=RECORD_TYPES, pinned_share=1.0)
