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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import NamedTuple

import numpy as np

from engine.network.model import (
    CargoClass,
    FeeUnit,
    Network,
    RatePoint,
    Surcharge,
    SurchargeScope,
    ThroughTariff,
)
from engine.routing.columns import Column, column
from engine.routing.compiled import CompiledNetwork
from engine.routing.pricing_arrays import (
    FEE_UNITS,
    NO_PRICE,
    IntArray,
    PricingArrays,
    TariffColumns,
    border_cents,
    container_freight_cents,
    surcharge_links,
    tariff_columns,
    unit_cents,
)
from engine.routing.query import ContainerType, RouteQuery, Shipment

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
    so queries that price alike share it. The prices are numpy arrays (:attr:`arrays`, computed over the whole
    network at once: :mod:`engine.routing.pricing_arrays`); the attributes of the same names read them one index at
    a time as Python numbers (:mod:`engine.routing.columns`).
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
        columns = tariff_columns(c)
        per_service = np.ones(len(c.service_ids))
        for service_id, price in prices.items():
            if service_id in c.service_ids:
                per_service[c.service_ids.index(service_id)] = price.multiplier
        multiplier = per_service[columns.link_service]
        on_links, on_nodes = _NoneCharged(), _NoneCharged()
        link_extra = np.zeros(len(c.link_ids), dtype=np.int64)
        transfer_extra = np.zeros(len(c.node_ids), dtype=np.int64)
        for surcharge in surcharges:
            links = surcharge_links(c, columns, surcharge)
            if len(links):
                cents = _surcharge_cents(surcharge, units, columns.link_run_min[links])
                link_extra[links] += cents
                for link, charged in zip(links.tolist(), cents.tolist(), strict=True):
                    on_links[link] = (*on_links[link], (surcharge, charged))
            if surcharge.scope is SurchargeScope.TRANSFER:
                node = c.node_index[surcharge.target]
                days = c.handling_min[node] / 1440
                charged = round(surcharge.usd * units.count(surcharge.unit, days) * 100)
                transfer_extra[node] += charged
                on_nodes[node] = (*on_nodes[node], (surcharge, charged))
        self.link_surcharges: Mapping[int, tuple[tuple[Surcharge, int], ...]] = on_links
        """Per link: the surcharges it pays, with their cents (``()``: none)."""
        self.transfer_surcharges: Mapping[int, tuple[tuple[Surcharge, int], ...]] = on_nodes
        """Per node: the surcharges a transfer there pays, with their cents (``()``: none)."""
        self.through_cents = _through_cents(c, columns, units)
        """Product link → its share of the through rate for these boxes (cents; ``None``: size not carried)."""
        counts = np.asarray([units.count(unit) for unit in FEE_UNITS], dtype=np.float64)
        if units.loose:  # loose cargo never rides as boxes
            container_freight = np.full(len(c.link_ids), NO_PRICE, dtype=np.int64)
        else:
            container_freight = container_freight_cents(
                columns,
                teu=round(units.teu),
                twenty_ft=units.twenty_ft,
                forty_ft=units.forty_ft,
                multiplier=multiplier,
                extra=link_extra,
                through=self.through_cents,
            )
        self.arrays = PricingArrays(
            multiplier=multiplier,
            link_surcharge_cents=link_extra,
            transfer_surcharge_cents=transfer_extra,
            lift_cents=unit_cents(columns.node_handling_usd_per_teu, columns.node_handling_unit, counts),
            border_cents=border_cents(columns, counts),
            container_freight=container_freight,
        )
        """The prices as arrays (the compiled search and the bound graph read these)."""

    @cached_property
    def multiplier(self) -> Column[float]:
        """Per link: the dated rate series' factor on its published fare (1.0 without a series)."""
        return column(self.arrays.multiplier)

    @cached_property
    def link_surcharge_cents(self) -> Column[int]:
        """Per link: its surcharges for these boxes (cents)."""
        return column(self.arrays.link_surcharge_cents)

    @cached_property
    def transfer_surcharge_cents(self) -> Column[int]:
        """Per node: the surcharges of a transfer there (cents)."""
        return column(self.arrays.transfer_surcharge_cents)

    @cached_property
    def lift_cents(self) -> Column[int]:
        """Per node: a lift of these boxes (cents)."""
        return column(self.arrays.lift_cents)

    @cached_property
    def border_cents(self) -> Column[int]:
        """Per link: the border fees of these boxes (cents; 0 off borders)."""
        return column(self.arrays.border_cents)

    @cached_property
    def container_freight(self) -> Column[int | None]:
        """Per link: freight for these boxes including the link's surcharges (cents; ``None``: not carried in
        containers, everywhere for loose cargo)."""
        return column(self.arrays.container_freight, NO_PRICE)


