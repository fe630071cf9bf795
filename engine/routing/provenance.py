"""Where every figure of an answer comes from: the source keys of the cells it was computed from, or ESTIMATE.

Each figure of a route (a leg's freight, a transfer's handling time, a border's dwell, the CO2e …) is a sum of
parts, and each part is computed from one or a few cells of the network's tables. A part is **sourced** when
every cell it is computed from cites at least one real source key (the rule ``corridor network show`` counts
cells by); otherwise it **rests on an estimate**. The cells behind each part:

=====================  ==========================================================================================
part                   cells
=====================  ==========================================================================================
freight                the link's tariff: ``usd_per_kg`` (loose cargo by air), ``usd_per_truck`` (and
                       ``teu_per_truck`` for containers) or ``usd_per_teu``; on a through product's link the
                       through tariff's ``usd_20ft``/``usd_40ft``; for a service with a dated rate series
                       (``rate_series.csv``) the ``value`` of the point that priced the query **and** the link's
                       tariff cell (the fare is that cell × point ÷ base: the point's price prorated by the cell)
surcharge              the ``usd`` cell of each surcharge row (``surcharges.csv``) charged on the link or at the
                       transfer before it (a step's surcharge cents are inside its freight cents: they are split
                       off and credited to their own rows, never to the link's tariff)
handling               the boarding node's ``handling_h`` (minutes) and, at a lift, ``handling_usd_per_teu`` or
                       ``handling_usd_per_kg`` (cents)
de-consolidation       the airport's ``deconsolidation_h`` and ``deconsolidation_usd_per_teu``
border                 the exit node's ``border_exit_h`` / ``border_exit_usd_per_teu`` and the entry node's
                       ``border_entry_h`` / ``border_entry_usd_per_teu`` (a hop's border cents are split
                       between exit and entry in proportion to the two fees)
wait                   the service's timetable: ``weekly_departures`` or ``headway_h``
run                    the link's ``run_h``
distance               the link's ``distance_km``
CO2e                   the emission factor's ``g_co2e_per_tkm_wtw`` and the link's ``distance_km``
=====================  ==========================================================================================

A figure's :class:`FigureProvenance` names the real keys of all its parts (first use first), says whether any
part rests on an estimate, and gives its **sourced share**: the amount of the sourced parts ÷ the whole amount,
counted in the engine's integer units — cents of cost, minutes of time, grams of CO2e, metres of distance. A
route's ``cost.sourced_share`` is thus the cents of its cost whose driving cells are sourced ÷ its total cents, and
``time.sourced_share`` the minutes from ready to arrival whose driving cell is sourced ÷ those minutes (every
minute is one of handling, de-consolidation, border exit, wait, run or border entry). A figure of zero has share
1.0 unless one of its (zero) parts rests on an estimate (then 0.0).

This is resolved when the answer is built (:func:`engine.routing.model.build_route`), from the records' parsed
``sources`` cells, never in the search.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from engine.network.model import ESTIMATE, Network, Provenance, ServiceKind
from engine.network.views import LazyRows
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import Step
from engine.routing.pricing import QueryPricing, surcharge_source_keys


class FigureProvenance(NamedTuple):
    """Where one figure comes from.

    ``sources``: real source keys of the cells it is computed from (``ESTIMATE`` is never listed);
    ``estimate``: True when at least one part rests on a cell with no real source; ``sourced_share``: the
    fraction (0–1) of the figure's amount computed only from sourced cells.
    """

    sources: tuple[str, ...]
    estimate: bool
    sourced_share: float


NO_FIGURE = FigureProvenance((), False, 1.0)
"""The provenance of a figure with no parts (nothing charged)."""


class LegProvenance(NamedTuple):
    """Provenance of a leg's figures. ``time`` covers the leg's minutes from the cargo's arrival at the boarding
    node to its arrival at the alighting node (handling, de-consolidation, wait, border dwell, run)."""

    freight: FigureProvenance
    handling: FigureProvenance
    border: FigureProvenance
    deconsolidation: FigureProvenance
    cost: FigureProvenance
    time: FigureProvenance
    wait: FigureProvenance
    distance: FigureProvenance
    co2e: FigureProvenance
    surcharge: FigureProvenance = NO_FIGURE
    """The leg's surcharges (and the transfer's before it), credited to the surcharge rows' sources."""


