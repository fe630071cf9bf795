"""Load a network directory into an immutable, validated :class:`~engine.network.model.Network`.

Loading either returns a complete network or raises :class:`~engine.errors.NetworkDataError` listing every
problem found (file, line, column, what is wrong, what is allowed); nothing half-built escapes.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from engine.errors import NetworkDataError, quote
from engine.network import schema
from engine.network.countries import COUNTRY_NAMES
from engine.network.model import (
    DEFAULT_LOAD_UNIT,
    ESTIMATE,
    MINUTES_PER_WEEK,
    CargoClass,
    EmissionFactor,
    Gauge,
    Link,
    LoadUnit,
    Mode,
    Network,
    Node,
    NodeKind,
    Provenance,
    Service,
    ServiceKind,
    Source,
    SourcedShare,
)
from engine.network.provenance import count_cells, read_provenance
from engine.network.tables import Problems, Row, iter_rows, read_table, split_list
from engine.network.validate import check_network

NODE_ID = re.compile(r"[A-Z][A-Z0-9_]*")
LINK_ID = re.compile(r"[A-Z][A-Z0-9_-]*")
SERVICE_ID = LINK_ID
FACTOR_ID = re.compile(r"[a-z][a-z0-9_]*")
SOURCE_KEY = re.compile(r"[A-Z0-9][A-Z0-9-]*")
LOCODE = re.compile(r"[A-Z]{2}[A-Z0-9]{3}")
URL = re.compile(r"https?://\S+")
REVERSE_SUFFIX = ".R"


def load_network(directory: str | Path) -> Network:
    """Load and validate the network in ``directory``.

    Parameters
    ----------
    directory
        A folder with ``nodes.csv``, ``links.csv``, ``services.csv``, ``emission_factors.csv``,
        ``sources.csv`` and optionally ``network.toml`` (name, title, connectivity origins/destinations).

    Returns
    -------
    Network
        The validated snapshot; ``network.warnings`` lists what is legal but suspicious.

    Raises
    ------
    NetworkDataError
        With every problem found, e.g. ``links.csv:42: distance_km: must be > 0, got -3``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise NetworkDataError.from_message(str(directory), "network directory not found")
    problems = Problems()
    meta = _read_metadata(directory, problems)

    sources = _read_sources(directory, problems)
    counts: dict[str, tuple[int, int]] = {}
    factors, counts[schema.EMISSION_FACTORS.file] = _read_emission_factors(directory, sources, problems)
    services, counts[schema.SERVICES.file] = _read_services(directory, sources, problems)
    nodes, counts[schema.NODES.file] = _read_nodes(directory, sources, problems)
    links, counts[schema.LINKS.file] = _read_links(directory, sources, problems)

    if problems:
        raise NetworkDataError(problems.items)

    origins = tuple(meta.origins)
    destinations = tuple(meta.destinations)
    warnings = check_network(nodes, links, services, factors, sources, origins, destinations, problems)
    if problems:
        raise NetworkDataError(problems.items)

    share = SourcedShare(
        sourced_by_table={table: c[0] for table, c in counts.items()},
        estimated_by_table={table: c[1] for table, c in counts.items()},
    )
    return Network(
        name=meta.name or directory.name,
        title=meta.title or directory.name,
        version=_content_hash(directory),
        nodes=nodes,
        links=dict(sorted(links.items())),
        services=services,
        emission_factors=factors,
        sources=sources,
        origins=origins,
        destinations=destinations,
        warnings=tuple(warnings),
        sourced_share=share,
    )


def _content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in (schema.METADATA_FILE, *(t.file for t in schema.TABLES)):
        path = directory / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _Metadata:
    name: str | None = None
    title: str | None = None
    origins: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()


