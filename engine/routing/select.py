"""Choosing which routes to return from the Pareto set.

``PARETO`` with ``max_routes`` smaller than the Pareto set returns a representative subset:

1. the best route on each criterion, in this priority order when ``max_routes`` < 4: cheapest, fastest, fewest
   transfers, lowest CO2e (each the lexicographic optimum, e.g. cheapest then earliest);
2. then, greedily, the route farthest from those already chosen in criteria space (each criterion scaled to [0, 1]
   over the Pareto set, Euclidean distance; ties by the Pareto order), so the subset spans the trade-offs.

The subset is returned in the Pareto order: arrival, then cost, transfers, CO2e.

Single objectives (and ``WEIGHTED``) return the best route first, then alternatives from the Pareto set in the
objective's order that are **really different**: a candidate is skipped when more than ``MAX_SHARED`` of its
distance runs between the same pairs of nodes as a route already chosen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from engine.routing.query import Objective, Weights
from engine.routing.search import ARRIVE, CO2E, COST, TRANSFERS, Vector

MAX_SHARED = 0.5
"""Largest share of an alternative's distance that may coincide with an already chosen route."""

LEXICOGRAPHIC_ORDERS: dict[Objective, tuple[int, ...]] = {
    Objective.CHEAPEST: (COST, ARRIVE, TRANSFERS, CO2E),
    Objective.FASTEST: (ARRIVE, COST, TRANSFERS, CO2E),
    Objective.FEWEST_TRANSFERS: (TRANSFERS, ARRIVE, COST, CO2E),
    Objective.LOWEST_CO2E: (CO2E, COST, ARRIVE, TRANSFERS),
}
PARETO_ORDER = (ARRIVE, COST, TRANSFERS, CO2E)
EXTREMES_PRIORITY = (Objective.CHEAPEST, Objective.FASTEST, Objective.FEWEST_TRANSFERS, Objective.LOWEST_CO2E)


def order_key(order: tuple[int, ...]) -> Callable[[Vector], tuple[int, ...]]:
    """A sort key for criteria vectors in a lexicographic order."""
    return lambda v: tuple(v[i] for i in order)


def best_for(vectors: Sequence[Vector]) -> dict[int, str]:
    """Index → comma-joined names of the criteria on which that vector is the lexicographic optimum."""
    names: dict[int, list[str]] = {}
    for objective in EXTREMES_PRIORITY:
        key = order_key(LEXICOGRAPHIC_ORDERS[objective])
        best = min(range(len(vectors)), key=lambda i: key(vectors[i]))
        names.setdefault(best, []).append(objective.value)
    return {i: ",".join(n) for i, n in names.items()}


def representative(vectors: Sequence[Vector], max_routes: int) -> list[int]:
    """Indexes of a representative subset of Pareto ``vectors`` (assumed in Pareto order), in Pareto order."""
    if len(vectors) <= max_routes:
        return list(range(len(vectors)))
    chosen: list[int] = []
    for objective in EXTREMES_PRIORITY:
        key = order_key(LEXICOGRAPHIC_ORDERS[objective])
        best = min(range(len(vectors)), key=lambda i: key(vectors[i]))
        if best not in chosen and len(chosen) < max_routes:
            chosen.append(best)
    lows = [min(v[c] for v in vectors) for c in range(4)]
    spans = [max(max(v[c] for v in vectors) - lows[c], 1) for c in range(4)]
    scaled = [[(v[c] - lows[c]) / spans[c] for c in range(4)] for v in vectors]
    nearest = [min(math.dist(scaled[i], scaled[j]) for j in chosen) for i in range(len(vectors))]
    while len(chosen) < max_routes:
        candidate = max((i for i in range(len(vectors)) if i not in chosen), key=lambda i: (nearest[i], -i))
        chosen.append(candidate)
        for i in range(len(vectors)):
            nearest[i] = min(nearest[i], math.dist(scaled[i], scaled[candidate]))
    return sorted(chosen)


def weighted_scores(vectors: Sequence[Vector], ready_min: int, weights: Weights) -> list[float]:
    """The WEIGHTED score (USD) of each vector."""
    return [
        v[COST] / 100
        + weights.usd_per_hour * (v[ARRIVE] - ready_min) / 60
        + weights.usd_per_transfer * v[TRANSFERS]
        + weights.usd_per_kg_co2e * v[CO2E] / 1000
        for v in vectors
    ]


def diverse_in_order(
    ranked: Sequence[int], segments: Sequence[dict[tuple[str, str], float]], max_routes: int
) -> list[int]:
    """Walk ``ranked`` (best first) and keep candidates that are really different from those kept.

    ``segments[i]`` maps each (from, to) node pair of route ``i`` to its km.
    """
    kept: list[int] = []
    for i in ranked:
        total = sum(segments[i].values()) or 1.0
        if all(sum(km for pair, km in segments[i].items() if pair in segments[j]) / total <= MAX_SHARED for j in kept):
            kept.append(i)
        if len(kept) == max_routes:
            break
    return kept
