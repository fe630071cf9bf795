"""The shipment planner's solver: the time-expanded network, its min-cost flow, and the flow turned into parts.

See :mod:`engine.optimize.plan` for the model and what is exact. Each part is rebuilt as a routing route from the
cost model's steps (:func:`engine.routing.model.build_route`), shifted to the departures the flow takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from ortools.graph.python import min_cost_flow

from engine.errors import OptimizerError
from engine.network.model import Network, ServiceKind
from engine.optimize.requests import PlanRequest
from engine.optimize.shipment import DepartureUse, PlanPart, ShipmentPlan
from engine.optimize.timeexpanded import (
    TimeExpandedNetwork,
    build_time_expanded,
    decompose,
    min_cut_departures,
)
from engine.routing import RouteQuery, find_routes
from engine.routing.model import (
    CompiledNetwork,
    QueryContext,
    Step,
    build_route,
    compile_network,
    from_minutes,
    to_minutes,
)


def solve_plan(
    network: Network, request: PlanRequest, should_stop: Callable[[], str | None] | None = None
) -> ShipmentPlan:
    """Plan ``request`` on ``network`` (already checked against it); ``should_stop`` as in ``plan_shipment``."""
    compiled = compile_network(network)
    lot = request.lot
    query = request.route_query(lot)
    ctx = QueryContext(compiled, query)
    end_min = _end_minute(request)
    due_min = to_minutes(request.due) if request.due is not None else ctx.ready_min
    per_lot_day_cents = request.usd_per_teu_day * lot * 100.0
    booked = _booked(compiled, request)

    def capacity_of(link: int, depart: int, loose: bool) -> int | None:
        service = network.services[compiled.service_ids[compiled.link_service[link]]]
        if service.kind is ServiceKind.CONTINUOUS:
            return None
        if loose:
            per_departure = (service.capacity_kg_per_departure or 0.0) / request.gross_kg_per_teu
        else:
            per_departure = service.capacity_teu_per_departure or 0.0
        return max(0, math.floor(per_departure - booked.get((link, depart), 0.0) + 1e-9))

    def lateness_cents(arrive: int) -> int:
        return round(per_lot_day_cents * max(0, arrive - due_min) / 1440.0)

    net = build_time_expanded(ctx, request.teu, end_min, capacity_of, lateness_cents, should_stop)
    flows = _solve(net, request.teu)
    return _plan(network, compiled, ctx, request, net, flows, booked, lot)


def _end_minute(request: PlanRequest) -> int:
    end = to_minutes(request.ready + request.horizon)
    arrive_by = request.constraints.arrive_by
    if arrive_by is not None:
        end = min(end, math.floor((arrive_by - from_minutes(0)).total_seconds() / 60))
    return end


def _booked(compiled: CompiledNetwork, request: PlanRequest) -> dict[tuple[int, int], float]:
    booked: dict[tuple[int, int], float] = {}
    for booking in request.bookings:
        minute = to_minutes(booking.depart)
        service = compiled.service_ids.index(booking.service_id)
        for link, link_id in enumerate(compiled.link_ids):
            if compiled.link_service[link] != service or booking.link_id not in (None, link_id):
                continue
            booked[(link, minute)] = booked.get((link, minute), 0.0) + booking.teu
    return booked


def _solve(net: TimeExpandedNetwork, teu: int) -> np.ndarray:
    tails, heads, capacities, costs = net.arrays()
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    solver.set_nodes_supplies(np.array([0, 1], dtype=np.int64), np.array([teu, -teu], dtype=np.int64))
    try:
        status = solver.solve_max_flow_with_min_cost()
    except Exception as exc:  # keep the solver's text
        msg = f"min-cost flow failed: {type(exc).__name__}: {exc}"
        raise OptimizerError(msg) from exc
    if status != solver.OPTIMAL:
        msg = f"min-cost flow ended with status {status.name} on {len(tails)} arcs"
        raise OptimizerError(msg)
    return np.asarray(solver.flows(arcs), dtype=np.int64)


def _departure_use(
    network: Network,
    compiled: CompiledNetwork,
    net: TimeExpandedNetwork,
    arc: int,
    planned: int,
    booked: dict[tuple[int, int], float],
) -> DepartureUse:
    link, depart, _ = net.departure_arc[arc]
    record = network.links[compiled.link_ids[link]]
    return DepartureUse(
        link_id=record.id,
        service_id=record.service_id,
        from_id=record.from_id,
        to_id=record.to_id,
        depart=from_minutes(depart),
        capacity_teu=net.departure_capacity[net.departure_arc[arc]],
        booked_teu=booked.get((link, depart), 0.0),
        planned_teu=planned,
    )


def _plan(
    network: Network,
    compiled: CompiledNetwork,
    ctx: QueryContext,
    request: PlanRequest,
    net: TimeExpandedNetwork,
    flows: np.ndarray,
    booked: dict[tuple[int, int], float],
    lot: int,
) -> ShipmentPlan:
    grouped: dict[tuple[int, ...], tuple[int, list[int]]] = {}
    for amount, path in decompose(net, flows):
        key = tuple(a for a in path if a in net.departure_arc)
        teu, arcs = grouped.get(key, (0, path))
        grouped[key] = (teu + amount, arcs)
    query = request.route_query(lot)
    parts = []
    for teu, path in grouped.values():
        parts.append(_part(network, compiled, ctx, query, net, flows, booked, teu, path, lot))
    parts.sort(key=lambda p: (p.arrive, p.cost_usd_per_teu, p.depart))
    moved = sum(p.teu for p in parts)
    used = {arc: int(flows[arc]) for arc in net.departure_arc}
    if moved < request.teu:
        cut = min_cut_departures(net, flows)
    else:
        cut = [a for a, f in used.items() if f > 0 and f >= (net.departure_capacity[net.departure_arc[a]] or f + 1)]
    binding = tuple(
        sorted(
            (_departure_use(network, compiled, net, a, used[a], booked) for a in cut),
            key=lambda d: (d.depart, d.link_id),
        )
    )
    return ShipmentPlan(
        request=request,
        network=network.label,
        lot_teu=lot,
        moved_teu=moved,
        unmoved_teu=request.teu - moved,
        parts=tuple(parts),
        cost_usd=round(sum(p.cost_usd for p in parts), 2),
        lateness_usd=round(sum(p.lateness_usd for p in parts), 2),
        co2e_kg=round(sum(p.co2e_kg for p in parts), 3),
        binding=binding,
        explanation=None if moved == request.teu else _explain(network, request, moved, binding),
        departures_considered=len(net.departure_arc),
        arcs=len(net.tails),
    )


def _part(
    network: Network,
    compiled: CompiledNetwork,
    ctx: QueryContext,
    query: RouteQuery,
    net: TimeExpandedNetwork,
    flows: np.ndarray,
    booked: dict[tuple[int, int], float],
    teu: int,
    path: list[int],
    lot: int,
) -> PlanPart:
    """Rebuild one part as a routing :class:`Route` (one lot) from the steps and the departures taken."""
    steps: list[Step] = []
    pending: Step | None = None
    departures = []
    lateness_cents = 0
    # Where the cargo is after the steps so far: node, minute, service aboard, loose, previous node.
    node, t, service, loose, came_from = ctx.origin, ctx.ready_min, -1, ctx.starts_loose, -1

    def take(step: Step) -> None:
        nonlocal node, t, service, loose, came_from
        steps.append(step)
        came_from, node = node, compiled.link_to[step.link]
        t, service, loose = step.arrive, compiled.link_service[step.link], step.loose_after

    for arc in path:
        if arc in net.step_arc:
            link = net.step_arc[arc][0]
            pending = ctx.step(node, t, service, loose, link, came_from)
            assert pending is not None, "a plan step the cost model refuses"
        elif arc in net.departure_arc:
            assert pending is not None
            depart = net.departure_arc[arc][1]
            shift = depart - pending.depart
            take(pending._replace(depart=depart, arrive=pending.arrive + shift, wait_min=pending.wait_min + shift))
            departures.append(_departure_use(network, compiled, net, arc, int(flows[arc]), booked))
            pending = None
        if arc in net.ride_arc:
            depart, end = net.ride_arc[arc]
            for _, step in end.steps:
                take(step._replace(depart=step.depart + depart, arrive=step.arrive + depart))
            if arc in net.sink_arc:
                lateness_cents = net.costs[arc] - end.cents
    route = build_route(network, query, steps)
    _, cost_cents, _, co2e_g = route.criteria
    per_teu = cost_cents / 100.0 / lot
    return PlanPart(
        teu=teu,
        route=route,
        depart=route.depart,
        arrive=route.arrive,
        cost_usd=round(per_teu * teu, 2),
        cost_usd_per_teu=round(per_teu, 2),
        lateness_usd=round(lateness_cents / 100.0 / lot * teu, 2),
        co2e_kg=round(co2e_g / 1000.0 / lot * teu, 3),
        departures=tuple(departures),
    )


def _explain(network: Network, request: PlanRequest, moved: int, binding: tuple[DepartureUse, ...]) -> str:
    end = from_minutes(_end_minute(request)).strftime("%Y-%m-%dT%H:%MZ")
    left = request.teu - moved
    if binding:
        links = ", ".join(dict.fromkeys(d.link_id for d in binding))
        return (
            f"{left} of {request.teu} TEU cannot arrive by {end}: the full departures of {links} "
            f"({len(binding)} departures) limit the flow to {moved} TEU"
        )
    constraints = replace(request.constraints, arrive_by=from_minutes(_end_minute(request)))
    probe = find_routes(network, replace(request.route_query(request.lot), constraints=constraints))
    reason = probe.explanation or "no route arrives in time"
    return f"{left} of {request.teu} TEU cannot arrive by {end}: {reason}"