class TransferProvenance(NamedTuple):
    """Provenance of a transfer's handling and de-consolidation time (hours) and cost (USD)."""

    handling_time: FigureProvenance
    handling_cost: FigureProvenance
    deconsolidation_time: FigureProvenance
    deconsolidation_cost: FigureProvenance


class BorderProvenance(NamedTuple):
    """Provenance of a border crossing's exit and entry dwell (hours) and its cost (USD)."""

    exit_dwell: FigureProvenance
    entry_dwell: FigureProvenance
    cost: FigureProvenance


class RouteProvenance(NamedTuple):
    """Provenance of a route's totals, its transfers and border crossings (aligned with ``Route.transfers`` and
    ``Route.border_crossings``), and the date the network's figures were last checked."""

    freight: FigureProvenance
    handling: FigureProvenance
    border: FigureProvenance
    deconsolidation: FigureProvenance
    cost: FigureProvenance
    time: FigureProvenance
    distance: FigureProvenance
    co2e: FigureProvenance
    transfers: tuple[TransferProvenance, ...]
    border_crossings: tuple[BorderProvenance, ...]
    network_as_of: date | None
    surcharge: FigureProvenance = NO_FIGURE
    """The route's surcharges, credited to the surcharge rows' sources (part of ``cost``)."""

    @property
    def cost_sourced_share(self) -> float:
        """Cents of the route's cost whose driving cells are sourced ÷ its total cents (0–1)."""
        return self.cost.sourced_share

    @property
    def time_sourced_share(self) -> float:
        """Minutes from ready to arrival whose driving cell is sourced ÷ those minutes (0–1)."""
        return self.time.sourced_share


class _Cell(NamedTuple):
    """The cells one part is computed from, resolved: whether all cite a real source, and their real keys."""

    sourced: bool
    keys: tuple[str, ...]


def _cell(*cells: tuple[str, ...]) -> _Cell:
    """Combine the keys of ``cells`` (each the keys of one cell): sourced when every cell has a real key."""
    real = dict.fromkeys(k for keys in cells for k in keys if k != ESTIMATE)
    sourced = bool(cells) and all(any(k != ESTIMATE for k in keys) for keys in cells)
    return _Cell(sourced, tuple(real))


def _both(first: _Cell, second: _Cell) -> _Cell:
    """A part computed from two resolved cells: sourced when both are; ``first``'s keys first."""
    return _Cell(first.sourced and second.sourced, tuple(dict.fromkeys((*first.keys, *second.keys))))


_UNATTRIBUTED = _Cell(False, ())
"""Surcharge cents no surcharge row accounts for (should not happen): counted as an estimate, never as sourced."""


class _LinkCells(NamedTuple):
    freight_container: _Cell
    freight_loose: _Cell
    run: _Cell
    distance: _Cell
    co2e: _Cell
    crosses: bool  # the costing's border rule: the hop changes the country column
    exit_dwell: _Cell | None  # None where the node has no value (nothing is charged)
    entry_dwell: _Cell | None
    exit_fee: _Cell | None
    entry_fee: _Cell | None
    exit_usd: float
    entry_usd: float


class _NodeCells(NamedTuple):
    handling_h: _Cell
    handling_usd_per_teu: _Cell
    handling_usd_per_kg: _Cell
    deconsolidation_h: _Cell
    deconsolidation_usd_per_teu: _Cell


class _Cells(NamedTuple):
    """Every cell a route's figures can rest on, per link, node and service index of the compiled network."""

    links: LazyRows[_LinkCells]  # resolved per link on first use: a route reads a few of 100k
    nodes: LazyRows[_NodeCells]
    timetables: tuple[_Cell | None, ...]  # None: a continuous service (no wait to source)


def _cells(network: Network, compiled: CompiledNetwork) -> _Cells:
    return network.views.get(("routing.provenance_cells",), lambda: _resolve_cells(network, compiled))


