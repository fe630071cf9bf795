"""``assign_demand``: an OD demand matrix (TEU/week) onto the network with link and terminal capacities.

The model is the path-based multicommodity LP of :mod:`engine.optimize.colgen`, priced on the transfer graph of
:mod:`engine.optimize.transfer_graph` (so routes obey the routing engine's transfer, handling, border and tariff
rules), with the capacities of :mod:`engine.optimize.capacity`. The answer is a set of polars frames — flows and
utilisation per link and terminal, routes per OD with their TEU, unserved TEU per OD, and the shadow price of
every binding capacity — plus weekly totals of generalized cost, freight money, TEU-hours and CO2e.

Sign convention of shadow prices: ``shadow_price_usd_per_teu = −∂z/∂capacity ≥ 0``, the weekly generalized
cost (USD/week) saved by one more TEU/week of that capacity — "what one more ferry slot is worth". It is the LP
dual of the capacity row, valid within the row's ranging interval (the tests check it by perturbation).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import Mode, Network
from engine.optimize.capacity import DEFAULT_SERVICE_MODES, Capacities, weekly_capacities
from engine.optimize.colgen import (
    DEFAULT_GAP,
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_REDUCED_COST_TOLERANCE,
    Commodity,
    IterationInfo,
    PathSolution,
    solve_path_lp,
)
from engine.optimize.demand import Demand, check_demand
from engine.optimize.transfer_graph import DEFAULT_LOT_TEU, CargoSegment, TransferGraph, transfer_graph
from engine.optimize.values import (
    DEFAULT_UNSERVED_USD_PER_TEU,
    DEFAULT_USD_PER_TEU_DAY,
    MAX_USD_PER_TEU,
    MAX_USD_PER_TEU_DAY,
)
from engine.routing.compiled import CompiledNetwork, compile_network

FLOW_EPS = 1e-6
"""TEU/week below which a flow is reported as zero (LP round-off)."""


@dataclass(frozen=True, eq=False)
class Assignment:
    """The result of :func:`assign_demand`. Money is USD, flows TEU per week, time hours, CO2e kg.

    Attributes
    ----------
    network
        ``name@version`` of the network assigned on.
    status
        ``optimal`` (no path prices out), ``gap`` (stopped at the requested gap), ``iteration_limit`` or
        ``time_limit``; ``gap`` always bounds the distance to the optimum.
    objective_usd_per_week
        Generalized cost: freight money + value of time × TEU-hours + unserved penalties (USD/week).
    lower_bound_usd_per_week, gap
        The Lagrangian lower bound and the relative gap ``(objective − bound) / max(1, objective)``.
    freight_usd_per_week, teu_hours_per_week, co2e_kg_per_week
        Totals over the served flow: money paid (freight, handling, border), TEU × door-to-door hours (incl.
        expected waits), and well-to-wheel CO2e.
    served_teu_per_week, unserved_teu_per_week, unserved_penalty_usd_per_week
        Demand carried and left, and the penalty paid for what is left.
    links
        One row per link: ``link_id, from_id, to_id, mode, service_id, flow_teu_per_week, capacity_teu_per_week
        (null = uncapacitated), capacity_basis, utilisation, binding, shadow_price_usd_per_teu``.
    nodes
        One row per node: ``node_id, name, country, lift_teu_per_week`` (TEU lifted between kinds of vehicle
        or gauges there, what a terminal capacity limits), ``arrival_teu_per_week`` (TEU reaching the node by
        any link), and the capacity columns as for links.
    routes
        One row per path with flow: ``origin, destination, cargo_class, segment, restrictions, rank, teu_per_week,
        usd_per_teu, hours_per_teu, co2e_kg_per_teu, generalized_usd_per_teu, transfers, lifts, links, nodes``
        (``links`` joined by ``|``, ``nodes`` by ``-``).
    commodities
        One row per demand row: ``origin, destination, cargo_class, segment, restrictions, demand_teu_per_week,
        served_teu_per_week, unserved_teu_per_week, unserved_usd_per_teu, marginal_usd_per_teu`` (the dual of the
        demand row: what one more TEU/week of this OD would cost the system).
    shadow_prices
        The binding capacities only, dearest first: ``element, id, capacity_teu_per_week,
        flow_teu_per_week, shadow_price_usd_per_teu``.
    """

    network: str
    status: str
    objective_usd_per_week: float
    lower_bound_usd_per_week: float
    gap: float
    freight_usd_per_week: float
    teu_hours_per_week: float
    co2e_kg_per_week: float
    served_teu_per_week: float
    unserved_teu_per_week: float
    unserved_penalty_usd_per_week: float
    iterations: int
    columns: int
    solver: str
    usd_per_teu_day: float
    links: pl.DataFrame = field(repr=False)
    nodes: pl.DataFrame = field(repr=False)
    routes: pl.DataFrame = field(repr=False)
    commodities: pl.DataFrame = field(repr=False)
    shadow_prices: pl.DataFrame = field(repr=False)

    @property
    def unserved(self) -> pl.DataFrame:
        """Commodities with unserved TEU."""
        return self.commodities.filter(pl.col("unserved_teu_per_week") > FLOW_EPS)

    @property
    def binding_links(self) -> tuple[str, ...]:
        """Ids of links whose capacity binds."""
        return tuple(self.shadow_prices.filter(pl.col("element") == "link")["id"].to_list())

    @property
    def binding_nodes(self) -> tuple[str, ...]:
        """Ids of terminals whose handling (lift) capacity binds."""
        return tuple(self.shadow_prices.filter(pl.col("element") == "node")["id"].to_list())


def assign_demand(
    network: Network,
    demand: Sequence[Demand],
    capacities: Mapping[str, float | None] | None = None,
    *,
    usd_per_teu_day: float = DEFAULT_USD_PER_TEU_DAY,
    unserved_usd_per_teu: float = DEFAULT_UNSERVED_USD_PER_TEU,
    capacity_modes: frozenset[Mode] = DEFAULT_SERVICE_MODES,
    lot_teu: int = DEFAULT_LOT_TEU,
    gap: float = DEFAULT_GAP,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    time_limit_s: float | None = None,
    solver: str = "highs",
    on_iteration: Callable[[IterationInfo], None] | None = None,
) -> Assignment:
    """Assign weekly OD demand to the network under link and terminal capacities (minimum generalized cost).

    Parameters
    ----------
    network
        The network snapshot (apply scenario edits first for a what-if).
    demand
        One :class:`Demand` per commodity (see :func:`engine.optimize.read_demand_csv`).
    capacities
        Overrides by link or node id, TEU/week (``None`` removes a capacity); everything else comes from the
        network (:func:`engine.optimize.capacity.weekly_capacities`).
    usd_per_teu_day
        Value of time (USD per TEU-day) in the generalized cost; 0 minimises money alone.
    unserved_usd_per_teu
        Penalty per TEU/week not carried (rows may override it).
    capacity_modes
        Modes whose sailings cap their links (default ferry and sea).
    lot_teu
        TEU per priced lot (trucks are priced per load of ``teu_per_truck``).
    gap
        Stop when the Lagrangian gap is at most this (relative).
    max_iterations, time_limit_s
        Other stopping limits (the result says which one stopped it).
    solver
        ``highs`` (GLOP as fallback) or ``glop``.
    on_iteration
        Debug hook called once per column-generation iteration; free when ``None``.

    Returns
    -------
    Assignment
        Flows, routes, unserved demand and shadow prices (see :class:`Assignment`). Unreachable ODs are
        unserved, not an error.

    Raises
    ------
    InvalidRequest
        For unknown nodes, negative TEU, duplicate rows or bad parameters, naming each field.
    OptimizerError
        When no LP engine can solve the master problem.
    """
    _check_parameters(usd_per_teu_day, unserved_usd_per_teu, lot_teu, gap, max_iterations)
    check_demand(network, demand)
    caps = weekly_capacities(network, capacities, capacity_modes)
    segments: dict[CargoSegment, int] = {}
    graphs: list[TransferGraph] = []
    commodities: list[Commodity] = []
    for row in demand:
        segment = row.cargo_segment
        if segment not in segments:
            segments[segment] = len(graphs)
            graphs.append(transfer_graph(network, segment, lot_teu))
        compiled = graphs[segments[segment]].compiled
        commodities.append(
            Commodity(
                origin=compiled.node_index[row.origin],
                destination=compiled.node_index[row.destination],
                segment=segments[segment],
                demand=float(row.teu_per_week),
                penalty=unserved_usd_per_teu if row.unserved_usd_per_teu is None else row.unserved_usd_per_teu,
            )
        )
    compiled = compile_network(network)
    link_cap = np.array([caps.link_teu_per_week.get(i, np.inf) for i in compiled.link_ids], dtype=np.float64)
    node_cap = np.array([caps.node_teu_per_week.get(i, np.inf) for i in compiled.node_ids], dtype=np.float64)
    solution = solve_path_lp(
        graphs,
        commodities,
        link_cap,
        node_cap,
        usd_per_teu_day / 24.0,
        gap=gap,
        reduced_cost_tolerance=DEFAULT_REDUCED_COST_TOLERANCE,
        max_iterations=max_iterations,
        time_limit_s=time_limit_s,
        solver=solver,
        on_iteration=on_iteration,
    )
    return _report(network, demand, commodities, list(segments), caps, link_cap, node_cap, solution, usd_per_teu_day)


def _check_parameters(
    usd_per_teu_day: float, unserved_usd_per_teu: float, lot_teu: int, gap: float, max_iterations: int
) -> None:
    problems = []
    if not (np.isfinite(usd_per_teu_day) and 0 <= usd_per_teu_day <= MAX_USD_PER_TEU_DAY):
        message = f"must be >= 0 and <= {MAX_USD_PER_TEU_DAY:,.0f}, got {usd_per_teu_day!r}"
        problems.append(FieldProblem("usd_per_teu_day", message))
    if not (np.isfinite(unserved_usd_per_teu) and 0 < unserved_usd_per_teu <= MAX_USD_PER_TEU):
        message = f"must be > 0 and <= {MAX_USD_PER_TEU:,.0f}, got {unserved_usd_per_teu!r}"
        problems.append(FieldProblem("unserved_usd_per_teu", message))
    if not (isinstance(lot_teu, int) and 1 <= lot_teu <= 100):
        problems.append(FieldProblem("lot_teu", f"must be a whole number between 1 and 100, got {lot_teu!r}"))
    if not (0 <= gap < 1):
        problems.append(FieldProblem("gap", f"must be in [0, 1), got {gap!r}"))
    if not (isinstance(max_iterations, int) and max_iterations >= 0):
        problems.append(FieldProblem("max_iterations", f"must be a whole number >= 0, got {max_iterations!r}"))
    if problems:
        raise InvalidRequest(problems)


def _segment_label(segment: CargoSegment) -> str:
    parts = [segment.cargo_class.value]
    if segment.avoid_countries:
        parts.append("no " + "|".join(sorted(segment.avoid_countries)))
    if segment.avoid_modes:
        parts.append("no " + "|".join(sorted(m.value for m in segment.avoid_modes)))
    return ", ".join(parts)


def _report(
    network: Network,
    demand: Sequence[Demand],
    commodities: Sequence[Commodity],
    segments: Sequence[CargoSegment],
    caps: Capacities,
    link_cap: np.ndarray,
    node_cap: np.ndarray,
    solution: PathSolution,
    usd_per_teu_day: float,
) -> Assignment:
    compiled = compile_network(network)
    n_links, n_nodes = len(compiled.link_ids), len(compiled.node_ids)
    link_flow = np.zeros(n_links)
    lift_flow = np.zeros(n_nodes)
    flows = np.where(solution.flows > FLOW_EPS, solution.flows, 0.0)
    for column, x in zip(solution.columns, flows, strict=True):
        if x <= 0:
            continue
        for link in column.links:
            link_flow[link] += x
        for node in column.lifts:
            lift_flow[node] += x
    arrival_flow = np.zeros(n_nodes)
    np.add.at(arrival_flow, np.array(compiled.link_to, dtype=np.int64), link_flow)

    def capacity_columns(flow: np.ndarray, cap: np.ndarray, dual: np.ndarray) -> dict[str, list[object]]:
        capped = np.isfinite(cap)
        binding = capped & (flow >= cap * (1 - 1e-7) - FLOW_EPS)
        utilisation = np.where(capped, flow / np.where(capped, cap, 1.0), np.nan)
        return {
            "capacity_teu_per_week": [float(c) if np.isfinite(c) else None for c in cap],
            "utilisation": [float(u) if np.isfinite(u) else None for u in utilisation],
            "binding": binding.tolist(),
            "shadow_price_usd_per_teu": [
                max(0.0, float(-d)) if ok else 0.0 for d, ok in zip(dual, capped, strict=True)
            ],
        }

    links = pl.DataFrame(
        {
            "link_id": list(compiled.link_ids),
            "from_id": [compiled.node_ids[i] for i in compiled.link_from],
            "to_id": [compiled.node_ids[i] for i in compiled.link_to],
            "mode": [m.value for m in compiled.link_mode],
            "service_id": [compiled.service_ids[s] for s in compiled.link_service],
            "flow_teu_per_week": link_flow.tolist(),
            "capacity_basis": [caps.basis.get(i) for i in compiled.link_ids],
            **capacity_columns(link_flow, link_cap, solution.link_dual),
        },
        schema_overrides={"capacity_teu_per_week": pl.Float64, "utilisation": pl.Float64, "capacity_basis": pl.Utf8},
    )
    nodes = pl.DataFrame(
        {
            "node_id": list(compiled.node_ids),
            "name": [network.nodes[i].name for i in compiled.node_ids],
            "country": list(compiled.country),
            "lift_teu_per_week": lift_flow.tolist(),
            "arrival_teu_per_week": arrival_flow.tolist(),
            **capacity_columns(lift_flow, node_cap, solution.node_dual),
        },
        schema_overrides={"capacity_teu_per_week": pl.Float64, "utilisation": pl.Float64},
    )
    routes = _routes_frame(compiled, demand, segments, commodities, solution, flows)
    served = np.zeros(len(commodities))
    for column, x in zip(solution.columns, flows, strict=True):
        served[column.commodity] += x
    commodity_frame = pl.DataFrame(
        {
            "origin": [d.origin for d in demand],
            "destination": [d.destination for d in demand],
            "cargo_class": [d.cargo_class.value for d in demand],
            "segment": [d.segment for d in demand],
            "restrictions": [_segment_label(segments[c.segment]) for c in commodities],
            "demand_teu_per_week": [c.demand for c in commodities],
            "served_teu_per_week": served.tolist(),
            "unserved_teu_per_week": np.where(solution.unserved > FLOW_EPS, solution.unserved, 0.0).tolist(),
            "unserved_usd_per_teu": [c.penalty for c in commodities],
            "marginal_usd_per_teu": solution.demand_dual.tolist(),
        }
    )
    shadow = pl.concat(
        [
            links.filter(pl.col("binding")).select(
                pl.lit("link").alias("element"),
                pl.col("link_id").alias("id"),
                "capacity_teu_per_week",
                "flow_teu_per_week",
                "shadow_price_usd_per_teu",
            ),
            nodes.filter(pl.col("binding")).select(
                pl.lit("node").alias("element"),
                pl.col("node_id").alias("id"),
                "capacity_teu_per_week",
                pl.col("lift_teu_per_week").alias("flow_teu_per_week"),
                "shadow_price_usd_per_teu",
            ),
        ]
    ).sort(["shadow_price_usd_per_teu", "element", "id"], descending=[True, False, False])

    usd = np.array([c.usd for c in solution.columns])
    hours = np.array([c.hours for c in solution.columns])
    co2e = np.array([c.co2e_kg for c in solution.columns])
    cost = np.array([c.cost for c in solution.columns])
    penalty = np.array([c.penalty for c in commodities])
    unserved = np.where(solution.unserved > FLOW_EPS, solution.unserved, 0.0)
    return Assignment(
        network=network.label,
        status=solution.status,
        objective_usd_per_week=float(flows @ cost + unserved @ penalty) if len(cost) else float(unserved @ penalty),
        lower_bound_usd_per_week=solution.lower_bound,
        gap=solution.gap,
        freight_usd_per_week=float(flows @ usd) if len(usd) else 0.0,
        teu_hours_per_week=float(flows @ hours) if len(hours) else 0.0,
        co2e_kg_per_week=float(flows @ co2e) if len(co2e) else 0.0,
        served_teu_per_week=float(served.sum()),
        unserved_teu_per_week=float(unserved.sum()),
        unserved_penalty_usd_per_week=float(unserved @ penalty),
        iterations=solution.iterations,
        columns=len(solution.columns),
        solver=solution.solver,
        usd_per_teu_day=usd_per_teu_day,
        links=links,
        nodes=nodes,
        routes=routes,
        commodities=commodity_frame,
        shadow_prices=shadow,
    )


def _routes_frame(
    compiled: CompiledNetwork,
    demand: Sequence[Demand],
    segments: Sequence[CargoSegment],
    commodities: Sequence[Commodity],
    solution: PathSolution,
    flows: np.ndarray,
) -> pl.DataFrame:
    used = sorted(
        (i for i, x in enumerate(flows) if x > 0),
        key=lambda i: (solution.columns[i].commodity, -flows[i], solution.columns[i].links),
    )
    rows: dict[str, list[object]] = {
        name: []
        for name in (
            "origin",
            "destination",
            "cargo_class",
            "segment",
            "restrictions",
            "rank",
            "teu_per_week",
            "usd_per_teu",
            "hours_per_teu",
            "co2e_kg_per_teu",
            "generalized_usd_per_teu",
            "transfers",
            "lifts",
            "links",
            "nodes",
        )
    }
    rank: dict[int, int] = {}
    for i in used:
        column = solution.columns[i]
        row = demand[column.commodity]
        rank[column.commodity] = rank.get(column.commodity, 0) + 1
        path_nodes = [compiled.node_ids[compiled.link_from[column.links[0]]]] + [
            compiled.node_ids[compiled.link_to[link]] for link in column.links
        ]
        rows["origin"].append(row.origin)
        rows["destination"].append(row.destination)
        rows["cargo_class"].append(row.cargo_class.value)
        rows["segment"].append(row.segment)
        rows["restrictions"].append(_segment_label(segments[commodities[column.commodity].segment]))
        rows["rank"].append(rank[column.commodity])
        rows["teu_per_week"].append(float(flows[i]))
        rows["usd_per_teu"].append(column.usd)
        rows["hours_per_teu"].append(column.hours)
        rows["co2e_kg_per_teu"].append(column.co2e_kg)
        rows["generalized_usd_per_teu"].append(column.cost)
        services = [compiled.link_service[link] for link in column.links]
        rows["transfers"].append(sum(a != b for a, b in itertools.pairwise(services)))
        rows["lifts"].append(len(column.lifts))
        rows["links"].append("|".join(compiled.link_ids[link] for link in column.links))
        rows["nodes"].append("-".join(path_nodes))
    return pl.DataFrame(
        rows,
        schema={
            "origin": pl.Utf8,
            "destination": pl.Utf8,
            "cargo_class": pl.Utf8,
            "segment": pl.Utf8,
            "restrictions": pl.Utf8,
            "rank": pl.Int64,
            "teu_per_week": pl.Float64,
            "usd_per_teu": pl.Float64,
            "hours_per_teu": pl.Float64,
            "co2e_kg_per_teu": pl.Float64,
            "generalized_usd_per_teu": pl.Float64,
            "transfers": pl.Int64,
            "lifts": pl.Int64,
            "links": pl.Utf8,
            "nodes": pl.Utf8,
        },
    )
