"""Applying scenario edits: typed edit records in, a new network snapshot out.

Each record of :mod:`engine.network.scenario_format` meets the network here: its target must exist, its source
keys must be in the network's ``sources.csv``, and the record it produces — built with ``dataclasses.replace`` on
the frozen record it changes, never by going back to table cells — must pass the record rules of the tables
(:mod:`engine.network.rules`, the loader's own). The edited tables then pass the loader's cross-table checks
(:func:`engine.network.validate.check_network`), and a problem there about an edited record is reported at the
edit that made it. The base network is never modified: the edits work on copies of its dictionaries, and records
are frozen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engine.errors import DataProblem, InputFileError
from engine.network.edits import (
    AddLink,
    AddNode,
    AddRecord,
    CloseBorder,
    CloseCountry,
    CloseNode,
    Edit,
    FieldSources,
    RemoveLink,
    Scale,
    ScaleCapacity,
    Scenario,
    SetLink,
    SetNode,
    SetRecord,
)
from engine.network.inputs import Problems, Row, did_you_mean
from engine.network.load import REVERSE_SUFFIX, reverse_link
from engine.network.model import Link, Network, Node, Provenance, Service, Source
from engine.network.provenance import check_source_keys
from engine.network.rules import (
    LINK_ATTRIBUTES,
    LINK_CELLS,
    NODE_ATTRIBUTES,
    NODE_CELLS,
    SERVICE_ATTRIBUTES,
    SERVICE_CELLS,
    CellParser,
    Fields,
    build_link,
    build_node,
    build_service,
    check_link,
    check_node,
    check_service,
    has_value,
    parse_cells,
    record_values,
)
from engine.network.schema import LINKS, NODES, SERVICES
from engine.network.selectors import links_touching, scaled_columns, select_links, select_nodes, select_services
from engine.network.tariffs import carried_tariffs, tariff_source_keys
from engine.network.validate import check_network


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
        A new snapshot whose ``version`` hashes the base version and the edits as written, so equal edits of
        equal bases give equal versions. An empty edit list returns ``network`` itself.

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
        _handler(edit)(edit, tables, problems)
    if problems:
        raise InputFileError(problems.items)

    surcharges, rate_series, through = carried_tariffs(network, tables.nodes, tables.links, tables.services)
    checks = Problems()
    warnings = check_network(
        tables.nodes,
        tables.links,
        tables.services,
        network.emission_factors,
        network.sources,
        tuple(n for n in network.origins if n in tables.nodes),  # a closure may remove an origin's node
        tuple(n for n in network.destinations if n in tables.nodes),
        checks,
        set(network.sources_cited_elsewhere) | tariff_source_keys(surcharges, rate_series, through),
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
        origins=tuple(n for n in network.origins if n in tables.nodes),
        destinations=tuple(n for n in network.destinations if n in tables.nodes),
        warnings=tuple(warnings),
        sourced_share=network.sourced_share,
        as_of=network.as_of,
        sources_cited_elsewhere=network.sources_cited_elsewhere,
        scenarios=network.scenarios,  # edits on top of a named scenario still name it (the hash says the rest)
        hub_emission_factors=network.hub_emission_factors,
        surcharges=surcharges,
        rate_series=rate_series,
        through_tariffs=through,
    )


@dataclass
class _Tables:
    """The working copies of the record tables while edits are applied (the base network's stay untouched)."""

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


class _EditFields:
    """The :class:`~engine.network.rules.Fields` of a record an edit produced: problems go to the edit's lines.

    A column counts as given when the edit wrote a non-empty value, or, for columns it did not write, when the
    record has a value.
    """

    def __init__(
        self, edit: Edit, problems: Problems, values: Mapping[str, Any], written: Mapping[str, bool] | None = None
    ) -> None:
        self._edit = edit
        self._problems = problems
        self._values = values
        self._written = written or {}
        self.failed = False

    def given(self, column: str) -> bool:
        if column in self._written:
            return self._written[column]
        return has_value(column, self._values.get(column))

    def problem(self, column: str | None, message: str) -> None:
        self.failed = True
        name = self._short_name(column)
        self._problems.add(self._edit.file, self._edit.line_of(name), name, message)

    def _short_name(self, column: str | None) -> str | None:
        # set_border_dwell writes border_exit_h as exit_h: name the field as the user wrote it.
        if column and column.startswith("border_") and column.removeprefix("border_") in self._edit.fields:
            return column.removeprefix("border_")
        return column


class _EmptyCells(Row):
    """Empty cells of the columns an added record did not write, checked with the loader's rules at the edit."""

    def __init__(self, fields: _EditFields, edit: Edit, problems: Problems) -> None:
        super().__init__(edit.file, edit.line, {}, problems)
        self._fields = fields

    def problem(self, column: str | None, message: str) -> None:
        self.failed = True
        self._fields.problem(column, message)


# ------------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class _Kind:
    """What applying needs to know about one record table."""

    name: str
    attributes: Mapping[str, str]  # column → record attribute
    cells: Mapping[str, CellParser]
    check: Callable[[Fields, dict[str, Any]], None]
    build: Callable[[Mapping[str, Any], Provenance, int], Any]
    numeric_columns: tuple[str, ...]


_KINDS = {
    "node": _Kind("node", NODE_ATTRIBUTES, NODE_CELLS, check_node, build_node, NODES.numeric_columns),
    "link": _Kind("link", LINK_ATTRIBUTES, LINK_CELLS, check_link, build_link, LINKS.numeric_columns),
    "service": _Kind(
        "service", SERVICE_ATTRIBUTES, SERVICE_CELLS, check_service, build_service, SERVICES.numeric_columns
    ),
}


def _records(tables: _Tables, kind: str) -> dict[str, Any]:
    if kind == "node":
        return tables.nodes
    if kind == "link":
        return tables.links
    return tables.services


def _kind(record: Edit | Node | Link | Service) -> str:
    if isinstance(record, AddNode | SetNode | Node):
        return "node"
    if isinstance(record, AddLink | SetLink | Link):
        return "link"
    return "service"


def _target(edit: Edit, name: str, key: str, table: Mapping[str, Any], what: str, problems: Problems) -> bool:
    if key in table:
        return True
    problems.add(edit.file, edit.line_of(name), name, f"unknown {what} {key!r}{did_you_mean(key, table)}")
    return False


# ---------------------------------------------------------------------------------------------- handlers


def _add_record(edit: AddRecord, tables: _Tables, problems: Problems) -> None:
    kind = _KINDS[_kind(edit)]
    existing = _records(tables, kind.name)
    record_id = edit.values["id"]
    if record_id in existing or (kind.name == "link" and record_id + REVERSE_SUFFIX in existing):
        problems.add(edit.file, edit.line_of("id"), "id", f"{record_id!r} already exists in the network")
        return
    fields = _EditFields(edit, problems, edit.values, {c: c in edit.given for c in kind.cells})
    missing = [c for c in kind.cells if c not in edit.values]
    # The columns the edit left out are empty cells: the loader's rules say which of them may be empty.
    values = {**parse_cells(_EmptyCells(fields, edit, problems), kind.cells, missing), **edit.values}
    values = {c: values[c] for c in kind.cells}  # the loader's column order
    kind.check(fields, values)
    check_source_keys(fields, edit.provenance, tables.sources)
    if fields.failed:
        return
    record = kind.build(values, edit.provenance, tables.mark(edit))
    if record is None:  # the rules above leave no required value missing; fail loudly if they ever do
        problems.add(edit.file, edit.line, None, f"cannot build the {kind.name} from these fields")
        return
    existing[record.id] = record
    if isinstance(edit, AddLink) and values["bidirectional"]:
        reverse = reverse_link(record)
        existing[reverse.id] = reverse


def _set_record(edit: SetRecord, tables: _Tables, problems: Problems) -> None:
    kind = _kind(edit)
    existing = _records(tables, kind)
    if not _target(edit, edit.target_field, edit.target_id, existing, kind, problems):
        return
    _change(edit, tables, problems, existing, edit.target_id, edit.changes, edit.given, edit.sources)


def _change(
    edit: Edit,
    tables: _Tables,
    problems: Problems,
    existing: dict[str, Any],
    record_id: str,
    changes: Mapping[str, Any],
    given: frozenset[str],
    sources: FieldSources,
) -> None:
    """Replace ``changes`` (typed values by column) in record ``record_id``; the result obeys the record rules."""
    old = existing[record_id]
    kind = _KINDS[_kind(old)]
    values = {**record_values(old, kind.attributes), **changes}
    fields = _EditFields(edit, problems, values, {c: c in given for c in changes})
    kind.check(fields, values)
    check_source_keys(fields, sources.provenance, tables.sources)
    if fields.failed:
        return
    provenance = _merged_provenance(old.provenance, kind.numeric_columns, values, sources)
    new_attributes = {kind.attributes[c]: values[c] for c in changes if c in kind.attributes}
    if kind.name == "link":
        new_attributes["load_unit"] = values["load_unit"]  # the rules may derive it from a changed mode
    existing[record_id] = replace(old, **new_attributes, provenance=provenance, line=tables.mark(edit))


def _merged_provenance(
    old: Provenance, numeric_columns: tuple[str, ...], values: Mapping[str, Any], sources: FieldSources
) -> Provenance:
    """The old record's provenance with the edited columns' keys and notes replaced by the edit's.

    Only the edit's own numbers are checked for a source (in the format); the others kept theirs from the file.
    """
    keys_by_column: dict[str, tuple[str, ...]] = {}
    notes_by_column: dict[str, str] = {}
    for column in numeric_columns:
        if not has_value(column, values.get(column)) and column not in sources.keys:
            continue
        edited = column in sources.keys
        keys = sources.keys[column] if edited else old.keys_for(column)
        if keys:
            keys_by_column[column] = keys
        note = sources.notes.get(column) if edited else old.notes_by_column.get(column, old.notes_by_column.get("*"))
        if note:
            notes_by_column[column] = note.replace(";", ",").strip()
    text = ";".join(f"{column}={'|'.join(keys)}" for column, keys in keys_by_column.items())
    notes_text = ";".join(f"{column}: {note}" for column, note in notes_by_column.items())
    return Provenance(keys_by_column, notes_by_column, text, notes_text)


def _scale_capacity(edit: ScaleCapacity, tables: _Tables, problems: Problems) -> None:
    existing = _records(tables, edit.target)
    if not _target(edit, edit.target, edit.target_id, existing, edit.target, problems):
        return
    record = existing[edit.target_id]
    column = edit.column
    old_value = getattr(record, column)
    if old_value is None:
        message = f"{edit.target} {edit.target_id!r} has no {column} to scale; set one with set_{edit.target}"
        problems.add(edit.file, edit.line_of(edit.target), edit.target, message)
        return
    keys = tuple(dict.fromkeys((*record.provenance.keys_for(column), *edit.sources.keys["factor"])))
    note = f"{old_value:g} × {edit.factor:g}: {edit.sources.notes['factor']}"
    sources = FieldSources({column: keys}, {column: note}, edit.sources.provenance)
    new_value = old_value * edit.factor
    _change(edit, tables, problems, existing, edit.target_id, {column: new_value}, frozenset({column}), sources)


def _remove_link(edit: RemoveLink, tables: _Tables, problems: Problems) -> None:
    if _target(edit, "id", edit.link_id, tables.links, "link", problems):
        del tables.links[edit.link_id]


def _close_border(edit: CloseBorder, tables: _Tables, problems: Problems) -> None:
    pair = set(edit.countries)
    closed = [
        link.id
        for link in tables.links.values()
        if {tables.nodes[link.from_id].country, tables.nodes[link.to_id].country} == pair
    ]
    if not closed:
        problems.add(edit.file, edit.line_of("countries"), "countries", f"no link joins {' and '.join(edit.countries)}")
    for link_id in closed:
        del tables.links[link_id]


def _scale(edit: Scale, tables: _Tables, problems: Problems) -> None:
    columns = dict(scaled_columns(edit.what, edit.direction))
    if edit.what == "capacity":  # a node's capacity only when nodes are named; else links' and services'
        columns = {k: v for k, v in columns.items() if (k == "node") == bool(edit.selector.nodes)}
    select: Mapping[str, Callable[..., Sequence[Node | Link | Service]]] = {
        "node": select_nodes,
        "link": select_links,
        "service": select_services,
    }
    scaled = 0
    for kind, kind_columns in columns.items():
        existing = _records(tables, kind)
        for record in select[kind](edit.selector, tables.nodes, tables.links, tables.services):
            olds = {c: getattr(record, c) for c in kind_columns if getattr(record, c) is not None}
            if not olds:
                continue
            note = edit.sources.notes["factor"]
            keys = {
                c: tuple(dict.fromkeys((*record.provenance.keys_for(c), *edit.sources.keys["factor"]))) for c in olds
            }
            notes = {c: f"{old:g} × {edit.factor:g}: {note}" for c, old in olds.items()}
            sources = FieldSources(keys, notes, edit.sources.provenance)
            changes = {c: old * edit.factor for c, old in olds.items()}
            if not _cells_accept(edit, record.id, changes, _KINDS[kind].cells, problems):
                continue
            _change(edit, tables, problems, existing, record.id, changes, frozenset(changes), sources)
            scaled += 1
    if not scaled:
        message = f"selects no record with a {edit.what.replace('_', ' ')} to scale"
        problems.add(edit.file, edit.line, None, message)


class _ScaledCells(Row):
    """Scaled values as cells, checked with the column's cell rule (a headway must still divide the week); a
    problem is reported at the edit's ``factor``, naming the record."""

    def __init__(self, edit: Edit, record_id: str, cells: dict[str, str], problems: Problems) -> None:
        super().__init__(edit.file, edit.line_of("factor"), cells, problems)
        self._record_id = record_id

    def problem(self, column: str | None, message: str) -> None:
        super().problem("factor", f"makes {column} of {self._record_id!r} invalid: {message}")


def _cells_accept(
    edit: Edit, record_id: str, changes: Mapping[str, float], cells: Mapping[str, CellParser], problems: Problems
) -> bool:
    row = _ScaledCells(edit, record_id, {c: repr(v) for c, v in changes.items()}, problems)
    parse_cells(row, cells, changes)
    return not row.failed


def _close_country(edit: CloseCountry, tables: _Tables, problems: Problems) -> None:
    closed = links_touching(tables.links, tables.nodes, countries=edit.countries, modes=edit.modes)
    if not closed:
        name = "countries" if "countries" in edit.fields else "country"
        problems.add(edit.file, edit.line_of(name), name, f"no link touches {', '.join(edit.countries)}")
    _remove_links(tables, closed)


def _close_node(edit: CloseNode, tables: _Tables, problems: Problems) -> None:
    name = "nodes" if "nodes" in edit.fields else "node"
    for node_id in edit.node_ids:
        _target(edit, name, node_id, tables.nodes, "node", problems)
    closed = links_touching(tables.links, tables.nodes, node_ids=edit.node_ids, modes=edit.modes)
    if not closed and all(n in tables.nodes for n in edit.node_ids):
        problems.add(edit.file, edit.line_of(name), name, f"no link touches {', '.join(edit.node_ids)}")
    _remove_links(tables, closed)


def _remove_links(tables: _Tables, link_ids: list[str]) -> None:
    """Remove links, and the nodes at their ends that no link reaches any more (a closed country's terminals, a
    closed passage's waypoint): a node nothing reaches is a data error in a file, but here it is what was asked."""
    ends = set()
    for link_id in link_ids:
        link = tables.links.pop(link_id)
        ends |= {link.from_id, link.to_id}
    linked = {end for link in tables.links.values() for end in (link.from_id, link.to_id)}
    for node_id in ends - linked:
        del tables.nodes[node_id]


_HANDLERS: Mapping[type[Edit], Callable[[Any, _Tables, Problems], None]] = {
    AddRecord: _add_record,
    SetRecord: _set_record,
    ScaleCapacity: _scale_capacity,
    RemoveLink: _remove_link,
    CloseBorder: _close_border,
    CloseCountry: _close_country,
    CloseNode: _close_node,
    Scale: _scale,
}


def _handler(edit: Edit) -> Callable[[Any, _Tables, Problems], None]:
    for cls in type(edit).__mro__:
        if cls in _HANDLERS:
            return _HANDLERS[cls]
    msg = f"no handler for edit {type(edit).__name__}"
    raise TypeError(msg)


__all__ = ["apply_edits"]
