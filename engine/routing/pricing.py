"""Tariff units of one query: containers by type, fee units, dated rate series and surcharges.

Everything here is fixed for a query (its shipment, cargo class and ready date), so the search still sees a fixed
price per link and per transfer node, which keeps the label-setting search exact (:mod:`engine.routing.search`).

- **Containers.** A per-TEU tariff charges a 20ft box 1 × ``usd_per_teu`` and a 40ft box (dry, high cube or
  reefer) ``feu_factor`` × ``usd_per_teu``, ``feu_factor`` being the service's published 40ft ÷ 20ft ratio
  (``services.csv``; 2 when not given, i.e. per TEU). High cube and reefer boxes pay the 40ft rate; reefers add
  their surcharges.
- **Fee units.** Handling (``handling_unit``) and border fees (``border_unit``) are per ``teu``, ``container``,
  ``wagon`` (one per 40ft box or per two 20ft boxes: a 40ft flat wagon, :data:`WAGON_TEU`) or ``consignment``
  (once). Loose cargo pays every fee once, as one unit.
- **Dated rate series** (``rate_series.csv``). A service with a series has link fares published at its ``base``
  point; a query ready on day ``d`` pays them × value(latest point on or before ``d``) ÷ value(base). Before the
  first point the first point applies (its ``as_of`` then lies after the ready date, which the answer shows).
- **Surcharges** (``surcharges.csv``) valid on the ready date, for the query's cargo class: on links (link,
  service, mode, or arrival at a ``via`` node) and at transfers (``transfer:NODE``). ``container_day`` counts days
  of the link's running time (or the node's handling time): waiting is not charged, because a cost that grows
  with waiting would break the FIFO dominance the search relies on (an underestimate, documented).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from engine.network.model import (
    CargoClass,
    FeeUnit,
    Network,
    RatePoint,
    Surcharge,
    SurchargeScope,
    ThroughTariff,
)
from engine.routing.compiled import CompiledNetwork
from engine.routing.query import ContainerType, RouteQuery

WAGON_TEU = 2
"""TEU one wagon carries for ``wagon`` fees: a 40ft flat wagon with one 40ft or two 20ft boxes (an assumption:
80ft platforms on 1520 mm carry 4 TEU, which would halve the count)."""


class DatedPrice(NamedTuple):
    """The rate-series point that priced a service for this query."""

    service_id: str
    as_of: date
    value: float
    unit: str
    multiplier: float
    source_keys: tuple[str, ...]


class AppliedSurcharge(NamedTuple):
    """A surcharge a route pays, with its amount for this shipment (USD)."""

    surcharge_id: str
    kind: str
    usd: float
    unit: FeeUnit
    valid_from: date | None
    valid_to: date | None
    source_keys: tuple[str, ...]


@dataclass(frozen=True)
class ShipmentUnits:
    """How many of each fee unit the shipment is (loose cargo: one of each)."""

    teu: float
    containers: float
    wagons: float
    twenty_ft: int
    forty_ft: int
    loose: bool

    def count(self, unit: FeeUnit, days: float = 0.0) -> float:
        """Units of ``unit`` (``container_day``: containers × ``days``)."""
        if unit is FeeUnit.CONSIGNMENT:
            return 1.0
        if self.loose:
            return days if unit is FeeUnit.CONTAINER_DAY else 1.0
        if unit is FeeUnit.TEU:
            return self.teu
        if unit is FeeUnit.CONTAINER:
            return self.containers
        if unit is FeeUnit.WAGON:
            return self.wagons
        return self.containers * days

    def freight_units(self, feu_factor: float) -> float:
        """20ft-box equivalents charged on a per-TEU tariff whose 40ft box costs ``feu_factor`` × the 20ft."""
        return self.twenty_ft + feu_factor * self.forty_ft


def shipment_units(boxes: Sequence[tuple[ContainerType, int]], teu: int) -> ShipmentUnits:
    """The fee units of a shipment's boxes (no boxes: loose cargo)."""
    twenty = sum(n for kind, n in boxes if kind is ContainerType.DRY_20)
    forty = sum(n for kind, n in boxes if kind is not ContainerType.DRY_20)
    return ShipmentUnits(
        teu=float(teu),
        containers=float(twenty + forty),
        wagons=float(forty + math.ceil(twenty / WAGON_TEU)),
        twenty_ft=twenty,
        forty_ft=forty,
        loose=not boxes,
    )


