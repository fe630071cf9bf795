"""The calibration harness: published figures against the engine's answers, with a verdict per row.

Each row of ``calibration.csv`` (:mod:`engine.studies.calibration_file`) is a question, what to measure on the
answer, and a published figure. The engine's answer is the first route of ``find_routes`` for the row's query
(give an ``--objective``; with ``pareto`` the first route listed is taken). Its values, in the row's unit:

- ``transit_days``: days from ready to arrival at P10, P50 and P90 (:func:`arrival_band`);
- ``cost_usd``, ``freight_usd``, ``freight_surcharges_usd``, ``co2e_kg``: one value (P10 = P50 = P90);
- ``ratio``: the numerator row's central value ÷ the denominator row's (central = P50 for a time).

**Verdict.** The accepted band is ``[published_low × (1 − tolerance), published_high × (1 + tolerance)]``, or
``accept_low`` / ``accept_high`` where the row gives them. Then, by the kind of figure:

- ``official_best_case`` (claims of operators and governments are what a train achieves when everything goes
  right): the engine's **P10** must lie in the band;
- ``market_average`` (what forwarders and market reports say cargo typically takes): the engine's **P50–P90**
  range must meet the band, i.e. ``P50 <= band high`` and ``P90 >= band low`` — the published figure falls
  between the engine's P50 and P90, or within the tolerance of them. Where the engine has no spread (P50 = P90)
  this is "P50 within the band";
- ``index`` and ``computed``: the engine's central value (P50) must lie in the band.

The value compared is shown with its **ratio** = engine ÷ published (the middle of a published range). A row
fails ``high`` or ``low`` (the engine is above or below the band) or ``no route`` (the query has no answer).

**Known gaps.** A row with a ``known_gap`` (the missing source or model piece) is expected to fail: it is
:attr:`CalibrationResult.as_expected` while it stays outside its band, and not once the model meets it — then
the gap is removed and the row is held like the others.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.errors import DataProblem, InputFileError, InvalidRequest
from engine.network.model import Network
from engine.routing import Route, RouteQuery, find_routes
from engine.studies.calibration_file import CalibrationRow, FigureKind, Measure

QueryBuilder = Callable[[Network, Sequence[str]], RouteQuery]
"""Turns a row's ``corridor route`` arguments into a query (the CLI's parser: ``route_query_from_argv``)."""


class Verdict(enum.StrEnum):
    """How a row came out."""

    PASS = "pass"
    HIGH = "high"
    LOW = "low"
    NO_ROUTE = "no route"


@dataclass(frozen=True)
class CalibrationResult:
    """One row against the engine. ``p10``/``p50``/``p90`` are in the row's unit (equal unless a time);
    ``compared`` is the value judged (P10 for an official best case, P50 otherwise); ``ratio`` = compared ÷
    published. All ``None`` when there is no route; ``detail`` then says why."""

    row: CalibrationRow
    p10: float | None
    p50: float | None
    p90: float | None
    compared: float | None
    ratio: float | None
    verdict: Verdict
    detail: str = ""

    @property
    def passed(self) -> bool:
        """Whether the engine holds the row within its band."""
        return self.verdict is Verdict.PASS

    @property
    def as_expected(self) -> bool:
        """A held row within its band, or a row with a ``known_gap`` still outside it (a known gap that closes
        is not as expected: the row must be held again)."""
        return self.passed != bool(self.row.known_gap)


def arrival_band(route: Route) -> tuple[datetime, datetime, datetime]:
    """The route's arrival at P10, P50 and P90.

    The one place that reads the arrival bands (``Route.arrival_p10/p50/p90``, from the seeded Monte-Carlo of
    :mod:`engine.routing` through the timetable). A route without bands (no varying dwell on it) gives its
    deterministic arrival for all three.
    """
    p10 = route.arrival_p10 if route.arrival_p10 is not None else route.arrive
    p50 = route.arrival_p50 if route.arrival_p50 is not None else route.arrive
    p90 = route.arrival_p90 if route.arrival_p90 is not None else route.arrive
    return p10, p50, p90


def judge(row: CalibrationRow, p10: float, p50: float, p90: float) -> tuple[float, Verdict]:
    """The value compared and the verdict for engine values ``p10 <= p50 <= p90`` (see the module docstring)."""
    low, high = row.accept_low, row.accept_high
    if row.kind is FigureKind.MARKET_AVERAGE:
        if p50 > high:
            return p50, Verdict.HIGH
        if p90 < low:
            return p50, Verdict.LOW
        return p50, Verdict.PASS
    compared = p10 if row.kind is FigureKind.OFFICIAL_BEST_CASE else p50
    if compared > high:
        return compared, Verdict.HIGH
    if compared < low:
        return compared, Verdict.LOW
    return compared, Verdict.PASS


def run_calibration(
    network: Network,
    rows: Sequence[CalibrationRow],
    build_query: QueryBuilder,
    *,
    only: Collection[str] | None = None,
    file: str = "calibration.csv",
) -> tuple[CalibrationResult, ...]:
    """Answer every row's query on ``network`` and judge it.

    Parameters
    ----------
    network
        The snapshot to calibrate.
    rows
        From :func:`engine.studies.calibration_file.read_calibration`.
    build_query
        Turns a row's arguments into a :class:`RouteQuery` (the CLI passes its own parser, so every option of
        ``corridor route`` works in the file).
    only
        Row ids to report (the rows their ratios need are answered too); ``None`` = all.
    file
        The file's name, for error messages.

    Returns
    -------
    tuple of CalibrationResult
        In file order.

    Raises
    ------
    InputFileError
        When a query does not build (``calibration.csv:LINE: query: …``) or ``only`` names an unknown row.
    """
    by_id = {row.id: row for row in rows}
    unknown = sorted(set(only or ()) - set(by_id))
    if unknown:
        problems = [DataProblem(file, None, "only", f"{u!r} is not a row id of {file}") for u in unknown[:10]]
        raise InputFileError(problems)
    chosen = [row for row in rows if only is None or row.id in only]
    needed = {ref for row in chosen for ref in (row.ratio_of or ())} | {row.id for row in chosen}
    queries: dict[str, RouteQuery] = {}
    problems = []
    for row in rows:
        if row.id in needed and row.measure is not Measure.RATIO:
            try:
                queries[row.id] = build_query(network, row.query)
            except InvalidRequest as exc:
                problems.append(DataProblem(file, row.line, "query", str(exc)))
    if problems:
        raise InputFileError(problems)
    values: dict[str, tuple[float, float, float] | str] = {}
    for row_id, query in queries.items():
        values[row_id] = _measure(network, by_id[row_id], query)
    return tuple(_result(row, values) for row in chosen)


def _measure(network: Network, row: CalibrationRow, query: RouteQuery) -> tuple[float, float, float] | str:
    """P10, P50, P90 of the row's measure on the first route, or why there is none."""
    result = find_routes(network, query)
    if not result.routes:
        return result.explanation or "no route"
    route = result.routes[0]
    if row.measure is Measure.TRANSIT_DAYS:
        p10, p50, p90 = ((moment - route.ready).total_seconds() / 86_400 for moment in arrival_band(route))
        return p10, p50, p90
    value = {
        Measure.COST_USD: route.cost_usd,
        Measure.FREIGHT_USD: route.cost.freight_usd,
        Measure.FREIGHT_SURCHARGES_USD: route.cost.freight_usd + route.cost.surcharge_usd,
        Measure.CO2E_KG: route.co2e_kg,
    }[row.measure]
    return value, value, value


def _result(row: CalibrationRow, values: dict[str, tuple[float, float, float] | str]) -> CalibrationResult:
    if row.ratio_of is not None:
        num, den = (values[ref] for ref in row.ratio_of)
        if isinstance(num, str) or isinstance(den, str):
            why = f"{row.ratio_of[0] if isinstance(num, str) else row.ratio_of[1]} has no route"
            return CalibrationResult(row, None, None, None, None, None, Verdict.NO_ROUTE, why)
        value = num[1] / den[1] if den[1] else float("inf")
        measured: tuple[float, float, float] | str = (value, value, value)
    else:
        measured = values[row.id]
    if isinstance(measured, str):
        return CalibrationResult(row, None, None, None, None, None, Verdict.NO_ROUTE, measured)
    p10, p50, p90 = measured
    compared, verdict = judge(row, p10, p50, p90)
    return CalibrationResult(row, p10, p50, p90, compared, compared / row.published, verdict)
