"""Lower bounds to the destination, per link-state, for A* ordering and pruning.

A label that has just taken link ``l`` is at ``l``'s end node aboard ``l``'s service; the bounds say what it still
needs at least to reach the destination: minutes, cents, transfers and grams of CO2e. They come from reverse
Dijkstra searches over link-states, where continuing on the same service costs only the next link, and changing
service costs one transfer, the node's handling time and (when the vehicle kind changes) its lift cost. Waits and
de-consolidation are ignored, so a bound never overestimates; the no-U-turn rule is kept (a move straight back aboard
the same service is no move of the graph, :mod:`engine.routing.bound_graph`); links the query may never use
(avoided nodes, countries, modes, operators; refused cargo; air for containers that may not be de-consolidated;
surface vehicles for loose cargo) are left out, so an infinite bound means the destination cannot be reached.

Bounds are computed in exact cents for the shipment's boxes (containers: fees per container, wagon or consignment
do not scale with TEU, :mod:`engine.routing.pricing`) or per kg plus a fixed part (loose cargo), grams per tonne —
and cached per snapshot, destination, filter and pricing (boxes, dated rate points, surcharges), so a query pays
only for scaling the states it reaches. Queries that allow de-consolidation mix both regimes and get exact
per-query bounds instead. The per-unit bounds drop the rounding of each hop to whole cents or grams, so
``ROUNDING_SLACK`` is subtracted.

Only the criteria a query's search orders or prunes by are computed (:func:`needed_criteria`), one shortest-path
run each, cached per criterion; a criterion not computed is 0 wherever the destination is reachable, which is a
lower bound too, so answers stay exact. On large networks the cache holds float32 arrays rounded down.
"""

from __future__ import annotations

import array
import heapq
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from engine.routing.bound_graph import CO2E, FIXED, TIME, TRANSFERS, UNIT, BoundGraph, bound_graph
from engine.routing.costing import QueryContext
from engine.routing.identity_memo import SMALL_NETWORK_LINKS, IdentityMemo
from engine.routing.query import Objective, RouteQuery

INF = 1 << 62
SCIPY_FROM_MOVES = 10_000
"""Link-state graphs with at least this many moves run their bound searches in scipy; smaller ones (the shipped
network has ~3,100) in a heap loop, which spares the command line and each fresh worker scipy's import (~0.2 s;
the start-up tests keep scipy out of both). Both give the same floats. Measured per bound search (one criterion,
scipy imported): shipped network 0.9 ms heap loop, 0.1 ms scipy; 1k-node synthetic (16k moves) 3.2 ms against
0.5 ms, which a PARETO query with a new shipment size pays four times."""
COMPILED_FROM_MOVES = 50_000
"""Link-state graphs with at least this many moves run their bound searches compiled
(:mod:`engine.routing.bound_dijkstra`, a bucket queue that also weighs the moves and rounds to float32 in the same
pass), the same floats as scipy's. Measured per bound search (one criterion, CPU, busy machine): 100k-node
synthetic (1.46M moves) ~80 ms in scipy with its weights and rounding, ~45 ms compiled. Below this, scipy: the
networks that need no numba for their search (the kernel starts at ``KERNEL_FROM_LINKS``) do not import it."""
ROUNDING_SLACK = 100
"""Cents (or grams) subtracted from scaled bounds to cover per-hop rounding (≤ 0.5 each)."""

if TYPE_CHECKING:
    Indexable: TypeAlias = list[float] | array.array[float]
else:  # array.array takes no type argument at run time before Python 3.12
    Indexable = list[float] | array.array
"""Per link-state bounds of one criterion as the search indexes them: a list (small networks), or a float32
``array.array`` (large ones: indexed as fast as a list, 4 bytes a link-state where a list of floats takes 32,
and made from the cached numpy array by one copy of its bytes; ``np.asarray`` reads it without a copy)."""
PerLink = tuple[Indexable, Indexable, Indexable, Indexable, Indexable]
"""Per link-state bounds by criterion: time, cost per unit, fixed cost, CO2e per unit, transfers."""


