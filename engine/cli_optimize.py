"""The optimizer's ``corridor`` subcommands: arguments → library calls → text and files.

- ``corridor plan ORIGIN DEST --teu 300 --ready 2026-12-01T00:00Z [--horizon-days 30] [--bookings FILE]`` —
  split a consignment across departures (:func:`engine.optimize.plan_shipment`).
- ``corridor assign DEMAND.csv [--edits FILE] --out DIR [--format parquet|csv]`` — assign a demand matrix
  (:func:`engine.optimize.assign_demand`) and write its frames.
- ``corridor select-terminals CANDIDATES.yaml DEMAND.csv --budget-usd N [--out DIR]`` — rank candidate additions
  and choose a set under the budget (:func:`engine.optimize.select_terminals`).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine.errors import FieldProblem, InvalidRequest
from engine.network import CargoClass, Network, load_network
from engine.network.paths import default_network_dir
from engine.optimize.values import DEFAULT_UNSERVED_USD_PER_TEU, DEFAULT_USD_PER_TEU_DAY
from engine.routing import Constraints

if TYPE_CHECKING:
    from engine.optimize import Assignment, ShipmentPlan, TerminalSelection

# The optimizer (and OR-Tools) is imported by the handlers that use it, so other commands start fast.


def add_optimize_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan``, ``assign`` and ``select-terminals`` to the top-level subcommands."""
    _add_plan(commands)
    _add_assign(commands)
    _add_select(commands)


def _network_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--network", type=Path, default=None, help=f"network directory (default: {default_network_dir()})"
    )


def _load(args: argparse.Namespace) -> Network:
    return load_network(args.network if args.network is not None else default_network_dir())


