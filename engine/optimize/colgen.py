"""Column generation for the path-based multicommodity LP (the engine of :func:`engine.optimize.assign_demand`).

Formulation (one commodity ``k`` per demand row, ``P_k`` its paths in the transfer graph)::

    min   Σ_k Σ_{p∈P_k} c_p x_p  +  Σ_k pen_k u_k
    s.t.  Σ_{p∈P_k} x_p + u_k = d_k                   (π_k)   every commodity
          Σ_{p∋l} x_p           ≤ cap_l                (μ_l)   every capacitated link
          Σ_p n_{p,v} x_p       ≤ cap_v                (ν_v)   every capacitated terminal (lifts at v)
          x, u ≥ 0

``c_p`` is the path's generalized cost per TEU, ``d_k`` TEU/week, so the objective is USD per week.

The restricted master LP holds the columns found so far and is solved by MathOpt (HiGHS, GLOP as fallback). Its
duals price new columns: with MathOpt's convention (``dual = ∂objective/∂rhs``, checked in the tests on a
two-variable LP) ``μ_l, ν_v ≤ 0`` for binding ``≤`` rows; they are clamped to ``≤ 0`` against round-off, and
``-μ``/``-ν`` are added to the arcs that run the link / lift at the terminal. One scipy Dijkstra per cargo
segment over all its origins then gives every commodity's cheapest path under the duals, ``SP_k``. The reduced
cost of that path is ``rc_k = SP_k − π_k``; a column enters when ``rc_k < −tol · max(1, |π_k|)`` (a relative
tolerance: without it degenerate masters re-add the same column forever) and is not yet in the pool.

Stopping rule: the Lagrangian bound ``LB = z + Σ_k d_k · min(0, min(pen_k, SP_k) − π_k)`` (with ``z`` the master
optimum) is a lower bound on the full LP for any duals; the loop stops when ``(z − LB) / max(1, |z|) ≤ gap``
("gap"), or when no column prices out ("optimal": the master optimum is the LP optimum within the tolerance), or
at ``max_iterations`` / ``time_limit_s``. The reported gap always bounds how far the answer can be from the optimum.

Tie-break (``tie_break=True``): the LP often has many optimal flows (two OD pairs swapping equally priced paths).
A second column generation minimises total CO2e subject to the same rows and ``Σ c_p x_p + Σ pen_k u_k ≤ z*``
(+``TIE_BREAK_TOLERANCE`` relative), so the per-OD split is the least-CO2e optimum rather than whichever vertex
the solver met first; the duals reported stay the first pass's.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.math_opt.python import mathopt

from engine.optimize.solver import LP_SOLVERS, IncrementalLP, solver_order
from engine.optimize.transfer_graph import FloatArray, IntArray, TransferGraph

DEFAULT_GAP = 1e-6
DEFAULT_REDUCED_COST_TOLERANCE = 1e-9
DEFAULT_MAX_ITERATIONS = 500
TIE_BREAK_TOLERANCE = 1e-12
"""Relative slack on the optimal generalized cost allowed to the tie-break pass (LP round-off, not a trade-off)."""


@dataclass(frozen=True)
class Commodity:
    """One demand row in solver terms: node indexes, the segment's graph index, TEU/week and the penalty."""

    origin: int
    destination: int
    segment: int
    demand: float
    penalty: float


@dataclass(frozen=True)
class Column:
    """One path of one commodity with its per-TEU money (USD), hours, CO2e (kg) and generalized cost (USD)."""

    commodity: int
    links: tuple[int, ...]
    lifts: tuple[int, ...]
    usd: float
    hours: float
    co2e_kg: float
    cost: float


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