def _read_metadata(directory: Path, problems: Problems) -> _Metadata:
    path = directory / schema.METADATA_FILE
    if path.exists() and not path.is_file():
        problems.add(schema.METADATA_FILE, None, None, "is not a file")
        return _Metadata()
    if not path.is_file():
        return _Metadata()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add(schema.METADATA_FILE, None, None, f"cannot be read as TOML: {exc}")
        return _Metadata()
    except RecursionError:  # tomllib recurses once per nested array or inline table
        problems.add(schema.METADATA_FILE, None, None, "is nested too deeply to read as TOML")
        return _Metadata()
    connectivity = document.get("connectivity", {})
    if not isinstance(connectivity, dict):
        problems.add(schema.METADATA_FILE, None, "connectivity", "must be a table with origins and destinations")
        connectivity = {}
    for key in ("name", "title"):
        if key in document and not isinstance(document[key], str):
            problems.add(schema.METADATA_FILE, None, key, f"must be text, got {quote(document[key])}")
    endpoints: dict[str, tuple[str, ...]] = {}
    for key in ("origins", "destinations"):
        value = connectivity.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(schema.METADATA_FILE, None, f"connectivity.{key}", "must be a list of node ids")
            value = []
        endpoints[key] = tuple(value)
    name, title = document.get("name"), document.get("title")
    return _Metadata(
        name=name if isinstance(name, str) else None,
        title=title if isinstance(title, str) else None,
        origins=endpoints["origins"],
        destinations=endpoints["destinations"],
    )


def _read_sources(directory: Path, problems: Problems) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for row in iter_rows(read_table(directory, schema.SOURCES, problems)):
        key = row.ident("key", SOURCE_KEY, "upper-case letters, digits and '-', e.g. CPMM-2022-KZ")
        title = row.text("title", required=True)
        url = row.text("url", required=True)
        year = row.integer("year", ge=1900, le=2100)
        if url is not None and not URL.fullmatch(url):
            row.problem("url", f"must be an http(s) URL, got {url!r}")
        if key == ESTIMATE:
            row.problem("key", "ESTIMATE is reserved for numbers nobody published; do not define it")
            continue
        if key in sources:
            row.problem("key", f"duplicate key {key!r}, first defined on line {sources[key].line}")
            continue
        if row.failed or key is None or title is None or url is None:
            continue
        sources[key] = Source(key, title, row.text("publisher"), url, year, row.text("note"), row.line)
    return sources


def _read_emission_factors(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, EmissionFactor], tuple[int, int]]:
    table = schema.EMISSION_FACTORS
    factors: dict[str, EmissionFactor] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in iter_rows(read_table(directory, table, problems)):
        factor_id = row.ident("id", FACTOR_ID, "lower case letters, digits and '_', e.g. rail_electric")
        mode = row.choice("mode", Mode)
        description = row.text("description", required=True)
        intensity = row.number("g_co2e_per_tkm_wtw", required=True, gt=0)
        provenance = read_provenance(row, table.numeric_columns, sources)
        provenances.append((row, provenance))
        if factor_id in factors:
            row.problem("id", f"duplicate id {factor_id!r}, first defined on line {factors[factor_id].line}")
            continue
        if row.failed or factor_id is None or mode is None or description is None or intensity is None:
            continue
        factors[factor_id] = EmissionFactor(factor_id, mode, description, intensity, provenance, row.line)
    return factors, count_cells(provenances, table.numeric_columns)


def _read_services(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, Service], tuple[int, int]]:
    table = schema.SERVICES
    services: dict[str, Service] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in iter_rows(read_table(directory, table, problems)):
        service, provenance = service_from_row(row, sources)
        provenances.append((row, provenance))
        service_id = row.raw("id")
        if service_id in services:
            row.problem("id", f"duplicate id {service_id!r}, first defined on line {services[service_id].line}")
        elif service is not None:
            services[service.id] = service
    return services, count_cells(provenances, table.numeric_columns)


