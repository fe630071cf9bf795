"""``build_route``: a route given as the cost model's steps turned into legs (one per vehicle), transfers, border
crossings, its emissions report and provenance (the answer's types are in :mod:`engine.routing.result`).

What the builder reads of a link is resolved once per snapshot (:class:`_LinkFacts`, kept in the snapshot's views,
row by row): a route reads a few dozen of the network's links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from engine.network.model import LoadUnit, Mode, Network
from engine.network.views import LazyRows
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import Step
from engine.routing.deferred import Pending, Shared, frozen_instance
from engine.routing.emissions import emissions_report
from engine.routing.pricing import QueryPricing, leg_pricing, query_pricing
from engine.routing.provenance import LegProvenance, RouteProvenance, border_provenance, route_provenance
from engine.routing.query import RouteQuery
from engine.routing.reliability import ArrivalBand, arrival_band
from engine.routing.result import BorderCrossing, Co2eFactor, CostBreakdown, Hop, Leg, Route, Transfer
from engine.routing.through import compile_routing
from engine.routing.timetable import from_minutes, to_minutes

_new_tuple = tuple.__new__  # a named tuple built from a tuple, without its keyword handling (hot loop)


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
    return answer_route(network, query, steps)


def answer_route(
    network: Network,
    query: RouteQuery,
    steps: Sequence[Step],
    *,
    band: ArrivalBand | None = None,
    replay_band: bool = False,
    best_for: tuple[str, ...] = (),
    pricing: QueryPricing | None = None,
) -> Route:
    """:func:`build_route` with the route's arrival ``band`` (or, with ``replay_band``, the band replayed on first
    read) and ``best_for`` tags set as it is made (what ``find_routes`` answers), rather than copied in afterwards;
    ``pricing`` is the query's, when the caller has it (:func:`engine.routing.pricing.query_pricing`)."""
    compiled = compile_routing(network)
    if pricing is None:
        pricing = query_pricing(compiled, query)
    facts = _link_facts(network, compiled)
    links = [step.link for step in steps]
    step_facts = [facts[link] for link in links]

    # Split the steps into legs: a new leg starts wherever the service changes.
    groups: list[list[Step]] = []
    previous_service: tuple[int, int] = (-1, -1)
    link_service, link_timetable = compiled.link_service, compiled.link_timetable
    for item, link in zip(steps, links, strict=True):
        # A through product is one booking over several vehicles: a leg per vehicle, each marked with the product.
        service = (link_service[link], link_timetable[link])
        if service != previous_service:
            group: list[Step] = []
            groups.append(group)
            previous_service = service
        group.append(item)

    origin = network.nodes[query.origin]
    crossed = _territories_crossed(origin.territory or origin.country, step_facts)
    legs: list[Leg] = []
    transfers: list[Transfer] = []
    borders: list[BorderCrossing] = []
    border_steps: list[Step] = []
    step_index = 0
    totals = [0, 0, 0, 0, 0]  # freight, handling, border, de-consolidation, surcharge cents
    through_cents = 0  # the part of the freight charged by through tariffs
    co2e_g = transfer_count = 0  # the route's grams and transfers
    distance_km: float = 0  # the legs' rounded distances, added in order (as sum() did)
    ready = to_minutes(query.ready)
    arrive_at_node = ready
    # Dollars are cents / 100, written out (~30 a route): a correctly rounded division, equal to
    # round(cents / 100, 2) for whole cents.
    # Provenance, emissions, hops and geometry are computed when first read (engine/routing/deferred.py), from
    # what the route was built from.
    shared = Shared(lambda: _provenance(network, compiled, groups, pricing, border_steps))
    drawn = Shared(lambda: _hops_and_geometry((origin.lat, origin.lon), groups, step_facts))
    for n, group in enumerate(groups):
        first_step = group[0]
        last_step = group[-1]
        first = step_facts[step_index]
        if n:
            before = link_timetable[groups[n - 1][-1].link]
            transfers.append(
                _new_tuple(
                    Transfer,
                    (
                        first.from_id,  # node_id
                        from_minutes(arrive_at_node),  # arrive
                        compiled.service_ids[before],  # from_service
                        first.service_id,  # to_service
                        _hours(first_step.handling_min),  # handling_h
                        first_step.handling_cents / 100,  # handling_usd
                        first_step.lift,  # lift
                        _gauge_break(compiled, before, compiled.link_vehicle[first_step.link]),  # gauge_break
                        first_step.deconsolidation_min > 0 or first_step.deconsolidation_cents > 0,  # deconsolidation
                        first_step.deconsolidation_cents / 100,  # deconsolidation_usd
                    ),
                )
            )
        freight = border = co2e = surcharge = ttw = 0
        distance = 0.0
        for step in group:
            fact = step_facts[step_index]
            left, entered = crossed[step_index]
            step_index += 1
            freight += step.freight_cents - step.surcharge_cents
            surcharge += step.surcharge_cents
            border += step.border_cents
            co2e += step.co2e_g
            transfer_count += step.transfer
            ttw += step.co2e_ttw_g
            distance += fact.distance_km
            if step.border_exit_min or step.border_entry_min or (fact.to_territory is not None and left != entered):
                border_steps.append(step)
                borders.append(
                    _new_tuple(
                        BorderCrossing,
                        (
                            fact.link_id,
                            fact.from_id,
                            fact.to_id,
                            left,
                            entered,
                            _hours(step.border_exit_min),
                            _hours(step.border_entry_min),
                            step.border_cents / 100,
                        ),
                    )
                )
        totals[0] += freight
        totals[1] += first_step.handling_cents
        totals[2] += border
        totals[3] += first_step.deconsolidation_cents
        totals[4] += surcharge
        applied, dated = leg_pricing(compiled, pricing, links[step_index - len(group) : step_index], transfer=n > 0)
        product = compiled.link_through[first_step.link]
        through_cents += freight if product >= 0 else 0
        leg_km = _tenths(distance)
        legs.append(
            frozen_instance(
                Leg,
                (
                    first.from_id,  # from_id
                    step_facts[step_index - 1].to_id,  # to_id
                    first.mode,  # mode
                    first.operator,  # operator
                    first.service_id,  # service_id
                    first.load_unit,  # load_unit
                    first.gauge_mm,  # gauge_mm
                    from_minutes(first_step.depart),  # depart
                    from_minutes(last_step.arrive),  # arrive
                    _hours(first_step.wait_min),  # wait_h
                    leg_km,  # distance_km
                    _new_tuple(  # cost
                        CostBreakdown,
                        (
                            freight / 100,
                            first_step.handling_cents / 100,
                            border / 100,
                            first_step.deconsolidation_cents / 100,
                            surcharge / 100,
                            freight / 100 if product >= 0 else 0.0,
                        ),
                    ),
                    co2e / 1000,  # co2e_kg
                    _new_tuple(Pending, (drawn, n)),  # hops, built on first read
                    ttw / 1000,  # co2e_ttw_kg
                    _new_tuple(Pending, (shared, n)),  # provenance, computed on first read
                    applied,  # surcharges
                    dated,  # dated_price
                    compiled.through_ids[product] if product >= 0 else None,  # through_tariff
                ),
            )
        )
        arrive_at_node = last_step.arrive
        co2e_g += co2e
        distance_km += leg_km

    arrive = steps[-1].arrive
    cost_cents = sum(totals)
    countries = [origin.territory or origin.country] + [left_entered[1] for left_entered in crossed]
    shipment, taken = query.shipment, tuple(steps)  # a copy: the caller's list may change after we return
    report = Shared(lambda: (emissions_report(network, compiled, shipment.container_count, shipment.tonnes, taken),))
    band_fields: tuple[object, ...]
    if band is not None:
        band_fields = _band_fields(band)
    elif replay_band:
        replayed = Shared(lambda: _band_fields(arrival_band(network, query, taken)))
        band_fields = tuple([_new_tuple(Pending, (replayed, n)) for n in range(4)])
    else:
        band_fields = (None, None, None, None)
    return frozen_instance(
        Route,
        (
            tuple(legs),  # legs
            tuple(transfers),  # transfers
            tuple(borders),  # border_crossings
            tuple(dict.fromkeys(countries)),  # countries
            from_minutes(ready),  # ready
            legs[0].depart,  # depart
            from_minutes(arrive),  # arrive
            _new_tuple(CostBreakdown, [cents / 100 for cents in (*totals, through_cents)]),  # cost
            co2e_g / 1000,  # co2e_kg
            _tenths(distance_km),  # distance_km (the legs' rounded distances added in order)
            _new_tuple(Pending, (drawn, len(groups))),  # geometry, built on first read
            best_for,  # best_for
            (arrive, cost_cents, transfer_count, co2e_g),  # criteria
            _new_tuple(Pending, (report, 0)),  # emissions, computed on first read
            _new_tuple(Pending, (shared, len(legs))),  # provenance, computed on first read
            *band_fields,  # arrival_p10, arrival_p50, arrival_p90, on_time_probability
        ),
    )


