"""The model of one step: what taking a link from a position costs in time, money, transfers and CO2e.

This is the single definition of the cost, time and emission model; the search, the route builder and the
brute-force test oracle all call :func:`step`.

Position: the cargo is at node ``v`` at minute ``t``, aboard service ``s`` (``-1`` at the origin, before the first
vehicle), containerised or loose, having come from node ``u``. Taking link ``l`` (service ``s'``) from there:

0. A vehicle does not turn straight back to ``u`` with the cargo aboard (``s' == s`` and ``l`` ends at ``u``).

1. If ``s' != s`` and ``s`` is a vehicle, that is a **transfer**: the node must allow it (``handling_h``), the cargo
   waits ``handling_h`` (plus the port's ``port_queue_h`` when it boards a ferry or sea vessel), and a lift is
   charged when the vehicle kind changes (load unit or gauge): in the node's fee unit (TEU, container, wagon,
   consignment) for containers, per kg for loose cargo; transfer surcharges (reefer plugs) are added. Boarding the
   first vehicle at the origin is not a transfer and is free.
2. A container boarding an aircraft is first **de-consolidated** (airport ``deconsolidation_h`` and cost per TEU,
   only where the query allows it); from then on the cargo is loose and may travel only by air and road.
3. If the link crosses a border, the exit dwell of ``v`` and the entry dwell of the link's end node are added
   (before departure and after arrival), with their cost in each node's fee unit (loose cargo pays each once).
4. Departure: staying on the same service departs at once; otherwise the first departure at or after the cargo is
   ready (FIFO). Arrival = departure + ``run_h`` (+ entry dwell).
5. Freight: ``usd_per_teu`` × (20ft boxes + ``feu_factor`` × 40ft boxes), ``usd_per_kg`` × kg, or ``usd_per_truck``
   × trucks (containers: ceil(TEU / ``teu_per_truck``); loose cargo: ceil(kg / 24,000)), × the dated rate-series
   factor of the ready date, plus the link's surcharges (:mod:`engine.routing.pricing`). A through product's link
   costs its share of the through rate (:mod:`engine.routing.through`, whose rules this step also applies).
   CO2e = factor (g/t-km, WTW) × tonnes × km.
6. Hub emissions (ISO 14083 hub operations): a transfer with a lift of containers adds the node's hub factor (kg
   CO2e per container, :func:`engine.routing.compiled.hub_factor`) × containers handled. ``co2e_g`` is the step's
   well-to-wheel total (link + hub), the search's CO2e criterion; ``hub_co2e_g`` is the hub part of it and
   ``co2e_ttw_g`` the link's tank-to-wheel grams (hub factors are well-to-wheel only: site energy is not split).

Money is integer cents, time integer minutes, CO2e integer grams, so sums are exact and comparisons are stable.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from engine.network.model import CargoClass, LoadUnit, Mode
from engine.routing.columns import Column, flags
from engine.routing.compiled import MODES, VESSEL_MODES, CompiledNetwork
from engine.routing.pricing import query_pricing
from engine.routing.pricing_arrays import LOOSE_KG_PER_TRUCK as LOOSE_KG_PER_TRUCK  # re-exported: the model's
from engine.routing.pricing_arrays import LOOSE_LOAD_UNITS as LOOSE_LOAD_UNITS
from engine.routing.pricing_arrays import (
    BoolArray,
    IntArray,
    loose_freight_cents,
    size_ok,
    tariff_columns,
)
from engine.routing.query import RouteQuery
from engine.routing.timetable import to_minutes


class Step(NamedTuple):
    """The outcome of taking one link (all integers: minutes, cents, grams); ``link`` is the link's index.

    A route is a sequence of steps: :func:`engine.routing.model.build_route` turns one into legs.
    """

    depart: int
    arrive: int
    wait_min: int
    transfer: bool
    lift: bool
    handling_min: int
    handling_cents: int
    deconsolidation_min: int
    deconsolidation_cents: int
    border_exit_min: int
    border_entry_min: int
    border_cents: int
    freight_cents: int
    co2e_g: int
    loose_after: bool
    link: int
    co2e_ttw_g: int
    hub_co2e_g: int
    surcharge_cents: int = 0
    """Part of ``freight_cents`` that is surcharges (reefer power, war risk, canal, transfer plugs)."""


_new_step = tuple.__new__  # positional construction of the Step tuple without NamedTuple's keyword handling


class QueryContext:
    """Everything about one query that does not depend on the path: which links it may use, their freight and CO2e.

    What depends only on the query's filters (avoidances, cargo class) and on the TEU count is computed once per
    snapshot and shared between queries; only shipment-size rules that could bind are checked per query.
    """

    def __init__(self, compiled: CompiledNetwork, query: RouteQuery) -> None:
        self.compiled = compiled
        self.query = query
        shipment = query.shipment
        constraints = query.constraints
        self.teu = shipment.teu
        self.kg = shipment.gross_weight_kg
        self.tonnes = shipment.tonnes
        self.starts_loose = shipment.is_loose
        self.cargo_class = shipment.cargo_class
        self.origin = compiled.node_index[query.origin]
        self.destination = compiled.node_index[query.destination]
        self.via = tuple(compiled.node_index[v] for v in constraints.via)
        self.ready_min = to_minutes(query.ready)
        self.allow_deconsolidation = constraints.allow_deconsolidation
        self.border_units = max(self.teu, 1)
        self.pricing = query_pricing(compiled, query)
        self.through = bool(compiled.through_ids)
        self.avoided_modes = constraints.avoid_modes
        self.avoided_operators = constraints.operators_folded
        self.node_ok = compiled.usable_nodes(constraints.avoid_countries, constraints.avoid_nodes)
        self.link_ok_array, self.link_ok = self._usable_links()
        """Per link: whether the query may use it, as an array and as Python code reads it (:meth:`usable`)."""
        self.freight_container: Column[int | None] = self.pricing.container_freight
        """Per link: freight for the shipment's boxes with the link's surcharges (cents; ``None``: not carried in
        containers, everywhere for loose cargo)."""
        self._freight_loose: dict[int, int | None] = {}
        self._grams_per_tonne = compiled.link_g_per_tonne
        self._grams_per_tonne_ttw = compiled.link_g_per_tonne_ttw
        self.containers = shipment.container_count  # boxes lifted at a hub
        self.co2e_g = _LazyCo2e(self._grams_per_tonne, self.tonnes)

    def usable(self, link: int) -> bool:
        """Whether the query may use ``link`` at all (avoidances, cargo rules, weight and capacity per departure)."""
        return self.link_ok[link]

    def _usable_links(self) -> tuple[BoolArray, Column[bool]]:
        c = self.compiled
        q = self.query.constraints
        key = (
            "routing.link_rules",
            len(c.link_ids),  # with or without through products
            q.avoid_countries,
            q.avoid_nodes,
            q.avoid_modes,
            self.avoided_operators,
            self.cargo_class,
            self.starts_loose,
            self.allow_deconsolidation,
        )
        rules: tuple[BoolArray, Column[bool]] = c.network.views.get(key, self._rule_ok)
        if self._size_rules_may_bind():
            fits = size_ok(tariff_columns(c), teu=self.teu, kg=self.kg, loose=self.starts_loose)
            usable = rules[0] & fits
            return usable, flags(usable)
        return rules

    def _rule_ok(self) -> tuple[BoolArray, Column[bool]]:
        """Avoidances and cargo rules per link (the part of usability shared by every query with the same
        filters): both ends usable, mode not avoided, cargo class not refused, no avoided operator; aircraft only
        for non-hazardous cargo that is or may become loose; loose cargo only on trucks and aircraft."""
        c = self.compiled
        columns = tariff_columns(c)
        node_ok = np.asarray(self.node_ok, dtype=np.bool_)
        ok = node_ok[columns.link_from] & node_ok[columns.link_to]
        if self.avoided_modes:
            ok &= ~np.isin(columns.link_mode, [MODES.index(m) for m in self.avoided_modes])
        ok &= ~columns.refused[self.cargo_class]
        if self.avoided_operators:
            avoided = self.avoided_operators
            ok &= np.fromiter((avoided.isdisjoint(o) for o in c.link_operators), dtype=np.bool_, count=len(ok))
        air_ok = self.cargo_class is not CargoClass.HAZMAT and (self.starts_loose or self.allow_deconsolidation)
        surface_ok = columns.link_loose_unit if self.starts_loose else True
        ok &= np.where(columns.link_mode == MODES.index(Mode.AIR), air_ok, surface_ok)
        return ok, flags(ok)

    def _size_rules_may_bind(self) -> bool:
        c = self.compiled
        if self.starts_loose:
            return self.kg > c.smallest_capacity_kg
        return (
            self.teu > c.smallest_capacity_teu
            or self.kg / self.teu > c.smallest_max_gross_kg_per_teu
            or (self.allow_deconsolidation and self.kg > c.smallest_capacity_kg)
        )

    def _freight(self, link: int, *, loose: bool) -> int | None:
        """Freight of ``link`` in cents for this shipment, containerised or loose; ``None`` if not carried so.

        The per-link definition: the query's arrays (:mod:`engine.routing.pricing_arrays`) compute the same over
        every link at once, and the tests compare the two link by link."""
        c = self.compiled
        loose = loose or self.starts_loose
        scale = self.pricing.multiplier[link] * 100  # a dated rate series scales the published fare
        extra = self.pricing.link_surcharge_cents[link]
        if c.link_through[link] >= 0 and not loose:  # a through product's share of its rate (engine.routing.through)
            share = self.pricing.through_cents[link]
            return None if share is None else share + extra
        per_kg = c.link_usd_per_kg[link]
        if per_kg is not None:
            return round(per_kg * self.kg * scale) + extra if loose else None
        per_truck = c.link_usd_per_truck[link]
        if per_truck is not None:
            if loose:
                trucks = math.ceil(self.kg / LOOSE_KG_PER_TRUCK)
            else:
                trucks = math.ceil(self.teu / c.link_teu_per_truck[link] - 1e-9)
            return round(per_truck * trucks * scale) + extra
        if loose or c.link_through[link] >= 0:  # through products carry containers only
            return None
        boxes = self.pricing.units.freight_units(c.link_feu_factor[link])
        return round(c.link_usd_per_teu[link] * boxes * scale) + extra

    def loose_freight(self, link: int) -> int | None:
        """Freight of ``link`` for the shipment as loose cargo (cents), computed on first use."""
        try:
            return self._freight_loose[link]
        except KeyError:
            value = self._freight_loose[link] = self._freight(link, loose=True)
            return value

    def loose_freight_cents(self) -> IntArray:
        """Freight of every link for the shipment as loose cargo (cents; ``NO_PRICE``: not carried loose), as
        :meth:`loose_freight` gives it link by link."""
        arrays = self.pricing.arrays
        return loose_freight_cents(
            tariff_columns(self.compiled),
            kg=self.kg,
            multiplier=arrays.multiplier,
            extra=arrays.link_surcharge_cents,
        )

    def _through_allows(self, node: int, service: int, new_service: int, link: int) -> bool:
        """The rules of through products: board on the first link only, leave (or arrive) at the end only."""
        c = self.compiled
        end = c.service_through_end
        if service >= 0 and end[service] >= 0 and new_service != service and node != end[service]:
            return False  # aboard a product: it is left only at its end
        position = c.link_through_pos[link]
        if position < 0:
            return True
        if (position > 0) != (service == new_service):
            return False  # a product is boarded on its first link, and only there
        # Reaching the query's destination ends the route: only at the product's end.
        return c.link_to[link] != self.destination or c.link_through_last[link]

    def step(self, node: int, t: int, service: int, loose: bool, link: int, came_from: int = -1) -> Step | None:
        """Take ``link`` from ``node`` at minute ``t`` aboard ``service`` (-1 = not yet boarded), having come from
        node ``came_from``; ``None`` if not allowed. A vehicle never turns straight back with the cargo aboard:
        going back the way it came means alighting and boarding again (a transfer)."""
        c = self.compiled
        new_service = c.link_service[link]
        if new_service == service and c.link_to[link] == came_from:
            return None
        transfer = service >= 0 and new_service != service
        internal = False  # a vehicle change inside a through product (engine.routing.through)
        if self.through and not self._through_allows(node, service, new_service, link):
            return None
        if self.through and c.link_through_pos[link] > 0:
            internal = transfer = c.link_through_change[link]
        handling_min = handling_cents = decons_min = decons_cents = surcharge = 0
        lift = False
        loose_after = loose
        load_unit = c.link_load_unit[link]
        if loose and load_unit not in LOOSE_LOAD_UNITS:
            return None
        if transfer:
            if not c.allows_transfer[node]:
                return None
            if self.cargo_class is CargoClass.REEFER and not c.reefer_ok[node]:
                return None
            handling_min = c.handling_min[node]
            if c.link_mode[link] in VESSEL_MODES:  # boarding a vessel: the port's queue for a berth or slot
                handling_min += c.port_queue_min[node]
            if internal:  # the through rate includes the product's own lifts and transfer fees
                lift = c.link_through_lift[link]
            else:
                lift = c.service_vehicle[service] != c.link_vehicle[link]
                surcharge = self.pricing.transfer_surcharge_cents[node]
        if load_unit is LoadUnit.AIRCRAFT and not loose:
            decons = c.decons_min[node]
            if decons is None or not self.allow_deconsolidation:
                return None
            decons_min = decons
            decons_cents = round(c.decons_usd_per_teu[node] * self.teu * 100)
            loose_after = True
            lift = service >= 0  # the loose cargo is handled onto the aircraft after unstuffing
        if lift and not internal:
            if loose_after:
                per_kg = c.handling_usd_per_kg[node]
                if per_kg is None:
                    return None  # loose cargo changes vehicle only where air-cargo handling is priced
                handling_cents = round(per_kg * self.kg * 100)
            else:
                handling_cents = self.pricing.lift_cents[node]
        freight = self.loose_freight(link) if loose_after else self.freight_container[link]
        if freight is None:
            return None
        # Containers lifted here (also when unstuffed to fly); loose cargo has no per-tonne hub factor.
        hub_g = round(c.hub_g_per_container[node] * self.containers) if lift and not loose else 0

        exit_min = c.link_border_exit_min[link]
        entry_min = c.link_border_entry_min[link]
        ready = t + handling_min + decons_min + exit_min
        if internal:
            depart = c.departures[c.link_timetable[link]].next(ready)
        else:
            depart = ready if (service == new_service) else c.departures[c.link_timetable[link]].next(ready)
        arrive = depart + c.link_run_min[link] + entry_min
        border_usd = c.link_border_usd_per_teu[link]
        if not border_usd:
            border_cents = 0
        elif loose_after:
            border_cents = round(border_usd * 100)  # loose cargo pays each border fee once
        else:
            border_cents = self.pricing.border_cents[link]
        return _new_step(
            Step,
            (
                depart,
                arrive,
                depart - ready,
                transfer,
                lift,
                handling_min,
                handling_cents,
                decons_min,
                decons_cents,
                exit_min,
                entry_min,
                border_cents,
                freight + surcharge,  # the freight list already holds the link's surcharges; add the transfer's
                round(self._grams_per_tonne[link] * self.tonnes) + hub_g,
                loose_after,
                link,
                round(self._grams_per_tonne_ttw[link] * self.tonnes),
                hub_g,
                surcharge + self.pricing.link_surcharge_cents[link],
            ),
        )


class _LazyCo2e:
    """``co2e_g[link]``: grams of CO2e of taking ``link`` with this shipment (computed on access)."""

    __slots__ = ("_grams_per_tonne", "_tonnes")

    def __init__(self, grams_per_tonne: tuple[float, ...], tonnes: float) -> None:
        self._grams_per_tonne = grams_per_tonne
        self._tonnes = tonnes

    def __getitem__(self, link: int) -> int:
        return round(self._grams_per_tonne[link] * self._tonnes)