def service_from_row(
    row: Row, sources: Mapping[str, Source], line: int | None = None
) -> tuple[Service | None, Provenance]:
    """Build a :class:`Service` from one row of ``services.csv`` cells (problems go to the row).

    Also used for scenario edits, so a service added by an edit obeys exactly the file's rules. ``line`` overrides
    the row's line in the record (scenario edits tag records with their edit).
    """
    service_id = row.ident("id", SERVICE_ID, "upper-case letters, digits, '_' and '-', e.g. KTZ-BLOCK")
    mode = row.choice("mode", Mode)
    kind = row.choice("kind", ServiceKind)
    departures = _weekly_departures(row)
    headway_h = row.number("headway_h", gt=0, le=168)
    if headway_h is not None and MINUTES_PER_WEEK % round(headway_h * 60) != 0:
        row.problem(
            "headway_h",
            f"must divide a week (168 h) so the timetable repeats weekly, e.g. 6, 12, 24, 42 or 84, got {headway_h:g}",
        )
        headway_h = None
    anchor_text = row.raw("headway_anchor")
    anchor = row.week_time("headway_anchor", anchor_text) if anchor_text else 0
    capacity_teu = row.number("capacity_teu_per_departure", gt=0)
    capacity_kg = row.number("capacity_kg_per_departure", gt=0)
    provenance = read_provenance(row, schema.SERVICES.numeric_columns, sources)

    if kind is ServiceKind.WEEKLY and not departures and not row.raw("weekly_departures"):
        row.problem("weekly_departures", "is required for a weekly service, e.g. 'Mon 06:00|Thu 18:00'")
    if kind is not ServiceKind.WEEKLY and row.raw("weekly_departures"):
        row.problem("weekly_departures", f"only weekly services have a timetable; this one is {kind}")
    if kind is ServiceKind.HEADWAY and headway_h is None and not row.raw("headway_h"):
        row.problem("headway_h", "is required for a headway service (hours between departures)")
    if kind is not ServiceKind.HEADWAY and (row.raw("headway_h") or anchor_text):
        column = "headway_h" if row.raw("headway_h") else "headway_anchor"
        row.problem(column, f"only headway services have a headway; this one is {kind}")
    if kind is ServiceKind.CONTINUOUS and (capacity_teu is not None or capacity_kg is not None):
        row.problem("capacity_teu_per_departure", "a continuous service has no departures to size")
    if kind in (ServiceKind.WEEKLY, ServiceKind.HEADWAY) and mode is not None:
        if mode is Mode.AIR and capacity_kg is None and not row.raw("capacity_kg_per_departure"):
            row.problem("capacity_kg_per_departure", "is required for a scheduled air service")
        if mode is not Mode.AIR and capacity_teu is None and not row.raw("capacity_teu_per_departure"):
            row.problem("capacity_teu_per_departure", "is required for a scheduled service")
    if row.failed or service_id is None or mode is None or kind is None or anchor is None:
        return None, provenance
    service = Service(
        id=service_id,
        mode=mode,
        operator=row.text("operator"),
        kind=kind,
        weekly_departures_min=departures,
        headway_h=headway_h,
        headway_anchor_min=anchor,
        capacity_teu_per_departure=capacity_teu,
        capacity_kg_per_departure=capacity_kg,
        provenance=provenance,
        line=row.line if line is None else line,
    )
    return service, provenance


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


def _read_nodes(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, Node], tuple[int, int]]:
    table = schema.NODES
    nodes: dict[str, Node] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in iter_rows(read_table(directory, table, problems)):
        node, provenance = node_from_row(row, sources)
        provenances.append((row, provenance))
        node_id = row.raw("id")
        if node_id in nodes:
            row.problem("id", f"duplicate id {node_id!r}, first defined on line {nodes[node_id].line}")
        elif node is not None:
            nodes[node.id] = node
    return nodes, count_cells(provenances, table.numeric_columns)


