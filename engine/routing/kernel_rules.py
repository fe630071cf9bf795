"""The model's rules in the compiled search: departures (timetable.Departures.next) and dominance within a bag.

Each function mirrors the Python function its docstring names, operation for operation.
"""

# mypy: ignore-errors
# numba's njit functions are untyped to mypy; their arguments are documented numpy arrays and tuples of them.

from __future__ import annotations

import numpy as np
from numba import njit

from engine.network.model import MINUTES_PER_WEEK
from engine.routing.kernel_layout import (
    ALIVE,
    BAG_BLOCKED,
    BAG_HIGH,
    BAG_LOW,
    BAG_NEXT,
    BAG_SIZE,
    BAG_START,
    NO_REFCOUNT,
)
from engine.routing.kernel_store import empty_envelope, widen
from engine.routing.kernel_tables import TIMETABLE_CONTINUOUS, TIMETABLE_HEADWAY
from engine.routing.timetable import MONDAY_OFFSET_MIN

PROFILE_UNREACHABLE = np.iinfo(np.int32).min
"""arrival_profile.UNREACHABLE (kept here: numba's on-disk cache is keyed by this file)."""
ADDITIVE = np.array([False, True, True, True])
"""search.ADDITIVE: arrival is not additive under waiting."""


@njit(**NO_REFCOUNT)
def next_departure(kind, headway, anchor, ptr, weekly, service, t):
    """timetable.Departures.next: the first departure of ``service`` at or after minute ``t``."""
    k = kind[service]
    if k == TIMETABLE_CONTINUOUS:
        return t
    if k == TIMETABLE_HEADWAY:
        a = anchor[service]
        h = headway[service]
        steps = -((a - t) // h)
        return a + steps * h
    week_start = t - (t - MONDAY_OFFSET_MIN) % MINUTES_PER_WEEK
    offset = t - week_start
    lo = ptr[service]
    hi = ptr[service + 1]
    i, j = lo, hi
    while i < j:  # bisect_left
        m = (i + j) >> 1
        if weekly[m] < offset:
            i = m + 1
        else:
            j = m
    if i < hi:
        return week_start + weekly[i]
    return week_start + MINUTES_PER_WEEK + weekly[lo]


@njit(**NO_REFCOUNT)
def previous_departure(kind, headway, anchor, ptr, weekly, service, t):
    """The last departure of ``service`` at or before minute ``t`` (``t`` itself for continuous services): the
    inverse of :func:`next_departure`, ``next_departure(s) <= t`` exactly when ``s <= previous_departure(t)``."""
    k = kind[service]
    if k == TIMETABLE_CONTINUOUS:
        return t
    if k == TIMETABLE_HEADWAY:
        a = anchor[service]
        h = headway[service]
        return a + ((t - a) // h) * h
    week_start = t - (t - MONDAY_OFFSET_MIN) % MINUTES_PER_WEEK
    offset = t - week_start
    lo = ptr[service]
    hi = ptr[service + 1]
    i, j = lo, hi
    while i < j:  # bisect_right
        m = (i + j) >> 1
        if weekly[m] <= offset:
            i = m + 1
        else:
            j = m
    if i > lo:
        return week_start + weekly[i - 1]
    return week_start - MINUTES_PER_WEEK + weekly[hi - 1]


@njit(**NO_REFCOUNT)
def arrival_floor(latest, step_min, link, arrive):
    """arrival_profile.arrival_floor: the profile's lower bound of the arrival at the destination for a label at
    ``link`` arriving at minute ``arrive`` (-inf where the profile says nothing)."""
    first = latest[link, 0]
    if first == PROFILE_UNREACHABLE:
        return -np.inf
    weeks = (arrive - 1 - first) // MINUTES_PER_WEEK
    x = arrive - 1 - weeks * MINUTES_PER_WEEK
    i, j = 0, latest.shape[1]
    while i < j:  # bisect_right
        m = (i + j) >> 1
        if latest[link, m] <= x:
            i = m + 1
        else:
            j = m
    return float(MONDAY_OFFSET_MIN + (i - 1) * step_min + weeks * MINUTES_PER_WEEK + 1)


@njit(**NO_REFCOUNT, inline="always")
def dominates(a0, a1, a2, a3, b0, b1, b2, b3, pareto, rule):
    """search._pareto_dominates (weak, all four) or search._lexicographic_dominates: ``rule`` is the query's order
    (four criterion indexes) then its resources (four 0/1 flags), as scalars in a tuple — an array argument here
    would cost two atomic reference-count operations per label scanned.

    Inlined by numba (scalars only, so no reference counting comes with it): as a call, each row a bag scan read
    pushed its 17 arguments on the stack; perf put ~35 % of a 10k-node Pareto search in those calls and the function,
    and inlining cut the search's CPU by 15-27 %."""
    if pareto:
        return a0 <= b0 and a1 <= b1 and a2 <= b2 and a3 <= b3
    a = (a0, a1, a2, a3)
    b = (b0, b1, b2, b3)
    for r in range(4):
        if rule[4 + r] and a[r] > b[r]:
            return False
    for i in range(4):
        criterion = rule[i]
        if a[criterion] > b[criterion]:
            return False
        if a[criterion] < b[criterion] and ADDITIVE[criterion]:
            return True
    return True


# A bag's labels are a contiguous run of the pool (``pool_vec``: their vectors, ``pool_label``: their rows), so a
# dominance scan reads memory in order; chasing a linked list of label rows was a cache miss per label scanned,
# over a third of the search's time on the 1k-node network.


@njit(**NO_REFCOUNT)
def any_dominates(pool_vec, pool_label, bags, bag, b0, b1, b2, b3, pareto, rule):
    """search._pareto_any / _lexicographic_any over the labels of ``bag`` (a dominating label of a state's bag moves
    to its front, as in :func:`admit`)."""
    if pareto and outside_low(bags, bag, b0, b1, b2, b3):
        return False  # below the bag's least value on some criterion: none of its labels is ≤ on all four
    start = bags[bag, BAG_START]
    for i in range(start, start + bags[bag, BAG_SIZE]):
        if dominates(
            float(pool_vec[i, 0]),
            float(pool_vec[i, 1]),
            float(pool_vec[i, 2]),
            float(pool_vec[i, 3]),
            b0,
            b1,
            b2,
            b3,
            pareto,
            rule,
        ):
            if i != start and bag != 0:
                _to_front(pool_vec, pool_label, start, i)
            return True
    return False


@njit(**NO_REFCOUNT)
def two_blocks_dominate(pool_vec, pool_label, bags, free, own, b0, b1, b2, b3, pareto, rule):
    """search._two_blocks_dominate: whether labels of two of the blocked bags chained from the state's ``free`` bag,
    other than ``own`` (the newcomer's, or -1), dominate the vector."""
    # Other blocked bags whose envelope allows a label ≤ the vector: with fewer than two, no bag is scanned (a node
    # on a line has one other block).
    left = 0
    other = bags[free, BAG_BLOCKED]
    while other >= 0:
        if other != own and not (pareto and outside_low(bags, other, b0, b1, b2, b3)) and bags[other, BAG_SIZE] > 0:
            left += 1
        other = bags[other, BAG_NEXT]
    hits = 0
    other = bags[free, BAG_BLOCKED]
    while other >= 0 and hits + left >= 2:
        if other != own and not (pareto and outside_low(bags, other, b0, b1, b2, b3)) and bags[other, BAG_SIZE] > 0:
            left -= 1
            if any_dominates(pool_vec, pool_label, bags, other, b0, b1, b2, b3, pareto, rule):
                hits += 1
                if hits == 2:
                    return True
        other = bags[other, BAG_NEXT]
    return False


@njit(**NO_REFCOUNT)
def outside_low(bags, bag, b0, b1, b2, b3):
    """Whether the vector is below ``bag``'s least value on some criterion (so no label of the bag is ≤ it on all
    four; also true of an empty bag)."""
    return (
        b0 < bags[bag, BAG_LOW]
        or b1 < bags[bag, BAG_LOW + 1]
        or b2 < bags[bag, BAG_LOW + 2]
        or (b3 < bags[bag, BAG_LOW + 3])
    )


@njit(**NO_REFCOUNT)
def outside_high(bags, bag, b0, b1, b2, b3):
    """Whether the vector is above ``bag``'s largest value on some criterion (so it is ≤ no label of the bag on
    all four; also true of an empty bag)."""
    return (
        b0 > bags[bag, BAG_HIGH]
        or b1 > bags[bag, BAG_HIGH + 1]
        or b2 > bags[bag, BAG_HIGH + 2]
        or (b3 > bags[bag, BAG_HIGH + 3])
    )


@njit(**NO_REFCOUNT)
def _to_front(pool_vec, pool_label, start, i):
    """Swap pool entry ``i`` with its bag's first entry ``start``."""
    for c in range(4):
        pool_vec[start, c], pool_vec[i, c] = pool_vec[i, c], pool_vec[start, c]
    pool_label[start], pool_label[i] = pool_label[i], pool_label[start]


@njit(**NO_REFCOUNT)
def kill(trail, pool_vec, pool_label, bags, bag, v0, v1, v2, v3, pareto, rule):
    """search._pareto_kill / _lexicographic_kill: drop the labels of ``bag`` the vector dominates (not equal ones);
    the others keep their order."""
    if pareto and outside_high(bags, bag, v0, v1, v2, v3):
        return  # above the bag's largest value on some criterion: it dominates none of its labels
    start = bags[bag, BAG_START]
    kept = start
    for i in range(start, start + bags[bag, BAG_SIZE]):
        a0, a1, a2, a3 = pool_vec[i, 0], pool_vec[i, 1], pool_vec[i, 2], pool_vec[i, 3]
        equal = a0 == v0 and a1 == v1 and a2 == v2 and a3 == v3
        if not equal and dominates(
            float(v0),
            float(v1),
            float(v2),
            float(v3),
            float(a0),
            float(a1),
            float(a2),
            float(a3),
            pareto,
            rule,
        ):
            trail[pool_label[i], ALIVE] = 0
            continue
        if kept != i:
            pool_vec[kept, 0], pool_vec[kept, 1], pool_vec[kept, 2], pool_vec[kept, 3] = a0, a1, a2, a3
            pool_label[kept] = pool_label[i]
        kept += 1
    if kept - start != bags[bag, BAG_SIZE]:  # labels dropped: the envelope of those left (read while in cache)
        bags[bag, BAG_SIZE] = kept - start
        empty_envelope(bags, bag)
        for i in range(start, kept):
            widen(bags, bag, pool_vec[i, 0], pool_vec[i, 1], pool_vec[i, 2], pool_vec[i, 3])


@njit(**NO_REFCOUNT)
def admit(trail, pool_vec, pool_label, bags, bag, v0, v1, v2, v3, pareto, rule):
    """``any_dominates`` then ``kill``, reading the bag once where possible: ``False`` (nothing changed) when a label
    of ``bag`` dominates the vector; else the labels the vector dominates are dropped and ``True`` is returned.

    The reading pass stops at a dominating label and notes whether the vector dominates any label, so the
    dropping pass runs only when it has something to drop (most admitted labels drop nothing). A dominating label
    moves to the front of its state's bag (not the routes found, bag 0, whose order is the answer's): a label that
    dominates one newcomer tends to dominate the next, and the answer is the same in any order (the bag is a set).

    Measured and not kept (10k nodes, scale PARETO queries, interleaved A/B): a Pareto scan in blocks of 16 entries
    compared without branches (LLVM vectorises it to AVX2) cut this function's share of perf samples from 35 to 27 %
    but the queries' CPU only ×0.95-1.0 (the median query ×1.0): the scans wait on memory, not on comparisons.
    Also measured and not kept (session 14): state bags kept sorted by cost, so that a scan for a label ≤ the vector
    stops at the first dearer one (offline, in the median 10k query's bags a vector not dominated costs at least as
    much as 29 % of the bag's labels on average, against 87 % for arrival and 24 % for CO2e); the same labels, but
    the shifting on insertion and the lost move-to-front cost more than the shorter scans: 5 scale queries 3.53-3.55
    s CPU before, 3.73-3.84 s with it.
    """
    if pareto:  # the bag's envelope settles most cases without reading its labels
        if outside_high(bags, bag, v0, v1, v2, v3):  # it dominates none: only a label ≤ it matters
            return not any_dominates(pool_vec, pool_label, bags, bag, v0, v1, v2, v3, pareto, rule)
        if outside_low(bags, bag, v0, v1, v2, v3):  # none dominates it
            kill(trail, pool_vec, pool_label, bags, bag, v0, v1, v2, v3, pareto, rule)
            return True
    beaten = False
    start = bags[bag, BAG_START]
    for i in range(start, start + bags[bag, BAG_SIZE]):
        a0, a1, a2, a3 = pool_vec[i, 0], pool_vec[i, 1], pool_vec[i, 2], pool_vec[i, 3]
        if dominates(a0, a1, a2, a3, v0, v1, v2, v3, pareto, rule):
            if i != start and bag != 0:
                _to_front(pool_vec, pool_label, start, i)
            return False
        if not beaten:
            equal = a0 == v0 and a1 == v1 and a2 == v2 and a3 == v3
            beaten = not equal and dominates(v0, v1, v2, v3, a0, a1, a2, a3, pareto, rule)
    if beaten:
        kill(trail, pool_vec, pool_label, bags, bag, v0, v1, v2, v3, pareto, rule)
    return True


@njit(**NO_REFCOUNT)
def best_found(pool_vec, bags, order, best):
    """The lexicographically smallest vector (in ``order``) of the routes found, into ``best``."""
    start = bags[0, BAG_START]
    first = True
    for i in range(start, start + bags[0, BAG_SIZE]):
        key = (
            float(pool_vec[i, order[0]]),
            float(pool_vec[i, order[1]]),
            float(pool_vec[i, order[2]]),
            float(pool_vec[i, order[3]]),
        )
        if first or key < (best[0], best[1], best[2], best[3]):
            best[0], best[1], best[2], best[3] = key
            first = False
