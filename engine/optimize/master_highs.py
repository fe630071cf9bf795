"""The restricted master LP on HiGHS directly (highspy), kept warm between column-generation iterations.

Why not MathOpt here: MathOpt's HiGHS interface does not update a model incrementally, so every iteration
exported the whole master, built a new HiGHS instance, solved it from scratch and parsed every value back (on
the 10k-node benchmark ~2.5 s an iteration, most of the run). Here one ``highspy.Highs`` lives for the whole
column generation: columns are appended in one ``addCols`` call per round (CSC arrays built with numpy), and
HiGHS re-solves from the previous optimal basis (new columns enter nonbasic, so the basis stays primal feasible
and the primal simplex only has to price them in). Same LP, same sign conventions as :class:`Master` (HiGHS
row duals are ``∂objective/∂rhs``: ``≤ 0`` on a binding ``≤`` row of a minimisation).

Rows: one equality row per commodity with demand (in commodity order), then capacity rows in the order they are
created; columns: one unserved variable per commodity with demand, then the paths in the order added, with (once
:meth:`HighsMaster.stabilise` is called) two penalty-stabilisation columns per capacity row after the row's creation
(:mod:`engine.optimize.colgen`); an index maps each path to its HiGHS column, so flows, reduced costs and drops
address paths only. HiGHS runs single-threaded with a fixed seed, so a solve is deterministic for the same sequence
of calls.

Capacity rows are created when needed (row generation): a link or terminal gets its row only once a solve's flow
fills its capacity (within :data:`ROW_TOLERANCE`) or overloads it; the solve then adds every such row, with the uses
of every path column already in the master, and re-solves with the dual simplex (the new rows' slacks enter basic,
so the basis stays dual feasible) until no rowless capacity is full. Exact: the flow of the last solve meets every
capacity, rowless ones with room to spare, so it is optimal for the master with every row, and a rowless capacity's
dual 0 is an optimal dual there (complementary slackness); rows once created stay. Why: most capacities the paths
touch never bind. On the 10k-node benchmark 9,159 capacity rows were created eagerly by round 150, ~2,200 of them
binding, and each pivot cost ~0.32 ms; a replay of the same 150 solves (same columns, drops and centres) with only
the rows that ever had a non-zero dual took 25.7 s instead of 57.8 s for the first 60 solves. Created on overload
only, the rows were 3,611 and the 150 solves 96.5 s against 109.2 s, about one dual-simplex repair a solve (7.5 of
43.6 s over the first 60); but the stabilised tail was slower (solves 90–150: 29.3 s against 23.6 s) and took 158
rounds against 149 in the live run, since a full capacity without a row has its dual pinned at 0, out of the
stabilisation's reach. Created once full (as now): 149 rounds as before, the master 112.3 → 96.6 s CPU, the whole run
212.0 → 197.4 s (module :mod:`engine.optimize.colgen`).

Why scipy's copy of HiGHS: the ``highspy`` wheel and OR-Tools each link their own HiGHS and cannot be loaded in
one process (whichever comes second fails on an undefined symbol). scipy's build keeps its HiGHS private and
exposes the same ``Highs`` class as ``scipy.optimize._highspy._core._Highs`` (scipy ≥ 1.15; a private module, so
scipy is pinned by the lock file and ``tests/optimize`` exercises every call used here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize._highspy import _core as highspy  # see the module docstring: not the highspy wheel

from engine.errors import OptimizerError
from engine.optimize.master import Column, Commodity, Master
from engine.optimize.solver import RANDOM_SEED
from engine.optimize.transfer_graph import FloatArray

PRIMAL_SIMPLEX = 4
"""HiGHS ``simplex_strategy`` of a round's solve: new columns enter nonbasic, so the last basis is primal feasible."""
DUAL_SIMPLEX = 1
"""HiGHS ``simplex_strategy`` after capacity rows are added: their slacks enter basic (negative where the flow is over
the capacity), so the last basis is dual feasible."""
ROW_TOLERANCE = 1e-9
"""A capacity gets its row once a solve's flow is within this (relative to ``max(1, capacity)``) of it, or above."""