def _resolve_cells(network: Network, compiled: CompiledNetwork) -> _Cells:
    def node_cells(node_id: str) -> _NodeCells:
        p = network.nodes[node_id].provenance
        return _NodeCells(*(_cell(p.keys_for(c)) for c in _NodeCells._fields))

    def fee(p: Provenance, column: str, value: float | None) -> _Cell | None:
        return None if value is None else _cell(p.keys_for(column))

    def link_cells(index: int) -> _LinkCells:
        link = network.links[compiled.link_ids[index]]
        lp = link.provenance
        start, end = network.nodes[link.from_id], network.nodes[link.to_id]
        per_teu, per_truck, per_kg = (_cell(lp.keys_for(c)) for c in ("usd_per_teu", "usd_per_truck", "usd_per_kg"))
        product = compiled.link_through[index] if compiled.link_through else -1
        if product >= 0:  # a through product's link: its freight is a share of the published through rate
            tp = network.through_tariffs[product].provenance
            per_teu = _cell(tp.keys_for("usd_20ft"), tp.keys_for("usd_40ft"))
        truck_container = _cell(lp.keys_for("usd_per_truck"), lp.keys_for("teu_per_truck"))
        distance = lp.keys_for("distance_km")
        factor = network.emission_factors[link.emission_class].provenance.keys_for("g_co2e_per_tkm_wtw")
        return _LinkCells(
            freight_container=truck_container if link.usd_per_truck is not None else per_teu,
            freight_loose=per_kg if link.usd_per_kg is not None else per_truck if link.usd_per_truck else per_teu,
            run=_cell(lp.keys_for("run_h")),
            distance=_cell(distance),
            co2e=_cell(factor, distance),
            crosses=start.country != end.country,
            exit_dwell=fee(start.provenance, "border_exit_h", start.border_exit_h),
            entry_dwell=fee(end.provenance, "border_entry_h", end.border_entry_h),
            exit_fee=fee(start.provenance, "border_exit_usd_per_teu", start.border_exit_usd_per_teu or None),
            entry_fee=fee(end.provenance, "border_entry_usd_per_teu", end.border_entry_usd_per_teu or None),
            exit_usd=start.border_exit_usd_per_teu or 0.0,
            entry_usd=end.border_entry_usd_per_teu or 0.0,
        )

    timetable = {ServiceKind.WEEKLY: "weekly_departures", ServiceKind.HEADWAY: "headway_h"}
    # Through products (engine.routing.through) wait for their underlying service: see link_timetable.
    services = [network.services.get(s) for s in compiled.service_ids]
    return _Cells(
        LazyRows(len(compiled.link_ids), link_cells),
        LazyRows(len(compiled.node_ids), lambda node: node_cells(compiled.node_ids[node])),
        tuple(
            _cell(s.provenance.keys_for(timetable[s.kind])) if s is not None and s.kind in timetable else None
            for s in services
        ),
    )


class _Tally:
    """Accumulates the parts of one figure: keys in first-use order, sourced and total amounts."""

    __slots__ = ("estimate", "keys", "sourced", "total")

    def __init__(self) -> None:
        self.keys: dict[str, None] = {}
        self.estimate = False
        self.sourced = 0
        self.total = 0

    def add(self, amount: int, cell: _Cell) -> None:
        """Add a part of ``amount`` computed from ``cell``."""
        self.total += amount
        if cell.sourced:
            self.sourced += amount
        else:
            self.estimate = True
        for key in cell.keys:
            self.keys[key] = None

    def merge(self, *others: _Tally) -> _Tally:
        for other in others:
            self.keys.update(other.keys)
            self.estimate = self.estimate or other.estimate
            self.sourced += other.sourced
            self.total += other.total
        return self

    def figure(self) -> FigureProvenance:
        # A figure of zero is fully sourced unless one of its (zero) parts rests on an estimate.
        vacuous = 0.0 if self.estimate else 1.0
        share = self.sourced / self.total if self.total else vacuous
        return FigureProvenance(tuple(self.keys), self.estimate, round(share, 4))


