"""Load a network directory into an immutable, validated :class:`~engine.network.model.Network`.

Loading either returns a complete network or raises :class:`~engine.errors.NetworkDataError` listing every
problem found (file, line, column, what is wrong, what is allowed); nothing half-built escapes.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from engine.errors import NetworkDataError, quote
from engine.network.inputs import Problems, Row, iter_rows, read_table
from engine.network.link_geometry import GEOMETRY_FILE, MAX_FILE_BYTES, attach_geometry
from engine.network.model import (
    ESTIMATE,
    EmissionFactor,
    HubEmissionFactor,
    Link,
    Mode,
    Network,
    Node,
    NodeKind,
    Provenance,
    Service,
    Source,
    SourcedShare,
)
from engine.network.provenance import count_cells, read_provenance
from engine.network.rules import (
    LINK_CELLS,
    NODE_CELLS,
    SERVICE_CELLS,
    build_link,
    build_node,
    build_service,
    check_link,
    check_node,
    check_service,
    parse_cells,
)
from engine.network.schema import (
    EMISSION_FACTORS,
    HUB_EMISSION_FACTORS,
    LINKS,
    METADATA_FILE,
    NODES,
    OPTIONAL_TABLES,
    RATE_SERIES,
    SERVICES,
    SOURCES,
    SURCHARGES,
    TABLES,
    THROUGH_TARIFFS,
)
from engine.network.tariffs import read_rate_series, read_surcharges, read_through_tariffs, tariff_source_keys
from engine.network.validate import check_network

FACTOR_ID = re.compile(r"[a-z][a-z0-9_]*")
SOURCE_KEY = re.compile(r"[A-Z0-9][A-Z0-9-]*")
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
    with _no_cyclic_gc():
        return _load(directory)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a network is read.

    Reading allocates millions of records and cells and frees almost nothing, so the collector's full passes
    (each over every object alive) found nothing and took a third of a 100k-node load; reference counting still
    frees what the readers drop. The collector's previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(directory: Path) -> Network:
    problems = Problems()
    meta = _read_metadata(directory, problems)

    sources = _read_sources(directory, problems)
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    factors, counts[EMISSION_FACTORS.file] = _read_emission_factors(directory, sources, problems)
    services, counts[SERVICES.file] = _read_services(directory, sources, problems)
    nodes, counts[NODES.file] = _read_nodes(directory, sources, problems)
    links, counts[LINKS.file] = _read_links(directory, sources, problems)
    hubs: dict[NodeKind, HubEmissionFactor] = {}
    if (directory / HUB_EMISSION_FACTORS.file).is_file():
        hubs, counts[HUB_EMISSION_FACTORS.file] = _read_hub_emission_factors(directory, sources, problems)

    if problems:
        raise NetworkDataError(problems.items)

    geometry_path = directory / GEOMETRY_FILE
    if geometry_path.is_file():
        if geometry_path.stat().st_size > MAX_FILE_BYTES:
            problems.add(GEOMETRY_FILE, None, None, f"is larger than {MAX_FILE_BYTES:,} bytes")
        else:
            try:
                text = geometry_path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                problems.add(GEOMETRY_FILE, None, None, f"is not UTF-8 (byte {exc.start})")
            else:
                links = attach_geometry(text, links, nodes, problems)
        if problems:
            raise NetworkDataError(problems.items)

    origins = tuple(meta.origins)
    destinations = tuple(meta.destinations)
    surcharges, counts[SURCHARGES.file] = read_surcharges(directory, nodes, links, services, sources, problems)
    rate_series, counts[RATE_SERIES.file] = read_rate_series(directory, services, sources, problems)
    through, counts[THROUGH_TARIFFS.file] = read_through_tariffs(directory, links, sources, problems)
    cited_elsewhere = _calibration_sources(directory)
    warnings = check_network(
        nodes,
        links,
        services,
        factors,
        sources,
        origins,
        destinations,
        problems,
        cited_elsewhere | tariff_source_keys(surcharges, rate_series, through),
    )
    if problems:
        raise NetworkDataError(problems.items)

    share = SourcedShare(
        sourced_by_table={table: sum(s for s, _ in c.values()) for table, c in counts.items()},
        estimated_by_table={table: sum(e for _, e in c.values()) for table, c in counts.items()},
        by_column={f"{table}/{column}": cells for table, c in counts.items() for column, cells in c.items()},
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
        hub_emission_factors=hubs,
        as_of=meta.as_of,
        sources_cited_elsewhere=cited_elsewhere,
        surcharges=surcharges,
        rate_series=rate_series,
        through_tariffs=through,
    )


CALIBRATION_FILE = "calibration.csv"
"""Published figures the engine is held against (``engine.studies.calibration_file`` reads and checks it)."""


def _calibration_sources(directory: Path) -> frozenset[str]:
    """The keys in the ``source`` column of ``calibration.csv``, read leniently: they only keep the sources they
    name from being reported as unused (the harness checks the file itself)."""
    path = directory / CALIBRATION_FILE
    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        return frozenset()
    try:
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        return frozenset(key.strip() for row in rows if isinstance(key := row.get("source"), str) and key.strip())
    except (UnicodeDecodeError, csv.Error):
        return frozenset()


def _content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in (METADATA_FILE, *(t.file for t in (*TABLES, *OPTIONAL_TABLES))):
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
    as_of: date | None = None


def _read_metadata(directory: Path, problems: Problems) -> _Metadata:
    path = directory / METADATA_FILE
    if path.exists() and not path.is_file():
        problems.add(METADATA_FILE, None, None, "is not a file")
        return _Metadata()
    if not path.is_file():
        return _Metadata()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add(METADATA_FILE, None, None, f"cannot be read as TOML: {exc}")
        return _Metadata()
    except RecursionError:  # tomllib recurses once per nested array or inline table
        problems.add(METADATA_FILE, None, None, "is nested too deeply to read as TOML")
        return _Metadata()
    connectivity = document.get("connectivity", {})
    if not isinstance(connectivity, dict):
        problems.add(METADATA_FILE, None, "connectivity", "must be a table with origins and destinations")
        connectivity = {}
    for key in ("name", "title"):
        if key in document and not isinstance(document[key], str):
            problems.add(METADATA_FILE, None, key, f"must be text, got {quote(document[key])}")
    endpoints: dict[str, tuple[str, ...]] = {}
    for key in ("origins", "destinations"):
        value = connectivity.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(METADATA_FILE, None, f"connectivity.{key}", "must be a list of node ids")
            value = []
        endpoints[key] = tuple(value)
    as_of = document.get("as_of")
    if as_of is not None and (not isinstance(as_of, date) or isinstance(as_of, datetime)):
        problems.add(METADATA_FILE, None, "as_of", f"must be a TOML date like 2026-12-01, got {quote(as_of)}")
        as_of = None
    name, title = document.get("name"), document.get("title")
    return _Metadata(
        as_of=as_of,
        name=name if isinstance(name, str) else None,
        title=title if isinstance(title, str) else None,
        origins=endpoints["origins"],
        destinations=endpoints["destinations"],
    )


def _read_sources(directory: Path, problems: Problems) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for row in iter_rows(read_table(directory, SOURCES, problems)):
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
) -> tuple[dict[str, EmissionFactor], dict[str, tuple[int, int]]]:
    table = EMISSION_FACTORS
    factors: dict[str, EmissionFactor] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in iter_rows(read_table(directory, table, problems)):
        factor_id = row.ident("id", FACTOR_ID, "lower case letters, digits and '_', e.g. rail_electric")
        mode = row.choice("mode", Mode)
        description = row.text("description", required=True)
        intensity = row.number("g_co2e_per_tkm_wtw", required=True, gt=0)
        ttw = row.number("g_co2e_per_tkm_ttw", ge=0)
        if ttw is not None and intensity is not None and ttw > intensity:
            row.problem(
                "g_co2e_per_tkm_ttw",
                f"tank-to-wheel {ttw:g} exceeds well-to-wheel {intensity:g}; WTW = TTW + WTT, so TTW ≤ WTW",
            )
        provenance = read_provenance(row, table.numeric_columns, sources)
        provenances.append((row, provenance))
        if factor_id in factors:
            row.problem("id", f"duplicate id {factor_id!r}, first defined on line {factors[factor_id].line}")
            continue
        if row.failed or factor_id is None or mode is None or description is None or intensity is None:
            continue
        factors[factor_id] = EmissionFactor(factor_id, mode, description, intensity, provenance, row.line, ttw)
    return factors, count_cells(provenances, table.numeric_columns)


def _read_hub_emission_factors(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[NodeKind, HubEmissionFactor], dict[str, tuple[int, int]]]:
    """Hub (transshipment) factors per node kind, in file order, which is the priority among a node's kinds."""
    table = HUB_EMISSION_FACTORS
    hubs: dict[NodeKind, HubEmissionFactor] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in iter_rows(read_table(directory, table, problems)):
        kind = row.choice("kind", NodeKind)
        description = row.text("description", required=True)
        kg = row.number("kg_co2e_per_container_wtw", required=True, ge=0)
        provenance = read_provenance(row, table.numeric_columns, sources)
        provenances.append((row, provenance))
        if kind is not None and kind in hubs:
            row.problem("kind", f"duplicate kind {kind.value!r}, first defined on line {hubs[kind].line}")
            continue
        if row.failed or kind is None or description is None or kg is None:
            continue
        hubs[kind] = HubEmissionFactor(kind, description, kg, provenance, row.line)
    return hubs, count_cells(provenances, table.numeric_columns)


