"""The row rules of the node, link and service tables, written once for the loader and for scenario edits.

A row is checked in two steps, and both users share both:

1. **Cell rules** (:data:`NODE_CELLS`, :data:`LINK_CELLS`, :data:`SERVICE_CELLS`): one parser per column turns a
   cell into a typed value (a number within its bounds, an identifier, an enum, a week time) or records a problem.
   The loader runs every parser over a CSV row; the scenario format runs the parsers of the columns an edit writes.
2. **Record rules** (:func:`node_rules`, :func:`link_rules`, :func:`service_rules`): what must hold between the
   columns of one record (a gauge_change node lists two gauges, one tariff per link, a weekly service has a
   timetable). They read typed values and ask a :class:`Fields` whether a column was given, so the loader checks a
   CSV row and scenario edits check the record an edit produced (``dataclasses.replace`` of the old one) with the
   same code.

Cross-table rules (references, gauges along a service, dead ends) are in :mod:`engine.network.validate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from engine.network.countries import COUNTRY_NAMES
from engine.network.inputs import Row, split_list
from engine.network.model import (
    DEFAULT_LOAD_UNIT,
    MINUTES_PER_WEEK,
    CargoClass,
    FeeUnit,
    Gauge,
    Link,
    LoadUnit,
    Mode,
    Node,
    NodeKind,
    Provenance,
    Service,
    ServiceKind,
)
from engine.network.schema import SPREAD_COLUMNS as SPREAD_COLUMNS

NODE_ID = re.compile(r"[A-Z][A-Z0-9_]*")
LINK_ID = re.compile(r"[A-Z][A-Z0-9_-]*")
SERVICE_ID = LINK_ID
LOCODE = re.compile(r"[A-Z]{2}[A-Z0-9]{3}")
TARIFF_COLUMNS = ("usd_per_teu", "usd_per_kg", "usd_per_truck")

CellParser = Callable[[Row], Any]


class Fields(Protocol):
    """Where record rules read whether a column was given and report a problem (a :class:`Row` is one)."""

    def given(self, column: str) -> bool:
        """Whether ``column`` has a value (a non-empty cell)."""
        ...

    def problem(self, column: str | None, message: str) -> None:
        """Record a problem about ``column``."""
        ...


# ------------------------------------------------------------------------------------------------- cells


def _number(
    column: str, *, required: bool = False, gt: float | None = None, ge: float | None = None, le: float | None = None
) -> CellParser:
    def parse(row: Row) -> float | None:
        return row.number(column, required=required, gt=gt, ge=ge, le=le)

    return parse


def _locode(row: Row) -> str | None:
    locode = row.text("locode")
    if locode is not None and not LOCODE.fullmatch(locode):
        row.problem("locode", f"must be a 5-character UN/LOCODE like 'KZAKX', got {locode!r}")
    return locode


def _country(row: Row) -> str | None:
    country = row.text("country", required=True)
    if country is not None and country not in COUNTRY_NAMES:
        row.problem("country", f"must be an ISO 3166-1 alpha-2 code like 'KZ', got {country!r}")
    return country


def _node_gauges(row: Row) -> frozenset[int] | None:
    result: set[int] = set()
    for item in split_list(row.raw("gauge_mm")):
        if item not in ("1435", "1520"):
            row.problem("gauge_mm", f"must be 1435 and/or 1520 separated by '|', got {row.raw('gauge_mm')!r}")
            return None
        result.add(int(item))
    return frozenset(result)


def _link_gauge(row: Row) -> int | None:
    gauge = row.integer("gauge_mm")
    if gauge is not None and gauge not in (Gauge.STANDARD, Gauge.BROAD):
        row.problem("gauge_mm", f"must be 1435 or 1520, got {gauge}")
    return gauge


def _weekly_departures(row: Row) -> tuple[int, ...]:
    minutes: list[int] = []
    for item in split_list(row.raw("weekly_departures")):
        value = row.week_time("weekly_departures", item)
        if value is None:
            return ()
        if value in minutes:
            row.problem("weekly_departures", f"departure {item!r} is listed twice")
            return ()
        minutes.append(value)
    return tuple(sorted(minutes))


def _headway(row: Row) -> float | None:
    headway_h = row.number("headway_h", gt=0, le=168)
    if headway_h is not None and MINUTES_PER_WEEK % round(headway_h * 60) != 0:
        row.problem(
            "headway_h",
            f"must divide a week (168 h) so the timetable repeats weekly, e.g. 6, 12, 24, 42 or 84, got {headway_h:g}",
        )
        return None
    return headway_h


def _anchor(row: Row) -> int | None:
    text = row.raw("headway_anchor")
    return row.week_time("headway_anchor", text) if text else 0


def _fee_unit(row: Row, column: str) -> FeeUnit | None:
    unit = row.choice(column, FeeUnit, required=False)
    if unit is FeeUnit.CONTAINER_DAY:
        row.problem(column, "container_day is for surcharges; a node fee is per teu, container, wagon or consignment")
        return None
    return unit


# Column → parser, in the order the loader has always reported problems. Column names are the CSV headers.
NODE_CELLS: Mapping[str, CellParser] = {
    "id": lambda row: row.ident("id", NODE_ID, "upper-case letters, digits and '_', starting with a letter"),
    "name": lambda row: row.text("name", required=True),
    "locode": _locode,
    "country": _country,
    "lat": _number("lat", required=True, ge=-90, le=90),
    "lon": _number("lon", required=True, ge=-180, le=180),
    "kinds": lambda row: row.choices("kinds", NodeKind, required=True),
    "gauge_mm": _node_gauges,
    **{
        column: _number(column, ge=0)
        for column in (
            "handling_h",
            "handling_usd_per_teu",
            "handling_usd_per_kg",
            "deconsolidation_h",
            "deconsolidation_usd_per_teu",
            "border_exit_h",
            "border_entry_h",
            "border_exit_usd_per_teu",
            "border_entry_usd_per_teu",
        )
    },
    "reefer_plugs": lambda row: row.flag("reefer_plugs"),
    "handling_unit": lambda row: _fee_unit(row, "handling_unit"),
    "border_unit": lambda row: _fee_unit(row, "border_unit"),
    "capacity_teu_per_week": _number("capacity_teu_per_week", gt=0),
    **{column: _number(column, ge=0) for column in SPREAD_COLUMNS},
    "aliases": lambda row: tuple(split_list(row.raw("aliases"))),
}
LINK_CELLS: Mapping[str, CellParser] = {
    "id": lambda row: row.ident("id", LINK_ID, "upper-case letters, digits, '_' and '-', e.g. R-XIAN-LANZHOU"),
    "from": lambda row: row.text("from", required=True),
    "to": lambda row: row.text("to", required=True),
    "mode": lambda row: row.choice("mode", Mode),
    "service": lambda row: row.text("service", required=True),
    "load_unit": lambda row: row.choice("load_unit", LoadUnit, required=False),
    "gauge_mm": _link_gauge,
    "distance_km": _number("distance_km", required=True, gt=0),
    "run_h": _number("run_h", required=True, gt=0),
    **{column: _number(column, ge=0) for column in TARIFF_COLUMNS},
    "teu_per_truck": _number("teu_per_truck", gt=0, le=3),
    "capacity_teu_per_week": _number("capacity_teu_per_week", gt=0),
    "max_gross_kg_per_teu": _number("max_gross_kg_per_teu", gt=0),
    "refused_cargo": lambda row: row.choices("refused_cargo", CargoClass),
    "bidirectional": lambda row: row.flag("bidirectional", default=False),
    "emission_class": lambda row: row.text("emission_class", required=True),
    "operator": lambda row: row.text("operator"),
    "reverse_fare": _number("reverse_fare", ge=0),
}
SERVICE_CELLS: Mapping[str, CellParser] = {
    "id": lambda row: row.ident("id", SERVICE_ID, "upper-case letters, digits, '_' and '-', e.g. KTZ-BLOCK"),
    "mode": lambda row: row.choice("mode", Mode),
    "kind": lambda row: row.choice("kind", ServiceKind),
    "weekly_departures": _weekly_departures,
    "headway_h": _headway,
    "headway_anchor": _anchor,
    "capacity_teu_per_departure": _number("capacity_teu_per_departure", gt=0),
    "capacity_kg_per_departure": _number("capacity_kg_per_departure", gt=0),
    "operator": lambda row: row.text("operator"),
    # A sure cancellation would be no service at all: below 1, so a cancelled departure has a next one.
    "cancel_probability": _number("cancel_probability", ge=0, le=0.9),
    "feu_factor": _number("feu_factor", ge=1, le=2),
}

# Column → record attribute where the names differ (units or a reserved word).
NODE_ATTRIBUTES: Mapping[str, str] = {column: column for column in NODE_CELLS} | {"gauge_mm": "gauges_mm"}
LINK_ATTRIBUTES: Mapping[str, str] = {column: column for column in LINK_CELLS if column != "bidirectional"} | {
    "from": "from_id",
    "to": "to_id",
    "service": "service_id",
}
SERVICE_ATTRIBUTES: Mapping[str, str] = {column: column for column in SERVICE_CELLS} | {
    "weekly_departures": "weekly_departures_min",
    "headway_anchor": "headway_anchor_min",
}


def parse_cells(row: Row, parsers: Mapping[str, CellParser], columns: Iterable[str] | None = None) -> dict[str, Any]:
    """Typed values of ``columns`` (default: every column of ``parsers``), in the parsers' order."""
    wanted = set(parsers) if columns is None else set(columns)
    return {column: parse(row) for column, parse in parsers.items() if column in wanted}


