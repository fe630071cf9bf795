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
(:func:`engine.optimize.stabilization.lagrangian_bound`) is a lower bound on the full LP for any capacity duals
``μ, ν ≤ 0``; the loop stops when ``(z − LB) / max(1, |z|) ≤ gap`` ("gap"), or when no column prices out at the master's
own duals ("optimal": the master optimum is the LP optimum within the tolerance; also when the bound meets ``z``),
or at ``max_iterations`` / ``time_limit_s``. The reported gap always bounds how far the answer can be from the
optimum. A round whose smoothed pricing finds nothing that enters once the gap is met must not say "optimal": the
master's duals were not priced (before this was fixed such rounds said "optimal" with gaps up to 0.27 on the random
test instances at ``gap`` = 0.3). So when the gap is met and the smoothed pricing found nothing, the round prices
again at the master's duals and says "optimal" if nothing prices out there either (one more pricing at the end).

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
- Directional smoothing (:data:`DIRECTIONAL_SMOOTHING`, first pass; :mod:`engine.optimize.stabilization`): the
  smoothed point keeps its distance from the centre but is turned towards the Lagrangian's subgradient there
  (capacity minus the flow the centre's cheapest paths would send), where the bound rises fastest. Measured below.
  On the shipped network it ends at another of the LP's tied optima: the same objective, CO2e, link and terminal
  flows and TEU served per commodity, another split of paths between OD pairs and other (equally optimal) shadow
  prices where the dual is not unique.

Measured, gap at about 30 / 60 / 80 / 100 / 120 s CPU. Before (bf6d809, benchmark): 0.35 / 0.28 / 0.23 / 0.21 / 0.18
(0.094 at 305 s, 61 iterations, 56,603 columns). With the three changes (harness running :func:`solve_path_lp` as
committed, no time limit): 0.22 / 0.047 / 0.019 / 7.0e-3 / 3.6e-3, then ~1e-3 at 150–160 s, 3.0e-4 at 200 s, 5.5e-5
at 250 s, 7.9e-6 at 330 s and the 1e-6 stop ("gap") at 360 s CPU, iteration 365, with ~3–4k columns in the master
(~1 s a round: ~0.75 s pricing, 120 scipy Dijkstras on 45k-vertex line graphs, the rest the master); the benchmark
agrees where it got to (8.0e-3 at 108 s, iteration 70, the same iterates; its wall-clock budget cut short on the
loaded machine). So the optimum takes ~6 minutes, not 30 s. The tail is dual-degenerate: the master's objective
moves by < 1e-6 a round while hundreds of columns still enter at its extreme-point duals; objective and bound close
at about the same rate (10× every ~55 rounds below 1e-4).

Where a round's CPU goes (harness, 365 rounds to 1e-6, 327 s CPU on the shared machine, before the entering check
below): pricing 184 s (56 %: the 120 Dijkstras are ~95 % of it), master solves 85 s (26 %), building every priced
path as a :class:`Column` to test it at the master's duals 44 s (13 %), the rest warm start (8 s), adding and
dropping columns. The entering check is now a numpy walk of the predecessor arrays with only the paths near the
threshold built (:mod:`engine.optimize.entering`): the same 365 rounds and iterates, that phase 44 → 22 s (the
whole pass 327 → 277 s CPU in the same conditions, though the unchanged pricing alone varied by 15 % between runs).
Dropped columns are rarely the ones that come back: 1,469 re-entries among 108,287 columns generated.

