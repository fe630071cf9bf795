"""What a worker does for StudyService.RunStudy and CompareScenarios: plan a study, search one chunk, compare.

The server never parses a study itself (the event loop only moves bytes). A call goes:

1. ``study_plan`` (one worker): validate the request against the served network, apply every scenario's inline
   edits (so a bad edit fails the call before any search), find the weekly repeats and cut the searched queries
   into the chunks ``engine/studies/run.py`` would cut for a runner with one slot per worker, then cut further so
   that no chunk can produce more than :data:`MAX_CHUNK_ROWS` rows (:func:`cut_chunks`). The answer is the list
   of chunk payloads.
2. ``study_chunk`` (any worker, one chunk at a time per worker): search the chunk's queries, derive the rows of
   their weekly repeats (searching a repeat whose source has no route, as :func:`engine.studies.run_study` does),
   and answer the rows as one or more ``RunStudyResponse`` pieces, each small enough for a default gRPC client
   (:mod:`engine.service.study_messages`), progress left for the server to fill in.
3. ``study_compare`` (CompareScenarios only): the chunks' Arrow frames in study order → comparison and shares.

Chunk payloads are pickles made by the server's own plan job (never by a client); a worker keeps the last few
scenario networks it built, keyed by base version and edit text, so the chunks of one study apply each edit once
per worker.
"""

from __future__ import annotations

import collections
import math
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import polars as pl
from corridor.v1 import study_pb2

from engine.errors import SearchInterrupted
from engine.network import Network
from engine.service.convert.common import proto_field_names
from engine.service.convert.study_run import compare_response, scenario_network, study_call_from_proto
from engine.service.jobs import Answer, Outcome, StopHook
from engine.service.limits import MAX_CHARS, check_request_limits
from engine.service.served import ServedNetworks, as_served
from engine.service.status import failure_from_exception
from engine.service.study_messages import MAX_STUDY_MESSAGE_BYTES, MessageTooLarge, response_pieces
from engine.studies.compare import comparison_frame, corridor_shares
from engine.studies.frame import Row, shifted_rows
from engine.studies.run import (
    DEFAULT_CHUNK_SIZE,
    QuerySettings,
    StudyTask,
    chunked,
    plan_queries,
    query_rows,
    searched_when_repeated,
)

MAX_CHUNK_ROWS = 10_000
"""The most rows one chunk may produce (its queries, repeats included, × max_routes), which bounds a worker's
memory for a chunk whatever the weekly repeats: ~5 kB a row as Arrow with path geometry on the shipped network, so
≤ ~50 MB of frame (one OD pair × 520 weeks × a 45-route front was one chunk of 23,400 rows, 115 MB as Arrow). A
searched query whose repeats do not fit is searched again in the next chunk (~0.1 s) rather than held whole."""
SCENARIO_CACHE_SIZE = 8
"""Scenario networks a worker keeps (a study rarely has more; each is a copy of the network, a few MB)."""
_scenario_cache: collections.OrderedDict[tuple[str, str, str], Network] = collections.OrderedDict()


class ChunkItem(NamedTuple):
    """A query to search and weekly repeats derived from it (query, whole weeks later)."""

    task: StudyTask
    repeats: list[tuple[StudyTask, int]]
    answers_task: bool = True
    """False when an earlier chunk already answered ``task`` (searched again here only for these repeats)."""


@dataclass(frozen=True)
class StudyChunk:
    """One chunk of a study: the queries to search, each with its weekly repeats."""

    baseline: str
    edits: dict[str, str]
    settings: QuerySettings
    items: list[ChunkItem]
    frame_format: study_pb2.FrameFormat.ValueType

    @property
    def queries(self) -> int:
        """Queries answered by this chunk, repeats included."""
        return sum(item.answers_task + len(item.repeats) for item in self.items)