def _read_services(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, Service], dict[str, tuple[int, int]]]:
    table = SERVICES
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


def service_from_row(row: Row, sources: Mapping[str, Source]) -> tuple[Service | None, Provenance]:
    """Build a :class:`Service` from one row of ``services.csv`` cells (problems go to the row).

    The cell and record rules are :mod:`engine.network.rules`, which scenario edits use too.
    """
    values = parse_cells(row, SERVICE_CELLS)
    provenance = read_provenance(row, SERVICES.numeric_columns, sources)
    check_service(row, values)
    if row.failed:
        return None, provenance
    return build_service(values, provenance, row.line), provenance


def _read_nodes(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, Node], dict[str, tuple[int, int]]]:
    table = NODES
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


def node_from_row(row: Row, sources: Mapping[str, Source]) -> tuple[Node | None, Provenance]:
    """Build a :class:`Node` from one row of ``nodes.csv`` cells (problems go to the row).

    The cell and record rules are :mod:`engine.network.rules`, which scenario edits use too.
    """
    values = parse_cells(row, NODE_CELLS)
    check_node(row, values)
    provenance = read_provenance(row, NODES.numeric_columns, sources)
    if row.failed:
        return None, provenance
    return build_node(values, provenance, row.line), provenance


def _read_links(
    directory: Path, sources: dict[str, Source], problems: Problems
) -> tuple[dict[str, Link], dict[str, tuple[int, int]]]:
    table = LINKS
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
    """The reverse hop of a bidirectional link: same attributes, id ``<id>.R``; a directional fare
    (``reverse_fare``) replaces the tariff in the same unit."""
    reverse = replace(link, id=link.id + REVERSE_SUFFIX, from_id=link.to_id, to_id=link.from_id, reverse_of=link.id)
    fare = link.reverse_fare
    if fare is None:
        return reverse
    if link.usd_per_teu is not None:
        return replace(reverse, usd_per_teu=fare)
    if link.usd_per_kg is not None:
        return replace(reverse, usd_per_kg=fare)
    return replace(reverse, usd_per_truck=fare)


def link_from_row(row: Row, sources: Mapping[str, Source]) -> tuple[Link | None, Provenance, bool]:
    """Build a :class:`Link` from one row of ``links.csv`` cells (problems go to the row); also whether the row is
    bidirectional. The cell and record rules are :mod:`engine.network.rules`, which scenario edits use too.
    """
    values = parse_cells(row, LINK_CELLS)
    provenance = read_provenance(row, LINKS.numeric_columns, sources)
    check_link(row, values)
    bidirectional = bool(values["bidirectional"])
    if row.failed:
        return None, provenance, bidirectional
    return build_link(values, provenance, row.line), provenance, bidirectional
