"""The cost layers' regions in the compiled search (mirrors :mod:`engine.routing.cost_layers`, operation for
operation, so both searches prune and raise the same labels)."""

# mypy: ignore-errors
# numba's njit functions are untyped to mypy; their arguments are documented numpy arrays and tuples of them.

from __future__ import annotations

from numba import njit

from engine.routing.kernel_front import front_dominates
from engine.routing.kernel_layout import INF_FLOAT, NO_REFCOUNT
from engine.routing.kernel_rules import PROFILE_UNREACHABLE, arrival_floor
from engine.routing.kernel_store import heap_push


@njit(**NO_REFCOUNT)
def layer_floor(latest, step_min, row, arrive):
    """cost_layers.layer_floor: the least arrival from layer row ``row`` for a label arriving at minute ``arrive``
    (``INF_FLOAT`` where the destination is out of the layer's reach)."""
    if latest[row, 0] == PROFILE_UNREACHABLE:
        return INF_FLOAT
    return arrival_floor(latest, step_min, row, arrive)


@njit(**NO_REFCOUNT)
def _covered(pool_vec, bags, front, relax, c0, c1, c2, c3):
    """Whether a route found dominates the corner, or (ε-Pareto: ``relax`` = (ready, 1 + ε), factor above 1) its
    relaxation ``ready + (1 + ε)(c0 − ready), (1 + ε) c1, …`` as ``search._relaxation`` makes it."""
    ready, factor = relax
    if factor > 1.0:
        return front_dominates(
            pool_vec, bags, front, ready + factor * (c0 - ready), factor * c1, factor * c2, factor * c3
        )
    return front_dominates(pool_vec, bags, front, c0, c1, c2, c3)


@njit(**NO_REFCOUNT)
def region_arrival(latest, layers, step_min, cost_step, link, arrive, o0, o1, o2, o3, pool_vec, bags, front, relax):
    """cost_layers.region_arrival: the least arrival corner of the label's regions that no route found covers
    (``INF_FLOAT`` when none is left); ``cost_step`` is the cost scale times one layer's reduced cost, ``relax`` the
    ε-dominance of :func:`_covered`."""
    row = link * layers + layers - 1  # the layer of a label that has spent nothing
    if layer_floor(latest, step_min, row, arrive) <= o0:
        return o0
    if not _covered(pool_vec, bags, front, relax, o0, o1 + layers * cost_step, o2, o3):
        return o0
    for spent in range(layers - 1, -1, -1):
        floor = layer_floor(latest, step_min, row - spent, arrive)
        if floor >= INF_FLOAT:
            continue
        corner = floor if floor > o0 else o0
        if not _covered(pool_vec, bags, front, relax, corner, o1 + spent * cost_step, o2, o3):
            return corner
    return INF_FLOAT


@njit(**NO_REFCOUNT)
def layers_defer(
    latest,
    layers,
    step_min,
    cost_step,
    link,
    arrive,
    cost,
    transfers,
    co2e,
    popped,
    pool_vec,
    bags,
    front,
    relax,
    heap_keys,
    heap_seq,
    heap_label,
    counters,
    label,
):
    """Whether a label just popped is not to be settled now: every region is dominated (dropped), or its arrival
    bound rose (back into the heap under it, with its creation number), as the Python search does
    (:mod:`engine.routing.cost_layers`). ``popped`` holds its heap keys (arrival first: layers are used only when
    labels leave the heap by optimistic arrival) and its creation number; ``cost``, ``transfers``, ``co2e`` its
    optimistic completion's other criteria; ``relax``: (ready minute, 1 + ε), or a factor of 1 when exact."""
    raised = region_arrival(
        latest,
        layers,
        step_min,
        cost_step,
        link,
        arrive,
        popped[0],
        cost,
        transfers,
        co2e,
        pool_vec,
        bags,
        front,
        relax,
    )
    if raised >= INF_FLOAT:
        return True
    if raised > popped[0]:
        heap_push(
            heap_keys, heap_seq, heap_label, counters, raised, popped[1], popped[2], popped[3], int(popped[4]), label
        )
        return True
    return False
