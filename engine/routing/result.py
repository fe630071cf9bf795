"""What a routing query returns: routes made of legs (one per vehicle), with transfers, borders, costs and CO2e.

Units: times are timezone-aware UTC datetimes, durations hours (``_h``), money US dollars (``_usd``), CO2e
kilograms (``_kg``, well-to-wheel), distances kilometres (``_km``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.network.model import LoadUnit, Mode, Network
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import Step
from engine.routing.query import Objective, RouteQuery
from engine.routing.search import Label
from engine.routing.timetable import from_minutes


@dataclass(frozen=True)
class CostBreakdown:
    """Cost by component (USD)."""

    freight_usd: float
    handling_usd: float
    border_usd: float
    deconsolidation_usd: float

    @property
    def total_usd(self) -> float:
        """Sum of the components."""
        return round(self.freight_usd + self.handling_usd + self.border_usd + self.deconsolidation_usd, 2)


@dataclass(frozen=True)
class Co2eFactor:
    """The emission intensity used for a hop and where it comes from."""

    emission_class: str
    description: str
    g_co2e_per_tkm_wtw: float
    source_keys: tuple[str, ...]
    estimate: bool


@dataclass(frozen=True)
class Hop:
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
    hops: tuple[Hop, ...]

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


@dataclass(frozen=True)
class Transfer:
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


@dataclass(frozen=True)
class BorderCrossing:
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
    geometry: tuple[tuple[float, float], ...]
    best_for: tuple[str, ...] = ()
    criteria: tuple[int, int, int, int] = (0, 0, 0, 0)

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


def build_route(network: Network, compiled: CompiledNetwork, query: RouteQuery, label: Label) -> Route:
    """Rebuild the route ending in ``label`` into legs, transfers and border crossings."""
    chain: list[Label] = []
    root = label
    while root.parent is not None:
        chain.append(root)
        root = root.parent
    chain.reverse()

    legs: list[Leg] = []
    transfers: list[Transfer] = []
    borders: list[BorderCrossing] = []
    hops: list[Hop] = []
    leg_steps: list[Step] = []
    leg_links: list[int] = []
    previous_service = -1
    arrive_at_node = root.vector[0]

    def close_leg() -> None:
        if not leg_links:
            return
        first_link = network.links[compiled.link_ids[leg_links[0]]]
        service = network.services[first_link.service_id]
        first = leg_steps[0]
        legs.append(
            Leg(
                from_id=first_link.from_id,
                to_id=network.links[compiled.link_ids[leg_links[-1]]].to_id,
                mode=first_link.mode,
                operator=first_link.operator or service.operator,
                service_id=first_link.service_id,
                load_unit=first_link.load_unit,
                gauge_mm=first_link.gauge_mm,
                depart=from_minutes(first.depart),
                arrive=from_minutes(leg_steps[-1].arrive),
                wait_h=round(first.wait_min / 60, 2),
                distance_km=round(sum(h.distance_km for h in hops), 1),
                cost=CostBreakdown(
                    freight_usd=_usd(sum(s.freight_cents for s in leg_steps)),
                    handling_usd=_usd(first.handling_cents),
                    border_usd=_usd(sum(s.border_cents for s in leg_steps)),
                    deconsolidation_usd=_usd(first.deconsolidation_cents),
                ),
                co2e_kg=round(sum(s.co2e_g for s in leg_steps) / 1000, 3),
                hops=tuple(hops),
            )
        )
        hops.clear()
        leg_steps.clear()
        leg_links.clear()

    for item in chain:
        step = item.step
        assert step is not None
        link = network.links[compiled.link_ids[item.link]]
        service_index = compiled.link_service[item.link]
        if service_index != previous_service:
            close_leg()
            if previous_service >= 0:
                before = network.services[compiled.service_ids[previous_service]]
                after_vehicle = compiled.service_vehicle[service_index]
                transfers.append(
                    Transfer(
                        node_id=link.from_id,
                        arrive=from_minutes(arrive_at_node),
                        from_service=before.id,
                        to_service=link.service_id,
                        handling_h=round(step.handling_min / 60, 2),
                        handling_usd=_usd(step.handling_cents),
                        lift=step.lift,
                        gauge_break=_gauge_break(compiled, previous_service, after_vehicle),
                        deconsolidation=step.deconsolidation_min > 0 or step.deconsolidation_cents > 0,
                        deconsolidation_usd=_usd(step.deconsolidation_cents),
                    )
                )
        if compiled.link_crosses_border[item.link]:
            borders.append(
                BorderCrossing(
                    link_id=link.id,
                    from_id=link.from_id,
                    to_id=link.to_id,
                    from_country=network.nodes[link.from_id].country,
                    to_country=network.nodes[link.to_id].country,
                    exit_dwell_h=round(step.border_exit_min / 60, 2),
                    entry_dwell_h=round(step.border_entry_min / 60, 2),
                    cost_usd=_usd(step.border_cents),
                )
            )
        factor = network.emission_factors[link.emission_class]
        keys = tuple(dict.fromkeys(factor.provenance.keys_for("g_co2e_per_tkm_wtw")))
        hops.append(
            Hop(
                link_id=link.id,
                from_id=link.from_id,
                to_id=link.to_id,
                depart=from_minutes(step.depart),
                arrive=from_minutes(step.arrive),
                distance_km=link.distance_km,
                freight_usd=_usd(step.freight_cents),
                border_usd=_usd(step.border_cents),
                co2e_kg=round(step.co2e_g / 1000, 3),
                co2e_factor=Co2eFactor(
                    emission_class=factor.id,
                    description=factor.description,
                    g_co2e_per_tkm_wtw=factor.g_co2e_per_tkm_wtw,
                    source_keys=keys,
                    estimate=keys == ("ESTIMATE",),
                ),
            )
        )
        leg_steps.append(step)
        leg_links.append(item.link)
        previous_service = service_index
        arrive_at_node = step.arrive
    close_leg()

    nodes = [network.nodes[query.origin]] + [
        network.nodes[network.links[compiled.link_ids[i.link]].to_id] for i in chain
    ]
    arrive, cost_cents, _, co2e_g = label.vector
    cost = CostBreakdown(
        freight_usd=_usd(sum(i.step.freight_cents for i in chain if i.step)),
        handling_usd=_usd(sum(i.step.handling_cents for i in chain if i.step)),
        border_usd=_usd(sum(i.step.border_cents for i in chain if i.step)),
        deconsolidation_usd=_usd(sum(i.step.deconsolidation_cents for i in chain if i.step)),
    )
    assert round(cost.total_usd * 100) == cost_cents, "route rebuild disagrees with the search"
    return Route(
        legs=tuple(legs),
        transfers=tuple(transfers),
        border_crossings=tuple(borders),
        countries=tuple(dict.fromkeys(n.country for n in nodes)),
        ready=from_minutes(root.vector[0]),
        depart=legs[0].depart,
        arrive=from_minutes(arrive),
        cost=cost,
        co2e_kg=round(co2e_g / 1000, 3),
        distance_km=round(sum(leg.distance_km for leg in legs), 1),
        geometry=tuple((n.lat, n.lon) for n in nodes),
        criteria=label.vector,
    )


def _usd(cents: int) -> float:
    return round(cents / 100, 2)


def _gauge_break(compiled: CompiledNetwork, before_service: int, after_vehicle: int) -> bool:
    unit_a, gauge_a = compiled.vehicle_kinds[compiled.service_vehicle[before_service]]
    unit_b, gauge_b = compiled.vehicle_kinds[after_vehicle]
    return unit_a is LoadUnit.WAGON and unit_b is LoadUnit.WAGON and gauge_a != gauge_b
