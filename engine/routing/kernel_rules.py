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
    ARRIVE,
    BAG_HEAD,
    CO2E,
    COST,
    NEXT,
    NO_REFCOUNT,
    TRANSFERS,
)
from engine.routing.kernel_tables import TIMETABLE_CONTINUOUS, TIMETABLE_HEADWAY
from engine.routing.timetable import MONDAY_OFFSET_MIN

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
def dominates(a0, a1, a2, a3, b0, b1, b2, b3, pareto, rule):
    """search._pareto_dominates (weak, all four) or search._lexicographic_dominates: ``rule`` is the query's order
    (four criterion indexes) then its resources (four 0/1 flags), as scalars in a tuple — an array argument here
    would cost two atomic reference-count operations per label scanned."""
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


@njit(**NO_REFCOUNT)
def any_dominates(labels, bags, bag, b0, b1, b2, b3, pareto, rule):
    """search._pareto_any / _lexicographic_any over the labels of ``bag`` (a dominating label of a state's bag moves
    to its front, as in :func:`admit`)."""
    previous = -1
    label = bags[bag, BAG_HEAD]
    while label >= 0:
        if dominates(
            float(labels[label, ARRIVE]),
            float(labels[label, COST]),
            float(labels[label, TRANSFERS]),
            float(labels[label, CO2E]),
            b0,
            b1,
            b2,
            b3,
            pareto,
            rule,
        ):
            if previous >= 0 and bag != 0:
                _to_front(labels, bags, bag, previous, label)
            return True
        previous = label
        label = labels[label, NEXT]
    return False


@njit(**NO_REFCOUNT)
def _to_front(labels, bags, bag, previous, label):
    """Move ``label`` (after ``previous`` in ``bag``'s list) to the front of the list."""
    labels[previous, NEXT] = labels[label, NEXT]
    labels[label, NEXT] = bags[bag, BAG_HEAD]
    bags[bag, BAG_HEAD] = label


@njit(**NO_REFCOUNT)
def kill(labels, bags, bag, v0, v1, v2, v3, pareto, rule):
    """search._pareto_kill / _lexicographic_kill: drop the labels of ``bag`` the vector dominates (not equal ones)."""
    previous = -1
    label = bags[bag, BAG_HEAD]
    while label >= 0:
        following = labels[label, NEXT]
        a0, a1, a2, a3 = labels[label, ARRIVE], labels[label, COST], labels[label, TRANSFERS], labels[label, CO2E]
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
            labels[label, ALIVE] = 0
            if previous < 0:
                bags[bag, BAG_HEAD] = following
            else:
                labels[previous, NEXT] = following
        else:
            previous = label
        label = following


@njit(**NO_REFCOUNT)
def admit(labels, bags, bag, v0, v1, v2, v3, pareto, rule):
    """``any_dominates`` then ``kill``, reading the bag once where possible: ``False`` (nothing changed) when a label
    of ``bag`` dominates the vector; else the labels the vector dominates are dropped and ``True`` is returned.

    The reading pass stops at a dominating label and notes whether the vector dominates any label, so the
    dropping pass runs only when it has something to drop (most admitted labels drop nothing). A dominating label
    moves to the front of its state's bag (not the routes found, bag 0, whose order is the answer's): a label that
    dominates one newcomer tends to dominate the next, and the answer is the same in any order (the bag is a set).
    """
    beaten = False
    previous = -1
    label = bags[bag, BAG_HEAD]
    while label >= 0:
        a0, a1, a2, a3 = labels[label, ARRIVE], labels[label, COST], labels[label, TRANSFERS], labels[label, CO2E]
        if dominates(a0, a1, a2, a3, v0, v1, v2, v3, pareto, rule):
            if previous >= 0 and bag != 0:
                _to_front(labels, bags, bag, previous, label)
            return False
        if not beaten:
            equal = a0 == v0 and a1 == v1 and a2 == v2 and a3 == v3
            beaten = not equal and dominates(v0, v1, v2, v3, a0, a1, a2, a3, pareto, rule)
        previous = label
        label = labels[label, NEXT]
    if beaten:
        kill(labels, bags, bag, v0, v1, v2, v3, pareto, rule)
    return True


@njit(**NO_REFCOUNT)
def best_found(labels, bags, order, best):
    """The lexicographically smallest vector (in ``order``) of the routes found, into ``best``."""
    label = bags[0, BAG_HEAD]
    first = True
    while label >= 0:
        key = (
            float(labels[label, order[0]]),
            float(labels[label, order[1]]),
            float(labels[label, order[2]]),
            float(labels[label, order[3]]),
        )
        if first or key < (best[0], best[1], best[2], best[3]):
            best[0], best[1], best[2], best[3] = key
            first = False
        label = labels[label, NEXT]
