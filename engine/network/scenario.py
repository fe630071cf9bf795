"""Scenario edits: small, named changes to a network, written in YAML (or JSON), applied to a copy.

A scenario is the network a planner asks "what if" about: "Alatau gets a dry port", "two more Aktau–Alat
feeders", "the Georgian border dwell halves". :func:`apply_edits` returns a **new** :class:`Network` snapshot with
a new ``version`` hash; the base snapshot is never touched. The edited network passes the same checks as a loaded
one (references, gauges, one vehicle per service, dead ends, provenance) and every problem is reported at the
file and line of the edit that caused it.

File format
-----------
A scenario file is a mapping with an optional ``name`` and a list ``edits``::

    name: faster-georgian-border
    edits:
      - op: set_border_dwell
        node: GARDABANI
        entry_h: 10
        exit_h: 10
        sources: ESTIMATE
        notes: "*: half of the CAREC all-corridor average dwell"

Each edit is a mapping with ``op`` and the op's fields. Field names are the column names of the network tables
(``graphs/<network>/README.md``); lists (``kinds``, ``aliases``, ``gauge_mm``, ``refused_cargo``,
``weekly_departures``) may be YAML lists or ``|``-separated strings.

================  ==========================================================================================
``op``            fields
================  ==========================================================================================
add_node          every column of ``nodes.csv``
add_link          every column of ``links.csv`` (``bidirectional: true`` also adds ``<id>.R``)
add_service       every column of ``services.csv``
set_node          ``id`` and the ``nodes.csv`` columns to change
set_link          ``id`` and the ``links.csv`` columns to change (not ``from``, ``to``, ``bidirectional``)
set_service       ``id`` and the ``services.csv`` columns to change (not ``mode``)
scale_capacity    exactly one of ``link``, ``node``, ``service`` (an id) and ``factor`` > 0: multiplies
                  ``capacity_teu_per_week`` of the link or node, or ``capacity_teu_per_departure`` of the
                  service
set_border_dwell  ``node`` and any of ``exit_h``, ``entry_h``, ``exit_usd_per_teu``, ``entry_usd_per_teu``
remove_link       ``id`` (the reverse of a bidirectional link is a separate link, ``<id>.R``)
close_border      ``countries``: two ISO codes; removes every link between a node of one and a node of the other
================  ==========================================================================================

Provenance: the numbers an edit introduces follow the rule of the tables. ``sources`` names a key of the
network's ``sources.csv`` (or ``ESTIMATE``) per field, in the same grammar (``exit_h,entry_h=CPMM-2023-GE``, a
bare key for all fields), and ``notes`` explains every estimate (``factor: two 700-TEU vessels added``). An edit
that only removes needs neither.

Later issues extend the op list (tariff shocks, country closures by mode); the format is designed for that: one
op per mapping, fields named as the table columns, one error per bad field located by line.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from engine.errors import DataProblem, InputFileError
from engine.network import schema
from engine.network.countries import COUNTRY_NAMES
from engine.network.load import REVERSE_SUFFIX, link_from_row, node_from_row, reverse_link, service_from_row
from engine.network.model import (
    MINUTES_PER_WEEK,
    Link,
    Network,
    Node,
    Provenance,
    Service,
    ServiceKind,
    Source,
)
from engine.network.provenance import read_provenance
from engine.network.tables import WEEKDAYS, Problems, Row
from engine.network.validate import check_network
from engine.network.yaml_guard import check_yaml

OPS = (
    "add_node",
    "add_link",
    "add_service",
    "set_node",
    "set_link",
    "set_service",
    "scale_capacity",
    "set_border_dwell",
    "remove_link",
    "close_border",
)
PROVENANCE_FIELDS = ("sources", "notes")
LIST_COLUMNS = frozenset({"aliases", "kinds", "gauge_mm", "refused_cargo", "weekly_departures"})
BORDER_FIELDS = {
    "exit_h": "border_exit_h",
    "entry_h": "border_entry_h",
    "exit_usd_per_teu": "border_exit_usd_per_teu",
    "entry_usd_per_teu": "border_entry_usd_per_teu",
}


@dataclass(frozen=True)
class Edit:
    """One edit as written: its ``op``, its fields (YAML values) and where it was written.

    ``line`` is the line of the edit's first field; ``field_lines`` gives each field's own line so a problem
    points at the field.
    """

    op: str
    fields: Mapping[str, Any]
    file: str = "<edits>"
    line: int = 0
    field_lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, name: str | None) -> int:
        """Line of field ``name`` (the edit's line when unknown)."""
        return self.field_lines.get(name or "", self.line) if name else self.line


@dataclass(frozen=True)
class Scenario:
    """A named list of edits read from one file."""

    name: str | None
    edits: tuple[Edit, ...]
    file: str


# --------------------------------------------------------------------------------------------------- reading


class _Mapping(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings carry line numbers (1-based)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(None, None, f"keys must be text, got {key!r}", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {mapping.key_lines[key]})", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str, file: str) -> Any:
    """Parse YAML (or JSON, a subset) with line numbers on every mapping.

    Raises
    ------
    InputFileError
        When the text is not valid YAML, located at the line the parser stopped, or crosses a bound of
        :mod:`engine.network.yaml_guard` (size, depth, node count, anchors and aliases).
    """
    check_yaml(text, file)
    try:
        return yaml.load(text, Loader=_LineLoader)  # _LineLoader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise InputFileError([DataProblem(file, line, None, f"not valid YAML: {message}")]) from exc
    except yaml.YAMLError as exc:
        raise InputFileError([DataProblem(file, None, None, f"not valid YAML: {exc}")]) from exc


def read_text_file(path: str | Path) -> str:
    """Read a UTF-8 input file, turning a missing or unreadable file into an :class:`InputFileError`."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputFileError([DataProblem(str(path), None, None, "file not found")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError([DataProblem(str(path), None, None, f"cannot be read: {exc}")]) from exc


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (see the module docstring for the format).

    Raises
    ------
    InputFileError
        For invalid YAML or a malformed edit list, with file and line. Edits are checked against a network
        only when applied (:func:`apply_edits`).
    """
    return parse_scenario(read_text_file(path), str(path))


def parse_scenario(text: str, file: str = "<edits>") -> Scenario:
    """Parse scenario text (YAML or JSON); ``file`` names it in messages."""
    document = read_yaml(text, file)
    if isinstance(document, list):
        return Scenario(None, edits_from_yaml(document, file, 1), file)
    if not isinstance(document, _Mapping):
        raise InputFileError([DataProblem(file, None, None, "must be a mapping with a list 'edits'")])
    unknown = [k for k in document if k not in ("name", "edits")]
    if unknown:
        line = document.key_lines[unknown[0]]
        raise InputFileError([DataProblem(file, line, unknown[0], "unknown key; a scenario has 'name' and 'edits'")])
    if "edits" not in document:
        raise InputFileError([DataProblem(file, document.line, "edits", "is required (a list of edits)")])
    name = document.get("name")
    return Scenario(
        None if name is None else str(name),
        edits_from_yaml(document["edits"], file, document.key_lines["edits"]),
        file,
    )


def edits_from_yaml(value: Any, file: str, line: int) -> tuple[Edit, ...]:
    """Turn a parsed YAML list of edit mappings into :class:`Edit` records (checks shape only)."""
    if not isinstance(value, list):
        raise InputFileError([DataProblem(file, line, "edits", "must be a list of edits (each with an 'op')")])
    edits: list[Edit] = []
    problems: list[DataProblem] = []
    for index, item in enumerate(value):
        if not isinstance(item, _Mapping):
            problems.append(DataProblem(file, line, f"edits[{index}]", "must be a mapping with an 'op'"))
            continue
        op = item.get("op")
        if not isinstance(op, str) or op not in OPS:
            hint = _hint(str(op), OPS) if isinstance(op, str) else ""
            problems.append(
                DataProblem(
                    file,
                    item.key_lines.get("op", item.line),
                    "op",
                    f"must be one of {', '.join(OPS)}, got {op!r}{hint}",
                )
            )
            continue
        fields = {k: v for k, v in item.items() if k != "op"}
        edits.append(Edit(op, fields, file, item.line, dict(item.key_lines)))
    if problems:
        raise InputFileError(problems)
    return tuple(edits)


def _hint(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------------------------------------- applying


class _EditRow(Row):
    """A :class:`Row` built from an edit's fields; problems point at the field's own line."""

    def __init__(self, edit: Edit, cells: dict[str, str], problems: Problems) -> None:
        super().__init__(edit.file, edit.line, cells, problems)
        self._edit = edit
        self._sink = problems

    def problem(self, column: str | None, message: str) -> None:
        self.failed = True
        self._sink.add(self.file, self._edit.line_of(column), column, message)


@dataclass
class _Tables:
    """The mutable working copy of the tables while edits are applied."""

    nodes: dict[str, Node]
    links: dict[str, Link]
    services: dict[str, Service]
    sources: Mapping[str, Source]
    origin_of: dict[int, Edit] = field(default_factory=dict)

    def mark(self, edit: Edit) -> int:
        """A negative line number standing for ``edit`` (so cross-table problems map back to it)."""
        tag = -(len(self.origin_of) + 1)
        self.origin_of[tag] = edit
        return tag


def apply_edits(network: Network, edits: Sequence[Edit] | Scenario, *, label: str | None = None) -> Network:
    """Apply ``edits`` in order to a copy of ``network`` and return the new snapshot.

    Parameters
    ----------
    network
        The base snapshot; it is not modified.
    edits
        Edits (or a :class:`Scenario`), applied in order: a later edit sees the earlier ones.
    label
        Optional scenario name, appended to the network's title.

    Returns
    -------
    Network
        A new snapshot whose ``version`` hashes the base version and the edits, so equal edits of equal bases
        give equal versions. An empty edit list returns ``network`` itself.

    Raises
    ------
    InputFileError
        Every problem found, each at the file and line of the edit (or field) that caused it, e.g.
        ``candidates.yaml:12: handling_h: must be >= 0, got -3`` or ``scenario.yaml:4: from: unknown node
        'ALATUA' (did you mean 'ALATAU'?)``.
    """
    if isinstance(edits, Scenario):
        label = label or edits.name
        edits = edits.edits
    if not edits:
        return network
    tables = _Tables(dict(network.nodes), dict(network.links), dict(network.services), network.sources)
    problems = Problems()
    for edit in edits:
        _HANDLERS[edit.op](edit, tables, problems)
    if problems:
        raise InputFileError(problems.items)

    checks = Problems()
    warnings = check_network(
        tables.nodes,
        tables.links,
        tables.services,
        network.emission_factors,
        network.sources,
        network.origins,
        network.destinations,
        checks,
    )
    if checks:
        raise InputFileError([_relocate(p, tables) for p in checks.items])
    digest = hashlib.sha256(network.version.encode())
    digest.update(json.dumps([[e.op, _canonical(e.fields)] for e in edits], sort_keys=True).encode())
    return Network(
        name=network.name,
        title=network.title if not label else f"{network.title} — {label}",
        version=digest.hexdigest()[:16],
        nodes=tables.nodes,
        links=dict(sorted(tables.links.items())),
        services=tables.services,
        emission_factors=network.emission_factors,
        sources=network.sources,
        origins=network.origins,
        destinations=network.destinations,
        warnings=tuple(warnings),
        sourced_share=network.sourced_share,
    )


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _relocate(problem: DataProblem, tables: _Tables) -> DataProblem:
    """Map a cross-table problem about an edited record back to its edit; others say they follow the edits."""
    if problem.line is not None and problem.line < 0:
        edit = tables.origin_of[problem.line]
        return DataProblem(edit.file, edit.line_of(problem.column), problem.column, problem.message)
    return DataProblem(problem.file, problem.line, problem.column, f"after the edits: {problem.message}")


# ------------------------------------------------------------------------------------ cells ⇄ records


def _cell(value: Any) -> str:
    """A YAML value as the text of a CSV cell (the tables' parsers then check it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "|".join(_cell(v) for v in value)
    return str(value).strip()


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _week_time(minutes: int) -> str:
    day, rest = divmod(minutes % MINUTES_PER_WEEK, 1440)
    return f"{WEEKDAYS[day]} {rest // 60:02d}:{rest % 60:02d}"


def _node_cells(node: Node) -> dict[str, str]:
    return {
        "id": node.id,
        "name": node.name,
        "aliases": "|".join(node.aliases),
        "locode": node.locode or "",
        "country": node.country,
        "lat": _num(node.lat),
        "lon": _num(node.lon),
        "kinds": "|".join(sorted(k.value for k in node.kinds)),
        "gauge_mm": "|".join(str(g) for g in sorted(node.gauges_mm)),
        "handling_h": _num(node.handling_h),
        "handling_usd_per_teu": _num(node.handling_usd_per_teu),
        "handling_usd_per_kg": _num(node.handling_usd_per_kg),
        "deconsolidation_h": _num(node.deconsolidation_h),
        "deconsolidation_usd_per_teu": _num(node.deconsolidation_usd_per_teu),
        "border_exit_h": _num(node.border_exit_h),
        "border_entry_h": _num(node.border_entry_h),
        "border_exit_usd_per_teu": _num(node.border_exit_usd_per_teu),
        "border_entry_usd_per_teu": _num(node.border_entry_usd_per_teu),
        "capacity_teu_per_week": _num(node.capacity_teu_per_week),
        "reefer_plugs": _flag(node.reefer_plugs),
    }


def _link_cells(link: Link) -> dict[str, str]:
    return {
        "id": link.id,
        "from": link.from_id,
        "to": link.to_id,
        "mode": link.mode.value,
        "service": link.service_id,
        "load_unit": link.load_unit.value,
        "gauge_mm": "" if link.gauge_mm is None else str(link.gauge_mm),
        "distance_km": _num(link.distance_km),
        "run_h": _num(link.run_h),
        "usd_per_teu": _num(link.usd_per_teu),
        "usd_per_kg": _num(link.usd_per_kg),
        "usd_per_truck": _num(link.usd_per_truck),
        "teu_per_truck": _num(link.teu_per_truck),
        "capacity_teu_per_week": _num(link.capacity_teu_per_week),
        "operator": link.operator or "",
        "emission_class": link.emission_class,
        "max_gross_kg_per_teu": _num(link.max_gross_kg_per_teu),
        "refused_cargo": "|".join(sorted(c.value for c in link.refused_cargo)),
        "bidirectional": "false",
    }


def _service_cells(service: Service) -> dict[str, str]:
    headway = service.kind is ServiceKind.HEADWAY
    return {
        "id": service.id,
        "mode": service.mode.value,
        "operator": service.operator or "",
        "kind": service.kind.value,
        "weekly_departures": "|".join(_week_time(m) for m in service.weekly_departures_min),
        "headway_h": _num(service.headway_h),
        "headway_anchor": _week_time(service.headway_anchor_min) if headway else "",
        "capacity_teu_per_departure": _num(service.capacity_teu_per_departure),
        "capacity_kg_per_departure": _num(service.capacity_kg_per_departure),
    }


def _parse_node(row: Row, sources: Mapping[str, Source], line: int) -> Node | None:
    """A node from an edit's cells, with exactly the loader's rules."""
    return node_from_row(row, sources, line)[0]


def _parse_link(row: Row, sources: Mapping[str, Source], line: int) -> Link | None:
    """A link from an edit's cells, with exactly the loader's rules (an existing ``<id>.R`` may be edited)."""
    return link_from_row(row, sources, line, allow_reverse_id=True)[0]


def _parse_service(row: Row, sources: Mapping[str, Source], line: int) -> Service | None:
    """A service from an edit's cells, with exactly the loader's rules."""
    return service_from_row(row, sources, line)[0]


# --------------------------------------------------------------------------------------------- provenance


def _provenance_cells(
    old: Provenance | None,
    numeric_columns: tuple[str, ...],
    cells: Mapping[str, str],
    new_keys: Mapping[str, tuple[str, ...]],
    new_notes: Mapping[str, str],
) -> dict[str, str]:
    """``sources`` and ``notes`` cells for a record whose ``new_keys`` columns were set by an edit."""
    entries: list[str] = []
    notes: list[str] = []
    for column in numeric_columns:
        if not cells.get(column):
            continue
        if column in new_keys:
            keys = new_keys[column]
        elif old is not None:
            keys = old.keys_for(column)
        else:
            keys = ()
        if keys:
            entries.append(f"{column}={'|'.join(keys)}")
        note = new_notes.get(column) if column in new_keys else (old.notes_by_column.get(column) if old else None)
        if note is None and old is not None and column not in new_keys:
            note = old.notes_by_column.get("*")
        if note:
            notes.append(f"{column}: {note.replace(';', ',')}")
    return {"sources": ";".join(entries), "notes": ";".join(notes)}


def _edit_provenance(
    edit: Edit, numeric_fields: tuple[str, ...], sources: Mapping[str, Source], problems: Problems
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]] | None:
    """Check the edit's own ``sources``/``notes`` against the numbers it sets; keys and notes per field."""
    cells = {name: _cell(edit.fields.get(name)) for name in numeric_fields if name in edit.fields}
    cells["sources"] = _cell(edit.fields.get("sources"))
    cells["notes"] = _cell(edit.fields.get("notes"))
    row = _EditRow(edit, cells, problems)
    provenance = read_provenance(row, numeric_fields, sources)
    if row.failed:
        return None
    keys = {name: provenance.keys_for(name) for name in numeric_fields if cells.get(name)}
    notes: dict[str, str] = {}
    for name in keys:
        note = provenance.notes_by_column.get(name, provenance.notes_by_column.get("*"))
        where = f"scenario edit {edit.op} at {edit.file}:{edit.line}"
        notes[name] = f"{note} ({where})" if note else where
    return keys, notes


# ----------------------------------------------------------------------------------------------- handlers


def _check_fields(edit: Edit, allowed: Iterable[str], required: Iterable[str], problems: Problems) -> bool:
    allowed_set = set(allowed) | set(PROVENANCE_FIELDS)
    ok = True
    for name in edit.fields:
        if name not in allowed_set:
            problems.add(
                edit.file,
                edit.line_of(name),
                name,
                f"is not a field of {edit.op}{_hint(name, allowed_set)}; allowed: {', '.join(sorted(allowed_set))}",
            )
            ok = False
    for name in required:
        if edit.fields.get(name) in (None, ""):
            problems.add(edit.file, edit.line, name, f"is required for {edit.op}")
            ok = False
    return ok


def _target(edit: Edit, name: str, table: Mapping[str, Any], what: str, problems: Problems) -> str | None:
    value = edit.fields.get(name)
    key = _cell(value)
    if key not in table:
        problems.add(edit.file, edit.line_of(name), name, f"unknown {what} {key!r}{_hint(key, table)}")
        return None
    return key


def _add(
    edit: Edit,
    tables: _Tables,
    problems: Problems,
    table_schema: schema.TableSchema,
    existing: dict[str, Any],
    parse: Callable[[Row, Mapping[str, Source], int], Any],
) -> Any:
    columns = [c for c in table_schema.columns if c not in PROVENANCE_FIELDS]
    if not _check_fields(edit, columns, ("id",), problems):
        return None
    cells = {c: _cell(edit.fields.get(c)) for c in table_schema.columns}
    record_id = cells["id"]
    if record_id in existing or (table_schema is schema.LINKS and record_id + REVERSE_SUFFIX in existing):
        problems.add(edit.file, edit.line_of("id"), "id", f"{record_id!r} already exists in the network")
        return None
    row = _EditRow(edit, cells, problems)
    return parse(row, tables.sources, tables.mark(edit))


def _add_node(edit: Edit, tables: _Tables, problems: Problems) -> None:
    node = _add(edit, tables, problems, schema.NODES, tables.nodes, _parse_node)
    if node is not None:
        tables.nodes[node.id] = node


def _add_link(edit: Edit, tables: _Tables, problems: Problems) -> None:
    if _cell(edit.fields.get("id")).endswith(REVERSE_SUFFIX):
        problems.add(edit.file, edit.line_of("id"), "id", f"'{REVERSE_SUFFIX}' ids are made by bidirectional: true")
        return
    link = _add(edit, tables, problems, schema.LINKS, tables.links, _parse_link)
    if link is None:
        return
    tables.links[link.id] = link
    if _cell(edit.fields.get("bidirectional")).lower() == "true":
        reverse = reverse_link(link)
        tables.links[reverse.id] = reverse


def _add_service(edit: Edit, tables: _Tables, problems: Problems) -> None:
    service = _add(edit, tables, problems, schema.SERVICES, tables.services, _parse_service)
    if service is not None:
        tables.services[service.id] = service


def _set(
    edit: Edit,
    tables: _Tables,
    problems: Problems,
    *,
    table_schema: schema.TableSchema,
    existing: dict[str, Any],
    what: str,
    frozen: tuple[str, ...],
    to_cells: Callable[[Any], dict[str, str]],
    parse: Callable[[Row, Mapping[str, Source], int], Any],
    overlay: Mapping[str, Any] | None = None,
    overlay_provenance: tuple[dict[str, tuple[str, ...]], dict[str, str]] | None = None,
) -> Any:
    """Change columns of an existing record; the merged record is re-checked with the loader's rules."""
    record_id = _target(edit, "id", existing, what, problems)
    if record_id is None:
        return None
    old = existing[record_id]
    if overlay is None:
        allowed = [c for c in table_schema.columns if c not in (*PROVENANCE_FIELDS, "id", *frozen)]
        if not _check_fields(edit, [*allowed, "id"], ("id",), problems):
            return None
        overlay = {c: edit.fields[c] for c in allowed if c in edit.fields}
        if not overlay:
            problems.add(edit.file, edit.line, None, f"{edit.op} changes nothing; give at least one column")
            return None
        numeric = tuple(c for c in table_schema.numeric_columns if c in overlay)
        overlay_provenance = _edit_provenance(edit, numeric, tables.sources, problems)
        if overlay_provenance is None:
            return None
    assert overlay_provenance is not None
    cells = to_cells(old)
    cells.update({c: _cell(v) for c, v in overlay.items()})
    new_keys, new_notes = overlay_provenance
    cells.update(_provenance_cells(old.provenance, table_schema.numeric_columns, cells, new_keys, new_notes))
    row = _EditRow(edit, cells, problems)
    record = parse(row, tables.sources, tables.mark(edit))
    if record is None:
        return None
    if getattr(old, "reverse_of", None) is not None:
        record = replace(record, reverse_of=old.reverse_of)
    existing[record_id] = record
    return record


def _set_node(edit: Edit, tables: _Tables, problems: Problems, **kw: Any) -> None:
    _set(
        edit,
        tables,
        problems,
        table_schema=schema.NODES,
        existing=tables.nodes,
        what="node",
        frozen=(),
        to_cells=_node_cells,
        parse=_parse_node,
        **kw,
    )


def _set_link(edit: Edit, tables: _Tables, problems: Problems, **kw: Any) -> None:
    _set(
        edit,
        tables,
        problems,
        table_schema=schema.LINKS,
        existing=tables.links,
        what="link",
        frozen=("from", "to", "bidirectional"),
        to_cells=_link_cells,
        parse=_parse_link,
        **kw,
    )


def _set_service(edit: Edit, tables: _Tables, problems: Problems, **kw: Any) -> None:
    _set(
        edit,
        tables,
        problems,
        table_schema=schema.SERVICES,
        existing=tables.services,
        what="service",
        frozen=("mode",),
        to_cells=_service_cells,
        parse=_parse_service,
        **kw,
    )


def _scale_capacity(edit: Edit, tables: _Tables, problems: Problems) -> None:
    if not _check_fields(edit, ("link", "node", "service", "factor"), ("factor",), problems):
        return
    targets = [name for name in ("link", "node", "service") if name in edit.fields]
    if len(targets) != 1:
        problems.add(edit.file, edit.line, None, "give exactly one of link, node or service to scale")
        return
    which = targets[0]
    factor_row = _EditRow(edit, {"factor": _cell(edit.fields["factor"])}, problems)
    factor = factor_row.number("factor", required=True, gt=0)
    provenance = _edit_provenance(edit, ("factor",), tables.sources, problems)
    if factor is None or provenance is None:
        return
    by_kind: dict[str, dict[str, Any]] = {"link": tables.links, "node": tables.nodes, "service": tables.services}
    table = by_kind[which]
    record_id = _target(edit, which, table, which, problems)
    if record_id is None:
        return
    record = table[record_id]
    column = "capacity_teu_per_departure" if which == "service" else "capacity_teu_per_week"
    old_value = getattr(record, column)
    if old_value is None:
        problems.add(
            edit.file,
            edit.line_of(which),
            which,
            f"{which} {record_id!r} has no {column} to scale; set one with set_{which}",
        )
        return
    keys = tuple(dict.fromkeys((*record.provenance.keys_for(column), *provenance[0]["factor"])))
    note = f"{old_value:g} × {factor:g}: {provenance[1]['factor']}"
    id_edit = replace(edit, fields={"id": record_id, column: old_value * factor})
    setter = {"link": _set_link, "node": _set_node, "service": _set_service}[which]
    setter(
        id_edit,
        tables,
        problems,
        overlay={column: old_value * factor},
        overlay_provenance=({column: keys}, {column: note}),
    )


def _set_border_dwell(edit: Edit, tables: _Tables, problems: Problems) -> None:
    if not _check_fields(edit, ("node", *BORDER_FIELDS), ("node",), problems):
        return
    given = [name for name in BORDER_FIELDS if name in edit.fields]
    if not given:
        problems.add(edit.file, edit.line, None, f"set_border_dwell changes nothing; give {', '.join(BORDER_FIELDS)}")
        return
    provenance = _edit_provenance(edit, tuple(given), tables.sources, problems)
    node_id = _target(edit, "node", tables.nodes, "node", problems)
    if provenance is None or node_id is None:
        return
    keys, notes = provenance
    renamed = replace(
        edit,
        fields={"id": node_id, **{BORDER_FIELDS[n]: edit.fields[n] for n in given}},
        field_lines={
            **edit.field_lines,
            **{BORDER_FIELDS[n]: edit.line_of(n) for n in given},
            "id": edit.line_of("node"),
        },
    )
    _set_node(
        renamed,
        tables,
        problems,
        overlay={BORDER_FIELDS[n]: edit.fields[n] for n in given},
        overlay_provenance=({BORDER_FIELDS[n]: keys[n] for n in keys}, {BORDER_FIELDS[n]: notes[n] for n in notes}),
    )


def _remove_link(edit: Edit, tables: _Tables, problems: Problems) -> None:
    if not _check_fields(edit, ("id",), ("id",), problems):
        return
    link_id = _target(edit, "id", tables.links, "link", problems)
    if link_id is not None:
        del tables.links[link_id]


def _close_border(edit: Edit, tables: _Tables, problems: Problems) -> None:
    if not _check_fields(edit, ("countries",), ("countries",), problems):
        return
    countries = edit.fields["countries"]
    if isinstance(countries, str):
        countries = [c.strip() for c in countries.split("|")]
    if not isinstance(countries, list) or len(countries) != 2 or any(c not in COUNTRY_NAMES for c in countries):
        problems.add(
            edit.file, edit.line_of("countries"), "countries", f"must be two ISO 3166-1 codes, got {countries!r}"
        )
        return
    pair = {countries[0], countries[1]}
    closed = [
        link.id
        for link in tables.links.values()
        if {tables.nodes[link.from_id].country, tables.nodes[link.to_id].country} == pair
    ]
    if not closed:
        problems.add(edit.file, edit.line_of("countries"), "countries", f"no link joins {' and '.join(countries)}")
    for link_id in closed:
        del tables.links[link_id]


_HANDLERS: dict[str, Callable[[Edit, _Tables, Problems], None]] = {
    "add_node": _add_node,
    "add_link": _add_link,
    "add_service": _add_service,
    "set_node": _set_node,
    "set_link": _set_link,
    "set_service": _set_service,
    "scale_capacity": _scale_capacity,
    "set_border_dwell": _set_border_dwell,
    "remove_link": _remove_link,
    "close_border": _close_border,
}

assert set(_HANDLERS) == set(OPS)

__all__ = [
    "OPS",
    "Edit",
    "Scenario",
    "apply_edits",
    "edits_from_yaml",
    "load_scenario",
    "parse_scenario",
    "read_text_file",
    "read_yaml",
]
