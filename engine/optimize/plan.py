"""``plan_shipment``: split a large consignment across departures and routes, trading cost against lateness.

A 300-TEU consignment does not fit one Caspian feeder or one block train. The plan is a min-cost flow
(``ortools.graph.python.min_cost_flow``, integers: TEU and cents) on the time-expanded network of
:mod:`engine.optimize.timeexpanded`, whose departures carry their remaining capacity (the service's capacity per
departure minus existing bookings). It moves as much of the consignment as the horizon allows (maximum flow) and,
among those plans, minimises freight + handling + border cost + lateness, where lateness costs ``usd_per_teu_day``
per TEU for every day after ``due`` (default: the ready time, so every day in transit counts).

What is exact: for the modelled rules (the routing cost model of ``find_routes``, per-departure capacities,
waiting for any later departure of a scheduled service) the plan is optimal in integers. A 1-TEU plan costs what
``find_routes``' cheapest route costs (with ``usd_per_teu_day`` = 0), and what its best weighted route scores
with ``usd_per_hour = usd_per_teu_day / 24`` — the tests check both. Weekly link capacities of the assignment
are not applied here: a plan is about departures.

Money per TEU is the cost model's price of a lot of ``lot_teu`` TEU divided by ``lot_teu`` (default: 1 for a
1-TEU consignment, else 2 — one 40-foot box, one truckload), so trucks are paid per load, not per TEU-slot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
from ortools.graph.python import min_cost_flow

from engine.errors import FieldProblem, InvalidRequest, OptimizerError
from engine.network.model import CargoClass, Network, ServiceKind
from engine.optimize.timeexpanded import (
    TimeExpandedNetwork,
    build_time_expanded,
    decompose,
    min_cut_departures,
)
from engine.optimize.transfer_graph import DEFAULT_KG_PER_TEU, DEFAULT_LOT_TEU
from engine.optimize.values import DEFAULT_USD_PER_TEU_DAY
from engine.routing.api import find_routes
from engine.routing.compiled import CompiledNetwork, compile_network
from engine.routing.costing import QueryContext, Step
from engine.routing.query import Constraints, Objective, RouteQuery, Shipment
from engine.routing.result import Route, build_route
from engine.routing.search import Label
from engine.routing.timetable import from_minutes, to_minutes

MAX_HORIZON = timedelta(days=120)
UNSUPPORTED_CONSTRAINTS = ("via", "max_transfers", "max_cost_usd", "max_co2e_kg")


@dataclass(frozen=True)
class Booking:
    """Capacity already reserved on a departure.

    Attributes
    ----------
    service_id
        The service booked.
    depart
        The departure time (timezone-aware; matched to the minute).
    teu
        TEU reserved (≥ 0).
    link_id
        The link booked; ``None`` books every link of the service that departs at that minute (a ferry sailing
        has one link).
    """

    service_id: str
    depart: datetime
    teu: float
    link_id: str | None = None


@dataclass(frozen=True)
class PlanRequest:
    """A consignment to plan (validated when built; :meth:`check_against` checks it against a network)."""

    origin: str
    destination: str
    teu: int
    ready: datetime
    horizon: timedelta = timedelta(days=30)
    constraints: Constraints = field(default_factory=Constraints)
    cargo_class: CargoClass = CargoClass.GENERAL
    gross_kg_per_teu: float = DEFAULT_KG_PER_TEU
    usd_per_teu_day: float = DEFAULT_USD_PER_TEU_DAY
    due: datetime | None = None
    bookings: tuple[Booking, ...] = ()
    lot_teu: int | None = None

    def __post_init__(self) -> None:
        problems: list[FieldProblem] = []
        if not (isinstance(self.teu, int) and not isinstance(self.teu, bool) and self.teu >= 1):
            problems.append(FieldProblem("teu", f"must be a whole number >= 1, got {self.teu!r}"))
        if not (timedelta(0) < self.horizon <= MAX_HORIZON):
            problems.append(FieldProblem("horizon", f"must be more than 0 and at most 120 days, got {self.horizon}"))
        if not (math.isfinite(self.usd_per_teu_day) and self.usd_per_teu_day >= 0):
            problems.append(FieldProblem("usd_per_teu_day", f"must be >= 0, got {self.usd_per_teu_day!r}"))
        if not (math.isfinite(self.gross_kg_per_teu) and 0 < self.gross_kg_per_teu <= 30_480):
            problems.append(
                FieldProblem("gross_kg_per_teu", f"must be > 0 and <= 30480 kg, got {self.gross_kg_per_teu!r}")
            )
        if self.due is not None and self.due.tzinfo is None:
            problems.append(FieldProblem("due", f"must carry a time zone, got {self.due.isoformat()}"))
        if self.lot_teu is not None and not (isinstance(self.lot_teu, int) and 1 <= self.lot_teu <= 100):
            problems.append(FieldProblem("lot_teu", f"must be a whole number from 1 to 100, got {self.lot_teu!r}"))
        for name in UNSUPPORTED_CONSTRAINTS:
            value = getattr(self.constraints, name)
            if value not in (None, ()):
                problems.append(
                    FieldProblem(
                        f"constraints.{name}",
                        "is a per-route limit that a flow split cannot honour; plan_shipment accepts avoid_*, "
                        "arrive_by and allow_deconsolidation (use find_routes for the others)",
                    )
                )
        for i, booking in enumerate(self.bookings):
            if booking.depart.tzinfo is None:
                problems.append(FieldProblem(f"bookings[{i}].depart", "must carry a time zone"))
            if not (math.isfinite(booking.teu) and booking.teu >= 0):
                problems.append(FieldProblem(f"bookings[{i}].teu", f"must be >= 0, got {booking.teu!r}"))
        if problems:
            raise InvalidRequest(problems)
        # a RouteQuery validates ready, origin/destination and the constraints the same way find_routes does
        self.route_query(1)

    @property
    def lot(self) -> int:
        """TEU per priced lot (see the module docstring)."""
        return self.lot_teu if self.lot_teu is not None else min(self.teu, DEFAULT_LOT_TEU)

    def route_query(self, teu: int) -> RouteQuery:
        """The routing query for a shipment of ``teu`` TEU of this consignment's cargo."""
        return RouteQuery(
            origin=self.origin,
            destination=self.destination,
            ready=self.ready,
            shipment=Shipment(teu, teu * self.gross_kg_per_teu, self.cargo_class),
            objective=Objective.CHEAPEST,
            constraints=self.constraints,
            max_routes=1,
        )

    def check_against(self, network: Network) -> None:
        """Raise for unknown nodes, services or links (as ``find_routes`` does for its query)."""
        self.route_query(self.lot).check_against(network)
        problems: list[FieldProblem] = []
        for i, booking in enumerate(self.bookings):
            if booking.service_id not in network.services:
                problems.append(FieldProblem(f"bookings[{i}].service_id", f"unknown service {booking.service_id!r}"))
            if booking.link_id is not None:
                link = network.links.get(booking.link_id)
                if link is None:
                    problems.append(FieldProblem(f"bookings[{i}].link_id", f"unknown link {booking.link_id!r}"))
                elif link.service_id != booking.service_id:
                    problems.append(
                        FieldProblem(
                            f"bookings[{i}].link_id",
                            f"link {link.id!r} belongs to service {link.service_id!r}, not {booking.service_id!r}",
                        )
                    )
        if problems:
            raise InvalidRequest(problems)


