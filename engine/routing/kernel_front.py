"""The front of routes found in the compiled search (mirrors :class:`engine.routing.front.FoundFront`).

Routes found that arrive by the threshold (the optimistic arrival of the last settled label) live in staircases by
transfer count over (cost, CO2e), so "does a route found weakly dominate this completion?" is one bisection; the
others wait, sorted by arrival, until the threshold passes them.
"""

# mypy: ignore-errors
# numba's njit functions are untyped to mypy; their arguments are documented numpy arrays and tuples of them.

from __future__ import annotations

from numba import njit

from engine.routing.kernel_layout import BAG_SIZE, BAG_START, FOUND_ADDED, N_OVERFLOW, N_PENDING, NO_REFCOUNT

STAIRS = 32
"""Staircases of the routes found, by transfer count (routes with more transfers are scanned: none in practice)."""


@njit(**NO_REFCOUNT)
def _bisect_right(values, row, length, x):
    """bisect.bisect_right over ``values[row, :length]`` (no slice: a view would cost a reference count)."""
    lo, hi = 0, length
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < values[row, mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(**NO_REFCOUNT)
def _insert_step(front_cost, front_co2e, k, length, cost, grams):
    """front._insert_step on staircase ``k``: insert (cost, grams) unless a step is ≤ on both; drop the steps it
    makes redundant. Returns the staircase's new length."""
    i = _bisect_right(front_cost, k, length, cost)
    if i > 0 and front_co2e[k, i - 1] <= grams:
        return length
    j = i
    while j < length and front_co2e[k, j] >= grams:
        j += 1
    removed = j - i
    if removed == 0:  # shift right by one
        for m in range(length, i, -1):
            front_cost[k, m] = front_cost[k, m - 1]
            front_co2e[k, m] = front_co2e[k, m - 1]
    elif removed > 1:  # shift left to close the gap
        for m in range(j, length):
            front_cost[k, m - removed + 1] = front_cost[k, m]
            front_co2e[k, m - removed + 1] = front_co2e[k, m]
    front_cost[k, i] = cost
    front_co2e[k, i] = grams
    return length - removed + 1


# The front's functions take its arrays as their own tuple (gathered once per call of ``run``), not the state: the
# helpers run without reference counting (NO_REFCOUNT), so unpacking it costs nothing.


@njit(**NO_REFCOUNT)
def _activate(front_cost, front_co2e, front_len, overflow, counters, a0, a1, a2, a3):
    """front.FoundFront._activate: a route found that arrives by the threshold joins the staircases."""
    transfers = int(a2)
    if transfers >= STAIRS:
        n = counters[N_OVERFLOW]
        overflow[n, 0] = a0
        overflow[n, 1] = a1
        overflow[n, 2] = a2
        overflow[n, 3] = a3
        counters[N_OVERFLOW] = n + 1
        return
    for k in range(transfers, STAIRS):
        front_len[k] = _insert_step(front_cost, front_co2e, k, front_len[k], a1, a3)


@njit(**NO_REFCOUNT)
def front_add(front, a0, a1, a2, a3):
    """front.FoundFront.add: record a route found (``front``: the state's arrays of the routes found, as ``run``
    gathers them)."""
    front_cost, front_co2e, front_len, pending, overflow, counters, threshold = front
    counters[FOUND_ADDED] += 1
    if a0 <= threshold[0]:
        _activate(front_cost, front_co2e, front_len, overflow, counters, a0, a1, a2, a3)
    else:  # bisect.insort: pending routes stay sorted (by arrival first), so the scans can stop early
        n = counters[N_PENDING]
        i = n
        while i > 0 and _after(pending, i - 1, a0, a1, a2, a3):
            for c in range(4):
                pending[i, c] = pending[i - 1, c]
            i -= 1
        pending[i, 0] = a0
        pending[i, 1] = a1
        pending[i, 2] = a2
        pending[i, 3] = a3
        counters[N_PENDING] = n + 1


@njit(**NO_REFCOUNT)
def _after(pending, i, a0, a1, a2, a3):
    """Whether pending route ``i`` sorts after the vector (tuple order, as ``bisect.insort`` right of equals)."""
    return (pending[i, 0], pending[i, 1], pending[i, 2], pending[i, 3]) > (a0, a1, a2, a3)


@njit(**NO_REFCOUNT)
def front_advance(front, arrival):
    """front.FoundFront.advance: raise the threshold; pending routes that arrive by it become active."""
    front_cost, front_co2e, front_len, pending, overflow, counters, threshold = front
    if arrival <= threshold[0]:
        return
    threshold[0] = arrival
    n = counters[N_PENDING]
    cut = 0
    while cut < n and pending[cut, 0] <= arrival:  # sorted: the routes now active are a prefix
        _activate(
            front_cost,
            front_co2e,
            front_len,
            overflow,
            counters,
            pending[cut, 0],
            pending[cut, 1],
            pending[cut, 2],
            pending[cut, 3],
        )
        cut += 1
    if cut:
        for i in range(cut, n):  # forwards: the rows move down
            for c in range(4):
                pending[i - cut, c] = pending[i, c]
        counters[N_PENDING] = n - cut


@njit(**NO_REFCOUNT)
def front_dominates(pool_vec, bags, front, o0, o1, o2, o3):
    """front.FoundFront.dominates: whether a route found is ≤ the completion on all four criteria."""
    front_cost, front_co2e, front_len, pending, overflow, counters, threshold = front
    if o0 < threshold[0]:  # not asked by the search (completions arrive no earlier than the threshold): scan
        start = bags[0, BAG_START]
        for i in range(start, start + bags[0, BAG_SIZE]):
            if pool_vec[i, 0] <= o0 and pool_vec[i, 1] <= o1 and pool_vec[i, 2] <= o2 and pool_vec[i, 3] <= o3:
                return True
        return False
    if o2 >= 0:
        k = min(int(o2), STAIRS - 1)
        length = front_len[k]
        if length > 0:
            lo = _bisect_right(front_cost, k, length, o1)
            if lo > 0 and front_co2e[k, lo - 1] <= o3:
                return True
        if o2 >= STAIRS:
            for i in range(counters[N_OVERFLOW]):
                if overflow[i, 1] <= o1 and overflow[i, 2] <= o2 and overflow[i, 3] <= o3:
                    return True
    for i in range(counters[N_PENDING]):
        if pending[i, 0] > o0:  # sorted by arrival: no later route can be ≤ on arrival
            return False
        if pending[i, 1] <= o1 and pending[i, 2] <= o2 and pending[i, 3] <= o3:
            return True
    return False
