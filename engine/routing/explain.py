"""Why a query has no route: which constraint removed the last candidate, and what the best value would be.

Each hard constraint is relaxed on its own and the query re-run; a constraint whose removal brings routes back is
named with the best value the relaxed query reaches ("no route arrives by …; the earliest arrival is …"). When no
single relaxation helps, the message says the constraints only fail together, or that the network has no route at
all for this shipment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from engine.network.model import CargoClass, Mode, Network
from engine.routing.compiled import compile_network
from engine.routing.costing import QueryContext
from engine.routing.query import Constraints, Objective, RouteQuery, Shipment
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


def explain_no_route(network: Network, query: RouteQuery, should_stop: Callable[[], str | None] | None = None) -> str:
    """A sentence (or a few) saying why ``query`` has no route on ``network``."""
    c = query.constraints
    relaxations: list[tuple[str, Constraints | None, Shipment | None, Callable[[Label], str]]] = []
    if c.arrive_by is not None:
        relaxations.append(
            (
                "constraints.arrive_by",
                replace(c, arrive_by=None),
                None,
                lambda lab: (
                    f"no route arrives by {c.arrive_by:%Y-%m-%dT%H:%MZ}; the earliest arrival is "
                    f"{_iso(lab.vector[ARRIVE])}"
                ),
            )
        )
    if c.max_cost_usd is not None:
        relaxations.append(
            (
                "constraints.max_cost_usd",
                replace(c, max_cost_usd=None),
                None,
                lambda lab: (
                    f"no route costs at most {c.max_cost_usd:,.2f} USD; the cheapest costs "
                    f"{lab.vector[COST] / 100:,.2f} USD"
                ),
            )
        )
    if c.max_co2e_kg is not None:
        relaxations.append(
            (
                "constraints.max_co2e_kg",
                replace(c, max_co2e_kg=None),
                None,
                lambda lab: (
                    f"no route emits at most {c.max_co2e_kg:,.1f} kg CO2e; the lowest emits "
                    f"{lab.vector[CO2E] / 1000:,.1f} kg"
                ),
            )
        )
    if c.max_transfers is not None:
        relaxations.append(
            (
                "constraints.max_transfers",
                replace(c, max_transfers=None),
                None,
                lambda lab: f"no route has at most {c.max_transfers} transfers; the fewest is {lab.vector[TRANSFERS]}",
            )
        )
    if c.via:
        relaxations.append(
            (
                "constraints.via",
                replace(c, via=()),
                None,
                lambda lab: f"no route passes {' then '.join(c.via)}; without that requirement routes exist",
            )
        )
    if c.avoid_countries:
        relaxations.append(
            (
                "constraints.avoid_countries",
                replace(c, avoid_countries=frozenset()),
                None,
                lambda lab: (
                    "every route crosses an avoided country: "
                    + ", ".join(sorted(set(_countries(network, lab)) & c.avoid_countries))
                ),
            )
        )
    if c.avoid_nodes:
        relaxations.append(
            (
                "constraints.avoid_nodes",
                replace(c, avoid_nodes=frozenset()),
                None,
                lambda lab: (
                    "every route passes an avoided node: "
                    + ", ".join(sorted(set(_nodes(network, lab)) & c.avoid_nodes))
                ),
            )
        )
    if c.avoid_modes:
        relaxations.append(
            (
                "constraints.avoid_modes",
                replace(c, avoid_modes=frozenset()),
                None,
                lambda lab: (
                    "every route needs an avoided mode: "
                    + ", ".join(sorted(m.value for m in set(_modes(network, lab)) & c.avoid_modes))
                ),
            )
        )
    if c.avoid_operators:
        relaxations.append(
            (
                "constraints.avoid_operators",
                replace(c, avoid_operators=frozenset()),
                None,
                lambda lab: "every route uses an avoided operator",
            )
        )
    shipment = query.shipment
    if shipment.cargo_class is not CargoClass.GENERAL:
        relaxations.append(
            (
                "shipment.cargo_class",
                None,
                replace(shipment, cargo_class=CargoClass.GENERAL),
                lambda lab: (
                    f"no route accepts {shipment.cargo_class.value} cargo "
                    + (
                        "(hazmat never flies; some ferries refuse it)"
                        if shipment.cargo_class is CargoClass.HAZMAT
                        else "(reefers need power where they change vehicle)"
                    )
                ),
            )
        )
    if not shipment.is_loose and not c.allow_deconsolidation:
        relaxations.append(
            (
                "constraints.allow_deconsolidation",
                replace(c, allow_deconsolidation=True),
                None,
                lambda lab: (
                    "containers cannot fly; the only routes need de-consolidation at an airport "
                    "(set allow_deconsolidation)"
                ),
            )
        )

    reasons = []
    for _field, constraints, new_shipment, describe in relaxations:
        relaxed = replace(query, constraints=constraints or c, shipment=new_shipment or shipment)
        objective = _objective_for(_field)
        label = _best(network, relaxed, objective, should_stop)
        if label is not None:
            reasons.append(describe(label))
    if reasons:
        return reasons[0] if len(reasons) == 1 else "relaxing any one of these gives routes: " + "; ".join(reasons)

    if relaxations:
        free = replace(
            query,
            constraints=Constraints(allow_deconsolidation=c.allow_deconsolidation),
            shipment=replace(shipment, cargo_class=CargoClass.GENERAL),
        )
        if _best(network, free, Objective.FASTEST, should_stop) is not None:
            names = ", ".join(field for field, *_ in relaxations if field != "constraints.allow_deconsolidation")
            return f"no route satisfies these constraints together ({names}); relaxing any single one is not enough"
    what = "loose cargo (it travels only by air and road)" if shipment.is_loose else f"{shipment.teu} TEU"
    return (
        f"the network has no route from {query.origin} to {query.destination} for {what} "
        f"({shipment.gross_weight_kg:,.0f} kg): check weight limits and capacity per departure"
    )


def _objective_for(field: str) -> Objective:
    return {
        "constraints.arrive_by": Objective.FASTEST,
        "constraints.max_cost_usd": Objective.CHEAPEST,
        "constraints.max_co2e_kg": Objective.LOWEST_CO2E,
        "constraints.max_transfers": Objective.FEWEST_TRANSFERS,
    }.get(field, Objective.FASTEST)


def _chain(label: Label) -> list[Label]:
    chain = []
    while label.parent is not None:
        chain.append(label)
        label = label.parent
    return chain[::-1]


def _nodes(network: Network, label: Label) -> list[str]:
    compiled = compile_network(network)
    return [compiled.node_ids[item.node] for item in _chain(label)]


def _countries(network: Network, label: Label) -> list[str]:
    return [network.nodes[n].country for n in _nodes(network, label)]


def _modes(network: Network, label: Label) -> list[Mode]:
    compiled = compile_network(network)
    return [compiled.link_mode[item.link] for item in _chain(label)]
