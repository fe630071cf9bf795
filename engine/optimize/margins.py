"""What one more, or one less, TEU/week of a binding capacity is worth: each side measured, not read off a dual.

A binding capacity's shadow price (``shadow_price_usd_per_teu``) is one optimal dual of the assignment LP. Where
the optimum is degenerate the optimal duals are not unique, and the one the solver returns can be anything between
the two one-sided derivatives of the weekly cost ``z`` in that capacity ``c``:

    z(c − 1) − z(c)  ≥  shadow price  ≥  z(c) − z(c + 1)        (z is convex and non-increasing in c)

The usual case is a rail line whose consecutive links all bind at the same flow. On the shipped network, with rail
capacities, R-NAVOI-BUKHARA shows a shadow price of 3,614 USD/TEU (3,246 with another optimal dual), yet one more
TEU/week on that link alone saves nothing (the links before and after it bind too) while one less costs 3,630. "What
is one more slot worth" is the right-hand side; "what does losing one cost" the left. So for the binding capacities
asked for, the assignment is solved again with that capacity one TEU/week higher and one lower, and both differences
are reported:

- ``saving_usd_per_teu_added`` = z(c) − z(c + 1): USD/week saved by one more TEU/week of that capacity alone;
- ``cost_usd_per_teu_removed`` = z(c − 1) − z(c): USD/week lost with one TEU/week less (per TEU of ``c`` itself
  when the capacity is below one TEU/week).

**Together.** A capacity that saves nothing alone usually binds with its neighbours: every route through it also
crosses them. So each measured capacity also names ``expands_with`` — the other binding capacities that every route
through it (with flow in the base solution) also uses, in route order — and, when there are any, what one more
TEU/week of all of them at once saves: ``saving_usd_per_teu_added_together``. For R-NAVOI-BUKHARA that is the
11 rail links from Altynkol to Ashgabat (itself and 10 others), and one more TEU/week of the whole line saves
4,583 USD/week.

A value is NaN when a re-solve stopped at the iteration or time limit before nothing priced out: within the request's
time limit (less :data:`engine.optimize.values.MARGIN_RESERVE`) and at most
:data:`engine.optimize.values.RESOLVE_MAX_ROUNDS` pricing rounds. When re-solving the
base itself does not prove its optimum, every value is NaN at once (no difference to an unproven optimum means
anything) and the lines are still named.

Each re-solve is exact (column generation until nothing prices out, no tie-break pass) and seeded with the base
solution's columns, so it needs a few pricing rounds rather than a full run; ``z(c)`` is re-solved the same way, so
the objectives differ only by the capacities changed. Two or three re-solves per capacity: on the shipped network
~30 ms each, so the caller chooses how many of the dearest binding capacities to measure.

**At scale they are not measured.** On the 10k-node benchmark instance (1,000 commodities; ``python -m benchmarks
assign_scale``) the assignment stops at gap 7.4e-7 after 149 rounds (198 s CPU) without proving its optimum, and
re-solving it seeded with its columns restarts the Lagrangian bound (gap 0.275 at the first round, 1.0e-3 after 60:
the stabilisation centre is not carried over). With 10 margins and a 1,200 s limit they took 573 s CPU beyond the
assignment's 198 s and every value ended NaN. An exact difference of one TEU/week there needs both objectives within
~10 USD/week of their optimum (a relative gap of ~2e-8 on ~4.5e8 USD/week), well beyond the LP's slow tail, so a
re-solve gets :data:`engine.optimize.values.RESOLVE_MAX_ROUNDS` rounds and, when the base's own re-solve fails, no
other re-solve runs. Not tried: carrying the base's stabilisation centre into the re-solves (it would start the bound
where the base ended, not make the tail shorter); margins as intervals from each re-solve's bound (at a 1e-6 gap the
interval would be ~±450 USD/TEU there, wider than most duals).

Why not HiGHS's ranging of the final restricted master (``getRanging``; not tried): it says how far a capacity can
move with the same basis, hence the same dual, but at a degenerate row that range is empty on one side and says
nothing of the value beyond it, which is the case that matters here; a re-solve measures it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from engine.optimize.colgen import DEFAULT_REDUCED_COST_TOLERANCE, IterationInfo, PathSolution, solve_path_lp
from engine.optimize.master import Column, Commodity
from engine.optimize.transfer_graph import FloatArray, TransferGraph
from engine.optimize.values import FLOW_EPS, MARGIN_COLUMNS, RESOLVE_MAX_ROUNDS
from engine.routing.model import CompiledNetwork

STEP_TEU = 1.0
"""The capacity change measured (TEU/week): "one more slot a week"."""
SAME_OPTIMUM = 1e-12
"""Relative difference below which two optima are the same (the LP's round-off: ~4e-9 USD/week on the shipped
network's ~2.7e7)."""


MARGIN_TYPES = dict(zip(MARGIN_COLUMNS, (pl.Float64, pl.Float64, pl.Utf8, pl.Float64), strict=True))
"""The polars type of each margin column of ``shadow_prices``."""
Capacity = tuple[str, int]
"""A capacity of the LP: ``("link", link index)`` or ``("node", node index)`` (a terminal's lifts)."""


@dataclass(frozen=True)
class Margin:
    """What one capacity's change is worth (USD/week per TEU/week; NaN when not measured exactly).

    ``expands_with``: the other binding capacities every route through this one also uses, in route order (empty
    when none); ``saving_usd_per_teu_added_together``: what one more TEU/week of this capacity and all of those
    saves (NaN when there are none).
    """

    saving_usd_per_teu_added: float
    cost_usd_per_teu_removed: float
    expands_with: tuple[Capacity, ...]
    saving_usd_per_teu_added_together: float


@dataclass(frozen=True)
class MarginProblem:
    """The assignment LP as :func:`engine.optimize.colgen.solve_path_lp` takes it, to re-solve with capacities
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

    def capacity(self, which: Capacity) -> float:
        """TEU/week of capacity ``which``."""
        kind, index = which
        return float((self.link_cap if kind == "link" else self.node_cap)[index])

    def objective(self, seed: Sequence[Column], changes: Mapping[Capacity, float]) -> float:
        """The exact optimum (USD/week) with each capacity of ``changes`` changed by its TEU/week (NaN when the
        re-solve stopped before nothing priced out)."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return math.nan  # out of time: not measured (a re-solve would still build its master and price once)
        link_cap, node_cap = self.link_cap.copy(), self.node_cap.copy()
        for (kind, index), change in changes.items():
            (link_cap if kind == "link" else node_cap)[index] += change
        solution = solve_path_lp(
            self.graphs,
            self.commodities,
            link_cap,
            node_cap,
            self.usd_per_hour,
            gap=0.0,
            reduced_cost_tolerance=DEFAULT_REDUCED_COST_TOLERANCE,
            max_iterations=min(self.max_iterations, RESOLVE_MAX_ROUNDS),
            time_limit_s=None if self.deadline is None else max(0.0, self.deadline - time.monotonic()),
            solver=self.solver,
            on_iteration=self.on_iteration,
            tie_break=False,
            initial_columns=seed,
        )
        # Not proven optimal (the iteration or time limit): a difference of two such objectives means nothing.
        return solution.objective if solution.status == "optimal" else math.nan


def capacity_margins(
    problem: MarginProblem, base: PathSolution, measured: Sequence[Capacity], binding: Collection[Capacity]
) -> list[Margin]:
    """The :class:`Margin` of each capacity in ``measured`` (see the module docstring), in that order.

    ``base`` is the solution whose columns seed every re-solve and whose used routes say which ``binding``
    capacities a measured one is always used with.
    """
    if not measured:
        return []
    seed = base.columns
    z = problem.objective(seed, {})
    link_from = problem.graphs[0].compiled.link_from
    routes = [
        _in_route_order(column, link_from)
        for column, flow in zip(base.columns, base.flows, strict=True)
        if flow > FLOW_EPS
    ]
    binding = set(binding)
    margins = []
    for which in measured:
        through = [route for route in routes if which in route]
        shared = set.intersection(*(set(route) for route in through)) & binding - {which} if through else set()
        together = tuple(dict.fromkeys(c for c in through[0] if c in shared)) if shared else ()
        if math.isnan(z):  # the base's optimum is not proven: no difference to it means anything, so none is solved
            margins.append(Margin(math.nan, math.nan, together, math.nan))
            continue
        down = min(STEP_TEU, problem.capacity(which))
        more = problem.objective(seed, {which: STEP_TEU})
        less = problem.objective(seed, {which: -down}) if down > 0 else math.nan  # a capacity of 0
        joint = problem.objective(seed, dict.fromkeys((which, *together), STEP_TEU)) if together else math.nan
        margins.append(
            Margin(
                _per_teu(z - more, STEP_TEU, z),
                _per_teu(less - z, down, z),
                together,
                _per_teu(z - joint, STEP_TEU, z),
            )
        )
    return margins


def margin_frame(
    shadow_prices: pl.DataFrame, compiled: CompiledNetwork, problem: MarginProblem, base: PathSolution, count: int
) -> pl.DataFrame:
    """An assignment's ``shadow_prices`` (binding capacities, dearest first) with the :data:`MARGIN_COLUMNS` of its
    ``count`` dearest filled in (null for the others, and where a value was not measured exactly); the lines name
    links by id and terminals as ``node:ID``."""
    link_index = {link_id: i for i, link_id in enumerate(compiled.link_ids)}
    node_index = {node_id: i for i, node_id in enumerate(compiled.node_ids)}
    ids = {"link": compiled.link_ids, "node": [f"node:{node_id}" for node_id in compiled.node_ids]}
    rows = shadow_prices.select("element", "id").rows()
    binding: list[Capacity] = [(element, (link_index if element == "link" else node_index)[i]) for element, i in rows]
    values: dict[str, list[object]] = {name: [None] * len(rows) for name in MARGIN_COLUMNS}
    for row, margin in enumerate(capacity_margins(problem, base, binding[:count], binding)):
        values["saving_usd_per_teu_added"][row] = _measured(margin.saving_usd_per_teu_added)
        values["cost_usd_per_teu_removed"][row] = _measured(margin.cost_usd_per_teu_removed)
        line = margin.expands_with
        values["expands_with"][row] = "|".join(ids[kind][index] for kind, index in line) if line else None
        values["saving_usd_per_teu_added_together"][row] = _measured(margin.saving_usd_per_teu_added_together)
    return shadow_prices.with_columns(pl.Series(name, column, MARGIN_TYPES[name]) for name, column in values.items())


def _measured(value: float) -> float | None:
    """A margin as a frame cell: null where it was not measured exactly (NaN)."""
    return None if math.isnan(value) else value


def _in_route_order(column: Column, link_from: Sequence[int]) -> list[Capacity]:
    """The capacities a route uses, in the order it meets them: each terminal where it is lifted before the link
    that leaves it (a lift at the route's end last)."""
    lifts = list(dict.fromkeys(column.lifts))
    met: list[Capacity] = []
    for link in column.links:
        node = link_from[link]
        if node in lifts:
            met.append(("node", node))
            lifts.remove(node)
        met.append(("link", link))
    return met + [("node", node) for node in lifts]


def _per_teu(difference: float, step: float, z: float) -> float:
    """USD/week per TEU/week; 0 where two optima differ by round-off only (:data:`SAME_OPTIMUM`); NaN stays NaN."""
    if step <= 0 or math.isnan(difference):
        return math.nan
    if difference <= SAME_OPTIMUM * max(1.0, abs(z)):
        return 0.0
    return difference / step
