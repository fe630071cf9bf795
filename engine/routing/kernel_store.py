"""Storage of the compiled search: labels, bags and their pool, the state hash table and the heap.

Plain numpy arrays in one tuple (:func:`new_state`), grown by doubling (:func:`grow`) between two settled labels;
:mod:`engine.routing.kernel` documents the layout, :mod:`engine.routing.kernel_front` the routes found.
"""

# mypy: ignore-errors
# numba's njit functions are untyped to mypy; their arguments are documented numpy arrays and tuples of them.

from __future__ import annotations

import numpy as np
from numba import njit

from engine.routing.kernel_front import STAIRS
from engine.routing.kernel_layout import (
    ARRIVE,
    BAG_BLOCKED,
    BAG_FIELDS,
    BAG_HIGH,
    BAG_LOW,
    BAG_NEXT,
    BAG_ROOM,
    BAG_SIZE,
    BAG_START,
    CO2E,
    COST,
    FIRST_ROOM,
    FOUND_ADDED,
    HASH_SHIFT,
    HASH_USED,
    HEAP_SIZE,
    LABEL_FIELDS,
    LINK,
    LOOSE,
    N_BAGS,
    N_LABELS,
    N_OVERFLOW,
    N_PENDING,
    NO_REFCOUNT,
    NODE,
    PARENT,
    POOL_MAX_ROOM,
    POOL_USED,
    RECORD_STEPS,
    SERVICE,
    STEP_FIELDS,
    TRAIL_FIELDS,
    TRANSFERS,
    VIA,
)

EMPTY_LOW = np.iinfo(np.int64).max
EMPTY_HIGH = np.iinfo(np.int64).min
"""An empty bag's envelope (least above every vector, largest below)."""
BAGS_PER_LABEL = 32
"""Labels per bag a new state is sized for (at 10k nodes a PARETO search holds ~43 labels per bag; the bags grow
by doubling where a search needs more)."""
FIBONACCI = np.uint64(0x9E3779B97F4A7C15)
"""2^64 / golden ratio: Fibonacci hashing spreads the state keys over the table."""


@njit(cache=True)
def label_room(capacity, max_out_degree):
    """The labels a new state for ``capacity`` labels holds: a power of two, at least 256 and room for a few
    nodes' worth of moves."""
    cap = 256
    while cap < capacity or cap < 4 * (max_out_degree + 2):
        cap *= 2
    return cap


@njit(cache=True)
def bag_room(bag_capacity, label_capacity, max_out_degree):
    """The bags a new state holds: a power of two, at least ``bag_capacity`` (0: a ``BAGS_PER_LABEL`` share of
    ``label_capacity``) and room for a few nodes' worth of new states."""
    cap = 256
    wanted = bag_capacity if bag_capacity > 0 else label_capacity // BAGS_PER_LABEL
    while cap < wanted or cap < 4 * (max_out_degree + 2):
        cap *= 2
    return cap


