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

Modules: the request (:class:`~engine.optimize.requests.PlanRequest`) in :mod:`engine.optimize.requests`, the
answer in :mod:`engine.optimize.shipment`, the solver in :mod:`engine.optimize.planner`; this module holds the
entry points (and, for now, the bookings reader).

Money per TEU is the cost model's price of a lot of ``lot_teu`` TEU divided by ``lot_teu`` (default: 1 for a
1-TEU consignment, else 2 — one 40-foot box, one truckload), so trucks are paid per load, not per TEU-slot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from engine.network.model import CargoClass, Network
from engine.optimize.planner import solve_plan
from engine.optimize.requests import MAX_HORIZON, UNSUPPORTED_CONSTRAINTS, Booking, PlanRequest
from engine.optimize.shipment import DepartureUse, PlanPart, ShipmentPlan
from engine.optimize.transfer_graph import DEFAULT_KG_PER_TEU
from engine.optimize.values import DEFAULT_USD_PER_TEU_DAY
from engine.routing import Constraints

__all__ = [
    "MAX_HORIZON",
    "UNSUPPORTED_CONSTRAINTS",
    "Booking",
    "DepartureUse",
    "PlanPart",
    "PlanRequest",
    "ShipmentPlan",
    "plan_request",
    "plan_shipment",
]


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
    return solve_plan(network, request, should_stop)