@dataclass(frozen=True)
class Bounds:
    """What a label still needs at least, per link-state (index = the link just taken).

    ``cost_cents(l) = cost_scale × cost_per_unit[l] + cost_fixed[l] − slack`` and
    ``co2e_g(l) = co2e_scale × co2e_per_unit[l] − slack``; a time of ``INF`` or more means unreachable.
    ``origin`` holds the same five numbers for the origin, before the first vehicle.
    """

    time_min: Indexable
    transfers: Indexable
    cost_per_unit: Indexable
    cost_fixed: Indexable
    cost_scale: float
    co2e_per_unit: Indexable
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


PRIMARY: dict[Objective, tuple[int, ...]] = {
    Objective.CHEAPEST: (UNIT, FIXED),
    Objective.FASTEST: (TIME,),
    Objective.FEWEST_TRANSFERS: (TRANSFERS,),
    Objective.LOWEST_CO2E: (CO2E,),
}
"""The bound criteria a single-route lexicographic search orders by first (cost is per unit plus fixed)."""
ALL_CRITERIA = (TIME, UNIT, FIXED, CO2E, TRANSFERS)
BOUND_TIME = TIME
"""The time criterion, for callers that need only minutes (``lower_bounds(ctx, criteria=(BOUND_TIME,))``)."""


def needed_criteria(query: RouteQuery) -> tuple[int, ...]:
    """The criteria whose bounds ``query``'s search needs computed; the others may be 0 wherever the destination is
    reachable (a valid, weaker lower bound, so answers stay exact).

    A query for one route by one objective (CHEAPEST, FASTEST, ...) orders labels by that criterion first: its
    bound decides what is settled, the others only order labels tied on it. Criteria the constraints limit are
    computed too (they prune). A Pareto search (or several routes, or an on-time floor) needs every criterion: each
    prunes. At 100k nodes one criterion costs a shortest-path run over ~350k link-states (~45 ms, compiled).
    """
    constraints = query.constraints
    primary = PRIMARY.get(query.objective)
    if primary is None or query.max_routes != 1 or constraints.min_on_time_probability is not None:
        return ALL_CRITERIA
    if (
        constraints.arrive_by is None
        and constraints.max_cost_usd is None
        and constraints.max_transfers is None
        and constraints.max_co2e_kg is None
    ):
        return primary  # in ALL_CRITERIA's order
    wanted = set(primary)
    for criteria, limited in (
        ((TIME,), constraints.arrive_by is not None),
        ((UNIT, FIXED), constraints.max_cost_usd is not None),
        ((TRANSFERS,), constraints.max_transfers is not None),
        ((CO2E,), constraints.max_co2e_kg is not None),
    ):
        if limited:
            wanted.update(criteria)
    return tuple(c for c in ALL_CRITERIA if c in wanted)


def lower_bounds(ctx: QueryContext, *, criteria: Collection[int] | None = None) -> Bounds:
    """Bounds for ``ctx``'s query (cached per unit when the query does not mix containers and loose cargo).

    ``criteria``: the criteria to compute (default :func:`needed_criteria` of the query); every other criterion
    is 0 where the destination is reachable and ``INF`` where not.

    Via nodes chain the bounds: a label that has passed ``k`` of them must still reach via ``k``, then the next,
    …, then the destination, so its bound is a reverse search towards via ``k`` seeded, at the links that reach
    it, with the bounds of a label that has passed ``k + 1`` (``Bounds.levels[k]``). Without this a via query was
    bounded as if it went straight to the destination (cost bounds 0.35–0.49 of the truth, 7× the labels).
    """
    c = ctx.compiled
    views = c.network.views
    wanted = needed_criteria(ctx.query) if criteria is None else tuple(x for x in ALL_CRITERIA if x in criteria)
    if not wanted:
        wanted = (TIME,)
    targets = (*ctx.via, ctx.destination)
    exact = not ctx.starts_loose and ctx.allow_deconsolidation
    filters = _filters(ctx)
    graph = bound_graph_of(ctx, filters)
    if exact:

        def run(criterion: int, k: int, after: Level | None) -> Level:
            return _reverse_state_dijkstra(graph, targets[k], after, criterion)

        scale, co2e_scale, slack = 1.0, 1.0, 0.0
    else:
        loose = ctx.starts_loose

        def run(criterion: int, k: int, after: Level | None) -> Level:
            key = ("routing.bounds", ctx.destination, *filters, ctx.via[k:], criterion)
            return views.get(key, lambda: _reverse_state_dijkstra(graph, targets[k], after, criterion))

        # Containers: cents for these boxes exactly (fees per container, wagon or consignment do not scale with
        # TEU); loose cargo: cents per kg.
        scale, co2e_scale, slack = (ctx.kg if loose else 1.0), ctx.tonnes, float(ROUNDING_SLACK)
    computed = [c for c in wanted if c != FIXED or graph.has_fixed]
    by_criterion: dict[int, list[Level]] = {}
    for criterion in computed or [TIME]:
        chain: list[Level] = [run(criterion, len(ctx.via), None)]
        for k in reversed(range(len(ctx.via))):
            chain.insert(0, run(criterion, k, chain[0]))
        by_criterion[criterion] = chain
    if exact or len(c.link_ids) > SMALL_NETWORK_LINKS:
        return _assemble(ctx, graph, by_criterion, scale, co2e_scale, slack)
    sources = (graph, *(level for chain in by_criterion.values() for level in chain))
    query = (tuple(by_criterion), ctx.origin, scale, co2e_scale, slack)
    return _assembled.get(sources, lambda: _assemble(ctx, graph, by_criterion, scale, co2e_scale, slack), query)