# ---------------------------------------------------------------------------------------------- records


def node_rules(fields: Fields, kinds: frozenset[NodeKind] | None, gauges: frozenset[int] | None) -> None:
    """What must hold between the columns of one node."""
    _both_or_neither(fields, "handling_h", "handling_usd_per_teu")
    _both_or_neither(fields, "deconsolidation_h", "deconsolidation_usd_per_teu")
    if kinds and gauges and len(gauges) > 1 and NodeKind.GAUGE_CHANGE not in kinds:
        fields.problem("gauge_mm", "a node with two gauges must be of kind gauge_change (cargo is transshipped)")
    if kinds and NodeKind.GAUGE_CHANGE in kinds and len(gauges or ()) < 2:
        fields.problem("kinds", "a gauge_change node must list both gauges in gauge_mm, e.g. '1435|1520'")
    if kinds and NodeKind.GAUGE_CHANGE in kinds and not fields.given("handling_h"):
        fields.problem("handling_h", "a gauge_change node needs handling_h: every gauge break is a transshipment")
    if fields.given("deconsolidation_h") and kinds and NodeKind.AIRPORT not in kinds:
        fields.problem("deconsolidation_h", "only airports de-consolidate containers into air cargo")
    if kinds and NodeKind.WAYPOINT in kinds and fields.given("handling_h"):
        fields.problem("handling_h", "a waypoint is not a terminal: cargo cannot be handled there")


