"""What a routing query returns: routes made of legs (one per vehicle), with transfers, borders, costs and CO2e.

Small records (hops, transfers, border crossings, cost breakdowns) are named tuples: immutable and cheap to build
by the thousand; legs, routes and results are frozen dataclasses.

Units: times are timezone-aware UTC datetimes, durations hours (``_h``), money US dollars (``_usd``), CO2e
kilograms (``_kg``, well-to-wheel unless ``_ttw``), distances kilometres (``_km``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from engine.network.model import LoadUnit, Mode
from engine.routing.deferred import Deferred, resolved_state
from engine.routing.emissions import EmissionsReport
from engine.routing.pricing import AppliedSurcharge, DatedPrice
from engine.routing.provenance import LegProvenance, RouteProvenance
from engine.routing.query import Objective, RouteQuery


class CostBreakdown(NamedTuple):
    """Cost by component (USD)."""

    freight_usd: float
    handling_usd: float
    border_usd: float
    deconsolidation_usd: float
    surcharge_usd: float = 0.0
    """Reefer power, hazmat, war risk, canal transit, peak season (:mod:`engine.routing.pricing`)."""
    through_tariff_usd: float = 0.0
    """The part of ``freight_usd`` charged by through tariffs (:mod:`engine.routing.through`); not added again."""

    @property
    def total_usd(self) -> float:
        """Sum of the components."""
        return round(
            self.freight_usd + self.handling_usd + self.border_usd + self.deconsolidation_usd + self.surcharge_usd, 2
        )


class Co2eFactor(NamedTuple):
    """The emission intensity used for a hop and where it comes from."""

    emission_class: str
    description: str
    g_co2e_per_tkm_wtw: float
    source_keys: tuple[str, ...]
    estimate: bool


class Hop(NamedTuple):
    """One link of a leg."""

    link_id: str
    from_id: str
    to_id: str
    depart: datetime
    arrive: datetime
    distance_km: float
    freight_usd: float
    border_usd: float
    co2e_kg: float
    co2e_factor: Co2eFactor


@dataclass(frozen=True)
class Leg:
    """A ride on one vehicle (one service) from boarding to alighting, possibly through junctions."""

    from_id: str
    to_id: str
    mode: Mode
    operator: str | None
    service_id: str
    load_unit: LoadUnit
    gauge_mm: int | None
    depart: datetime
    arrive: datetime
    wait_h: float
    distance_km: float
    cost: CostBreakdown
    co2e_kg: float
    hops: tuple[Hop, ...] = Deferred()  # type: ignore[assignment]
    """The leg's links, in order (computed on first read, :mod:`engine.routing.deferred`)."""
    co2e_ttw_kg: float = 0.0
    """Tank-to-wheel CO2e of the leg's links (kg); ``co2e_kg`` is well-to-wheel, including the hub before it."""
    provenance: LegProvenance | None = Deferred()  # type: ignore[assignment]  # noqa: RUF009 - a descriptor: computed on first read
    """Source keys or ESTIMATE behind each figure (:mod:`engine.routing.provenance`; computed on first read,
    :mod:`engine.routing.deferred`)."""
    surcharges: tuple[AppliedSurcharge, ...] = ()
    """Surcharges in ``cost.surcharge_usd``, each with its amount for this shipment."""
    dated_price: DatedPrice | None = None
    """The rate-series point that priced this leg's fare (its ``as_of`` date), ``None`` for a fixed fare."""
    through_tariff: str | None = None
    """Id of the through tariff this leg rides (its freight is the leg's share of the through rate)."""

    @property
    def cost_usd(self) -> float:
        """Everything this leg costs: freight, border, and the handling and de-consolidation before boarding."""
        return self.cost.total_usd

    @property
    def through_nodes(self) -> tuple[str, ...]:
        """Nodes passed on the same vehicle between boarding and alighting."""
        return tuple(h.to_id for h in self.hops[:-1])

    @property
    def co2e_factors(self) -> tuple[Co2eFactor, ...]:
        """The distinct emission factors used on this leg, in order."""
        return tuple({h.co2e_factor.emission_class: h.co2e_factor for h in self.hops}.values())

    def __getstate__(self) -> dict[str, Any]:
        """The state to pickle or copy, with the deferred fields computed."""
        return resolved_state(self)


class Transfer(NamedTuple):
    """A change of vehicle at a node, with what it cost."""

    node_id: str
    arrive: datetime
    from_service: str
    to_service: str
    handling_h: float
    handling_usd: float
    lift: bool
    gauge_break: bool
    deconsolidation: bool
    deconsolidation_usd: float


