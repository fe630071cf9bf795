"""Readers of the optimizer's input files: demand matrices, existing bookings and terminal candidates.

They use the line-tracking readers of :mod:`engine.network.inputs` (the ones the network loader uses), so every
problem is reported as ``file:line: column: message`` with the tables' cell rules, and they build the optimizer's
own records (:class:`~engine.optimize.demand.Demand`, :class:`~engine.optimize.requests.Booking`,
:class:`~engine.optimize.requests.Candidate`). The algorithm modules do not read files.

Demand CSV (one row per commodity; header names as here, order free): ``origin``, ``destination`` (node ids;
names, aliases and LOCODEs resolve too), ``teu_per_week`` (≥ 0), and optional ``segment``, ``cargo_class``,
``avoid_countries`` and ``avoid_modes`` (``|``-separated), ``gross_kg_per_teu``, ``unserved_usd_per_teu``,
``sources``, ``notes`` — see :mod:`engine.optimize.demand` for their meaning. When the file has a ``sources``
column, provenance is checked as in the network tables.

Bookings CSV: ``service_id``, ``depart`` (ISO 8601 with a zone), ``teu``, optional ``link_id`` and ``notes``.

Candidates YAML: the format in :mod:`engine.optimize.select`; each candidate's ``edits`` are scenario edits
(:mod:`engine.network.scenario`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.errors import DataProblem, InputFileError, InvalidRequest
from engine.network.countries import COUNTRY_NAMES
from engine.network.inputs import Problems, Row, iter_rows, read_table, read_text_file, read_yaml, split_list
from engine.network.model import CargoClass, Mode, Network
from engine.network.provenance import read_provenance
from engine.network.scenario import apply_edits, edits_from_yaml
from engine.network.schema import TableSchema
from engine.optimize.demand import Demand, check_demand
from engine.optimize.requests import Booking, Candidate
from engine.optimize.transfer_graph import DEFAULT_KG_PER_TEU

DEMAND_NUMERIC_COLUMNS = ("teu_per_week", "gross_kg_per_teu", "unserved_usd_per_teu")
DEMAND_COLUMNS = (
    "origin",
    "destination",
    "cargo_class",
    "teu_per_week",
    "segment",
    "avoid_countries",
    "avoid_modes",
    "gross_kg_per_teu",
    "unserved_usd_per_teu",
    "sources",
    "notes",
)
CANDIDATE_ID = re.compile(r"[A-Z][A-Z0-9_-]*")
CANDIDATE_FIELDS = ("id", "title", "cost_usd", "excludes", "edits", "sources", "notes")


def _existing(path: Path) -> None:
    if not path.is_file():
        raise InputFileError([DataProblem(str(path), None, None, "file not found")])


def _located(problems: Problems, path: Path) -> InputFileError:
    """The problems of a table read by file name, located by the path as given."""
    return InputFileError([DataProblem(str(path), p.line, p.column, p.message) for p in problems.items])


# ------------------------------------------------------------------------------------------------- demand


def read_demand_csv(path: str | Path, network: Network | None = None) -> tuple[Demand, ...]:
    """Read a demand matrix (columns in the module docstring).

    Parameters
    ----------
    path
        The CSV file.
    network
        When given, origins and destinations resolve by id, name, alias or LOCODE, unknown nodes are reported, and
        source keys are checked against the network's ``sources.csv``.

    Raises
    ------
    InputFileError
        Every problem found, as ``demand.csv:4: teu_per_week: must be >= 0, got -3``.
    """
    path = Path(path)
    _existing(path)
    schema = TableSchema(
        file=path.name,
        columns=DEMAND_COLUMNS,
        required_columns=("origin", "destination", "teu_per_week"),
        numeric_columns=DEMAND_NUMERIC_COLUMNS,
    )
    problems = Problems()
    rows = read_table(path.parent, schema, problems)
    checks_provenance = bool(rows) and rows is not None and "sources" in rows[0].cells
    demand: list[Demand] = []
    for row in iter_rows(rows):
        item = _demand_row(row, network, checks_provenance, str(path))
        if item is not None:
            demand.append(item)
    if problems:
        raise _located(problems, path)
    if network is not None:
        check_demand(network, demand)
    return tuple(demand)


def _demand_row(row: Row, network: Network | None, checks_provenance: bool, file: str) -> Demand | None:
    ends = {}
    for name in ("origin", "destination"):
        text = row.text(name, required=True)
        if text is not None and network is not None:
            try:
                text = network.node_index.resolve(text, name).id
            except InvalidRequest as exc:
                row.problem(name, exc.problems[0].message)
                text = None
        ends[name] = text
    teu = row.number("teu_per_week", required=True, ge=0)
    cargo_class = row.choice("cargo_class", CargoClass, required=False) or CargoClass.GENERAL
    countries = frozenset(c.upper() for c in split_list(row.raw("avoid_countries")))
    for code in sorted(countries):
        if code not in COUNTRY_NAMES:
            row.problem("avoid_countries", f"must be ISO 3166-1 alpha-2 codes separated by '|', got {code!r}")
    modes = row.choices("avoid_modes", Mode)
    weight = row.number("gross_kg_per_teu", gt=0, le=30_480)
    penalty = row.number("unserved_usd_per_teu", gt=0)
    if checks_provenance and network is not None:
        read_provenance(row, DEMAND_NUMERIC_COLUMNS, network.sources)
    if row.failed or teu is None or modes is None or ends["origin"] is None or ends["destination"] is None:
        return None
    if ends["origin"] == ends["destination"]:
        row.problem("destination", f"must differ from the origin {ends['origin']!r}")
        return None
    return Demand(
        origin=ends["origin"],
        destination=ends["destination"],
        teu_per_week=teu,
        cargo_class=cargo_class,
        avoid_countries=countries,
        avoid_modes=modes,
        gross_kg_per_teu=DEFAULT_KG_PER_TEU if weight is None else weight,
        unserved_usd_per_teu=penalty,
        segment=row.raw("segment"),
        where=f"{file}:{row.line}",
    )


# ----------------------------------------------------------------------------------------------- bookings


def read_bookings_csv(path: str | Path) -> tuple[Booking, ...]:
    """Read existing bookings: columns ``service_id, depart`` (ISO 8601 with a zone), ``teu``, optional
    ``link_id``.

    Raises
    ------
    InputFileError
        Every problem, as ``bookings.csv:3: depart: must be an ISO 8601 time with a zone, got '…'``.
    """
    path = Path(path)
    _existing(path)
    schema = TableSchema(
        file=path.name,
        columns=("service_id", "link_id", "depart", "teu", "notes"),
        required_columns=("service_id", "depart", "teu"),
        numeric_columns=("teu",),
        has_provenance=False,
    )
    problems = Problems()
    bookings = []
    for row in iter_rows(read_table(path.parent, schema, problems)):
        service_id = row.text("service_id", required=True)
        teu = row.number("teu", required=True, ge=0)
        text = row.text("depart", required=True)
        depart = None
        if text is not None:
            try:
                depart = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                row.problem("depart", f"must be an ISO 8601 time like 2026-12-01T06:00Z, got {text!r}")
            else:
                if depart.tzinfo is None:
                    row.problem("depart", f"must carry a time zone (e.g. Z for UTC), got {text!r}")
        if not row.failed and service_id is not None and teu is not None and depart is not None:
            bookings.append(Booking(service_id, depart, teu, row.text("link_id")))
    if problems:
        raise _located(problems, path)
    return tuple(bookings)


# --------------------------------------------------------------------------------------------- candidates


def load_candidates(path: str | Path, network: Network | None = None) -> tuple[Candidate, ...]:
    """Read a candidate file (format in :mod:`engine.optimize.select`).

    With ``network``, the ``cost_usd`` provenance is checked against the network's ``sources.csv`` and every
    candidate's edits are applied once, so a bad edit fails here, at its line.

    Raises
    ------
    InputFileError
        Every problem found, located by file and line.
    """
    return parse_candidates(read_text_file(path), str(path), network)


def parse_candidates(text: str, file: str = "<candidates>", network: Network | None = None) -> tuple[Candidate, ...]:
    """Parse candidate text (YAML or JSON); see :func:`load_candidates`."""
    document = read_yaml(text, file)
    items = document.get("candidates") if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        raise InputFileError([DataProblem(file, None, "candidates", "must be a non-empty list of candidates")])
    problems = Problems()
    candidates: list[Candidate] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        candidate = _candidate(item, index, file, problems, network)
        if candidate is None:
            continue
        line = getattr(item, "line", 0)
        if candidate.id in seen:
            problems.add(file, line, "id", f"duplicate candidate {candidate.id!r}, first on line {seen[candidate.id]}")
            continue
        seen[candidate.id] = line
        candidates.append(candidate)
    for candidate in candidates:
        for other in candidate.excludes:
            if other not in seen:
                problems.add(file, seen[candidate.id], "excludes", f"unknown candidate {other!r}")
    if problems:
        raise InputFileError(problems.items)
    if network is not None:
        for candidate in candidates:
            apply_edits(network, candidate.edits)
    return tuple(candidates)


def _candidate(item: Any, index: int, file: str, problems: Problems, network: Network | None) -> Candidate | None:
    line = getattr(item, "line", 0)
    if not isinstance(item, dict):
        problems.add(file, None, f"candidates[{index}]", "must be a mapping with id, title, cost_usd and edits")
        return None
    key_lines: Mapping[str, int] = getattr(item, "key_lines", {})
    for name in item:
        if name not in CANDIDATE_FIELDS:
            problems.add(
                file, key_lines.get(name, line), name, f"unknown field; allowed: {', '.join(CANDIDATE_FIELDS)}"
            )
    cells = {name: "" if item.get(name) is None else str(item.get(name)).strip() for name in CANDIDATE_FIELDS}
    row = Row(file, line, cells, problems)
    candidate_id = row.ident("id", CANDIDATE_ID, "upper-case letters, digits, '_' and '-', e.g. ALATAU_DRY_PORT")
    title = row.text("title", required=True)
    cost = row.number("cost_usd", required=True, gt=0)
    if network is not None:
        read_provenance(row, ("cost_usd",), network.sources)
    excludes = item.get("excludes") or []
    if isinstance(excludes, str):
        excludes = [excludes]
    if not isinstance(excludes, list) or not all(isinstance(e, str) for e in excludes):
        row.problem("excludes", "must be a list of candidate ids")
        excludes = []
    if "edits" not in item:
        row.problem("edits", "is required (a list of scenario edits)")
        return None
    try:
        edits = edits_from_yaml(item["edits"], file, key_lines.get("edits", line))
    except InputFileError as exc:
        for p in exc.data_problems:
            problems.add(p.file, p.line, p.column, p.message)
        return None
    if row.failed or candidate_id is None or title is None or cost is None:
        return None
    return Candidate(candidate_id, title, cost, edits, tuple(excludes), f"{file}:{line}")


__all__ = ["load_candidates", "parse_candidates", "read_bookings_csv", "read_demand_csv"]