def _both_or_neither(fields: Fields, first: str, second: str) -> None:
    if fields.given(first) != fields.given(second):
        missing, present = (second, first) if fields.given(first) else (first, second)
        fields.problem(missing, f"is required when {present} is given (give both or neither)")


def link_rules(
    fields: Fields, from_id: str | None, to_id: str | None, mode: Mode | None, load_unit: LoadUnit | None
) -> LoadUnit | None:
    """What must hold between the columns of one link; returns the load unit (the mode's default when not given)."""
    if from_id is not None and from_id == to_id:
        fields.problem("to", f"a link must join two different nodes, got {from_id!r} twice")
    if mode is not None:
        load_unit = _check_load_unit(fields, mode, load_unit)
    given = [c for c in TARIFF_COLUMNS if fields.given(c)]
    if len(given) != 1:
        got = ", ".join(given) if given else "none"
        fields.problem("usd_per_teu", f"exactly one of usd_per_teu, usd_per_kg, usd_per_truck must be set, got {got}")
    elif mode is not None and load_unit is not None:
        _check_tariff_unit(fields, mode, load_unit, given[0])
    if load_unit is LoadUnit.TRUCK and not fields.given("teu_per_truck"):
        fields.problem("teu_per_truck", "is required when the cargo rides on trucks (TEU one truck carries)")
    if load_unit is not None and load_unit is not LoadUnit.TRUCK and fields.given("teu_per_truck"):
        fields.problem("teu_per_truck", f"only applies to trucks; this link carries {load_unit}")
    if load_unit is LoadUnit.WAGON and not fields.given("gauge_mm"):
        fields.problem("gauge_mm", "is required for rail wagons (1435 or 1520)")
    if load_unit is not None and load_unit is not LoadUnit.WAGON and fields.given("gauge_mm"):
        fields.problem("gauge_mm", f"only rail wagons have a gauge; this link carries {load_unit}")
    return load_unit


