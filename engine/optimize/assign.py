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

import dataclasses
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from engine.network.model import Network
from engine.optimize.capacity import Capacities
from engine.optimize.colgen import (
    DEFAULT_REDUCED_COST_TOLERANCE,
    IterationInfo,
    PathSolution,
    solve_path_lp,
)
from engine.optimize.demand import Demand
from engine.optimize.margins import MARGIN_TYPES, MarginProblem, margin_frame
from engine.optimize.master import Commodity
from engine.optimize.requests import AssignRequest
from engine.optimize.transfer_graph import CargoSegment, TransferGraph, transfer_graph
from engine.optimize.values import DEFAULT_WEEKS_PER_YEAR, FLOW_EPS, MARGIN_RESERVE
from engine.routing.model import CompiledNetwork, compile_network


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
        expected waits), and well-to-wheel CO2e. :meth:`cost_split` separates the objective into real cost,
        time value and unserved penalty (weekly and per year of ``weeks_per_year`` weeks).
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
        flow_teu_per_week, shadow_price_usd_per_teu`` and the :data:`MARGIN_COLUMNS` (measured for the
        ``AssignRequest.margins`` dearest, else null).
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
    weeks_per_year: float
    links: pl.DataFrame = field(repr=False)
    nodes: pl.DataFrame = field(repr=False)
    routes: pl.DataFrame = field(repr=False)
    commodities: pl.DataFrame = field(repr=False)
    shadow_prices: pl.DataFrame = field(repr=False)

    @property
    def time_value_usd_per_week(self) -> float:
        """Value of the TEU-hours: ``teu_hours_per_week × usd_per_teu_day / 24`` (USD/week, notional)."""
        return self.teu_hours_per_week * self.usd_per_teu_day / 24.0

    def cost_split(self) -> dict[str, float]:
        """The generalized cost in its three parts, never mixed, weekly and annualised (``weeks_per_year``).

        ``real_cost`` is money paid (freight, handling, border; USD), ``time_value`` the TEU-hours at the value of
        time, ``unserved_penalty`` the notional penalty for demand left behind; the three sum to the objective.
        Keys end in ``_usd_per_week`` and ``_usd_per_year``.
        """
        weekly = {
            "real_cost": self.freight_usd_per_week,
            "time_value": self.time_value_usd_per_week,
            "unserved_penalty": self.unserved_penalty_usd_per_week,
            "generalized_cost": self.objective_usd_per_week,
        }
        split = {f"{name}_usd_per_week": value for name, value in weekly.items()}
        split.update({f"{name}_usd_per_year": value * self.weeks_per_year for name, value in weekly.items()})
        return split

    @property
    def unserved(self) -> pl.DataFrame:
        """Commodities with unserved TEU."""
        return self.commodities.filter(pl.col("unserved_teu_per_week") > FLOW_EPS)

    @property
    def binding_links(self) -> tuple[str, ...]:
        """Ids of links whose capacity binds."""
        return tuple(self.shadow_prices.filter(pl.col("element") == "link")["id"].to_list())


