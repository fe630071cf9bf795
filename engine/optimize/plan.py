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
entry point.

Money per TEU is the cost model's price of a lot of ``lot_teu`` TEU divided by ``lot_teu`` (default: 1 for a
1-TEU consignment, else 2 — one 40-foot box, one truckload), so trucks are paid per load, not per TEU-slot.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.network.model import Network
from engine.optimize.planner import solve_plan
from engine.optimize.requests import PlanRequest
from engine.optimize.shipment import ShipmentPlan

__all__ = ["plan_shipment"]


def plan_shipment(
    network: Network, request: PlanRequest, *, should_stop: Callable[[], str | None] | None = None
) -> ShipmentPlan:
    """Plan a consignment of ``request.teu`` TEU across the departures of the next ``request.horizon``.

    Parameters
    ----------
    network
        The network snapshot.
    request
        The consignment (validated when built): origin, destination, TEU, ready time, horizon (arrivals after
        ``ready + horizon`` or after ``constraints.arrive_by`` do not count), constraints (``avoid_*``,
        ``arrive_by`` and ``allow_deconsolidation`` apply; per-route limits are refused), cargo, the price of
        lateness per TEU per day after ``due`` (USD), bookings already made and TEU per priced lot. It is checked
        against ``network`` here (unknown nodes, services, links).
    should_stop
        Polled while the time-expanded network is built; a returned reason (a deadline, a cancellation) raises
        :class:`~engine.errors.SearchInterrupted`. Free when ``None``.

    Returns
    -------
    ShipmentPlan
        The split; when not everything fits in the horizon, how much moves, the binding departures and an
        explanation. Nothing moving is a result, not an error.

    Raises
    ------
    InvalidRequest
        For unknown nodes, services or links (naming each field); bad fields are refused when the request is built.
    OptimizerError
        When the min-cost flow solver fails.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from engine.network import load_network
    >>> net = load_network("tests/networks/toy")
    >>> plan = plan_shipment(net, PlanRequest("ORIGIN", "DEST", 4, datetime(2026, 12, 1, tzinfo=UTC)))
    >>> plan.moved_teu, len(plan.parts) >= 1
    (4, True)
    """
    request.check_against(network)
    return solve_plan(network, request, should_stop)
