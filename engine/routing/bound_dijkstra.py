"""The lower-bound search of large networks, compiled: one shortest-path run over the reversed link-state graph.

:mod:`engine.routing.bounds` runs one reverse shortest-path search per criterion and destination; at 100k nodes
(~350k link-states, ~1.5 million moves) it was most of a first query to a new destination: ~12 ms of numpy gathering
the moves' weights into an array, then ~65 ms in scipy's ``csgraph.dijkstra`` (a Fibonacci heap), then rounding
to float32. This search does all three in one compiled pass (~30 ms there):

- **A bucket queue** (Dial's algorithm): link-states wait in buckets of width ``Δ`` by distance, each a doubly
  linked list threaded through two arrays of the link-states (a decrease-key moves a link-state between lists), in a
  ring of ``max weight / Δ + 3`` buckets. ``Δ`` is (at most) the least positive move weight, but at least the
  largest over 65,536 (so the ring stays small). The distances repeat a lot (~4,100 distinct values over 344k
  link-states at 100k nodes), and a binary heap's sifting cost more than the whole rest of the search.
- **Each move's weight computed when it is relaxed**: the taken link's own weight plus the move's extra, the same
  float sum :meth:`BoundGraph.weights` makes, so no array of the moves is built.
- **The answer written as float32 rounded down** (still a lower bound), ``INF`` where unreachable.

Why the distances are exactly scipy's: with non-negative weights, any search that relaxes every move out of a
link-state after its last improvement ends at the least "previous distance + move weight" fixed point, which is
the least float sum over paths (float addition is monotone), whatever the processing order. Within a bucket the
order is not by distance when ``Δ`` exceeds the least positive weight; a link-state improved after it was processed
is queued and processed again (label-correcting), so the fixed point is still reached.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.routing.bound_graph import CO2E, FIXED, TIME, TRANSFERS, UNIT, BoundGraph
from engine.routing.kernel_layout import NO_REFCOUNT

INF = float(1 << 62)
"""Unreachable (``engine.routing.bounds.INF``; 2^62 is exact in float32)."""
_ADD_NOTHING, _ADD_MINUTES, _ADD_LIFT, _ADD_TRANSFERS = range(4)
"""What a move adds to the taken link's own weight: nothing (fixed cost, CO2e), the move's minutes (handling, port
queue), the lift at its node where the vehicle changes (cost per unit), or its transfers (the own weight is 0).
The compiled code reads only these, not the criteria of :mod:`engine.routing.bound_graph`: numba's on-disk cache
is keyed by this file alone, so a constant imported from elsewhere could change under stale machine code."""
RING_BUCKETS = 65_536
"""Bucket width is at least the largest move weight over this, so the ring holds at most this many + 3 buckets."""


def reverse_state_dijkstra(graph: BoundGraph, sources: np.ndarray, seeds: np.ndarray, criterion: int) -> np.ndarray:
    """Per link-state, the least ``criterion`` still needed to reach one of ``sources`` (each starting at its
    ``seeds`` value), as float32 rounded down; ``INF`` where none is reachable.

    Parameters
    ----------
    graph
        The reversed link-state graph of one filter and pricing (row: the link taken; column: the link before).
    sources
        Link indexes the search starts from (the links that reach the target), without repeats.
    seeds
        One per source, non-negative: 0, or the bound once the target is passed (chained via nodes).
    criterion
        ``TIME``, ``UNIT``, ``FIXED``, ``CO2E`` or ``TRANSFERS`` (:mod:`engine.routing.bound_graph`).

    Returns
    -------
    numpy.ndarray
        float32 per link-state: minutes, cents (per unit, or fixed), grams per tonne or transfers.
    """
    if criterion not in (TIME, UNIT, FIXED, CO2E, TRANSFERS):
        message = f"criterion {criterion!r} is not one of TIME, UNIT, FIXED, CO2E, TRANSFERS (0-4)"
        raise ValueError(message)
    moves = graph.moves
    if criterion == TRANSFERS:
        # a move's transfers alone (0.0 + t is t exactly)
        own, extra, added = np.zeros(len(graph.usable)), _ADD_TRANSFERS, np.ones(1)
    else:
        own = np.ascontiguousarray(graph.weight_table[:, 3 if criterion == CO2E else criterion])
        extra = {TIME: _ADD_MINUTES, UNIT: _ADD_LIFT}.get(criterion, _ADD_NOTHING)
        added = {TIME: moves.time_extra, UNIT: graph.lift}.get(criterion, np.zeros(1))
    # The bucket width from the links' own weights and the extras (a move weighs own + extra, both >= 0): the
    # least positive of either is at most the least positive move, their maxima add up to at least the largest.
    least = min(_least_positive(own), _least_positive(added))
    most = float(own.max(initial=0.0)) + float(added.max(initial=0))
    # (and wide enough that a seed's bucket number fits in 64 bits); any positive width gives the same answer
    width = max(least, most / RING_BUCKETS, float(seeds.max(initial=0.0)) / 2.0**60)
    if not 0.0 < width < math.inf:  # all weights 0, or one is not finite (which no move is): only speed differs
        width, most = 1.0, float(RING_BUCKETS)
    result: np.ndarray = _bucket_search(
        graph.indptr,
        graph.indices,
        graph.kept,
        moves.time_extra,
        moves.transfers,
        moves.lift_node,
        own,
        graph.lift,
        np.asarray(sources, dtype=np.int64),
        np.asarray(seeds, dtype=np.float64),
        extra,
        width,
        # buckets: a relaxed move lands at most most/width after the current one (+1 for the divisions' rounding)
        min(int(most / width), RING_BUCKETS) + 3,
    )
    return result


def warm_up() -> None:
    """Compile (or load from numba's on-disk cache) the search now, on a one-link graph, so that the first bound
    search of a large network does not pay for it (~2-5 s to compile; a cached load is far less)."""
    one = np.zeros(1, dtype=np.int32)
    _bucket_search(
        np.zeros(2, dtype=np.int32),
        one[:0],
        one[:0],
        one,
        np.zeros(1, dtype=np.int8),
        one,
        np.zeros(1),
        np.zeros(1),
        np.zeros(1, dtype=np.int64),
        np.zeros(1),
        _ADD_NOTHING,
        1.0,
        3,
    )


def _least_positive(values: np.ndarray) -> float:
    positive = values[values > 0]
    return float(positive.min()) if len(positive) else float("inf")


@njit(cache=True)
def _bucket_search(
    indptr: np.ndarray,
    indices: np.ndarray,
    kept: np.ndarray,
    time_extra: np.ndarray,
    transfers: np.ndarray,
    lift_node: np.ndarray,
    link_weight: np.ndarray,
    lift: np.ndarray,
    sources: np.ndarray,
    seeds: np.ndarray,
    extra: int,
    width: float,
    ring: int,
) -> np.ndarray:  # pragma: no cover - compiled (tests compare its answers with scipy's)
    n = len(indptr) - 1
    head = np.full(ring, -1, dtype=np.int32)
    # per link-state: distance, and its neighbours in its bucket's list (after[link] == -2: not queued)
    dist = np.full(n, np.inf)
    before = np.full(n, -1, dtype=np.int32)
    after = np.full(n, -2, dtype=np.int32)
    queued = 0
    # Seeds enter when the scan reaches their bucket: they may lie further apart than the ring is long.
    order = np.argsort(seeds, kind="mergesort")
    next_seed = 0
    current = np.int64(seeds[order[0]] / width) if len(order) else np.int64(0)
    while True:
        while next_seed < len(order) and np.int64(seeds[order[next_seed]] / width) <= current:
            link = sources[order[next_seed]]
            value = seeds[order[next_seed]] + 0.0  # no -0.0
            next_seed += 1
            if value < dist[link]:
                queued += _requeue(link, value, dist, before, after, head, width, ring)
        slot = current % ring
        link = head[slot]
        if link < 0:
            if queued:
                current += 1
            elif next_seed < len(order):
                current = np.int64(seeds[order[next_seed]] / width)
            else:
                break
            continue
        # take ``link`` off the front of its bucket
        head[slot] = after[link]
        if after[link] >= 0:
            before[after[link]] = -1
        after[link] = -2
        queued -= 1
        d = dist[link]
        own = link_weight[link]
        for k in range(indptr[link], indptr[link + 1]):
            move = kept[k]
            if extra == _ADD_TRANSFERS:
                weight = own + np.float64(transfers[move])
            elif extra == _ADD_MINUTES:
                weight = own + np.float64(time_extra[move])
            elif extra == _ADD_LIFT and lift_node[move] >= 0:
                weight = own + lift[lift_node[move]]
            else:
                weight = own
            candidate = d + weight
            previous = indices[k]
            if candidate < dist[previous]:
                queued += _requeue(previous, candidate, dist, before, after, head, width, ring)
    out = np.empty(n, dtype=np.float32)
    bits = out.view(np.int32)
    for link in range(n):
        value = dist[link]
        if value == np.inf:
            out[link] = np.float32(INF)
            continue
        out[link] = np.float32(value)
        if np.float64(out[link]) > value:  # rounded up (so > 0): the next float32 down keeps it a lower bound
            bits[link] -= 1
    return out


@njit(**NO_REFCOUNT)  # type: ignore[call-overload, untyped-decorator]  # _nrt: numba's, not in its stubs
def _requeue(
    link: int,
    value: float,
    dist: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    head: np.ndarray,
    width: float,
    ring: int,
) -> int:  # pragma: no cover - compiled
    """Lower ``link``'s distance to ``value`` and move it to its bucket; 1 if it was not queued before, else 0."""
    added = 1
    if after[link] != -2:  # queued: unlink it from its bucket
        added = 0
        if before[link] >= 0:
            after[before[link]] = after[link]
        else:
            head[np.int64(dist[link] / width) % ring] = after[link]
        if after[link] >= 0:
            before[after[link]] = before[link]
    dist[link] = value
    slot = np.int64(value / width) % ring
    before[link] = -1
    after[link] = head[slot]
    if head[slot] >= 0:
        before[head[slot]] = link
    head[slot] = link
    return added