def _hops_and_geometry(
    origin: tuple[float, float], groups: list[list[Step]], step_facts: list[_LinkFacts]
) -> tuple[object, ...]:
    """Each leg's hops (one per step of its group), then the route's geometry from ``origin`` (lat, lon): the
    answer's per-link detail, built when first read (a CHEAPEST answer's ~12 hops were ~15 µs of ~170)."""
    legs: list[tuple[Hop, ...]] = []
    index = 0
    for group in groups:
        hops = []
        for step in group:
            fact = step_facts[index]
            index += 1
            hops.append(
                _new_tuple(
                    Hop,
                    (
                        fact.link_id,
                        fact.from_id,
                        fact.to_id,
                        from_minutes(step.depart),
                        from_minutes(step.arrive),
                        fact.distance_km,
                        (step.freight_cents - step.surcharge_cents) / 100,
                        step.border_cents / 100,
                        step.co2e_g / 1000,
                        fact.factor,
                    ),
                )
            )
        legs.append(tuple(hops))
    geometry = [origin]
    for fact in step_facts:
        geometry += fact.inner_lat_lon
        geometry.append(fact.to_lat_lon)
    return (*legs, tuple(geometry))


def _band_fields(band: ArrivalBand) -> tuple[datetime, datetime, datetime, float | None]:
    return band.p10, band.p50, band.p90, band.on_time_probability


def _provenance(
    network: Network,
    compiled: CompiledNetwork,
    groups: list[list[Step]],
    pricing: QueryPricing,
    border_steps: list[Step],
) -> tuple[LegProvenance | RouteProvenance, ...]:
    """The provenance of each leg, then of the route (:mod:`engine.routing.provenance`)."""
    legs, route = route_provenance(network, compiled, groups, pricing)
    return (*legs, route._replace(border_crossings=border_provenance(network, compiled, border_steps)))


@lru_cache(maxsize=1 << 12)
def _hours(minutes: int) -> float:
    """Minutes as hours rounded to 2 decimals (kept: ``round`` with digits costs ~0.7 µs, a route asks ~15 times,
    mostly for the same handling and border dwells)."""
    return round(minutes / 60, 2)


@lru_cache(maxsize=1 << 12)
def _tenths(km: float) -> float:
    """``km`` rounded to 0.1 (kept, as :func:`_hours`: the same legs recur across queries)."""
    return round(km, 1)


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
