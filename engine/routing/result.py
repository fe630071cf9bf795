"""What a routing query returns: routes made of legs (one per vehicle), with transfers, borders, costs and CO2e.

Small records (hops, transfers, border crossings, cost breakdowns) are named tuples: immutable and cheap to build
by the thousand; legs, routes and results are frozen dataclasses.

Units: times are timezone-aware UTC datetimes, durations hours (``_h``), money US dollars (``_usd``), CO2e
kilograms (``_kg``, well-to-wheel unless ``_ttw``), distances kilometres (``_km``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from engine.network.model import LoadUnit, Mode, Network
from engine.network.views import LazyRows
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import Step
from engine.routing.emissions import EmissionsReport, emissions_report
from engine.routing.pricing import AppliedSurcharge, DatedPrice, leg_pricing, query_pricing
from engine.routing.provenance import LegProvenance, RouteProvenance, border_provenance, route_provenance
from engine.routing.query import Objective, RouteQuery
from engine.routing.through import compile_routing
from engine.routing.timetable import from_minutes, to_minutes


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
    hops: tuple[Hop, ...]
    co2e_ttw_kg: float = 0.0
    """Tank-to-wheel CO2e of the leg's links (kg); ``co2e_kg`` is well-to-wheel, including the hub before it."""
    provenance: LegProvenance | None = None
    """Source keys or ESTIMATE behind each figure (:mod:`engine.routing.provenance`)."""
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
    geometry: tuple[tuple[float, float], ...]
    best_for: tuple[str, ...] = ()
    criteria: tuple[int, int, int, int] = (0, 0, 0, 0)
    emissions: EmissionsReport | None = None
    """ISO 14083 breakdown by leg and hub, TTW and WTW (:mod:`engine.routing.emissions`)."""
    provenance: RouteProvenance | None = None
    """Sources behind the totals, transfers and borders; sourced shares of cost and time; the network's as-of."""
    # The arrival's spread (engine/routing/reliability.py): P10/P50/P90 of the seeded Monte-Carlo replays; ``arrive``
    # stays the P50 model's deterministic arrival. ``None`` where no band was computed (optimizer plans).
    arrival_p10: datetime | None = None
    arrival_p50: datetime | None = None
    arrival_p90: datetime | None = None
    on_time_probability: float | None = None
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


@dataclass(frozen=True)
class _LinkFacts:
    """What the route builder needs of a link, resolved once per snapshot."""

    link_id: str
    from_id: str
    to_id: str
    mode: Mode
    operator: str | None
    service_id: str
    load_unit: LoadUnit
    gauge_mm: int | None
    distance_km: float
    from_country: str
    to_country: str
    to_territory: str | None
    to_lat_lon: tuple[float, float]
    inner_lat_lon: tuple[tuple[float, float], ...]  # the track's points between the ends (empty: straight)
    factor: Co2eFactor


def _link_facts(network: Network, compiled: CompiledNetwork) -> LazyRows[_LinkFacts]:
    return network.views.get(
        ("routing.link_facts", len(compiled.link_ids)), lambda: _resolve_link_facts(network, compiled)
    )


def _resolve_link_facts(network: Network, compiled: CompiledNetwork) -> LazyRows[_LinkFacts]:
    factors = {}
    for factor in network.emission_factors.values():
        keys = tuple(dict.fromkeys(factor.provenance.keys_for("g_co2e_per_tkm_wtw")))
        factors[factor.id] = Co2eFactor(
            factor.id, factor.description, factor.g_co2e_per_tkm_wtw, keys, keys == ("ESTIMATE",)
        )

    def fact(index: int) -> _LinkFacts:
        link = network.links[compiled.link_ids[index]]
        src, dst = network.nodes[link.from_id], network.nodes[link.to_id]
        return _LinkFacts(
            link_id=link.id,
            from_id=link.from_id,
            to_id=link.to_id,
            mode=link.mode,
            operator=link.operator or network.services[link.service_id].operator,
            service_id=link.service_id,
            load_unit=link.load_unit,
            gauge_mm=link.gauge_mm,
            distance_km=link.distance_km,
            from_country=src.country,
            to_country=dst.country,
            to_territory=dst.territory,
            to_lat_lon=(dst.lat, dst.lon),
            inner_lat_lon=tuple((lat, lon) for lon, lat in (link.geometry or ())[1:-1]),
            factor=factors[link.emission_class],
        )

    return LazyRows(len(compiled.link_ids), fact)


