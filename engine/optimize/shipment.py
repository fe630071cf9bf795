"""What :func:`engine.optimize.plan_shipment` returns: the plan, its parts and the departures they use.

Money is USD, CO2e kg (well-to-wheel), TEU whole numbers (fractional only for existing bookings), times UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.optimize.requests import PlanRequest
from engine.routing import Route


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