class _Master:
    """The restricted master LP in MathOpt; capacity rows are created when a column first uses them."""

    def __init__(
        self,
        commodities: Sequence[Commodity],
        link_cap: FloatArray,
        node_cap: FloatArray,
        solver: str,
    ) -> None:
        self.model = mathopt.Model(name="path_assignment")
        self.link_cap = link_cap
        self.node_cap = node_cap
        self.demand_rows: list[mathopt.LinearConstraint | None] = []
        self.unserved_vars: list[mathopt.Variable | None] = []
        for k, commodity in enumerate(commodities):
            if commodity.demand <= 0:
                self.demand_rows.append(None)
                self.unserved_vars.append(None)
                continue
            u = self.model.add_variable(lb=0.0, name=f"u{k}")
            self.model.objective.set_linear_coefficient(u, commodity.penalty)
            row = self.model.add_linear_constraint(lb=commodity.demand, ub=commodity.demand, name=f"d{k}")
            row.set_coefficient(u, 1.0)
            self.demand_rows.append(row)
            self.unserved_vars.append(u)
        self.link_rows: dict[int, mathopt.LinearConstraint] = {}
        self.node_rows: dict[int, mathopt.LinearConstraint] = {}
        self.column_vars: list[mathopt.Variable] = []
        self.cost_row: mathopt.LinearConstraint | None = None
        self.lp = IncrementalLP(self.model, solver_order(solver, LP_SOLVERS, "solver"))

    def add(self, column: Column) -> None:
        x = self.model.add_variable(lb=0.0, name=f"x{len(self.column_vars)}")
        if self.cost_row is None:
            self.model.objective.set_linear_coefficient(x, column.cost)
        else:  # the tie-break pass: least CO2e among the assignments that cost no more than the optimum
            self.model.objective.set_linear_coefficient(x, column.co2e_kg)
            self.cost_row.set_coefficient(x, column.cost)
        row = self.demand_rows[column.commodity]
        assert row is not None
        row.set_coefficient(x, 1.0)
        for link in column.links:
            if np.isfinite(self.link_cap[link]):
                link_row = self.link_rows.get(link)
                if link_row is None:
                    link_row = self.model.add_linear_constraint(ub=float(self.link_cap[link]), name=f"l{link}")
                    self.link_rows[link] = link_row
                link_row.set_coefficient(x, link_row.get_coefficient(x) + 1.0)
        for node in column.lifts:
            if np.isfinite(self.node_cap[node]):
                node_row = self.node_rows.get(node)
                if node_row is None:
                    node_row = self.model.add_linear_constraint(ub=float(self.node_cap[node]), name=f"n{node}")
                    self.node_rows[node] = node_row
                node_row.set_coefficient(x, node_row.get_coefficient(x) + 1.0)
        self.column_vars.append(x)

    def fix_cost(self, columns: Sequence[Column], commodities: Sequence[Commodity], bound: float) -> None:
        """Switch to the tie-break objective (CO2e kg/week) with generalized cost ≤ ``bound`` as a row."""
        self.cost_row = self.model.add_linear_constraint(ub=bound, name="cost")
        for x, column in zip(self.column_vars, columns, strict=True):
            self.model.objective.set_linear_coefficient(x, column.co2e_kg)
            self.cost_row.set_coefficient(x, column.cost)
        for u, commodity in zip(self.unserved_vars, commodities, strict=True):
            if u is not None:
                self.model.objective.set_linear_coefficient(u, 0.0)
                self.cost_row.set_coefficient(u, commodity.penalty)

    def cost_dual(self, result: mathopt.SolveResult) -> float:
        """``−θ ≥ 0``, the dual of the cost row (CO2e kg saved per USD of extra cost allowed)."""
        assert self.cost_row is not None
        return max(0.0, -float(result.dual_values([self.cost_row])[0]))

    def solve(self) -> tuple[float, FloatArray, FloatArray, FloatArray, mathopt.SolveResult]:
        result = self.lp.solve()
        rows = [r for r in self.demand_rows if r is not None]
        values = result.dual_values(rows) if rows else []
        pi = np.zeros(len(self.demand_rows))
        pi[[k for k, r in enumerate(self.demand_rows) if r is not None]] = values
        mu = np.zeros(len(self.link_cap))
        if self.link_rows:
            keys = list(self.link_rows)
            mu[keys] = result.dual_values([self.link_rows[k] for k in keys])
        nu = np.zeros(len(self.node_cap))
        if self.node_rows:
            keys = list(self.node_rows)
            nu[keys] = result.dual_values([self.node_rows[k] for k in keys])
        return float(result.objective_value()), pi, np.minimum(mu, 0.0), np.minimum(nu, 0.0), result


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
) -> PathSolution:
    """Solve the path LP by column generation (module docstring). Capacities are ``inf`` where there is none.

    With ``tie_break`` a second pass picks, among the flows that cost no more than the optimum (within
    ``TIE_BREAK_TOLERANCE`` relative), the one with the least CO2e, by column generation on its own (exact) LP;
    the duals reported are the first pass's (any optimal dual is complementary to any optimal flow).
    """
    master = _Master(commodities, link_cap, node_cap, solver)
    pricer = _Pricer(graphs, commodities, usd_per_hour)
    pools: list[set[tuple[int, ...]]] = [set() for _ in commodities]
    columns: list[Column] = []
    demand = np.array([c.demand for c in commodities])
    penalty = np.array([c.penalty for c in commodities])
    started = time.monotonic()
    best_bound = -np.inf
    iteration = 0
    while True:
        z, pi, mu, nu, result = master.solve()
        shortest, found = pricer.price(-mu, -nu)
        slack = np.minimum(penalty, shortest) - pi
        bound = z + float(np.sum(np.where(demand > 0, demand * np.minimum(0.0, slack), 0.0)))
        best_bound = max(best_bound, bound)
        gap_now = max(0.0, (z - best_bound) / max(1.0, abs(z)))
        reduced = shortest - pi
        entering = [
            column
            for k, column in enumerate(found)
            if column is not None
            and demand[k] > 0
            and reduced[k] < -reduced_cost_tolerance * max(1.0, abs(pi[k]))
            and column.links not in pools[k]
        ]
        if on_iteration is not None:
            on_iteration(IterationInfo(iteration, z, best_bound, gap_now, len(entering), len(columns), master.lp.name))
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
        for column in entering:
            pools[column.commodity].add(column.links)
            master.add(column)
            columns.append(column)
        iteration += 1

    if tie_break and columns:
        limit = None if time_limit_s is None else max(0.0, time_limit_s - (time.monotonic() - started))
        result = _least_co2e(master, pricer, commodities, columns, pools, z, max_iterations, limit)
    flows = np.array(result.variable_values(master.column_vars)) if columns else np.zeros(0)
    unserved = np.zeros(len(commodities))
    present = [(k, u) for k, u in enumerate(master.unserved_vars) if u is not None]
    if present:
        unserved[[k for k, _ in present]] = result.variable_values([u for _, u in present])
    return PathSolution(
        columns=tuple(columns),
        flows=np.maximum(flows, 0.0),
        unserved=np.maximum(unserved, 0.0),
        objective=z,
        lower_bound=min(best_bound, z),
        gap=gap_now,
        iterations=iteration,
        status=status,
        solver=master.lp.name,
        demand_dual=pi,
        link_dual=mu,
        node_dual=nu,
    )


