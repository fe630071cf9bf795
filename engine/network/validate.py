"""Checks across tables: references, gauges, services, dead ends, borders, and corridor connectivity.

Errors go to ``problems`` (the load fails); warnings are returned (legal but worth a look).
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Collection, Iterable, Mapping

from engine.network.inputs import Problems
from engine.network.model import EmissionFactor, Link, LoadUnit, Mode, Node, Service, Source
from engine.network.schema import LINKS, METADATA_FILE, NODES

_CITATION = re.compile(r"\[([A-Z0-9][A-Z0-9-]*)\]")


def check_network(
    nodes: Mapping[str, Node],
    links: Mapping[str, Link],
    services: Mapping[str, Service],
    factors: Mapping[str, EmissionFactor],
    sources: Mapping[str, Source],
    origins: tuple[str, ...],
    destinations: tuple[str, ...],
    problems: Problems,
    cited_elsewhere: Collection[str] = (),
) -> list[str]:
    """Run every cross-table check; return the warnings. ``cited_elsewhere``: source keys cited outside the five
    tables (by ``calibration.csv`` and the tariff tables), which are therefore not unused."""
    warnings: list[str] = []
    _check_link_references(nodes, links, services, factors, problems)
    if problems:
        return warnings
    _check_service_vehicles(links, problems)
    _check_dead_ends(nodes, links, problems)
    _check_parallel_links(links, problems)
    for endpoint_set, label in ((origins, "origins"), (destinations, "destinations")):
        for node_id in endpoint_set:
            if node_id not in nodes:
                problems.add(
                    METADATA_FILE,
                    None,
                    f"connectivity.{label}",
                    f"unknown node {node_id!r}{_hint(node_id, nodes)}",
                )
    if problems:
        return warnings
    warnings += _border_warnings(nodes, links)
    used_services = {link.service_id for link in links.values()}
    warnings += [
        f"services.csv:{s.line}: service {s.id!r} is not used by any link"
        for s in services.values()
        if s.id not in used_services
    ]
    used_factors = {link.emission_class for link in links.values()}
    warnings += [
        f"emission_factors.csv:{f.line}: emission class {f.id!r} is not used by any link"
        for f in factors.values()
        if f.id not in used_factors
    ]
    cited = _cited_keys(nodes, links, services, factors) | set(cited_elsewhere)
    warnings += [
        f"sources.csv:{s.line}: source {s.key!r} is not cited by any number"
        for s in sources.values()
        if s.key not in cited
    ]
    warnings += connectivity_warnings(nodes, links, origins, destinations)
    return warnings


def _hint(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_link_references(
    nodes: Mapping[str, Node],
    links: Mapping[str, Link],
    services: Mapping[str, Service],
    factors: Mapping[str, EmissionFactor],
    problems: Problems,
) -> None:
    for link in links.values():
        if link.reverse_of is not None:
            continue  # the forward row is checked; the reverse has the same attributes
        for column, node_id in (("from", link.from_id), ("to", link.to_id)):
            if node_id not in nodes:
                problems.add(LINKS.file, link.line, column, f"unknown node {node_id!r}{_hint(node_id, nodes)}")
        service = services.get(link.service_id)
        if service is None:
            problems.add(
                LINKS.file,
                link.line,
                "service",
                f"unknown service {link.service_id!r}{_hint(link.service_id, services)}; add it to services.csv",
            )
        elif service.mode is not link.mode:
            problems.add(
                LINKS.file,
                link.line,
                "service",
                f"service {service.id!r} is a {service.mode} service but this link is {link.mode}",
            )
        factor = factors.get(link.emission_class)
        if factor is None:
            problems.add(
                LINKS.file,
                link.line,
                "emission_class",
                f"unknown emission class {link.emission_class!r}{_hint(link.emission_class, factors)}",
            )
        elif factor.mode is not link.mode:
            problems.add(
                LINKS.file,
                link.line,
                "emission_class",
                f"emission class {factor.id!r} is for {factor.mode}, but this link is {link.mode}",
            )
        if link.gauge_mm is not None:
            for node_id in (link.from_id, link.to_id):
                node = nodes.get(node_id)
                if node is not None and link.gauge_mm not in node.gauges_mm:
                    has = "|".join(str(g) for g in sorted(node.gauges_mm)) or "no gauge"
                    problems.add(
                        LINKS.file,
                        link.line,
                        "gauge_mm",
                        f"{link.gauge_mm} is not a gauge of node {node_id!r} (it has {has})",
                    )


def _check_service_vehicles(links: Mapping[str, Link], problems: Problems) -> None:
    """A service is one vehicle family: one load unit and one gauge (a train cannot change gauge)."""
    first_link: dict[str, Link] = {}
    for link in links.values():
        if link.reverse_of is not None:
            continue
        first = first_link.setdefault(link.service_id, link)
        if first.vehicle != link.vehicle:
            what = "gauge" if first.load_unit is link.load_unit else "load unit"
            problems.add(
                LINKS.file,
                link.line,
                "service",
                f"service {link.service_id!r} runs {_vehicle(first)} on link {first.id!r} but {_vehicle(link)} "
                f"here; one service cannot change {what} (use two services and a transfer)",
            )


MAX_PARALLEL_LINKS = 32
"""Links one node may have to the same next node. Real corridors have a handful (one per operator and mode); tens
of thousands multiply every search's work without adding a route anyone would choose."""