def _add_plan(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = commands.add_parser(
        "plan",
        help="split a consignment across departures and routes (capacity-aware)",
        description="Plan a large consignment: as much as fits within the horizon, at least cost plus lateness. "
        "ORIGIN and DEST may be ids, names, aliases or LOCODEs.",
    )
    plan.add_argument("origin", metavar="ORIGIN")
    plan.add_argument("destination", metavar="DEST")
    _network_argument(plan)
    plan.add_argument("--teu", type=int, required=True, help="consignment size in TEU")
    plan.add_argument("--ready", required=True, help="when the cargo is ready, ISO 8601 with a zone")
    plan.add_argument("--horizon-days", type=float, default=30.0, help="arrivals count up to this many days later")
    plan.add_argument(
        "--usd-per-teu-day",
        type=float,
        default=DEFAULT_USD_PER_TEU_DAY,
        help=f"price of lateness per TEU-day (default {DEFAULT_USD_PER_TEU_DAY:g})",
    )
    plan.add_argument("--due", default=None, help="lateness counts from this time (default: --ready)")
    plan.add_argument("--kg-per-teu", type=float, default=10_000.0, help="gross weight per TEU (default 10,000)")
    plan.add_argument("--cargo-class", choices=[c.value for c in CargoClass], default="general")
    plan.add_argument("--avoid-countries", default="", help="comma-separated ISO codes, e.g. RU,BY")
    plan.add_argument("--avoid-nodes", default="", help="comma-separated node ids or names")
    plan.add_argument("--avoid-modes", default="", help="comma-separated modes: rail, ferry, sea, road, air")
    plan.add_argument("--avoid-operators", default="", help="comma-separated operator names")
    plan.add_argument("--arrive-by", default=None, help="latest arrival, ISO 8601 with a zone")
    plan.add_argument("--bookings", type=Path, default=None, help="CSV of reserved capacity (service_id,depart,teu)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(handler=_cmd_plan)


def _add_assign(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    assign = commands.add_parser(
        "assign",
        help="assign an OD demand matrix (TEU/week) to the network with capacities",
        description="Assign demand to links and terminals under their weekly capacities; write flows, routes, "
        "unserved demand and the shadow price of every binding capacity.",
    )
    assign.add_argument("demand", type=Path, metavar="DEMAND.csv")
    _network_argument(assign)
    assign.add_argument("--edits", type=Path, default=None, help="scenario edits (YAML) applied first")
    assign.add_argument("--out", type=Path, required=True, help="directory for the result files")
    assign.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    _assign_options(assign)
    assign.set_defaults(handler=_cmd_assign)


def _assign_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--usd-per-teu-day",
        type=float,
        default=DEFAULT_USD_PER_TEU_DAY,
        help=f"value of time (default {DEFAULT_USD_PER_TEU_DAY:g})",
    )
    parser.add_argument(
        "--unserved-usd-per-teu",
        type=float,
        default=DEFAULT_UNSERVED_USD_PER_TEU,
        help=f"penalty per unserved TEU/week (default {DEFAULT_UNSERVED_USD_PER_TEU:g})",
    )
    parser.add_argument("--gap", type=float, default=1e-6, help="stop at this relative optimality gap")
    parser.add_argument(
        "--capacity",
        action="append",
        default=[],
        metavar="ID=TEU",
        help="override a link or node capacity in TEU/week ('none' removes it); repeatable",
    )


def _add_select(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    select = commands.add_parser(
        "select-terminals",
        help="rank candidate additions and choose the best set under a budget",
        description="Assign the demand with each candidate (and each affordable pair), rank them by weekly "
        "saving, and choose a set within the budget with a MIP.",
    )
    select.add_argument("candidates", type=Path, metavar="CANDIDATES.yaml")
    select.add_argument("demand", type=Path, metavar="DEMAND.csv")
    _network_argument(select)
    select.add_argument("--budget-usd", type=float, required=True, help="capital budget in USD")
    select.add_argument("--no-interactions", action="store_true", help="treat savings as additive (no pair runs)")
    select.add_argument("--solver", choices=("highs", "scip"), default="highs", help="MIP engine")
    select.add_argument("--out", type=Path, default=None, help="also write ranking.csv and summary.json here")
    _assign_options(select)
    select.set_defaults(handler=_cmd_select)


# ------------------------------------------------------------------------------------------------ handlers


def _cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    from engine import cli as base
    from engine.optimize.plan import MAX_HORIZON, plan_shipment, read_bookings_csv

    network = _load(args)
    index = network.node_index
    constraints = Constraints(
        avoid_countries=frozenset(c.upper() for c in base._csv_list(args.avoid_countries)),
        avoid_nodes=frozenset(index.resolve(n, "constraints.avoid_nodes").id for n in base._csv_list(args.avoid_nodes)),
        avoid_modes=frozenset(base._mode(m) for m in base._csv_list(args.avoid_modes)),
        avoid_operators=frozenset(base._csv_list(args.avoid_operators)),
        arrive_by=None if args.arrive_by is None else base._parse_time(args.arrive_by, "constraints.arrive_by"),
    )
    if not 0 < args.horizon_days <= MAX_HORIZON.days:  # also nan; timedelta(days=1e300) would overflow
        raise InvalidRequest.single("--horizon-days", f"must be > 0 and <= 120 days, got {args.horizon_days:g}")
    plan = plan_shipment(
        network,
        index.resolve(args.origin, "origin").id,
        index.resolve(args.destination, "destination").id,
        args.teu,
        base._parse_time(args.ready, "ready"),
        timedelta(days=args.horizon_days),
        constraints,
        cargo_class=CargoClass(args.cargo_class),
        gross_kg_per_teu=args.kg_per_teu,
        usd_per_teu_day=args.usd_per_teu_day,
        due=None if args.due is None else base._parse_time(args.due, "due"),
        bookings=() if args.bookings is None else read_bookings_csv(args.bookings),
    )
    if args.json:
        json.dump(plan_to_json(plan), out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        out.write(format_plan(network, plan))
    return 0 if plan.unmoved_teu == 0 else 3


def _capacity_overrides(items: list[str]) -> dict[str, float | None]:
    overrides: dict[str, float | None] = {}
    for item in items:
        element, sep, value = item.partition("=")
        if not sep or not element.strip():
            raise InvalidRequest([FieldProblem("--capacity", f"must be ID=TEU, got {item!r}")])
        if value.strip().lower() in ("none", "null", ""):
            overrides[element.strip()] = None
            continue
        try:
            overrides[element.strip()] = float(value)
        except ValueError as exc:
            msg = f"must be a number of TEU/week or 'none', got {value!r}"
            raise InvalidRequest([FieldProblem(f"--capacity {element.strip()}", msg)]) from exc
    return overrides


def _cmd_assign(args: argparse.Namespace, out: TextIO) -> int:
    from engine.network.scenario import apply_edits, load_scenario
    from engine.optimize import assign_demand, read_demand_csv

    network = _load(args)
    if args.edits is not None:
        network = apply_edits(network, load_scenario(args.edits))
    demand = read_demand_csv(args.demand, network)
    result = assign_demand(
        network,
        demand,
        _capacity_overrides(args.capacity),
        usd_per_teu_day=args.usd_per_teu_day,
        unserved_usd_per_teu=args.unserved_usd_per_teu,
        gap=args.gap,
    )
    written = write_assignment(result, args.out, args.format)
    out.write(format_assignment(result))
    out.write(f"wrote {', '.join(str(p) for p in written)}\n")
    return 0


def _cmd_select(args: argparse.Namespace, out: TextIO) -> int:
    from engine.optimize import load_candidates, read_demand_csv, select_terminals

    network = _load(args)
    candidates = load_candidates(args.candidates, network)
    demand = read_demand_csv(args.demand, network)
    selection = select_terminals(
        network,
        candidates,
        demand,
        args.budget_usd,
        capacities=_capacity_overrides(args.capacity),
        interactions=not args.no_interactions,
        solver=args.solver,
        usd_per_teu_day=args.usd_per_teu_day,
        unserved_usd_per_teu=args.unserved_usd_per_teu,
        gap=args.gap,
    )
    out.write(format_selection(selection))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        selection.ranking().write_csv(args.out / "ranking.csv")
        (args.out / "summary.json").write_text(
            json.dumps(selection_to_json(selection), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        out.write(f"wrote {args.out / 'ranking.csv'}, {args.out / 'summary.json'}\n")
    return 0


# ------------------------------------------------------------------------------------------------ rendering


def _hm(moment: datetime) -> str:
    from engine.cli import format_time  # the base CLI imports this module, so import it when rendering

    return format_time(moment)


def format_plan(network: Network, plan: ShipmentPlan) -> str:
    """A plan as text: totals, one block per part with its legs, and the binding departures."""
    from engine import cli as base

    r = plan.request
    origin, destination = network.nodes[r.origin], network.nodes[r.destination]
    lines = [
        f"{origin.name} ({origin.id}) → {destination.name} ({destination.id}): {r.teu} TEU ready {_hm(r.ready)}, "
        f"horizon {r.horizon.total_seconds() / 86400:g} days, lateness {r.usd_per_teu_day:g} USD/TEU-day",
        f"moved {plan.moved_teu} TEU in {len(plan.parts)} part(s), {plan.unmoved_teu} TEU left behind; "
        f"cost {plan.cost_usd:,.0f} USD + lateness {plan.lateness_usd:,.0f} USD, {plan.co2e_kg:,.0f} kg CO2e "
        f"({plan.departures_considered} departures considered)",
    ]
    if plan.explanation:
        lines.append(plan.explanation)
    for n, part in enumerate(plan.parts, 1):
        lines.append("")
        lines.append(
            f"Part {n}: {part.teu} TEU, depart {_hm(part.depart)}, arrive {_hm(part.arrive)}, "
            f"{part.cost_usd_per_teu:,.0f} USD/TEU ({part.cost_usd:,.0f} USD), lateness {part.lateness_usd:,.0f} USD, "
            f"{part.co2e_kg:,.0f} kg CO2e"
        )
        rows = [
            (
                leg.from_id,
                leg.to_id,
                leg.mode.value,
                leg.service_id,
                _hm(leg.depart),
                _hm(leg.arrive),
                f"{leg.wait_h:.1f}",
            )
            for leg in part.route.legs
        ]
        lines += base._table(("from", "to", "mode", "service", "depart", "arrive", "wait h"), rows)
    if plan.binding:
        lines.append("")
        title = "Full departures limiting the plan" if plan.unmoved_teu else "Full departures the plan uses"
        lines.append(f"{title} ({len(plan.binding)}):")
        full = [
            (d.link_id, d.service_id, _hm(d.depart), str(d.capacity_teu), f"{d.booked_teu:g}", str(d.planned_teu))
            for d in plan.binding
        ]
        lines += base._table(("link", "service", "depart", "free TEU", "booked", "planned"), full)
    return "\n".join(lines) + "\n"


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
    }


def format_assignment(result: Assignment) -> str:
    """Totals and the binding capacities with their shadow prices."""
    from engine import cli as base

    lines = [
        f"assignment on {result.network}: {result.status} after {result.iterations} iterations "
        f"({result.columns} routes generated, {result.solver}), gap {result.gap:.2e}",
        f"served {result.served_teu_per_week:,.1f} TEU/week, unserved {result.unserved_teu_per_week:,.1f} TEU/week; "
        f"freight {result.freight_usd_per_week:,.0f} USD/week, {result.teu_hours_per_week:,.0f} TEU-hours/week, "
        f"{result.co2e_kg_per_week / 1000:,.1f} t CO2e/week; generalized cost {result.objective_usd_per_week:,.0f} "
        "USD/week",
    ]
    if result.shadow_prices.height:
        lines.append("")
        lines.append("Binding capacities (shadow price: USD/week saved per extra TEU/week of capacity)")
        rows = [
            (e, i, f"{c:,.0f}", f"{f:,.0f}", f"{p:,.2f}")
            for e, i, c, f, p in result.shadow_prices.select(
                "element", "id", "capacity_teu_per_week", "flow_teu_per_week", "shadow_price_usd_per_teu"
            ).iter_rows()
        ]
        lines += base._table(("element", "id", "capacity TEU/wk", "flow TEU/wk", "shadow USD/TEU"), rows)
    else:
        lines.append("No capacity binds.")
    unserved = result.unserved
    if unserved.height:
        lines.append("")
        lines.append(f"Unserved demand ({unserved.height} OD rows):")
        left = [
            (s, o, d, f"{u:,.1f}")
            for s, o, d, u in unserved.select("segment", "origin", "destination", "unserved_teu_per_week")
            .sort("unserved_teu_per_week", descending=True)
            .head(10)
            .iter_rows()
        ]
        lines += base._table(("segment", "origin", "destination", "TEU/week"), left)
    return "\n".join(lines) + "\n"


def format_selection(selection: TerminalSelection) -> str:
    """The ranking, the pair interactions and the chosen set."""
    from engine import cli as base

    lines = [
        f"baseline: {selection.baseline.objective_usd_per_week:,.0f} USD/week generalized cost, "
        f"{selection.baseline.unserved_teu_per_week:,.1f} TEU/week unserved",
        "",
        "Candidates by weekly saving",
    ]
    ranking = selection.ranking()
    rows = [
        (
            str(r["rank"]),
            r["id"],
            f"{r['cost_usd'] / 1e6:,.1f}",
            f"{r['saving_usd_per_week']:,.0f}",
            "—" if r["payback_weeks"] is None else f"{r['payback_weeks']:,.0f}",
            f"{r['delta_teu_hours_per_week']:,.0f}",
            f"{r['delta_co2e_kg_per_week'] / 1000:,.1f}",
            f"{r['delta_unserved_teu_per_week']:,.1f}",
            "yes" if r["chosen"] else "",
        )
        for r in ranking.iter_rows(named=True)
    ]
    lines += base._table(
        (
            "#",
            "candidate",
            "cost M USD",
            "saving USD/wk",
            "payback wk",
            "Δ TEU-h/wk",
            "Δ t CO2e/wk",
            "Δ unserved",
            "chosen",
        ),
        rows,
    )
    if selection.pairs:
        lines.append("")
        lines.append("Pairs (interaction = pair saving − the two single savings; > 0 complements, < 0 substitutes)")
        lines += base._table(
            ("a", "b", "saving USD/wk", "interaction USD/wk"),
            [(a, b, f"{s:,.0f}", f"{i:,.0f}") for a, b, s, i in selection.pairs],
        )
    lines.append("")
    chosen = ", ".join(selection.chosen) or "nothing"
    lines.append(
        f"Chosen within {selection.budget_usd:,.0f} USD ({selection.solver} MIP): {chosen}; "
        f"cost {selection.spent_usd:,.0f} USD, predicted saving {selection.predicted_saving_usd_per_week:,.0f} "
        f"USD/week, assigned together {selection.saving_usd_per_week:,.0f} USD/week"
    )
    return "\n".join(lines) + "\n"


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
        "combined": None if selection.combined is None else assignment_summary(selection.combined),
    }