def rate_point_on(points: Sequence[RatePoint], day: date) -> RatePoint:
    """The latest point on or before ``day``; the first point when ``day`` precedes the series."""
    index = bisect.bisect_right([p.as_of for p in points], day)
    return points[max(index - 1, 0)]


def dated_prices(network: Network, day: date) -> dict[str, DatedPrice]:
    """Per service with a rate series: the point that prices cargo ready on ``day`` and its multiplier."""
    prices = {}
    for service_id, points in network.rate_series.items():
        point = rate_point_on(points, day)
        base = next(p for p in points if p.base)
        keys = tuple(dict.fromkeys(point.provenance.keys_for("value")))
        prices[service_id] = DatedPrice(
            service_id, point.as_of, point.value, point.unit, point.value / base.value, keys
        )
    return prices


def surcharges_for(network: Network, day: date, cargo_class: CargoClass) -> tuple[Surcharge, ...]:
    """Surcharges valid on ``day`` that apply to ``cargo_class`` (``None`` class = every cargo)."""
    return tuple(
        s for s in network.surcharges if s.valid_on(day) and (s.cargo_class is None or s.cargo_class is cargo_class)
    )


def surcharge_source_keys(surcharge: Surcharge) -> tuple[str, ...]:
    """Source keys of a surcharge's amount."""
    return tuple(dict.fromkeys(surcharge.provenance.keys_for("usd")))


class QueryPricing:
    """The prices of one query that do not depend on the path, per link and per node (cents).

    Built once per distinct (boxes, cargo class, valid surcharges, rate points) and kept in the snapshot's views,
    so queries that price alike share it.
    """

    def __init__(
        self,
        compiled: CompiledNetwork,
        units: ShipmentUnits,
        prices: dict[str, DatedPrice],
        surcharges: tuple[Surcharge, ...],
        key: tuple[object, ...],
    ) -> None:
        c = compiled
        self.key = key
        """Hashable: equal for queries that price alike (bounds cache per key)."""
        self.units = units
        self.prices = prices
        self.container_freight: list[int | None] | None = None
        """Freight per link for these boxes (cents), filled by the first query context that needs it."""
        n_links, n_nodes = len(c.link_ids), len(c.node_ids)
        by_service = {c.service_ids.index(s): p.multiplier for s, p in prices.items() if s in c.service_ids}
        self.multiplier = [by_service.get(c.link_service[i], 1.0) for i in range(n_links)]
        self.link_surcharges: list[tuple[tuple[Surcharge, int], ...]] = [()] * n_links
        self.transfer_surcharges: list[tuple[tuple[Surcharge, int], ...]] = [()] * n_nodes
        for surcharge in surcharges:
            for link in _links_of(c, surcharge):
                days = c.link_run_min[link] / 1440
                cents = round(surcharge.usd * units.count(surcharge.unit, days) * 100)
                self.link_surcharges[link] = (*self.link_surcharges[link], (surcharge, cents))
            if surcharge.scope is SurchargeScope.TRANSFER:
                node = c.node_index[surcharge.target]
                days = c.handling_min[node] / 1440
                cents = round(surcharge.usd * units.count(surcharge.unit, days) * 100)
                self.transfer_surcharges[node] = (*self.transfer_surcharges[node], (surcharge, cents))
        self.link_surcharge_cents = [sum(cents for _, cents in items) for items in self.link_surcharges]
        self.transfer_surcharge_cents = [sum(cents for _, cents in items) for items in self.transfer_surcharges]
        self.through_cents = _through_cents(c, units)
        """Product link → its share of the through rate for these boxes (cents; ``None``: size not carried)."""
        self.lift_cents = [
            round(c.handling_usd_per_teu[n] * units.count(c.handling_unit[n]) * 100) for n in range(n_nodes)
        ]
        self.border_cents = [
            round(sum(usd * units.count(unit) for usd, unit in c.link_border_fees[i]) * 100) for i in range(n_links)
        ]


def through_price_usd(tariff: ThroughTariff, units: ShipmentUnits) -> float | None:
    """The through rate for the shipment's boxes (USD), ``None`` when the product does not carry one of them."""
    if units.loose:
        return None
    if (units.twenty_ft and tariff.usd_20ft is None) or (units.forty_ft and tariff.usd_40ft is None):
        return None
    return units.twenty_ft * (tariff.usd_20ft or 0.0) + units.forty_ft * (tariff.usd_40ft or 0.0)


