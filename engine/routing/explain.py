"""Why a query has no route: which constraint removed the last candidate, and what the best value would be.

Each hard constraint is relaxed on its own and the query re-run; a constraint whose removal brings routes back is
named with the best value the relaxed query reaches ("no route arrives by …; the earliest arrival is …"). When no
single relaxation helps, the message says the constraints only fail together, or that the network has no route at
all for this shipment.

:data:`RELAXATIONS` is the table behind it: one row per constraint, saying when a query sets it, how to relax it,
what "best" means for the relaxed query, and how to describe the best route found. A new constraint gets a row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from engine.network.model import CargoClass, Mode, Network
from engine.routing.compiled import compile_network
from engine.routing.costing import QueryContext
from engine.routing.query import Objective, RouteQuery
from engine.routing.search import ARRIVE, CO2E, COST, TRANSFERS, Label, search
from engine.routing.select import LEXICOGRAPHIC_ORDERS
from engine.routing.timetable import from_minutes


def _best(
    network: Network, query: RouteQuery, objective: Objective, should_stop: Callable[[], str | None] | None = None
) -> Label | None:
    ctx = QueryContext(compile_network(network), query)
    outcome = search(ctx, LEXICOGRAPHIC_ORDERS[objective], pareto=False, should_stop=should_stop)
    return outcome.labels[0] if outcome.labels else None


def _iso(minutes: int) -> str:
    return from_minutes(minutes).strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class RelaxedBest:
    """The best route of a relaxed query, next to the original query whose limits the sentence quotes."""

    network: Network
    query: RouteQuery
    label: Label

    def value(self, criterion: int) -> int:
        """The route's value on one criterion (minutes, cents, transfers or grams, as the search counts)."""
        return self.label.vector[criterion]

    def nodes(self) -> list[str]:
        """Node ids the route reaches, in order (without the origin)."""
        compiled = compile_network(self.network)
        return [compiled.node_ids[item.node] for item in self._chain()]

    def countries(self) -> list[str]:
        """Countries whose territory or ports :meth:`nodes` lie in (sea passages have none)."""
        territories = (self.network.nodes[n].territory for n in self.nodes())
        return [t for t in territories if t is not None]

    def modes(self) -> list[Mode]:
        """Mode of each link taken."""
        compiled = compile_network(self.network)
        return [compiled.link_mode[item.link] for item in self._chain()]

    def _chain(self) -> list[Label]:
        chain = []
        label = self.label
        while label.parent is not None:
            chain.append(label)
            label = label.parent
        return chain[::-1]


@dataclass(frozen=True)
class Relaxation:
    """One row of the table: a constraint, and how to explain an empty answer by it."""

    field: str
    """The request field, named as validation errors name it (``constraints.arrive_by``)."""
    objective: Objective
    """What "best" means for the relaxed query: the criterion the constraint bounds (fastest otherwise)."""
    applies: Callable[[RouteQuery], bool]
    """Whether the query sets this constraint (only those are relaxed)."""
    relax: Callable[[RouteQuery], RouteQuery]
    """The query without this constraint."""
    describe: Callable[[RelaxedBest], str]
    """The sentence, from the best route of the relaxed query."""
    joint: bool = True
    """Whether it is among the constraints dropped together when no single one explains the empty answer."""


def _limit(name: str, unset: object, objective: Objective, describe: Callable[[RelaxedBest], str]) -> Relaxation:
    """A row for the field ``name`` of :class:`~engine.routing.query.Constraints`, switched off by ``unset``."""

    def relax(query: RouteQuery) -> RouteQuery:
        changes: dict[str, Any] = {name: unset}
        return replace(query, constraints=replace(query.constraints, **changes))

    return Relaxation(
        f"constraints.{name}",
        objective,
        applies=lambda query: getattr(query.constraints, name) != unset,
        relax=relax,
        describe=describe,
    )


def _refused_cargo(found: RelaxedBest) -> str:
    cargo_class = found.query.shipment.cargo_class
    why = (
        "(hazmat never flies; some ferries refuse it)"
        if cargo_class is CargoClass.HAZMAT
        else "(reefers need power where they change vehicle)"
    )
    return f"no route accepts {cargo_class.value} cargo {why}"


