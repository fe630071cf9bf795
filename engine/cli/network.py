"""``corridor network``: validate, summarise, search and export a network.

- ``corridor network validate [DIR]`` — load and validate; exit 0 when valid, 1 when not.
- ``corridor network show [DIR]`` — nodes by country and kind, links by mode, services, capacity, provenance.
- ``corridor network nodes [DIR] [--search Q] [--country CC] [--kind KIND]`` — find nodes.
- ``corridor network nearest LAT LON|PLACE [--kinds K,...] [--limit N] [--radius-km R]`` — nearest nodes, km.
- ``corridor network export [DIR] --geojson FILE`` — write the network as GeoJSON.
- ``corridor network calibrate [DIR] [--json] [--only ID,…]`` — published figures vs the engine
  (:mod:`engine.cli.calibrate`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from engine.cli.args import (
    add_network_option,
    add_scenario_option,
    csv_list,
    load_network_option,
    load_network_with_scenarios,
    network_dir,
)
from engine.cli.text import table
from engine.errors import FieldProblem, InvalidRequest, NetworkDataError
from engine.network import NodeKind, load_network
from engine.network.geojson import network_to_geojson
from engine.network.paths import default_network_dir
from engine.network.places import (
    PLACE_MAX_KM,
    NearNode,
    nearest_nodes,
    point_problems,
    radius_problems,
    terminals_near_place,
)
from engine.network.summary import NetworkSummary, summarise


def add_network_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add ``network`` and its subcommands to the top-level subcommands; return its subcommands (``calibrate`` is
    added there by :mod:`engine.cli.calibrate`)."""
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
    add_scenario_option(show)
    show.set_defaults(handler=_cmd_show)

    nodes = add("nodes", "list or search nodes by id, name, alias or LOCODE")
    nodes.add_argument("--search", "-s", default="", help="text to look for (case- and accent-insensitive)")
    nodes.add_argument("--country", help="ISO 3166-1 alpha-2 code, e.g. KZ")
    nodes.add_argument("--kind", choices=[k.value for k in NodeKind], help="node kind")
    nodes.set_defaults(handler=_cmd_nodes)

    nearest = network_commands.add_parser(
        "nearest",
        help="nodes nearest to a point or a city, with the distance in km (nearest first)",
        description="Nodes nearest to LAT LON (degrees), or terminals nearest to a city that is not a node "
        "(offline GeoNames extract), with the great-circle distance in km, nearest first.",
    )
    nearest.add_argument("where", nargs="+", metavar="LAT LON | PLACE", help="a point in degrees, or a place name")
    nearest.add_argument("--kinds", default="", help="comma-separated node kinds to keep, e.g. rail_terminal,seaport")
    nearest.add_argument("--limit", type=int, default=5, help="how many nodes (1-1000, default 5)")
    nearest.add_argument("--radius-km", type=float, default=None, help="only nodes within this distance")
    add_network_option(nearest)
    nearest.set_defaults(handler=_cmd_nearest)

    export = add("export", "export a network")
    add_scenario_option(export)
    export.add_argument(
        "--geojson",
        type=Path,
        required=True,
        metavar="FILE",
        help="write an RFC 7946 FeatureCollection here ('-' for standard output)",
    )
    export.set_defaults(handler=_cmd_export)
    return network_commands


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    directory = network_dir(args.dir)
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
    network = load_network_with_scenarios(args.dir, args.scenario)
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
    lines += table(("country", "", "nodes"), [(c, name, str(n)) for c, name, n in summary.nodes_by_country])
    lines.append("")
    lines.append("Nodes by kind (a node may have several)")
    lines += table(("kind", "nodes"), [(k, str(n)) for k, n in summary.nodes_by_kind])
    lines.append("")
    lines.append("Links by mode")
    lines += table(("mode", "links", "km"), [(m, str(n), f"{km:,.0f}") for m, n, km in summary.links_by_mode])
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
    lines += table(("service", "mode", "kind", "dep/week", "per departure", "per week"), rows)
    lines.append(f"{summary.links_with_capacity} links carry an infrastructure capacity (TEU/week).")
    lines.append("")
    lines.append("Provenance of numbers (numeric cells)")
    lines += table(
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
    lines.append("")
    lines.append("Provenance by column (numeric cells)")
    lines += table(
        ("table", "column", "sourced", "ESTIMATE", "sourced share"),
        [
            (t, c, str(s), str(e), f"{100 * s / (s + e):.1f}%")
            for t, c, s, e in sorted(summary.sourced_by_column, key=lambda r: (r[0], -(r[2] + r[3]), r[1]))
        ],
    )
    as_of = "" if summary.as_of is None else f" Figures as of {summary.as_of.isoformat()}."
    lines.append(f"{summary.sources} sources cited.{as_of}")
    if summary.warnings:
        lines.append("")
        lines.append(f"{len(summary.warnings)} warning(s):")
        lines += [f"  {w}" for w in summary.warnings]
    return "\n".join(lines) + "\n"


def _cmd_nodes(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network(network_dir(args.dir))
    kind = None if args.kind is None else NodeKind(args.kind)
    rows = [
        (node.id, node.name, node.country, "|".join(sorted(k.value for k in node.kinds)))
        for node in network.node_index.find_nodes(args.search, country=args.country, kind=kind)
    ]
    if not rows and args.search.strip():
        # As ListNodes: a city that is not a node lists its nearest terminals, with the distance.
        found = terminals_near_place(network.nodes.values(), args.search, kinds=() if kind is None else (kind,))
        if found is not None and found[1]:
            city, near = found
            wanted = (args.country or "").strip().upper()
            near_rows = [
                (n.node.id, n.node.name, n.node.country, f"{n.distance_km:,.1f} km")
                for n in near
                if not wanted or n.node.country == wanted
            ]
            out.write("\n".join(table(("id", "name", "country", "distance"), near_rows)) + "\n")
            print(f"{city.name} ({city.country}) [{city.source}] is not a node: its nearest terminals", file=out)
            return 0
    if not rows:
        print(f"no node matches {args.search!r}", file=out)
        return 1
    out.write("\n".join(table(("id", "name", "country", "kinds"), rows)) + "\n")
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network_with_scenarios(args.dir, args.scenario)
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


def _cmd_nearest(args: argparse.Namespace, out: TextIO) -> int:
    problems: list[FieldProblem] = []
    kinds = []
    for text in csv_list(args.kinds):
        try:
            kinds.append(NodeKind(text.lower()))
        except ValueError:
            allowed = ", ".join(k.value for k in NodeKind)
            problems.append(FieldProblem("kinds", f"unknown kind {text[:40]!r}; allowed: {allowed}"))
    if not 1 <= args.limit <= 1000:
        problems.append(FieldProblem("limit", f"must be 1-1000, got {args.limit}"))
    problems += radius_problems(args.radius_km, "radius_km")
    point = _as_point(args.where)
    if point is not None:
        problems += point_problems(*point, "near")
    if problems:
        raise InvalidRequest(problems)
    network = load_network_option(args)
    place_line = ""
    near: list[NearNode]
    if point is not None:
        near = nearest_nodes(network.nodes.values(), *point, kinds=kinds, limit=args.limit, radius_km=args.radius_km)
    else:
        name = " ".join(args.where)
        node_matches = network.node_index.search(name)
        if node_matches and node_matches[0].rank <= 1:
            node = node_matches[0].node
            place_line = f"from node {node.id} ({node.name}, {node.country})"
            others = (n for n in network.nodes.values() if n.id != node.id)
            near = [
                NearNode(node, 0.0),
                *nearest_nodes(others, node.lat, node.lon, kinds=kinds, limit=args.limit - 1, radius_km=args.radius_km),
            ]
        else:
            found = terminals_near_place(
                network.nodes.values(), name, kinds=kinds, limit=args.limit, radius_km=args.radius_km
            )
            if found is None:
                raise InvalidRequest.single(
                    "place", f"{name[:80]!r} is neither a node nor a city in the offline gazetteer; give LAT LON"
                )
            city, near = found
            place_line = (
                f"{city.name} ({city.country}, {city.lat:.4f}, {city.lon:.4f}) [{city.source}] is not a node; "
                "the terminals nearest to it are listed"
            )
    if not near:
        bound = args.radius_km if args.radius_km is not None or point is not None else PLACE_MAX_KM
        where = "the point" if point is not None else " ".join(args.where)[:80]
        print(f"no node within {bound:g} km of {where}" if bound else "no node", file=out)
        return 1
    rows = [
        (
            n.node.id,
            n.node.name,
            n.node.country,
            f"{n.distance_km:,.1f} km",
            "|".join(sorted(k.value for k in n.node.kinds)),
        )
        for n in near
    ]
    # No header: the first line is the nearest node (scripts take ``head -1``); the place, if any, comes last.
    out.write("\n".join(table(("", "", "", "", ""), rows)[2:]) + "\n")
    if place_line:
        print(place_line, file=out)
    return 0


def _as_point(where: list[str]) -> tuple[float, float] | None:
    """``LAT LON`` as floats, or ``None`` when the words are a place name."""
    if len(where) != 2:
        return None
    try:
        return float(where[0]), float(where[1])
    except ValueError:
        return None
