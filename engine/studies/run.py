"""Running a study: scenario networks, the queries to search, repeats found, chunks run, rows in one order.

The same four steps whichever runner is used, so results are identical (runners only change where chunks run):

1. **Networks**: the baseline and every scenario applied to the base network (:func:`study_networks`), checked
   on the caller's side so a bad edit is reported before any work starts.
2. **Queries**: OD × ready time × scenario, minus **repeats**. Every timetable of a network whose services are
   all weekly, headway dividing the week, or continuous repeats exactly every week, and a study has no absolute
   constraint (no arrive-by), so the answer for a ready time one whole week later is the same set of routes with
   every time one week later. Ready times that differ from an earlier one by whole weeks are not searched; their
   rows are the earlier rows shifted, and say so (``computed_from``, ``shifted_weeks``). A repeat whose source
   has no route is searched after all, because the explanation names absolute times; a repeat of a search that
   stopped (it outgrew its memory budget) is not: the same search a week later stops alike.
3. **Chunks**: queries grouped by scenario and destination (the bounds toward a destination are cached per
   network in a worker) and cut into chunks of at most ``chunk_size`` queries, so per-task overhead stays small,
   but into at least four chunks per worker, so no worker idles while another finishes a long chunk.
4. **Rows**: every chunk returns plain rows; they are put in one order (scenario as in the study, origin,
   destination, ready, rank) whatever order chunks finished in.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

import polars as pl

from engine.errors import SearchInterrupted, SearchOutgrewMemory
from engine.network.model import MINUTES_PER_WEEK, Network, ServiceKind
from engine.network.scenario import apply_scenarios, load_scenario
from engine.routing import RouteQuery, find_routes, warm_up_kernel
from engine.studies.frame import Row, result_rows, rows_frame, shifted_rows, stopped_rows
from engine.studies.spec import Study

DEFAULT_CHUNK_SIZE = 48
"""Queries per task: ~0.1–0.3 s of search on the shipped network, against ~1–3 ms of Dask overhead per task."""

ProgressHook = Callable[[int, int], None]
"""Called with (queries done, queries to search) after every chunk."""


class StudyTask(NamedTuple):
    """One query to search: scenario name, origin id, destination id, ready time (UTC)."""

    scenario: str
    origin: str
    destination: str
    ready: datetime


@dataclass(frozen=True)
class QuerySettings:
    """What every query of a study shares (small; sent with each chunk)."""

    shipment: Any
    objective: Any
    constraints: Any
    max_routes: int

    def query(self, task: StudyTask) -> RouteQuery:
        """The route query of ``task`` under these settings."""
        return RouteQuery(
            task.origin,
            task.destination,
            task.ready,
            self.shipment,
            objective=self.objective,
            constraints=self.constraints,
            max_routes=self.max_routes,
        )


@dataclass(frozen=True)
class StudyNetworks:
    """The network of each scenario (baseline first) and its content hash."""

    by_scenario: Mapping[str, Network]
    baseline: str

    def hash_of(self, scenario: str) -> str:
        """Content hash of a scenario's network (its snapshot version)."""
        return self.by_scenario[scenario].version


@dataclass
class RunStats:
    """What a run did: queries asked, searched, repeats reused, queries whose search stopped before it finished
    (their rows say why in ``search_stopped``; repeats included), chunks, wall-clock seconds (not in the rows)."""

    queries: int = 0
    searched: int = 0
    repeats: int = 0
    stopped: int = 0
    chunks: int = 0
    seconds: float = 0.0
    runner: str = "in-process"
    extra: dict[str, float] = field(default_factory=dict)


class Runner(Protocol):
    """Runs chunks of queries somewhere and yields each chunk's rows as it completes (any order)."""

    name: str
    parallelism: int
    """Chunks that can run at once (worker threads); a study is cut into at least 4 chunks per slot."""

    def run(
        self, networks: StudyNetworks, settings: QuerySettings, chunks: Sequence[Sequence[StudyTask]]
    ) -> Iterator[list[Row]]:
        """Yield the rows of every chunk."""
        ...


KERNEL_FROM_QUERIES = 32
"""A chunk with at least this many queries loads the compiled search kernel first (it pays for itself within ~50
realistic queries); smaller chunks keep the Python search, which gives the same answers."""


def study_networks(study: Study, base: Network) -> StudyNetworks:
    """Apply each scenario of ``study`` to ``base``.

    Raises
    ------
    InputFileError
        A scenario file is malformed or an edit does not apply, located at its file and line.
    """
    by_scenario: dict[str, Network] = {}
    for scenario in study.all_scenarios:
        if scenario.file is None:
            by_scenario[scenario.name] = base
        else:
            # The one path every front end takes; the study's name for the scenario is the one its rows carry.
            edits = dataclasses.replace(load_scenario(scenario.file), name=scenario.name)
            by_scenario[scenario.name] = apply_scenarios(base, [edits])
    return StudyNetworks(by_scenario, study.baseline.name)


