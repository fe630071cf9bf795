"""The optimizer: OR-Tools models over a network snapshot (shipment planning, demand assignment, terminal selection).

- :func:`plan_shipment` — split a consignment across departures and routes (min-cost flow on a time-expanded
  network, ``ortools.graph.python.min_cost_flow``).
- :func:`assign_demand` — OD demand (TEU/week) onto link and terminal capacities (path LP by column generation,
  MathOpt with HiGHS), with shadow prices of the binding capacities.
- :func:`select_terminals` — rank candidate network edits by their saving and choose a set under a budget (MIP).

Each operation has one front door, like routing's ``find_routes(network, RouteQuery)``: the function above takes
the network and one request (:mod:`engine.optimize.requests`: :class:`PlanRequest`, :class:`AssignRequest`,
:class:`SelectRequest`), validated when built and checked against the network once, by the function.
:mod:`engine.optimize.export` turns the answers into
JSON types and files. Of routing, the optimizer uses only ``engine.routing`` and ``engine.routing.model``.

The formulations, what is exact and the sign conventions are in ``docs/OPTIMIZER.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.optimize.assign import Assignment, assign_demand
    from engine.optimize.capacity import Capacities, weekly_capacities
    from engine.optimize.colgen import IterationInfo
    from engine.optimize.demand import Demand, check_demand
    from engine.optimize.export import assignment_summary, plan_to_json, selection_to_json, write_assignment
    from engine.optimize.inputs import load_candidates, parse_candidates, read_bookings_csv, read_demand_csv
    from engine.optimize.plan import plan_shipment
    from engine.optimize.requests import AssignRequest, Booking, Candidate, PlanRequest, SelectRequest
    from engine.optimize.savings import saving_split
    from engine.optimize.select import CandidateEvaluation, TerminalSelection, select_terminals
    from engine.optimize.shipment import DepartureUse, PlanPart, ShipmentPlan
    from engine.optimize.values import DEFAULT_UNSERVED_USD_PER_TEU, DEFAULT_USD_PER_TEU_DAY

_MODULES = {
    "AssignRequest": "requests",
    "Assignment": "assign",
    "Booking": "requests",
    "Candidate": "requests",
    "CandidateEvaluation": "select",
    "Capacities": "capacity",
    "DEFAULT_UNSERVED_USD_PER_TEU": "values",
    "DEFAULT_USD_PER_TEU_DAY": "values",
    "Demand": "demand",
    "DepartureUse": "shipment",
    "IterationInfo": "colgen",
    "PlanPart": "shipment",
    "PlanRequest": "requests",
    "SelectRequest": "requests",
    "ShipmentPlan": "shipment",
    "TerminalSelection": "select",
    "assign_demand": "assign",
    "assignment_summary": "export",
    "check_demand": "demand",
    "load_candidates": "inputs",
    "parse_candidates": "inputs",
    "plan_to_json": "export",
    "plan_shipment": "plan",
    "read_bookings_csv": "inputs",
    "read_demand_csv": "inputs",
    "saving_split": "savings",
    "select_terminals": "select",
    "selection_to_json": "export",
    "weekly_capacities": "capacity",
    "write_assignment": "export",
}


def __getattr__(name: str) -> Any:
    """Import on first use, so ``import engine.optimize`` (and the CLI) does not load OR-Tools until needed."""
    module = _MODULES.get(name)
    if module is None:
        msg = f"module 'engine.optimize' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f"engine.optimize.{module}"), name)


__all__ = [
    "DEFAULT_UNSERVED_USD_PER_TEU",
    "DEFAULT_USD_PER_TEU_DAY",
    "AssignRequest",
    "Assignment",
    "Booking",
    "Candidate",
    "CandidateEvaluation",
    "Capacities",
    "Demand",
    "DepartureUse",
    "IterationInfo",
    "PlanPart",
    "PlanRequest",
    "SelectRequest",
    "ShipmentPlan",
    "TerminalSelection",
    "assign_demand",
    "assignment_summary",
    "check_demand",
    "load_candidates",
    "parse_candidates",
    "plan_shipment",
    "plan_to_json",
    "read_bookings_csv",
    "read_demand_csv",
    "saving_split",
    "select_terminals",
    "selection_to_json",
    "weekly_capacities",
    "write_assignment",
]