@njit(cache=True)
def new_state(capacity, max_out_degree, front_capacity, pool_capacity, bag_capacity):
    """Empty search state for ``capacity`` labels, ``front_capacity`` routes found (powers of two),
    ``pool_capacity`` bag entries (0: twice the labels) and ``bag_capacity`` bags (0: :func:`bag_room`'s share).

    The hash table is sized by the bags, not the labels: a state's bag holds tens of labels (at 10k nodes 27k bags
    for 1.1M labels), and a table of twice the labels, filled at allocation, was a sixth of the state's memory.

    Measured and not kept: the bags' vectors (``pool_vec``) as int32, half the bytes a dominance scan reads (values
    would then need a range check: cents and grams of a large shipment pass 2^31). The 11 scale queries at 10k nodes
    took 15.2-15.6 s CPU against 14.7-14.9 s with int64 (same routes): the scans' cost is not the bytes they read."""
    cap = label_room(capacity, max_out_degree)
    n_bags = bag_room(bag_capacity, cap, max_out_degree)
    labels = np.empty((cap, LABEL_FIELDS), dtype=np.int64)
    trail = np.empty((cap, TRAIL_FIELDS), dtype=np.int32)
    bags = np.empty((n_bags, BAG_FIELDS), dtype=np.int64)
    pool = max(pool_capacity, 2 * cap)
    pool_vec = np.empty((pool, 4), dtype=np.int64)
    pool_label = np.empty(pool, dtype=np.int32)
    steps = np.empty((cap, STEP_FIELDS), dtype=np.int64)
    heap_keys = np.empty((cap, 4), dtype=np.float64)
    heap_seq = np.empty(cap, dtype=np.int64)
    heap_label = np.empty(cap, dtype=np.int64)
    hash_keys = np.full(2 * n_bags, -1, dtype=np.int64)
    hash_bags = np.empty(2 * n_bags, dtype=np.int32)
    best = np.empty(4, dtype=np.float64)
    counters = np.zeros(16, dtype=np.int64)
    shift = 64
    size = 2 * n_bags
    while size > 1:
        size >>= 1
        shift -= 1
    counters[HASH_SHIFT] = shift
    front = 64
    while front < front_capacity:
        front *= 2
    front_cost = np.empty((STAIRS, front), dtype=np.float64)
    front_co2e = np.empty((STAIRS, front), dtype=np.float64)
    front_len = np.zeros(STAIRS, dtype=np.int64)
    pending = np.empty((front, 4), dtype=np.float64)
    overflow = np.empty((front, 4), dtype=np.float64)
    threshold = np.full(1, -np.inf)
    return (
        labels,
        trail,
        bags,
        heap_keys,
        heap_seq,
        heap_label,
        hash_keys,
        hash_bags,
        best,
        counters,
        front_cost,
        front_co2e,
        front_len,
        pending,
        overflow,
        threshold,
        pool_vec,
        pool_label,
        steps,
    )


@njit(cache=True)
def reset_state(state):
    """``state`` emptied for a new search, as :func:`new_state` leaves it (every other array is written before it
    is read): no labels, bags, routes found or counts, an empty hash table, the same room."""
    hash_keys, counters, front_len, threshold = state[6], state[9], state[12], state[15]
    hash_keys[:] = -1
    shift = counters[HASH_SHIFT]
    counters[:] = 0
    counters[HASH_SHIFT] = shift
    front_len[:] = 0
    threshold[0] = -np.inf


@njit(**NO_REFCOUNT)
def short_of_room(labels, bags, front_cost, pool_label, counters, max_out_degree):
    """Whether settling one more label could overrun the state: its labels, bags, routes found or pool."""
    return (
        counters[N_LABELS] + max_out_degree + 2 > labels.shape[0]
        or counters[N_BAGS] + 2 * max_out_degree + 2 > bags.shape[0]
        or counters[FOUND_ADDED] + max_out_degree + 1 > front_cost.shape[1]
        or counters[POOL_USED] + pool_headroom(counters, max_out_degree) > pool_label.shape[0]
    )


