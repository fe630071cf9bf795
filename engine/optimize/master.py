"""The restricted master LP of the path assignment (:mod:`engine.optimize.colgen`), in MathOpt.

A capacity row (link or terminal) is created when a column first uses it, in the order the columns meet them, and
each column sets its coefficient in a row once (paths never repeat a link; a repeated lift is counted first). The
capacity coefficients of a round of columns go to MathOpt's model store in one bulk call (``set_attrs`` of the
elemental store under ``mathopt.Model``; one Python call per coefficient cost more than the LP solves on a
10k-node network, where a path runs ~200 capacitated links). The stored model is the same, so are the answers.
Rows are never left out of the master: a lazy-row variant was tried (rows enter only when overflowed; exact) but on
the shipped network it moved the reported shadow prices of degenerate rows (any optimal dual is valid; the answers
changed) and on the 10k-node benchmark the overflowing chains of rail links brought most rows in anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.math_opt.elemental.python import enums
from ortools.math_opt.python import mathopt

from engine.optimize.solver import LP_SOLVERS, IncrementalLP, solver_order
from engine.optimize.transfer_graph import FloatArray


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


class Master:
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
        self._link_capped = np.isfinite(link_cap)
        self._node_capped = np.isfinite(node_cap)
        self.column_vars: list[mathopt.Variable] = []
        self.cost_row: mathopt.LinearConstraint | None = None
        self.lp = IncrementalLP(self.model, solver_order(solver, LP_SOLVERS, "solver"))
        self._pending: list[tuple[tuple[int, int], float]] | None = None

    def add(self, column: Column) -> None:
        """Add ``column``'s variable, with coefficients in the capacity rows already in the model."""
        x = self.model.add_variable(lb=0.0, name=f"x{len(self.column_vars)}")
        if self.cost_row is None:
            self.model.objective.set_linear_coefficient(x, column.cost)
        else:  # the tie-break pass: least CO2e among the assignments that cost no more than the optimum
            self.model.objective.set_linear_coefficient(x, column.co2e_kg)
            self.cost_row.set_coefficient(x, column.cost)
        row = self.demand_rows[column.commodity]
        assert row is not None
        row.set_coefficient(x, 1.0)
        self._set_capacities(x, column.links, self.link_rows, self.link_cap, self._link_capped, "l")
        self._set_capacities(x, column.lifts, self.node_rows, self.node_cap, self._node_capped, "n")
        self.column_vars.append(x)

    def add_all(self, columns: Sequence[Column]) -> None:
        """Add ``columns`` in order (as :meth:`add` each), their capacity coefficients in one bulk call."""
        self._pending = []
        try:
            for column in columns:
                self.add(column)
            if self._pending:
                keys = np.array([key for key, _ in self._pending], dtype=np.int64)
                values = np.array([value for _, value in self._pending], dtype=np.float64)
                store = self.column_vars[-1].elemental  # the model's C++ store (every element of a model shares it)
                store.set_attrs(enums.DoubleAttr2.LINEAR_CONSTRAINT_COEFFICIENT, keys, values)
        finally:
            self._pending = None

    def _set_capacities(
        self,
        x: mathopt.Variable,
        elements: tuple[int, ...],
        rows: dict[int, mathopt.LinearConstraint],
        cap: FloatArray,
        capped: np.ndarray,
        prefix: str,
    ) -> None:
        """Coefficients of ``x`` in the capacity rows of ``elements`` (uses counted), creating rows on first use."""
        if not elements:
            return
        flags = capped[np.asarray(elements, dtype=np.int64)].tolist()
        uses: dict[int, int] = {}
        for element, is_capped in zip(elements, flags, strict=True):
            if is_capped:
                uses[element] = uses.get(element, 0) + 1
        for element, count in uses.items():
            row = rows.get(element)
            if row is None:
                row = self.model.add_linear_constraint(ub=float(cap[element]), name=f"{prefix}{element}")
                rows[element] = row
            if self._pending is None:
                row.set_coefficient(x, float(count))
            else:
                self._pending.append(((row.id, x.id), float(count)))

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

    @property
    def name(self) -> str:
        """The engine that solved the last master (``highs`` or ``glop``)."""
        return self.lp.name

    def flows(self, result: mathopt.SolveResult) -> FloatArray:
        """TEU/week on each path column of ``result``, in the order added."""
        return np.array(result.variable_values(self.column_vars)) if self.column_vars else np.zeros(0)

    def unserved(self, result: mathopt.SolveResult) -> FloatArray:
        """Unserved TEU/week of every commodity in ``result`` (0 where it has no demand)."""
        out = np.zeros(len(self.unserved_vars))
        present = [(k, u) for k, u in enumerate(self.unserved_vars) if u is not None]
        if present:
            out[[k for k, _ in present]] = result.variable_values([u for _, u in present])
        return out

    def solve(self) -> tuple[float, FloatArray, FloatArray, FloatArray, mathopt.SolveResult]:
        """Solve; objective and duals ``(z, π, μ ≤ 0, ν ≤ 0, result)`` (capacity duals clamped against round-off)."""
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
