"""The calibration file: published figures the engine's answers are held against (``calibration.csv``).

One row per published figure (``graphs/<network>/README.md`` documents the columns):

``id``
    Upper-case identifier, e.g. ``ERAI-DOSTYK-BREST-DAYS``.
``query``
    The question as ``corridor route`` arguments (``XIAN DUISBURG --objective fastest --via MINSK --ready
    2026-12-01T00:00Z --teu 2``), quoted as a shell would (``--via "baku port"``); empty for a ratio row.
``measure``
    ``transit_days`` (ready to arrival), ``cost_usd`` (the route's total), ``freight_usd`` (its freight
    component, what a rate index quotes), ``freight_surcharges_usd`` (freight plus surcharges: a reefer spot rate,
    whose reefer premium the engine charges as surcharges), ``co2e_kg``, or ``ratio`` (of two other rows' engine
    values, named in ``ratio_of`` as ``NUMERATOR/DENOMINATOR``).
``published_low``, ``published_high``
    The published figure, or the published range (``published_high`` empty = a single value).
``source``
    Key of ``sources.csv``.
``kind``
    ``official_best_case`` (an operator's or government's claim: compared to the engine's P10),
    ``market_average`` (forwarders' and market reports: compared to the engine's P50–P90), ``index`` (a dated
    rate or time index) or ``computed`` (a figure computed from publications, e.g. a ratio of two tariffs; every
    ratio row is ``computed``); see :mod:`engine.studies.calibration` for the exact rules.
``tolerance``
    Relative slack around the published range (0.2 = ±20 %): the accepted band is ``[published_low × (1 −
    tolerance), published_high × (1 + tolerance)]``.
``accept_low``, ``accept_high``
    Optional bounds that replace the band's ends, for a target that is not "near the figure" (the World Bank's
    "three times longer" held as "at least 2"; reefer only "above dry").
``note``
    What the figure is and why it is compared so.
``known_gap``
    Empty for a row the engine is held to. Otherwise why the engine cannot meet the figure yet — the missing
    source or model piece, concretely. Such a row is expected **outside** its band: when a fix brings it inside,
    the check fails until the gap is removed and the row is held again.
"""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputFileError
from engine.network.inputs import Problems, Row, iter_rows, read_table
from engine.network.schema import TableSchema

CALIBRATION = TableSchema(
    file="calibration.csv",
    columns=(
        "id",
        "query",
        "measure",
        "ratio_of",
        "published_low",
        "published_high",
        "source",
        "kind",
        "tolerance",
        "accept_low",
        "accept_high",
        "note",
        "known_gap",
    ),
    required_columns=("id", "measure", "published_low", "source", "kind", "tolerance"),
    numeric_columns=("published_low", "published_high", "tolerance", "accept_low", "accept_high"),
    has_provenance=False,
)
"""Columns of ``calibration.csv``."""

_ROW_ID = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,79}")


class Measure(enum.StrEnum):
    """What a calibration row measures, in the unit of its name."""

    TRANSIT_DAYS = "transit_days"
    COST_USD = "cost_usd"
    FREIGHT_USD = "freight_usd"
    FREIGHT_SURCHARGES_USD = "freight_surcharges_usd"
    CO2E_KG = "co2e_kg"
    RATIO = "ratio"


class FigureKind(enum.StrEnum):
    """What kind of figure was published; it decides which engine value it is compared to."""

    OFFICIAL_BEST_CASE = "official_best_case"
    MARKET_AVERAGE = "market_average"
    INDEX = "index"
    COMPUTED = "computed"


@dataclass(frozen=True)
class CalibrationRow:
    """One published figure and the question whose answer is held against it."""

    id: str
    query: tuple[str, ...]
    measure: Measure
    ratio_of: tuple[str, str] | None
    published_low: float
    published_high: float
    source: str
    kind: FigureKind
    tolerance: float
    accept_low: float
    accept_high: float
    note: str
    line: int
    known_gap: str = ""
    """Why the engine cannot meet this figure yet (empty: the row is held within its band)."""

    @property
    def published(self) -> float:
        """The published figure: the single value, or the middle of the published range."""
        return (self.published_low + self.published_high) / 2


