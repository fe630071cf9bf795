"""The ``corridor`` command line: translates arguments into library calls and results into text.

Subcommands:

- ``corridor network validate [DIR]`` — load and validate; exit 0 when valid, 1 when not.
- ``corridor network show [DIR]`` — nodes by country and kind, links by mode, services, capacity, provenance.
- ``corridor network nodes [DIR] [--search Q] [--country CC] [--kind KIND]`` — find nodes.
- ``corridor network export [DIR] --geojson FILE`` — write the network as GeoJSON.
- ``corridor route ORIGIN DEST --ready 2026-12-01T00:00Z --teu 2 [--avoid-countries RU,BY] [--objective pareto]
  [--json | --geojson FILE]`` — find routes; ORIGIN and DEST resolve by id, name, alias or LOCODE.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from engine.cli_optimize import add_optimize_commands
from engine.errors import CorridorError, InvalidRequest, NetworkDataError
from engine.network import CargoClass, Mode, Network, NodeKind, load_network
from engine.network.geojson import network_to_geojson
from engine.network.paths import default_network_dir
from engine.network.summary import NetworkSummary, summarise
from engine.routing import Constraints, Objective, RouteQuery, RouteResult, Shipment, Weights, find_routes
from engine.routing.export import result_to_json, routes_to_geojson


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``corridor`` console script; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args, sys.stdout)
    except NetworkDataError as exc:
        print(f"error: the network cannot be loaded ({len(exc.problems)} problems):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except CorridorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corridor", description="Middle Corridor freight routing engine")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    network = commands.add_parser("network", help="inspect, validate and export a network")
    network_commands = network.add_subparsers(title="network commands", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = network_commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "dir",
            nargs="?",
            type=Path,
            default=None,
            help=f"network directory (default: {default_network_dir()})",
        )
        return sub

    validate = add("validate", "load and validate a network; exit 0 when valid, 1 when not")
    validate.set_defaults(handler=_cmd_validate)

    show = add("show", "summarise a network: nodes, links, services, capacity, sources")
    show.set_defaults(handler=_cmd_show)

    nodes = add("nodes", "list or search nodes by id, name, alias or LOCODE")
    nodes.add_argument("--search", "-s", default="", help="text to look for (case- and accent-insensitive)")
    nodes.add_argument("--country", help="ISO 3166-1 alpha-2 code, e.g. KZ")
    nodes.add_argument("--kind", choices=[k.value for k in NodeKind], help="node kind")
    nodes.set_defaults(handler=_cmd_nodes)

    export = add("export", "export a network")
    export.add_argument(
        "--geojson",
        type=Path,
        required=True,
        metavar="FILE",
        help="write an RFC 7946 FeatureCollection here ('-' for standard output)",
    )
    export.set_defaults(handler=_cmd_export)

    _add_route_parser(commands)
    add_optimize_commands(commands)

    serve = commands.add_parser(
        "serve",
        help="serve the gRPC API (corridor.v1) on a network",
        description="Serve the corridor.v1 gRPC API. Stops on SIGTERM/SIGINT after calls in flight finish.",
    )
    serve.add_argument(
        "--network", type=Path, default=None, help=f"network directory (default: {default_network_dir()})"
    )
    serve.add_argument("--address", default="127.0.0.1:50051", help="host:port to listen on (port 0 = any free port)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes, at least 1 (default: one per core)")
    serve.add_argument(
        "--grace-s",
        type=float,
        default=30.0,
        help="seconds calls in flight get to finish on stop; then they are stopped and the server exits",
    )
    serve.add_argument(
        "--worker-memory-mb",
        type=int,
        default=1024,
        help="replace a worker holding more than this after a call; kill one holding twice this (0 = no bound)",
    )
    serve.set_defaults(handler=_cmd_serve)
    return parser


def _network_dir(args: argparse.Namespace) -> Path:
    return Path(args.dir) if args.dir is not None else default_network_dir()


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    directory = _network_dir(args)
    try:
        network = load_network(directory)
    except NetworkDataError as exc:
        print(f"INVALID {directory}: {len(exc.problems)} problem(s)", file=out)
        for problem in exc.problems:
            print(f"  {problem}", file=out)
        return 1
    summary = summarise(network)
    modes = ", ".join(f"{mode} {count}" for mode, count, _ in summary.links_by_mode)
    print(
        f"OK {network.label}: {summary.nodes} nodes, {summary.links} directed links ({modes}), "
        f"{len(network.services)} services, {len(network.emission_factors)} emission classes, "
        f"{summary.sources} sources; {100 * summary.sourced_share:.1f}% of numbers sourced",
        file=out,
    )
    if network.warnings:
        print(f"{len(network.warnings)} warning(s):", file=out)
        for warning in network.warnings:
            print(f"  {warning}", file=out)
    return 0


def _cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network(_network_dir(args))
    out.write(format_summary(summarise(network)))
    return 0


def format_summary(summary: NetworkSummary) -> str:
    """Render a network summary as plain text."""
    lines = [
        f"{summary.title}",
        f"network {summary.label}: {summary.nodes} nodes, {summary.links} directed links",
        "",
    ]
    lines.append("Nodes by country")
    lines += _table(("country", "", "nodes"), [(c, name, str(n)) for c, name, n in summary.nodes_by_country])
    lines.append("")
    lines.append("Nodes by kind (a node may have several)")
    lines += _table(("kind", "nodes"), [(k, str(n)) for k, n in summary.nodes_by_kind])
    lines.append("")
    lines.append("Links by mode")
    lines += _table(("mode", "links", "km"), [(m, str(n), f"{km:,.0f}") for m, n, km in summary.links_by_mode])
    lines.append("")
    lines.append("Services and capacity")
    rows = []
    for s in summary.services:
        per_week = s.capacity_per_week
        rows.append(
            (
                s.service_id,
                s.mode.value,
                s.kind.value,
                "—" if s.kind.value == "continuous" else f"{s.departures_per_week:.1f}",
                "—" if s.capacity_per_departure is None else f"{s.capacity_per_departure:,.0f} {s.unit}",
                "—" if per_week is None else f"{per_week:,.0f} {s.unit}",
            )
        )
    lines += _table(("service", "mode", "kind", "dep/week", "per departure", "per week"), rows)
    lines.append(f"{summary.links_with_capacity} links carry an infrastructure capacity (TEU/week).")
    lines.append("")
    lines.append("Provenance of numbers (numeric cells)")
    lines += _table(
        ("table", "sourced", "ESTIMATE", "sourced share"),
        [(t, str(s), str(e), f"{100 * s / (s + e):.1f}%" if s + e else "—") for t, s, e in summary.sourced_by_table]
        + [
            (
                "all",
                str(summary.sourced_cells),
                str(summary.estimated_cells),
                f"{100 * summary.sourced_share:.1f}%",
            )
        ],
    )
    lines.append(f"{summary.sources} sources cited.")
    if summary.warnings:
        lines.append("")
        lines.append(f"{len(summary.warnings)} warning(s):")
        lines += [f"  {w}" for w in summary.warnings]
    return "\n".join(lines) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    numeric = [all(_is_numberish(r[i]) for r in rows) and rows != [] for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return (
            "  "
            + "  ".join(
                c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )

    return [fmt(header), "  " + "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)]


def _is_numberish(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text in ("—",)) and not text[:2].isalpha()


def _cmd_nodes(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network(_network_dir(args))
    matches = network.node_index.search(args.search)
    rows = [
        (m.node.id, m.node.name, m.node.country, "|".join(sorted(k.value for k in m.node.kinds)))
        for m in matches
        if (args.country is None or m.node.country == args.country.upper())
        and (args.kind is None or NodeKind(args.kind) in m.node.kinds)
    ]
    if not rows:
        print(f"no node matches {args.search!r}", file=out)
        return 1
    out.write("\n".join(_table(("id", "name", "country", "kinds"), rows)) + "\n")
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network(_network_dir(args))
    collection = network_to_geojson(network)
    if str(args.geojson) == "-":
        json.dump(collection, out, ensure_ascii=False)
        out.write("\n")
        return 0
    args.geojson.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"wrote {args.geojson}: {len(network.nodes)} nodes (Point) and {len(network.links)} links (LineString)",
        file=out,
    )
    return 0


def _add_route_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    route = commands.add_parser(
        "route",
        help="find routes between two nodes",
        description="Find routes. ORIGIN and DEST may be ids, names, aliases or LOCODEs "
        "(case- and accent-insensitive).",
    )
    route.add_argument("origin", metavar="ORIGIN")
    route.add_argument("destination", metavar="DEST")
    route.add_argument(
        "--network", type=Path, default=None, help=f"network directory (default: {default_network_dir()})"
    )
    route.add_argument(
        "--ready", required=True, help="when the cargo is ready, ISO 8601 with a zone, e.g. 2026-12-01T00:00Z"
    )
    route.add_argument(
        "--teu", type=int, default=2, help="containers in TEU (a 40ft box is 2); 0 = loose cargo (default 2)"
    )
    route.add_argument("--weight-kg", type=float, default=None, help="gross weight in kg (default 10,000 per TEU)")
    route.add_argument("--cargo-class", choices=[c.value for c in CargoClass], default="general")
    route.add_argument("--objective", choices=[o.value for o in Objective], default="pareto")
    route.add_argument("--max-routes", type=int, default=5)
    route.add_argument("--avoid-countries", default="", help="comma-separated ISO codes, e.g. RU,BY")
    route.add_argument("--avoid-nodes", default="", help="comma-separated node ids or names")
    route.add_argument("--avoid-modes", default="", help="comma-separated modes: rail, ferry, sea, road, air")
    route.add_argument("--avoid-operators", default="", help="comma-separated operator names")
    route.add_argument("--via", default="", help="comma-separated nodes the route must pass, in order")
    route.add_argument("--max-transfers", type=int, default=None)
    route.add_argument("--arrive-by", default=None, help="latest arrival, ISO 8601 with a zone")
    route.add_argument("--max-cost-usd", type=float, default=None)
    route.add_argument("--max-co2e-kg", type=float, default=None)
    route.add_argument("--allow-deconsolidation", action="store_true", help="containers may be unstuffed to fly")
    route.add_argument("--usd-per-hour", type=float, default=0.0, help="value of time for --objective weighted")
    route.add_argument("--usd-per-transfer", type=float, default=0.0)
    route.add_argument("--usd-per-kg-co2e", type=float, default=0.0)
    output = route.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the result as JSON")
    output.add_argument("--geojson", type=Path, metavar="FILE", help="also write the routes as GeoJSON LineStrings")
    route.set_defaults(handler=_cmd_route)


def _cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    from engine.service.server import ServeConfig, run  # grpc is imported only when serving

    directory = args.network if args.network is not None else default_network_dir()
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    if args.worker_memory_mb < 0:
        print(f"error: --worker-memory-mb must be 0 (no bound) or more, got {args.worker_memory_mb}", file=sys.stderr)
        return 2
    try:
        network = load_network(directory)  # fail fast, with file:line messages, before any process starts
    except OSError as exc:
        print(f"error: cannot read the network in {directory}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    config = ServeConfig(
        network_dir=directory,
        address=args.address,
        workers=args.workers,
        grace_s=args.grace_s,
        worker_memory_mb=args.worker_memory_mb,
    )
    return run(config, network)


def _csv_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _parse_time(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        msg = f"must be an ISO 8601 time like 2026-12-01T00:00Z, got {text!r}"
        raise InvalidRequest.single(field, msg) from exc
    if moment.tzinfo is None:
        raise InvalidRequest.single(field, f"must carry a time zone (e.g. Z for UTC), got {text!r}")
    return moment


def _cmd_route(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network(args.network if args.network is not None else default_network_dir())
    index = network.node_index
    weight = args.weight_kg if args.weight_kg is not None else 10_000.0 * max(args.teu, 1)
    constraints = Constraints(
        avoid_countries=frozenset(c.upper() for c in _csv_list(args.avoid_countries)),
        avoid_nodes=frozenset(index.resolve(n, "constraints.avoid_nodes").id for n in _csv_list(args.avoid_nodes)),
        avoid_modes=frozenset(_mode(m) for m in _csv_list(args.avoid_modes)),
        avoid_operators=frozenset(_csv_list(args.avoid_operators)),
        via=tuple(index.resolve(n, "constraints.via").id for n in _csv_list(args.via)),
        max_transfers=args.max_transfers,
        arrive_by=None if args.arrive_by is None else _parse_time(args.arrive_by, "constraints.arrive_by"),
        max_cost_usd=args.max_cost_usd,
        max_co2e_kg=args.max_co2e_kg,
        allow_deconsolidation=args.allow_deconsolidation,
    )
    query = RouteQuery(
        origin=index.resolve(args.origin, "origin").id,
        destination=index.resolve(args.destination, "destination").id,
        ready=_parse_time(args.ready, "ready"),
        shipment=Shipment(args.teu, weight, CargoClass(args.cargo_class)),
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
        out.write(format_result(network, result))
    if args.geojson is not None:
        args.geojson.write_text(json.dumps(routes_to_geojson(result), ensure_ascii=False), encoding="utf-8")
        print(f"wrote {args.geojson}: {len(result.routes)} route(s)", file=out)
    return 0 if result.routes else 3


def _mode(text: str) -> Mode:
    try:
        return Mode(text.lower())
    except ValueError as exc:
        allowed = ", ".join(m.value for m in Mode)
        msg = f"must be among {allowed}, got {text!r}"
        raise InvalidRequest.single("constraints.avoid_modes", msg) from exc


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
        lines += _table(("from", "to", "mode", "service", "depart", "arrive", "wait h", "km", "USD", "kg CO2e"), rows)
        c = route.cost
        lines.append(
            f"  cost: freight {c.freight_usd:,.0f} + handling {c.handling_usd:,.0f} + border {c.border_usd:,.0f}"
            f" + de-consolidation {c.deconsolidation_usd:,.0f} USD"
        )
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


def format_time(moment: datetime) -> str:
    """A time as ``YYYY-MM-DD HH:MMZ`` (UTC), as every command prints it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def _shipment_text(shipment: Shipment) -> str:
    what = "loose cargo" if shipment.is_loose else f"{shipment.teu} TEU"
    return f"{what}, {shipment.gross_weight_kg:,.0f} kg {shipment.cargo_class.value}"


if __name__ == "__main__":
    raise SystemExit(main())