RELAXATIONS: tuple[Relaxation, ...] = (
    _limit(
        "arrive_by",
        None,
        Objective.FASTEST,
        lambda found: (
            f"no route arrives by {found.query.constraints.arrive_by:%Y-%m-%dT%H:%MZ}; the earliest arrival is "
            f"{_iso(found.value(ARRIVE))}"
        ),
    ),
    _limit(
        "max_cost_usd",
        None,
        Objective.CHEAPEST,
        lambda found: (
            f"no route costs at most {found.query.constraints.max_cost_usd:,.2f} USD; the cheapest costs "
            f"{found.value(COST) / 100:,.2f} USD"
        ),
    ),
    _limit(
        "max_co2e_kg",
        None,
        Objective.LOWEST_CO2E,
        lambda found: (
            f"no route emits at most {found.query.constraints.max_co2e_kg:,.1f} kg CO2e; the lowest emits "
            f"{found.value(CO2E) / 1000:,.1f} kg"
        ),
    ),
    _limit(
        "max_transfers",
        None,
        Objective.FEWEST_TRANSFERS,
        lambda found: (
            f"no route has at most {found.query.constraints.max_transfers} transfers; the fewest is "
            f"{found.value(TRANSFERS)}"
        ),
    ),
    _limit(
        "via",
        (),
        Objective.FASTEST,
        lambda found: (
            f"no route passes {' then '.join(found.query.constraints.via)}; without that requirement routes exist"
        ),
    ),
    _limit(
        "avoid_countries",
        frozenset(),
        Objective.FASTEST,
        lambda found: (
            "every route crosses an avoided country: "
            + ", ".join(sorted(set(found.countries()) & found.query.constraints.avoid_countries))
        ),
    ),
    _limit(
        "avoid_nodes",
        frozenset(),
        Objective.FASTEST,
        lambda found: (
            "every route passes an avoided node: "
            + ", ".join(sorted(set(found.nodes()) & found.query.constraints.avoid_nodes))
        ),
    ),
    _limit(
        "avoid_modes",
        frozenset(),
        Objective.FASTEST,
        lambda found: (
            "every route needs an avoided mode: "
            + ", ".join(sorted(m.value for m in set(found.modes()) & found.query.constraints.avoid_modes))
        ),
    ),
    _limit("avoid_operators", frozenset(), Objective.FASTEST, lambda _found: "every route uses an avoided operator"),
    Relaxation(
        "shipment.cargo_class",
        Objective.FASTEST,
        applies=lambda query: query.shipment.cargo_class is not CargoClass.GENERAL,
        relax=lambda query: replace(query, shipment=replace(query.shipment, cargo_class=CargoClass.GENERAL)),
        describe=_refused_cargo,
    ),
    # A permission the query did not give rather than a limit it sets: offered on its own, but not granted when
    # the constraints are dropped together (that answer is about the limits).
    Relaxation(
        "constraints.allow_deconsolidation",
        Objective.FASTEST,
        applies=lambda query: not query.shipment.is_loose and not query.constraints.allow_deconsolidation,
        relax=lambda query: replace(query, constraints=replace(query.constraints, allow_deconsolidation=True)),
        describe=lambda _found: (
            "containers cannot fly; the only routes need de-consolidation at an airport (set allow_deconsolidation)"
        ),
        joint=False,
    ),
)
"""Rows in the order their sentences are listed."""


def explain_no_route(network: Network, query: RouteQuery, should_stop: Callable[[], str | None] | None = None) -> str:
    """A sentence (or a few) saying why ``query`` has no route on ``network``.

    Parameters
    ----------
    network
        The snapshot the query found no route on.
    query
        The query, with every constraint it set.
    should_stop
        Optional hook polled by each relaxed search (see :func:`~engine.routing.api.find_routes`).

    Returns
    -------
    str
        The constraints whose removal alone brings routes back, each with the best value then reachable; else
        that the constraints only fail together; else that the network has no route for this shipment at all.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from engine.network import load_network
    >>> from engine.routing import Constraints, RouteQuery, Shipment
    >>> net = load_network("tests/networks/toy")
    >>> ready, two_teu = datetime(2026, 12, 1, tzinfo=UTC), Shipment(teu=2, gross_weight_kg=20000)
    >>> q = RouteQuery("ORIGIN", "DEST", ready, two_teu, constraints=Constraints(max_transfers=2))
    >>> explain_no_route(net, q)
    'no route has at most 2 transfers; the fewest is 3'
    """
    rows = [row for row in RELAXATIONS if row.applies(query)]
    reasons = []
    for row in rows:
        label = _best(network, row.relax(query), row.objective, should_stop)
        if label is not None:
            reasons.append(row.describe(RelaxedBest(network, query, label)))
    if reasons:
        return reasons[0] if len(reasons) == 1 else "relaxing any one of these gives routes: " + "; ".join(reasons)

    joint = [row for row in rows if row.joint]
    if rows:
        free = functools.reduce(lambda relaxed, row: row.relax(relaxed), joint, query)
        if _best(network, free, Objective.FASTEST, should_stop) is not None:
            names = ", ".join(row.field for row in joint)
            return f"no route satisfies these constraints together ({names}); relaxing any single one is not enough"
    shipment = query.shipment
    what = "loose cargo (it travels only by air and road)" if shipment.is_loose else f"{shipment.teu} TEU"
    return (
        f"the network has no route from {query.origin} to {query.destination} for {what} "
        f"({shipment.gross_weight_kg:,.0f} kg): check weight limits and capacity per departure"
    )
