"""A study whose one chunk was far larger than 4 MiB reaches a default-configured client whole, every message
under the bound.

The study: Shanghai → Istanbul (a 45-route Pareto front), PARETO with up to 100 routes, 520 weekly ready times. One
search answers all 520 (weekly repeats), so the study used to be one chunk of 23,400 rows, sent as one message:
4,270,200 bytes as ``StudyRow`` messages (a default client refused it, RESOURCE_EXHAUSTED) and 114,994,913 bytes as
Arrow (path geometry; the server's own 16 MiB send limit refused it). Now the server cuts it into chunks of at most
10,000 rows (``MAX_CHUNK_ROWS``: six here, searching Shanghai → Istanbul six times) and each chunk's rows into
messages of at most 3 MiB (each Arrow chunk of ~22 MB into nine).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import grpc
import polars as pl
import pytest
from corridor.v1 import study_pb2, study_pb2_grpc

from engine.network import Network
from engine.service.convert.study_run import CORRIDOR_TO_PROTO, MODE_BY_NAME
from engine.service.study_jobs import MAX_CHUNK_ROWS
from engine.service.study_messages import MAX_STUDY_MESSAGE_BYTES
from engine.studies import Study, comparison_frame, corridor_shares, parse_study, run_study
from engine.studies.frame import SCHEMA
from tests.contract.conftest import ServerProcess
from tests.contract.test_study_service import study_request
from tests.studies.conftest import STUDIES

SORT = ["scenario", "origin", "destination", "ready", "route_rank"]
DEFAULT_CLIENT_LIMIT = 4 * 1024 * 1024
WEEKLY_STUDY = """\
name: weekly
od_pairs:
  - [SHANGHAI, ISTANBUL]