class _LegTally:
    PARTS = (
        "freight",
        "handling",
        "border",
        "decons",
        "handling_time",
        "decons_time",
        "wait",
        "run",
        "exit_dwell",
        "entry_dwell",
        "distance",
        "co2e",
        "surcharge",
    )

    def __init__(self) -> None:
        self.freight, self.handling, self.border, self.decons = _Tally(), _Tally(), _Tally(), _Tally()
        self.handling_time, self.decons_time, self.wait, self.run = _Tally(), _Tally(), _Tally(), _Tally()
        self.exit_dwell, self.entry_dwell, self.distance, self.co2e = _Tally(), _Tally(), _Tally(), _Tally()
        self.surcharge = _Tally()

    def cost(self) -> _Tally:
        return _Tally().merge(self.freight, self.handling, self.border, self.decons, self.surcharge)

    def time(self) -> _Tally:
        return _Tally().merge(
            self.handling_time, self.decons_time, self.exit_dwell, self.wait, self.run, self.entry_dwell
        )

    def provenance(self) -> LegProvenance:
        return LegProvenance(
            freight=self.freight.figure(),
            handling=self.handling.figure(),
            border=self.border.figure(),
            deconsolidation=self.decons.figure(),
            cost=self.cost().figure(),
            time=self.time().figure(),
            wait=self.wait.figure(),
            distance=self.distance.figure(),
            co2e=self.co2e.figure(),
            surcharge=self.surcharge.figure(),
        )


def route_provenance(
    network: Network,
    compiled: CompiledNetwork,
    legs: Sequence[Sequence[Step]],
    pricing: QueryPricing | None = None,
) -> tuple[tuple[LegProvenance, ...], RouteProvenance]:
    """The provenance of each leg and of the route whose steps are ``legs`` (one list of steps per vehicle); the
    route's ``border_crossings`` are left empty for :func:`border_provenance`.

    ``pricing`` is the query's (:func:`engine.routing.pricing.query_pricing`): it says which surcharge rows and
    which rate-series points priced the steps. Without it, surcharge cents count as unattributed estimates and
    fares rest on the links' tariff cells alone.
    """
    cells = _cells(network, compiled)
    priced = _PricedCells(compiled, pricing)
    leg_tallies = [_leg_tally(cells, compiled, priced, group) for group in legs]
    transfers = tuple(
        TransferProvenance(t.handling_time.figure(), t.handling.figure(), t.decons_time.figure(), t.decons.figure())
        for t in leg_tallies[1:]
    )
    whole = _LegTally()
    for t in leg_tallies:
        for name in _LegTally.PARTS:
            getattr(whole, name).merge(getattr(t, name))
    route = RouteProvenance(
        freight=whole.freight.figure(),
        handling=whole.handling.figure(),
        border=whole.border.figure(),
        deconsolidation=whole.decons.figure(),
        cost=whole.cost().figure(),
        time=whole.time().figure(),
        distance=whole.distance.figure(),
        co2e=whole.co2e.figure(),
        transfers=transfers,
        border_crossings=(),
        network_as_of=network.as_of,
        surcharge=whole.surcharge.figure(),
    )
    return tuple(t.provenance() for t in leg_tallies), route


def border_provenance(
    network: Network, compiled: CompiledNetwork, border_steps: Sequence[Step]
) -> tuple[BorderProvenance, ...]:
    """The provenance of each border crossing, given the steps that crossed, in order."""
    cells = _cells(network, compiled)
    borders = []
    for step in border_steps:
        exit_dwell, entry_dwell, fee = _Tally(), _Tally(), _Tally()
        _add_border(cells.links[step.link], step, exit_dwell, entry_dwell, fee)
        borders.append(BorderProvenance(exit_dwell.figure(), entry_dwell.figure(), fee.figure()))
    return tuple(borders)