def read_calibration(path: str | Path, known_sources: Collection[str]) -> tuple[CalibrationRow, ...]:
    """Read and check a calibration file.

    Parameters
    ----------
    path
        The ``calibration.csv`` file.
    known_sources
        The source keys of the network (``network.sources``); every row's ``source`` must be one.

    Returns
    -------
    tuple of CalibrationRow
        In file order.

    Raises
    ------
    InputFileError
        With every defect as ``calibration.csv:LINE: column: message``.
    """
    path = Path(path)
    problems = Problems()
    schema = TableSchema(
        path.name, CALIBRATION.columns, CALIBRATION.required_columns, CALIBRATION.numeric_columns, False
    )
    rows: list[CalibrationRow] = []
    for row in iter_rows(read_table(path.parent, schema, problems)):
        parsed = _read_row(row, known_sources)
        if parsed is not None and not row.failed:
            rows.append(parsed)
    _check_references(rows, problems, path.name)
    if problems:
        raise InputFileError(problems.items)
    return tuple(rows)


def _read_row(row: Row, known_sources: Collection[str]) -> CalibrationRow | None:
    row_id = row.ident("id", _ROW_ID, "upper-case letters, digits, '-' and '_' (at most 80), e.g. ERAI-DAYS")
    measure = row.choice("measure", Measure)
    kind = row.choice("kind", FigureKind)
    low = row.number("published_low", required=True, gt=0)
    high = row.number("published_high", gt=0)
    tolerance = row.number("tolerance", required=True, ge=0, le=1)
    accept_low = row.number("accept_low", ge=0)
    accept_high = row.number("accept_high", gt=0)
    source = row.text("source", required=True)
    if source is not None and source not in known_sources:
        row.problem("source", f"unknown source key {source!r}; add it to sources.csv")
    query: tuple[str, ...] = ()
    try:
        query = tuple(shlex.split(row.raw("query")))
    except ValueError as exc:
        row.problem("query", f"cannot split {row.raw('query')[:80]!r} into arguments: {exc}")
    ratio_of = None
    if measure is Measure.RATIO:
        parts = [p.strip() for p in row.raw("ratio_of").split("/")]
        if len(parts) != 2 or not all(parts):
            row.problem("ratio_of", f"must name two rows as NUMERATOR/DENOMINATOR, got {row.raw('ratio_of')[:80]!r}")
        else:
            ratio_of = (parts[0], parts[1])
        if query:
            row.problem("query", "must be empty for a ratio row (its value comes from the rows in ratio_of)")
        if kind is not None and kind is not FigureKind.COMPUTED:
            row.problem("kind", f"a ratio row is computed from two answers; write computed, got {kind.value!r}")
    elif measure is not None:
        if row.given("ratio_of"):
            row.problem("ratio_of", f"is only for measure ratio, got measure {measure.value!r}")
        if not query:
            row.problem(
                "query", "is required: the corridor route arguments, e.g. XIAN DUISBURG --ready 2026-12-01T00:00Z"
            )
    if None in (row_id, measure, kind, low, tolerance, source) or row.failed:
        return None
    assert row_id is not None and measure is not None and kind is not None and low is not None
    assert tolerance is not None and source is not None
    high = low if high is None else high
    if high < low:
        row.problem("published_high", f"must be >= published_low ({low:g}), got {high:g}")
    band_low = low * (1 - tolerance) if accept_low is None else accept_low
    band_high = high * (1 + tolerance) if accept_high is None else accept_high
    if band_high < band_low:
        row.problem("accept_high", f"the accepted band is empty: {band_low:g} to {band_high:g}")
    note = row.raw("note")
    known_gap = row.raw("known_gap").strip()
    return CalibrationRow(
        row_id,
        query,
        measure,
        ratio_of,
        low,
        high,
        source,
        kind,
        tolerance,
        band_low,
        band_high,
        note,
        row.line,
        known_gap,
    )


def _check_references(rows: list[CalibrationRow], problems: Problems, file: str) -> None:
    by_id: dict[str, CalibrationRow] = {}
    for row in rows:
        if row.id in by_id:
            problems.add(file, row.line, "id", f"{row.id!r} is already the id of line {by_id[row.id].line}")
        by_id.setdefault(row.id, row)
    for row in rows:
        for ref in row.ratio_of or ():
            target = by_id.get(ref)
            if target is None:
                problems.add(file, row.line, "ratio_of", f"{ref!r} is not the id of a row of this file")
            elif target.measure is Measure.RATIO:
                problems.add(file, row.line, "ratio_of", f"{ref!r} is itself a ratio row; name rows with a query")
