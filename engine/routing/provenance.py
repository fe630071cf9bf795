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

from engine.network.model import Network, Provenance, ServiceKind
from engine.network.views import LazyRows
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import Step
from engine.routing.pricing import QueryPricing
from engine.routing.provenance_cells import Cell, PricedCells, both_cells, cell_of


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


class _LinkCells(NamedTuple):
    freight_container: Cell
    freight_loose: Cell
    run: Cell
    distance: Cell
    co2e: Cell
    crosses: bool  # the costing's border rule: the hop changes the country column
    exit_dwell: Cell | None  # None where the node has no value (nothing is charged)
    entry_dwell: Cell | None
    exit_fee: Cell | None
    entry_fee: Cell | None
    exit_usd: float
    entry_usd: float


class _NodeCells(NamedTuple):
    handling_h: Cell
    handling_usd_per_teu: Cell
    handling_usd_per_kg: Cell
    deconsolidation_h: Cell
    deconsolidation_usd_per_teu: Cell


class _Cells(NamedTuple):
    """Every cell a route's figures can rest on, per link, node and service index of the compiled network, and
    what answers keep asking of them: the run and distance sums of a leg's links (which depend on nothing else)
    and the provenance of a border crossing (a few integers of its step); each memo holds at most
    :data:`MEMO_ENTRIES` (cleared when full)."""

    links: LazyRows[_LinkCells]  # resolved per link on first use: a route reads a few of 100k
    nodes: LazyRows[_NodeCells]
    timetables: tuple[Cell | None, ...]  # None: a continuous service (no wait to source)
    leg_run_distance: dict[tuple[int, ...], tuple[_Sum, _Sum]]
    borders: dict[tuple[int, int, int, int], BorderProvenance]


MEMO_ENTRIES = 4096
"""Entries per memo of :class:`_Cells` (a leg's links → its run and distance sums, ~0.5 kB each; a border step →
its provenance): the realistic China → Europe mix has ~350 distinct legs and ~150 distinct border steps."""


def _cells(network: Network, compiled: CompiledNetwork) -> _Cells:
    return network.views.get(("routing.provenance_cells",), lambda: _resolve_cells(network, compiled))


def _resolve_cells(network: Network, compiled: CompiledNetwork) -> _Cells:
    # Equal cells are one object, so a sum over a leg's links (most on one service, citing the same keys) adds the
    # keys of a repeated cell once (_sum compares cells by identity).
    interned: dict[Cell, Cell] = {}

    def cell(*cells: tuple[str, ...]) -> Cell:
        resolved = cell_of(*cells)
        return interned.setdefault(resolved, resolved)

    def node_cells(node_id: str) -> _NodeCells:
        p = network.nodes[node_id].provenance
        return _NodeCells(*(cell(p.keys_for(c)) for c in _NodeCells._fields))

    def fee(p: Provenance, column: str, value: float | None) -> Cell | None:
        return None if value is None else cell(p.keys_for(column))

    def link_cells(index: int) -> _LinkCells:
        link = network.links[compiled.link_ids[index]]
        lp = link.provenance
        start, end = network.nodes[link.from_id], network.nodes[link.to_id]
        per_teu, per_truck, per_kg = (cell(lp.keys_for(c)) for c in ("usd_per_teu", "usd_per_truck", "usd_per_kg"))
        product = compiled.link_through[index] if compiled.link_through else -1
        if product >= 0:  # a through product's link: its freight is a share of the published through rate
            tp = network.through_tariffs[product].provenance
            per_teu = cell(tp.keys_for("usd_20ft"), tp.keys_for("usd_40ft"))
        truck_container = cell(lp.keys_for("usd_per_truck"), lp.keys_for("teu_per_truck"))
        distance = lp.keys_for("distance_km")
        factor = network.emission_factors[link.emission_class].provenance.keys_for("g_co2e_per_tkm_wtw")
        return _LinkCells(
            freight_container=truck_container if link.usd_per_truck is not None else per_teu,
            freight_loose=per_kg if link.usd_per_kg is not None else per_truck if link.usd_per_truck else per_teu,
            run=cell(lp.keys_for("run_h")),
            distance=cell(distance),
            co2e=cell(factor, distance),
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
            cell(s.provenance.keys_for(timetable[s.kind])) if s is not None and s.kind in timetable else None
            for s in services
        ),
        {},
        {},
    )


class _Sum(NamedTuple):
    """The parts of one figure, summed: total and sourced amounts, whether any part rests on an estimate, and the
    real keys of their cells in first-use order."""

    total: int
    sourced: int
    estimate: bool
    keys: tuple[str, ...]