@njit(cache=True)
def grow(state, max_out_degree):
    """The state with twice the room where it ran short (labels, bags, routes found, or the pool); hash table
    rebuilt, the bags' pool entries packed (what moved bags left behind is reclaimed)."""
    labels, trail, bags, heap_keys, heap_seq, heap_label, hash_keys, hash_bags, best, counters = state[:10]
    front_cost, front_co2e, front_len, pending, overflow, threshold, pool_vec, pool_label = state[10:18]
    capacity = labels.shape[0]
    if counters[N_LABELS] + max_out_degree + 2 > capacity:
        capacity *= 2
    bag_capacity = bags.shape[0]
    if counters[N_BAGS] + 2 * max_out_degree + 2 > bag_capacity:
        bag_capacity *= 2
    front = front_cost.shape[1]
    if counters[FOUND_ADDED] + max_out_degree + 1 > front:
        front *= 2
    n_bags = counters[N_BAGS]
    rooms = 0
    for bag in range(n_bags):
        rooms += bags[bag, BAG_ROOM]
    pool = pool_vec.shape[0]
    while pool < 2 * (rooms + pool_headroom(counters, max_out_degree)):
        pool *= 2
    new = new_state(capacity, max_out_degree, front, pool, bag_capacity)
    n_labels = counters[N_LABELS]
    new[0][:n_labels] = labels[:n_labels]
    new[1][:n_labels] = trail[:n_labels]
    if counters[RECORD_STEPS]:  # else the rows were never written: copying them would only make pages resident
        new[18][:n_labels] = state[18][:n_labels]
    new[2][:n_bags] = bags[:n_bags]
    used = 0
    for bag in range(n_bags):  # packed, in bag order
        start, size = bags[bag, BAG_START], bags[bag, BAG_SIZE]
        new[16][used : used + size] = pool_vec[start : start + size]
        new[17][used : used + size] = pool_label[start : start + size]
        new[2][bag, BAG_START] = used
        used += bags[bag, BAG_ROOM]
    size = counters[HEAP_SIZE]
    new[3][:size] = heap_keys[:size]
    new[4][:size] = heap_seq[:size]
    new[5][:size] = heap_label[:size]
    for i in range(hash_keys.shape[0]):
        if hash_keys[i] != -1:
            slot = table_slot(new[6], hash_keys[i], new[9][HASH_SHIFT])
            new[6][slot] = hash_keys[i]
            new[7][slot] = hash_bags[i]
    new[8][:] = best
    shift = new[9][HASH_SHIFT]
    new[9][:] = counters
    new[9][HASH_SHIFT] = shift
    new[9][POOL_USED] = used
    width = front_cost.shape[1]
    new[10][:, :width] = front_cost
    new[11][:, :width] = front_co2e
    new[12][:] = front_len
    new[13][: counters[N_PENDING]] = pending[: counters[N_PENDING]]
    new[14][: counters[N_OVERFLOW]] = overflow[: counters[N_OVERFLOW]]
    new[15][:] = threshold
    return new


@njit(**NO_REFCOUNT)
def pool_headroom(counters, max_out_degree):
    """Pool entries one settled label may need: each of its children may move its bag to a room twice the largest
    (so the search checks for this much room before settling a label, and grows first if it is short)."""
    return max_out_degree * 2 * max(counters[POOL_MAX_ROOM], FIRST_ROOM) + FIRST_ROOM


@njit(**NO_REFCOUNT)
def bag_append(pool_vec, pool_label, bags, counters, bag, label, v0, v1, v2, v3):
    """Add ``label`` (vector ``v``) at the end of ``bag``; a full bag first moves to the end of the pool with twice
    the room (room for :func:`pool_headroom` was checked before the label being settled)."""
    start, size, room = bags[bag, BAG_START], bags[bag, BAG_SIZE], bags[bag, BAG_ROOM]
    if size == room:
        room = FIRST_ROOM if room == 0 else 2 * room
        moved = counters[POOL_USED]
        for i in range(size):
            for c in range(4):
                pool_vec[moved + i, c] = pool_vec[start + i, c]
            pool_label[moved + i] = pool_label[start + i]
        counters[POOL_USED] = moved + room
        counters[POOL_MAX_ROOM] = max(counters[POOL_MAX_ROOM], room)
        bags[bag, BAG_START] = moved
        bags[bag, BAG_ROOM] = room
        start = moved
    i = start + size
    pool_vec[i, 0] = v0
    pool_vec[i, 1] = v1
    pool_vec[i, 2] = v2
    pool_vec[i, 3] = v3
    pool_label[i] = label
    bags[bag, BAG_SIZE] = size + 1
    widen(bags, bag, v0, v1, v2, v3)


