"""Bounds on the work one request may ask of a worker, checked before the work starts.

Each bound names the field to change and what is allowed, so a refused client knows what to send instead. The
figures behind them are in ``docs/OPERATIONS.md``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

from corridor.v1 import routing_pb2, study_pb2

from engine.errors import FieldProblem, InvalidRequest
from engine.network import Network
from engine.service.convert.routing import DEFAULT_HORIZON_DAYS
from engine.service.status import ServerBusy

MAX_PLAN_DEPARTURES = 40_000
"""Scheduled link departures inside a PlanShipment horizon (horizon days × link departures per day). The
time-expanded network grows faster than linearly with it. Measured with `corridor plan XIAN DUISBURG --teu 300`
(peak RSS of the process): on the 136-node network (2,804 link departures a week) 30 days held ~190 MB, 60 days
~470 MB, 120 days 822 MB; on the 251-node network (4,958 a week) 30 days 238 MB in 7 s and 60 days 586 MB in
19 s. 40,000 admits the default 30-day horizon with room (56 days on the 251-node network) and keeps a plan's
model under the default 1,024 MB worker bound."""

MAX_ASSIGN_ROWS = 20_000
"""Demand rows in one AssignDemand call (15,000 rows is a legitimate national matrix; 100,000 ran for minutes)."""


def link_departures_per_week(network: Network) -> float:
    """Scheduled departures a week over every link (continuous services, e.g. trucks, do not count)."""
    total = 0.0
    for link in network.links.values():
        per_week = network.services[link.service_id].departures_per_week
        if math.isfinite(per_week):
            total += per_week
    return total


def check_plan_size(request: routing_pb2.PlanShipmentRequest, network: Network) -> None:
    """Refuse a PlanShipment whose horizon holds more than :data:`MAX_PLAN_DEPARTURES` link departures.

    Raises
    ------
    InvalidRequest
        Naming ``horizon_days``, the departures it would hold and the longest horizon allowed on this network.
    """
    horizon_days = request.horizon_days or DEFAULT_HORIZON_DAYS
    if not math.isfinite(horizon_days) or horizon_days <= 0:
        return  # the request's own validation names this
    per_week = link_departures_per_week(network)
    departures = per_week * horizon_days / 7.0
    if departures > MAX_PLAN_DEPARTURES:
        longest = 7.0 * MAX_PLAN_DEPARTURES / per_week
        message = (
            f"a horizon of {horizon_days:g} days holds {departures:,.0f} scheduled link departures on this network "
            f"({per_week:,.0f} a week); at most {MAX_PLAN_DEPARTURES:,} are planned at once, so at most "
            f"{math.floor(longest * 10) / 10:g} days"
        )
        raise InvalidRequest([FieldProblem("horizon_days", message)])


def check_assign_rows(request: study_pb2.AssignDemandRequest) -> None:
    """Refuse an AssignDemand with more than :data:`MAX_ASSIGN_ROWS` demand rows.

    Raises
    ------
    InvalidRequest
        Naming ``demand``, the number of rows sent and the limit.
    """
    rows = len(request.demand)
    if rows > MAX_ASSIGN_ROWS:
        message = f"has {rows:,} rows; at most {MAX_ASSIGN_ROWS:,} per call (split the matrix into several calls)"
        raise InvalidRequest([FieldProblem("demand", message)])


class ByteBudget:
    """Request bytes held in the main process by calls being answered, with a ceiling.

    A call that would take the total past ``limit_bytes`` is refused at once rather than queued: waiting would
    hold its bytes anyway. One call alone is always admitted (the message size limit bounds it).
    """

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self.held_bytes = 0

    @contextlib.contextmanager
    def hold(self, size_bytes: int) -> Iterator[None]:
        """Hold ``size_bytes`` for the duration of the block.

        Raises
        ------
        ServerBusy
            When the ceiling would be passed.
        """
        if self.held_bytes and self.held_bytes + size_bytes > self.limit_bytes:
            msg = (
                f"the server holds {self.held_bytes / 2**20:,.0f} MB of requests being answered (limit "
                f"{self.limit_bytes / 2**20:,.0f} MB); retry shortly"
            )
            raise ServerBusy(msg)
        self.held_bytes += size_bytes
        try:
            yield
        finally:
            self.held_bytes -= size_bytes