def bound_graph_of(ctx: QueryContext, filters: tuple[object, ...] | None = None) -> BoundGraph:
    """The reversed link-state graph ``ctx``'s bounds run on: its own for a query mixing containers and loose cargo
    (exact mode), else the one cached per filter and pricing (``filters``: :func:`_filters` of ``ctx``, if the
    caller has them)."""
    if not ctx.starts_loose and ctx.allow_deconsolidation:
        return bound_graph(ctx, mode="exact")
    mode = "loose" if ctx.starts_loose else "container"
    key = ("routing.bound_graph", *(_filters(ctx) if filters is None else filters))
    return ctx.compiled.network.views.get(key, lambda: bound_graph(ctx, mode=mode))


def graph_filters(ctx: QueryContext) -> tuple[object, ...]:
    """What a cached bound graph (and what is computed from it per destination) depends on besides the
    destination (:func:`_filters`)."""
    return _filters(ctx)


def _filters(ctx: QueryContext) -> tuple[object, ...]:
    """What a cached bound graph (and its bounds) depend on besides the destination: the link filter and
    ``ctx.pricing.key`` (the boxes, dated rate points and surcharges, and the link count, with or without through
    products, the link weights depend on)."""
    q = ctx.query.constraints
    return (
        ctx.starts_loose,
        ctx.cargo_class,
        q.avoid_countries,
        q.avoid_nodes,
        q.avoid_modes,
        ctx.avoided_operators,  # q.operators_folded, as the context folded them
        ctx.pricing.key,
    )


_assembled: IdentityMemo[Bounds] = IdentityMemo(1024)
"""The :class:`Bounds` of recent queries on small networks (:data:`SMALL_NETWORK_LINKS`), by their cached levels
(identity), origin and scales: assembling them (the per-criterion sequences, the origin's bound over its links) cost
~10 µs of a ~190 µs CHEAPEST answer on the shipped network. Queries whose bounds are their own (exact mode) are not
kept."""


def _assemble(
    ctx: QueryContext,
    graph: BoundGraph,
    by_criterion: dict[int, list[Level]],
    scale: float,
    co2e_scale: float,
    slack: float,
) -> Bounds:
    """:class:`Bounds` from each computed criterion's chain of levels (one per via level), for ``ctx``'s origin."""
    c = ctx.compiled
    targets = len(ctx.via) + 1
    lists: list[PerLink] = []
    for k in range(targets):
        per_criterion = {criterion: _indexable(chain[k]) for criterion, chain in by_criterion.items()}
        reach = _reach(next(iter(by_criterion.values()))[k])
        time, unit, fixed, co2e, transfers = (per_criterion.get(x, reach) for x in ALL_CRITERIA)
        lists.append((time, unit, fixed, co2e, transfers))
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
        levels=tuple(lists),
    )


