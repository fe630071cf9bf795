"""Lower bounds to the destination, per link-state, for A* ordering and pruning.

A label that has just taken link ``l`` is at ``l``'s end node aboard ``l``'s service; the bounds say what it still
needs at least to reach the destination: minutes, cents, transfers and grams of CO2e. They come from reverse
Dijkstra searches over link-states, where continuing on the same service costs only the next link, and changing
service costs one transfer, the node's handling time and (when the vehicle kind changes) its lift cost. Waits,
de-consolidation and the no-U-turn rule are ignored, so a bound never overestimates; links the query may never use
(avoided nodes, countries, modes, operators; refused cargo; air for containers that may not be de-consolidated;
surface vehicles for loose cargo) are left out, so an infinite bound means the destination cannot be reached.

Bounds are computed in exact cents for the shipment's boxes (containers: fees per container, wagon or consignment
do not scale with TEU, :mod:`engine.routing.pricing`) or per kg plus a fixed part (loose cargo), grams per tonne —
and cached per snapshot, destination, filter and pricing (boxes, dated rate points, surcharges), so a query pays
only for scaling the states it reaches. Queries that allow de-consolidation mix both regimes and get exact
per-query bounds instead. The per-unit bounds drop the rounding of each hop to whole cents or grams, so
``ROUNDING_SLACK`` is subtracted.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from engine.network.model import CargoClass, Mode
from engine.routing.compiled import VESSEL_MODES
from engine.routing.costing import LOOSE_KG_PER_TRUCK, LOOSE_LOAD_UNITS, QueryContext

INF = 1 << 62
SCIPY_FROM_MOVES = 50_000
"""Link-state graphs with at least this many moves run their bound searches in scipy; smaller ones (the shipped
network has ~2,000) in a heap loop, which is as fast there and spares the command line and each fresh worker
scipy's import (~0.2 s; the start-up tests keep scipy out of both). Both give the same floats."""
ROUNDING_SLACK = 100
"""Cents (or grams) subtracted from scaled bounds to cover per-hop rounding (≤ 0.5 each)."""

TIME, UNIT, FIXED, CO2E, TRANSFERS = range(5)


PerLink = tuple[list[float], list[float], list[float], list[float], list[float]]
"""Per link-state bounds by criterion: time, cost per unit, fixed cost, CO2e per unit, transfers."""


@dataclass(frozen=True)
class Bounds:
    """What a label still needs at least, per link-state (index = the link just taken).

    ``cost_cents(l) = cost_scale × cost_per_unit[l] + cost_fixed[l] − slack`` and
    ``co2e_g(l) = co2e_scale × co2e_per_unit[l] − slack``; a time of ``INF`` or more means unreachable.
    ``origin`` holds the same five numbers for the origin, before the first vehicle.
    """

    time_min: list[float]
    transfers: list[float]
    cost_per_unit: list[float]
    cost_fixed: list[float]
    cost_scale: float
    co2e_per_unit: list[float]
    co2e_scale: float
    slack: float
    origin: tuple[float, float, float, float, float]  # time, cost cents, transfers, co2e g (scaled), reachable
    levels: tuple[PerLink, ...] = ()
    """Per via nodes passed (0 … len(via)): (time, cost per unit, fixed cost, CO2e per unit, transfers) per link.
    The fields above are the last level (the destination only)."""

    @property
    def origin_reachable(self) -> bool:
        """Whether any usable route leaves the origin towards the destination."""
        return self.origin[0] < INF


