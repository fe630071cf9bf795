"""Which paths enter the master in a column-generation round (:mod:`engine.optimize.colgen`).

A path enters when its reduced cost is below ``−tolerance · max(1, |π_k|)`` (relative: without it degenerate
masters re-add the same column forever) and it is not yet in its commodity's pool. With dual smoothing the paths
are found at the smoothed duals and tested at the master's own (:func:`entering_at`); there every path's reduced
cost is first summed over its arcs in numpy (:meth:`engine.optimize.pricing.Pricer.path_arcs`) and only the paths
near the threshold are built as :class:`Column` objects (building all ~1,000 a round was ~11 % of the 10k-node
benchmark's CPU).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.optimize.master import Column
from engine.optimize.pricing import PathArcs, Pricer
from engine.optimize.transfer_graph import FloatArray

Index = npt.NDArray[np.intp]

NEAR = 1e-10
"""Margin (relative to ``max(1, |π_k|)``) within which a path's quick reduced cost is re-checked exactly: ~1,000×
the round-off between the two sums (~1e-13 relative), yet small enough that the master's own basic paths (reduced
cost 0, found again by most pricings) are not built (with 1e-6 about half of all paths were)."""


def entering_columns(
    pricer: Pricer,
    reduced: FloatArray,
    pi: FloatArray,
    demand: FloatArray,
    pools: list[set[tuple[int, ...]]],
    tolerance: float,
) -> list[Column]:
    """The columns that enter: negative reduced cost (relative ``tolerance``) and not yet in the commodity's pool.

    Only these paths are walked back and totalled (an unreachable commodity has ``reduced = inf``).
    """
    candidates = np.flatnonzero((demand > 0) & (reduced < -tolerance * np.maximum(1.0, np.abs(pi))))
    columns = (pricer.column(int(k)) for k in candidates)
    return [column for column in columns if column.links not in pools[column.commodity]]


def entering_at(
    pricer: Pricer,
    shortest: FloatArray,
    demand: FloatArray,
    link_dual: FloatArray,
    node_dual: FloatArray,
    pi: FloatArray,
    pools: list[set[tuple[int, ...]]],
    tolerance: float,
    cost_dual: float | None = None,
    walked: tuple[Index, PathArcs] | None = None,
) -> list[Column]:
    """The paths found at smoothed duals that price out at the master's duals ``(π, μ, ν)`` (and are new); in the
    tie-break pass (``cost_dual`` = ``t`` given) a path's objective is its CO2e plus ``t`` times its cost.

    Every path's reduced cost is first summed over its arcs (numpy); only those within a margin of the threshold
    (:data:`NEAR`, far above the round-off between the two sums) are built as columns and tested as
    before, so the same columns enter as when every path was built. ``walked`` is :func:`walk` of this pricing
    when the caller already has it (the directional smoothing's subgradient reads the same arcs).
    """
    ks, arcs = walk(pricer, shortest, demand) if walked is None else walked
    if not len(ks):
        return []
    scale = np.maximum(1.0, np.abs(pi[ks]))
    approx = _path_values(pricer, ks, arcs, link_dual, node_dual, cost_dual) - pi[ks]
    candidates = [pricer.column(int(k)) for k in ks[approx < (NEAR - tolerance) * scale]]
    if not candidates:
        return []
    links = np.concatenate([np.asarray(c.links, dtype=np.int64) for c in candidates])
    lifts = np.concatenate([np.asarray(c.lifts, dtype=np.int64) for c in candidates])
    link_owner = np.repeat(np.arange(len(candidates)), [len(c.links) for c in candidates])
    lift_owner = np.repeat(np.arange(len(candidates)), [len(c.lifts) for c in candidates])
    surcharge = np.bincount(link_owner, weights=-link_dual[links], minlength=len(candidates))
    surcharge += np.bincount(lift_owner, weights=-node_dual[lifts], minlength=len(candidates))
    owners = np.array([c.commodity for c in candidates])
    if cost_dual is None:
        objective = np.array([c.cost for c in candidates])
    else:
        objective = np.array([c.co2e_kg + cost_dual * c.cost for c in candidates])
    reduced = objective + surcharge - pi[owners]
    threshold = -tolerance * np.maximum(1.0, np.abs(pi[owners]))
    return [
        c for c, r, t in zip(candidates, reduced, threshold, strict=True) if r < t and c.links not in pools[c.commodity]
    ]


def walk(pricer: Pricer, shortest: FloatArray, demand: FloatArray) -> tuple[Index, PathArcs]:
    """The commodities with demand and a path in the last pricing, and the arcs of those paths
    (:meth:`Pricer.path_arcs`)."""
    ks = np.flatnonzero((demand > 0) & np.isfinite(shortest))
    return ks, pricer.path_arcs(ks) if len(ks) else []


def _path_values(
    pricer: Pricer,
    ks: Index,
    arcs: PathArcs,
    link_dual: FloatArray,
    node_dual: FloatArray,
    cost_dual: float | None,
) -> FloatArray:
    """Objective plus capacity surcharges ``−μ, −ν`` of the paths of ``ks`` (generalized cost, or CO2e plus
    ``cost_dual`` times it in the tie-break pass), summed over their ``arcs``."""
    total = np.zeros(len(ks))
    lift_surcharge = np.append(-node_dual, 0.0)  # index -1 (no lift) reads the 0 at the end
    for s, (position, arc) in enumerate(arcs):
        graph, base = pricer.graphs[s], pricer.base[s]
        value = base[arc] if cost_dual is None else graph.co2e_kg[arc] + cost_dual * base[arc]
        value = value - link_dual[graph.link[arc]] + lift_surcharge[graph.lift_node[arc]]
        total += np.bincount(position, weights=value, minlength=len(ks))
    return total
