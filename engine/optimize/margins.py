"""What one more, or one less, TEU/week of a binding capacity is worth: each side measured, not read off a dual.

A binding capacity's shadow price (``shadow_price_usd_per_teu``) is one optimal dual of the assignment LP. Where
the optimum is degenerate the optimal duals are not unique, and the one the solver returns can be anything between
the two one-sided derivatives of the weekly cost ``z`` in that capacity ``c``:

    z(c − 1) − z(c)  ≥  shadow price  ≥  z(c) − z(c + 1)        (z is convex and non-increasing in c)

The usual case is a rail line whose consecutive links all bind at the same flow. On the shipped network, with rail
capacities, R-NAVOI-BUKHARA shows a shadow price of 3,246 USD/TEU, yet one more TEU/week on that link alone saves
nothing (the links before and after it bind too) while one less costs 3,630. "What is one more slot worth" is the
right-hand side; "what does losing one cost" the left. So for the binding capacities asked for, the assignment is
solved again with that capacity one TEU/week higher and one lower, and both differences are reported:

- ``saving_usd_per_teu_added`` = z(c) − z(c + 1): USD/week saved by one more TEU/week of that capacity alone;
- ``cost_usd_per_teu_removed`` = z(c − 1) − z(c): USD/week lost with one TEU/week less (per TEU of ``c`` itself
  when the capacity is below one TEU/week).

A value is NaN when a re-solve stopped at the iteration or time limit before nothing priced out.

Each re-solve is exact (column generation until nothing prices out, no tie-break pass) and seeded with the base
solution's columns, so it needs a few pricing rounds rather than a full run; ``z(c)`` is re-solved the same way, so
the three objectives differ only by the capacity changed. Two re-solves per capacity: on the shipped network ~30 ms
each (all 36 binding capacities: 2.5 s CPU against 0.18 s for the assignment), so the caller chooses how many of the
dearest binding capacities to measure.

Why not HiGHS's ranging of the final restricted master (``getRanging``; not tried): it says how far a capacity can
move with the same basis, hence the same dual, but at a degenerate row that range is empty on one side and says
nothing of the value beyond it, which is the case that matters here; a re-solve measures it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.optimize.colgen import DEFAULT_REDUCED_COST_TOLERANCE, IterationInfo, PathSolution, solve_path_lp
from engine.optimize.master import Column, Commodity
from engine.optimize.transfer_graph import FloatArray, TransferGraph

STEP_TEU = 1.0
"""The capacity change measured (TEU/week): "one more slot a week"."""
SAME_OPTIMUM = 1e-12
"""Relative difference below which two optima are the same (the LP's round-off: ~4e-9 USD/week on the shipped
network's ~2.7e7)."""
MAX_MARGINS = 200
"""The most capacities one request may have measured (two re-solves each)."""


@dataclass(frozen=True)
class Margin:
    """Both one-sided values of one capacity (USD/week per TEU/week; NaN when not measured exactly)."""

    saving_usd_per_teu_added: float
    cost_usd_per_teu_removed: float


@dataclass(frozen=True)
class MarginProblem:
    """The assignment LP as :func:`engine.optimize.colgen.solve_path_lp` takes it, to re-solve with a capacity
    changed: transfer graphs, commodities, capacities (TEU/week, ``inf`` where none), value of time (USD/TEU-hour),
    LP engine, iteration limit, the request's ``deadline`` (``time.monotonic()``; a re-solve past it is NaN) and
    its iteration hook (which may raise to stop the work)."""

    graphs: Sequence[TransferGraph]
    commodities: Sequence[Commodity]
    link_cap: FloatArray
    node_cap: FloatArray
    usd_per_hour: float
    solver: str
    max_iterations: int
    deadline: float | None = None
    on_iteration: Callable[[IterationInfo], None] | None = None

    def objective(self, seed: Sequence[Column], *, link: int = -1, node: int = -1, change: float = 0.0) -> float:
        """The exact optimum (USD/week) with ``link``'s or ``node``'s capacity changed by ``change`` TEU/week
        (NaN when the re-solve stopped before nothing priced out)."""
        link_cap, node_cap = self.link_cap, self.node_cap
        if link >= 0:
            link_cap = link_cap.copy()
            link_cap[link] += change
        if node >= 0:
            node_cap = node_cap.copy()
            node_cap[node] += change
        solution = solve_path_lp(
            self.graphs,
            self.commodities,
            link_cap,
            node_cap,
            self.usd_per_hour,
            gap=0.0,
            reduced_cost_tolerance=DEFAULT_REDUCED_COST_TOLERANCE,
            max_iterations=self.max_iterations,
            time_limit_s=None if self.deadline is None else max(0.0, self.deadline - time.monotonic()),
            solver=self.solver,
            on_iteration=self.on_iteration,
            tie_break=False,
            initial_columns=seed,
        )
        # Not proven optimal (the iteration or time limit): a difference of two such objectives means nothing.
        return solution.objective if solution.status == "optimal" else math.nan


def capacity_margins(
    problem: MarginProblem, base: PathSolution, links: Sequence[int], nodes: Sequence[int]
) -> tuple[list[Margin], list[Margin]]:
    """Both one-sided values of each capacity in ``links`` and ``nodes`` (indexes; see the module docstring).

    ``base`` is the solution whose columns seed every re-solve. Returns the margins of the links, then of the
    nodes, in the order given.
    """
    seed = base.columns
    z = problem.objective(seed)
    margins: tuple[list[Margin], list[Margin]] = ([], [])
    for side, (indexes, caps) in enumerate(((links, problem.link_cap), (nodes, problem.node_cap))):
        for index in indexes:
            where = {"link": index} if side == 0 else {"node": index}
            down = min(STEP_TEU, float(caps[index]))
            more = problem.objective(seed, change=STEP_TEU, **where)
            less = problem.objective(seed, change=-down, **where) if down > 0 else math.nan  # a capacity of 0
            margins[side].append(Margin(_per_teu(z - more, STEP_TEU, z), _per_teu(less - z, down, z)))
    return margins


def _per_teu(difference: float, step: float, z: float) -> float:
    """USD/week per TEU/week; 0 where two optima differ by round-off only (:data:`SAME_OPTIMUM`); NaN stays NaN."""
    if step <= 0 or math.isnan(difference):
        return math.nan
    if difference <= SAME_OPTIMUM * max(1.0, abs(z)):
        return 0.0
    return difference / step