ArrayLevel = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A level of bounds of a large network as stored in the view cache: float64 arrays (8 bytes a link-state, a
quarter of a list's). Small networks keep lists (:data:`PerLink`): making lists per query cost ~40 µs on the
shipped network, a tenth of a CHEAPEST query."""


@dataclass(frozen=True, eq=False)
class _BoundGraph:
    """The reversed link-state graph the bound searches run on (depends on the filter, not on the destination).

    One sparse structure (``indptr``, ``indices``: row ``link``, column ``previous`` for every allowed move
    ``previous → link``) with one ``data`` array per criterion: what taking ``link`` after ``previous`` adds to it
    (explicit zeros are edges for :mod:`scipy.sparse.csgraph`). ``usable`` and ``weight_table`` (time, unit cost,
    fixed cost, CO2e per link) say which links the filter keeps and what each costs on its own.
    """

    usable: np.ndarray
    weight_table: np.ndarray
    link_to: np.ndarray
    can_arrive: np.ndarray  # per link: may end a route (a through product only at its last link, as in step)
    indptr: np.ndarray
    indices: np.ndarray
    data: tuple[np.ndarray, ...]  # by criterion: TIME, UNIT, FIXED, CO2E, TRANSFERS


def lower_bounds(ctx: QueryContext) -> Bounds:
    """Bounds for ``ctx``'s query (cached per unit when the query does not mix containers and loose cargo).

    Via nodes chain the bounds: a label that has passed ``k`` of them must still reach via ``k``, then the next,
    …, then the destination, so its bound is a reverse search towards via ``k`` seeded, at the links that reach
    it, with the bounds of a label that has passed ``k + 1`` (``Bounds.levels[k]``). Without this a via query was
    bounded as if it went straight to the destination (cost bounds 0.35–0.49 of the truth, 7× the labels).
    """
    c = ctx.compiled
    q = ctx.query.constraints
    views = c.network.views
    if not ctx.starts_loose and ctx.allow_deconsolidation:
        graph = _bound_graph(ctx, mode="exact")
        levels = [_reverse_state_dijkstra(graph, ctx.destination, None)]
        for target in reversed(ctx.via):
            levels.insert(0, _reverse_state_dijkstra(graph, target, levels[0]))
        scale, co2e_scale, slack = 1.0, 1.0, 0.0
    else:
        loose = ctx.starts_loose
        mode = "loose" if loose else "container"
        # ctx.pricing.key: the boxes, dated rate points and surcharges (and the link count, with or without through
        # products) the link weights depend on
        filters = (
            loose,
            ctx.cargo_class,
            q.avoid_countries,
            q.avoid_nodes,
            q.avoid_modes,
            q.operators_folded,
            ctx.pricing.key,
        )
        graph = views.get(("routing.bound_graph", *filters), lambda: _bound_graph(ctx, mode=mode))
        last = views.get(
            ("routing.bounds", ctx.destination, *filters),
            lambda: _reverse_state_dijkstra(graph, ctx.destination, None),
        )
        levels = [last]
        for k in reversed(range(len(ctx.via))):
            after = levels[0]
            levels.insert(
                0,
                views.get(
                    ("routing.bounds", ctx.destination, *filters, ctx.via[k:]),
                    lambda k=k, after=after: _reverse_state_dijkstra(graph, ctx.via[k], after),  # type: ignore[misc]
                ),
            )
        # Containers: cents for these boxes exactly (fees per container, wagon or consignment do not scale with
        # TEU); loose cargo: cents per kg.
        scale, co2e_scale, slack = (ctx.kg if loose else 1.0), ctx.tonnes, float(ROUNDING_SLACK)
    lists = tuple(_as_lists(level) for level in levels)
    time, unit, fixed, co2e, transfers = lists[0]
    best = (float(INF), float(INF), float(INF), float(INF))
    best_transfers = float(INF)
    for link in c.out_links[ctx.origin]:
        if not graph.usable[link] or time[link] >= INF:
            continue
        weights = graph.weight_table[link].tolist()
        best = (
            min(best[0], weights[0] + time[link]),
            min(best[1], scale * (weights[1] + unit[link]) + weights[2] + fixed[link]),
            min(best[2], co2e_scale * (weights[3] + co2e[link])),
            0.0,
        )
        best_transfers = min(best_transfers, transfers[link])
    origin = (best[0], best[1] - slack, best_transfers, best[2] - slack, best[0])
    time, unit, fixed, co2e, transfers = lists[-1]
    return Bounds(
        time_min=time,
        transfers=transfers,
        cost_per_unit=unit,
        cost_fixed=fixed,
        cost_scale=scale,
        co2e_per_unit=co2e,
        co2e_scale=co2e_scale,
        slack=slack,
        origin=origin,
        levels=lists,
    )


def _as_lists(level: PerLink | ArrayLevel) -> PerLink:
    """A level as Python lists, which the search indexes fastest."""
    if isinstance(level[0], list):
        return level
    time, unit, fixed, co2e, transfers = level
    return time.tolist(), unit.tolist(), fixed.tolist(), co2e.tolist(), transfers.tolist()


def _relaxed_usable(ctx: QueryContext, link: int, loose: bool) -> bool:
    """The query's link filter without the shipment-size rules (weight, capacity), which vary per query."""
    c = ctx.compiled
    if not (ctx.node_ok[c.link_from[link]] and ctx.node_ok[c.link_to[link]]):
        return False
    if c.link_mode[link] in ctx.avoided_modes or ctx.cargo_class in c.link_refused[link]:
        return False
    if ctx.avoided_operators and not ctx.avoided_operators.isdisjoint(c.link_operators[link]):
        return False
    if c.link_mode[link] is Mode.AIR:
        return loose and ctx.cargo_class is not CargoClass.HAZMAT
    return not loose or c.link_load_unit[link] in LOOSE_LOAD_UNITS


def _link_weights(ctx: QueryContext, mode: str) -> dict[int, tuple[float, float, float, float]]:
    """Per usable link: (minutes, unit cents, fixed cents, unit grams) of taking it."""
    c = ctx.compiled
    weights: dict[int, tuple[float, float, float, float]] = {}
    for i in range(len(c.link_ids)):
        minutes = float(c.link_run_min[i] + c.link_border_exit_min[i] + c.link_border_entry_min[i])
        if mode == "exact":
            if not ctx.usable(i):
                continue
            freights = [f for f in (ctx.freight_container[i], ctx.loose_freight(i)) if f is not None]
            if not freights:
                continue
            cents = float(min(freights)) + round(c.link_border_usd_per_teu[i] * 100)
            weights[i] = (minutes, cents, 0.0, float(ctx.co2e_g[i]))
            continue
        loose = mode == "loose"
        if not _relaxed_usable(ctx, i, loose):
            continue
        per_kg, per_truck = c.link_usd_per_kg[i], c.link_usd_per_truck[i]
        grams = c.link_g_per_tkm[i] * c.link_distance_km[i]
        if loose:
            border = c.link_border_usd_per_teu[i] * 100
            multiplier = ctx.pricing.multiplier[i]  # a dated rate series may lower the fare below the CSV's
            unit = per_kg * 100 if per_kg is not None else (per_truck or 0.0) * 100 / LOOSE_KG_PER_TRUCK
            weights[i] = (minutes, unit * multiplier, border, grams)
        else:
            freight = ctx.freight_container[i]
            if freight is None:
                continue
            weights[i] = (minutes, float(freight + ctx.pricing.border_cents[i]), 0.0, grams)
    return weights


def _bound_graph(ctx: QueryContext, mode: str) -> _BoundGraph:
    c = ctx.compiled
    weights = _link_weights(ctx, mode)
    kg = ctx.kg if mode == "exact" else 1.0

    def transition(previous: int, link: int) -> tuple[float, float, float] | None:
        """Extra (minutes, unit cents, transfers) of going on from ``previous`` with ``link``."""
        if c.link_service[previous] == c.link_service[link]:
            if c.link_through_change[link]:  # a vehicle change inside a through product: its time, no fee
                return (float(c.handling_min[c.link_to[previous]]), 0.0, 1.0)
            return (0.0, 0.0, 0.0)
        if c.link_through_pos[link] > 0 or (c.link_through_pos[previous] >= 0 and not c.link_through_last[previous]):
            return None  # a through product is boarded on its first link and left at its end only (as in step)
        node = c.link_to[previous]
        if not c.allows_transfer[node]:
            return None
        lift = 0.0
        if c.link_vehicle[previous] != c.link_vehicle[link]:
            loose_lift = mode == "loose" or c.link_mode[link] is Mode.AIR or c.link_mode[previous] is Mode.AIR
            per_kg = c.handling_usd_per_kg[node]
            if mode == "loose" and per_kg is None:
                return None
            if mode == "exact":
                lift = min(float(ctx.pricing.lift_cents[node]), (per_kg or 0.0) * kg * 100)
            elif loose_lift and mode == "loose":
                lift = (per_kg or 0.0) * 100
            else:
                lift = float(ctx.pricing.lift_cents[node])
        queue = c.port_queue_min[node] if c.link_mode[link] in VESSEL_MODES else 0
        return (float(c.handling_min[node] + queue), lift, 1.0)

    # Transitions previous → link, with their extras, computed once for every destination and criterion.
    rows: list[int] = []
    cols: list[int] = []
    extras: list[tuple[float, float, float]] = []
    for link in weights:
        for previous in c.in_links[c.link_from[link]]:
            if previous in weights:
                extra = transition(previous, link)
                if extra is not None:
                    rows.append(link)
                    cols.append(previous)
                    extras.append(extra)
    n = len(c.link_ids)
    weight_table = np.zeros((n, 4))
    usable = np.zeros(n, dtype=bool)
    for link, weight in weights.items():
        weight_table[link] = weight
        usable[link] = True
    row = np.array(rows, dtype=np.int64)
    col = np.array(cols, dtype=np.int64)
    extra_array = np.array(extras, dtype=np.float64).reshape(-1, 3)
    own = weight_table[row]
    # Per move previous → link: what the move adds (the transition's extra plus the link's own weight).
    coordinates = (
        extra_array[:, 0] + own[:, 0],
        extra_array[:, 1] + own[:, 1],
        own[:, 2],
        own[:, 3],
        extra_array[:, 2],
    )
    # One conversion to CSR order, shared by the five criteria (no duplicate moves, so nothing is summed).
    order = np.lexsort((col, row))
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return _BoundGraph(
        usable=usable,
        weight_table=weight_table,
        link_to=np.array(c.link_to, dtype=np.int64),
        can_arrive=np.array(
            [pos < 0 or last for pos, last in zip(c.link_through_pos, c.link_through_last, strict=True)]
            if c.link_through_pos
            else [True] * len(c.link_ids),
            dtype=bool,
        ),
        indptr=indptr,
        indices=col[order].astype(np.int32),
        data=tuple(np.ascontiguousarray(d[order]) for d in coordinates),
    )


def _reverse_state_dijkstra(
    graph: _BoundGraph, target: int, after: PerLink | ArrayLevel | None
) -> PerLink | ArrayLevel:
    """Five independent shortest-path runs (time, unit cost, fixed cost, CO2e, transfers) over link-states, towards
    the links that reach ``target``: from 0 there, or, when ``after`` is given (the bounds once ``target`` is
    passed), from ``after``'s value of each such link.

    :func:`scipy.sparse.csgraph.dijkstra` on the reversed graph (compiled code: about 30 ms for a new destination
    at 10k nodes, where the heap loop in Python took 0.7 s), or the heap loop below ``SCIPY_FROM_MOVES``; the
    float sums are the same (each distance is the previous one plus the move's weight), so are the bounds.
    Unreachable is ``INF``.
    """
    n = len(graph.usable)
    sources = np.flatnonzero(graph.usable & (graph.link_to == target) & (graph.can_arrive if after is None else True))
    if after is not None:
        reached = after[TIME]
        sources = np.array([s for s in sources.tolist() if reached[s] < INF], dtype=np.int64)
    if not len(sources):
        return tuple(np.full(n, float(INF)) for _ in range(5))  # type: ignore[return-value]
    if len(graph.indices) < SCIPY_FROM_MOVES:
        indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
        starts = sources.tolist()
        lists: list[list[float]] = []
        for criterion in (TIME, UNIT, FIXED, CO2E, TRANSFERS):
            seeds = [0.0] * len(starts) if after is None else [float(after[criterion][s]) for s in starts]
            lists.append(_heap_dijkstra(n, indptr, indices, graph.data[criterion].tolist(), starts, seeds))
        return lists[0], lists[1], lists[2], lists[3], lists[4]
    runs: list[np.ndarray] = []
    # Imported here: only large networks pay for scipy's import.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    for criterion in (TIME, UNIT, FIXED, CO2E, TRANSFERS):
        if criterion == FIXED and after is None and not graph.data[FIXED].any():
            # Containers have no fixed part: 0 wherever the destination is reachable (the time run says where),
            # as a run would find, without its ~70 ms at 100k nodes.
            runs.append(np.where(runs[TIME] < INF, 0.0, float(INF)))
            continue
        if after is None:
            matrix = csr_matrix((graph.data[criterion], graph.indices, graph.indptr), shape=(n, n))
            dist = dijkstra(matrix, directed=True, indices=sources, min_only=True)
        else:
            # A source node (index n) with an edge to each link that reaches ``target``, weighing the bound of the
            # label that has just passed it.
            matrix = csr_matrix(
                (
                    np.concatenate([graph.data[criterion], np.asarray(after[criterion])[sources]]),
                    np.concatenate([graph.indices, sources.astype(np.int32)]),
                    np.append(graph.indptr, graph.indptr[-1] + len(sources)),
                ),
                shape=(n + 1, n + 1),
            )
            dist = dijkstra(matrix, directed=True, indices=n)[:n]
        dist[np.isinf(dist)] = float(INF)
        runs.append(dist)
    return runs[0], runs[1], runs[2], runs[3], runs[4]


def _heap_dijkstra(
    n: int, indptr: list[int], indices: list[int], weights: list[float], starts: list[int], seeds: list[float]
) -> list[float]:
    """Dijkstra over the CSR rows from ``starts`` (each at its seed value); unreachable is ``INF``."""
    dist = [float(INF)] * n
    for start, seed in zip(starts, seeds, strict=True):
        if seed < dist[start]:
            dist[start] = seed
    heap = [(dist[start], start) for start in set(starts)]
    heapq.heapify(heap)
    while heap:
        d, link = heapq.heappop(heap)
        if d > dist[link]:
            continue
        for k in range(indptr[link], indptr[link + 1]):
            candidate = d + weights[k]
            previous = indices[k]
            if candidate < dist[previous]:
                dist[previous] = candidate
                heapq.heappush(heap, (candidate, previous))
    return dist