def repeats_weekly(network: Network) -> bool:
    """True when every timetable of ``network`` repeats exactly every week (so answers shift by whole weeks)."""
    for service in network.services.values():
        if service.kind is ServiceKind.HEADWAY:
            headway_min = round((service.headway_h or 0) * 60)
            if headway_min <= 0 or MINUTES_PER_WEEK % headway_min:
                return False
        elif service.kind not in (ServiceKind.WEEKLY, ServiceKind.CONTINUOUS):
            return False
    return True


def resolve_ods(study: Study, network: Network) -> list[tuple[str, str]]:
    """The study's OD pairs as node ids of ``network`` (names, aliases and LOCODEs resolved).

    Raises
    ------
    InputFileError
        A name the network does not know, at the line of the study file that wrote it.
    """
    from engine.errors import DataProblem, InputFileError, InvalidRequest

    problems: list[DataProblem] = []
    pairs: list[tuple[str, str]] = []
    for od in study.od_pairs:
        ids = []
        for role, name in (("origin", od.origin), ("destination", od.destination)):
            try:
                ids.append(network.node_index.resolve(name, role).id)
            except InvalidRequest as exc:
                problems.append(DataProblem(study.file, od.line, role, str(exc)))
        if len(ids) == 2:
            pairs.append((ids[0], ids[1]))
    if problems:
        raise InputFileError(problems)
    return list(dict.fromkeys(pairs))