def build_route(network: Network, query: RouteQuery, steps: Sequence[Step]) -> Route:
    """Turn a route given as steps into legs (one per vehicle), transfers and border crossings.

    Parameters
    ----------
    network
        The snapshot the steps were taken on.
    query
        The query they answer (its ``ready`` time and origin start the route).
    steps
        The links taken from the origin, in order, each as :meth:`QueryContext.step` returned it (times may be
        shifted to a later departure, as a shipment plan does); at least one.

    Returns
    -------
    Route
        Totals are the sums of the steps: arrival of the last step, cents, transfers and grams of CO2e.
    """
    compiled = compile_routing(network)
    facts = _link_facts(network, compiled)

    # Split the steps into legs: a new leg starts wherever the service changes.
    groups: list[list[Step]] = []
    previous_service: tuple[int, int] = (-1, -1)
    for item in steps:
        # A through product is one booking over several vehicles: a leg per vehicle, each marked with the product.
        service = (compiled.link_service[item.link], compiled.link_timetable[item.link])
        if service != previous_service:
            groups.append([])
            previous_service = service
        groups[-1].append(item)

    origin = network.nodes[query.origin]
    crossed = _territories_crossed(origin.territory or origin.country, [facts[step.link] for step in steps])
    leg_provenance, provenance = route_provenance(network, compiled, groups, pricing := query_pricing(compiled, query))
    legs: list[Leg] = []
    transfers: list[Transfer] = []
    borders: list[BorderCrossing] = []
    border_steps: list[Step] = []
    step_index = 0
    totals = [0, 0, 0, 0, 0]  # freight, handling, border, de-consolidation, surcharge cents
    through_cents = 0  # the part of the freight charged by through tariffs
    ready = to_minutes(query.ready)
    arrive_at_node = ready
    for n, group in enumerate(groups):
        first_step = group[0]
        last_step = group[-1]
        first = facts[first_step.link]
        if n:
            before = compiled.link_timetable[groups[n - 1][-1].link]
            transfers.append(
                Transfer(
                    node_id=first.from_id,
                    arrive=from_minutes(arrive_at_node),
                    from_service=compiled.service_ids[before],
                    to_service=first.service_id,
                    handling_h=round(first_step.handling_min / 60, 2),
                    handling_usd=_usd(first_step.handling_cents),
                    lift=first_step.lift,
                    gauge_break=_gauge_break(compiled, before, compiled.link_vehicle[first_step.link]),
                    deconsolidation=first_step.deconsolidation_min > 0 or first_step.deconsolidation_cents > 0,
                    deconsolidation_usd=_usd(first_step.deconsolidation_cents),
                )
            )
        hops = []
        freight = border = co2e = surcharge = 0
        distance = 0.0
        for step in group:
            fact = facts[step.link]
            freight += step.freight_cents - step.surcharge_cents
            surcharge += step.surcharge_cents
            border += step.border_cents
            co2e += step.co2e_g
            distance += fact.distance_km
            left, entered = crossed[step_index]
            step_index += 1
            if step.border_exit_min or step.border_entry_min or (fact.to_territory is not None and left != entered):
                border_steps.append(step)
                borders.append(
                    BorderCrossing(
                        link_id=fact.link_id,
                        from_id=fact.from_id,
                        to_id=fact.to_id,
                        from_country=left,
                        to_country=entered,
                        exit_dwell_h=round(step.border_exit_min / 60, 2),
                        entry_dwell_h=round(step.border_entry_min / 60, 2),
                        cost_usd=_usd(step.border_cents),
                    )
                )
            hops.append(
                Hop(
                    link_id=fact.link_id,
                    from_id=fact.from_id,
                    to_id=fact.to_id,
                    depart=from_minutes(step.depart),
                    arrive=from_minutes(step.arrive),
                    distance_km=fact.distance_km,
                    freight_usd=_usd(step.freight_cents - step.surcharge_cents),
                    border_usd=_usd(step.border_cents),
                    co2e_kg=step.co2e_g / 1000,
                    co2e_factor=fact.factor,
                )
            )
        totals[0] += freight
        totals[1] += first_step.handling_cents
        totals[2] += border
        totals[3] += first_step.deconsolidation_cents
        totals[4] += surcharge
        applied, dated = leg_pricing(compiled, pricing, [item.link for item in group], transfer=n > 0)
        product = compiled.link_through[first_step.link]
        through_cents += freight if product >= 0 else 0
        legs.append(
            Leg(
                from_id=first.from_id,
                to_id=facts[last_step.link].to_id,
                mode=first.mode,
                operator=first.operator,
                service_id=first.service_id,
                load_unit=first.load_unit,
                gauge_mm=first.gauge_mm,
                depart=hops[0].depart,
                arrive=hops[-1].arrive,
                wait_h=round(first_step.wait_min / 60, 2),
                distance_km=round(distance, 1),
                cost=CostBreakdown(
                    _usd(freight),
                    _usd(first_step.handling_cents),
                    _usd(border),
                    _usd(first_step.deconsolidation_cents),
                    _usd(surcharge),
                    _usd(freight) if product >= 0 else 0.0,
                ),
                co2e_kg=co2e / 1000,
                hops=tuple(hops),
                co2e_ttw_kg=sum(step.co2e_ttw_g for step in group) / 1000,
                provenance=leg_provenance[n],
                surcharges=applied,
                dated_price=dated,
                through_tariff=compiled.through_ids[product] if product >= 0 else None,
            )
        )
        arrive_at_node = last_step.arrive

    arrive = steps[-1].arrive
    cost_cents = sum(totals)
    co2e_g = sum(step.co2e_g for step in steps)
    transfer_count = sum(step.transfer for step in steps)
    countries = [origin.territory or origin.country] + [left_entered[1] for left_entered in crossed]
    return Route(
        legs=tuple(legs),
        transfers=tuple(transfers),
        border_crossings=tuple(borders),
        countries=tuple(dict.fromkeys(countries)),
        ready=from_minutes(ready),
        depart=legs[0].depart,
        arrive=from_minutes(arrive),
        cost=CostBreakdown(*(_usd(cents) for cents in (*totals, through_cents))),
        co2e_kg=co2e_g / 1000,
        distance_km=round(sum(leg.distance_km for leg in legs), 1),
        geometry=(
            (origin.lat, origin.lon),
            *(point for step in steps for point in (*facts[step.link].inner_lat_lon, facts[step.link].to_lat_lon)),
        ),
        criteria=(arrive, cost_cents, transfer_count, co2e_g),
        emissions=emissions_report(network, compiled, query.shipment.container_count, query.shipment.tonnes, steps),
        provenance=provenance._replace(border_crossings=border_provenance(network, compiled, border_steps)),
    )