def node_from_row(row: Row, sources: Mapping[str, Source], line: int | None = None) -> tuple[Node | None, Provenance]:
    """Build a :class:`Node` from one row of ``nodes.csv`` cells (problems go to the row).

    Also used for scenario edits, so a node added or changed by an edit obeys exactly the file's rules.
    """
    node_id = row.ident("id", NODE_ID, "upper-case letters, digits and '_', starting with a letter")
    name = row.text("name", required=True)
    locode = row.text("locode")
    if locode is not None and not LOCODE.fullmatch(locode):
        row.problem("locode", f"must be a 5-character UN/LOCODE like 'KZAKX', got {locode!r}")
    country = row.text("country", required=True)
    if country is not None and country not in COUNTRY_NAMES:
        row.problem("country", f"must be an ISO 3166-1 alpha-2 code like 'KZ', got {country!r}")
    lat = row.number("lat", required=True, ge=-90, le=90)
    lon = row.number("lon", required=True, ge=-180, le=180)
    kinds = row.choices("kinds", NodeKind, required=True)
    gauges = _gauges(row)
    handling_h = row.number("handling_h", ge=0)
    handling_usd = row.number("handling_usd_per_teu", ge=0)
    handling_usd_kg = row.number("handling_usd_per_kg", ge=0)
    decons_h = row.number("deconsolidation_h", ge=0)
    decons_usd = row.number("deconsolidation_usd_per_teu", ge=0)
    border = {
        column: row.number(column, ge=0)
        for column in (
            "border_exit_h",
            "border_entry_h",
            "border_exit_usd_per_teu",
            "border_entry_usd_per_teu",
        )
    }
    reefer = row.flag("reefer_plugs")
    node_capacity = row.number("capacity_teu_per_week", gt=0)
    _both_or_neither(row, "handling_h", "handling_usd_per_teu")
    _both_or_neither(row, "deconsolidation_h", "deconsolidation_usd_per_teu")
    if kinds and gauges and len(gauges) > 1 and NodeKind.GAUGE_CHANGE not in kinds:
        row.problem("gauge_mm", "a node with two gauges must be of kind gauge_change (cargo is transshipped)")
    if kinds and NodeKind.GAUGE_CHANGE in kinds and len(gauges or ()) < 2:
        row.problem("kinds", "a gauge_change node must list both gauges in gauge_mm, e.g. '1435|1520'")
    if kinds and NodeKind.GAUGE_CHANGE in kinds and not row.raw("handling_h"):
        row.problem("handling_h", "a gauge_change node needs handling_h: every gauge break is a transshipment")
    if row.raw("deconsolidation_h") and kinds and NodeKind.AIRPORT not in kinds:
        row.problem("deconsolidation_h", "only airports de-consolidate containers into air cargo")
    if kinds and NodeKind.WAYPOINT in kinds and row.raw("handling_h"):
        row.problem("handling_h", "a waypoint is not a terminal: cargo cannot be handled there")
    provenance = read_provenance(row, schema.NODES.numeric_columns, sources)

    if row.failed or node_id is None or name is None or country is None:
        return None, provenance
    assert lat is not None and lon is not None and kinds is not None and gauges is not None
    node = Node(
        id=node_id,
        name=name,
        aliases=tuple(split_list(row.raw("aliases"))),
        locode=locode,
        country=country,
        lat=lat,
        lon=lon,
        kinds=kinds,
        gauges_mm=gauges,
        handling_h=handling_h,
        handling_usd_per_teu=handling_usd,
        handling_usd_per_kg=handling_usd_kg,
        deconsolidation_h=decons_h,
        deconsolidation_usd_per_teu=decons_usd,
        border_exit_h=border["border_exit_h"],
        border_entry_h=border["border_entry_h"],
        border_exit_usd_per_teu=border["border_exit_usd_per_teu"],
        border_entry_usd_per_teu=border["border_entry_usd_per_teu"],
        reefer_plugs=reefer,
        capacity_teu_per_week=node_capacity,
        provenance=provenance,
        line=row.line if line is None else line,
    )
    return node, provenance


