"""Weekly capacities (TEU/week) of links and terminals for the demand assignment.

Where they come from, by default:

- **Links**: ``capacity_teu_per_week`` of ``links.csv`` (infrastructure or fleet capacity of the hop), and, for
  services of the modes in ``service_modes``, the timetable: departures per week × ``capacity_teu_per_departure``
  (weekly timetables count their departures, headway services ``168 / headway_h``). When both exist, the smaller
  binds. **Default: rail, ferry and sea** (:data:`DEFAULT_SERVICE_MODES`) — the same departures the shipment
  planner (:func:`engine.optimize.plan_shipment`) fills one by one, so a train that is full in the plan is full
  in the assignment too. Road and air are not capped by their timetable by default (trucks are dispatched on
  demand; air capacity is in kg). Pass ``service_modes`` (``AssignRequest.capacity_modes``) to cap only some
  modes, e.g. ``{ferry, sea}`` for the earlier "rail is a frequency assumption" reading.

  Where the two models differ: the planner claims a departure's capacity where cargo boards and lets it ride on
  through the service's later nodes; the assignment caps every link of the service at the weekly departures ×
  capacity, so cargo boarding mid-route shares the downstream links with through cargo. On a single-link
  service (a ferry, a border shuttle) the two are the same.
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

DEFAULT_SERVICE_MODES = frozenset({Mode.RAIL, Mode.FERRY, Mode.SEA})
"""Modes whose timetables (departures × capacity per departure) cap their links in the assignment."""

BASIS_BY_MODE = {Mode.RAIL: "departures", Mode.FERRY: "sailings", Mode.SEA: "sailings"}
"""The ``capacity_basis`` reported for a timetable cap (ships sail, trains depart)."""


@dataclass(frozen=True)
class Capacities:
    """TEU/week per capacitated link and node, and why (``basis``: ``link``, ``sailings`` (ferry, sea),
    ``departures`` (rail), ``node`` or ``override``)."""

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
            weekly = service.departures_per_week * service.capacity_teu_per_departure
            candidates.append((weekly, BASIS_BY_MODE.get(service.mode, "departures")))
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
