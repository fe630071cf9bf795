"""Directional dual smoothing for the column generation (:mod:`engine.optimize.colgen`).

Plain Wentges smoothing prices at ``π̃ = α π_in + (1 − α) π_out`` (``π_in`` the stability centre, the capacity duals
with the best Lagrangian bound so far; ``π_out`` the master's). Directional smoothing (Pessoa, Sadykov, Uchoa and
Vanderbeck, "Automation and combination of linear-programming based stabilization techniques in column
generation", INFORMS J. Computing 30(2), 2018, section 3) keeps that step length but turns its direction towards
the subgradient ``g`` of the Lagrangian function at the centre, where the bound rises fastest::

    β   = max(0, cos ∠(g, π_out − π_in))
    ρ   = β (‖π_out − π_in‖ / ‖g‖) g + (1 − β)(π_out − π_in)
    π_sep = min(0, π_in + (1 − α) ‖π_out − π_in‖ / ‖ρ‖ · ρ)

For the path LP the Lagrangian is ``L(μ, ν) = Σ_l cap_l μ_l + Σ_v cap_v ν_v + Σ_k d_k min(pen_k, SP_k)``, so its
subgradient in ``μ_l`` is ``cap_l − flow_l`` with ``flow_l`` the TEU that the commodities' cheapest paths at the
centre put on link ``l`` (commodities cheaper to leave unserved put none), and in ``ν_v`` the same with lifts;
components that would push a zero dual above 0 are projected out (the duals are ``≤ 0``).

Exact like the plain smoothing: the point only decides where paths are sought; a path enters only if it prices out
at the master's own duals, a mispricing is priced again at the master's duals, every bound is a Lagrangian bound at
the point actually priced. Measured on the 10k-node benchmark in the :mod:`engine.optimize.colgen` docstring.

Penalty stabilisation (du Merle, Villeneuve, Desrosiers and Hansen, "Stabilized column generation", Discrete Math.
194, 1999, with a zero-width box; :data:`engine.optimize.colgen.STABILISATION_TEU`; first pass). The bound lags the
master's objective by 5–10× all along (3k-node instance of the benchmark's kind: at round 100 the objective is 9e-7
from the optimum, the bound 1.3e-5), and the master's duals are the worse end of the smoothing: their Lagrangian
bound is ~10× further off than the smoothed point's, because the tail is dual-degenerate and the simplex lands on an
arbitrary vertex of the optimal dual face. So every capacity row gets two columns in the HiGHS master, each bounded
by ε = :data:`engine.optimize.colgen.STABILISATION_TEU` TEU/week: one frees capacity at ``−c`` USD/TEU, one uses it
up at ``c`` (``c`` the row's dual at the stability centre). The master then maximises its dual objective minus ``ε
‖μ − c‖₁`` — for small ε the optimal dual nearest the centre — and those duals are the "master's duals" that the
smoothing moves towards, that columns are tested at, and that a mispricing is priced at (every bound stays a
Lagrangian bound at the point priced). Its objective is not the restricted master's (at most it), so it never ends
the pass: when it would (gap met, or nothing prices out), the stabilisation columns are fixed at 0 and the loop goes
on with the plain master, whose objective, duals and "optimal" test are as before; iterations report ``stabilised``
meanwhile, their ``gap`` then being only an estimate. Measured (3k-node, 1,000 commodities, gap 1e-6, rounds / CPU
s, two runs side by side): ε = 0 133 / 35.3; ε = 0.01 74 / 25.3, 0.1 71 / 26.3, 0.3 75 / 27.2, 1 75 / 27.7; ε = 10
makes the stabilised objective too low (it hit 1e-6 at round 81, then the plain master needed 320 rounds). On the
10k-node benchmark instance (gap 1e-6, three runs side by side, rounds / CPU s): plain 268 / 247.0 (pricing 130.6,
master 93.1); stabilised from the start 141 / 219.1 (another pair: plain 247.9) — half the rounds, but each
stabilised solve costs ~1 s against ~0.36 s (2.5× the simplex pivots at 3k: the centre moves every round and
re-prices every stabilisation column); so the pass is stabilised only once its gap is at most
:data:`engine.optimize.colgen.STABILISE_FROM_GAP` = 1e-3, where the plain loop spends most of its rounds: 149 /
191.6 (×0.78; pricing 73.1, master 102.3; 191.9 in a second run), objective 446235210.14 against 446235210.52 (both
within the gap of the same optimum). Measured there and not kept: the centre pushed to the master only every third
round (153 / 188.8, the same within noise); stabilisation columns only on rows whose centre dual is non-zero (135 /
227.7 from the start); ε = 0.001 (145 / 183.1 against 149 / 189.3 for the committed 0.01 in another window: within
noise); stabilising from gap 1e-2 (148 / 208.5: the early stabilised solves cost more than they save); smoothing α =
0.7 or 0.5 with it (3k: 59 and 66 rounds against 74, but dearer solves). The first try, a box (the same columns
unbounded, box half-width 10–1,000 USD/TEU, "boxstep") with the centre moved only when the bound rose, was far worse
(gap 1e-2 after 50–234 rounds against 25) and a second master solved beside the plain one (ε = 1) took 98 rounds to
1e-6 but cost more CPU than it saved (42.4 s). With capacity rows created only once full
(:mod:`engine.optimize.master_highs`, ~4k rows instead of ~9k, so half the stabilisation columns) the stabilised
solves are no cheaper (solves 80–120: 28.9 s against 29.2 s with every row), and stabilising from gap 1e-2 still
loses: 145 rounds / 212.0 s CPU (master 117.3 s) against 149 / 194.4 s (master 92.8 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.optimize.entering import Index
from engine.optimize.pricing import PathArcs, Pricer
from engine.optimize.transfer_graph import FloatArray


@dataclass(frozen=True)
class Subgradient:
    """The projected subgradient of the Lagrangian at a dual point: per capacitated link and terminal (TEU/week,
    capacity minus the flow the cheapest paths there would send; 0 where uncapacitated)."""

    link: FloatArray
    node: FloatArray

    @property
    def norm(self) -> float:
        """Euclidean norm over links and terminals (TEU/week)."""
        return float(np.sqrt(self.link @ self.link + self.node @ self.node))


def subgradient(
    pricer: Pricer,
    walked: tuple[Index, PathArcs],
    shortest: FloatArray,
    demand: FloatArray,
    penalty: FloatArray,
    link_cap: FloatArray,
    node_cap: FloatArray,
    link_dual: FloatArray,
    node_dual: FloatArray,
) -> Subgradient:
    """The subgradient of the Lagrangian at the duals of the last :meth:`Pricer.price` (module docstring).

    Parameters
    ----------
    pricer
        The pricer of that pricing (at ``link_dual``, ``node_dual``).
    walked
        Its commodities with a path and their arcs (:func:`engine.optimize.entering.walk`).
    shortest
        That pricing's cheapest path cost per commodity (USD/TEU, ``inf`` where none).
    demand, penalty
        TEU/week and USD per TEU unserved of every commodity.
    link_cap, node_cap
        Capacities (TEU/week; ``inf`` where none).
    link_dual, node_dual
        The duals priced at (USD/TEU, ``≤ 0``): where one is 0 a positive component is projected out.
    """
    ks, arcs = walked
    teu_of = np.where(shortest[ks] < penalty[ks], demand[ks], 0.0)  # cheaper unserved: no flow
    link_flow = np.zeros(len(link_cap))
    node_flow = np.zeros(len(node_cap))
    for s, (position, arc) in enumerate(arcs):
        graph = pricer.graphs[s]
        teu = teu_of[position]
        link_flow += np.bincount(graph.link[arc], weights=teu, minlength=len(link_cap))
        lifts = graph.lift_node[arc]
        lifted = lifts >= 0
        node_flow += np.bincount(lifts[lifted], weights=teu[lifted], minlength=len(node_cap))
    return Subgradient(_projected(link_cap, link_flow, link_dual), _projected(node_cap, node_flow, node_dual))


def _projected(cap: FloatArray, flow: FloatArray, dual: FloatArray) -> FloatArray:
    """``cap − flow`` where capacitated, without the components that would lift a zero dual above 0."""
    capped = np.isfinite(cap)
    step = np.where(capped, np.where(capped, cap, 0.0) - flow, 0.0)
    return np.where((dual >= 0.0) & (step > 0.0), 0.0, step)


def directional_point(
    center: tuple[FloatArray, FloatArray],
    master: tuple[FloatArray, FloatArray],
    slope: Subgradient,
    alpha: float,
) -> tuple[FloatArray, FloatArray]:
    """The directional smoothed capacity duals ``(μ, ν)`` between the ``center`` and the ``master`` duals with
    weight ``alpha`` on the centre (module docstring); the plain Wentges point where a direction is undefined."""
    d_link, d_node = master[0] - center[0], master[1] - center[1]
    distance = float(np.sqrt(d_link @ d_link + d_node @ d_node))
    norm = slope.norm
    plain = (alpha * center[0] + (1.0 - alpha) * master[0], alpha * center[1] + (1.0 - alpha) * master[1])
    if distance == 0.0 or norm == 0.0:
        return plain
    beta = max(0.0, float(slope.link @ d_link + slope.node @ d_node) / (norm * distance))
    r_link = beta * (distance / norm) * slope.link + (1.0 - beta) * d_link
    r_node = beta * (distance / norm) * slope.node + (1.0 - beta) * d_node
    length = float(np.sqrt(r_link @ r_link + r_node @ r_node))
    if length == 0.0:
        return plain
    step = (1.0 - alpha) * distance / length
    return np.minimum(center[0] + step * r_link, 0.0), np.minimum(center[1] + step * r_node, 0.0)


def lagrangian_bound(
    demand: FloatArray,
    penalty: FloatArray,
    shortest: FloatArray,
    link_cap: FloatArray,
    link_dual: FloatArray,
    node_cap: FloatArray,
    node_dual: FloatArray,
) -> float:
    """The Lagrangian lower bound of the full path LP at capacity duals ``μ, ν ≤ 0`` (USD/week).

    Relaxing the capacity rows with ``−μ, −ν ≥ 0`` leaves one independent choice per commodity, the cheaper of its
    penalty and its shortest surcharged path: ``L = Σ_l cap_l μ_l + Σ_v cap_v ν_v + Σ_k d_k min(pen_k, SP_k)``.
    It holds for any ``μ, ν ≤ 0`` and is never weaker than ``z + Σ_k d_k min(0, min(pen_k, SP_k) − π_k)`` (the
    demand duals are optimised out instead of taken from the master).
    """
    served = np.where(demand > 0, demand * np.minimum(penalty, shortest), 0.0)
    links = np.where(link_dual < 0, link_dual * np.where(np.isfinite(link_cap), link_cap, 0.0), 0.0)
    nodes = np.where(node_dual < 0, node_dual * np.where(np.isfinite(node_cap), node_cap, 0.0), 0.0)
    return float(served.sum() + links.sum() + nodes.sum())
