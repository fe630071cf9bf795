"""The optimizer's ``corridor`` subcommands: arguments → library calls → text and files.

- ``corridor plan ORIGIN DEST [--scenario FILE ...] --teu 300 --ready 2026-12-01T00:00Z [--horizon-days 30]
  [--bookings FILE]`` —
  split a consignment across departures (:func:`engine.optimize.plan_shipment`).
- ``corridor assign DEMAND.csv [--scenario FILE ...] --out DIR [--format parquet|csv]`` — assign a demand matrix
  (:func:`engine.optimize.assign_demand`) and write its frames.
- ``corridor select-terminals CANDIDATES.yaml DEMAND.csv --budget-usd N [--out DIR]`` — rank candidate additions
  and choose a set under the budget (:func:`engine.optimize.select_terminals`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine.cli.args import (
    add_constraint_options,
    add_network_option,
    add_scenario_option,
    constraints_from_args,
    load_network_option,
    parse_containers,
    parse_time,
    resolve_node,
    scenario_line,
)
from engine.cli.optimize_text import format_assignment, format_plan, format_selection
from engine.errors import FieldProblem, InvalidRequest
from engine.network import CargoClass
from engine.optimize.export import plan_to_json, selection_to_json, write_assignment
from engine.optimize.values import DEFAULT_UNSERVED_USD_PER_TEU, DEFAULT_USD_PER_TEU_DAY, MAX_MARGINS

CLI_MARGINS = 10
"""Binding capacities whose margins ``corridor assign`` measures unless told (up to three re-solves each, ~30 ms
apiece on the shipped network; the library and the gRPC service measure none unless asked)."""

if TYPE_CHECKING:
    from engine.optimize import AssignRequest, Demand

# The optimizer (and OR-Tools) is imported by the handlers that use it, so other commands start fast.


def _plan_teu(args: argparse.Namespace) -> int:
    """The consignment's TEU from ``--teu`` or ``--containers`` (they must agree when both are given)."""
    if args.containers is None:
        if args.teu is None:
            raise InvalidRequest.single("--teu", "is required (or give --containers, e.g. 40ft:100)")
        return int(args.teu)
    teu = sum(kind.teu * count for kind, count in parse_containers(args.containers))
    if args.teu is not None and args.teu != teu:
        raise InvalidRequest.single("--teu", f"must agree with --containers ({teu} TEU), got {args.teu}")
    return teu