@dataclass(frozen=True)
class DepartureUse:
    """One departure of a link and how much of it the plan takes. TEU may be fractional only in ``booked_teu``."""

    link_id: str
    service_id: str
    from_id: str
    to_id: str
    depart: datetime
    capacity_teu: int | None
    booked_teu: float
    planned_teu: int


@dataclass(frozen=True)
class PlanPart:
    """TEU that travel together: the same departures all the way.

    ``route`` is the itinerary with the costs of **one lot** of ``lot_teu`` TEU (legs, transfers, borders, CO2e
    factors, exactly as ``find_routes`` reports a route); the other figures are for the part's ``teu``.
    """

    teu: int
    route: Route
    depart: datetime
    arrive: datetime
    cost_usd: float
    cost_usd_per_teu: float
    lateness_usd: float
    co2e_kg: float
    departures: tuple[DepartureUse, ...]


@dataclass(frozen=True)
class ShipmentPlan:
    """The answer of :func:`plan_shipment`. Money USD, CO2e kg (well-to-wheel), times UTC.

    ``binding`` lists, when not everything moves, the departures of the minimum cut — full departures that
    together limit how much can move within the horizon; when everything moves, the full departures the plan
    uses (more room on them could make it cheaper or earlier). ``explanation`` says why TEU stay behind.
    """

    request: PlanRequest
    network: str
    lot_teu: int
    moved_teu: int
    unmoved_teu: int
    parts: tuple[PlanPart, ...]
    cost_usd: float
    lateness_usd: float
    co2e_kg: float
    binding: tuple[DepartureUse, ...]
    explanation: str | None
    departures_considered: int
    arcs: int

    @property
    def objective_usd(self) -> float:
        """Cost plus lateness of what moved."""
        return round(self.cost_usd + self.lateness_usd, 2)

    @property
    def binding_links(self) -> tuple[str, ...]:
        """Distinct links of the binding departures, in order of first departure."""
        return tuple(dict.fromkeys(d.link_id for d in self.binding))

    @property
    def last_arrival(self) -> datetime | None:
        """When the last part arrives (``None`` when nothing moves)."""
        return max((p.arrive for p in self.parts), default=None)