def _least_co2e(
    master: _Master,
    pricer: _Pricer,
    commodities: Sequence[Commodity],
    columns: list[Column],
    pools: list[set[tuple[int, ...]]],
    optimum: float,
    max_iterations: int,
    time_limit_s: float | None,
) -> mathopt.SolveResult:
    """The tie-break pass: min CO2e s.t. the first pass's rows and generalized cost ≤ the optimum (+ tolerance).

    Its pricing problem is a shortest path too: a path's reduced cost is ``e_p − π_k − Σ μ − Σ ν − θ c_p`` with
    ``θ ≤ 0`` the cost row's dual, so arc weights ``e_a + (−θ) c_a − μ_l − ν_v`` are non-negative.
    """
    master.fix_cost(columns, commodities, optimum + TIE_BREAK_TOLERANCE * max(1.0, abs(optimum)))
    started = time.monotonic()
    iteration = 0
    while True:
        _, pi, mu, nu, result = master.solve()
        theta = master.cost_dual(result)
        weights = [g.co2e_kg + theta * base for g, base in zip(pricer.graphs, pricer.base, strict=True)]
        shortest, found = pricer.price(-mu, -nu, weights)
        reduced = shortest - pi
        entering = [
            column
            for k, column in enumerate(found)
            if column is not None
            and commodities[k].demand > 0
            and reduced[k] < -DEFAULT_REDUCED_COST_TOLERANCE * max(1.0, abs(pi[k]))
            and column.links not in pools[k]
        ]
        out_of_time = time_limit_s is not None and time.monotonic() - started > time_limit_s
        if not entering or iteration >= max_iterations or out_of_time:
            return result  # the flows of this solve are feasible and cost no more than the optimum
        for column in entering:
            pools[column.commodity].add(column.links)
            master.add(column)
            columns.append(column)
        iteration += 1


