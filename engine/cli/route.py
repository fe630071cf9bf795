"""``corridor route``: find routes between two nodes and print them as text, JSON or GeoJSON.

``corridor route ORIGIN DEST --ready 2026-12-01T00:00Z --teu 2 [--avoid-countries RU,BY] [--objective pareto]
[--json | --geojson FILE]`` — ORIGIN and DEST resolve by id, name, alias or LOCODE.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

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
from engine.cli.text import format_time, table
from engine.network import CargoClass, Network
from engine.routing import (
    Objective,
    Route,
    RouteQuery,
    RouteResult,
    Shipment,
    Weights,
    find_routes,
    result_to_json,
    routes_to_geojson,
)

DEFAULT_KG_PER_TEU = 10_000.0
"""Gross weight assumed per TEU when ``--weight-kg`` is not given (loose cargo counts as one TEU's worth)."""


def add_route_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``route`` to the top-level subcommands."""
    route = commands.add_parser(
        "route",
        help="find routes between two nodes",
        description="Find routes. ORIGIN and DEST may be ids, names, aliases or LOCODEs "
        "(case- and accent-insensitive).",
    )
    route.add_argument("origin", metavar="ORIGIN")
    route.add_argument("destination", metavar="DEST")
    add_network_option(route)
    add_scenario_option(route)
    route.add_argument(
        "--ready", required=True, help="when the cargo is ready, ISO 8601 with a zone, e.g. 2026-12-01T00:00Z"
    )
    route.add_argument(
        "--teu", type=int, default=2, help="containers in TEU (a 40ft box is 2); 0 = loose cargo (default 2)"
    )
    route.add_argument(
        "--containers",
        default=None,
        metavar="TYPE:N,...",
        help="boxes by type, e.g. 40ft:1,20ft:2 (types 20ft, 40ft, 40ft_hc, 40ft_reefer); replaces --teu",
    )
    route.add_argument("--weight-kg", type=float, default=None, help="gross weight in kg (default 10,000 per TEU)")
    route.add_argument("--cargo-class", choices=[c.value for c in CargoClass], default="general")
    route.add_argument("--objective", choices=[o.value for o in Objective], default="pareto")
    route.add_argument("--max-routes", type=int, default=5)
    add_constraint_options(route, search_limits=True)
    route.add_argument("--usd-per-hour", type=float, default=0.0, help="value of time for --objective weighted")
    route.add_argument("--usd-per-transfer", type=float, default=0.0)
    route.add_argument("--usd-per-kg-co2e", type=float, default=0.0)
    output = route.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the result as JSON")
    output.add_argument("--geojson", type=Path, metavar="FILE", help="also write the routes as GeoJSON LineStrings")
    route.add_argument(
        "--map", type=Path, metavar="FILE.html", help="also draw the routes on a map: one self-contained HTML file"
    )
    route.set_defaults(handler=_cmd_route)


def _cmd_route(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network_option(args)
    containers = () if args.containers is None else parse_containers(args.containers)
    teu = sum(kind.teu * count for kind, count in containers) if containers else args.teu
    weight = args.weight_kg if args.weight_kg is not None else DEFAULT_KG_PER_TEU * max(teu, 1)
    constraints = constraints_from_args(args, network)
    query = RouteQuery(
        origin=resolve_node(network, args.origin, "origin"),
        destination=resolve_node(network, args.destination, "destination"),
        ready=parse_time(args.ready, "ready"),
        shipment=Shipment(teu, weight, CargoClass(args.cargo_class), containers),
        objective=Objective(args.objective),
        constraints=constraints,
        max_routes=args.max_routes,
        weights=Weights(args.usd_per_hour, args.usd_per_transfer, args.usd_per_kg_co2e),
    )
    result = find_routes(network, query)
    if args.json:
        json.dump(result_to_json(result), out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        out.write(scenario_line(network))
        out.write(format_result(network, result))
    if args.geojson is not None:
        args.geojson.write_text(json.dumps(routes_to_geojson(result), ensure_ascii=False), encoding="utf-8")
        print(f"wrote {args.geojson}: {len(result.routes)} route(s)", file=out)
    if args.map is not None:
        from engine.studies.report import write_route_map  # Altair loads only for a map

        write_route_map(result, network, args.map)
        print(f"wrote {args.map}: {len(result.routes)} route(s) on a map", file=sys.stderr if args.json else out)
    return 0 if result.routes else 3


def format_result(network: Network, result: RouteResult) -> str:
    """Render routes as readable text: one block per route with a table of legs."""
    q = result.query
    origin, destination = network.nodes[q.origin], network.nodes[q.destination]
    pareto = "" if result.pareto_size < 0 else f"; {result.pareto_size} Pareto-optimal route(s)"
    lines = [
        f"{origin.name} ({origin.id}) → {destination.name} ({destination.id}), ready {format_time(q.ready_utc)}, "
        f"{_shipment_text(q.shipment)}, objective {result.objective.value}{pareto}",
    ]
    if not result.routes:
        lines.append(f"No route: {result.explanation}")
        return "\n".join(lines) + "\n"
    for n, route in enumerate(result.routes, 1):
        tags = f" [{', '.join(route.best_for)}]" if route.best_for else ""
        lines.append("")
        lines.append(
            f"Route {n}{tags}: {route.cost_usd:,.0f} USD, {route.duration_h / 24:.1f} days "
            f"(arrive {format_time(route.arrive)}), "
            f"{route.transfer_count} transfers, {route.co2e_kg:,.0f} kg CO2e, {route.distance_km:,.0f} km, "
            f"via {'-'.join(route.countries)}"
        )
        rows = [
            (
                leg.from_id,
                leg.to_id,
                leg.mode.value,
                leg.service_id,
                format_time(leg.depart),
                format_time(leg.arrive),
                f"{leg.wait_h:.1f}",
                f"{leg.distance_km:,.0f}",
                f"{leg.cost_usd:,.0f}",
                f"{leg.co2e_kg:,.0f}",
            )
            for leg in route.legs
        ]
        lines += table(("from", "to", "mode", "service", "depart", "arrive", "wait h", "km", "USD", "kg CO2e"), rows)
        c = route.cost
        lines.append(
            f"  cost: freight {c.freight_usd:,.0f} + handling {c.handling_usd:,.0f} + border {c.border_usd:,.0f}"
            f" + de-consolidation {c.deconsolidation_usd:,.0f}"
            + (f" + surcharges {c.surcharge_usd:,.0f}" if c.surcharge_usd else "")
            + " USD"
        )
        lines.extend(pricing_lines(route))
        if route.transfers:
            lines.append(
                "  transfers: "
                + "; ".join(
                    f"{t.node_id} ({'gauge break' if t.gauge_break else t.from_service + ' → ' + t.to_service}, "
                    f"{t.handling_h:g} h)"
                    for t in route.transfers
                )
            )
        if route.border_crossings:
            lines.append(
                "  borders: "
                + "; ".join(
                    f"{b.from_country}→{b.to_country} at {b.from_id}/{b.to_id} ({b.exit_dwell_h + b.entry_dwell_h:g} h)"
                    for b in route.border_crossings
                )
            )
    return "\n".join(lines) + "\n"


def pricing_lines(route: Route) -> list[str]:
    """Surcharges paid and the as-of dates of dated fares, one line each (none when there are neither)."""
    lines = []
    through = sorted({leg.through_tariff for leg in route.legs if leg.through_tariff})
    if through:
        lines.append(
            f"  through tariff {', '.join(through)}: {route.cost.through_tariff_usd:,.0f} USD of the freight "
            "(replaces the segment tariffs, border and handling fees of the product)"
        )
    for leg in route.legs:
        for s in leg.surcharges:
            valid = f", valid {s.valid_from or '…'}–{s.valid_to or '…'}" if s.valid_from or s.valid_to else ""
            lines.append(f"  surcharge {s.surcharge_id} ({s.kind}, per {s.unit.value}{valid}): {s.usd:,.0f} USD")
        if leg.dated_price is not None:
            p = leg.dated_price
            lines.append(
                f"  {leg.service_id} fare as of {p.as_of.isoformat()}: index {p.value:,g} {p.unit} "
                f"(× {p.multiplier:.3f} of the published fare; {', '.join(p.source_keys)})"
            )
    return lines


def _shipment_text(shipment: Shipment) -> str:
    boxes = ", ".join(f"{count}×{kind.value}" for kind, count in shipment.containers)
    what = "loose cargo" if shipment.is_loose else f"{shipment.teu} TEU" + (f" ({boxes})" if boxes else "")
    return f"{what}, {shipment.gross_weight_kg:,.0f} kg {shipment.cargo_class.value}"