def cut_chunks(
    groups: Sequence[Sequence[StudyTask]],
    repeats_of: dict[StudyTask, list[tuple[StudyTask, int]]],
    max_routes: int,
    max_rows: int = MAX_CHUNK_ROWS,
) -> list[list[ChunkItem]]:
    """Cut ``groups`` further so that no chunk can produce more than ``max_rows`` rows.

    Parameters
    ----------
    groups
        Searched queries, as ``engine.studies.run.chunked`` groups them; groups are never merged.
    repeats_of
        Each searched query's weekly repeats: (query, whole weeks later).
    max_routes
        Routes per query at most, so a chunk answers at most ``max_rows // max_routes`` queries (at least one),
        repeats included.
    max_rows
        Rows one chunk may produce (default :data:`MAX_CHUNK_ROWS`).

    Returns
    -------
    list of list of ChunkItem
        The chunks in order. Every query and repeat is answered exactly once; a query whose repeats do not fit
        in one chunk is searched again in the next (``answers_task=False`` there), and one that fits is never
        spread over two.
    """
    limit = max(1, max_rows // max(1, max_routes))
    chunks: list[list[ChunkItem]] = []
    for group in groups:
        current: list[ChunkItem] = []
        room = limit
        for task in group:
            repeats, answers_task = repeats_of.get(task, []), True
            while True:
                if room < limit and room < int(answers_task) + len(repeats):
                    chunks.append(current)  # the next piece of this query starts a fresh chunk
                    current, room = [], limit
                take = max(0, room - int(answers_task))
                current.append(ChunkItem(task, repeats[:take], answers_task))
                room -= int(answers_task) + len(repeats[:take])
                repeats, answers_task = repeats[take:], False
                if not repeats:
                    break
                chunks.append(current)
                current, room = [], limit
        if current:
            chunks.append(current)
    return chunks


@dataclass(frozen=True)
class StudyPlan:
    """What the server needs to run a study: chunk payloads (with their query counts) and the scenario order."""

    request_id: str
    queries_total: int
    chunks: list[tuple[bytes, int]]
    scenario_order: list[str]
    frame_format: study_pb2.FrameFormat.ValueType


def plan_payload(request: bytes, compare: bool, workers: int) -> bytes:
    """The ``study_plan`` payload the server sends: the client's bytes, which message they are, the pool size."""
    return pickle.dumps((request, compare, workers))


def _parse(request: bytes, compare: bool) -> tuple[study_pb2.RunStudyRequest, Any]:
    if compare:
        outer = study_pb2.CompareScenariosRequest.FromString(request)
        return outer.study, outer
    study = study_pb2.RunStudyRequest.FromString(request)
    return study, study


def study_plan(payload: bytes, network: Network, should_stop: StopHook, _deadline: float | None) -> Outcome:
    """Validate a study and cut it into chunks (see the module docstring); the answer is a pickled StudyPlan."""
    request_id = ""
    try:
        raw, compare, workers = pickle.loads(payload)
        request, whole = _parse(raw, compare)
        request_id = request.request_id[: MAX_CHARS["request_id"]]
        check_request_limits(whole)
        with proto_field_names():
            call = study_call_from_proto(request, network)
        if (reason := should_stop()) is not None:
            raise SearchInterrupted(reason)
        study = call.study
        ods = [(od.origin, od.destination) for od in study.od_pairs]
        searched, repeats = plan_queries(study, call.networks, ods)
        repeats_of: dict[StudyTask, list[tuple[StudyTask, int]]] = {}
        for task, (source, weeks) in repeats.items():
            repeats_of.setdefault(source, []).append((task, weeks))
        size = max(1, min(DEFAULT_CHUNK_SIZE, math.ceil(len(searched) / (4 * max(1, workers)))))
        settings = QuerySettings(study.shipment, study.objective, study.constraints, study.max_routes)
        frame_format = study_pb2.FRAME_FORMAT_ARROW_IPC if compare else call.frame_format
        chunks = []
        for items in cut_chunks(chunked(searched, size), repeats_of, study.max_routes):
            names = {item.task.scenario for item in items}
            chunk = StudyChunk(
                study.baseline.name,
                {name: text for name, text in call.edits.items() if name in names},
                settings,
                items,
                frame_format,
            )
            chunks.append((pickle.dumps(chunk), chunk.queries))
        plan = StudyPlan(
            request_id,
            len(searched) + len(repeats),
            chunks,
            [s.name for s in study.all_scenarios],
            call.frame_format,
        )
        return pickle.dumps(plan), None, request_id
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), request_id


def _network_of(network: Network, scenario: str, edits: str) -> Network:
    key = (network.version, scenario, edits)
    if key in _scenario_cache:
        _scenario_cache.move_to_end(key)
        return _scenario_cache[key]
    built = scenario_network(network, scenario, edits)
    _scenario_cache[key] = built
    while len(_scenario_cache) > SCENARIO_CACHE_SIZE:
        _scenario_cache.popitem(last=False)
    return built


