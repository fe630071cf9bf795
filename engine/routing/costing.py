"""The model of one step: what taking a link from a position costs in time, money, transfers and CO2e.

This is the single definition of the cost, time and emission model; the search, the route builder and the
brute-force test oracle all call :func:`step`.

Position: the cargo is at node ``v`` at minute ``t``, aboard service ``s`` (``-1`` at the origin, before the first
vehicle), containerised or loose, having come from node ``u``. Taking link ``l`` (service ``s'``) from there:

0. A vehicle does not turn straight back to ``u`` with the cargo aboard (``s' == s`` and ``l`` ends at ``u``).

1. If ``s' != s`` and ``s`` is a vehicle, that is a **transfer**: the node must allow it (``handling_h``), the cargo
   waits ``handling_h``, and a lift is charged when the vehicle kind changes (load unit or gauge): per TEU for
   containers, per kg for loose cargo. Boarding the first vehicle at the origin is not a transfer and is free.
2. A container boarding an aircraft is first **de-consolidated** (airport ``deconsolidation_h`` and cost per TEU,
   only where the query allows it); from then on the cargo is loose and may travel only by air and road.
3. If the link crosses a border, the exit dwell of ``v`` and the entry dwell of the link's end node are added
   (before departure and after arrival), with their cost per TEU (loose cargo pays as one TEU-equivalent).
4. Departure: staying on the same service departs at once; otherwise the first departure at or after the cargo is
   ready (FIFO). Arrival = departure + ``run_h`` (+ entry dwell).
5. Freight: ``usd_per_teu`` × TEU, ``usd_per_kg`` × kg, or ``usd_per_truck`` × trucks (containers: ceil(TEU /
   ``teu_per_truck``); loose cargo: ceil(kg / 24,000)). CO2e = factor (g/t-km, WTW) × tonnes × km.

Money is integer cents, time integer minutes, CO2e integer grams, so sums are exact and comparisons are stable.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from engine.network.model import CargoClass, Link, LoadUnit, Mode
from engine.routing.compiled import CompiledNetwork
from engine.routing.query import RouteQuery
from engine.routing.timetable import to_minutes

LOOSE_KG_PER_TRUCK = 24_000.0
"""Payload of one truck carrying loose cargo (kg): a 13.6 m curtain-sider, a documented assumption."""

LOOSE_LOAD_UNITS = frozenset({LoadUnit.TRUCK, LoadUnit.AIRCRAFT})


class Step(NamedTuple):
    """The outcome of taking one link (all integers: minutes, cents, grams)."""

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


class QueryContext:
    """Everything about one query that does not depend on the path: per-link feasibility, freight, CO2e."""

    def __init__(self, compiled: CompiledNetwork, query: RouteQuery) -> None:
        self.compiled = compiled
        self.query = query
        network = compiled.network
        shipment = query.shipment
        constraints = query.constraints
        self.teu = shipment.teu
        self.kg = shipment.gross_weight_kg
        self.starts_loose = shipment.is_loose
        self.cargo_class = shipment.cargo_class
        self.origin = compiled.node_index[query.origin]
        self.destination = compiled.node_index[query.destination]
        self.via = tuple(compiled.node_index[v] for v in constraints.via)
        self.ready_min = to_minutes(query.ready)
        self.allow_deconsolidation = constraints.allow_deconsolidation
        self.border_units = max(self.teu, 1)

        avoided_nodes = {compiled.node_index[n] for n in constraints.avoid_nodes}
        avoided_nodes |= {i for i, c in enumerate(compiled.country) if c in constraints.avoid_countries}
        self.node_ok = tuple(i not in avoided_nodes for i in range(len(compiled.node_ids)))
        operators = constraints.operators_folded

        links = [network.links[link_id] for link_id in compiled.link_ids]
        services = network.services
        tonnes = shipment.tonnes
        self.link_ok: list[bool] = []
        self.freight_container: list[int | None] = []
        self.freight_loose: list[int | None] = []
        self.co2e_g: list[int] = []
        for i, link in enumerate(links):
            service = services[link.service_id]
            ok = (
                self.node_ok[compiled.link_from[i]]
                and self.node_ok[compiled.link_to[i]]
                and link.mode not in constraints.avoid_modes
                and not (operators and _operator_avoided(link.operator, service.operator, operators))
                and self.cargo_class not in link.refused_cargo
                and not (self.cargo_class is CargoClass.HAZMAT and link.mode is Mode.AIR)
            )
            if ok and link.mode is Mode.AIR:
                ok = (self.starts_loose or self.allow_deconsolidation) and (
                    service.capacity_kg_per_departure is None or self.kg <= service.capacity_kg_per_departure
                )
            elif ok and not self.starts_loose:
                ok = (link.max_gross_kg_per_teu is None or self.kg / self.teu <= link.max_gross_kg_per_teu) and (
                    service.capacity_teu_per_departure is None or self.teu <= service.capacity_teu_per_departure
                )
            if ok and self.starts_loose and link.load_unit not in LOOSE_LOAD_UNITS:
                ok = False
            self.link_ok.append(ok)
            self.freight_container.append(self._freight(link, loose=False) if ok else None)
            self.freight_loose.append(self._freight(link, loose=True) if ok else None)
            self.co2e_g.append(round(compiled.link_g_per_tkm[i] * tonnes * link.distance_km))

    def _freight(self, link: Link, *, loose: bool) -> int | None:
        if link.usd_per_kg is not None:
            return round(link.usd_per_kg * self.kg * 100) if loose or self.starts_loose else None
        if link.usd_per_truck is not None:
            assert link.teu_per_truck is not None
            if loose or self.starts_loose:
                trucks = math.ceil(self.kg / LOOSE_KG_PER_TRUCK)
            else:
                trucks = math.ceil(self.teu / link.teu_per_truck - 1e-9)
            return round(link.usd_per_truck * trucks * 100)
        if loose or self.starts_loose:
            return None
        assert link.usd_per_teu is not None
        return round(link.usd_per_teu * self.teu * 100)

    def step(self, node: int, t: int, service: int, loose: bool, link: int, came_from: int = -1) -> Step | None:
        """Take ``link`` from ``node`` at minute ``t`` aboard ``service`` (-1 = not yet boarded), having come from
        node ``came_from``; ``None`` if not allowed. A vehicle never turns straight back with the cargo aboard:
        going back the way it came means alighting and boarding again (a transfer)."""
        c = self.compiled
        new_service = c.link_service[link]
        if new_service == service and c.link_to[link] == came_from:
            return None
        transfer = service >= 0 and new_service != service
        handling_min = handling_cents = decons_min = decons_cents = 0
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
            lift = c.service_vehicle[service] != c.link_vehicle[link]
        if load_unit is LoadUnit.AIRCRAFT and not loose:
            decons = c.decons_min[node]
            if decons is None or not self.allow_deconsolidation:
                return None
            decons_min = decons
            decons_cents = round(c.decons_usd_per_teu[node] * self.teu * 100)
            loose_after = True
            lift = service >= 0  # the loose cargo is handled onto the aircraft after unstuffing
        if lift:
            if loose_after:
                per_kg = c.handling_usd_per_kg[node]
                if per_kg is None:
                    return None  # loose cargo changes vehicle only where air-cargo handling is priced
                handling_cents = round(per_kg * self.kg * 100)
            else:
                handling_cents = round(c.handling_usd_per_teu[node] * self.teu * 100)
        freight = self.freight_loose[link] if loose_after else self.freight_container[link]
        if freight is None:
            return None

        ready = t + handling_min + decons_min + c.link_border_exit_min[link]
        depart = ready if (service == new_service) else c.departures[new_service].next(ready)
        arrive = depart + c.link_run_min[link] + c.link_border_entry_min[link]
        border_cents = round(c.link_border_usd_per_teu[link] * (1 if loose_after else self.border_units) * 100)
        return Step(
            depart=depart,
            arrive=arrive,
            wait_min=depart - ready,
            transfer=transfer,
            lift=lift,
            handling_min=handling_min,
            handling_cents=handling_cents,
            deconsolidation_min=decons_min,
            deconsolidation_cents=decons_cents,
            border_exit_min=c.link_border_exit_min[link],
            border_entry_min=c.link_border_entry_min[link],
            border_cents=border_cents,
            freight_cents=freight,
            co2e_g=self.co2e_g[link],
            loose_after=loose_after,
        )


def _operator_avoided(link_operator: str | None, service_operator: str | None, avoided: frozenset[str]) -> bool:
    return any(o is not None and o.casefold() in avoided for o in (link_operator, service_operator))