Measured and not kept (harness, same instance): HiGHS interior point without crossover for every master (centred
duals, "primal-dual column generation"): 1.5–2 s a solve and no faster bound in the first 60 s; interior point
once the gap is below 3e-2: 5.4e-3 at 118 s, worse than the simplex's 3.6e-3, and its interior flows keep every
column "in use" so the master grows; α = 0.95 (gap 0.11 at 47 s against 0.06 with 0.9); the master on dual simplex
(slower solves); 6 warm-start rounds instead of 12 (the same); also adding, per entering commodity, the paths to
its destination's other arrival links from the same Dijkstra trees (3× the columns, the same progress per round,
more CPU); self-adjusting smoothing (Pessoa et al. 2018: α − 0.1 when the subgradient at the pricing point points
towards the master's duals, else α + 0.1 (1 − α)): ~20 rounds ahead at gap 1e-4 but the same 365 rounds to 1e-6.
Stopping each search at its last destination would save only ~10 % of pricing (73–98 % of the graph
lies nearer than the farthest destination).

Directional smoothing (issue 13, same instance, base and new run side by side, CPU seconds, gap 1e-2 / 1e-3 / 1e-4 /
1e-5 / 1e-6): rounds 66 / 118 / 194 / 315 / 365 → 41 / 77 / 141 / 224 / 268, CPU 85 / 149 / 219 / 313 / 345 →
69 / 127 / 195 / 266 / 305 (×0.88 to the optimum; ×0.91 in a second pair, 294 → 266 s, and ×0.82 in two lone
runs, 295 → 243 s); pricing 220 → 172 s (each pricing ~10 % dearer at the turned duals), but master solves
92 → 99 s (0.25 → 0.37 s a solve: more columns and pivots a round); the subgradients share the entering check's
walk of the paths (:func:`engine.optimize.entering.walk`); objective
446235237.03 → 446235210.52 (both within the gap of the same optimum). Measured and not kept there: partial pricing
(only the origins with a column entering in the last 3 rounds, a full pricing every 10 rounds and whenever the
partial one finds nothing, the bound and the centre only from full pricings): gap 9.2e-2 at round 50 against 3.4e-2,
1.4× the CPU to the same gap (the centre must move every round); pricing a round in full whenever more than half
the origins are active leaves nothing to save: 87–105 of the 120 origins have a column entering per round down to
gap 1e-3, and in the tail up to 41 of 73 entering origins had none in the 5 rounds before. Neame smoothing (the
centre is always the last pricing point): gap 2.2e-3 against 1.9e-3 at round 100. Self-adjusting α on top of the
directional turn: the same (78 rounds / 129 s to 1e-3 against 77 / 127); α = 0.8 or 0.95 with it: 178 rounds
to 1e-4 against 141, and gap 7.8e-2 against 4.0e-2 at round 25. :data:`DROP_AFTER` = 3 with it: 1e-4 after 156
rounds and 11 % less CPU (a smaller master), but 320 rounds to 1e-6 (pricing plus master 225 s against 217 s);
2 or 1: 49 or 65 rounds to 1e-2 against 41. A numba binary-heap Dijkstra: as fast as scipy's; A* with free-flow
potentials to an origin's destinations: 62 % of the vertices settled, no faster. So the optimum still takes ~4
minutes, not 30 s: ~120 Dijkstras a round (56 % of the CPU) over ~270 rounds, the master ~32 %.

Penalty stabilisation (du Merle et al. 1999; :data:`STABILISATION_TEU`, first pass, once the gap is at most
:data:`STABILISE_FROM_GAP`): the master's duals that the smoothing moves towards are, among its degenerate optimal
duals, those nearest the centre; why, how it stays exact, and what was measured are in
:mod:`engine.optimize.stabilization` (10k-node benchmark, gap 1e-6: 268 → 149 rounds, 247 → 192 s CPU).

Tie-break (``tie_break=True``): the LP often has many optimal flows (two OD pairs swapping equally priced paths).
A second column generation minimises total CO2e subject to the same rows and ``Σ c_p x_p + Σ pen_k u_k ≤ z*``
(+``TIE_BREAK_TOLERANCE`` relative), so the per-OD split is the least-CO2e optimum rather than whichever vertex
the solver met first; the duals reported stay the first pass's. It is the same loop (:class:`_Loop`: smoothing,
dropping idle columns, the Lagrangian bound with the cost row's dual, :meth:`_Loop._price`) and stops when no
column prices out, at ``gap``, or when its CO2e fell by at most ``gap`` (relative) over :data:`TIE_BREAK_STALL`
rounds ("stalled"; only when ``gap > 0``). Why the stall rule: at scale its Lagrangian bound is useless (the cost
row's dual is large, so the bound inherits that multiple of the first pass's remaining gap: −1.4e10 kg against an
objective of 1.04e8 after 20 rounds on the 10k-node benchmark) while the CO2e does not move at all (1.043144869536e8
over 20 rounds): without the rule the pass ran over 1,000 s CPU there. Every flow it passes through costs no more
than the optimum, so stopping early can only leave the CO2e above its least, never the cost above the optimum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.optimize.entering import entering_at, entering_columns, walk
from engine.optimize.master import Column, Commodity, Master
from engine.optimize.master_highs import WarmMaster
from engine.optimize.pricing import Pricer
from engine.optimize.solver import LP_SOLVERS, solver_order
from engine.optimize.stabilization import Subgradient, directional_point, lagrangian_bound, subgradient
from engine.optimize.transfer_graph import FloatArray, TransferGraph
from engine.optimize.warm_start import residual_routes

DEFAULT_GAP = 1e-6
DEFAULT_REDUCED_COST_TOLERANCE = 1e-9
DEFAULT_MAX_ITERATIONS = 500
DEFAULT_SMOOTHING = 0.9
"""Wentges weight of the stability centre in the pricing duals (0 = price at the master's duals; see module doc)."""
DIRECTIONAL_SMOOTHING = True
"""Turn the smoothed pricing point towards the Lagrangian's subgradient at the centre (first pass; module doc)."""
WARM_START_ROUNDS = 12
"""Rounds of greedy routing on residual capacities that seed the master (:mod:`engine.optimize.warm_start`)."""
DROP_AFTER = 5
"""Solves a column may sit at zero flow with a positive reduced cost before it leaves the master (module doc)."""
STABILISATION_TEU = 0.01
"""Bound (TEU/week) on the penalty-stabilisation columns of each capacity row in the first pass (0: none; module
docstring): small, so that among a degenerate master's optimal duals the one nearest the centre is taken."""
STABILISE_FROM_GAP = 1e-3
"""The first pass is penalty-stabilised once its gap is at most this (1 or more: from the start; module docstring)."""
TIE_BREAK_STALL = 5
"""Rounds over which the tie-break pass must lower its CO2e by ``gap`` (relative) to go on (module docstring)."""
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
    stabilised: bool = False
    """Whether ``objective`` is the penalty-stabilised master's (at most the restricted master's, so ``gap`` is then
    only an estimate: the pass never stops on it; module docstring)."""


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
    initial_columns: Sequence[Column] = (),
) -> PathSolution:
    """Solve the path LP by column generation (module docstring). Capacities are ``inf`` where there is none.

    With ``tie_break`` a second pass picks, among the flows that cost no more than the optimum (within
    ``TIE_BREAK_TOLERANCE`` relative), the one with the least CO2e (within ``gap``, by its own Lagrangian bound),
    by column generation on its own (exact) LP; the duals reported are the first pass's (any optimal dual is
    complementary to any optimal flow). ``smoothing`` (default :data:`DEFAULT_SMOOTHING`) is the Wentges weight in
    ``[0, 1)``; ``warm_start_rounds`` (default :data:`WARM_START_ROUNDS`; 0 starts from the unserved columns alone)
    the greedy rounds that seed the master; ``initial_columns`` (e.g. another solution's, for a re-solve with a
    capacity changed) seed it instead of those rounds. Columns idle for :data:`DROP_AFTER` solves leave the HiGHS master
    (module docstring), in both passes, so ``columns`` holds those in the master at the end, not every column ever
    generated.
    """
    master = _master(commodities, link_cap, node_cap, solver)
    pricer = Pricer(graphs, commodities, usd_per_hour)
    pools: list[set[tuple[int, ...]]] = [set() for _ in commodities]
    columns: list[Column] = []
    demand = np.array([c.demand for c in commodities])
    penalty = np.array([c.penalty for c in commodities])
    started = time.monotonic()
    deadline = None if time_limit_s is None else started + time_limit_s
    if warm_start_rounds is None:
        warm_start_rounds = 0 if initial_columns else WARM_START_ROUNDS
    initial = list(initial_columns)
    if warm_start_rounds > 0:
        initial += residual_routes(pricer, demand, penalty, link_cap, node_cap, warm_start_rounds, deadline)
    seeded: list[Column] = []
    for column in initial:
        if column.links not in pools[column.commodity]:  # each path once per commodity
            pools[column.commodity].add(column.links)
            seeded.append(column)
    if seeded:
        columns.extend(seeded)
        master.add_all(seeded)
    loop_stabilised = STABILISATION_TEU > 0.0 and isinstance(master, WarmMaster) and STABILISE_FROM_GAP >= 1.0
    if loop_stabilised and isinstance(master, WarmMaster):
        master.stabilise(STABILISATION_TEU)
    loop = _Loop(
        master,
        pricer,
        demand,
        penalty,
        link_cap,
        node_cap,
        gap=gap,
        tolerance=reduced_cost_tolerance,
        smoothing=DEFAULT_SMOOTHING if smoothing is None else smoothing,
        max_iterations=max_iterations,
        deadline=deadline,
        directional=DIRECTIONAL_SMOOTHING,
        stabilisation_started=loop_stabilised,
    )
    first = loop.run(columns, pools, on_iteration)
    columns, result = first.columns, first.result
    if isinstance(master, WarmMaster) and master.stabilised:
        master.end_stabilisation()  # the pass ends on the plain master; this only guards the tie-break pass
    if tie_break and columns:
        bound = first.z + TIE_BREAK_TOLERANCE * max(1.0, abs(first.z))
        master.fix_cost(columns, commodities, bound)
        second = loop.run(columns, pools, None, cost_bound=bound)
        columns, result = second.columns, second.result
    flows = master.flows(result)
    unserved = master.unserved(result)
    return PathSolution(
        columns=tuple(columns),
        flows=np.maximum(flows, 0.0),
        unserved=np.maximum(unserved, 0.0),
        objective=first.z,
        lower_bound=min(first.bound, first.z),
        gap=first.gap,
        iterations=first.iterations,
        status=first.status,
        solver=master.name,
        demand_dual=first.pi,
        link_dual=first.mu,
        node_dual=first.nu,
    )