def add_optimize_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan``, ``assign`` and ``select-terminals`` to the top-level subcommands."""
    _add_plan(commands)
    _add_assign(commands)
    _add_select(commands)


def _add_plan(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = commands.add_parser(
        "plan",
        help="split a consignment across departures and routes (capacity-aware)",
        description="Plan a large consignment: as much as fits within the horizon, at least cost plus lateness. "
        "ORIGIN and DEST may be ids, names, aliases or LOCODEs.",
    )
    plan.add_argument("origin", metavar="ORIGIN")
    plan.add_argument("destination", metavar="DEST")
    add_network_option(plan)
    add_scenario_option(plan)
    plan.add_argument("--teu", type=int, default=None, help="consignment size in TEU (or give --containers)")
    plan.add_argument(
        "--containers",
        default=None,
        metavar="TYPE:N,...",
        help="boxes by type, e.g. 40ft:100,20ft:3; the plan moves them as TEU lots priced by the --teu shorthand",
    )
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
    add_constraint_options(plan, search_limits=False)
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
    add_network_option(assign)
    add_scenario_option(assign, "--edits")
    assign.add_argument("--out", type=Path, required=True, help="directory for the result files")
    assign.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    assign.add_argument(
        "--margins",
        type=_margins_count,
        default=CLI_MARGINS,
        metavar="N",
        help="measure what one TEU/week more saves and one less costs for the N dearest binding capacities, and "
        f"what expanding the line each binds with saves, by exact re-solves (default {CLI_MARGINS}; 0 to "
        f"{MAX_MARGINS}; a shadow price alone can overstate what one more TEU/week saves)",
    )
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
    add_network_option(select)
    add_scenario_option(select)
    select.add_argument("--budget-usd", type=float, required=True, help="capital budget in USD")
    select.add_argument("--no-interactions", action="store_true", help="treat savings as additive (no pair runs)")
    select.add_argument("--solver", choices=("highs", "scip"), default="highs", help="MIP engine")
    select.add_argument("--out", type=Path, default=None, help="also write ranking.csv and summary.json here")
    _assign_options(select)
    select.set_defaults(handler=_cmd_select)


def _cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    from engine.optimize import PlanRequest, plan_shipment, read_bookings_csv
    from engine.optimize.requests import MAX_HORIZON

    network = load_network_option(args)
    constraints = constraints_from_args(args, network)
    if not 0 < args.horizon_days <= MAX_HORIZON.days:  # also nan; timedelta(days=1e300) would overflow
        raise InvalidRequest.single("--horizon-days", f"must be > 0 and <= 120 days, got {args.horizon_days:g}")
    request = PlanRequest(
        origin=resolve_node(network, args.origin, "origin"),
        destination=resolve_node(network, args.destination, "destination"),
        teu=_plan_teu(args),
        ready=parse_time(args.ready, "ready"),
        horizon=timedelta(days=args.horizon_days),
        constraints=constraints,
        cargo_class=CargoClass(args.cargo_class),
        gross_kg_per_teu=args.kg_per_teu,
        usd_per_teu_day=args.usd_per_teu_day,
        due=None if args.due is None else parse_time(args.due, "due"),
        bookings=() if args.bookings is None else read_bookings_csv(args.bookings),
    )
    plan = plan_shipment(network, request)
    if args.json:
        json.dump(plan_to_json(plan), out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        out.write(scenario_line(network))
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


def _margins_count(text: str) -> int:
    """``--margins``: a whole number from 0 to :data:`MAX_MARGINS` (argparse names the flag when it is not)."""
    try:
        count = int(text)
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_MARGINS:
        message = f"must be a whole number from 0 to {MAX_MARGINS}, got {text!r}"
        raise argparse.ArgumentTypeError(message)
    return count


def _assign_request(args: argparse.Namespace, demand: Sequence[Demand], margins: int = 0) -> AssignRequest:
    """The assignment the ``assign`` and ``select-terminals`` options describe (see ``_assign_options``)."""
    from engine.optimize import AssignRequest

    return AssignRequest(
        tuple(demand),
        _capacity_overrides(args.capacity),
        usd_per_teu_day=args.usd_per_teu_day,
        unserved_usd_per_teu=args.unserved_usd_per_teu,
        gap=args.gap,
        margins=margins,
    )


def _cmd_assign(args: argparse.Namespace, out: TextIO) -> int:
    from engine.optimize import assign_demand, read_demand_csv

    network = load_network_option(args)
    demand = read_demand_csv(args.demand, network)
    result = assign_demand(network, _assign_request(args, demand, args.margins))
    written = write_assignment(result, args.out, args.format)
    out.write(format_assignment(result, args.margins))
    out.write(f"wrote {', '.join(str(p) for p in written)}\n")
    return 0


def _cmd_select(args: argparse.Namespace, out: TextIO) -> int:
    from engine.optimize import SelectRequest, load_candidates, read_demand_csv, select_terminals

    network = load_network_option(args)
    candidates = load_candidates(args.candidates, network)
    demand = read_demand_csv(args.demand, network)
    request = SelectRequest(
        candidates=candidates,
        budget_usd=args.budget_usd,
        assignment=_assign_request(args, demand),
        interactions=not args.no_interactions,
        solver=args.solver,
    )
    selection = select_terminals(network, request)
    out.write(format_selection(selection))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        selection.ranking().write_csv(args.out / "ranking.csv")
        (args.out / "summary.json").write_text(
            json.dumps(selection_to_json(selection), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        out.write(f"wrote {args.out / 'ranking.csv'}, {args.out / 'summary.json'}\n")
    return 0