def _usd(cents: int) -> float:
    # Correctly rounded division: equals round(cents / 100, 2) for whole cents.
    return cents / 100


def _gauge_break(compiled: CompiledNetwork, before_service: int, after_vehicle: int) -> bool:
    unit_a, gauge_a = compiled.vehicle_kinds[compiled.service_vehicle[before_service]]
    unit_b, gauge_b = compiled.vehicle_kinds[after_vehicle]
    return unit_a is LoadUnit.WAGON and unit_b is LoadUnit.WAGON and gauge_a != gauge_b


def _territories_crossed(start: str, hops: list[_LinkFacts]) -> list[tuple[str, str]]:
    """Per hop: the territory the cargo is in before it and the next territory it enters at or after its end.

    Sea passages are no territory, so a sea crossing from Ningbo to Rotterdam is one border crossing CN → NL (its
    exit dwell on the hop leaving Ningbo, its entry dwell on the hop reaching Rotterdam), not CN → SG → YE → GI → NL.
    """
    before = []
    current = start
    for hop in hops:
        before.append(current)
        current = hop.to_territory or current
    entered: list[str] = []
    upcoming = current
    for hop in reversed(hops):
        upcoming = hop.to_territory or upcoming
        entered.append(upcoming)
    entered.reverse()
    return list(zip(before, entered, strict=True))