@njit(**NO_REFCOUNT)
def widen(bags, bag, v0, v1, v2, v3):
    """The envelope of ``bag`` widened to hold the vector ``v`` (see :mod:`engine.routing.kernel_layout`)."""
    bags[bag, BAG_LOW] = min(bags[bag, BAG_LOW], v0)
    bags[bag, BAG_LOW + 1] = min(bags[bag, BAG_LOW + 1], v1)
    bags[bag, BAG_LOW + 2] = min(bags[bag, BAG_LOW + 2], v2)
    bags[bag, BAG_LOW + 3] = min(bags[bag, BAG_LOW + 3], v3)
    bags[bag, BAG_HIGH] = max(bags[bag, BAG_HIGH], v0)
    bags[bag, BAG_HIGH + 1] = max(bags[bag, BAG_HIGH + 1], v1)
    bags[bag, BAG_HIGH + 2] = max(bags[bag, BAG_HIGH + 2], v2)
    bags[bag, BAG_HIGH + 3] = max(bags[bag, BAG_HIGH + 3], v3)


@njit(**NO_REFCOUNT)
def table_slot(hash_keys, key, shift):
    """The slot of ``key`` in the open-addressing table of 2^(64 - ``shift``) slots, or the empty slot where it
    belongs: Fibonacci hashing (the product's top bits), then linear probing."""
    mask = hash_keys.shape[0] - 1
    i = np.int64((np.uint64(key) * FIBONACCI) >> np.uint64(shift))
    while hash_keys[i] != -1 and hash_keys[i] != key:
        i = (i + 1) & mask
    return i


@njit(**NO_REFCOUNT)
def bag_of(bags, hash_keys, hash_bags, counters, key, create):
    """The bag of a state key: existing, new (``create``) or -1."""
    slot = table_slot(hash_keys, key, counters[HASH_SHIFT])
    if hash_keys[slot] == key:
        return hash_bags[slot]
    if not create:
        return -1
    bag = counters[N_BAGS]
    counters[N_BAGS] = bag + 1
    counters[HASH_USED] += 1
    hash_keys[slot] = key
    hash_bags[slot] = bag
    empty_bag(bags, bag)
    return bag


@njit(**NO_REFCOUNT)
def empty_bag(bags, bag):
    """Row ``bag`` as a new bag's: no labels, no pool room, no blocked bags."""
    bags[bag, BAG_START] = 0
    bags[bag, BAG_SIZE] = 0
    bags[bag, BAG_ROOM] = 0
    bags[bag, BAG_BLOCKED] = -1
    bags[bag, BAG_NEXT] = -1
    empty_envelope(bags, bag)


@njit(**NO_REFCOUNT)
def empty_envelope(bags, bag):
    """``bag``'s envelope as an empty bag's: any vector widens it."""
    for c in range(4):
        bags[bag, BAG_LOW + c] = EMPTY_LOW
        bags[bag, BAG_HIGH + c] = EMPTY_HIGH


@njit(**NO_REFCOUNT)
def _heap_less(heap_keys, heap_seq, i, k0, k1, k2, k3, seq):
    """(k, seq) < heap entry ``i`` in tuple order (the search's heap entries: completion in order, creation)."""
    if k0 != heap_keys[i, 0]:
        return k0 < heap_keys[i, 0]
    if k1 != heap_keys[i, 1]:
        return k1 < heap_keys[i, 1]
    if k2 != heap_keys[i, 2]:
        return k2 < heap_keys[i, 2]
    if k3 != heap_keys[i, 3]:
        return k3 < heap_keys[i, 3]
    return seq < heap_seq[i]


@njit(**NO_REFCOUNT)
def heap_push(heap_keys, heap_seq, heap_label, counters, k0, k1, k2, k3, seq, label):
    """heapq.heappush of (k0, k1, k2, k3, seq) → ``label``."""
    i = counters[HEAP_SIZE]
    counters[HEAP_SIZE] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        if _heap_less(heap_keys, heap_seq, parent, k0, k1, k2, k3, seq):
            for c in range(4):
                heap_keys[i, c] = heap_keys[parent, c]
            heap_seq[i] = heap_seq[parent]
            heap_label[i] = heap_label[parent]
            i = parent
        else:
            break
    heap_keys[i, 0] = k0
    heap_keys[i, 1] = k1
    heap_keys[i, 2] = k2
    heap_keys[i, 3] = k3
    heap_seq[i] = seq
    heap_label[i] = label