_NOTHING = _Sum(0, 0, False, ())
_new_sum = tuple.__new__  # a _Sum from a tuple, without the named tuple's keyword handling (hot path)

Parts = list[tuple[int, Cell]]  # the parts of one figure as (amount, cell), in the order they were charged


def _sum(parts: Parts) -> _Sum:
    """Sum ``parts``: a part's amount counts as sourced when its cell is; an unsourced cell (even of a zero
    amount) marks the figure as resting on an estimate."""
    if not parts:
        return _NOTHING
    total = sourced = 0
    estimate = False
    keys: dict[str, None] = {}
    last = None
    for amount, cell in parts:
        total += amount
        if cell.sourced:
            sourced += amount
        else:
            estimate = True
        if cell is not last:  # the same cell again adds no key (cells are interned: _resolve_cells)
            last = cell
            for key in cell.keys:
                keys[key] = None
    return _new_sum(_Sum, (total, sourced, estimate, tuple(keys)))


def _one(amount: int, cell: Cell) -> _Sum:
    """``_sum([(amount, cell)])`` (a cell's keys are distinct already: :func:`cell_of`)."""
    sourced = cell.sourced
    return _new_sum(_Sum, (amount, amount if sourced else 0, not sourced, cell.keys))


def _merged(*sums: _Sum) -> _Sum:
    """One figure made of the figures ``sums`` (keys: the first's, then the second's new ones, …)."""
    total = sourced = 0
    estimate = False
    keys: dict[str, None] = {}
    last: tuple[str, ...] | None = None
    for part in sums:
        if part is _NOTHING:
            continue
        total += part.total
        sourced += part.sourced
        estimate = estimate or part.estimate
        if part.keys is not last:
            last = part.keys
            for key in part.keys:
                keys[key] = None
    if not (total or estimate or keys):
        return _NOTHING
    return _new_sum(_Sum, (total, sourced, estimate, tuple(keys)))


_new_figure = tuple.__new__  # FigureProvenance from a tuple, without the named tuple's keyword handling


def _figure(figure: _Sum) -> FigureProvenance:
    if figure is _NOTHING:
        return NO_FIGURE
    total, sourced, estimate, keys = figure
    if sourced == total and total:
        return _new_figure(FigureProvenance, (keys, estimate, 1.0))
    # A figure of zero is fully sourced unless one of its (zero) parts rests on an estimate.
    vacuous = 0.0 if estimate else 1.0
    share = sourced / total if total else vacuous
    return _new_figure(FigureProvenance, (keys, estimate, round(share, 4)))


