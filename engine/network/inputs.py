"""The input layer: every file the engine reads (network tables, scenarios, demand, bookings, candidates) is read here.

Two line-tracking readers and one way to report what is wrong with them:

- **CSV** (:func:`read_table`): one table read with polars as text cells, its header checked against a
  :class:`~engine.network.schema.TableSchema`; :class:`Row` turns cells into typed values (numbers with bounds,
  identifiers, enum choices, week times) and records a problem instead of raising. Line numbers are file lines
  (the header is line 1); a cell may not contain a line break, so data row ``i`` is line ``i + 2``.
- **YAML / JSON** (:func:`read_yaml`): a safe YAML load whose mappings are :class:`LineMapping` (a ``dict`` that
  knows its own line and the line of each key), so a problem in a scenario or candidate file points at the field.

Every problem is located: ``links.csv:42: distance_km: must be > 0, got '-3'``,
``scenario.yaml:12: handling_h: must be >= 0, got -3``. Problems are collected in :class:`Problems` so a reader
reports all of them at once.

This module sits at the bottom of ``engine/network`` (it imports only :mod:`engine.errors` and the table schema),
so the loader, the scenario format and the optimizer's readers (:mod:`engine.optimize.inputs`) share it without a
new layer.
"""

from __future__ import annotations

import csv
import difflib
import enum
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import yaml

from engine.errors import DataProblem, InputFileError
from engine.network.schema import TableSchema
from engine.network.yaml_guard import check_yaml

E = TypeVar("E", bound=enum.Enum)