def plan_shipment(
    network: Network,
    origin: str,
    destination: str,
    teu: int,
    ready: datetime,
    horizon: timedelta = timedelta(days=30),
    constraints: Constraints | None = None,
    *,
    cargo_class: CargoClass = CargoClass.GENERAL,
    gross_kg_per_teu: float = DEFAULT_KG_PER_TEU,
    usd_per_teu_day: float = DEFAULT_USD_PER_TEU_DAY,
    due: datetime | None = None,
    bookings: Sequence[Booking] = (),
    lot_teu: int | None = None,
) -> ShipmentPlan:
    """Plan a consignment of ``teu`` TEU across the departures of the next ``horizon``.

    Parameters
    ----------
    network
        The network snapshot.
    origin, destination
        Node ids.
    teu
        Consignment size (whole TEU ≥ 1).
    ready
        When the cargo is ready at the origin (timezone-aware).
    horizon
        Arrivals after ``ready + horizon`` (or after ``constraints.arrive_by``) do not count.
    constraints
        ``avoid_countries``, ``avoid_nodes``, ``avoid_modes``, ``avoid_operators``, ``arrive_by`` and
        ``allow_deconsolidation`` apply; per-route limits (via, transfers, budget, CO2e cap) are refused.
    cargo_class, gross_kg_per_teu
        The cargo (weight per TEU in kg).
    usd_per_teu_day
        Price of lateness per TEU per day after ``due`` (default
        :data:`~engine.optimize.values.DEFAULT_USD_PER_TEU_DAY`).
    due
        From when lateness counts (default: ``ready``).
    bookings
        Capacity already reserved on departures.
    lot_teu
        TEU per priced lot (default 1 for one TEU, else 2).

    Returns
    -------
    ShipmentPlan
        The split; when not everything fits in the horizon, how much moves, the binding departures and an
        explanation. Nothing moving is a result, not an error.

    Raises
    ------
    InvalidRequest
        For bad fields, unknown nodes, services or links, or unsupported constraints (naming each field).
    OptimizerError
        When the min-cost flow solver fails.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from engine.network import load_network
    >>> net = load_network("tests/networks/toy")
    >>> plan = plan_shipment(net, "ORIGIN", "DEST", 4, datetime(2026, 12, 1, tzinfo=UTC))
    >>> plan.moved_teu, len(plan.parts) >= 1
    (4, True)
    """
    request = PlanRequest(
        origin=origin,
        destination=destination,
        teu=teu,
        ready=ready,
        horizon=horizon,
        constraints=constraints if constraints is not None else Constraints(),
        cargo_class=cargo_class,
        gross_kg_per_teu=gross_kg_per_teu,
        usd_per_teu_day=usd_per_teu_day,
        due=due,
        bookings=tuple(bookings),
        lot_teu=lot_teu,
    )
    return plan_request(network, request)


def plan_request(
    network: Network, request: PlanRequest, *, should_stop: Callable[[], str | None] | None = None
) -> ShipmentPlan:
    """:func:`plan_shipment` for an already built :class:`PlanRequest` (what a service handler calls).

    ``should_stop`` is polled while the time-expanded network is built; a returned reason (a deadline, a
    cancellation) raises :class:`~engine.errors.SearchInterrupted`.
    """
    request.check_against(network)
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
    label = Label((ctx.ready_min, 0, 0, 0), ctx.origin, -1, ctx.starts_loose, 0, None, -1, None)
    pending: tuple[int, Step] | None = None
    departures = []
    lateness_cents = 0

    def extend(label: Label, link: int, step: Step) -> Label:
        _, cost, transfers, co2e = label.vector
        cents = step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
        vector = (step.arrive, cost + cents, transfers + step.transfer, co2e + step.co2e_g)
        to, service = compiled.link_to[link], compiled.link_service[link]
        return Label(vector, to, service, step.loose_after, 0, label, link, step)

    for arc in path:
        if arc in net.step_arc:
            link = net.step_arc[arc][0]
            came_from = label.parent.node if label.parent is not None else -1
            step = ctx.step(label.node, label.vector[0], label.service, label.loose, link, came_from)
            assert step is not None, "a plan step the cost model refuses"
            pending = (link, step)
        elif arc in net.departure_arc:
            assert pending is not None
            link, step = pending
            depart = net.departure_arc[arc][1]
            shift = depart - step.depart
            moved = step._replace(depart=depart, arrive=step.arrive + shift, wait_min=step.wait_min + shift)
            label = extend(label, link, moved)
            departures.append(_departure_use(network, compiled, net, arc, int(flows[arc]), booked))
            pending = None
        if arc in net.ride_arc:
            depart, end = net.ride_arc[arc]
            for link, step in end.steps:
                label = extend(label, link, step._replace(depart=step.depart + depart, arrive=step.arrive + depart))
            if arc in net.sink_arc:
                lateness_cents = net.costs[arc] - end.cents
    route = build_route(network, compiled, query, label)
    per_teu = label.vector[1] / 100.0 / lot
    return PlanPart(
        teu=teu,
        route=route,
        depart=route.depart,
        arrive=route.arrive,
        cost_usd=round(per_teu * teu, 2),
        cost_usd_per_teu=round(per_teu, 2),
        lateness_usd=round(lateness_cents / 100.0 / lot * teu, 2),
        co2e_kg=round(label.vector[3] / 1000.0 / lot * teu, 3),
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