def assign_demand(
    network: Network, request: AssignRequest, *, on_iteration: Callable[[IterationInfo], None] | None = None
) -> Assignment:
    """Assign weekly OD demand to the network under link and terminal capacities (minimum generalized cost).

    Parameters
    ----------
    network
        The network snapshot (apply scenario edits first for a what-if).
    request
        What to assign (validated when built): one :class:`Demand` per commodity (see
        :func:`engine.optimize.read_demand_csv`); capacity overrides by link or node id, TEU/week (``None``
        removes a capacity; everything else comes from the network, :func:`engine.optimize.weekly_capacities`);
        the value of time (USD per TEU-day; 0 minimises money alone); the penalty per TEU/week not carried (rows
        may override it); the modes whose sailings cap their links; TEU per priced lot; the stopping limits
        (relative Lagrangian gap, iterations, seconds) and the LP engine (``highs``, GLOP as fallback, or
        ``glop``). It is checked against ``network`` here (nodes, duplicate rows, capacity overrides).
    on_iteration
        Called once per column-generation iteration (a debug hook, free when ``None``); it may raise to stop the
        run (a deadline, a cancellation).

    Returns
    -------
    Assignment
        Flows, routes, unserved demand and shadow prices (see :class:`Assignment`). Unreachable ODs are
        unserved, not an error.

    Raises
    ------
    InvalidRequest
        For unknown or avoided nodes, duplicate rows or unknown capacity overrides, naming each field.
    OptimizerError
        When no LP engine can solve the master problem.

    Examples
    --------
    >>> from engine.network import load_network
    >>> net = load_network("tests/networks/toy")
    >>> result = assign_demand(net, AssignRequest((Demand("ORIGIN", "DEST", 10.0),)))
    >>> round(result.served_teu_per_week, 6)
    10.0
    """
    started = time.monotonic()
    caps = request.check_against(network)
    # Solve in a canonical row order, so the LP (and the vertex the solver lands on) does not depend on the order
    # of the demand file; the frames are put back in the caller's order at the end.
    order = sorted(range(len(request.demand)), key=lambda i: canonical_key(request.demand[i]))
    demand = [request.demand[i] for i in order]
    segments: dict[CargoSegment, int] = {}
    graphs: list[TransferGraph] = []
    commodities: list[Commodity] = []
    for row in demand:
        segment = row.cargo_segment
        if segment not in segments:
            segments[segment] = len(graphs)
            graphs.append(transfer_graph(network, segment, request.lot_teu))
        compiled = graphs[segments[segment]].compiled
        penalty = request.unserved_usd_per_teu if row.unserved_usd_per_teu is None else row.unserved_usd_per_teu
        commodities.append(
            Commodity(
                origin=compiled.node_index[row.origin],
                destination=compiled.node_index[row.destination],
                segment=segments[segment],
                demand=float(row.teu_per_week),
                penalty=penalty,
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
        request.usd_per_teu_day / 24.0,
        gap=request.gap,
        reduced_cost_tolerance=DEFAULT_REDUCED_COST_TOLERANCE,
        max_iterations=request.max_iterations,
        time_limit_s=request.time_limit_s,
        solver=request.solver,
        on_iteration=on_iteration,
        tie_break=request.tie_break,
    )
    result = _report(
        network, demand, commodities, list(segments), caps, link_cap, node_cap, solution, request.usd_per_teu_day
    )
    if request.margins:
        # The request's time limit counts from the start; margins stop short of it, so the answer still goes out.
        limit = request.time_limit_s
        problem = MarginProblem(
            graphs,
            commodities,
            link_cap,
            node_cap,
            request.usd_per_teu_day / 24.0,
            request.solver,
            request.max_iterations,
            deadline=None if limit is None else started + (1 - MARGIN_RESERVE) * limit,
            on_iteration=on_iteration,
        )
        shadow = margin_frame(result.shadow_prices, compiled, problem, solution, request.margins)
        result = dataclasses.replace(result, shadow_prices=shadow)
    result = dataclasses.replace(result, weeks_per_year=float(request.weeks_per_year))
    return _in_caller_order(result, order)


def canonical_key(row: Demand) -> tuple[object, ...]:
    """A total order on demand rows by content (rows are unique by their segment, see ``check_demand``)."""
    return (
        row.origin,
        row.destination,
        row.cargo_class.value,
        row.segment,
        sorted(row.avoid_countries),
        sorted(m.value for m in row.avoid_modes),
        row.gross_kg_per_teu,
        row.teu_per_week,
        -1.0 if row.unserved_usd_per_teu is None else row.unserved_usd_per_teu,
    )


def _in_caller_order(result: Assignment, order: Sequence[int]) -> Assignment:
    """Put the per-commodity frames back in the order of the request's demand rows."""
    position = pl.Series("position", list(order), dtype=pl.Int64)  # solved row j is the caller's row order[j]
    commodities = result.commodities.with_row_index("solved").with_columns(position.alias("position"))
    commodities = commodities.sort("position")
    rank = commodities.select(pl.col("solved").cast(pl.Int64), "position")
    routes = (
        result.routes.with_columns(pl.col("commodity").cast(pl.Int64).alias("solved"))
        .join(rank, on="solved", how="left")
        .sort("position", "rank", maintain_order=True)
        .drop("solved", "position", "commodity")
    )
    return dataclasses.replace(result, commodities=commodities.drop("solved", "position"), routes=routes)


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
                *(pl.lit(None, dtype).alias(name) for name, dtype in MARGIN_TYPES.items()),
            ),
            nodes.filter(pl.col("binding")).select(
                pl.lit("node").alias("element"),
                pl.col("node_id").alias("id"),
                "capacity_teu_per_week",
                pl.col("lift_teu_per_week").alias("flow_teu_per_week"),
                "shadow_price_usd_per_teu",
                *(pl.lit(None, dtype).alias(name) for name, dtype in MARGIN_TYPES.items()),
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
        weeks_per_year=DEFAULT_WEEKS_PER_YEAR,
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
            "commodity",
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
        rows["commodity"].append(column.commodity)
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
            "commodity": pl.Int64,
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
