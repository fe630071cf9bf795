"""An independent oracle for the demand assignment: the arc-based multicommodity LP, solved by HiGHS via scipy.

Independent of :mod:`engine.optimize` (no transfer graph, no columns, no MathOpt): it walks the routing states
``(node, service, previous node)`` from every origin with :meth:`QueryContext.step` itself, prices time with its
own expected-wait formula, and writes one flow variable per (origin group, arc). Commodities with the same origin
and restrictions share a flow (the arc LP's usual aggregation, exact for linear costs); each destination's
delivery is a variable bounded by its demand, and what is not delivered pays the penalty.

Shared with the benchmark (``benchmarks/bench_assign.py``) so both compare the same formulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array

from engine.network.model import MINUTES_PER_WEEK, Network, Service, ServiceKind
from engine.optimize.demand import Demand
from engine.routing.compiled import compile_network
from engine.routing.costing import QueryContext
from engine.routing.query import Constraints, RouteQuery, Shipment
from engine.routing.timetable import to_minutes


def mean_wait_min(service: Service) -> float:
    """Mean wait for a random arrival (written independently of the engine's ``expected_wait_min``)."""
    if service.kind is ServiceKind.CONTINUOUS:
        return 0.0
    if service.kind is ServiceKind.HEADWAY:
        assert service.headway_h is not None
        headway = service.headway_h * 60.0
        return headway / 2.0
    times = sorted(service.weekly_departures_min)
    total = 0.0
    for i, t in enumerate(times):
        gap = (times[(i + 1) % len(times)] - t) % MINUTES_PER_WEEK or MINUTES_PER_WEEK
        total += gap * gap / 2.0
    return total / MINUTES_PER_WEEK


@dataclass(frozen=True)
class ArcLPResult:
    """Optimal objective (USD/week), unserved TEU/week, and the number of variables and rows."""

    objective: float
    unserved: float
    variables: int
    rows: int


def solve_arc_lp(
    network: Network,
    demand: Sequence[Demand],
    link_cap: Mapping[str, float],
    node_cap: Mapping[str, float],
    *,
    usd_per_teu_day: float,
    unserved_usd_per_teu: float,
    lot_teu: int = 2,
) -> ArcLPResult:
    """Solve the arc formulation of the assignment on ``network`` (capacities by link/node id, TEU/week)."""
    compiled = compile_network(network)
    ready = datetime(2026, 3, 2, tzinfo=UTC)
    t0 = to_minutes(ready)
    usd_per_minute = usd_per_teu_day / 1440.0
    waits = {sid: mean_wait_min(network.services[sid]) for sid in compiled.service_ids}

    groups: dict[tuple[object, ...], list[int]] = {}
    for k, row in enumerate(demand):
        key = (row.origin, row.cargo_class, row.avoid_countries, row.avoid_modes, row.gross_kg_per_teu)
        groups.setdefault(key, []).append(k)

    columns_cost: list[float] = []
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []
    eq_rhs: list[float] = []
    cap_entries: dict[tuple[str, int], list[int]] = {}
    bounds: list[tuple[float, float | None]] = []
    delivered_vars: list[int] = []
    constant = 0.0

    def variable(cost: float, upper: float | None = None) -> int:
        columns_cost.append(cost)
        bounds.append((0.0, upper))
        return len(columns_cost) - 1

    def row() -> int:
        eq_rhs.append(0.0)
        return len(eq_rhs) - 1

    for (origin_id, cargo_class, countries, modes, kg), members in groups.items():
        query = RouteQuery(
            origin=origin_id,
            destination=demand[members[0]].destination,
            ready=ready,
            shipment=Shipment(lot_teu, lot_teu * kg, cargo_class),
            constraints=Constraints(avoid_countries=countries, avoid_modes=modes),
        )
        ctx = QueryContext(compiled, query)
        origin = compiled.node_index[origin_id]
        start = (origin, -1, -1)
        index = {start: 0}
        queue = [start]
        arcs: list[tuple[int, int, float, int, int]] = []  # tail, head, cost, link, lift node
        while queue:
            state = queue.pop()
            node, service, came_from = state
            for link in compiled.out_links[node]:
                if not ctx.link_ok[link]:
                    continue
                step = ctx.step(node, t0, service, False, link, came_from)
                if step is None:
                    continue
                new_service = compiled.link_service[link]
                minutes = (step.depart - step.wait_min - t0) + (step.arrive - step.depart)
                if new_service != service:
                    minutes += waits[compiled.service_ids[new_service]]
                cents = step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
                cost = cents / 100.0 / lot_teu + usd_per_minute * minutes
                head = (compiled.link_to[link], new_service, node)
                if head not in index:
                    index[head] = len(index)
                    queue.append(head)
                arcs.append((index[state], index[head], cost, link, node if step.lift else -1))
        balance = {s: row() for s in range(len(index))}
        for tail, head, cost, link, lift in arcs:
            x = variable(cost)
            eq_rows.extend((balance[tail], balance[head]))
            eq_cols.extend((x, x))
            eq_vals.extend((-1.0, 1.0))
            link_id = compiled.link_ids[link]
            if link_id in link_cap:
                cap_entries.setdefault(("link", link), []).append(x)
            if lift >= 0 and compiled.node_ids[lift] in node_cap:
                cap_entries.setdefault(("node", lift), []).append(x)
        by_destination: dict[int, list[int]] = {}
        for k in members:
            by_destination.setdefault(compiled.node_index[demand[k].destination], []).append(k)
        for destination, ks in by_destination.items():
            delivered = row()
            for state, s in index.items():
                if state[0] == destination and state[1] >= 0:
                    e = variable(0.0)
                    eq_rows.extend((balance[s], delivered))
                    eq_cols.extend((e, e))
                    eq_vals.extend((-1.0, 1.0))
            for k in ks:
                penalty = demand[k].unserved_usd_per_teu or unserved_usd_per_teu
                y = variable(-penalty, demand[k].teu_per_week)  # delivered TEU of commodity k
                delivered_vars.append(y)
                constant += penalty * demand[k].teu_per_week
                eq_rows.extend((delivered, balance[0]))
                eq_cols.extend((y, y))
                eq_vals.extend((-1.0, 1.0))

    ub_rows: list[int] = []
    ub_cols: list[int] = []
    ub_rhs: list[float] = []
    for n, ((kind, element), xs) in enumerate(sorted(cap_entries.items())):
        ub_rows.extend([n] * len(xs))
        ub_cols.extend(xs)
        cap = link_cap[compiled.link_ids[element]] if kind == "link" else node_cap[compiled.node_ids[element]]
        ub_rhs.append(cap)
    n_vars = len(columns_cost)
    a_eq = coo_array((eq_vals, (eq_rows, eq_cols)), shape=(len(eq_rhs), n_vars)).tocsr()
    a_ub = coo_array(([1.0] * len(ub_cols), (ub_rows, ub_cols)), shape=(len(ub_rhs), n_vars)).tocsr()
    result = linprog(
        np.array(columns_cost),
        A_ub=a_ub if ub_rhs else None,
        b_ub=np.array(ub_rhs) if ub_rhs else None,
        A_eq=a_eq,
        b_eq=np.array(eq_rhs),
        bounds=bounds,
        method="highs",
    )
    assert result.status == 0, result.message
    total_demand = sum(d.teu_per_week for d in demand)
    delivered_total = float(np.sum(result.x[delivered_vars]))
    return ArcLPResult(
        objective=float(result.fun + constant),
        unserved=float(total_demand - delivered_total),
        variables=n_vars,
        rows=len(eq_rhs) + len(ub_rhs),
    )
