"""Read the optional tariff tables of a network: ``surcharges.csv``, ``rate_series.csv``, ``through_tariffs.csv``.

Both are optional (a network without them has no surcharges and fixed fares). Problems are reported like every
other table's, with file, line and column (``surcharges.csv:3: applies_to: link 'X' is not in links.csv``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from engine.network.inputs import Problems, Row, iter_rows, read_table
from engine.network.model import (
    CargoClass,
    FeeUnit,
    Link,
    Mode,
    Network,
    Node,
    Provenance,
    RatePoint,
    Service,
    Source,
    Surcharge,
    SurchargeScope,
    ThroughTariff,
)
from engine.network.provenance import count_cells, read_provenance
from engine.network.schema import RATE_SERIES, SURCHARGES, THROUGH_TARIFFS, TableSchema

SURCHARGE_ID = re.compile(r"[A-Z][A-Z0-9_-]*")
SURCHARGE_KIND = re.compile(r"[a-z][a-z0-9_]*")
RATE_UNITS = ("usd_per_feu", "usd_per_teu", "usd_per_kg", "usd_per_truck")


def _rows(directory: Path, table: TableSchema, problems: Problems) -> list[Row]:
    if not (directory / table.file).exists():
        return []
    return list(iter_rows(read_table(directory, table, problems)))


def _date(row: Row, column: str, *, required: bool = False) -> date | None:
    text = row.raw(column)
    if not text:
        if required:
            row.problem(column, "is required (a date like 2025-04-10)")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        row.problem(column, f"must be a date like 2025-04-10, got {text[:40]!r}")
        return None


def read_surcharges(
    directory: Path,
    nodes: Mapping[str, Node],
    links: Mapping[str, Link],
    services: Mapping[str, Service],
    sources: Mapping[str, Source],
    problems: Problems,
) -> tuple[tuple[Surcharge, ...], dict[str, tuple[int, int]]]:
    """The surcharges of ``surcharges.csv`` (empty without the file) and the table's sourced-cell counts."""
    table = SURCHARGES
    found: dict[str, Surcharge] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in _rows(directory, table, problems):
        surcharge_id = row.ident("id", SURCHARGE_ID, "upper-case letters, digits, '_' and '-', e.g. RED-SEA-WAR-RISK")
        kind = row.ident("kind", SURCHARGE_KIND, "lower case letters, digits and '_', e.g. reefer_power")
        scope, target = _applies_to(row, nodes, links, services)
        cargo_class = row.choice("cargo_class", CargoClass, required=False)
        usd = row.number("usd", required=True, ge=0)
        unit = row.choice("unit", FeeUnit)
        valid_from, valid_to = _date(row, "valid_from"), _date(row, "valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            row.problem("valid_to", f"{valid_to} is before valid_from {valid_from}")
        provenance = read_provenance(row, table.numeric_columns, sources)
        provenances.append((row, provenance))
        if surcharge_id in found:
            row.problem("id", f"duplicate id {surcharge_id!r}, first defined on line {found[surcharge_id].line}")
            continue
        if row.failed or None in (surcharge_id, kind, scope, target, usd, unit):
            continue
        assert surcharge_id and kind and scope and target and usd is not None and unit
        found[surcharge_id] = Surcharge(
            surcharge_id, kind, scope, target, cargo_class, usd, unit, valid_from, valid_to, provenance, row.line
        )
    return tuple(found.values()), count_cells(provenances, table.numeric_columns)


def _applies_to(
    row: Row, nodes: Mapping[str, Node], links: Mapping[str, Link], services: Mapping[str, Service]
) -> tuple[SurchargeScope | None, str | None]:
    text = row.raw("applies_to")
    scopes = ", ".join(f"{s.value}:<id>" for s in SurchargeScope)
    scope_text, _, target = text.partition(":")
    try:
        scope = SurchargeScope(scope_text)
    except ValueError:
        row.problem("applies_to", f"must be one of {scopes}, got {text[:60]!r}")
        return None, None
    known: Mapping[str, object] = {
        SurchargeScope.LINK: links,
        SurchargeScope.SERVICE: services,
        SurchargeScope.MODE: {m.value: m for m in Mode},
        SurchargeScope.VIA: nodes,
        SurchargeScope.TRANSFER: nodes,
    }[scope]
    if target not in known:
        what = {SurchargeScope.MODE: "a mode", SurchargeScope.SERVICE: "a service id", SurchargeScope.LINK: "a link id"}
        row.problem("applies_to", f"{target[:60]!r} is not {what.get(scope, 'a node id')} of the network")
        return None, None
    return scope, target


def read_rate_series(
    directory: Path, services: Mapping[str, Service], sources: Mapping[str, Source], problems: Problems
) -> tuple[dict[str, tuple[RatePoint, ...]], dict[str, tuple[int, int]]]:
    """Dated rate points per service from ``rate_series.csv`` (empty without the file), oldest first.

    Each service's series needs exactly one ``base`` point (the value its link fares were derived from), one unit,
    and distinct dates.
    """
    table = RATE_SERIES
    series: dict[str, list[RatePoint]] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in _rows(directory, table, problems):
        service_id = row.text("service", required=True)
        if service_id is not None and service_id not in services:
            row.problem("service", f"{service_id[:60]!r} is not a service of the network")
        as_of = _date(row, "as_of", required=True)
        value = row.number("value", required=True, gt=0)
        unit = row.text("unit", required=True)
        if unit is not None and unit not in RATE_UNITS:
            row.problem("unit", f"must be one of {', '.join(RATE_UNITS)}, got {unit[:40]!r}")
        base = row.flag("base", default=False)
        provenance = read_provenance(row, table.numeric_columns, sources)
        provenances.append((row, provenance))
        if row.failed or service_id is None or as_of is None or value is None or unit is None:
            continue
        points = series.setdefault(service_id, [])
        clash = next((p for p in points if p.as_of == as_of), None)
        if clash is not None:
            row.problem("as_of", f"{as_of} of {service_id} is already on line {clash.line}")
            continue
        if points and points[0].unit != unit:
            row.problem("unit", f"{service_id} is in {points[0].unit} (line {points[0].line}), got {unit!r}")
            continue
        points.append(RatePoint(service_id, as_of, value, unit, bool(base), provenance, row.line))
    for service_id, points in series.items():
        bases = [p for p in points if p.base]
        if len(bases) != 1:
            lines = ", ".join(str(p.line) for p in bases) or "none"
            problems.add(
                table.file,
                points[0].line,
                "base",
                f"{service_id} needs exactly one base point (the value its link fares were derived from), got {lines}",
            )
    ordered = {s: tuple(sorted(points, key=lambda p: p.as_of)) for s, points in sorted(series.items())}
    return ordered, count_cells(provenances, table.numeric_columns)


def read_through_tariffs(
    directory: Path, links: Mapping[str, Link], sources: Mapping[str, Source], problems: Problems
) -> tuple[tuple[ThroughTariff, ...], dict[str, tuple[int, int]]]:
    """Through tariffs of ``through_tariffs.csv`` (empty without the file) and the table's sourced-cell counts.

    ``links`` must be a path of at least two link ids (each starts where the previous ends) that never passes a
    node twice, and at least one of ``usd_20ft``, ``usd_40ft`` must be given.
    """
    table = THROUGH_TARIFFS
    found: dict[str, ThroughTariff] = {}
    provenances: list[tuple[Row, Provenance]] = []
    for row in _rows(directory, table, problems):
        tariff_id = row.ident(
            "id", SURCHARGE_ID, "upper-case letters, digits, '_' and '-', e.g. TITR-ALTYNKOL-ISTANBUL"
        )
        link_ids = tuple(item.strip() for item in row.raw("links").split("|") if item.strip())
        usd_20ft = row.number("usd_20ft", gt=0)
        usd_40ft = row.number("usd_40ft", gt=0)
        if usd_20ft is None and usd_40ft is None and not row.failed:
            row.problem("usd_40ft", "give usd_20ft, usd_40ft or both (USD per box for the whole product)")
        _check_path(row, link_ids, links)
        provenance = read_provenance(row, table.numeric_columns, sources)
        provenances.append((row, provenance))
        if tariff_id in found:
            row.problem("id", f"duplicate id {tariff_id!r}, first defined on line {found[tariff_id].line}")
            continue
        if row.failed or tariff_id is None:
            continue
        found[tariff_id] = ThroughTariff(
            tariff_id, row.text("operator"), link_ids, usd_20ft, usd_40ft, provenance, row.line
        )
    return tuple(found.values()), count_cells(provenances, table.numeric_columns)


def _check_path(row: Row, link_ids: tuple[str, ...], links: Mapping[str, Link]) -> None:
    if len(link_ids) < 2:
        row.problem("links", f"must list at least two link ids separated by '|', got {row.raw('links')[:80]!r}")
        return
    unknown = [link_id for link_id in link_ids if link_id not in links]
    if unknown:
        row.problem("links", f"{unknown[0][:60]!r} is not a link of the network (reverse hops end in .R)")
        return
    path = [links[link_id] for link_id in link_ids]
    for before, after in itertools.pairwise(path):
        if before.to_id != after.from_id:
            row.problem("links", f"{after.id} starts at {after.from_id}, not where {before.id} ends ({before.to_id})")
            return
    nodes = [path[0].from_id, *(link.to_id for link in path)]
    if len(set(nodes)) != len(nodes):
        row.problem("links", "passes a node twice; a through product is a simple path")


def tariff_source_keys(
    surcharges: tuple[Surcharge, ...],
    rate_series: Mapping[str, tuple[RatePoint, ...]],
    through: tuple[ThroughTariff, ...],
) -> set[str]:
    """Source keys the tariff tables cite (so the sources check does not call them uncited)."""
    provenances = [
        *(s.provenance for s in surcharges),
        *(p.provenance for points in rate_series.values() for p in points),
        *(t.provenance for t in through),
    ]
    return {k for provenance in provenances for keys in provenance.keys_by_column.values() for k in keys}


def carried_tariffs(
    network: Network, nodes: Mapping[str, Node], links: Mapping[str, Link], services: Mapping[str, Service]
) -> tuple[tuple[Surcharge, ...], dict[str, tuple[RatePoint, ...]], tuple[ThroughTariff, ...]]:
    """The tariff tables of ``network`` that still apply after scenario edits left these records.

    A surcharge on a removed link, service or node, the series of a removed service and a through tariff whose
    path lost a link (or no longer joins up) are dropped: a closure takes its tariffs with it.
    """
    known: dict[SurchargeScope, Mapping[str, object]] = {
        SurchargeScope.LINK: links,
        SurchargeScope.SERVICE: services,
        SurchargeScope.VIA: nodes,
        SurchargeScope.TRANSFER: nodes,
    }
    surcharges = tuple(s for s in network.surcharges if s.scope not in known or s.target in known[s.scope])
    series = {service: points for service, points in network.rate_series.items() if service in services}
    through = tuple(
        t
        for t in network.through_tariffs
        if all(link_id in links for link_id in t.link_ids)
        and all(links[a].to_id == links[b].from_id for a, b in itertools.pairwise(t.link_ids))
    )
    return surcharges, series, through