class _PricedCells:
    """The cells behind one query's prices: the surcharge rows charged per link and node, and the rate-series
    point that priced each dated service."""

    def __init__(self, compiled: CompiledNetwork, pricing: QueryPricing | None) -> None:
        self.compiled = compiled
        self.pricing = pricing
        self._dated: dict[int, _Cell | None] = {}

    def dated(self, link: int) -> _Cell | None:
        """The cell of the rate-series point pricing ``link``'s service (``None``: no series, or a through
        product's link, whose price is the through tariff's)."""
        c = self.compiled
        if self.pricing is None or (c.link_through and c.link_through[link] >= 0):
            return None
        service = c.link_service[link]
        if service not in self._dated:
            price = self.pricing.prices.get(c.service_ids[service]) if service >= 0 else None
            self._dated[service] = None if price is None else _cell(price.source_keys)
        return self._dated[service]

    def surcharges(self, step: Step) -> list[tuple[int, _Cell]]:
        """``step.surcharge_cents`` split by surcharge row: the link's rows, then the transfer's before it."""
        if not step.surcharge_cents:
            return []
        if self.pricing is None:
            return [(step.surcharge_cents, _UNATTRIBUTED)]
        parts = [(cents, _cell(surcharge_source_keys(s))) for s, cents in self.pricing.link_surcharges[step.link]]
        rest = step.surcharge_cents - sum(cents for cents, _ in parts)
        at_node = self.pricing.transfer_surcharges[self.compiled.link_from[step.link]]
        if rest and rest == sum(cents for _, cents in at_node):
            parts += [(cents, _cell(surcharge_source_keys(s))) for s, cents in at_node]
        elif rest:
            parts.append((rest, _UNATTRIBUTED))
        return parts


def _leg_tally(cells: _Cells, compiled: CompiledNetwork, priced: _PricedCells, steps: Sequence[Step]) -> _LegTally:
    tally = _LegTally()
    first = steps[0]
    boarding = cells.nodes[compiled.link_from[first.link]]
    if first.transfer:
        tally.handling_time.add(first.handling_min, boarding.handling_h)
    if first.lift:
        cost_cell = boarding.handling_usd_per_kg if first.loose_after else boarding.handling_usd_per_teu
        tally.handling.add(first.handling_cents, cost_cell)
    if first.deconsolidation_min or first.deconsolidation_cents:
        tally.decons_time.add(first.deconsolidation_min, boarding.deconsolidation_h)
        tally.decons.add(first.deconsolidation_cents, boarding.deconsolidation_usd_per_teu)
    timetable = cells.timetables[(compiled.link_timetable or compiled.link_service)[first.link]]
    if timetable is not None:  # a continuous service departs when the cargo is ready: no wait to source
        tally.wait.add(first.wait_min, timetable)
    for step in steps:
        link = cells.links[step.link]
        fare = link.freight_loose if step.loose_after else link.freight_container
        dated = priced.dated(step.link)
        tally.freight.add(step.freight_cents - step.surcharge_cents, fare if dated is None else _both(dated, fare))
        for cents, cell in priced.surcharges(step):
            tally.surcharge.add(cents, cell)
        tally.run.add(compiled.link_run_min[step.link], link.run)
        tally.distance.add(round(compiled.link_distance_km[step.link] * 1000), link.distance)
        tally.co2e.add(step.co2e_g, link.co2e)
        _add_border(link, step, tally.exit_dwell, tally.entry_dwell, tally.border)
    return tally


def _add_border(link: _LinkCells, step: Step, exit_dwell: _Tally, entry_dwell: _Tally, fee: _Tally) -> None:
    """The border dwell and cost of one step, split into exit (start node) and entry (end node) parts."""
    if not link.crosses:
        return
    if link.exit_dwell is not None:
        exit_dwell.add(step.border_exit_min, link.exit_dwell)
    if link.entry_dwell is not None:
        entry_dwell.add(step.border_entry_min, link.entry_dwell)
    if step.border_cents:
        exit_cents = round(step.border_cents * link.exit_usd / (link.exit_usd + link.entry_usd))
        if link.exit_fee is not None:
            fee.add(exit_cents, link.exit_fee)
        if link.entry_fee is not None:
            fee.add(step.border_cents - exit_cents, link.entry_fee)