def search_task(network: Network, chunk: StudyChunk, task: StudyTask, should_stop: StopHook) -> list[Row]:
    """The frame rows of one query of ``chunk`` (as :func:`engine.studies.run.search_chunk` makes them)."""
    scenario_net = _network_of(network, task.scenario, chunk.edits.get(task.scenario, ""))
    return query_rows(
        scenario_net,
        chunk.settings.query(task),
        scenario=task.scenario,
        scenario_hash=scenario_net.version,
        baseline=task.scenario == chunk.baseline,
        should_stop=should_stop,
    )


def chunk_rows(network: Network, chunk: StudyChunk, should_stop: StopHook) -> list[list[Row]]:
    """The rows of every query of ``chunk``, one list per query: each searched query, then its weekly repeats."""
    groups: list[list[Row]] = []
    for task, repeats, answers_task in chunk.items:
        if (reason := should_stop()) is not None:
            raise SearchInterrupted(reason)
        searched = search_task(network, chunk, task, should_stop)
        if answers_task:
            groups.append(searched)
        for repeat, weeks in repeats:
            if searched_when_repeated(searched):  # an explanation names absolute times: search it
                groups.append(search_task(network, chunk, repeat, should_stop))
            else:
                groups.append(shifted_rows(searched, repeat.ready, weeks))
    return groups


def study_chunk(payload: bytes, network: Network, should_stop: StopHook, _deadline: float | None) -> Outcome:
    """Search one chunk; the answer is a pickled list of (serialized RunStudyResponse piece, queries it completes)
    whose query counts add up to the chunk's (progress fields not set; each piece leaves room for them)."""
    try:
        chunk: StudyChunk = pickle.loads(payload)
        groups = chunk_rows(network, chunk, should_stop)
        return pickle.dumps(response_pieces(groups, chunk.frame_format)), None, ""
    except MessageTooLarge as exc:
        return None, exc.failure, ""
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), ""


def compare_payload(plan: StudyPlan, frames: Sequence[bytes]) -> bytes:
    """The ``study_compare`` payload: the plan's id, format and scenario order, and every chunk's Arrow frame."""
    return pickle.dumps((plan.request_id, plan.frame_format, plan.scenario_order, list(frames)))


def study_frame(frames: Sequence[bytes], scenario_order: Sequence[str]) -> pl.DataFrame:
    """The chunks' Arrow frames as one study frame in :func:`engine.studies.run_study`'s row order."""
    frame = pl.concat([pl.read_ipc_stream(f) for f in frames], how="vertical")
    order = pl.DataFrame({"scenario": list(scenario_order), "scenario_order": range(len(scenario_order))})
    return (
        frame.join(order, on="scenario", how="left")
        .sort("scenario_order", "origin", "destination", "ready", pl.col("route_rank").fill_null(0))
        .drop("scenario_order")
    )


def study_compare(payload: bytes, _network: Network, _should_stop: StopHook, _deadline: float | None) -> Outcome:
    """Compare the scenarios of a finished study; the answer is a serialized CompareScenariosResponse."""
    request_id = ""
    try:
        request_id, frame_format, scenario_order, frames = pickle.loads(payload)
        frame = study_frame(frames, scenario_order)
        response = compare_response(comparison_frame(frame), corridor_shares(frame), request_id, frame_format)
        answer = response.SerializeToString()
        if len(answer) > MAX_STUDY_MESSAGE_BYTES:  # unary: it cannot be cut into several messages
            advice = ": compare fewer queries per call, or compare RunStudy's rows (engine.studies.comparison_frame)"
            return None, MessageTooLarge("the comparison", len(answer), advice).failure, request_id
        return answer, None, request_id
    except Exception as exc:  # every failure becomes a status; the worker must survive
        return None, failure_from_exception(exc), request_id


def _on_base(job: Callable[[bytes, Network, StopHook, float | None], Outcome]) -> Answer:
    """A study job runs on the base network the server holds; a study's scenarios travel inside the request
    (server-loaded named scenarios in studies are not supported yet)."""

    def run(
        payload: bytes, networks: Network | ServedNetworks, should_stop: StopHook, deadline: float | None
    ) -> Outcome:
        return job(payload, as_served(networks).base, should_stop, deadline)

    return run


JOBS: dict[str, Answer] = {
    "study_plan": _on_base(study_plan),
    "study_chunk": _on_base(study_chunk),
    "study_compare": _on_base(study_compare),
}
"""Job kind → how a worker answers it (merged into the worker's table with :data:`engine.service.jobs.JOBS`)."""
