"""Weekly capacities (TEU/week) of links and terminals for the demand assignment.

Where they come from, by default:

- **Links**: ``capacity_teu_per_week`` of ``links.csv`` (infrastructure or fleet capacity of the hop), and, for
  services of the modes in ``service_modes`` (default: ferry and sea), the sailings: departures per week ×
  ``capacity_teu_per_departure``. When both exist, the smaller binds. Rail families are not capped by their
  timetable by default: a headway in ``services.csv`` is a frequency assumption (trains are added when cargo
  is there), while a ship's sailings really are the fleet.
- **Terminals**: ``capacity_teu_per_week`` of ``nodes.csv`` ("transshipment / handling capacity") limits the TEU
  **lifted** there — moved between kinds of vehicle (wagon ↔ vessel ↔ truck) or between gauges, which is what a
  container terminal or a gauge-change yard does. Cargo staying on its train, wagons rolling onto a rail ferry
  and trucks driving off a ro-ro ferry do not use the terminal's cranes.

``overrides`` replace or remove (``None``) the capacity of any link or node by id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import Mode, Network, ServiceKind
from engine.optimize.values import MAX_TEU_PER_WEEK

DEFAULT_SERVICE_MODES = frozenset({Mode.FERRY, Mode.SEA})


@dataclass(frozen=True)
class Capacities:
    """TEU/week per capacitated link and node, and why (``basis``: ``link``, ``sailings``, ``node`` or
    ``override``)."""

    link_teu_per_week: Mapping[str, float]
    node_teu_per_week: Mapping[str, float]
    basis: Mapping[str, str]


def weekly_capacities(
    network: Network,
    overrides: Mapping[str, float | None] | None = None,
    service_modes: frozenset[Mode] = DEFAULT_SERVICE_MODES,
) -> Capacities:
    """The capacities the assignment enforces on ``network`` (see the module docstring).

    Raises
    ------
    InvalidRequest
        For an override naming neither a link nor a node, or a capacity that is not a number > 0.
    """
    links: dict[str, float] = {}
    nodes: dict[str, float] = {}
    basis: dict[str, str] = {}
    for link in network.links.values():
        candidates: list[tuple[float, str]] = []
        if link.capacity_teu_per_week is not None:
            candidates.append((link.capacity_teu_per_week, "link"))
        service = network.services[link.service_id]
        if (
            service.mode in service_modes
            and service.kind is not ServiceKind.CONTINUOUS
            and service.capacity_teu_per_departure is not None
        ):
            candidates.append((service.departures_per_week * service.capacity_teu_per_departure, "sailings"))
        if candidates:
            value, why = min(candidates)
            links[link.id] = value
            basis[link.id] = why
    for node in network.nodes.values():
        if node.capacity_teu_per_week is not None:
            nodes[node.id] = node.capacity_teu_per_week
            basis[node.id] = "node"
    problems: list[FieldProblem] = []
    for element, override in sorted((overrides or {}).items()):
        table: dict[str, float]
        if element in network.links:
            table = links
        elif element in network.nodes:
            table = nodes
        else:
            problems.append(
                FieldProblem("capacities", f"{element!r} is neither a link nor a node of network {network.label}")
            )
            continue
        if override is None:
            table.pop(element, None)
            basis.pop(element, None)
        elif (
            isinstance(override, int | float)
            and not isinstance(override, bool)
            and math.isfinite(override)
            and 0 < override <= MAX_TEU_PER_WEEK
        ):
            table[element] = float(override)
            basis[element] = "override"
        else:
            message = f"must be > 0 and <= {MAX_TEU_PER_WEEK:,.0f} TEU/week or null, got {override!r}"
            problems.append(FieldProblem(f"capacities.{element}", message))
    if problems:
        raise InvalidRequest(problems)
    return Capacities(links, nodes, basis)