def _gauges(row: Row) -> frozenset[int] | None:
    result: set[int] = set()
    for item in split_list(row.raw("gauge_mm")):
        if item not in ("1435", "1520"):
            row.problem("gauge_mm", f"must be 1435 and/or 1520 separated by '|', got {row.raw('gauge_mm')!r}")
            return None
        result.add(int(item))
    return frozenset(result)


def _both_or_neither(row: Row, first: str, second: str) -> None:
    if bool(row.raw(first)) != bool(row.raw(second)):
        missing, present = (second, first) if row.raw(first) else (first, second)
        row.problem(missing, f"is required when {present} is given (give both or neither)")


def _read_links(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, Link], tuple[int, int]]:
    table = schema.LINKS
    links: dict[str, Link] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in iter_rows(read_table(directory, table, problems)):
        link, provenance, bidirectional = link_from_row(row, sources)
        provenances.append((row, provenance))
        if link is None:
            continue
        candidates = [link]
        if bidirectional:
            candidates.append(reverse_link(link))
        for candidate in candidates:
            if candidate.id in links:
                first = links[candidate.id]
                row.problem("id", f"duplicate id {candidate.id!r}, first defined on line {first.line}")
                continue
            links[candidate.id] = candidate
    return links, count_cells(provenances, table.numeric_columns)


def reverse_link(link: Link) -> Link:
    """The reverse hop of a bidirectional link: same attributes, id ``<id>.R``."""
    return replace(link, id=link.id + REVERSE_SUFFIX, from_id=link.to_id, to_id=link.from_id, reverse_of=link.id)