MAX_ROWS = 500_000
"""Rows one table may have: the shipped network has a few hundred; the 100k-node synthetic scale network
(benchmarks/synthetic.py) needs about 170,000 link rows, and 500,000 would take minutes to check."""
MAX_CELL_CHARS = 10_000
"""Characters one cell may hold (the longest note in the shipped network has under 1,000)."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEK_TIME = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):([0-5]\d)$")


@dataclass
class Problems:
    """An ordered collection of data problems shared by every reader of one load."""

    items: list[DataProblem] = field(default_factory=list)

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        """Record one problem."""
        self.items.append(DataProblem(file, line, column, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for the closest of ``choices`` to ``word``, or ``''`` when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_table(directory: Path, schema: TableSchema, problems: Problems) -> list[Row] | None:
    """Read ``schema.file`` from ``directory`` as text cells, checking the header.

    Returns the data rows (blank lines skipped), or ``None`` when the file cannot be used at all; the reasons
    are added to ``problems``.
    """
    path = directory / schema.file
    name = schema.file
    if not path.is_file():
        problems.add(name, None, None, f"file not found in {directory}")
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(name, line, None, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8")
        return None
    if not text.strip():
        problems.add(name, None, None, "file is empty; expected a header row")
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.add(name, line, None, "contains a NUL character; save the file as plain UTF-8 text")
        return None
    if "\r" in text.replace("\r\n", ""):
        # Bare CR line ends (classic Mac) would otherwise reach the csv module as "new-line in unquoted field".
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (lines := text.count("\n")) > MAX_ROWS + 1:
        problems.add(name, None, None, f"has {lines:,} lines; a table may have at most {MAX_ROWS:,} rows")
        return None

    header = next(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in header]
    if not _header_ok(name, header, schema, problems):
        return None

    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError:
        _locate_ragged_line(name, text, len(header), problems)
        return None
    frame = frame.rename({old: old.strip() for old in frame.columns})

    rows: list[Row] = []
    for index, values in enumerate(frame.iter_rows()):
        line = index + 2
        cells = {col: (v.strip() if v is not None else "") for col, v in zip(frame.columns, values, strict=True)}
        if any("\n" in v or "\r" in v for v in cells.values()):
            problems.add(name, line, None, "a cell contains a line break; keep every row on one line")
            return None
        long = next((col for col, v in cells.items() if len(v) > MAX_CELL_CHARS), None)
        if long is not None:
            size = len(cells[long])
            problems.add(name, line, long, f"cell has {size:,} characters; at most {MAX_CELL_CHARS:,} are read")
            return None
        if not any(cells.values()):
            continue
        rows.append(Row(name, line, cells, problems))
    return rows


def _header_ok(name: str, header: list[str], schema: TableSchema, problems: Problems) -> bool:
    ok = True
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.add(name, 1, column, "column appears twice in the header")
            ok = False
        seen.add(column)
        if column not in schema.columns:
            allowed = ", ".join(schema.columns)
            problems.add(name, 1, column, f"unknown column{did_you_mean(column, schema.columns)}; allowed: {allowed}")
            ok = False
    for column in schema.required_columns:
        if column not in seen:
            problems.add(name, 1, column, "required column is missing from the header")
            ok = False
    return ok


def _locate_ragged_line(name: str, text: str, width: int, problems: Problems) -> None:
    reader = csv.reader(io.StringIO(text))
    for record in reader:
        if record and len(record) != width and reader.line_num > 1:
            problems.add(name, reader.line_num, None, f"row has {len(record)} fields but the header has {width}")
            return
    problems.add(name, None, None, "cannot be read as CSV")


class Row:
    """One data row; typed accessors record a problem and return ``None`` when a cell is unusable."""

    def __init__(self, file: str, line: int, cells: dict[str, str], problems: Problems) -> None:
        self.file = file
        self.line = line
        self.cells = cells
        self._problems = problems
        self.failed = False

    def problem(self, column: str | None, message: str) -> None:
        """Record a problem located at this row and ``column``."""
        self.failed = True
        self._problems.add(self.file, self.line, column, message)

    def raw(self, column: str) -> str:
        """The stripped cell text ('' when the column is absent or empty)."""
        return self.cells.get(column, "")

    def given(self, column: str) -> bool:
        """Whether the cell is non-empty (even if its text is invalid)."""
        return bool(self.cells.get(column, ""))

    def text(self, column: str, *, required: bool = False) -> str | None:
        """A text cell; ``None`` when empty."""
        value = self.raw(column)
        if not value:
            if required:
                self.problem(column, "is required, got an empty cell")
            return None
        return value

    def ident(self, column: str, pattern: re.Pattern[str], rule: str) -> str | None:
        """A required identifier matching ``pattern`` (``rule`` describes it in the message)."""
        value = self.text(column, required=True)
        if value is None:
            return None
        if not pattern.fullmatch(value):
            self.problem(column, f"must be {rule}, got {value!r}")
            return None
        return value

    def number(
        self,
        column: str,
        *,
        required: bool = False,
        gt: float | None = None,
        ge: float | None = None,
        le: float | None = None,
    ) -> float | None:
        """A finite decimal number within the given bounds; ``None`` when empty or invalid."""
        value = self.raw(column)
        if not value:
            if required:
                self.problem(column, "is required, got an empty cell")
            return None
        try:
            number = float(value)
        except ValueError:
            self.problem(column, f"must be a number, got {value!r}")
            return None
        if not math.isfinite(number):
            self.problem(column, f"must be a finite number, got {value!r}")
            return None
        if gt is not None and not number > gt:
            self.problem(column, f"must be > {gt:g}, got {value}")
            return None
        if ge is not None and not number >= ge:
            self.problem(column, f"must be >= {ge:g}, got {value}")
            return None
        if le is not None and not number <= le:
            self.problem(column, f"must be <= {le:g}, got {value}")
            return None
        return number

    def integer(self, column: str, *, ge: int | None = None, le: int | None = None) -> int | None:
        """An optional whole number within bounds."""
        value = self.raw(column)
        if not value:
            return None
        if not re.fullmatch(r"-?\d+", value):
            self.problem(column, f"must be a whole number, got {value!r}")
            return None
        number = int(value)
        if (ge is not None and number < ge) or (le is not None and number > le):
            self.problem(column, f"must be between {ge} and {le}, got {value}")
            return None
        return number

    def choice(self, column: str, enum_type: type[E], *, required: bool = True) -> E | None:
        """One value of ``enum_type`` (by its value)."""
        value = self.raw(column)
        if not value:
            if required:
                self.problem(column, f"is required; one of {_values(enum_type)}")
            return None
        try:
            return enum_type(value)
        except ValueError:
            self.problem(column, f"must be one of {_values(enum_type)}, got {value!r}")
            return None

    def choices(self, column: str, enum_type: type[E], *, required: bool = False) -> frozenset[E] | None:
        """A ``|``-separated set of ``enum_type`` values (empty set when the cell is empty)."""
        items = split_list(self.raw(column))
        if not items:
            if required:
                self.problem(column, f"is required; one or more of {_values(enum_type)} separated by '|'")
                return None
            return frozenset()
        result: set[E] = set()
        for item in items:
            try:
                result.add(enum_type(item))
            except ValueError:
                self.problem(column, f"{item!r} is not one of {_values(enum_type)}")
                return None
        if len(result) != len(items):
            self.problem(column, f"lists a value twice: {self.raw(column)!r}")
            return None
        return frozenset(result)

    def flag(self, column: str, *, default: bool | None = None) -> bool | None:
        """``true`` / ``false`` (case-insensitive); ``default`` when empty."""
        value = self.raw(column).lower()
        if not value:
            return default
        if value in ("true", "false"):
            return value == "true"
        self.problem(column, f"must be true or false, got {self.raw(column)!r}")
        return default

    def week_time(self, column: str, text: str) -> int | None:
        """Parse ``Ddd HH:MM`` into minutes after Monday 00:00."""
        match = _WEEK_TIME.fullmatch(text)
        if not match:
            self.problem(column, f"must be a weekday and UTC time like 'Mon 06:00', got {text!r}")
            return None
        day, hour, minute = match.groups()
        return WEEKDAYS.index(day) * 1440 + int(hour) * 60 + int(minute)


def _values(enum_type: type[enum.Enum]) -> str:
    return ", ".join(str(member.value) for member in enum_type)


def split_list(cell: str) -> list[str]:
    """Split a ``|``-separated cell into stripped, non-empty items."""
    return [item.strip() for item in cell.split("|") if item.strip()]


def iter_rows(rows: list[Row] | None) -> Iterator[Row]:
    """Iterate rows of a table that may have failed to load."""
    yield from rows or ()


# ------------------------------------------------------------------------------------------ YAML and text


class LineMapping(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Line of ``key`` (the mapping's own line when the key is absent)."""
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings are :class:`LineMapping`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMapping:
    loader.flatten_mapping(node)
    mapping = LineMapping()
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
    """Parse YAML (or JSON, a subset) with line numbers on every mapping (:class:`LineMapping`).

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


def yaml_cell(value: Any) -> str:
    """A YAML value as the text of a table cell: lists joined by ``|``, ``None`` empty, booleans lower case.

    Scenario and candidate fields use the tables' cell rules (:class:`Row`), so a number written in YAML obeys
    exactly the bounds it has in a CSV file.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join(yaml_cell(v) for v in value)
    return str(value).strip()


__all__ = [
    "WEEKDAYS",
    "LineMapping",
    "Problems",
    "Row",
    "did_you_mean",
    "iter_rows",
    "read_table",
    "read_text_file",
    "read_yaml",
    "split_list",
    "yaml_cell",
]