ready: {{weekly: {{first: "2027-01-04T08:00Z", weeks: {weeks}}}}}
{scenarios}objective: pareto
max_routes: 100
shipment: {{teu: 2, gross_weight_kg: 20000}}
"""


def weekly_study(weeks: int, scenarios: str = "") -> Study:
    return parse_study(WEEKLY_STUDY.format(weeks=weeks, scenarios=scenarios), "weekly.yaml", base_dir=STUDIES)


def request_of(study: Study, frame_format: study_pb2.FrameFormat.ValueType) -> study_pb2.RunStudyRequest:
    """``study`` as structured request fields (the default client is what is under test, not the text path), with
    the longest request id the server echoes: the progress fields at their largest."""
    return study_request(study, frame_format, "weekly-" + "x" * 120)


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    opened = server.channel()  # default options: the 4 MiB receive limit every gRPC client starts with
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> study_pb2_grpc.StudyServiceStub:
    return study_pb2_grpc.StudyServiceStub(channel)


@pytest.fixture(scope="module")
def in_process(shipped_network: Network) -> pl.DataFrame:
    return run_study(weekly_study(520), shipped_network).frame


def streamed(channel: grpc.Channel, request: study_pb2.RunStudyRequest) -> list[bytes]:
    """Every RunStudy message as the bytes that crossed the wire, through a default-configured channel."""
    run = channel.unary_stream("/corridor.v1.StudyService/RunStudy")
    return list(run(request.SerializeToString(), timeout=300))


def check_stream(raw: list[bytes], total: int) -> list[study_pb2.RunStudyResponse]:
    """Every message under the bound, the rows together over 4 MiB, progress non-decreasing and complete."""
    sizes = [len(message) for message in raw]
    messages = [study_pb2.RunStudyResponse.FromString(message) for message in raw]
    assert max(sizes) <= MAX_STUDY_MESSAGE_BYTES < DEFAULT_CLIENT_LIMIT
    assert sum(sizes[1:]) > DEFAULT_CLIENT_LIMIT  # as the one message they used to be, a default client refused them
    assert len(messages) >= 3  # the first message, then the rows in two or more
    done = [m.queries_done for m in messages]
    assert done == sorted(done)
    assert done[0] == 0
    assert done[-1] == total == messages[0].queries_total == 520
    assert done[-2] < total
    assert all(m.request_id == "weekly-" + "x" * 120 for m in messages)
    return messages


def test_a_huge_chunk_streams_as_arrow_pieces(channel: grpc.Channel, in_process: pl.DataFrame) -> None:
    messages = check_stream(streamed(channel, request_of(weekly_study(520), study_pb2.FRAME_FORMAT_ARROW_IPC)), 520)
    chunks = -(-520 // (MAX_CHUNK_ROWS // 100))
    assert len(messages) - 1 > chunks  # chunks were cut into several messages
    pieces = [pl.read_ipc_stream(m.frame.arrow_ipc) for m in messages[1:]]  # each piece a complete Arrow stream
    assert all(piece.schema == pl.Schema(SCHEMA) for piece in pieces)
    served = pl.concat(pieces)
    assert served.height == in_process.height == 23_400
    assert served.sort(SORT, nulls_last=False).equals(in_process.sort(SORT, nulls_last=False))
    # no query's rows are split between messages (each is far smaller than the bound)
    per_piece = [set(piece.select("ready").unique().to_series().to_list()) for piece in pieces]
    assert sum(len(readies) for readies in per_piece) == 520


def _stamp(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp())


def frame_row_key(row: dict[str, object]) -> tuple[object, ...]:
    """A frame row as the fields a StudyRow carries (the frame also has geometry and arrival bands)."""
    ranked = row["route_rank"] is not None
    return (
        row["scenario"],
        row["scenario_hash"],
        row["baseline"],
        row["origin"],
        row["destination"],
        _stamp(row["ready"]),  # type: ignore[arg-type]
        row["route_rank"] or 0,
        tuple(b for b in str(row["best_for"] or "").split(",") if b),
        row["cost_usd"] if ranked else 0.0,
        _stamp(row["departure"]),  # type: ignore[arg-type]
        _stamp(row["arrival"]),  # type: ignore[arg-type]
        row["transit_days"] if ranked else 0.0,
        row["transfers"] or 0,
        row["co2e_kg"] if ranked else 0.0,
        row["distance_km"] if ranked else 0.0,
        tuple(c for c in str(row["countries"] or "").split("|") if c),
        tuple(MODE_BY_NAME[m] for m in str(row["modes"] or "").split("|") if m),
        CORRIDOR_TO_PROTO.get(str(row["corridor"] or ""), study_pb2.CORRIDOR_UNSPECIFIED),
        row["pareto_size"],
        row["explanation"] or "",
        _stamp(row["computed_from"]),  # type: ignore[arg-type]
        row["shifted_weeks"],
    )


def study_row_key(row: study_pb2.StudyRow) -> tuple[object, ...]:
    return (
        row.scenario,
        row.scenario_hash,
        row.baseline,
        row.origin,
        row.destination,
        row.ready.ToSeconds(),
        row.route_rank,
        tuple(row.best_for),
        row.cost_usd,
        row.departure.ToSeconds() if row.route_rank else 0,
        row.arrival.ToSeconds() if row.route_rank else 0,
        row.transit_days,
        row.transfers,
        row.co2e_kg,
        row.distance_km,
        tuple(row.countries),
        tuple(row.modes),
        row.corridor,
        row.pareto_size,
        row.explanation,
        row.computed_from.ToSeconds(),
        row.shifted_weeks,
    )


def test_a_huge_chunk_streams_as_row_pieces(channel: grpc.Channel, in_process: pl.DataFrame) -> None:
    messages = check_stream(streamed(channel, request_of(weekly_study(520), study_pb2.FRAME_FORMAT_ROWS)), 520)
    served = sorted(study_row_key(row) for m in messages for row in m.rows)
    expected = sorted(frame_row_key(row) for row in in_process.iter_rows(named=True))
    assert len(served) == 23_400
    assert served == expected
    for message in messages[1:]:  # a query's rows travel together: every ready time of a piece is complete
        ranks: dict[int, int] = {}
        for row in message.rows:
            ranks[row.ready.ToSeconds()] = ranks.get(row.ready.ToSeconds(), 0) + 1
        assert set(ranks.values()) == {45}


def test_compare_scenarios_over_split_chunks(stub: study_pb2_grpc.StudyServiceStub, shipped_network: Network) -> None:
    """CompareScenarios gathers every piece of every chunk (here each chunk's Arrow rows come in several)."""
    study = weekly_study(130, "scenarios:\n  close_russia_belarus: scenarios/close_russia_belarus.yaml\n")
    frame = run_study(study, shipped_network).frame
    request = study_pb2.CompareScenariosRequest(study=request_of(study, study_pb2.FRAME_FORMAT_ARROW_IPC))
    call_started = time.monotonic()
    response = stub.CompareScenarios(request, timeout=300)
    assert time.monotonic() - call_started < 120
    assert response.ByteSize() <= MAX_STUDY_MESSAGE_BYTES
    frames = {f.name: pl.read_ipc_stream(f.arrow_ipc) for f in response.frames}
    assert frames["comparison"].height == 130
    assert frames["comparison"].equals(comparison_frame(frame))
    assert frames["shares"].equals(corridor_shares(frame))


def test_a_request_over_the_receive_limit_is_refused_by_size(channel: grpc.Channel) -> None:
    """A RunStudy request past the server's 16 MiB receive limit is RESOURCE_EXHAUSTED naming the limit, at once."""
    run = channel.unary_stream("/corridor.v1.StudyService/RunStudy")
    body = study_pb2.RunStudyRequest(study_yaml="#" * (17 * 2**20)).SerializeToString()
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as refused:
        list(run(body, timeout=60))
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert str(16 * 2**20) in (refused.value.details() or "")
    assert time.monotonic() - started < 30


def test_a_large_request_under_the_limit_is_refused_by_field(stub: study_pb2_grpc.StudyServiceStub) -> None:
    """15 MiB of study text: INVALID_ARGUMENT naming study_yaml and its limit, decided in a worker, and the
    server answers the next study."""
    request = study_pb2.RunStudyRequest(study_yaml="#" * (15 * 2**20), request_id="too-long")
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as refused:
        list(stub.RunStudy(request, timeout=60))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "study_yaml" in (refused.value.details() or "")
    assert "262,144" in (refused.value.details() or "")
    assert time.monotonic() - started < 30
    messages = list(stub.RunStudy(request_of(weekly_study(2), study_pb2.FRAME_FORMAT_ROWS), timeout=60))
    assert messages[-1].queries_done == messages[-1].queries_total == 2
