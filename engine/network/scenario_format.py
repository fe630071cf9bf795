"""The scenario format: YAML (or JSON) edits parsed and checked into typed, frozen edit records.

The file format itself is documented for users in :mod:`engine.network.scenario`. This module reads it with the
line-tracking reader of :mod:`engine.network.inputs` and checks everything that can be checked without a network:
the op, which fields it takes, every value with the cell rules of the network tables (:mod:`engine.network.rules`,
so ``handling_h: -3`` fails exactly as it would in ``nodes.csv``), and the provenance of every number it sets
(``sources`` in the tables' grammar, ``notes`` for estimates). What needs the network — that a target exists, that
the source keys are in ``sources.csv``, the record rules on the edited record, references — is checked when the
edits are applied (:mod:`engine.network.scenario_apply`).

Every problem is located at the line of the field (or of the edit) that caused it.

The records themselves are in :mod:`engine.network.edits`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import DataProblem, InputFileError
from engine.network.countries import COUNTRY_NAMES
from engine.network.edits import (
    SCALE_WHATS,
    AddLink,
    AddNode,
    AddRecord,
    AddService,
    CloseBorder,
    CloseCountry,
    CloseNode,
    ClosePassage,
    Edit,
    FieldSources,
    RemoveLink,
    Scale,
    ScaleCapacity,
    Scenario,
    Selector,
    SetBorderDwell,
    SetLink,
    SetNode,
    SetRecord,
    SetService,
)
from engine.network.inputs import LineMapping, Problems, Row, did_you_mean, read_text_file, read_yaml, yaml_cell
from engine.network.load import REVERSE_SUFFIX
from engine.network.provenance import read_provenance
from engine.network.rules import LINK_CELLS, NODE_CELLS, SERVICE_CELLS, CellParser, parse_cells
from engine.network.schema import LINKS, NODES, SERVICES, TableSchema
from engine.network.selectors import DIRECTIONS, SELECTOR_FIELDS, selector_values

PROVENANCE_FIELDS = ("sources", "notes")
BORDER_FIELDS = {
    "exit_h": "border_exit_h",
    "entry_h": "border_entry_h",
    "exit_usd_per_teu": "border_exit_usd_per_teu",
    "entry_usd_per_teu": "border_entry_usd_per_teu",
}
CAPACITY_TARGETS = ("link", "node", "service")


# ------------------------------------------------------------------------------------------------ reading


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (the format is in :mod:`engine.network.scenario`).

    Raises
    ------
    InputFileError
        For invalid YAML, a malformed edit list or a bad value, with file and line. Edits are checked against a
        network when applied (:func:`engine.network.scenario.apply_edits`).
    """
    return parse_scenario(read_text_file(path), str(path))


def parse_scenario(text: str, file: str = "<edits>") -> Scenario:
    """Parse scenario text (YAML or JSON); ``file`` names it in messages."""
    document = read_yaml(text, file)
    if isinstance(document, list):
        return Scenario(None, edits_from_yaml(document, file, 1), file)
    if not isinstance(document, LineMapping):
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
    """Turn a parsed YAML list of edit mappings into edit records, checking every field.

    Raises
    ------
    InputFileError
        Every problem of every edit, each at its line.
    """
    if not isinstance(value, list):
        raise InputFileError([DataProblem(file, line, "edits", "must be a list of edits (each with an 'op')")])
    edits: list[Edit] = []
    problems = Problems()
    for index, item in enumerate(value):
        if not isinstance(item, LineMapping):
            problems.add(file, line, f"edits[{index}]", "must be a mapping with an 'op'")
            continue
        op = item.get("op")
        if not isinstance(op, str) or op not in PARSERS:
            hint = did_you_mean(op, PARSERS) if isinstance(op, str) else ""
            problems.add(file, item.line_of("op"), "op", f"must be one of {', '.join(OPS)}, got {op!r}{hint}")
            continue
        written = _Written({k: v for k, v in item.items() if k != "op"}, file, item.line, dict(item.key_lines))
        edit = PARSERS[op](written, problems)
        if edit is not None:
            edits.append(edit)
    if problems:
        raise InputFileError(problems.items)
    return tuple(edits)


def edit_from_fields(op: str, fields: Mapping[str, Any], *, file: str = "<edits>", line: int = 0) -> Edit:
    """One edit record built in code from ``op`` and its fields as a scenario file would write them.

    >>> edit_from_fields("remove_link", {"id": "F-AKTAU-ALAT"}).link_id
    'F-AKTAU-ALAT'

    Raises
    ------
    InputFileError
        When ``op`` is unknown or a field is bad (located at ``file:line``).
    """
    item = LineMapping({"op": op, **fields})
    item.line = line
    item.key_lines = {}
    (edit,) = edits_from_yaml([item], file, line)
    return edit


