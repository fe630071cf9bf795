r"""The optimizer's requests: one frozen type per operation, validated when built, checked against a network once.

- :class:`PlanRequest` (with its :class:`Booking`\ s) — :func:`engine.optimize.plan_shipment`;
- :class:`AssignRequest` — :func:`engine.optimize.assign_demand`;
- :class:`SelectRequest` (with its :class:`Candidate`\ s) — :func:`engine.optimize.select_terminals`.

Construction raises :class:`~engine.errors.InvalidRequest` naming each bad field, the value and what is allowed,
as :class:`~engine.routing.RouteQuery` does; ``check_against(network)`` raises for what only a network can tell
(unknown nodes, services, links, capacities). The entry point of each operation calls it, once, so callers
never need to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import CargoClass, Mode, Network
from engine.network.scenario import Edit
from engine.optimize.capacity import DEFAULT_SERVICE_MODES, Capacities, weekly_capacities
from engine.optimize.colgen import DEFAULT_GAP, DEFAULT_MAX_ITERATIONS
from engine.optimize.demand import Demand, check_demand
from engine.optimize.solver import MIP_SOLVERS, solver_order
from engine.optimize.transfer_graph import DEFAULT_KG_PER_TEU, DEFAULT_LOT_TEU
from engine.optimize.values import (
    DEFAULT_UNSERVED_USD_PER_TEU,
    DEFAULT_USD_PER_TEU_DAY,
    DEFAULT_WEEKS_PER_YEAR,
    MAX_MARGINS,
    MAX_USD_PER_TEU,
    MAX_USD_PER_TEU_DAY,
)
from engine.routing import Constraints, Objective, RouteQuery, Shipment

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
class AssignRequest:
    """Weekly OD demand to assign under capacities (see :func:`engine.optimize.assign_demand` for each field).

    Money is USD, demand and capacities TEU per week. ``capacities`` overrides capacities by link or node id
    (``None`` removes one); ``capacity_modes`` are the modes whose timetables (departures × capacity per
    departure) cap their links (default rail, ferry and sea). ``tie_break`` (default on) makes per-OD flows
    reproducible and meaningful: rows are solved in a canonical order and, among the least-cost assignments, the
    one with the least CO2e is returned (an exact second LP pass). ``weeks_per_year`` annualises the weekly
    figures of :meth:`Assignment.cost_split` (default 52). ``margins``: how many of the dearest binding
    capacities also get what one TEU/week more saves and one less costs, and what expanding the line each binds with
    saves, each measured by an exact re-solve (:mod:`engine.optimize.margins`; up to three re-solves each, ~30 ms
    apiece on the shipped network, within ``time_limit_s``; default 0).
    """

    demand: tuple[Demand, ...]
    capacities: Mapping[str, float | None] | None = None
    usd_per_teu_day: float = DEFAULT_USD_PER_TEU_DAY
    unserved_usd_per_teu: float = DEFAULT_UNSERVED_USD_PER_TEU
    capacity_modes: frozenset[Mode] = DEFAULT_SERVICE_MODES
    lot_teu: int = DEFAULT_LOT_TEU
    gap: float = DEFAULT_GAP
    max_iterations: int = DEFAULT_MAX_ITERATIONS
    time_limit_s: float | None = None
    solver: str = "highs"
    tie_break: bool = True
    weeks_per_year: float = DEFAULT_WEEKS_PER_YEAR
    margins: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "demand", tuple(self.demand))
        problems = []
        if not (math.isfinite(self.usd_per_teu_day) and 0 <= self.usd_per_teu_day <= MAX_USD_PER_TEU_DAY):
            message = f"must be >= 0 and <= {MAX_USD_PER_TEU_DAY:,.0f}, got {self.usd_per_teu_day!r}"
            problems.append(FieldProblem("usd_per_teu_day", message))
        if not (math.isfinite(self.unserved_usd_per_teu) and 0 < self.unserved_usd_per_teu <= MAX_USD_PER_TEU):
            message = f"must be > 0 and <= {MAX_USD_PER_TEU:,.0f}, got {self.unserved_usd_per_teu!r}"
            problems.append(FieldProblem("unserved_usd_per_teu", message))
        if not (isinstance(self.lot_teu, int) and 1 <= self.lot_teu <= 100):
            problems.append(FieldProblem("lot_teu", f"must be a whole number between 1 and 100, got {self.lot_teu!r}"))
        if not (0 <= self.gap < 1):
            problems.append(FieldProblem("gap", f"must be in [0, 1), got {self.gap!r}"))
        if not (isinstance(self.max_iterations, int) and self.max_iterations >= 0):
            problems.append(FieldProblem("max_iterations", f"must be a whole number >= 0, got {self.max_iterations!r}"))
        if isinstance(self.margins, bool) or not (isinstance(self.margins, int) and 0 <= self.margins <= MAX_MARGINS):
            message = f"must be a whole number between 0 and {MAX_MARGINS}, got {self.margins!r}"
            problems.append(FieldProblem("margins", message))
        weeks = self.weeks_per_year
        if isinstance(weeks, bool) or not (isinstance(weeks, int | float) and 0 < weeks <= 53):
            problems.append(FieldProblem("weeks_per_year", f"must be > 0 and <= 53, got {weeks!r}"))
        if problems:
            raise InvalidRequest(problems)

    def check_against(self, network: Network) -> Capacities:
        """Check the demand and the capacity overrides against ``network``; return the capacities to enforce.

        Raises
        ------
        InvalidRequest
            For unknown or avoided nodes, duplicate rows, or overrides naming neither a link nor a node.
        InputFileError
            For demand rows read from a file (``file:line: field``).
        """
        check_demand(network, self.demand)
        return weekly_capacities(network, self.capacities, self.capacity_modes)


@dataclass(frozen=True)
class Candidate:
    """A candidate addition: scenario edits and what they cost (USD, capital)."""

    id: str
    title: str
    cost_usd: float
    edits: tuple[Edit, ...]
    excludes: tuple[str, ...] = ()
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class SelectRequest:
    """Candidate additions to rank over a demand matrix and choose from within a capital budget (USD).

    ``assignment`` is how every variant is assigned (demand, capacities, value of time, gap); ``interactions``
    assigns every affordable pair too; ``solver`` is the MIP engine (``highs`` or ``scip``).
    """

    candidates: tuple[Candidate, ...]
    budget_usd: float
    assignment: AssignRequest
    interactions: bool = True
    solver: str = "highs"

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidates", tuple(self.candidates))
        # one problem at a time, in this order: a bad budget, an unknown MIP engine, repeated candidate ids
        budget = self.budget_usd
        if not (isinstance(budget, int | float) and math.isfinite(budget) and budget >= 0):
            raise InvalidRequest([FieldProblem("budget_usd", f"must be a number >= 0, got {budget!r}")])
        solver_order(self.solver, MIP_SOLVERS, "solver")
        ids = [c.id for c in self.candidates]
        if len(set(ids)) != len(ids):
            raise InvalidRequest([FieldProblem("candidates", "ids must be unique")])

    def check_against(self, network: Network) -> None:
        """Check the demand and capacities against the base network (each variant is checked when assigned)."""
        self.assignment.check_against(network)
