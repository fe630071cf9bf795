"""Editing the ``sources`` and ``notes`` cells of one CSV row without disturbing the entries the build does not own.

The grammar is the loader's (engine/network/provenance.py): sources are ``column[,column…]=KEY[|KEY…]`` entries
separated by ``;``; notes are ``column[,column…]: text`` entries or free remarks separated by ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Provenance:
    """The ``sources`` and ``notes`` of one row as ordered per-column maps, plus free note remarks."""

    keys: dict[str, str] = field(default_factory=dict)  # column → "KEY|KEY"
    notes: dict[str, str] = field(default_factory=dict)  # column → method text
    remarks: list[str] = field(default_factory=list)  # free note entries, kept in order after the column notes

    @classmethod
    def parse(cls, sources: str, notes: str, columns: set[str]) -> Provenance:
        """Read the two cells; ``columns`` are the table's numeric columns (and ``*``)."""
        parsed = cls()
        for entry in (e.strip() for e in sources.split(";")):
            if not entry:
                continue
            head, sep, keys = entry.partition("=")
            if not sep:
                head, keys = "*", entry
            for column in head.split(","):
                parsed.keys[column.strip()] = keys.strip()
        for entry in (e.strip() for e in notes.split(";")):
            if not entry:
                continue
            head, sep, body = entry.partition(":")
            names = [c.strip() for c in head.split(",")]
            if sep and body.strip() and all(c in columns for c in names):
                for name in names:
                    parsed.notes[name] = body.strip()
            else:
                parsed.remarks.append(entry)
        return parsed

    def cite(self, column: str, key: str, note: str | None) -> None:
        """Make ``column`` cite ``key``; ``note`` says how the number was derived (None drops the old note)."""
        self.keys[column] = key
        if note is None:
            self.notes.pop(column, None)
        else:
            self.notes[column] = note

    def sources_cell(self) -> str:
        """Serialise the keys, columns that share keys grouped in first-appearance order."""
        return ";".join(f"{','.join(cols)}={keys}" for keys, cols in _group(self.keys).items())

    def notes_cell(self) -> str:
        """Serialise the notes: column notes grouped by identical text, then the free remarks."""
        entries = [f"{','.join(cols)}: {text}" for text, cols in _group(self.notes).items()]
        return ";".join(entries + self.remarks)


def _group(mapping: dict[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for column, value in mapping.items():
        grouped.setdefault(value, []).append(column)
    return grouped