@dataclass(frozen=True)
class _Written:
    """An edit as written, before it is typed."""

    fields: Mapping[str, Any]
    file: str
    line: int
    field_lines: Mapping[str, int]

    def line_of(self, name: str | None) -> int:
        return self.field_lines.get(name, self.line) if name else self.line

    def where(self) -> dict[str, Any]:
        """Keyword arguments locating a record built from this edit."""
        return {"fields": self.fields, "file": self.file, "line": self.line, "field_lines": self.field_lines}


class _EditRow(Row):
    """A :class:`Row` of an edit's fields as cells; problems point at the field's own line."""

    def __init__(self, written: _Written, cells: dict[str, str], problems: Problems) -> None:
        super().__init__(written.file, written.line, cells, problems)
        self._written = written
        self._sink = problems

    def problem(self, column: str | None, message: str) -> None:
        self.failed = True
        self._sink.add(self.file, self._written.line_of(column), column, message)


def _check_fields(
    written: _Written, op: str, allowed: Iterable[str], required: Iterable[str], problems: Problems
) -> bool:
    allowed_set = set(allowed) | set(PROVENANCE_FIELDS)
    ok = True
    for name in written.fields:
        if name not in allowed_set:
            hint = did_you_mean(name, allowed_set)
            message = f"is not a field of {op}{hint}; allowed: {', '.join(sorted(allowed_set))}"
            problems.add(written.file, written.line_of(name), name, message)
            ok = False
    for name in required:
        if written.fields.get(name) in (None, ""):
            problems.add(written.file, written.line, name, f"is required for {op}")
            ok = False
    return ok


def _field_sources(
    written: _Written, op: str, columns: Mapping[str, str], table_columns: tuple[str, ...], problems: Problems
) -> FieldSources | None:
    """Check the edit's ``sources``/``notes`` against the numbers it sets (``columns``: field → table column)."""
    numeric = tuple(name for name in columns if columns[name] in table_columns)
    cells = {name: yaml_cell(written.fields.get(name)) for name in numeric if name in written.fields}
    cells["sources"] = yaml_cell(written.fields.get("sources"))
    cells["notes"] = yaml_cell(written.fields.get("notes"))
    row = _EditRow(written, cells, problems)
    provenance = read_provenance(row, numeric, None)
    if row.failed:
        return None
    keys: dict[str, tuple[str, ...]] = {}
    notes: dict[str, str] = {}
    where = f"scenario edit {op} at {written.file}:{written.line}"
    for name in numeric:
        if not cells.get(name):
            continue
        keys[columns[name]] = provenance.keys_for(name)
        note = provenance.notes_by_column.get(name, provenance.notes_by_column.get("*"))
        notes[columns[name]] = f"{note} ({where})" if note else where
    return FieldSources(keys, notes, provenance)


# ------------------------------------------------------------------------------------------------ parsers

_TABLES: Mapping[str, tuple[TableSchema, Mapping[str, CellParser]]] = {
    "node": (NODES, NODE_CELLS),
    "link": (LINKS, LINK_CELLS),
    "service": (SERVICES, SERVICE_CELLS),
}


_Parser = Callable[[_Written, Problems], Edit | None]


def _add(kind: str, record: type[AddRecord]) -> _Parser:
    table, parsers = _TABLES[kind]

    def parse(written: _Written, problems: Problems) -> AddRecord | None:
        columns = [c for c in table.columns if c not in PROVENANCE_FIELDS]
        if not _check_fields(written, record.op, columns, ("id",), problems):
            return None
        if kind == "link" and yaml_cell(written.fields.get("id")).endswith(REVERSE_SUFFIX):
            problems.add(
                written.file, written.line_of("id"), "id", f"'{REVERSE_SUFFIX}' ids are made by bidirectional: true"
            )
            return None
        cells = {c: yaml_cell(written.fields.get(c)) for c in table.columns}
        row = _EditRow(written, cells, problems)
        values = parse_cells(row, parsers, (c for c in columns if cells[c]))  # empty ones are checked on apply
        provenance = read_provenance(row, table.numeric_columns, None)
        if row.failed:
            return None
        given = frozenset(c for c in columns if cells[c])
        return record(values=values, given=given, provenance=provenance, **written.where())

    return parse


