"""The backward latest-arrival searches of :mod:`engine.routing.arrival_profile`, compiled.

Imported only when a profile is first computed (large networks, where numba is loaded for the kernel anyway).
"""

# mypy: ignore-errors
# numba's njit functions are untyped to mypy; their arguments are documented numpy arrays.

from __future__ import annotations

import numpy as np
from numba import njit

from engine.routing.kernel_rules import PROFILE_UNREACHABLE, previous_departure

NEVER = -(1 << 62)
"""Latest arrival of a link-state not (yet) known to reach the destination."""


@njit(cache=True)
def _push(heap_time, heap_link, size, at, link):
    """Add (``at``, ``link``) to the max-heap of ``size`` entries; returns the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap_time[parent] >= at:
            break
        heap_time[i] = heap_time[parent]
        heap_link[i] = heap_link[parent]
        i = parent
    heap_time[i] = at
    heap_link[i] = link
    return size + 1


@njit(cache=True)
def _pop(heap_time, heap_link, size):
    """Remove the top of the max-heap of ``size`` entries; returns the new size."""
    size -= 1
    at = heap_time[size]
    link = heap_link[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap_time[child + 1] > heap_time[child]:
            child += 1
        if heap_time[child] <= at:
            break
        heap_time[i] = heap_time[child]
        heap_link[i] = heap_link[child]
        i = child
    heap_time[i] = at
    heap_link[i] = link
    return size


LAYER_KEY = 1 << 40
"""Heap key of a layer: ``spent × LAYER_KEY + minute + LAYER_KEY // 2`` (minutes stay within ±2^39)."""


@njit(cache=True)
def _key(spent, minute):
    """The heap key of ``minute`` in layer ``spent``: a higher layer first, then the later minute."""
    return spent * LAYER_KEY + minute + (LAYER_KEY >> 1)


@njit(cache=True)
def _inherit(latest, n, layers, spent):
    """Layer ``spent`` takes the minutes of the layer above where they are later (more budget left, never earlier)."""
    for link in range(n):
        above = latest[link * layers + spent + 1]
        if above > latest[link * layers + spent]:
            latest[link * layers + spent] = above


@njit(cache=True)
def latest_arrivals(
    indptr,
    indices,
    kept,
    spend,
    layers,
    time_extra,
    transfers,
    link_timetable,
    link_run_min,
    link_exit_min,
    link_entry_min,
    timetable_kind,
    timetable_headway,
    timetable_anchor,
    timetable_ptr,
    timetable_weekly,
    sources,
    deadline,
    latest,
    result,
    column,
):
    """Into ``result[link × layers + j, column]``, per link-state and units spent ``j``, the latest minute a label may
    arrive at the end of ``link`` having spent ``j`` units and still reach one of ``sources`` (links ending at the
    destination) by minute ``deadline`` spending fewer than ``layers`` units in all; ``PROFILE_UNREACHABLE`` where it
    cannot. The arrival profile is the case of one layer and no spend; :mod:`engine.routing.cost_layers` walks its
    copies of the graph on the fly from the one graph, not built.

    The CSR rows (``indptr``, ``indices``) are the reversed link-state graph of :mod:`engine.routing.bound_graph`:
    row ``link``, column the link before it; ``kept`` indexes each move's ``time_extra`` (handling, port queue) and
    ``transfers`` (1 where the cargo leaves the vehicle, so it waits for a departure); ``spend`` (CSR order) the units
    each move spends. One label-setting pass, the layer that has spent most first and in it the largest latest minute
    first (a binary max-heap with stale entries skipped).

    ``latest`` (int64, ``links × layers``) holds on entry what is known to reach the destination by ``deadline``:
    :data:`NEVER` everywhere, or the latest minutes towards an earlier deadline (every label that reaches it by then
    reaches it by ``deadline`` too, so they are minutes that can be made, not guesses); on return, those towards
    ``deadline``. Started from the previous deadline's minutes only the link-states whose minute moves are settled
    again: a label-setting pass from the raised sources, since a link-state keeping its minute already satisfies
    every move into it (the previous fixed point). The same minutes as a pass from nothing (checked in the tests);
    the arrival profile's 28 deadlines at 10k nodes 0.13 → 0.05-0.09 s (a fifth to a half of the link-states move
    from one deadline to the next).

    The same carrying runs down the layers: a label that has spent ``j`` units may spend more than one that has spent
    ``j + 1``, so every minute of layer ``j + 1`` can be made from layer ``j`` too. Layer ``j`` is settled after every
    layer above it (moves only lead down, to layers spent less); when its turn comes it takes the minutes of the layer
    above where later (:func:`_inherit`), and only its link-states whose minute a move raises beyond that are settled.
    A link-state holding an inherited minute needs no moves of its own: the state above with the same minute made
    them, one layer up, and each layer below inherits what they gave. Measured on three destinations of the 10k-node
    network, 16 layers: ~540k of the 560k link-states settled a deadline → 190-240k, 0.145 → 0.09 s for two
    deadlines a week (0.46 → 0.25 s for seven).
    """
    n = len(indptr) - 1
    room = len(indices) * layers + len(sources) * layers + 1
    heap_key = np.empty(room, dtype=np.int64)
    heap_state = np.empty(room, dtype=np.int64)
    size = 0
    for s in sources:
        for j in range(layers):
            if deadline > latest[s * layers + j]:
                latest[s * layers + j] = deadline
                size = _push(heap_key, heap_state, size, _key(j, deadline), s * layers + j)
    current = layers - 1  # the layer being settled: those above are final, and it has inherited from them
    # every source starts in every layer, so the pass reaches layer 0 and each layer inherits on its way down
    while size > 0:
        key = heap_key[0]
        state = heap_state[0]
        size = _pop(heap_key, heap_state, size)
        link = state // layers
        spent = state - link * layers
        while current > spent:
            current -= 1
            _inherit(latest, n, layers, current)
        at = key - _key(spent, 0)
        if at < latest[state]:
            continue  # stale: improved (or inherited) since it was pushed
        depart_by = at - link_run_min[link] - link_entry_min[link]
        boarded_by = previous_departure(
            timetable_kind,
            timetable_headway,
            timetable_anchor,
            timetable_ptr,
            timetable_weekly,
            link_timetable[link],
            depart_by,
        )
        exit_min = link_exit_min[link]
        for k in range(indptr[link], indptr[link + 1]):
            before = spent - spend[k]
            if before < 0:
                continue  # the move would spend more than the layers hold
            move = kept[k]
            depart = boarded_by if transfers[move] != 0 else depart_by
            candidate = depart - exit_min - time_extra[move]
            previous = indices[k] * layers + before
            # a lower layer will inherit the one above it: a minute not above that one's is no news
            if candidate > latest[previous] and (before == spent or candidate > latest[previous + 1]):
                latest[previous] = candidate
                size = _push(heap_key, heap_state, size, _key(before, candidate), previous)
    for i in range(n * layers):
        result[i, column] = PROFILE_UNREACHABLE if latest[i] == NEVER else latest[i]