def _check_load_unit(fields: Fields, mode: Mode, load_unit: LoadUnit | None) -> LoadUnit | None:
    if mode is Mode.FERRY:
        if load_unit is None:
            fields.problem("load_unit", "is required for ferries: wagon (rail ferry), truck (ro-ro) or vessel (feeder)")
        elif load_unit is LoadUnit.AIRCRAFT:
            fields.problem("load_unit", "a ferry carries wagon, truck or vessel, got 'aircraft'")
            return None
        return load_unit
    expected = DEFAULT_LOAD_UNIT[mode]
    if load_unit is not None and load_unit is not expected:
        fields.problem("load_unit", f"a {mode} link carries {expected}, got {load_unit.value!r}")
        return None
    return expected


def _check_tariff_unit(fields: Fields, mode: Mode, load_unit: LoadUnit, column: str) -> None:
    if mode is Mode.AIR and column != "usd_per_kg":
        fields.problem(column, "air is charged per kg: use usd_per_kg")
    elif mode is not Mode.AIR and column == "usd_per_kg":
        fields.problem(column, f"only air is charged per kg; a {mode} link uses usd_per_teu or usd_per_truck")
    elif column == "usd_per_truck" and load_unit is not LoadUnit.TRUCK:
        fields.problem(column, f"only trucks are charged per truck; this link carries {load_unit}")
    elif mode is Mode.ROAD and column != "usd_per_truck":
        fields.problem(column, "road is charged per truck: use usd_per_truck with teu_per_truck")


def service_rules(
    fields: Fields,
    kind: ServiceKind | None,
    mode: Mode | None,
    departures: tuple[int, ...],
    headway_h: float | None,
    capacity_teu: float | None,
    capacity_kg: float | None,
) -> None:
    """What must hold between the columns of one service."""
    if kind is ServiceKind.WEEKLY and not departures and not fields.given("weekly_departures"):
        fields.problem("weekly_departures", "is required for a weekly service, e.g. 'Mon 06:00|Thu 18:00'")
    if kind is not ServiceKind.WEEKLY and fields.given("weekly_departures"):
        fields.problem("weekly_departures", f"only weekly services have a timetable; this one is {kind}")
    if kind is ServiceKind.HEADWAY and headway_h is None and not fields.given("headway_h"):
        fields.problem("headway_h", "is required for a headway service (hours between departures)")
    if kind is not ServiceKind.HEADWAY and (fields.given("headway_h") or fields.given("headway_anchor")):
        column = "headway_h" if fields.given("headway_h") else "headway_anchor"
        fields.problem(column, f"only headway services have a headway; this one is {kind}")
    if kind is ServiceKind.CONTINUOUS and fields.given("cancel_probability"):
        fields.problem("cancel_probability", "a continuous service has no departures to cancel")
    if kind is ServiceKind.CONTINUOUS and (capacity_teu is not None or capacity_kg is not None):
        fields.problem("capacity_teu_per_departure", "a continuous service has no departures to size")
    if kind in (ServiceKind.WEEKLY, ServiceKind.HEADWAY) and mode is not None:
        if mode is Mode.AIR and capacity_kg is None and not fields.given("capacity_kg_per_departure"):
            fields.problem("capacity_kg_per_departure", "is required for a scheduled air service")
        if mode is not Mode.AIR and capacity_teu is None and not fields.given("capacity_teu_per_departure"):
            fields.problem("capacity_teu_per_departure", "is required for a scheduled service")


# ------------------------------------------------------------------------------ values → record, and back


def check_node(fields: Fields, values: Mapping[str, Any]) -> None:
    """Record rules of a node given its typed column values."""
    node_rules(fields, values["kinds"], values["gauge_mm"])
    spread_rules(fields, values)


SPREADS: Mapping[str, tuple[str, str, str]] = {
    "border_exit": ("border_exit_p10_h", "border_exit_h", "border_exit_p90_h"),
    "border_entry": ("border_entry_p10_h", "border_entry_h", "border_entry_p90_h"),
    "handling": ("handling_p10_h", "handling_h", "handling_p90_h"),
    "port_queue": ("port_queue_p10_h", "port_queue_h", "port_queue_p90_h"),
}
"""Per varying dwell of a node: its P10, P50 and P90 columns (hours). The P50 column is the one the search uses."""