def link_from_row(
    row: Row, sources: Mapping[str, Source], line: int | None = None, *, allow_reverse_id: bool = False
) -> tuple[Link | None, Provenance, bool]:
    """Build a :class:`Link` from one row of ``links.csv`` cells (problems go to the row); also whether the row is
    bidirectional. Scenario edits use it too, with ``allow_reverse_id`` to edit an existing ``<id>.R`` link.
    """
    raw_id = row.raw("id")
    if allow_reverse_id and raw_id.endswith(REVERSE_SUFFIX) and LINK_ID.fullmatch(raw_id.removesuffix(REVERSE_SUFFIX)):
        link_id: str | None = raw_id  # an existing reverse link being edited keeps its id
    else:
        link_id = row.ident("id", LINK_ID, "upper-case letters, digits, '_' and '-', e.g. R-XIAN-LANZHOU")
    from_id = row.text("from", required=True)
    to_id = row.text("to", required=True)
    mode = row.choice("mode", Mode)
    service_id = row.text("service", required=True)
    load_unit = row.choice("load_unit", LoadUnit, required=False)
    gauge = row.integer("gauge_mm")
    if gauge is not None and gauge not in (Gauge.STANDARD, Gauge.BROAD):
        row.problem("gauge_mm", f"must be 1435 or 1520, got {gauge}")
    distance_km = row.number("distance_km", required=True, gt=0)
    run_h = row.number("run_h", required=True, gt=0)
    tariffs = {c: row.number(c, ge=0) for c in ("usd_per_teu", "usd_per_kg", "usd_per_truck")}
    teu_per_truck = row.number("teu_per_truck", gt=0, le=3)
    capacity = row.number("capacity_teu_per_week", gt=0)
    max_gross = row.number("max_gross_kg_per_teu", gt=0)
    refused = row.choices("refused_cargo", CargoClass)
    bidirectional = row.flag("bidirectional", default=False)
    emission_class = row.text("emission_class", required=True)
    provenance = read_provenance(row, schema.LINKS.numeric_columns, sources)

    if from_id is not None and from_id == to_id:
        row.problem("to", f"a link must join two different nodes, got {from_id!r} twice")
    if mode is not None:
        load_unit = _check_load_unit(row, mode, load_unit)
    given = [c for c in ("usd_per_teu", "usd_per_kg", "usd_per_truck") if row.raw(c)]
    if len(given) != 1:
        got = ", ".join(given) if given else "none"
        row.problem("usd_per_teu", f"exactly one of usd_per_teu, usd_per_kg, usd_per_truck must be set, got {got}")
    elif mode is not None and load_unit is not None:
        _check_tariff_unit(row, mode, load_unit, given[0])
    if load_unit is LoadUnit.TRUCK and not row.raw("teu_per_truck"):
        row.problem("teu_per_truck", "is required when the cargo rides on trucks (TEU one truck carries)")
    if load_unit is not None and load_unit is not LoadUnit.TRUCK and row.raw("teu_per_truck"):
        row.problem("teu_per_truck", f"only applies to trucks; this link carries {load_unit}")
    if load_unit is LoadUnit.WAGON and not row.raw("gauge_mm"):
        row.problem("gauge_mm", "is required for rail wagons (1435 or 1520)")
    if load_unit is not None and load_unit is not LoadUnit.WAGON and row.raw("gauge_mm"):
        row.problem("gauge_mm", f"only rail wagons have a gauge; this link carries {load_unit}")

    if row.failed or link_id is None or from_id is None or to_id is None or mode is None:
        return None, provenance, bool(bidirectional)
    if service_id is None or load_unit is None or distance_km is None or run_h is None:
        return None, provenance, bool(bidirectional)
    assert emission_class is not None and refused is not None
    link = Link(
        id=link_id,
        from_id=from_id,
        to_id=to_id,
        mode=mode,
        service_id=service_id,
        load_unit=load_unit,
        gauge_mm=gauge,
        distance_km=distance_km,
        run_h=run_h,
        usd_per_teu=tariffs["usd_per_teu"],
        usd_per_kg=tariffs["usd_per_kg"],
        usd_per_truck=tariffs["usd_per_truck"],
        teu_per_truck=teu_per_truck,
        capacity_teu_per_week=capacity,
        operator=row.text("operator"),
        emission_class=emission_class,
        max_gross_kg_per_teu=max_gross,
        refused_cargo=refused,
        provenance=provenance,
        line=row.line if line is None else line,
    )
    return link, provenance, bool(bidirectional)


def _check_load_unit(row: Row, mode: Mode, load_unit: LoadUnit | None) -> LoadUnit | None:
    if mode is Mode.FERRY:
        if load_unit is None:
            row.problem("load_unit", "is required for ferries: wagon (rail ferry), truck (ro-ro) or vessel (feeder)")
        elif load_unit is LoadUnit.AIRCRAFT:
            row.problem("load_unit", "a ferry carries wagon, truck or vessel, got 'aircraft'")
            return None
        return load_unit
    expected = DEFAULT_LOAD_UNIT[mode]
    if load_unit is not None and load_unit is not expected:
        row.problem("load_unit", f"a {mode} link carries {expected}, got {load_unit.value!r}")
        return None
    return expected


def _check_tariff_unit(row: Row, mode: Mode, load_unit: LoadUnit, column: str) -> None:
    if mode is Mode.AIR and column != "usd_per_kg":
        row.problem(column, "air is charged per kg: use usd_per_kg")
    elif mode is not Mode.AIR and column == "usd_per_kg":
        row.problem(column, f"only air is charged per kg; a {mode} link uses usd_per_teu or usd_per_truck")
    elif column == "usd_per_truck" and load_unit is not LoadUnit.TRUCK:
        row.problem(column, f"only trucks are charged per truck; this link carries {load_unit}")
    elif mode is Mode.ROAD and column != "usd_per_truck":
        row.problem(column, "road is charged per truck: use usd_per_truck with teu_per_truck")
