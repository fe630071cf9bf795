"""Provenance of numbers: every numeric cell names a source key, or ESTIMATE with a note saying how.

Grammar of the ``sources`` cell: entries ``column[,column…]=KEY[|KEY…]`` separated by ``;``. ``*`` stands
for every numeric column not listed elsewhere; a bare ``KEY`` means ``*=KEY``.
Grammar of the ``notes`` cell: entries separated by ``;``; an entry ``column[,column…]: text`` explains
those columns (``*: text`` explains all). Other entries are free remarks.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from engine.network.inputs import Row
from engine.network.model import ESTIMATE, Provenance


class _Reporter(Protocol):
    def problem(self, column: str | None, message: str) -> None: ...


def read_provenance(row: Row, numeric_columns: tuple[str, ...], known_keys: Collection[str] | None) -> Provenance:
    """Parse and check the row's ``sources`` and ``notes`` cells against its non-empty numeric cells.

    Problems (unknown keys, unsourced numbers, unexplained estimates) are recorded on the row. ``known_keys`` is
    ``None`` where the sources are not known yet (a scenario file read without its network); the keys are then
    checked with :func:`check_source_keys` when the edit meets the network.
    """
    sources_text = row.raw("sources")
    notes_text = row.raw("notes")
    keys_by_column: dict[str, tuple[str, ...]] = {}
    allowed = set(numeric_columns) | {"*"}

    for entry in (e.strip() for e in sources_text.split(";")):
        if not entry:
            continue
        columns_part, sep, keys_part = entry.partition("=")
        if not sep:
            columns_part, keys_part = "*", entry
        columns = [c.strip() for c in columns_part.split(",") if c.strip()]
        keys = tuple(k.strip() for k in keys_part.split("|") if k.strip())
        if not columns or not keys:
            row.problem("sources", f"cannot read entry {entry!r}; write column=KEY, e.g. distance_km=CPMM-2022")
            continue
        for column in columns:
            if column not in allowed:
                row.problem("sources", f"{column!r} is not a numeric column of {row.file}")
            elif column in keys_by_column:
                row.problem("sources", f"{column!r} is given a source twice")
            else:
                keys_by_column[column] = keys
        if known_keys is not None:
            _check_keys(row, keys, known_keys)

    notes_by_column = _read_notes(notes_text, allowed)
    provenance = Provenance(keys_by_column, notes_by_column, sources_text, notes_text)

    for column in numeric_columns:
        if not row.raw(column):
            continue
        keys = provenance.keys_for(column)
        if not keys:
            row.problem("sources", f"the number in {column!r} has no source; add {column}=KEY (or ESTIMATE)")
        elif ESTIMATE in keys and column not in notes_by_column and "*" not in notes_by_column:
            row.problem("notes", f"{column!r} is an ESTIMATE but the notes do not say how; add '{column}: <method>'")
    return provenance


def check_source_keys(fields: _Reporter, provenance: Provenance, known_keys: Collection[str]) -> None:
    """Report every key of ``provenance`` that is neither ``ESTIMATE`` nor a key of ``known_keys``."""
    keys = dict.fromkeys(key for column_keys in provenance.keys_by_column.values() for key in column_keys)
    _check_keys(fields, tuple(keys), known_keys)


def _check_keys(fields: _Reporter, keys: tuple[str, ...], known_keys: Collection[str]) -> None:
    for key in keys:
        if key != ESTIMATE and key not in known_keys:
            hint = " (keys must be upper case)" if key.upper() in known_keys else ""
            fields.problem("sources", f"unknown source key {key!r}{hint}; add it to sources.csv")


def _read_notes(notes_text: str, allowed: set[str]) -> dict[str, str]:
    notes: dict[str, str] = {}
    for entry in (e.strip() for e in notes_text.split(";")):
        head, sep, body = entry.partition(":")
        if not sep or not body.strip():
            continue
        columns = [c.strip() for c in head.split(",")]
        if columns and all(c in allowed for c in columns):
            for column in columns:
                notes[column] = body.strip()
    return notes


def count_cells(rows: list[tuple[Row, Provenance]], numeric_columns: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Per numeric column: non-empty cells backed by a real source, and by ESTIMATE only (columns in file order)."""
    counts = {column: [0, 0] for column in numeric_columns}
    for row, provenance in rows:
        for column in numeric_columns:
            if not row.raw(column):
                continue
            keys = provenance.keys_for(column)
            counts[column][0 if any(k != ESTIMATE for k in keys) else 1] += 1
    return {column: (c[0], c[1]) for column, c in counts.items() if c != [0, 0]}