def _set(kind: str, record: type[SetRecord], frozen: tuple[str, ...]) -> _Parser:
    table, parsers = _TABLES[kind]

    def parse(written: _Written, problems: Problems) -> SetRecord | None:
        allowed = [c for c in table.columns if c not in (*PROVENANCE_FIELDS, "id", *frozen)]
        if not _check_fields(written, record.op, [*allowed, "id"], ("id",), problems):
            return None
        changed = [c for c in allowed if c in written.fields]
        if not changed:
            problems.add(written.file, written.line, None, f"{record.op} changes nothing; give at least one column")
            return None
        return _changes(written, record, parsers, {c: c for c in changed}, table, problems, "id")

    return parse


def _changes(
    written: _Written,
    record: type[SetRecord],
    parsers: Mapping[str, CellParser],
    columns: Mapping[str, str],
    table: TableSchema,
    problems: Problems,
    target_field: str,
) -> SetRecord | None:
    """The typed changes of a set edit (``columns``: field as written → table column)."""
    cells = {column: yaml_cell(written.fields.get(name)) for name, column in columns.items()}
    row = _EditRow(written, cells, problems)
    # A field written under a short name (set_border_dwell's exit_h) is reported under that name.
    renamed = {column: name for name, column in columns.items() if name != column}
    if renamed:
        row = _RenamedRow(written, cells, problems, renamed)
    changes = parse_cells(row, parsers, cells)
    sources = _field_sources(written, record.op, columns, table.numeric_columns, problems)
    if row.failed or sources is None:
        return None
    return record(
        target_id=yaml_cell(written.fields.get(target_field)),
        changes=changes,
        given=frozenset(c for c in cells if cells[c]),
        sources=sources,
        target_field=target_field,
        **written.where(),
    )


class _RenamedRow(_EditRow):
    def __init__(self, written: _Written, cells: dict[str, str], problems: Problems, names: dict[str, str]) -> None:
        super().__init__(written, cells, problems)
        self._names = names

    def problem(self, column: str | None, message: str) -> None:
        super().problem(self._names.get(column or "", column), message)


def _set_border_dwell(written: _Written, problems: Problems) -> SetRecord | None:
    if not _check_fields(written, SetBorderDwell.op, ("node", *BORDER_FIELDS), ("node",), problems):
        return None
    given = {name: BORDER_FIELDS[name] for name in BORDER_FIELDS if name in written.fields}
    if not given:
        message = f"set_border_dwell changes nothing; give {', '.join(BORDER_FIELDS)}"
        problems.add(written.file, written.line, None, message)
        return None
    return _changes(written, SetBorderDwell, NODE_CELLS, given, NODES, problems, "node")


def _scale_capacity(written: _Written, problems: Problems) -> ScaleCapacity | None:
    if not _check_fields(written, ScaleCapacity.op, (*CAPACITY_TARGETS, "factor"), ("factor",), problems):
        return None
    targets = [name for name in CAPACITY_TARGETS if name in written.fields]
    if len(targets) != 1:
        problems.add(written.file, written.line, None, "give exactly one of link, node or service to scale")
        return None
    row = _EditRow(written, {"factor": yaml_cell(written.fields["factor"])}, problems)
    factor = row.number("factor", required=True, gt=0)
    sources = _field_sources(written, ScaleCapacity.op, {"factor": "factor"}, ("factor",), problems)
    if factor is None or sources is None:
        return None
    target = targets[0]
    assert target in ("link", "node", "service")
    return ScaleCapacity(
        target=target,  # type: ignore[arg-type]  # narrowed by the assert
        target_id=yaml_cell(written.fields[target]),
        factor=factor,
        sources=sources,
        **written.where(),
    )


def _remove_link(written: _Written, problems: Problems) -> RemoveLink | None:
    if not _check_fields(written, RemoveLink.op, ("id",), ("id",), problems):
        return None
    return RemoveLink(link_id=yaml_cell(written.fields["id"]), **written.where())


def _close_border(written: _Written, problems: Problems) -> CloseBorder | None:
    if not _check_fields(written, CloseBorder.op, ("countries",), ("countries",), problems):
        return None
    countries = written.fields["countries"]
    if isinstance(countries, str):
        countries = [c.strip() for c in countries.split("|")]
    if not isinstance(countries, list) or len(countries) != 2 or any(c not in COUNTRY_NAMES for c in countries):
        message = f"must be two ISO 3166-1 codes, got {countries!r}"
        problems.add(written.file, written.line_of("countries"), "countries", message)
        return None
    return CloseBorder(countries=(countries[0], countries[1]), **written.where())


