"""Column generation for the path-based multicommodity LP (the engine of :func:`engine.optimize.assign_demand`).

Formulation (one commodity ``k`` per demand row, ``P_k`` its paths in the transfer graph)::

    min   Σ_k Σ_{p∈P_k} c_p x_p  +  Σ_k pen_k u_k
    s.t.  Σ_{p∈P_k} x_p + u_k = d_k                   (π_k)   every commodity
          Σ_{p∋l} x_p           ≤ cap_l                (μ_l)   every capacitated link
          Σ_p n_{p,v} x_p       ≤ cap_v                (ν_v)   every capacitated terminal (lifts at v)
          x, u ≥ 0

``c_p`` is the path's generalized cost per TEU, ``d_k`` TEU/week, so the objective is USD per week.

The restricted master LP holds the columns found so far (less those dropped as idle, below) and is solved by HiGHS
kept warm (GLOP through MathOpt as fallback). Its duals price new columns: with the convention ``dual =
∂objective/∂rhs`` (MathOpt's and HiGHS's, checked in the tests on a two-variable LP) ``μ_l, ν_v ≤ 0`` for binding
``≤`` rows; they are clamped to ``≤ 0`` against round-off, and ``-μ``/``-ν`` are added to the arcs that run the link
/ lift at the terminal. One scipy Dijkstra per cargo segment over all its origins then gives every commodity's
cheapest path under the duals, ``SP_k``. The reduced cost of that path is ``rc_k = SP_k − π_k``; a column enters
when ``rc_k < −tol · max(1, |π_k|)`` (a relative tolerance: without it degenerate masters re-add the same column
forever) and is not yet in the pool.

Stopping rule: the Lagrangian bound ``LB = Σ_l cap_l μ_l + Σ_v cap_v ν_v + Σ_k d_k · min(pen_k, SP_k)``
(:func:`lagrangian_bound`) is a lower bound on the full LP for any capacity duals ``μ, ν ≤ 0``; the loop stops when
``(z − LB) / max(1, |z|) ≤ gap`` ("gap"), or when no column prices out ("optimal": the master optimum is the LP
optimum within the tolerance), or at ``max_iterations`` / ``time_limit_s``. The reported gap always bounds how far
the answer can be from the optimum.

Master: HiGHS kept warm between iterations (:mod:`engine.optimize.master_highs`; GLOP through MathOpt when asked
for or when HiGHS fails).

Convergence at scale (issue 13; 1,000 commodities on the 10k-node synthetic network, ``python -m benchmarks
assign_scale``; CPU seconds on a shared 2-core EPYC, measured with a harness on the same instance). The plain loop
(price at the master's duals, every column kept, empty start) reached gap 0.26 after 40 iterations / 62 s and
0.094 after 61 / 305 s: all 1,000 commodities herd onto the same free corridor each round, the master's objective
falls ~0.3 % a round (5.55e8 → 4.73e8 USD/week in 30 rounds) while the master grows by ~1,000 columns a round (10 s
a solve by round 60). Three changes, each exact (they only decide which columns the master holds, or at which
duals extra paths are sought; "optimal" is still only declared when nothing prices out at the master's duals):

- Warm start (:func:`engine.optimize.warm_start.residual_routes`, :data:`WARM_START_ROUNDS` = 12 rounds, ~9 s
  there): greedy routing on residual capacities seeds the master; its first objective is 4.68e8 (30 rounds:
  4.53e8), below what 30 plain rounds reach.
- Dropping idle columns (:data:`DROP_AFTER` = 5): a column at zero flow with a positive reduced cost for 5 solves
  leaves the master and its commodity's pool, so pricing re-adds it if it ever prices out again. The master stays
  at ~3–5k columns instead of growing by ~1,000 a round (0.1–0.8 s a solve instead of 10 s).
- Dual smoothing (Wentges, ``smoothing = α``, default :data:`DEFAULT_SMOOTHING` = 0.9): pricing runs at
  ``α · centre + (1 − α) · master duals`` for the capacity rows, the centre being the duals with the best
  Lagrangian bound so far; a path found there enters only if it prices out at the master's own duals, and when
  none does (a mis-pricing) the round is priced again at the master's duals. With the two changes above the bound
  rises much faster (harness): gap 0.035 after 49 iterations / 68 s with α = 0.9 (0.051 / 67 s with α = 0.8;
  0.125 / 58 s unsmoothed with a 30-round warm start). It changes which optimal path split the shipped network
  lands on where the LP has ties (the same link flows and objective, another split of paths between OD pairs).

Measured, gap at about 30 / 60 / 80 / 100 / 120 s CPU. Before (bf6d809, benchmark): 0.35 / 0.28 / 0.23 / 0.21 / 0.18
(0.094 at 305 s, 61 iterations, 56,603 columns). With the three changes (harness running :func:`solve_path_lp` as
committed, no time limit): 0.22 / 0.047 / 0.019 / 7.0e-3 / 3.6e-3, then ~1e-3 at 150–160 s, 3.0e-4 at 200 s, 5.5e-5
at 250 s, 7.9e-6 at 330 s and the 1e-6 stop ("gap") at 360 s CPU, iteration 365, with ~3–4k columns in the master
(~1 s a round: ~0.75 s pricing, 120 scipy Dijkstras on 45k-vertex line graphs, the rest the master); the benchmark
agrees where it got to (8.0e-3 at 108 s, iteration 70, the same iterates; its wall-clock budget cut short on the
loaded machine). So the optimum takes ~6 minutes, not 30 s; and the tie-break pass after it (least CO2e at that
cost, its own column generation with neither warm start, dropping nor smoothing) ran over 1,000 s CPU more there
without finishing: it is the next thing to make converge (dropping would apply as is). The tail is dual-degenerate:
the master's objective moves by < 1e-6 a round while hundreds of columns still enter at its extreme-point duals, and
the Lagrangian bound, not the objective, holds the gap up.

Measured and not kept (harness, same instance): HiGHS interior point without crossover for every master (centred
duals, "primal-dual column generation"): 1.5–2 s a solve and no faster bound in the first 60 s; interior point
once the gap is below 3e-2: 5.4e-3 at 118 s, worse than the simplex's 3.6e-3, and its interior flows keep every
column "in use" so the master grows; α = 0.95 (gap 0.11 at 47 s against 0.06 with 0.9); the master on dual simplex
(slower solves); 6 warm-start rounds instead of 12 (the same); also adding, per entering commodity, the paths to
its destination's other arrival links from the same Dijkstra trees (3× the columns, the same progress per round,
more CPU). Stopping each search at its last destination would save only ~10 % of pricing (73–98 % of the graph
lies nearer than the farthest destination).

Tie-break (``tie_break=True``): the LP often has many optimal flows (two OD pairs swapping equally priced paths).
A second column generation minimises total CO2e subject to the same rows and ``Σ c_p x_p + Σ pen_k u_k ≤ z*``
(+``TIE_BREAK_TOLERANCE`` relative), so the per-OD split is the least-CO2e optimum rather than whichever vertex
the solver met first; the duals reported stay the first pass's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.optimize.master import Column, Commodity, Master
from engine.optimize.master_highs import WarmMaster
from engine.optimize.pricing import Pricer
from engine.optimize.solver import LP_SOLVERS, solver_order
from engine.optimize.transfer_graph import FloatArray, TransferGraph
from engine.optimize.warm_start import residual_routes

DEFAULT_GAP = 1e-6
DEFAULT_REDUCED_COST_TOLERANCE = 1e-9
DEFAULT_MAX_ITERATIONS = 500
DEFAULT_SMOOTHING = 0.9
"""Wentges weight of the stability centre in the pricing duals (0 = price at the master's duals; see module doc)."""
WARM_START_ROUNDS = 12
"""Rounds of greedy routing on residual capacities that seed the master (:mod:`engine.optimize.warm_start`)."""
DROP_AFTER = 5
"""Solves a column may sit at zero flow with a positive reduced cost before it leaves the master (module doc)."""
TIE_BREAK_TOLERANCE = 1e-12
"""Relative slack on the optimal generalized cost allowed to the tie-break pass (LP round-off, not a trade-off)."""


@dataclass(frozen=True)
class IterationInfo:
    """What one iteration did (for ``on_iteration`` hooks and traces)."""

    iteration: int
    objective: float
    lower_bound: float
    gap: float
    columns_added: int
    columns: int
    solver: str


@dataclass(frozen=True)
class PathSolution:
    """The LP solution: columns with their flows, unserved TEU, duals, and how the loop ended."""

    columns: tuple[Column, ...]
    flows: FloatArray
    unserved: FloatArray
    objective: float
    lower_bound: float
    gap: float
    iterations: int
    status: str
    solver: str
    demand_dual: FloatArray
    link_dual: FloatArray
    node_dual: FloatArray


def solve_path_lp(
    graphs: Sequence[TransferGraph],
    commodities: Sequence[Commodity],
    link_cap: FloatArray,
    node_cap: FloatArray,
    usd_per_hour: float,
    *,
    gap: float = DEFAULT_GAP,
    reduced_cost_tolerance: float = DEFAULT_REDUCED_COST_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    time_limit_s: float | None = None,
    solver: str = "highs",
    on_iteration: Callable[[IterationInfo], None] | None = None,
    tie_break: bool = True,
    smoothing: float | None = None,
    warm_start_rounds: int | None = None,
) -> PathSolution:
    """Solve the path LP by column generation (module docstring). Capacities are ``inf`` where there is none.

    With ``tie_break`` a second pass picks, among the flows that cost no more than the optimum (within
    ``TIE_BREAK_TOLERANCE`` relative), the one with the least CO2e, by column generation on its own (exact) LP;
    the duals reported are the first pass's (any optimal dual is complementary to any optimal flow).
    ``smoothing`` (default :data:`DEFAULT_SMOOTHING`) is the Wentges weight in ``[0, 1)``; ``warm_start_rounds``
    (default :data:`WARM_START_ROUNDS`; 0 starts from the unserved columns alone) the greedy rounds that seed the
    master. Columns idle for :data:`DROP_AFTER` solves leave the HiGHS master (module docstring), so
    ``columns`` holds those in the master at the end, not every column ever generated.
    """
    if smoothing is None:
        smoothing = DEFAULT_SMOOTHING
    master = _master(commodities, link_cap, node_cap, solver)
    pricer = Pricer(graphs, commodities, usd_per_hour)
    pools: list[set[tuple[int, ...]]] = [set() for _ in commodities]
    columns: list[Column] = []
    demand = np.array([c.demand for c in commodities])
    penalty = np.array([c.penalty for c in commodities])
    started = time.monotonic()
    if warm_start_rounds is None:
        warm_start_rounds = WARM_START_ROUNDS
    if warm_start_rounds > 0:
        deadline = None if time_limit_s is None else started + time_limit_s
        initial = residual_routes(pricer, demand, penalty, link_cap, node_cap, warm_start_rounds, deadline)
        for column in initial:
            pools[column.commodity].add(column.links)
        columns.extend(initial)
        master.add_all(initial)
    idle = np.zeros(len(columns), dtype=np.int64)
    best_bound = -np.inf
    iteration = 0
    center: tuple[FloatArray, FloatArray, float] | None = None
    while True:
        z, pi, mu, nu, result = master.solve()
        weight = smoothing if center is not None else 0.0
        while True:
            if center is None or weight == 0.0:
                sep_mu, sep_nu = mu, nu
            else:
                sep_mu = weight * center[0] + (1.0 - weight) * mu
                sep_nu = weight * center[1] + (1.0 - weight) * nu
            shortest = pricer.price(-sep_mu, -sep_nu)
            bound = lagrangian_bound(demand, penalty, shortest, link_cap, sep_mu, node_cap, sep_nu)
            if center is None or bound > center[2]:
                center = (sep_mu, sep_nu, bound)
            best_bound = max(best_bound, bound)
            gap_now = max(0.0, (z - best_bound) / max(1.0, abs(z)))
            if weight == 0.0:
                entering = _entering(pricer, shortest - pi, pi, demand, pools, reduced_cost_tolerance)
                break
            entering = _entering_at(pricer, shortest, mu, nu, pi, demand, pools, reduced_cost_tolerance)
            if entering or gap_now <= gap:
                break
            weight = 0.0  # mispricing: nothing the smoothed duals found prices out at the master's; price there
        if on_iteration is not None:
            on_iteration(IterationInfo(iteration, z, best_bound, gap_now, len(entering), len(columns), master.name))
        status = ""
        if not entering:
            status = "optimal"
        elif gap_now <= gap:
            status = "gap"
        elif iteration >= max_iterations:
            status = "iteration_limit"
        elif time_limit_s is not None and time.monotonic() - started > time_limit_s:
            status = "time_limit"
        if status:
            break
        columns, idle = _drop_idle(master, columns, idle, pools, reduced_cost_tolerance)
        for column in entering:
            pools[column.commodity].add(column.links)
            columns.append(column)
        master.add_all(entering)
        idle = np.append(idle, np.zeros(len(entering), dtype=np.int64))
        iteration += 1

    if tie_break and columns:
        limit = None if time_limit_s is None else max(0.0, time_limit_s - (time.monotonic() - started))
        result = _least_co2e(master, pricer, commodities, columns, pools, z, max_iterations, limit)
    flows = master.flows(result)
    unserved = master.unserved(result)
    return PathSolution(
        columns=tuple(columns),
        flows=np.maximum(flows, 0.0),
        unserved=np.maximum(unserved, 0.0),
        objective=z,
        lower_bound=min(best_bound, z),
        gap=gap_now,
        iterations=iteration,
        status=status,
        solver=master.name,
        demand_dual=pi,
        link_dual=mu,
        node_dual=nu,
    )


def _drop_idle(
    master: Master | WarmMaster,
    columns: list[Column],
    idle: np.ndarray,
    pools: list[set[tuple[int, ...]]],
    tolerance: float,
) -> tuple[list[Column], np.ndarray]:
    """Count the solves each column has spent at zero flow with a positive reduced cost; drop those idle for
    :data:`DROP_AFTER` solves from the master and from their pool (pricing re-adds one that prices out again)."""
    if not isinstance(master, WarmMaster) or not master.can_drop or not columns:
        return columns, idle
    flows = master.flows_now()
    reduced = master.reduced_costs()
    idle = np.where((flows > 0.0) | (reduced <= tolerance), 0, idle + 1)
    stale = np.flatnonzero(idle >= DROP_AFTER)
    if not len(stale):
        return columns, idle
    master.drop(stale)
    keep = np.ones(len(columns), dtype=bool)
    keep[stale] = False
    for i in stale.tolist():
        pools[columns[i].commodity].discard(columns[i].links)
    return [c for c, kept in zip(columns, keep.tolist(), strict=True) if kept], idle[keep]


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


def _master(
    commodities: Sequence[Commodity], link_cap: FloatArray, node_cap: FloatArray, solver: str
) -> Master | WarmMaster:
    """HiGHS kept warm across iterations (:mod:`engine.optimize.master_highs`), or MathOpt for ``glop``."""
    solver_order(solver, LP_SOLVERS, "solver")  # the request's check, the same error
    if solver == "highs":
        return WarmMaster(commodities, link_cap, node_cap)
    return Master(commodities, link_cap, node_cap, solver)


def _least_co2e(
    master: Master | WarmMaster,
    pricer: Pricer,
    commodities: Sequence[Commodity],
    columns: list[Column],
    pools: list[set[tuple[int, ...]]],
    optimum: float,
    max_iterations: int,
    time_limit_s: float | None,
) -> Any:
    """The tie-break pass: min CO2e s.t. the first pass's rows and generalized cost ≤ the optimum (+ tolerance).

    Its pricing problem is a shortest path too: a path's reduced cost is ``e_p − π_k − Σ μ − Σ ν − θ c_p`` with
    ``θ ≤ 0`` the cost row's dual, so arc weights ``e_a + (−θ) c_a − μ_l − ν_v`` are non-negative.
    """
    master.fix_cost(columns, commodities, optimum + TIE_BREAK_TOLERANCE * max(1.0, abs(optimum)))
    demand = np.array([c.demand for c in commodities])
    started = time.monotonic()
    iteration = 0
    while True:
        _, pi, mu, nu, result = master.solve()
        theta = master.cost_dual(result)
        weights = [g.co2e_kg + theta * base for g, base in zip(pricer.graphs, pricer.base, strict=True)]
        shortest = pricer.price(-mu, -nu, weights)
        entering = _entering(pricer, shortest - pi, pi, demand, pools, DEFAULT_REDUCED_COST_TOLERANCE)
        out_of_time = time_limit_s is not None and time.monotonic() - started > time_limit_s
        if not entering or iteration >= max_iterations or out_of_time:
            return result  # the flows of this solve are feasible and cost no more than the optimum
        for column in entering:
            pools[column.commodity].add(column.links)
            columns.append(column)
        master.add_all(entering)
        iteration += 1


def _entering(
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


def _entering_at(
    pricer: Pricer,
    shortest: FloatArray,
    link_dual: FloatArray,
    node_dual: FloatArray,
    pi: FloatArray,
    demand: FloatArray,
    pools: list[set[tuple[int, ...]]],
    tolerance: float,
) -> list[Column]:
    """The paths found at smoothed duals that price out at the master's duals ``(π, μ, ν)`` (and are new)."""
    candidates = [pricer.column(int(k)) for k in np.flatnonzero((demand > 0) & np.isfinite(shortest))]
    if not candidates:
        return []
    links = np.concatenate([np.asarray(c.links, dtype=np.int64) for c in candidates])
    lifts = np.concatenate([np.asarray(c.lifts, dtype=np.int64) for c in candidates])
    link_owner = np.repeat(np.arange(len(candidates)), [len(c.links) for c in candidates])
    lift_owner = np.repeat(np.arange(len(candidates)), [len(c.lifts) for c in candidates])
    surcharge = np.bincount(link_owner, weights=-link_dual[links], minlength=len(candidates))
    surcharge += np.bincount(lift_owner, weights=-node_dual[lifts], minlength=len(candidates))
    owners = np.array([c.commodity for c in candidates])
    reduced = np.array([c.cost for c in candidates]) + surcharge - pi[owners]
    threshold = -tolerance * np.maximum(1.0, np.abs(pi[owners]))
    return [
        c for c, r, t in zip(candidates, reduced, threshold, strict=True) if r < t and c.links not in pools[c.commodity]
    ]
