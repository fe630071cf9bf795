"""A study chunk's rows cut into RunStudyResponse pieces: each within the budget, whole rows, queries kept together
when they fit, and the query counts that make the server's progress exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from corridor.v1 import study_pb2

from engine.network import Network
from engine.routing import Objective, RouteQuery, Shipment, find_routes
from engine.service.convert.study_run import ipc_bytes, study_row
from engine.service.study_jobs import StudyPlan, compare_payload, study_compare
from engine.service.study_messages import MAX_STUDY_MESSAGE_BYTES, MessageTooLarge, Piece, response_pieces
from engine.studies.frame import Row, result_rows, rows_frame, shifted_rows

ROWS, ARROW = study_pb2.FRAME_FORMAT_ROWS, study_pb2.FRAME_FORMAT_ARROW_IPC


@pytest.fixture(scope="module")
def groups(shipped_network: Network) -> list[list[Row]]:
    """Twelve queries: a 45-route answer and its weekly repeats, with a no-route query in the middle."""
    ready = datetime(2027, 1, 4, 8, tzinfo=UTC)
    query = RouteQuery("SHANGHAI", "ISTANBUL", ready, Shipment(2, 20_000.0), objective=Objective.PARETO, max_routes=100)
    searched = result_rows(find_routes(shipped_network, query), scenario="baseline", scenario_hash="h", baseline=True)
    assert len(searched) == 45
    missing: Row = {"scenario": "baseline", "origin": "SHANGHAI", "destination": "ISTANBUL", "ready": ready}
    missing |= {"explanation": "no route: every departure misses the cut-off", "shifted_weeks": 0}
    repeats = [shifted_rows(searched, ready + timedelta(weeks=k), k) for k in range(1, 11)]
    return [searched, *repeats[:5], [missing], *repeats[5:]]


def rows_of(pieces: list[Piece], frame_format: study_pb2.FrameFormat.ValueType) -> pl.DataFrame | list[bytes]:
    messages = [study_pb2.RunStudyResponse.FromString(piece) for piece, _ in pieces]
    if frame_format == ARROW:
        return pl.concat([pl.read_ipc_stream(m.frame.arrow_ipc) for m in messages])
    return [row.SerializeToString() for m in messages for row in m.rows]


def expected(groups: list[list[Row]], frame_format: study_pb2.FrameFormat.ValueType) -> pl.DataFrame | list[bytes]:
    rows = [row for group in groups for row in group]
    if frame_format == ARROW:
        return rows_frame(rows)
    return [study_row(row).SerializeToString() for row in rows]


def same(got: pl.DataFrame | list[bytes], want: pl.DataFrame | list[bytes]) -> bool:
    if isinstance(got, pl.DataFrame):
        assert isinstance(want, pl.DataFrame)
        return got.equals(want)
    return got == want


@pytest.mark.parametrize(("frame_format", "budget"), [(ROWS, 40_000), (ARROW, 700_000)])
def test_pieces_fit_the_budget_and_keep_each_query_whole(
    groups: list[list[Row]], frame_format: study_pb2.FrameFormat.ValueType, budget: int
) -> None:
    pieces = response_pieces(groups, frame_format, budget)
    assert len(pieces) >= 3
    assert all(len(piece) <= budget for piece, _ in pieces)
    assert sum(queries for _, queries in pieces) == len(groups)
    assert all(queries >= 1 for _, queries in pieces)  # every query fits: no piece ends inside one
    assert same(rows_of(pieces, frame_format), expected(groups, frame_format))


@pytest.mark.parametrize(("frame_format", "budget"), [(ROWS, 3_000), (ARROW, 60_000)])
def test_a_query_larger_than_the_budget_is_cut_between_rows(
    groups: list[list[Row]], frame_format: study_pb2.FrameFormat.ValueType, budget: int
) -> None:
    pieces = response_pieces(groups, frame_format, budget)
    assert all(len(piece) <= budget for piece, _ in pieces)
    assert sum(queries for _, queries in pieces) == len(groups)  # counted once, with the piece of its last row
    assert any(queries == 0 for _, queries in pieces)
    assert same(rows_of(pieces, frame_format), expected(groups, frame_format))


@pytest.mark.parametrize("frame_format", [ROWS, ARROW])
def test_everything_in_one_piece_when_it_fits(
    groups: list[list[Row]], frame_format: study_pb2.FrameFormat.ValueType
) -> None:
    pieces = response_pieces(groups, frame_format)
    assert len(pieces) == 1
    assert pieces[0][1] == len(groups)
    empty = response_pieces([], frame_format)
    assert [queries for _, queries in empty] == [0]


@pytest.mark.parametrize("frame_format", [ROWS, ARROW])
def test_a_row_larger_than_the_budget_is_refused(
    groups: list[list[Row]], frame_format: study_pb2.FrameFormat.ValueType
) -> None:
    with pytest.raises(MessageTooLarge) as refused:
        response_pieces(groups[:1], frame_format, 150)
    failure = refused.value.failure
    assert failure.status == "RESOURCE_EXHAUSTED"
    assert failure.message.startswith("one study row is ")
    assert f"at most {MAX_STUDY_MESSAGE_BYTES:,} bytes" in failure.message


def test_a_comparison_over_the_bound_is_resource_exhausted(
    groups: list[list[Row]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CompareScenarios is unary, so a comparison too large for one message is refused, naming the limit."""
    frame = rows_frame(row for group in groups for row in group)
    plan = StudyPlan("compare-big", 0, [], ["baseline"], study_pb2.FRAME_FORMAT_ROWS)
    payload = compare_payload(plan, [ipc_bytes(frame)])
    answer, failure, request_id = study_compare(payload, None, lambda: None, None)  # type: ignore[arg-type]
    assert failure is None
    assert answer is not None
    assert request_id == "compare-big"
    size = len(answer)
    monkeypatch.setattr("engine.service.study_jobs.MAX_STUDY_MESSAGE_BYTES", size - 1)
    answer, failure, _ = study_compare(payload, None, lambda: None, None)  # type: ignore[arg-type]
    assert answer is None
    assert failure is not None
    assert failure.status == "RESOURCE_EXHAUSTED"
    assert failure.message.startswith(f"the comparison is {size:,} bytes; one StudyService message is at most ")
    assert "compare fewer queries per call" in failure.message