def _check_parallel_links(links: Mapping[str, Link], problems: Problems) -> None:
    pairs: dict[tuple[str, str], list[Link]] = {}
    for link in links.values():
        pairs.setdefault((link.from_id, link.to_id), []).append(link)
    for (from_id, to_id), parallel in pairs.items():
        if len(parallel) > MAX_PARALLEL_LINKS:
            first = min(parallel, key=lambda link: link.line)
            problems.add(
                LINKS.file,
                first.line,
                "to",
                f"{len(parallel):,} links run from {from_id!r} to {to_id!r}; at most {MAX_PARALLEL_LINKS} are allowed",
            )


def _vehicle(link: Link) -> str:
    return f"{link.load_unit}s" if link.load_unit is not LoadUnit.WAGON else f"{link.gauge_mm} mm wagons"


def _check_dead_ends(nodes: Mapping[str, Node], links: Mapping[str, Link], problems: Problems) -> None:
    has_in = {link.to_id for link in links.values()}
    has_out = {link.from_id for link in links.values()}
    for node in nodes.values():
        if node.id not in has_in and node.id not in has_out:
            problems.add(NODES.file, node.line, "id", f"node {node.id!r} has no links: nothing reaches or leaves it")
        elif node.id not in has_in:
            problems.add(NODES.file, node.line, "id", f"nothing reaches node {node.id!r} (it has no incoming link)")
        elif node.id not in has_out:
            problems.add(NODES.file, node.line, "id", f"nothing leaves node {node.id!r} (it has no outgoing link)")


def _border_warnings(nodes: Mapping[str, Node], links: Mapping[str, Link]) -> list[str]:
    warnings = []
    for link in links.values():
        if link.reverse_of is not None or link.mode not in (Mode.RAIL, Mode.ROAD):
            continue
        src, dst = nodes[link.from_id], nodes[link.to_id]
        if src.country == dst.country:
            continue
        if src.border_exit_h is None and dst.border_entry_h is None:
            warnings.append(
                f"links.csv:{link.line}: {link.mode} link {link.id!r} crosses {src.country}→{dst.country} "
                "but neither end has border dwell"
            )
    return warnings


def _cited_keys(
    nodes: Mapping[str, Node],
    links: Mapping[str, Link],
    services: Mapping[str, Service],
    factors: Mapping[str, EmissionFactor],
) -> set[str]:
    cited: set[str] = set()
    records: list[Node | Link | Service | EmissionFactor] = [
        *nodes.values(),
        *links.values(),
        *services.values(),
        *factors.values(),
    ]
    for record in records:
        for keys in record.provenance.keys_by_column.values():
            cited.update(keys)
        cited.update(_CITATION.findall(record.provenance.notes_text))  # "[KEY]" in a note is a citation too
    return cited


def reachable_nodes(nodes: Mapping[str, Node], links: Mapping[str, Link], origin: str) -> set[str]:
    """Nodes cargo can reach from ``origin``, changing service only where the node allows transfers.

    The search runs over (node, service) states: staying on a service through a junction is always allowed;
    boarding another service needs ``handling_h`` at that node (the origin itself is always a boarding point).
    """
    return _reachable(_Moves(nodes, links), origin)


class _Moves:
    """Per node, the (next node, service) of every link leaving it, and the nodes where cargo may board any
    service: built once and shared by the searches from every origin (building it per origin, with each state a
    pair of strings, took 13 s of a 100k-node load)."""

    def __init__(self, nodes: Mapping[str, Node], links: Mapping[str, Link]) -> None:
        self.outgoing: dict[str, list[tuple[str, str]]] = {}
        for link in links.values():
            self.outgoing.setdefault(link.from_id, []).append((link.to_id, link.service_id))
        self.boarding = frozenset(node_id for node_id, node in nodes.items() if node.allows_transfer)


def _reachable(moves: _Moves, origin: str) -> set[str]:
    # A state is (node, service aboard), or (node, None) where any service may be boarded (the origin, and every
    # node that allows transfers, whatever service brought the cargo: it is the same set of next moves).
    outgoing, boarding = moves.outgoing, moves.boarding
    seen: set[tuple[str, str | None]] = {(origin, None)}
    queue: deque[tuple[str, str | None]] = deque([(origin, None)])
    while queue:
        node_id, service_id = queue.popleft()
        for to_id, next_service in outgoing.get(node_id, ()):
            if service_id is not None and next_service != service_id:
                continue
            state = (to_id, None if to_id in boarding else next_service)
            if state not in seen:
                seen.add(state)
                queue.append(state)
    return {node_id for node_id, _ in seen}


def connectivity_warnings(
    nodes: Mapping[str, Node],
    links: Mapping[str, Link],
    origins: tuple[str, ...],
    destinations: tuple[str, ...],
) -> list[str]:
    """One warning per origin that cannot reach some destinations, naming them."""
    warnings = []
    moves = _Moves(nodes, links)
    for origin in origins:
        reached = _reachable(moves, origin)
        missing = [d for d in destinations if d not in reached and d != origin]
        if missing:
            warnings.append(f"connectivity: {origin} cannot reach {', '.join(missing)}")
    return warnings
