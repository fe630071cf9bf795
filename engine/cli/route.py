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

from engine.cli.args import add_network_option, add_scenario_option, load_network_option, scenario_line
from engine.cli.query_args import add_query_arguments, route_query_from_args
from engine.cli.text import band_text, format_time, table
from engine.network import Network
from engine.routing import (
    FigureProvenance,
    Route,
    RouteResult,
    Shipment,
    emissions_text,
    find_routes,
    result_to_json,
    routes_to_geojson,
)


def add_route_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``route`` to the top-level subcommands."""
    route = commands.add_parser(
        "route",
        help="find routes between two nodes",
        description="Find routes. ORIGIN and DEST may be ids, names, aliases or LOCODEs "
        "(case- and accent-insensitive).",
    )
    add_network_option(route)
    add_scenario_option(route)
    add_query_arguments(route)
    output = route.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the result as JSON")
    output.add_argument("--geojson", type=Path, metavar="FILE", help="also write the routes as GeoJSON LineStrings")
    route.add_argument(
        "--emissions-report",
        action="store_true",
        help="also print each route's ISO 14083 / GLEC emissions breakdown: per leg distance, mass, factor and "
        "source, TTW and WTW; per hub; totals (JSON always carries it)",
    )
    route.add_argument(
        "--map", type=Path, metavar="FILE.html", help="also draw the routes on a map: one self-contained HTML file"
    )
    route.set_defaults(handler=_cmd_route)


def _cmd_route(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network_option(args)
    query = route_query_from_args(args, network)
    result = find_routes(network, query)
    if args.json:
        json.dump(result_to_json(result), out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        out.write(scenario_line(network))
        out.write(format_result(network, result))
        if args.emissions_report:
            for rank, found in enumerate(result.routes, 1):
                if found.emissions is not None:
                    out.write(f"\nRoute {rank}\n{emissions_text(found.emissions)}\n")
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
    if result.pareto_size >= 0 and result.pareto_tolerance:
        pareto = f"; {result.pareto_size} route(s) in an ε-Pareto set (ε = {result.pareto_tolerance:g})"
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
            f"(arrive {format_time(route.arrive)}{band_text(route)}), "
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
                format_time(leg.arrive) + _mark(p and p.time),
                f"{leg.wait_h:.1f}" + _mark(p and p.wait),
                f"{leg.distance_km:,.0f}" + _mark(p and p.distance),
                f"{leg.cost_usd:,.0f}" + _mark(p and p.cost),
                f"{leg.co2e_kg:,.0f}" + _mark(p and p.co2e),
            )
            for leg in route.legs
            for p in [leg.provenance]
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
        if route.provenance is not None:
            rp = route.provenance
            as_of = "" if rp.network_as_of is None else f"; network as of {rp.network_as_of.isoformat()}"
            lines.append(
                f"  sourced: {rp.cost_sourced_share:.0%} of the cost, {rp.time_sourced_share:.0%} of the time, "
                f"{rp.co2e.sourced_share:.0%} of the CO2e rest on published sources{as_of}"
            )
    if any(route.provenance is not None for route in result.routes):
        lines.append("")
        lines.append(MARKER_LEGEND)
    return "\n".join(lines) + "\n"


MARKER_LEGEND = "~ partly estimated, * estimated: no published source behind the figure (see --json provenance)"


def _mark(figure: FigureProvenance | None) -> str:
    """``*`` for a figure that rests wholly on estimates, ``~`` partly, a space when fully sourced (or unknown)."""
    if figure is None or not figure.estimate:
        return " "
    return "*" if figure.sourced_share == 0 else "~"


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