Level = list[float] | np.ndarray
"""One criterion's bounds per link-state: a list on small networks (the heap loop's floats), else a float32 array
rounded down (4 bytes a link-state, an eighth of a list's; a bound rounded down is still a lower bound)."""


def _indexable(level: Level) -> Indexable:
    """A level as the search indexes it fastest: a list, or a float32 ``array.array`` (see :data:`Indexable`)."""
    if isinstance(level, list):
        return level
    indexable = array.array("f")
    indexable.frombytes(level.tobytes())
    return indexable


_reaches: IdentityMemo[Indexable] = IdentityMemo(512)


def _reach(level: Level) -> Indexable:
    """0 where the destination is reachable, ``INF`` where not: the bound of a criterion not computed.

    Kept per cached level (:class:`IdentityMemo`): rebuilding it cost ~70 µs per query on the shipped network, a
    fifth of a CHEAPEST answer."""
    return _reaches.get((level,), lambda: _reach_of(level))


def _reach_of(level: Level) -> Indexable:
    inf = float(INF)
    if isinstance(level, list):
        return [0.0 if value < inf else inf for value in level]
    return _indexable(np.where(level >= inf, np.float32(inf), np.float32(0.0)))


def _floor32(values: np.ndarray) -> np.ndarray:
    """``values`` as float32, each rounded down (so a lower bound stays one); ``INF`` (2^62) is exact."""
    rounded = values.astype(np.float32)
    up = rounded.astype(np.float64) > values
    rounded[up] = np.nextafter(rounded[up], np.float32(-np.inf))
    return rounded


def _reverse_state_dijkstra(graph: BoundGraph, target: int, after: Level | None, criterion: int) -> Level:
    """A shortest-path run of one criterion over link-states towards the links that reach ``target``: from 0
    there, or, when ``after`` is given (this criterion's bounds once ``target`` is passed), from ``after``'s value
    of each such link.

    :func:`engine.routing.bound_dijkstra.reverse_state_dijkstra` from ``COMPILED_FROM_MOVES`` moves,
    :func:`scipy.sparse.csgraph.dijkstra` on the reversed graph below it, or the heap loop below
    ``SCIPY_FROM_MOVES`` moves; the float sums are the same (each distance is the previous one plus the move's
    weight). Unreachable is ``INF``.
    """
    n = len(graph.usable)
    sources = np.flatnonzero(graph.usable & (graph.link_to == target) & (graph.can_arrive if after is None else True))
    if after is not None:
        reached = np.asarray(after, dtype=np.float64)
        sources = sources[reached[sources] < INF]
    small = graph.n_moves < SCIPY_FROM_MOVES
    if not len(sources):
        return [float(INF)] * n if small else np.full(n, float(INF), dtype=np.float32)
    if small:
        weights = graph.weights(criterion)
        starts = sources.tolist()
        seeds = [0.0] * len(starts) if after is None else [float(after[s]) for s in starts]
        return _heap_dijkstra(n, graph.indptr.tolist(), graph.indices.tolist(), weights.tolist(), starts, seeds)
    if graph.n_moves >= COMPILED_FROM_MOVES:
        from engine.routing.bound_dijkstra import reverse_state_dijkstra  # here: numba's import, large networks only

        seed_values = np.zeros(len(sources)) if after is None else reached[sources]
        return reverse_state_dijkstra(graph, sources, seed_values, criterion)
    # Imported here: only large networks pay for scipy's import.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    weights = graph.weights(criterion)
    if after is None:
        matrix = csr_matrix((weights, graph.indices, graph.indptr), shape=(n, n))
        dist = dijkstra(matrix, directed=True, indices=sources, min_only=True)
    else:
        # A source node (index n) with an edge to each link that reaches ``target``, weighing the bound of the
        # label that has just passed it.
        matrix = csr_matrix(
            (
                np.concatenate([weights, reached[sources]]),
                np.concatenate([graph.indices, sources.astype(np.int32)]),
                np.append(graph.indptr, graph.indptr[-1] + len(sources)),
            ),
            shape=(n + 1, n + 1),
        )
        dist = dijkstra(matrix, directed=True, indices=n)[:n]
    del matrix, weights  # before the float32 copy: the peak of a new destination's bounds is measured
    dist[np.isinf(dist)] = float(INF)
    return _floor32(dist)


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
