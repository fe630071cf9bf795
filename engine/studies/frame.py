"""Route results as one polars frame: one row per (scenario, origin, destination, ready time, route rank).

Columns (units in the names; times are UTC):

====================  =========================================================================================
scenario              scenario name (the study's baseline or one of its scenarios; ``None`` outside a study)
scenario_hash         content hash of the scenario's network (the snapshot ``version``: base + edits)
baseline              whether this scenario is the study's baseline
origin, destination   node ids
ready                 when the cargo is ready at the origin
route_rank            1 for the first route the objective chose, 2 … after it; null when there is no route
best_for              the criteria this route is best on (``cost,co2e``), empty for the others
cost_usd              total cost (USD)
departure, arrival    first departure from the origin and arrival at the destination
arrival_p10/p50/p90   arrival band: P10/P50/P90 of the route's seeded Monte-Carlo replays (docs/RELIABILITY.md)
transit_days          days from ready to arrival
transfers             changes of vehicle
co2e_kg               CO2e, well to wheel (kg)
distance_km           distance travelled (km)
countries             countries touched, in order, ``|``-separated (``CN|KZ|AZ|GE|TR``)
modes                 modes used, in order, ``|``-separated
corridor              Middle / Northern / Southern / Sea / Air / Other (:mod:`engine.studies.corridor`)
path_lon, path_lat    the route's geometry (degrees), for maps
pareto_size           Pareto-optimal routes found for the query (-1 when not computed)
explanation           why there is no route (null when there is one)
search_stopped        why the search stopped before it finished, e.g. it outgrew its memory budget
                      (``CORRIDOR_SEARCH_MEMORY_MB``): the query's answer is unknown, not "no route", and the rest
                      of the study goes on; null when the search finished
computed_from         the ready time that was searched: equal to ``ready``, or an earlier ready time whose
                      answer is provably the same one shifted by ``shifted_weeks`` whole weeks
shifted_weeks         0 when searched, else whole weeks between ``computed_from`` and ``ready``
====================  =========================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from engine.errors import InvalidRequest
from engine.routing import RouteQuery, RouteResult
from engine.studies.corridor import route_corridor

TIME = pl.Datetime("us", "UTC")
SCHEMA: dict[str, Any] = {
    "scenario": pl.String,
    "scenario_hash": pl.String,
    "baseline": pl.Boolean,
    "origin": pl.String,
    "destination": pl.String,
    "ready": TIME,
    "route_rank": pl.Int32,
    "best_for": pl.String,
    "cost_usd": pl.Float64,
    "departure": TIME,
    "arrival": TIME,
    "arrival_p10": TIME,
    "arrival_p50": TIME,
    "arrival_p90": TIME,
    "transit_days": pl.Float64,
    "transfers": pl.Int32,
    "co2e_kg": pl.Float64,
    "distance_km": pl.Float64,
    "countries": pl.String,
    "modes": pl.String,
    "corridor": pl.String,
    "path_lon": pl.List(pl.Float64),
    "path_lat": pl.List(pl.Float64),
    "pareto_size": pl.Int32,
    "explanation": pl.String,
    "search_stopped": pl.String,
    "computed_from": TIME,
    "shifted_weeks": pl.Int32,
}
SORT_KEY = ("scenario_order", "origin", "destination", "ready", "route_rank")
TIME_COLUMNS = ("ready", "departure", "arrival", "arrival_p10", "arrival_p50", "arrival_p90", "computed_from")
Row = dict[str, Any]


def result_rows(
    result: RouteResult,
    *,
    scenario: str | None = None,
    scenario_hash: str | None = None,
    baseline: bool = False,
) -> list[Row]:
    """The frame rows of one :class:`RouteResult` (one per route, or one row with the explanation)."""
    query = result.query
    ready = query.ready_utc
    common = _query_columns(query, scenario, scenario_hash, baseline)
    common["pareto_size"] = result.pareto_size
    if not result.routes:
        return [{**common, "explanation": result.explanation}]
    rows = []
    for rank, route in enumerate(result.routes, start=1):
        rows.append(
            {
                **common,
                "route_rank": rank,
                "best_for": ",".join(route.best_for),
                "cost_usd": route.cost_usd,
                "departure": route.depart,
                "arrival": route.arrive,
                "arrival_p10": route.arrival_p10,
                "arrival_p50": route.arrival_p50,
                "arrival_p90": route.arrival_p90,
                "transit_days": (route.arrive - ready) / timedelta(days=1),
                "transfers": route.transfer_count,
                "co2e_kg": route.co2e_kg,
                "distance_km": route.distance_km,
                "countries": "|".join(route.countries),
                "modes": "|".join(mode.value for mode in route.modes),
                "corridor": route_corridor(route).value,
                "path_lon": [lon for _, lon in route.geometry],
                "path_lat": [lat for lat, _ in route.geometry],
            }
        )
    return rows


def stopped_rows(
    query: RouteQuery,
    why: str,
    *,
    scenario: str | None = None,
    scenario_hash: str | None = None,
    baseline: bool = False,
) -> list[Row]:
    """The one frame row of a query whose search stopped before it finished (``why``, in ``search_stopped``):
    no route rank, no explanation (its answer is unknown, not "no route"), Pareto size not computed (-1)."""
    row = _query_columns(query, scenario, scenario_hash, baseline)
    row["pareto_size"] = -1
    row["search_stopped"] = why
    return [row]


def _query_columns(query: RouteQuery, scenario: str | None, scenario_hash: str | None, baseline: bool) -> Row:
    ready = query.ready_utc
    return {
        "scenario": scenario,
        "scenario_hash": scenario_hash,
        "baseline": baseline,
        "origin": query.origin,
        "destination": query.destination,
        "ready": ready,
        "computed_from": ready,
        "shifted_weeks": 0,
    }


def shifted_rows(rows: Sequence[Row], ready: datetime, weeks: int) -> list[Row]:
    """``rows`` of a searched ready time, moved to ``ready`` = their ready + ``weeks`` whole weeks."""
    shift = timedelta(weeks=weeks)
    moved = []
    for row in rows:
        new = dict(row)
        for column in ("departure", "arrival", "arrival_p10", "arrival_p50", "arrival_p90"):
            if new.get(column) is not None:
                new[column] = new[column] + shift
        new["ready"] = ready
        new["shifted_weeks"] = weeks
        moved.append(new)
    return moved


def rows_frame(rows: Iterable[Row]) -> pl.DataFrame:
    """Rows (dicts with any subset of :data:`SCHEMA`'s columns) as a frame with exactly the schema's columns."""
    return pl.DataFrame(list(rows), schema=SCHEMA)


def routes_frame(results: Iterable[RouteResult], *, scenario: str | None = None) -> pl.DataFrame:
    """Any route results as one frame with the study columns (see the module docstring).

    Parameters
    ----------
    results
        Route results, e.g. from :func:`engine.routing.find_routes`.
    scenario
        Optional scenario name for the ``scenario`` column (``scenario_hash`` is the result's network label).

    Returns
    -------
    polars.DataFrame
        One row per route (rank 1 first), one row with ``explanation`` for a result without routes, in the
        order of ``results``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from engine.network import load_network
    >>> from engine.routing import RouteQuery, Shipment, find_routes
    >>> net = load_network("tests/networks/toy")
    >>> q = RouteQuery("ORIGIN", "DEST", datetime(2026, 12, 1, tzinfo=UTC), Shipment(teu=2, gross_weight_kg=20000))
    >>> routes_frame([find_routes(net, q)]).select("route_rank", "corridor").row(0)
    (1, 'Middle')
    """
    rows: list[Row] = []
    for result in results:
        rows.extend(result_rows(result, scenario=scenario, scenario_hash=result.network))
    return rows_frame(rows)


def write_frame(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as Parquet (``.parquet``) or CSV (``.csv``; list columns become ``|``-separated text).

    Raises
    ------
    InvalidRequest
        For another file suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".csv":
        flat = frame.with_columns(
            pl.col(name).cast(pl.List(pl.String)).list.join("|")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.List)
        )
        flat.write_csv(path)
    else:
        raise InvalidRequest.single("out", f"must end in .parquet or .csv, got {path.name!r}")
    return path


def read_frame(path: str | Path) -> pl.DataFrame:
    """Read a study frame written by :func:`write_frame` (Parquet)."""
    return pl.read_parquet(path)