class _LegSums(NamedTuple):
    """The summed parts of one leg (or, merged over legs, of a route)."""

    freight: _Sum
    handling: _Sum
    border: _Sum
    decons: _Sum
    handling_time: _Sum
    decons_time: _Sum
    wait: _Sum
    run: _Sum
    exit_dwell: _Sum
    entry_dwell: _Sum
    distance: _Sum
    co2e: _Sum
    surcharge: _Sum

    def cost(self) -> _Sum:
        return _merged(self.freight, self.handling, self.border, self.decons, self.surcharge)

    def time(self) -> _Sum:
        return _merged(self.handling_time, self.decons_time, self.exit_dwell, self.wait, self.run, self.entry_dwell)

    def provenance(self) -> LegProvenance:
        return LegProvenance(
            freight=_figure(self.freight),
            handling=_figure(self.handling),
            border=_figure(self.border),
            deconsolidation=_figure(self.decons),
            cost=_figure(self.cost()),
            time=_figure(self.time()),
            wait=_figure(self.wait),
            distance=_figure(self.distance),
            co2e=_figure(self.co2e),
            surcharge=_figure(self.surcharge),
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
    priced = PricedCells(compiled, pricing)
    leg_sums = [_leg_sums(cells, compiled, priced, group) for group in legs]
    transfers = tuple(
        TransferProvenance(_figure(t.handling_time), _figure(t.handling), _figure(t.decons_time), _figure(t.decons))
        for t in leg_sums[1:]
    )
    whole = leg_sums[0] if len(leg_sums) == 1 else _LegSums(*(_merged(*parts) for parts in zip(*leg_sums, strict=True)))
    route = RouteProvenance(
        freight=_figure(whole.freight),
        handling=_figure(whole.handling),
        border=_figure(whole.border),
        deconsolidation=_figure(whole.decons),
        cost=_figure(whole.cost()),
        time=_figure(whole.time()),
        distance=_figure(whole.distance),
        co2e=_figure(whole.co2e),
        transfers=transfers,
        border_crossings=(),
        network_as_of=network.as_of,
        surcharge=_figure(whole.surcharge),
    )
    return tuple(t.provenance() for t in leg_sums), route


def border_provenance(
    network: Network, compiled: CompiledNetwork, border_steps: Sequence[Step]
) -> tuple[BorderProvenance, ...]:
    """The provenance of each border crossing, given the steps that crossed, in order."""
    cells = _cells(network, compiled)
    memo = cells.borders
    borders = []
    for step in border_steps:
        # All a crossing's provenance reads of its step; the same crossing recurs in answer after answer.
        key = (step.link, step.border_exit_min, step.border_entry_min, step.border_cents)
        border = memo.get(key)
        if border is None:
            exit_dwell, entry_dwell, fee = parts = _no_parts()
            _add_border(cells.links[step.link], step, exit_dwell, entry_dwell, fee)
            border = BorderProvenance(*(_figure(_sum(p)) for p in parts))
            if len(memo) >= MEMO_ENTRIES:
                memo.clear()
            memo[key] = border
        borders.append(border)
    return tuple(borders)


def _leg_sums(cells: _Cells, compiled: CompiledNetwork, priced: PricedCells, steps: Sequence[Step]) -> _LegSums:
    first = steps[0]
    boarding = cells.nodes[compiled.link_from[first.link]]
    handling_time = _one(first.handling_min, boarding.handling_h) if first.transfer else _NOTHING
    handling = _NOTHING
    if first.lift:
        cost_cell = boarding.handling_usd_per_kg if first.loose_after else boarding.handling_usd_per_teu
        handling = _one(first.handling_cents, cost_cell)
    decons_time = decons = _NOTHING
    if first.deconsolidation_min or first.deconsolidation_cents:
        decons_time = _one(first.deconsolidation_min, boarding.deconsolidation_h)
        decons = _one(first.deconsolidation_cents, boarding.deconsolidation_usd_per_teu)
    timetable = cells.timetables[(compiled.link_timetable or compiled.link_service)[first.link]]
    # A continuous service departs when the cargo is ready: no wait to source.
    wait = _NOTHING if timetable is None else _one(first.wait_min, timetable)
    freight: Parts = []
    surcharge: Parts = []
    co2e: Parts = []
    exit_dwell, entry_dwell, border = _no_parts()
    links = cells.links
    dated = priced.dated
    for step in steps:
        index = step.link
        link = links[index]
        fare = link.freight_loose if step.loose_after else link.freight_container
        point = dated(index)
        freight.append((step.freight_cents - step.surcharge_cents, fare if point is None else both_cells(point, fare)))
        if step.surcharge_cents:
            surcharge += priced.surcharges(step)
        co2e.append((step.co2e_g, link.co2e))
        if link.crosses:
            _add_border(link, step, exit_dwell, entry_dwell, border)
    run, distance = _run_distance(cells, compiled, tuple([step.link for step in steps]))
    return _LegSums(
        freight=_sum(freight),
        handling=handling,
        border=_sum(border),
        decons=decons,
        handling_time=handling_time,
        decons_time=decons_time,
        wait=wait,
        run=run,
        exit_dwell=_sum(exit_dwell),
        entry_dwell=_sum(entry_dwell),
        distance=distance,
        co2e=_sum(co2e),
        surcharge=_sum(surcharge),
    )


def _run_distance(cells: _Cells, compiled: CompiledNetwork, links: tuple[int, ...]) -> tuple[_Sum, _Sum]:
    """The run minutes and the distance (metres) of a leg's links, summed: they depend on the links alone."""
    memo = cells.leg_run_distance
    sums = memo.get(links)
    if sums is None:
        run_min, distance_km, rows = compiled.link_run_min, compiled.link_distance_km, cells.links
        run = _sum([(run_min[index], rows[index].run) for index in links])
        distance = _sum([(round(distance_km[index] * 1000), rows[index].distance) for index in links])
        sums = (run, distance)
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        memo[links] = sums
    return sums


def _no_parts() -> tuple[Parts, Parts, Parts]:
    return [], [], []


def _add_border(link: _LinkCells, step: Step, exit_dwell: Parts, entry_dwell: Parts, fee: Parts) -> None:
    """The border dwell and cost of one step, split into exit (start node) and entry (end node) parts."""
    if not link.crosses:
        return
    if link.exit_dwell is not None:
        exit_dwell.append((step.border_exit_min, link.exit_dwell))
    if link.entry_dwell is not None:
        entry_dwell.append((step.border_entry_min, link.entry_dwell))
    if step.border_cents:
        exit_cents = round(step.border_cents * link.exit_usd / (link.exit_usd + link.entry_usd))
        if link.exit_fee is not None:
            fee.append((exit_cents, link.exit_fee))
        if link.entry_fee is not None:
            fee.append((step.border_cents - exit_cents, link.entry_fee))