def spread_rules(fields: Fields, values: Mapping[str, Any]) -> None:
    """A dwell's P10 and P90 come together, with its P50, and in order: P10 <= P50 <= P90."""
    for p10_column, p50_column, p90_column in SPREADS.values():
        p10, p50, p90 = values.get(p10_column), values.get(p50_column), values.get(p90_column)
        if (p10 is None) != (p90 is None):
            missing = p90_column if p90 is None else p10_column
            fields.problem(missing, f"is required when {p10_column if p90 is None else p90_column} is given")
            continue
        if p10 is None or p90 is None:
            continue
        if p50 is None:
            fields.problem(p50_column, f"is required when {p10_column} and {p90_column} give its spread")
        elif not p10 <= p50 <= p90:
            fields.problem(
                p10_column if p10 > p50 else p90_column,
                f"must satisfy P10 <= P50 <= P90, got {p10:g} <= {p50:g} <= {p90:g} ({p10_column}, {p50_column},"
                f" {p90_column})",
            )


def check_link(fields: Fields, values: dict[str, Any]) -> None:
    """Record rules of a link given its typed column values (sets the derived ``load_unit``)."""
    values["load_unit"] = link_rules(fields, values["from"], values["to"], values["mode"], values["load_unit"])
    if values.get("reverse_fare") is not None and not values.get("bidirectional"):
        fields.problem("reverse_fare", "is the fare of the reverse hop: only a bidirectional link has one")


def check_service(fields: Fields, values: Mapping[str, Any]) -> None:
    """Record rules of a service given its typed column values."""
    service_rules(
        fields,
        values["kind"],
        values["mode"],
        values["weekly_departures"],
        values["headway_h"],
        values["capacity_teu_per_departure"],
        values["capacity_kg_per_departure"],
    )


def build_node(values: Mapping[str, Any], provenance: Provenance, line: int) -> Node | None:
    """The node of checked values (``None`` when a required value is missing)."""
    if any(values[c] is None for c in ("id", "name", "country", "lat", "lon", "kinds", "gauge_mm")):
        return None
    return Node(**{NODE_ATTRIBUTES[c]: v for c, v in values.items()}, provenance=provenance, line=line)


def build_link(values: Mapping[str, Any], provenance: Provenance, line: int) -> Link | None:
    """The link of checked values (``None`` when a required value is missing)."""
    required = ("id", "from", "to", "mode", "service", "load_unit", "distance_km", "run_h", "emission_class")
    if any(values[c] is None for c in (*required, "refused_cargo")):
        return None
    attributes = {LINK_ATTRIBUTES[c]: v for c, v in values.items() if c in LINK_ATTRIBUTES}
    return Link(**attributes, provenance=provenance, line=line)


def build_service(values: Mapping[str, Any], provenance: Provenance, line: int) -> Service | None:
    """The service of checked values (``None`` when a required value is missing)."""
    if any(values[c] is None for c in ("id", "mode", "kind", "headway_anchor")):
        return None
    return Service(**{SERVICE_ATTRIBUTES[c]: v for c, v in values.items()}, provenance=provenance, line=line)


def record_values(record: Node | Link | Service, attributes: Mapping[str, str]) -> dict[str, Any]:
    """A record's typed values by column name (the inverse of ``build_*``)."""
    return {column: getattr(record, attribute) for column, attribute in attributes.items()}


def has_value(column: str, value: Any) -> bool:
    """Whether a typed column value stands for a non-empty cell."""
    if column == "headway_anchor":
        return bool(value)  # 0 (Mon 00:00) is also what an empty anchor means
    return value is not None and value != () and value != frozenset()


__all__ = [
    "LINK_ATTRIBUTES",
    "LINK_CELLS",
    "LINK_ID",
    "NODE_ATTRIBUTES",
    "NODE_CELLS",
    "NODE_ID",
    "SERVICE_ATTRIBUTES",
    "SERVICE_CELLS",
    "SERVICE_ID",
    "SPREADS",
    "SPREAD_COLUMNS",
    "Fields",
    "build_link",
    "build_node",
    "build_service",
    "check_link",
    "check_node",
    "check_service",
    "has_value",
    "link_rules",
    "node_rules",
    "parse_cells",
    "record_values",
    "service_rules",
    "spread_rules",
]