@dataclass(frozen=True)
class _Pass:
    """How one column-generation pass ended: the last master's objective, duals and solution, its columns."""

    z: float
    pi: FloatArray
    mu: FloatArray
    nu: FloatArray
    result: Any
    columns: list[Column]
    bound: float
    gap: float
    iterations: int
    status: str


@dataclass
class _Loop:
    """The column-generation loop shared by the cost pass and the tie-break pass (module docstring).

    The tie-break pass (``cost_bound`` given) minimises CO2e under the extra row ``Σ c_p x_p + Σ pen_k u_k ≤ B``
    whose dual ``θ ≤ 0`` (``t = −θ``) enters the pricing weights (``e_a + t c_a``) and the Lagrangian bound
    (``L − t B``, unserved cargo costing ``t pen_k``); smoothing, dropping and the stopping rule are the same.
    """

    master: Master | WarmMaster
    pricer: Pricer
    demand: FloatArray
    penalty: FloatArray
    link_cap: FloatArray
    node_cap: FloatArray
    gap: float
    tolerance: float
    smoothing: float
    max_iterations: int
    deadline: float | None
    directional: bool = False
    stabilisation_started: bool = False

    def run(
        self,
        columns: list[Column],
        pools: list[set[tuple[int, ...]]],
        on_iteration: Callable[[IterationInfo], None] | None,
        cost_bound: float | None = None,
    ) -> _Pass:
        """Iterate until optimal, within the gap, or out of iterations or time; the columns are the master's."""
        master, pricer = self.master, self.pricer
        idle = np.zeros(len(columns), dtype=np.int64)
        best_bound = -np.inf
        iteration = 0
        center: tuple[FloatArray, FloatArray, float, float] | None = None
        history: list[float] = []
        slope: Subgradient | None = None
        while True:
            stabilised = cost_bound is None and isinstance(master, WarmMaster) and master.stabilised
            if stabilised and center is not None and isinstance(master, WarmMaster):
                master.set_center(center[0], center[1])
            z, pi, mu, nu, result = master.solve()
            history.append(z)
            t = 0.0 if cost_bound is None else master.cost_dual(result)
            weight = self.smoothing if center is not None else 0.0
            while True:
                if center is None or weight == 0.0:
                    sep_mu, sep_nu, sep_t = mu, nu, t
                elif slope is not None:  # directional smoothing (first pass only): stabilization.py
                    sep_mu, sep_nu = directional_point((center[0], center[1]), (mu, nu), slope, weight)
                    sep_t = t
                else:
                    sep_mu = weight * center[0] + (1.0 - weight) * mu
                    sep_nu = weight * center[1] + (1.0 - weight) * nu
                    sep_t = weight * center[3] + (1.0 - weight) * t
                shortest, bound = self._price(sep_mu, sep_nu, sep_t, cost_bound)
                walked = None
                if center is None or bound > center[2]:
                    center = (sep_mu, sep_nu, bound, sep_t)
                    if self.directional and cost_bound is None:
                        walked = walk(pricer, shortest, self.demand)
                        slope = subgradient(
                            pricer,
                            walked,
                            shortest,
                            self.demand,
                            self.penalty,
                            self.link_cap,
                            self.node_cap,
                            sep_mu,
                            sep_nu,
                        )
                best_bound = max(best_bound, bound)
                gap_now = max(0.0, (z - best_bound) / max(1.0, abs(z)))
                if weight == 0.0:
                    entering = entering_columns(pricer, shortest - pi, pi, self.demand, pools, self.tolerance)
                    break
                cost_dual = None if cost_bound is None else t
                entering = entering_at(
                    pricer, shortest, self.demand, mu, nu, pi, pools, self.tolerance, cost_dual, walked
                )
                if entering:
                    break
                # a mispricing (nothing the smoothed duals found prices out at the master's), or the gap is met: price
                # at the master's duals (with the gap met, to say "optimal" if nothing prices out there either)
                weight = 0.0
            if on_iteration is not None:
                on_iteration(
                    IterationInfo(
                        iteration, z, best_bound, gap_now, len(entering), len(columns), master.name, stabilised
                    )
                )
            status = ""
            if not entering and (weight == 0.0 or gap_now <= 0.0):
                status = "optimal"  # nothing prices out at the master's own duals, or the bound meets z
            elif gap_now <= self.gap:
                status = "gap"
            elif cost_bound is not None and self._stalled(history):
                status = "stalled"
            elif iteration >= self.max_iterations:
                status = "iteration_limit"
            elif self.deadline is not None and time.monotonic() > self.deadline:
                status = "time_limit"
            if status and stabilised:
                assert isinstance(master, WarmMaster)
                master.end_stabilisation()  # z was the stabilised master's: go on with the plain one
                status = ""
            if status:
                return _Pass(z, pi, mu, nu, result, columns, best_bound, gap_now, iteration, status)
            if (
                cost_bound is None
                and not self.stabilisation_started
                and STABILISATION_TEU > 0.0
                and gap_now <= STABILISE_FROM_GAP
                and isinstance(master, WarmMaster)
            ):
                self.stabilisation_started = True  # from the next solve on (module docstring)
                master.stabilise(STABILISATION_TEU)
            columns, idle = _drop_idle(master, columns, idle, pools, self.tolerance)
            for column in entering:
                pools[column.commodity].add(column.links)
                columns.append(column)
            master.add_all(entering)
            idle = np.append(idle, np.zeros(len(entering), dtype=np.int64))
            iteration += 1

    def _stalled(self, history: list[float]) -> bool:
        """Whether the objective fell by at most ``gap`` (relative) over the last :data:`TIE_BREAK_STALL` rounds."""
        if self.gap <= 0.0 or len(history) <= TIE_BREAK_STALL:
            return False
        return history[-1 - TIE_BREAK_STALL] - history[-1] <= self.gap * max(1.0, abs(history[-1]))

    def _price(self, mu: FloatArray, nu: FloatArray, t: float, cost_bound: float | None) -> tuple[FloatArray, float]:
        """Every commodity's cheapest path at capacity duals ``μ, ν`` (and cost-row ``t`` in the tie-break pass),
        and the Lagrangian bound there."""
        if cost_bound is None:
            shortest = self.pricer.price(-mu, -nu)
            bound = lagrangian_bound(self.demand, self.penalty, shortest, self.link_cap, mu, self.node_cap, nu)
            return shortest, bound
        pricer = self.pricer
        weights = [g.co2e_kg + t * base for g, base in zip(pricer.graphs, pricer.base, strict=True)]
        shortest = pricer.price(-mu, -nu, weights)
        penalty = t * self.penalty  # unserved cargo emits nothing; it costs t · pen_k in the relaxed cost row
        bound = lagrangian_bound(self.demand, penalty, shortest, self.link_cap, mu, self.node_cap, nu) - t * cost_bound
        return shortest, bound


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


def _master(
    commodities: Sequence[Commodity], link_cap: FloatArray, node_cap: FloatArray, solver: str
) -> Master | WarmMaster:
    """HiGHS kept warm across iterations (:mod:`engine.optimize.master_highs`), or MathOpt for ``glop``."""
    solver_order(solver, LP_SOLVERS, "solver")  # the request's check, the same error
    if solver == "highs":
        return WarmMaster(commodities, link_cap, node_cap)
    return Master(commodities, link_cap, node_cap, solver)