def _selector_values(written: _Written, plural: str, problems: Problems) -> tuple[str, ...] | None:
    """The values of one selector (written under its plural or singular name), checked; ``None`` when bad."""
    singular = SELECTOR_FIELDS[plural]
    if plural in written.fields and singular in written.fields:
        problems.add(written.file, written.line_of(singular), singular, f"give either {plural} or {singular}, not both")
        return None
    name = plural if plural in written.fields else singular
    if name not in written.fields:
        return ()
    values, problem = selector_values(plural, written.fields[name])
    if problem:
        problems.add(written.file, written.line_of(name), name, problem)
        return None
    return values


def _selector(written: _Written, problems: Problems, allowed: Iterable[str] = SELECTOR_FIELDS) -> Selector | None:
    values: dict[str, tuple[str, ...]] = {}
    ok = True
    for plural in allowed:
        got = _selector_values(written, plural, problems)
        if got is None:
            ok = False
        else:
            values[plural] = got
    return Selector(**values) if ok else None


def _scale(written: _Written, problems: Problems) -> Scale | None:
    selector_names = [name for pair in SELECTOR_FIELDS.items() for name in pair]
    if not _check_fields(
        written, Scale.op, ("what", "factor", "direction", *selector_names), ("what", "factor"), problems
    ):
        return None
    what = yaml_cell(written.fields["what"])
    if what not in SCALE_WHATS:
        message = f"must be one of {', '.join(SCALE_WHATS)}, got {what[:40]!r}{did_you_mean(what, SCALE_WHATS)}"
        problems.add(written.file, written.line_of("what"), "what", message)
        return None
    direction = yaml_cell(written.fields.get("direction", "both"))
    if direction not in DIRECTIONS:
        message = f"must be one of {', '.join(DIRECTIONS)}, got {direction[:40]!r}"
        problems.add(written.file, written.line_of("direction"), "direction", message)
        return None
    if direction != "both" and what not in ("border_dwell", "border_cost"):
        message = f"only border_dwell and border_cost have a direction, not {what}"
        problems.add(written.file, written.line_of("direction"), "direction", message)
        return None
    row = _EditRow(written, {"factor": yaml_cell(written.fields["factor"])}, problems)
    factor = row.number("factor", required=True, gt=0)
    sources = _field_sources(written, Scale.op, {"factor": "factor"}, ("factor",), problems)
    selector = _selector(written, problems)
    if factor is None or sources is None or selector is None:
        return None
    return Scale(
        what=what,
        factor=factor,
        selector=selector,
        direction=direction,  # type: ignore[arg-type]  # checked against DIRECTIONS above
        sources=sources,
        **written.where(),
    )


def _close_country(written: _Written, problems: Problems) -> CloseCountry | None:
    names = ("countries", "country", "modes", "mode")
    if not _check_fields(written, CloseCountry.op, names, (), problems):
        return None
    selector = _selector(written, problems, ("countries", "modes"))
    if selector is None:
        return None
    if not selector.countries:
        problems.add(written.file, written.line, "countries", "is required for close_country (ISO codes)")
        return None
    return CloseCountry(countries=selector.countries, modes=selector.modes, **written.where())


def _close_node(record: type[CloseNode]) -> _Parser:
    def parse(written: _Written, problems: Problems) -> CloseNode | None:
        if not _check_fields(written, record.op, ("nodes", "node", "modes", "mode"), (), problems):
            return None
        selector = _selector(written, problems, ("nodes", "modes"))
        if selector is None:
            return None
        if not selector.nodes:
            problems.add(written.file, written.line, "node", f"is required for {record.op} (a node id)")
            return None
        return record(node_ids=selector.nodes, modes=selector.modes, **written.where())

    return parse


PARSERS: Mapping[str, _Parser] = {
    "add_node": _add("node", AddNode),
    "add_link": _add("link", AddLink),
    "add_service": _add("service", AddService),
    "set_node": _set("node", SetNode, ()),
    "set_link": _set("link", SetLink, ("from", "to", "bidirectional")),
    "set_service": _set("service", SetService, ("mode",)),
    "scale_capacity": _scale_capacity,
    "set_border_dwell": _set_border_dwell,
    "remove_link": _remove_link,
    "close_border": _close_border,
    "close_country": _close_country,
    "close_node": _close_node(CloseNode),
    "close_passage": _close_node(ClosePassage),
    "scale": _scale,
}
OPS = tuple(PARSERS)

__all__ = ["OPS", "PARSERS", "edit_from_fields", "edits_from_yaml", "load_scenario", "parse_scenario"]