class _Pricer:
    """Cheapest path of every commodity under the current duals: one Dijkstra per segment over its origins."""

    def __init__(self, graphs: Sequence[TransferGraph], commodities: Sequence[Commodity], usd_per_hour: float) -> None:
        self.graphs = graphs
        self.commodities = commodities
        self.base = [g.generalized(usd_per_hour) for g in graphs]
        self.by_segment: list[list[int]] = [[] for _ in graphs]
        for k, commodity in enumerate(commodities):
            if commodity.demand > 0:
                self.by_segment[commodity.segment].append(k)
        self.origins: list[IntArray] = []
        self.row_of: list[dict[int, int]] = []
        for members in self.by_segment:
            origins = sorted({commodities[k].origin for k in members})
            self.origins.append(np.array(origins, dtype=np.int32))
            self.row_of.append({o: i for i, o in enumerate(origins)})
        self.arrivals = {
            (c.segment, c.destination): graphs[c.segment].arrival_vertices(c.destination) for c in commodities
        }

    def price(
        self, link_surcharge: FloatArray, node_surcharge: FloatArray, weights: Sequence[FloatArray] | None = None
    ) -> tuple[FloatArray, list[Column | None]]:
        """Cheapest path per commodity under arc ``weights`` per segment (default: generalized cost) plus the
        surcharges; the columns carry their generalized cost whatever the weights."""
        shortest = np.full(len(self.commodities), np.inf)
        found: list[Column | None] = [None] * len(self.commodities)
        padded_nodes = np.append(node_surcharge, 0.0)  # index -1 (no transfer) reads the 0 at the end
        for s, graph in enumerate(self.graphs):
            members = self.by_segment[s]
            if not members:
                continue
            base = self.base[s] if weights is None else weights[s]
            arc_weights = base + link_surcharge[graph.link] + padded_nodes[graph.lift_node]
            dist, pred = graph.shortest(arc_weights, self.origins[s])
            for k in members:
                commodity = self.commodities[k]
                arrivals = self.arrivals[(s, commodity.destination)]
                if len(arrivals) == 0:
                    continue
                row = self.row_of[s][commodity.origin]
                candidates = dist[row, arrivals]
                best = int(np.argmin(candidates))
                if not np.isfinite(candidates[best]):
                    continue
                shortest[k] = float(candidates[best])
                found[k] = _column(graph, k, pred[row], int(arrivals[best]), self.base[s])
        return shortest, found


def _column(graph: TransferGraph, commodity: int, pred: IntArray, last: int, base: FloatArray) -> Column:
    """Walk the predecessor tree back from vertex ``last`` and total the path's per-TEU figures."""
    vertices = [last]
    while vertices[-1] < graph.n_links:
        vertices.append(int(pred[vertices[-1]]))
    vertices.reverse()
    arcs = []
    for tail, head in itertools.pairwise(vertices):
        start, end = int(graph.indptr[tail]), int(graph.indptr[tail + 1])
        offset = int(np.flatnonzero(graph.head[start:end] == head)[0])
        arcs.append(start + offset)
    index = np.array(arcs, dtype=np.int64)
    lifts = tuple(int(v) for v in graph.lift_node[index] if v >= 0)
    return Column(
        commodity=commodity,
        links=tuple(vertices[1:]),
        lifts=lifts,
        usd=float(graph.usd[index].sum()),
        hours=float(graph.hours[index].sum()),
        co2e_kg=float(graph.co2e_kg[index].sum()),
        cost=float(base[index].sum()),
    )