class HighsMaster:
    """The restricted master LP in one warm ``highspy.Highs`` (module docstring); the API of :class:`Master`."""

    name = "highs"

    def __init__(self, commodities: Sequence[Commodity], link_cap: FloatArray, node_cap: FloatArray) -> None:
        self.highs = highspy._Highs()
        # primal simplex: new columns enter nonbasic and the tie-break's cost row holds at the last optimum, so every
        # re-solve starts primal feasible (measured at 10k nodes: 0.5 s a solve against 1.1 s for HiGHS's choice)
        options = (
            ("output_flag", False),
            ("random_seed", RANDOM_SEED),
            ("threads", 1),
            ("simplex_strategy", PRIMAL_SIMPLEX),
        )
        for option, value in options:
            self.highs.setOptionValue(option, value)
        self.link_cap = link_cap
        self.node_cap = node_cap
        self._link_capped = np.isfinite(link_cap)
        self._node_capped = np.isfinite(node_cap)
        demand = np.array([c.demand for c in commodities], dtype=np.float64)
        self.served = np.flatnonzero(demand > 0)  # commodity of each demand row (and unserved column)
        self.demand_row = np.full(len(commodities), -1, dtype=np.int64)
        self.demand_row[self.served] = np.arange(len(self.served))
        n = len(self.served)
        inf = highspy.kHighsInf
        if n:
            zeros = np.zeros(n + 1, dtype=np.int32)
            self.highs.addRows(n, demand[self.served], demand[self.served], 0, zeros, zeros[:0], np.zeros(0))
            penalty = np.array([c.penalty for c in commodities], dtype=np.float64)[self.served]
            starts = np.arange(n, dtype=np.int32)
            rows = np.arange(n, dtype=np.int32)
            self.highs.addCols(n, penalty, np.zeros(n), np.full(n, inf), n, starts, rows, np.ones(n))
        self.penalty = np.array([c.penalty for c in commodities], dtype=np.float64)
        self.n_rows = n
        # capacity rows, per element (the links, then the terminals): -1 until a solve's flow exceeds the capacity
        self._cap = np.concatenate([link_cap, node_cap]).astype(np.float64)
        self._row_of = np.full(len(self._cap), -1, dtype=np.int64)
        self.link_row = self._row_of[: len(link_cap)]  # views: a row set in _row_of shows here
        self.node_row = self._row_of[len(link_cap) :]
        self._entry_col = np.zeros(0, dtype=np.int64)  # per use of a capacitated element by a path column:
        self._entry_elem = np.zeros(0, dtype=np.int64)  # its HiGHS column and the element (whether its row exists)
        self.columns = 0
        self.cost_row = -1
        self._tie_break = False
        self._n_cols = n  # every HiGHS column: unserved, paths and stabilisation columns
        self._path = np.zeros(0, dtype=np.int64)  # HiGHS column of each path column, in the order added
        self._penalty_teu = 0.0  # bound on each stabilisation column (0: none, the plain master)
        self._buy = np.zeros(0, dtype=np.int64)  # per stabilised row: a column freeing capacity at −c USD/TEU
        self._waste = np.zeros(0, dtype=np.int64)  # and one using it up at c USD/TEU (c the centre's dual)
        self._stable_rows = np.zeros(0, dtype=np.int64)
        self._center: tuple[FloatArray, FloatArray] | None = None  # the centre's capacity duals, once set

    def add_all(self, columns: Sequence[Column]) -> None:
        """Append ``columns`` (one ``addCols``), creating the capacity rows they meet first, in order."""
        if not columns:
            return
        starts: list[int] = []
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        nnz = 0
        n_links = len(self.link_cap)
        uses: list[np.ndarray] = []
        for column in columns:
            links = np.asarray(column.links, dtype=np.int64)
            lifts = np.asarray(column.lifts, dtype=np.int64)
            elements = np.concatenate([links[self._link_capped[links]], n_links + lifts[self._node_capped[lifts]]])
            uses.append(elements)
            demand_row = np.array([self.demand_row[column.commodity]], dtype=np.int64)
            rows = np.concatenate([demand_row, self._row_of[elements]])
            rows = rows[rows >= 0]  # an element without a row yet is only recorded in uses
            # a repeated lift (or link) counts once per use: merge duplicates, keeping first-use order
            unique, first, counts = np.unique(rows, return_index=True, return_counts=True)
            order = np.argsort(first, kind="stable")
            row_ids = unique[order]
            coefficients = counts[order].astype(np.float64)
            if self._tie_break:
                row_ids = np.append(row_ids, self.cost_row)
                coefficients = np.append(coefficients, column.cost)
            starts.append(nnz)
            indices.append(row_ids)
            values.append(coefficients)
            nnz += len(row_ids)
        costs = np.array([c.co2e_kg if self._tie_break else c.cost for c in columns], dtype=np.float64)
        n = len(columns)
        self.highs.addCols(
            n,
            costs,
            np.zeros(n),
            np.full(n, highspy.kHighsInf),
            nnz,
            np.array(starts, dtype=np.int32),
            np.concatenate(indices).astype(np.int32),
            np.concatenate(values),
        )
        self.columns += n
        self._path = np.append(self._path, np.arange(self._n_cols, self._n_cols + n))
        owner = np.repeat(np.arange(self._n_cols, self._n_cols + n), [len(u) for u in uses])
        self._entry_col = np.append(self._entry_col, owner)
        self._entry_elem = np.append(self._entry_elem, np.concatenate(uses))
        self._n_cols += n

    def stabilise(self, penalty_teu: float) -> None:
        """Add, to every capacity row now and later, two columns bounded by ``penalty_teu`` TEU/week that free or
        use up capacity at the centre's dual (:meth:`set_center`; 0 until set): the penalty stabilisation."""
        self._penalty_teu = penalty_teu
        capacity = np.flatnonzero(self._row_is_capacity())
        self._stabilise(capacity)

    def _row_is_capacity(self) -> np.ndarray:
        rows = np.zeros(self.n_rows, dtype=bool)
        rows[self.link_row[self.link_row >= 0]] = True
        rows[self.node_row[self.node_row >= 0]] = True
        return rows

    def _stabilise(self, rows: np.ndarray) -> None:
        rows = rows[self._row_is_capacity()[rows]]
        m = len(rows)
        if not m:
            return
        starts = np.arange(m, dtype=np.int32)
        bound = np.full(m, self._penalty_teu)
        c = self._center_at(rows)  # only the new columns are priced: the others keep their costs
        for sign, name in ((-1.0, "_buy"), (1.0, "_waste")):
            self.highs.addCols(m, sign * c, np.zeros(m), bound, m, starts, rows.astype(np.int32), np.full(m, sign))
            setattr(self, name, np.append(getattr(self, name), np.arange(self._n_cols, self._n_cols + m)))
            self._n_cols += m
        self._stable_rows = np.append(self._stable_rows, rows)

    def _center_at(self, rows: np.ndarray) -> FloatArray:
        """The centre's dual (USD/TEU, ≤ 0; 0 before :meth:`set_center`) of each of the capacity ``rows``."""
        if self._center is None:
            return np.zeros(len(rows))
        dual = np.concatenate(self._center)
        element = np.full(self.n_rows, -1, dtype=np.int64)
        present = self._row_of >= 0
        element[self._row_of[present]] = np.flatnonzero(present)
        at: FloatArray = dual[element[rows]]
        return at

    def set_center(self, link_dual: FloatArray, node_dual: FloatArray) -> None:
        """Price the stabilisation columns at the centre's capacity duals (USD/TEU, ≤ 0)."""
        self._center = (link_dual, node_dual)
        if not len(self._stable_rows):
            return
        c = self._center_at(self._stable_rows)
        self.highs.changeColsCost(len(c), self._buy.astype(np.int32), -c)
        self.highs.changeColsCost(len(c), self._waste.astype(np.int32), c)

    @property
    def stabilised(self) -> bool:
        """Whether the stabilisation columns may carry flow (the objective is then not the plain master's)."""
        return self._penalty_teu > 0.0

    def end_stabilisation(self) -> None:
        """Fix every stabilisation column at 0 from now on: the plain restricted master again."""
        self._penalty_teu = 0.0
        index = np.concatenate([self._buy, self._waste]).astype(np.int32)
        if len(index):
            zeros = np.zeros(len(index))
            self.highs.changeColsBounds(len(index), index, zeros, zeros)

    def _add_rows(self, elements: np.ndarray) -> None:
        """Create the capacity rows of ``elements`` (in order) with every path column's uses of them; the new rows
        get their stabilisation columns when the master is stabilised."""
        first = self.n_rows
        new_row = np.full(len(self._cap), -1, dtype=np.int64)
        new_row[elements] = np.arange(first, first + len(elements))
        mine = new_row[self._entry_elem] >= 0
        # a repeated element in one path counts once per use: merge (row, column) duplicates into counts
        keys, counts = np.unique(
            new_row[self._entry_elem[mine]] * self._n_cols + self._entry_col[mine], return_counts=True
        )
        rows, cols = np.divmod(keys, self._n_cols)
        starts = np.searchsorted(rows, np.arange(first, first + len(elements))).astype(np.int32)
        self.highs.addRows(
            len(elements),
            np.full(len(elements), -highspy.kHighsInf),
            self._cap[elements],
            len(cols),
            starts,
            cols.astype(np.int32),
            counts.astype(np.float64),
        )
        self._row_of[elements] = new_row[elements]
        self.n_rows += len(elements)
        if self._penalty_teu > 0.0:
            self._stabilise(np.arange(first, self.n_rows))

    def fix_cost(self, columns: Sequence[Column], _commodities: Sequence[Commodity], bound: float) -> None:
        """Switch to the tie-break objective (CO2e kg/week) with generalized cost ≤ ``bound`` as a row (the
        penalties are this master's own copy, so the commodities are not needed)."""
        n_unserved = len(self.served)
        cost = np.concatenate([self.penalty[self.served], np.array([c.cost for c in columns], dtype=np.float64)])
        every = np.concatenate([np.arange(n_unserved), self._path]).astype(np.int32)
        self.highs.addRow(-highspy.kHighsInf, bound, len(every), every, cost)
        self.cost_row = self.n_rows
        self.n_rows += 1
        co2e = np.concatenate([np.zeros(n_unserved), np.array([c.co2e_kg for c in columns], dtype=np.float64)])
        self.highs.changeColsCost(len(every), every, co2e)
        self._tie_break = True

    def solve(self) -> tuple[float, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Solve from the last basis; ``(z, π, μ ≤ 0, ν ≤ 0, column values)`` as :meth:`Master.solve`.

        Raises
        ------
        OptimizerError
            When HiGHS does not report an optimal solution.
        """
        while True:
            self.highs.run()
            status = self.highs.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                # the warm primal simplex can end "unknown" on numerical trouble (seen at 10k nodes, stabilised from
                # the start, after 6,170 pivots; the dual simplex from that basis too): solve again from scratch
                self.highs.clearSolver()
                self.highs.run()
                status = self.highs.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                msg = f"the master LP could not be solved: highs: {status.name}"
                raise OptimizerError(msg)
            solution = self.highs.getSolution()
            over = self._full(np.asarray(solution.col_value, dtype=np.float64))
            self.highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
            if not len(over):
                break
            self._add_rows(over)
            self.highs.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
        duals = np.asarray(solution.row_dual, dtype=np.float64)
        pi = np.zeros(len(self.demand_row))
        pi[self.served] = duals[: len(self.served)]
        mu = np.zeros(len(self.link_cap))
        present = self.link_row >= 0
        mu[present] = duals[self.link_row[present]]
        nu = np.zeros(len(self.node_cap))
        present = self.node_row >= 0
        nu[present] = duals[self.node_row[present]]
        self._duals = duals
        values = np.asarray(solution.col_value, dtype=np.float64)
        self._reduced = np.asarray(solution.col_dual, dtype=np.float64)[self._path]
        self._flows = values[self._path]
        z = float(self.highs.getInfo().objective_function_value)
        return z, pi, np.minimum(mu, 0.0), np.minimum(nu, 0.0), values

    def _full(self, values: FloatArray) -> np.ndarray:
        """Capacitated elements without a row that the column ``values`` fill (within :data:`ROW_TOLERANCE`) or
        overload, in index order."""
        load = np.bincount(self._entry_elem, weights=values[self._entry_col], minlength=len(self._cap))
        rowless = (self._row_of < 0) & np.isfinite(self._cap)
        cap = np.where(rowless, self._cap, 0.0)
        full: np.ndarray = np.flatnonzero(rowless & (load >= cap - ROW_TOLERANCE * np.maximum(1.0, cap)))
        return full

    def reduced_costs(self) -> FloatArray:
        """Reduced cost (USD/TEU) of every path column at the last solve, in the order of :meth:`flows`."""
        return self._reduced

    def flows_now(self) -> FloatArray:
        """TEU/week on every path column at the last solve."""
        return self._flows

    def drop(self, positions: np.ndarray) -> None:
        """Delete the path columns at ``positions`` (indexes into :meth:`flows`); the others keep their order.

        Deleting nonbasic columns leaves the basis valid, so the next solve still starts warm.
        """
        if len(positions):
            positions = np.asarray(positions, dtype=np.int64)
            gone = np.sort(self._path[positions])
            self.highs.deleteCols(len(gone), gone.astype(np.int32))
            self.columns -= len(gone)
            self._n_cols -= len(gone)
            self._path = np.delete(self._path, positions)
            self._path = self._path - np.searchsorted(gone, self._path)
            kept = ~np.isin(self._entry_col, gone)
            self._entry_elem = self._entry_elem[kept]
            self._entry_col = self._entry_col[kept] - np.searchsorted(gone, self._entry_col[kept])
            self._buy = self._buy - np.searchsorted(gone, self._buy)
            self._waste = self._waste - np.searchsorted(gone, self._waste)

    def cost_dual(self, _result: Any = None) -> float:
        """``−θ ≥ 0``, the dual of the cost row at the last solve (CO2e kg saved per USD of extra cost allowed)."""
        return max(0.0, -float(self._duals[self.cost_row]))

    def flows(self, values: FloatArray) -> FloatArray:
        """TEU/week on each path column, in the order added."""
        return values[self._path]

    def unserved(self, values: FloatArray) -> FloatArray:
        """Unserved TEU/week of every commodity (0 where it has no demand)."""
        out = np.zeros(len(self.demand_row))
        out[self.served] = values[: len(self.served)]
        return out


class WarmMaster:
    """:class:`HighsMaster`, falling back to a MathOpt :class:`Master` on GLOP if HiGHS fails (then GLOP on).

    The fallback replays every column (and the tie-break cost row) into the new master, so it solves the same LP.
    """

    def __init__(self, commodities: Sequence[Commodity], link_cap: FloatArray, node_cap: FloatArray) -> None:
        self._args = (commodities, link_cap, node_cap)
        self._active: HighsMaster | Master = HighsMaster(commodities, link_cap, node_cap)
        self._columns: list[Column] = []
        self._cost_bound: float | None = None

    @property
    def name(self) -> str:
        """The engine that solved the last master."""
        return self._active.name

    def add_all(self, columns: Sequence[Column]) -> None:
        """Append ``columns`` to the master."""
        self._columns.extend(columns)
        self._active.add_all(columns)

    @property
    def can_drop(self) -> bool:
        """Whether :meth:`drop` works: HiGHS is still the engine (the GLOP fallback never drops columns)."""
        return isinstance(self._active, HighsMaster)

    def reduced_costs(self) -> FloatArray:
        """Reduced costs of the path columns at the last solve (HiGHS only, see :attr:`can_drop`)."""
        assert isinstance(self._active, HighsMaster)
        return self._active.reduced_costs()

    def flows_now(self) -> FloatArray:
        """TEU/week on the path columns at the last solve (HiGHS only, see :attr:`can_drop`)."""
        assert isinstance(self._active, HighsMaster)
        return self._active.flows_now()

    def drop(self, positions: np.ndarray) -> None:
        """Delete the path columns at ``positions`` (HiGHS only, see :attr:`can_drop`)."""
        assert isinstance(self._active, HighsMaster)
        self._active.drop(positions)
        gone = set(np.asarray(positions, dtype=np.int64).tolist())
        self._columns = [c for i, c in enumerate(self._columns) if i not in gone]

    def stabilise(self, penalty_teu: float) -> None:
        """Start the penalty stabilisation (HiGHS only; see :meth:`HighsMaster.stabilise`)."""
        if isinstance(self._active, HighsMaster):
            self._active.stabilise(penalty_teu)

    @property
    def stabilised(self) -> bool:
        """Whether the objective may include stabilisation columns (never on the GLOP fallback)."""
        return isinstance(self._active, HighsMaster) and self._active.stabilised

    def set_center(self, link_dual: FloatArray, node_dual: FloatArray) -> None:
        """Price the stabilisation columns at the centre's capacity duals."""
        if isinstance(self._active, HighsMaster):
            self._active.set_center(link_dual, node_dual)

    def end_stabilisation(self) -> None:
        """Back to the plain restricted master."""
        if isinstance(self._active, HighsMaster):
            self._active.end_stabilisation()

    def fix_cost(self, columns: Sequence[Column], commodities: Sequence[Commodity], bound: float) -> None:
        """Switch to the tie-break objective (see :meth:`Master.fix_cost`)."""
        self._cost_bound = bound
        self._active.fix_cost(columns, commodities, bound)

    def solve(self) -> tuple[float, FloatArray, FloatArray, FloatArray, Any]:
        """Solve (see :meth:`Master.solve`); on a HiGHS failure, rebuild on GLOP and solve there."""
        try:
            return self._active.solve()
        except OptimizerError as failure:
            if not isinstance(self._active, HighsMaster):
                raise
            commodities, link_cap, node_cap = self._args
            glop = Master(commodities, link_cap, node_cap, "glop")
            glop.add_all(self._columns)
            if self._cost_bound is not None:
                glop.fix_cost(self._columns, commodities, self._cost_bound)
            self._active = glop
            try:
                return glop.solve()
            except OptimizerError as second:
                msg = f"{failure}; {second}"
                raise OptimizerError(msg) from second

    def cost_dual(self, result: Any) -> float:
        """The tie-break cost row's dual (see :meth:`Master.cost_dual`)."""
        return self._active.cost_dual(result)

    def flows(self, result: Any) -> FloatArray:
        """TEU/week on each path column."""
        return self._active.flows(result)

    def unserved(self, result: Any) -> FloatArray:
        """Unserved TEU/week of every commodity."""
        return self._active.unserved(result)