class BorderCrossing(NamedTuple):
    """A link that crosses a border, with the dwell and cost charged for it."""

    link_id: str
    from_id: str
    to_id: str
    from_country: str
    to_country: str
    exit_dwell_h: float
    entry_dwell_h: float
    cost_usd: float


@dataclass(frozen=True)
class Route:
    """One route from origin to destination."""

    legs: tuple[Leg, ...]
    transfers: tuple[Transfer, ...]
    border_crossings: tuple[BorderCrossing, ...]
    countries: tuple[str, ...]
    ready: datetime
    depart: datetime
    arrive: datetime
    cost: CostBreakdown
    co2e_kg: float
    distance_km: float
    geometry: tuple[tuple[float, float], ...] = Deferred()  # type: ignore[assignment]
    """The route's line, origin first: (lat, lon) in WGS 84 degrees (computed on first read)."""
    best_for: tuple[str, ...] = ()
    criteria: tuple[int, int, int, int] = (0, 0, 0, 0)
    emissions: EmissionsReport | None = Deferred()  # type: ignore[assignment]  # noqa: RUF009 - computed on first read
    """ISO 14083 breakdown by leg and hub, TTW and WTW (:mod:`engine.routing.emissions`; computed on first read)."""
    provenance: RouteProvenance | None = Deferred()  # type: ignore[assignment]  # noqa: RUF009 - a descriptor: computed on first read
    """Sources behind the totals, transfers and borders; sourced shares of cost and time; the network's as-of
    (computed on first read, :mod:`engine.routing.deferred`)."""
    # The arrival's spread (engine/routing/reliability.py): P10/P50/P90 of the seeded Monte-Carlo replays; ``arrive``
    # stays the P50 model's deterministic arrival. ``None`` where no band was computed (optimizer plans). Replayed
    # on first read of any of the four (engine/routing/deferred.py) unless the objective needed it first.
    arrival_p10: datetime | None = Deferred()  # type: ignore[assignment]  # noqa: RUF009 - computed on first read
    arrival_p50: datetime | None = Deferred()  # type: ignore[assignment]  # noqa: RUF009 - computed on first read
    arrival_p90: datetime | None = Deferred()  # type: ignore[assignment]  # noqa: RUF009 - computed on first read
    on_time_probability: float | None = Deferred()  # type: ignore[assignment]  # computed on first read
    """Share of replays arriving by ``constraints.arrive_by`` (0–1); ``None`` without a deadline."""

    @property
    def cost_usd(self) -> float:
        """Total cost (USD)."""
        return self.cost.total_usd

    @property
    def duration_h(self) -> float:
        """Hours from ready at the origin to arrival at the destination."""
        return round((self.arrive - self.ready).total_seconds() / 3600, 2)

    @property
    def transfer_count(self) -> int:
        """Changes of vehicle."""
        return len(self.transfers)

    @property
    def wait_h(self) -> float:
        """Hours spent waiting for departures."""
        return round(sum(leg.wait_h for leg in self.legs), 2)

    @property
    def modes(self) -> tuple[Mode, ...]:
        """Modes used, in order, without repeats."""
        return tuple(dict.fromkeys(leg.mode for leg in self.legs))

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Every node passed, origin first."""
        return (self.legs[0].from_id, *(h.to_id for leg in self.legs for h in leg.hops))

    def score(self, usd_per_hour: float, usd_per_transfer: float, usd_per_kg_co2e: float) -> float:
        """The ``WEIGHTED`` objective's score in USD."""
        return (
            self.cost_usd
            + usd_per_hour * self.duration_h
            + usd_per_transfer * self.transfer_count
            + usd_per_kg_co2e * self.co2e_kg
        )

    def __getstate__(self) -> dict[str, Any]:
        """The state to pickle or copy, with the deferred fields computed."""
        return resolved_state(self)


@dataclass(frozen=True)
class SearchStats:
    """Deterministic counters of the work done (no wall-clock times, so results compare equal)."""

    labels_created: int
    labels_settled: int


@dataclass(frozen=True)
class RouteResult:
    """The answer to a :class:`RouteQuery`.

    ``routes`` is empty exactly when nothing satisfies the query; then ``explanation`` says which constraint removed
    the last candidate (e.g. "no route arrives by 2026-12-20T00:00Z; the earliest arrival is 2026-12-27T06:00Z").
    ``pareto_size`` is the number of Pareto-optimal routes (distinct criteria vectors) found; the returned routes
    are a subset chosen by the objective.
    """

    query: RouteQuery
    network: str
    objective: Objective
    routes: tuple[Route, ...]
    pareto_size: int
    explanation: str | None
    stats: SearchStats
    pareto_tolerance: float = 0.0
    """The query's ε: 0 = ``pareto_size`` counts the exact Pareto set, else an ε-Pareto set (``RouteQuery``)."""