@njit(**NO_REFCOUNT)
def heap_pop(heap_keys, heap_seq, heap_label, counters, popped):
    """Remove the smallest entry; its keys (then its creation number) go to ``popped`` and its label is returned.

    Measured and not kept (10k nodes, heaps of ~10^6 entries, interleaved A/B): a 4-ary heap (half the depth) and
    bottom-up (Floyd) pops, each within the noise of this binary heap; one 48-byte row per entry (keys, creation
    number and label in one float64 array, so a sift step reads one or two cache lines instead of three arrays):
    the 11 scale queries' CPU 15.14-15.43 s against 14.93-15.26 s, within the noise (3 ABAB pairs, same routes)."""
    for c in range(4):
        popped[c] = heap_keys[0, c]
    popped[4] = heap_seq[0]  # the creation number (a label raised by its cost layers goes back with it)
    label = heap_label[0]
    size = counters[HEAP_SIZE] - 1
    counters[HEAP_SIZE] = size
    if size == 0:
        return label
    k0, k1, k2, k3 = heap_keys[size, 0], heap_keys[size, 1], heap_keys[size, 2], heap_keys[size, 3]
    seq, last = heap_seq[size], heap_label[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and _heap_less(
            heap_keys,
            heap_seq,
            child,
            heap_keys[right, 0],
            heap_keys[right, 1],
            heap_keys[right, 2],
            heap_keys[right, 3],
            heap_seq[right],
        ):
            child = right
        if _heap_less(heap_keys, heap_seq, child, k0, k1, k2, k3, seq):
            break
        for c in range(4):
            heap_keys[i, c] = heap_keys[child, c]
        heap_seq[i] = heap_seq[child]
        heap_label[i] = heap_label[child]
        i = child
    heap_keys[i, 0] = k0
    heap_keys[i, 1] = k1
    heap_keys[i, 2] = k2
    heap_keys[i, 3] = k3
    heap_seq[i] = seq
    heap_label[i] = last
    return label


@njit(cache=True)
def found_routes(labels, trail, bags, pool_label, steps):
    """The routes found, newest first: per route its vector and end state (arrive, cost, transfers, CO2e, node,
    service, loose, via) and, flattened with ``ptr``, its links from the origin with the arrival and step row after
    each. The arguments are the state's arrays 0, 1, 2, 17 and 18 (passed alone: numba unpacks every array of a
    call's arguments, ~0.1 µs each)."""
    start, count = bags[0, BAG_START], bags[0, BAG_SIZE]
    length = 0
    for k in range(count):
        walk = pool_label[start + k]
        while trail[walk, PARENT] >= 0:
            length += 1
            walk = trail[walk, PARENT]
    ends = np.empty((count, 8), dtype=np.int64)
    ptr = np.zeros(count + 1, dtype=np.int64)
    links = np.empty(length, dtype=np.int64)
    arrivals = np.empty(length, dtype=np.int64)
    hop_steps = np.empty((length, STEP_FIELDS), dtype=np.int64)
    position = 0
    for i in range(count):
        label = pool_label[start + count - 1 - i]  # appended in the order found
        ends[i, 0] = labels[label, ARRIVE]
        ends[i, 1] = labels[label, COST]
        ends[i, 2] = labels[label, TRANSFERS]
        ends[i, 3] = labels[label, CO2E]
        ends[i, 4] = trail[label, NODE]
        ends[i, 5] = trail[label, SERVICE]
        ends[i, 6] = trail[label, LOOSE]
        ends[i, 7] = trail[label, VIA]
        hops = 0
        walk = label
        while trail[walk, PARENT] >= 0:
            hops += 1
            walk = trail[walk, PARENT]
        walk = label
        for j in range(hops - 1, -1, -1):
            links[position + j] = trail[walk, LINK]
            arrivals[position + j] = labels[walk, ARRIVE]
            hop_steps[position + j] = steps[walk]
            walk = trail[walk, PARENT]
        position += hops
        ptr[i + 1] = position
    return ends, ptr, links, arrivals, hop_steps
