"""Optimizer answers as plain JSON types and files (next to :mod:`engine.routing`'s route export).

- :func:`plan_to_json` — a :class:`~engine.optimize.ShipmentPlan`;
- :func:`assignment_summary` / :func:`write_assignment` — the scalars of an
  :class:`~engine.optimize.Assignment`, and its frames written as Parquet or CSV with ``summary.json``;
- :func:`selection_to_json` — a :class:`~engine.optimize.TerminalSelection`.

Times are ISO 8601 strings, money USD, flows TEU per week, CO2e kg, as in the result types.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module at start-up: no OR-Tools until an optimizer command runs
    from engine.optimize.assign import Assignment
    from engine.optimize.select import TerminalSelection
    from engine.optimize.shipment import ShipmentPlan


def plan_to_json(plan: ShipmentPlan) -> dict[str, object]:
    """A plan as plain JSON types."""
    return {
        "origin": plan.request.origin,
        "destination": plan.request.destination,
        "teu": plan.request.teu,
        "ready": plan.request.ready.isoformat(),
        "network": plan.network,
        "moved_teu": plan.moved_teu,
        "unmoved_teu": plan.unmoved_teu,
        "cost_usd": plan.cost_usd,
        "lateness_usd": plan.lateness_usd,
        "co2e_kg": plan.co2e_kg,
        "explanation": plan.explanation,
        "parts": [
            {
                "teu": p.teu,
                "depart": p.depart.isoformat(),
                "arrive": p.arrive.isoformat(),
                "cost_usd": p.cost_usd,
                "cost_usd_per_teu": p.cost_usd_per_teu,
                "lateness_usd": p.lateness_usd,
                "co2e_kg": p.co2e_kg,
                "departures": [
                    {"link_id": d.link_id, "service_id": d.service_id, "depart": d.depart.isoformat()}
                    for d in p.departures
                ],
            }
            for p in plan.parts
        ],
        "binding": [
            {
                "link_id": d.link_id,
                "service_id": d.service_id,
                "depart": d.depart.isoformat(),
                "capacity_teu": d.capacity_teu,
                "booked_teu": d.booked_teu,
                "planned_teu": d.planned_teu,
            }
            for d in plan.binding
        ],
    }


def write_assignment(result: Assignment, directory: Path, file_format: str) -> list[Path]:
    """Write the frames (links, nodes, routes, commodities, shadow_prices) and ``summary.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    frames = {
        "links": result.links,
        "nodes": result.nodes,
        "routes": result.routes,
        "commodities": result.commodities,
        "shadow_prices": result.shadow_prices,
    }
    for name, frame in frames.items():
        path = directory / f"{name}.{file_format}"
        if file_format == "parquet":
            frame.write_parquet(path)
        else:
            frame.write_csv(path)
        written.append(path)
    summary = directory / "summary.json"
    summary.write_text(json.dumps(assignment_summary(result), indent=1), encoding="utf-8")
    written.append(summary)
    return written


def assignment_summary(result: Assignment) -> dict[str, object]:
    """The scalar results of an assignment."""
    return {
        "network": result.network,
        "status": result.status,
        "objective_usd_per_week": result.objective_usd_per_week,
        "lower_bound_usd_per_week": result.lower_bound_usd_per_week,
        "gap": result.gap,
        "freight_usd_per_week": result.freight_usd_per_week,
        "teu_hours_per_week": result.teu_hours_per_week,
        "co2e_kg_per_week": result.co2e_kg_per_week,
        "served_teu_per_week": result.served_teu_per_week,
        "unserved_teu_per_week": result.unserved_teu_per_week,
        "unserved_penalty_usd_per_week": result.unserved_penalty_usd_per_week,
        "iterations": result.iterations,
        "columns": result.columns,
        "solver": result.solver,
        "usd_per_teu_day": result.usd_per_teu_day,
        "weeks_per_year": result.weeks_per_year,
        # the generalized cost in its parts (real cost is money; time value and unserved penalty are notional)
        "cost_split": result.cost_split(),
    }


def selection_to_json(selection: TerminalSelection) -> dict[str, object]:
    """The selection as plain JSON types (the ranking rows, pairs and chosen set)."""
    return {
        "baseline": assignment_summary(selection.baseline),
        "ranking": selection.ranking().to_dicts(),
        "pairs": [
            {"a": a, "b": b, "saving_usd_per_week": s, "interaction_usd_per_week": i} for a, b, s, i in selection.pairs
        ],
        "exclusive": [{"a": a, "b": b, "reason": why} for a, b, why in selection.exclusive],
        "chosen": list(selection.chosen),
        "budget_usd": selection.budget_usd,
        "spent_usd": selection.spent_usd,
        "predicted_saving_usd_per_week": selection.predicted_saving_usd_per_week,
        "saving_usd_per_week": selection.saving_usd_per_week,
        "saving_split": selection.saving_split(),
        "combined": None if selection.combined is None else assignment_summary(selection.combined),
    }