def plan_queries(
    study: Study, networks: StudyNetworks, ods: Sequence[tuple[str, str]], *, deduplicate: bool = True
) -> tuple[list[StudyTask], dict[StudyTask, tuple[StudyTask, int]]]:
    """The queries to search and the repeats: ``repeat → (searched query, whole weeks later)``."""
    searched: list[StudyTask] = []
    repeats: dict[StudyTask, tuple[StudyTask, int]] = {}
    week = timedelta(weeks=1)
    for scenario in study.all_scenarios:
        weekly = deduplicate and repeats_weekly(networks.by_scenario[scenario.name])
        for origin, destination in ods:
            first_of_class: dict[timedelta, StudyTask] = {}
            for ready in study.ready_times:
                task = StudyTask(scenario.name, origin, destination, ready)
                phase = (ready - _EPOCH) % week
                source = first_of_class.get(phase) if weekly else None
                if source is None:
                    first_of_class[phase] = task
                    searched.append(task)
                else:
                    repeats[task] = (source, (ready - source.ready) // week)
    return searched, repeats


def chunked(tasks: Sequence[StudyTask], chunk_size: int) -> list[list[StudyTask]]:
    """Tasks grouped by scenario and destination, cut into chunks of at most ``chunk_size``."""
    groups: dict[tuple[str, str], list[StudyTask]] = {}
    for task in tasks:
        groups.setdefault((task.scenario, task.destination), []).append(task)
    chunks: list[list[StudyTask]] = []
    current: list[StudyTask] = []
    for group in groups.values():
        for task in group:
            current.append(task)
            if len(current) >= chunk_size:
                chunks.append(current)
                current = []
    if current:
        chunks.append(current)
    return chunks


def search_chunk(networks: StudyNetworks, settings: QuerySettings, chunk: Sequence[StudyTask]) -> list[Row]:
    """Search every query of ``chunk`` (the function a worker runs)."""
    if len(chunk) >= KERNEL_FROM_QUERIES:
        warm_up_kernel()  # the compiled search: ~1-2 s once per process, then 5-15x faster searches
    rows: list[Row] = []
    for task in chunk:
        rows.extend(
            query_rows(
                networks.by_scenario[task.scenario],
                settings.query(task),
                scenario=task.scenario,
                scenario_hash=networks.hash_of(task.scenario),
                baseline=task.scenario == networks.baseline,
            )
        )
    return rows


def query_rows(
    network: Network,
    query: RouteQuery,
    *,
    scenario: str,
    scenario_hash: str,
    baseline: bool,
    should_stop: Callable[[], str | None] | None = None,
) -> list[Row]:
    """The frame rows of one query of a study: its routes, or the explanation of none.

    A search that outgrows its memory budget (:class:`~engine.errors.SearchOutgrewMemory`) gives one row saying so
    in ``search_stopped`` and the study goes on: one heavy query must not lose the others' answers. A stop asked
    by ``should_stop`` (the caller's deadline or cancellation) stops the whole study: it raises
    :class:`~engine.errors.SearchInterrupted`, also when the search ended early with no route.
    """
    try:
        result = find_routes(network, query, should_stop=should_stop)
    except SearchOutgrewMemory as exc:
        return stopped_rows(query, str(exc), scenario=scenario, scenario_hash=scenario_hash, baseline=baseline)
    if result.explanation and should_stop is not None and (reason := should_stop()) is not None:
        raise SearchInterrupted(reason)  # a stopped search is not a "no route" answer
    return result_rows(result, scenario=scenario, scenario_hash=scenario_hash, baseline=baseline)


def searched_when_repeated(rows: Sequence[Row]) -> bool:
    """Whether a weekly repeat of the query with these rows is searched rather than shifted: a query without
    routes, because its explanation names absolute times; not a search that stopped (the repeat would stop alike)."""
    return rows[0].get("route_rank") is None and rows[0].get("search_stopped") is None


class InProcessRunner:
    """Runs every chunk in this process, in order."""

    name = "in-process"
    parallelism = 1

    def run(
        self, networks: StudyNetworks, settings: QuerySettings, chunks: Sequence[Sequence[StudyTask]]
    ) -> Iterator[list[Row]]:
        """Yield the rows of every chunk."""
        for chunk in chunks:
            yield search_chunk(networks, settings, chunk)


@dataclass(frozen=True)
class StudyResult:
    """A study's rows (:mod:`engine.studies.frame` columns) and what the run did."""

    frame: pl.DataFrame
    stats: RunStats


def run_study(
    study: Study,
    network: Network,
    *,
    runner: Runner | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    deduplicate: bool = True,
    on_progress: ProgressHook | None = None,
) -> StudyResult:
    """Run ``study`` on ``network`` (the base every scenario edits).

    Parameters
    ----------
    study
        A parsed study (:func:`engine.studies.load_study`).
    network
        The base network.
    runner
        Where chunks run: :class:`InProcessRunner` (default) or :class:`engine.studies.dask_runner.DaskRunner`.
    chunk_size
        Queries per task.
    deduplicate
        Reuse answers that repeat by whole weeks (see the module docstring); ``False`` searches every query.
    on_progress
        Called with (queries searched so far, queries to search) after each chunk.

    Returns
    -------
    StudyResult
        One row per (scenario, origin, destination, ready, route rank), sorted; identical for every runner.

    Raises
    ------
    InputFileError
        A scenario does not apply, or the study names a node the network does not have.
    """
    import time

    started = time.perf_counter()
    runner = runner or InProcessRunner()
    networks = study_networks(study, network)
    ods = resolve_ods(study, network)
    settings = QuerySettings(study.shipment, study.objective, study.constraints, study.max_routes)
    searched, repeats = plan_queries(study, networks, ods, deduplicate=deduplicate)
    stats = RunStats(queries=len(searched) + len(repeats), runner=runner.name)
    rows_by_task = _run_tasks(runner, networks, settings, searched, chunk_size, stats, on_progress)
    # A repeat of a query without routes is searched: its explanation names absolute times.
    unrouted = [task for task, (source, _) in repeats.items() if searched_when_repeated(rows_by_task[source])]
    if unrouted:
        rows_by_task.update(_run_tasks(runner, networks, settings, unrouted, chunk_size, stats, on_progress))
    stats.searched = len(searched) + len(unrouted)
    stats.repeats = len(repeats) - len(unrouted)
    rows: list[Row] = []
    for task_rows in rows_by_task.values():
        rows.extend(task_rows)
    for task, (source, weeks) in repeats.items():
        if task not in rows_by_task:
            rows.extend(shifted_rows(rows_by_task[source], task.ready, weeks))
    stats.stopped = sum(1 for row in rows if row.get("search_stopped") is not None)  # one row per stopped query
    order = {scenario.name: index for index, scenario in enumerate(study.all_scenarios)}
    rows.sort(key=lambda r: (order[r["scenario"]], r["origin"], r["destination"], r["ready"], r.get("route_rank") or 0))
    stats.seconds = time.perf_counter() - started
    return StudyResult(rows_frame(rows), stats)


def _run_tasks(
    runner: Runner,
    networks: StudyNetworks,
    settings: QuerySettings,
    tasks: Sequence[StudyTask],
    chunk_size: int,
    stats: RunStats,
    on_progress: ProgressHook | None,
) -> dict[StudyTask, list[Row]]:
    # Enough chunks to keep every worker busy to the end (at least 4 per slot), never more than chunk_size each.
    size = max(1, min(chunk_size, math.ceil(len(tasks) / (4 * max(1, runner.parallelism)))))
    chunks = chunked(tasks, size)
    stats.chunks += len(chunks)
    rows_by_task: dict[StudyTask, list[Row]] = {}
    done = 0
    for chunk_rows in runner.run(networks, settings, chunks):
        for row in chunk_rows:
            key = StudyTask(row["scenario"], row["origin"], row["destination"], row["ready"])
            rows_by_task.setdefault(key, []).append(row)
        done += len({(r["origin"], r["destination"], r["ready"], r["scenario"]) for r in chunk_rows})
        if on_progress is not None:
            on_progress(done, len(tasks))
    missing = [task for task in tasks if task not in rows_by_task]
    if missing:  # a runner that lost work must not produce a silently shorter frame
        message = f"{len(missing)} queries came back without rows, e.g. {missing[0]}"
        raise RuntimeError(message)
    return rows_by_task


_EPOCH = datetime(1970, 1, 5, tzinfo=UTC)
"""A Monday 00:00 UTC: ready times are grouped by their offset from it modulo a week."""