class _NoneCharged(dict[int, tuple[tuple[Surcharge, int], ...]]):
    """Surcharges by link or node index; an index with none reads as ``()`` (most have none)."""

    def __missing__(self, index: int) -> tuple[tuple[Surcharge, int], ...]:
        return ()


def _surcharge_cents(surcharge: Surcharge, units: ShipmentUnits, run_min: IntArray) -> IntArray:
    """Cents of ``surcharge`` on links running ``run_min`` minutes: ``round(usd × count × 100)``, the count per
    container-day of running time (loose cargo: per day) or per unit of the shipment."""
    if surcharge.unit is FeeUnit.CONTAINER_DAY:
        days = run_min / 1440
        count = days if units.loose else units.containers * days
        return np.rint(surcharge.usd * count * 100).astype(np.int64)
    return np.full(len(run_min), round(surcharge.usd * units.count(surcharge.unit) * 100), dtype=np.int64)


def through_price_usd(tariff: ThroughTariff, units: ShipmentUnits) -> float | None:
    """The through rate for the shipment's boxes (USD), ``None`` when the product does not carry one of them."""
    if units.loose:
        return None
    if (units.twenty_ft and tariff.usd_20ft is None) or (units.forty_ft and tariff.usd_40ft is None):
        return None
    return units.twenty_ft * (tariff.usd_20ft or 0.0) + units.forty_ft * (tariff.usd_40ft or 0.0)


def _through_cents(c: CompiledNetwork, columns: TariffColumns, units: ShipmentUnits) -> dict[int, int | None]:
    """The through rate prorated over each product's links by distance; the parts sum to the rate exactly."""
    shares: dict[int, int | None] = {}
    for tariff, product_links in zip(c.network.through_tariffs, columns.products, strict=False):
        links = product_links.tolist()
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


def query_pricing(compiled: CompiledNetwork, query: RouteQuery) -> QueryPricing:
    """The :class:`QueryPricing` of ``query`` (shared through the snapshot's views with queries that price alike).

    Found first by what decides it (the link count, the ready day, the cargo class and the boxes as the shipment
    gives them): one view lookup, where finding it by its own key (which names the rate points and surcharges the
    day picks) takes three and the boxes (~2 µs of a ~150 µs CHEAPEST answer)."""
    shipment = query.shipment
    day = query.ready_utc.date()
    decided_by = (
        "routing.query_pricing",
        len(compiled.link_ids),
        day,
        shipment.cargo_class,
        shipment.teu,
        shipment.containers,
    )
    return compiled.network.views.get(decided_by, lambda: _query_pricing(compiled, shipment, day))


def _query_pricing(compiled: CompiledNetwork, shipment: Shipment, day: date) -> QueryPricing:
    network = compiled.network
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
    dated = pricing.prices.get(compiled.service_ids[compiled.link_service[links[0]]]) if links else None
    if not items:  # most legs pay none
        return (), dated
    totals: dict[str, int] = {}
    by_id: dict[str, Surcharge] = {}
    for surcharge, cents in items:
        totals[surcharge.id] = totals.get(surcharge.id, 0) + cents
        by_id[surcharge.id] = surcharge
    applied = tuple(
        AppliedSurcharge(s.id, s.kind, totals[s.id] / 100, s.unit, s.valid_from, s.valid_to, surcharge_source_keys(s))
        for s in by_id.values()
    )
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
