"""The reversed link-state graph the lower-bound searches run on (:mod:`engine.routing.bounds`), built with numpy.

A move ``previous → link`` joins two link-states (``link`` leaves the node ``previous`` ends at). What never changes
for a snapshot — which moves exist, which the transfer rules allow, what each adds in minutes and transfers, where a
lift may be paid — is :class:`Moves`, computed once per compiled network and kept in its view cache. A query's
filter (avoided nodes, countries, modes, operators; cargo class; containers or loose cargo) and pricing (freight,
lifts, border fees for its boxes) keep some of the moves and weigh them: :class:`BoundGraph`, one CSR structure
whose criterion weights are gathered from the moves when a search needs them, not stored per criterion.

At 100k nodes this took ~4 s per filter and pricing as a Python loop over 1.5 million moves, and each graph kept
five float64 arrays of the moves (~60 MB), so three shipment sizes filled the view cache and evicted each other.
The float sums are the ones the loop made (extra of the move + weight of the link), so the bounds are the same.

The no-U-turn rule (:meth:`~engine.routing.costing.QueryContext.step`, rule 0: aboard service ``s`` at ``v`` having
come from ``u``, no link of ``s`` back to ``u``) removes moves: every step the search takes is still a move, so the
bounds stay lower bounds and consistent, and a link into a dead end (a junction whose only onward link of the same
service leads back) gets no bound at all, so the search never creates a label there. It was ignored until issue 13's
session 12: on the 10k-node scale queries the search now settles 9-13 % fewer labels (the same routes; 1.21 → 1.11
million on the median query, p50 CPU 1.49 → 1.37 s), and on the golden realistic and 1k-node queries 1.28 → 1.00
million labels in all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.network.model import CargoClass, Mode
from engine.routing.compiled import MODES, VESSEL_MODES
from engine.routing.costing import LOOSE_KG_PER_TRUCK, LOOSE_LOAD_UNITS, QueryContext
from engine.routing.pricing_arrays import NO_PRICE

TIME, UNIT, FIXED, CO2E, TRANSFERS = range(5)
_AIR = MODES.index(Mode.AIR)


@dataclass(frozen=True, eq=False)
class Moves:
    """Every move ``previous → link`` of a compiled network the transfer rules allow, in CSR order (by ``link``,
    then ``previous``), with what it adds before the link's own weight.

    ``time_extra`` minutes (handling and port queue at a transfer; a through product's internal vehicle change),
    ``transfers`` (0 or 1), ``lift_node`` where the vehicle changes, so a lift is paid (-1: same vehicle); and per
    link what the filters and weights read (ends, whether a route may end there, minutes, grams, mode, load unit).
    """

    link: np.ndarray  # int32, the row: the link taken
    previous: np.ndarray  # int32, the column: the link before it
    time_extra: np.ndarray  # int32 minutes (whole, so float64 of it is exact)
    transfers: np.ndarray  # int8
    lift_node: np.ndarray  # int32, -1 where the vehicle does not change
    link_to: np.ndarray  # int64 per link
    link_from: np.ndarray  # int64 per link
    can_arrive: np.ndarray  # bool per link: may end a route (a through product only at its last link, as in step)
    minutes: np.ndarray  # float64 per link: run and border dwell
    grams: np.ndarray  # float64 per link: grams of CO2e per tonne
    mode: np.ndarray  # int8 per link: index in MODES
    loose_unit: np.ndarray  # bool per link: its load unit carries loose cargo
    refused: dict[CargoClass, np.ndarray]  # per cargo class, bool per link: the link refuses it
    usd_per_kg: np.ndarray  # float64 per link, NaN where none
    usd_per_truck: np.ndarray  # float64 per link, 0 where none
    border_usd: np.ndarray  # float64 per link: border fees per TEU
    handling_usd_per_kg: np.ndarray  # float64 per node, NaN where none


def moves_of(ctx: QueryContext) -> Moves:
    """The :class:`Moves` of ``ctx``'s compiled network, from its view cache."""
    c = ctx.compiled
    key = ("routing.bound_moves", len(c.link_ids), bool(c.link_through_pos))
    return c.network.views.get(key, lambda: _build_moves(ctx))


def _build_moves(ctx: QueryContext) -> Moves:
    c = ctx.compiled
    n = len(c.link_ids)
    link_from = np.asarray(c.link_from, dtype=np.int64)
    link_to = np.asarray(c.link_to, dtype=np.int64)
    n_nodes = len(c.node_ids)
    # Candidate moves: for each link (ascending), every link into its start node (ascending), as the loop did.
    by_to = np.argsort(link_to, kind="stable")
    in_start = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(link_to, minlength=n_nodes), out=in_start[1:])
    counts = (in_start[1:] - in_start[:-1])[link_from]
    row = np.repeat(np.arange(n, dtype=np.int64), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    col = by_to[in_start[link_from[row]] + np.arange(len(row), dtype=np.int64) - first]

    service = np.asarray(c.link_service, dtype=np.int64)
    vehicle = np.asarray(c.link_vehicle, dtype=np.int64)
    mode = np.asarray([MODES.index(m) for m in c.link_mode], dtype=np.int8)
    if c.link_through_pos:
        pos = np.asarray(c.link_through_pos, dtype=np.int64)
        last = np.asarray(c.link_through_last, dtype=bool)
        change = np.asarray(c.link_through_change, dtype=bool)
    else:
        pos, last, change = np.full(n, -1), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    node = link_to[col]
    handling = np.asarray(c.handling_min, dtype=np.int64)[node]
    same = service[row] == service[col]
    vessel = np.isin(mode, [MODES.index(m) for m in VESSEL_MODES])
    # A through product is boarded on its first link and left at its end only (as in step).
    allowed = same | (
        ~((pos[row] > 0) | ((pos[col] >= 0) & ~last[col])) & np.asarray(c.allows_transfer, dtype=bool)[node]
    )
    allowed &= ~(same & (link_to[row] == link_from[col]))  # no U-turn aboard (costing.step, rule 0)
    queue = np.where(vessel[row], np.asarray(c.port_queue_min, dtype=np.int64)[node], 0)
    inside = same & change[row]  # a vehicle change inside a through product: its time, no fee
    time_extra = np.where(same, np.where(inside, handling, 0), handling + queue)
    transfers = np.where(same & ~inside, 0, 1)
    lift_node = np.where(~same & (vehicle[row] != vehicle[col]), node, -1)
    keep = np.flatnonzero(allowed)
    loose_units = frozenset(LOOSE_LOAD_UNITS)
    return Moves(
        link=row[keep].astype(np.int32),
        previous=col[keep].astype(np.int32),
        time_extra=time_extra[keep].astype(np.int32),
        transfers=transfers[keep].astype(np.int8),
        lift_node=lift_node[keep].astype(np.int32),
        link_to=link_to,
        link_from=link_from,
        can_arrive=(pos < 0) | last,
        minutes=(
            np.asarray(c.link_run_min, dtype=np.int64)
            + np.asarray(c.link_border_exit_min, dtype=np.int64)
            + np.asarray(c.link_border_entry_min, dtype=np.int64)
        ).astype(np.float64),
        grams=np.asarray(c.link_g_per_tkm, dtype=np.float64) * np.asarray(c.link_distance_km, dtype=np.float64),
        mode=mode,
        loose_unit=np.asarray([u in loose_units for u in c.link_load_unit], dtype=bool),
        refused={
            cargo: np.asarray([cargo in refused for refused in c.link_refused], dtype=bool) for cargo in CargoClass
        },
        usd_per_kg=_or_nan(c.link_usd_per_kg),
        usd_per_truck=np.asarray([v or 0.0 for v in c.link_usd_per_truck], dtype=np.float64),
        border_usd=np.asarray(c.link_border_usd_per_teu, dtype=np.float64),
        handling_usd_per_kg=_or_nan(c.handling_usd_per_kg),
    )


def _or_nan(values: tuple[float | None, ...]) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class BoundStructure:
    """The moves a graph keeps, as CSR rows (row ``link``, column ``previous``; ``kept`` indexes :class:`Moves`).

    It depends only on which links are usable (and, for loose cargo, where it may change vehicle), not on their
    prices, so the pricings of one filter (shipment sizes) share it: at 100k nodes it is ~13 MB and ~35 ms."""

    kept: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


@dataclass(frozen=True, eq=False)
class BoundGraph:
    """The reversed link-state graph of one filter and pricing: its kept moves (:class:`BoundStructure`),
    ``usable`` links and their own weights (``weight_table``: minutes, unit cents, fixed cents, unit grams), and the
    ``lift`` cents of changing vehicle at each node (gathered per move when the cost weights are asked for: per move
    they took 12 MB at 100k nodes)."""

    moves: Moves
    usable: np.ndarray
    weight_table: np.ndarray
    structure: BoundStructure
    lift: np.ndarray

    @property
    def kept(self) -> np.ndarray:
        """Index in :class:`Moves` of each kept move."""
        return self.structure.kept

    @property
    def indptr(self) -> np.ndarray:
        """CSR row pointers (one row per link)."""
        return self.structure.indptr

    @property
    def indices(self) -> np.ndarray:
        """CSR columns: the link before each kept move."""
        return self.structure.indices

    @property
    def link_to(self) -> np.ndarray:
        """Per link: the node it ends at."""
        return self.moves.link_to

    @property
    def can_arrive(self) -> np.ndarray:
        """Per link: whether a route may end with it."""
        return self.moves.can_arrive

    @cached_property
    def has_fixed(self) -> bool:
        """Whether any link has a fixed cost (loose cargo's border fees); containers have none (kept: every query's
        bounds ask, and a pass over the column was ~1 µs of a ~150 µs CHEAPEST answer)."""
        return bool(self.weight_table[:, FIXED].any())

    @property
    def n_moves(self) -> int:
        """Moves kept."""
        return len(self.indices)

    def weights(self, criterion: int) -> np.ndarray:
        """What each kept move adds to ``criterion`` (the move's extra plus the taken link's own weight)."""
        # Built in place, one array of the moves at a time: at 10k nodes the bounds of a new destination must stay
        # under 4 MB of allocations, and each array of the moves is 1.1 MB there.
        weights: np.ndarray
        if criterion == TRANSFERS:
            weights = self.moves.transfers[self.kept].astype(np.float64)
            return weights
        weights = self.weight_table[:, 3 if criterion == CO2E else criterion][self.moves.link[self.kept]]
        if criterion == TIME:
            weights += self.moves.time_extra[self.kept]
        elif criterion == UNIT:
            at = self.moves.lift_node[self.kept]
            lifting = np.flatnonzero(at >= 0)
            weights[lifting] += self.lift[at[lifting]]
        return weights


def bound_graph(ctx: QueryContext, mode: str) -> BoundGraph:
    """The graph for ``ctx``'s filter and pricing: ``mode`` is ``"container"``, ``"loose"`` or ``"exact"`` (a query
    mixing containers and loose cargo: its own link filter and the cheaper regime per link)."""
    c = ctx.compiled
    moves = moves_of(ctx)
    n = len(c.link_ids)
    weight_table = np.zeros((n, 4))
    weight_table[:, TIME] = moves.minutes
    weight_table[:, 3] = moves.grams
    prices = ctx.pricing.arrays
    if mode == "exact":
        # the cheaper of the container and the loose fare per link (as the model prices each), with border fees
        container, loose_cents = prices.container_freight, ctx.loose_freight_cents()
        has_container, has_loose = container != NO_PRICE, loose_cents != NO_PRICE
        either = np.where(has_container, container, loose_cents)
        cheaper = np.where(has_container & has_loose, np.minimum(container, loose_cents), either)
        usable = ctx.link_ok_array & (has_container | has_loose)
        weight_table[:, UNIT] = cheaper + np.rint(moves.border_usd * 100)
        weight_table[:, 3] = np.rint(moves.grams * ctx.tonnes)  # the model's grams of the step
    else:
        loose = mode == "loose"
        usable = _relaxed_usable(ctx, moves, loose)
        if loose:
            per_kg = moves.usd_per_kg
            unit = np.where(np.isnan(per_kg), moves.usd_per_truck * 100 / LOOSE_KG_PER_TRUCK, per_kg * 100)
            # a dated rate series may lower the fare below the CSV's
            weight_table[:, UNIT] = unit * prices.multiplier
            weight_table[:, FIXED] = moves.border_usd * 100
        else:
            freight = prices.container_freight
            usable &= freight != NO_PRICE
            weight_table[:, UNIT] = (np.where(usable, freight, 0) + prices.border_cents).astype(np.float64)
    weight_table[~usable] = 0.0
    per_kg = np.nan_to_num(moves.handling_usd_per_kg)  # (per_kg or 0.0)
    if mode == "exact":
        lift = np.minimum(prices.lift_cents.astype(np.float64), per_kg * ctx.kg * 100)
    elif mode == "loose":
        lift = per_kg * 100
    else:
        lift = prices.lift_cents.astype(np.float64)
    loose_moves = mode == "loose"
    digest = hashlib.blake2b(np.packbits(usable).tobytes(), digest_size=16).digest()
    structure = c.network.views.get(
        ("routing.bound_structure", n, loose_moves, digest), lambda: _structure(moves, usable, loose=loose_moves)
    )
    return BoundGraph(moves=moves, usable=usable, weight_table=weight_table, structure=structure, lift=lift)


def _structure(moves: Moves, usable: np.ndarray, *, loose: bool) -> BoundStructure:
    """The moves between usable links (for loose cargo, only vehicle changes where it can be handled)."""
    n = len(usable)
    keep = usable[moves.link] & usable[moves.previous]
    if loose:
        # changing vehicle needs a per-kg handling fee for loose cargo
        lift_node = moves.lift_node
        changes = lift_node >= 0
        keep &= ~changes | ~np.isnan(moves.handling_usd_per_kg[np.where(changes, lift_node, 0)])
    kept = np.flatnonzero(keep)
    rows = moves.link[kept]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return BoundStructure(kept=kept.astype(np.int32), indptr=indptr, indices=moves.previous[kept])


def _relaxed_usable(ctx: QueryContext, moves: Moves, loose: bool) -> np.ndarray:
    """The query's link filter without the shipment-size rules (weight, capacity), which vary per query."""
    c = ctx.compiled
    node_ok = np.asarray(ctx.node_ok, dtype=bool)
    usable = node_ok[moves.link_from] & node_ok[moves.link_to]
    if ctx.avoided_modes:
        usable &= ~np.isin(moves.mode, [MODES.index(m) for m in ctx.avoided_modes])
    cargo = ctx.cargo_class
    usable &= ~moves.refused[cargo]
    if ctx.avoided_operators:
        avoided = ctx.avoided_operators
        usable &= np.asarray([avoided.isdisjoint(ops) for ops in c.link_operators], dtype=bool)
    air = moves.mode == _AIR
    air_ok = loose and cargo is not CargoClass.HAZMAT
    surface_ok = moves.loose_unit if loose else np.ones(len(air), dtype=bool)
    result: np.ndarray = usable & np.where(air, air_ok, surface_ok)
    return result
