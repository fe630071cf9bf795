"""Selectors: which nodes, links and services a relative or closing scenario edit hits.

A :class:`~engine.network.edits.Selector` names ids, countries (one code: anything in or touching that country;
two codes: what joins the two), modes and operators; every criterion given must match. Records are returned in id
order, so applying (and describing) a selector is deterministic. Pure functions of the record tables, so the edit
handlers (:mod:`engine.network.scenario_apply`) and the scenario diff (:mod:`engine.network.scenario_diff`) resolve
a selector identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.network.countries import COUNTRY_NAMES
from engine.network.edits import Selector
from engine.network.inputs import yaml_cell
from engine.network.model import Link, Mode, Node, Service

# Selector fields: the plural name and its singular (either may be written; values are lists or "a|b" strings).
SELECTOR_FIELDS = {
    "nodes": "node",
    "links": "link",
    "services": "service",
    "operators": "operator",
    "countries": "country",
    "modes": "mode",
}
DIRECTIONS = ("entry", "exit", "both")
MODES = tuple(m.value for m in Mode)


def selector_values(plural: str, value: Any) -> tuple[tuple[str, ...], str | None]:
    """One selector's names as written (a YAML list, a scalar or ``a|b``), checked: the names (modes lower-cased,
    duplicates dropped) and ``None``, or ``()`` and what is wrong."""
    items = value if isinstance(value, list) else str(value).split("|")
    names = [yaml_cell(item).strip() for item in items if yaml_cell(item).strip()]
    if not names:
        return (), "must name at least one value"
    if plural == "modes":
        names = [n.lower() for n in names]
        bad = [n for n in names if n not in MODES]
        if bad:
            return (), f"must be among {', '.join(MODES)}, got {bad[0][:40]!r}"
    if plural == "countries":
        bad = [n for n in names if n not in COUNTRY_NAMES]
        if bad:
            return (), f"must be ISO 3166-1 alpha-2 codes, got {bad[0][:40]!r}"
    return tuple(dict.fromkeys(names)), None


# What ``scale`` multiplies, per table: ``what`` → {"node"|"link"|"service": columns}.
SCALED_COLUMNS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "border_dwell": {"node": ("border_exit_h", "border_entry_h")},
    "border_cost": {"node": ("border_exit_usd_per_teu", "border_entry_usd_per_teu")},
    "handling": {"node": ("handling_h",)},
    "tariff": {"link": ("usd_per_teu", "usd_per_kg", "usd_per_truck")},
    "run_time": {"link": ("run_h",)},
    "capacity": {
        "node": ("capacity_teu_per_week",),
        "link": ("capacity_teu_per_week",),
        "service": ("capacity_teu_per_departure", "capacity_kg_per_departure"),
    },
    "headway": {"service": ("headway_h",)},
}


def scaled_columns(what: str, direction: str = "both") -> Mapping[str, tuple[str, ...]]:
    """The columns ``scale`` multiplies for ``what``, per table (``direction`` keeps only entry or exit columns)."""
    columns = SCALED_COLUMNS[what]
    if direction == "both":
        return columns
    return {kind: tuple(c for c in cols if f"_{direction}_" in c) for kind, cols in columns.items()}


def _joins(link: Link, nodes: Mapping[str, Node], countries: tuple[str, ...]) -> bool:
    ends = {nodes[link.from_id].country, nodes[link.to_id].country}
    if len(countries) == 2:
        return ends == set(countries)
    return bool(ends & set(countries))


def _link_attributes_match(link: Link, selector: Selector, services: Mapping[str, Service]) -> bool:
    if selector.links and link.id not in selector.links:
        return False
    if selector.services and link.service_id not in selector.services:
        return False
    if selector.modes and link.mode.value not in selector.modes:
        return False
    if selector.operators:
        service = services.get(link.service_id)
        operators = {link.operator, service.operator if service else None}
        if not operators & set(selector.operators):
            return False
    return True


def select_links(
    selector: Selector, nodes: Mapping[str, Node], links: Mapping[str, Link], services: Mapping[str, Service]
) -> list[Link]:
    """Links the selector matches: ids, services, modes, operators (the link's or its service's), touching one of
    ``nodes``, and touching the country (one code or more than two) or joining the two countries (two codes)."""
    chosen = []
    for link_id in sorted(links):
        link = links[link_id]
        if not _link_attributes_match(link, selector, services):
            continue
        if selector.nodes and not {link.from_id, link.to_id} & set(selector.nodes):
            continue
        if selector.countries and not _joins(link, nodes, selector.countries):
            continue
        chosen.append(link)
    return chosen


def select_nodes(
    selector: Selector, nodes: Mapping[str, Node], links: Mapping[str, Link], services: Mapping[str, Service]
) -> list[Node]:
    """Nodes the selector matches: by id; in the country (one code, or more than two); an end of a link joining
    the two countries (two codes); an end of a link of the given links, services, modes or operators."""
    ends: set[str] | None = None
    link_criteria = Selector(
        links=selector.links,
        services=selector.services,
        modes=selector.modes,
        operators=selector.operators,
        countries=selector.countries if len(selector.countries) == 2 else (),
    )
    if not link_criteria.empty:
        ends = set()
        for link in select_links(link_criteria, nodes, links, services):
            ends |= {link.from_id, link.to_id}
    chosen = []
    for node_id in sorted(nodes):
        node = nodes[node_id]
        if selector.nodes and node_id not in selector.nodes:
            continue
        if ends is not None and node_id not in ends:
            continue
        if len(selector.countries) != 2 and selector.countries and node.country not in selector.countries:
            continue
        if len(selector.countries) == 2 and node.country not in selector.countries:
            continue
        chosen.append(node)
    return chosen


def select_services(
    selector: Selector, nodes: Mapping[str, Node], links: Mapping[str, Link], services: Mapping[str, Service]
) -> list[Service]:
    """Services the selector matches: ids, modes, operators, and (with node, link or country criteria) services
    that run at least one matching link."""
    running: set[str] | None = None
    if selector.nodes or selector.links or selector.countries:
        where = Selector(nodes=selector.nodes, links=selector.links, countries=selector.countries)
        running = {link.service_id for link in select_links(where, nodes, links, services)}
    chosen = []
    for service_id in sorted(services):
        service = services[service_id]
        if selector.services and service_id not in selector.services:
            continue
        if selector.modes and service.mode.value not in selector.modes:
            continue
        if selector.operators and service.operator not in selector.operators:
            continue
        if running is not None and service_id not in running:
            continue
        chosen.append(service)
    return chosen


def links_touching(
    links: Mapping[str, Link],
    nodes: Mapping[str, Node],
    *,
    node_ids: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    modes: tuple[str, ...] = (),
) -> list[str]:
    """Ids of links with an end at one of ``node_ids`` or in one of ``countries`` (of ``modes`` when given)."""
    closed = []
    for link_id in sorted(links):
        link = links[link_id]
        if modes and link.mode.value not in modes:
            continue
        ends = (link.from_id, link.to_id)
        if any(end in node_ids or nodes[end].country in countries for end in ends):
            closed.append(link_id)
    return closed


__all__ = [
    "DIRECTIONS",
    "MODES",
    "SCALED_COLUMNS",
    "SELECTOR_FIELDS",
    "links_touching",
    "scaled_columns",
    "select_links",
    "select_nodes",
    "select_services",
    "selector_values",
]
