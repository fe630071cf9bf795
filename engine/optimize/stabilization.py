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