def _through_cents(c: CompiledNetwork, units: ShipmentUnits) -> dict[int, int | None]:
    """The through rate prorated over each product's links by distance; the parts sum to the rate exactly."""
    shares: dict[int, int | None] = {}
    for product, tariff in enumerate(c.network.through_tariffs[: len(c.through_ids)]):
        links = sorted((i for i, p in enumerate(c.link_through) if p == product), key=lambda i: c.link_through_pos[i])
        price = through_price_usd(tariff, units)
        total_km = sum(c.link_distance_km[i] for i in links)
        done_km = 0.0
        charged = 0
        for link in links:
            if price is None:
                shares[link] = None
                continue
            done_km += c.link_distance_km[link]
            upto = round(price * 100 * done_km / total_km)
            shares[link] = upto - charged
            charged = upto
    return shares


def _links_of(c: CompiledNetwork, surcharge: Surcharge) -> list[int]:
    scope, target = surcharge.scope, surcharge.target
    if scope is SurchargeScope.LINK:  # the link and its copies in through products
        return [i for i, link_id in enumerate(c.link_ids) if link_id == target]
    if scope is SurchargeScope.SERVICE:  # the service's links and product links riding them
        service = c.service_ids.index(target)
        return [i for i, s in enumerate(c.link_timetable) if s == service]
    if scope is SurchargeScope.MODE:
        return [i for i, m in enumerate(c.link_mode) if m.value == target]
    if scope is SurchargeScope.VIA:
        return list(c.in_links[c.node_index[target]])
    return []


def query_pricing(compiled: CompiledNetwork, query: RouteQuery) -> QueryPricing:
    """The :class:`QueryPricing` of ``query`` (shared through the snapshot's views with queries that price alike)."""
    network = compiled.network
    shipment = query.shipment
    day = query.ready_utc.date()
    # What a day picks (rate points, valid surcharges) is kept per day: every query asks, few days recur.
    prices, picked = network.views.get(("routing.dated_prices", day), lambda: _dated_prices_picked(network, day))
    surcharges = network.views.get(
        ("routing.surcharges", day, shipment.cargo_class), lambda: surcharges_for(network, day, shipment.cargo_class)
    )
    boxes = shipment.boxes
    key = (
        "routing.pricing",
        len(compiled.link_ids),  # the search's arrays (with through products) and the optimizer's differ
        boxes,
        picked,
        tuple(s.id for s in surcharges),
    )
    return network.views.get(
        key, lambda: QueryPricing(compiled, shipment_units(boxes, shipment.teu), prices, surcharges, key)
    )


def _dated_prices_picked(network: Network, day: date) -> tuple[dict[str, DatedPrice], tuple[tuple[str, date], ...]]:
    """:func:`dated_prices` of ``day`` and which point each service's price is (part of a pricing's key)."""
    prices = dated_prices(network, day)
    return prices, tuple(sorted((s, p.as_of) for s, p in prices.items()))


def leg_pricing(
    compiled: CompiledNetwork, pricing: QueryPricing, links: Sequence[int], *, transfer: bool
) -> tuple[tuple[AppliedSurcharge, ...], DatedPrice | None]:
    """The surcharges a leg riding ``links`` paid (with the transfer before it) and the dated price of its service;
    ``pricing`` is the query's (:func:`query_pricing`, looked up once per route by the caller)."""
    items: list[tuple[Surcharge, int]] = []
    if transfer and links:
        items.extend(pricing.transfer_surcharges[compiled.link_from[links[0]]])
    for link in links:
        items.extend(pricing.link_surcharges[link])
    totals: dict[str, int] = {}
    by_id: dict[str, Surcharge] = {}
    for surcharge, cents in items:
        totals[surcharge.id] = totals.get(surcharge.id, 0) + cents
        by_id[surcharge.id] = surcharge
    applied = tuple(
        AppliedSurcharge(s.id, s.kind, totals[s.id] / 100, s.unit, s.valid_from, s.valid_to, surcharge_source_keys(s))
        for s in by_id.values()
    )
    dated = pricing.prices.get(compiled.service_ids[compiled.link_service[links[0]]]) if links else None
    return applied, dated


__all__ = [
    "WAGON_TEU",
    "AppliedSurcharge",
    "DatedPrice",
    "QueryPricing",
    "ShipmentUnits",
    "dated_prices",
    "leg_pricing",
    "query_pricing",
    "rate_point_on",
    "shipment_units",
    "surcharge_source_keys",
    "surcharges_for",
    "through_price_usd",
]
