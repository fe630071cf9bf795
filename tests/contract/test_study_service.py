"""StudyService.RunStudy and CompareScenarios over a real server on loopback equal the in-process study."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import grpc
import polars as pl
import pytest
from corridor.v1 import study_pb2, study_pb2_grpc, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from engine.network import Network
from engine.studies import Study, comparison_frame, corridor_shares, parse_study, run_study
from engine.studies.frame import SCHEMA
from tests.contract.conftest import ServerProcess
from tests.studies.conftest import SMALL_STUDY, STUDIES

SORT = ["scenario", "origin", "destination", "ready", "route_rank"]


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def study_request(
    study: Study, frame_format: study_pb2.FrameFormat.ValueType, request_id: str
) -> study_pb2.RunStudyRequest:
    """``study`` as structured request fields (PARETO, 2 TEU), its scenario files inline."""
    return study_pb2.RunStudyRequest(
        od_pairs=[study_pb2.StudyOdPair(origin=od.origin, destination=od.destination) for od in study.od_pairs],
        ready_times=[stamp(t) for t in study.ready_times],
        scenarios=[
            study_pb2.StudyScenario(name=s.name, edits_yaml=s.file.read_text(encoding="utf-8"))
            for s in study.scenarios
            if s.file is not None
        ],
        objective=types_pb2.OBJECTIVE_PARETO,
        max_routes=study.max_routes,
        shipment=types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
        format=frame_format,
        request_id=request_id,
    )


def small_request(
    frame_format: study_pb2.FrameFormat.ValueType = study_pb2.FRAME_FORMAT_ARROW_IPC,
) -> study_pb2.RunStudyRequest:
    """The small study of tests/studies as a request, its scenario files inline."""
    return study_request(parse_study(SMALL_STUDY, "small.yaml", base_dir=STUDIES), frame_format, "small-study")


@pytest.fixture(scope="module")
def stub(server: ServerProcess) -> study_pb2_grpc.StudyServiceStub:
    return study_pb2_grpc.StudyServiceStub(server.channel())


@pytest.fixture(scope="module")
def in_process(shipped_network: Network) -> pl.DataFrame:
    return run_study(parse_study(SMALL_STUDY, "small.yaml", base_dir=STUDIES), shipped_network).frame


def violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad)
    return [(v.field, v.description) for v in bad.field_violations]


def test_run_study_streams_the_in_process_rows(stub: study_pb2_grpc.StudyServiceStub, in_process: pl.DataFrame) -> None:
    messages = list(stub.RunStudy(small_request(), timeout=300))
    assert all(m.request_id == "small-study" for m in messages)
    total = messages[0].queries_total
    assert total == in_process.select("scenario", "origin", "destination", "ready").unique().height
    assert messages[0].queries_done == 0
    assert not messages[0].frame.arrow_ipc
    done = [m.queries_done for m in messages]
    assert done == sorted(done)
    assert done[-1] == total
    frames = [pl.read_ipc_stream(m.frame.arrow_ipc) for m in messages[1:]]
    served = pl.concat(frames)
    assert served.schema == pl.Schema(SCHEMA)
    assert served.sort(SORT, nulls_last=False).equals(in_process.sort(SORT, nulls_last=False))


def test_run_study_rows_format(stub: study_pb2_grpc.StudyServiceStub, in_process: pl.DataFrame) -> None:
    rows = [row for m in stub.RunStudy(small_request(study_pb2.FRAME_FORMAT_ROWS), timeout=300) for row in m.rows]
    assert len(rows) == in_process.height
    routed = in_process.filter(pl.col("route_rank").is_not_null())
    served = sorted(
        (r.scenario, r.origin, r.destination, r.ready.ToSeconds(), r.route_rank, r.cost_usd)
        for r in rows
        if r.route_rank
    )
    expected = sorted(
        (r["scenario"], r["origin"], r["destination"], int(r["ready"].timestamp()), r["route_rank"], r["cost_usd"])
        for r in routed.iter_rows(named=True)
    )
    assert served == expected
    corridors = {r.corridor for r in rows if r.route_rank}
    assert study_pb2.CORRIDOR_UNSPECIFIED not in corridors


def test_compare_scenarios_equals_the_library(stub: study_pb2_grpc.StudyServiceStub, in_process: pl.DataFrame) -> None:
    request = study_pb2.CompareScenariosRequest(study=small_request(study_pb2.FRAME_FORMAT_ARROW_IPC))
    response = stub.CompareScenarios(request, timeout=300)
    frames = {f.name: pl.read_ipc_stream(f.arrow_ipc) for f in response.frames}
    assert response.request_id == "small-study"
    assert frames["comparison"].equals(comparison_frame(in_process))
    assert frames["shares"].equals(corridor_shares(in_process))
    rows = stub.CompareScenarios(
        study_pb2.CompareScenariosRequest(study=small_request(study_pb2.FRAME_FORMAT_ROWS)), timeout=300
    )
    assert len(rows.deltas) == frames["comparison"].height
    assert [(s.scenario, s.queries, s.share, s.unknown) for s in rows.shares] == frames["shares"].select(
        "scenario", "queries", "share", "unknown"
    ).rows()


def test_a_scenario_with_no_answered_query_keeps_its_share_row() -> None:
    """The rows form of a shares frame whose scenario has every search stopped: corridor unspecified, share unset,
    ``unknown`` the count (the library side: tests/studies/test_cli_study.py)."""
    from engine.service.convert.study_run import compare_response

    shares = pl.DataFrame(
        {"scenario": ["baseline", "closed"], "corridor": ["Middle", None], "queries": [3, 0], "share": [1.0, None]},
        schema_overrides={"queries": pl.UInt32},
    ).with_columns(pl.Series("unknown", [1, 4], dtype=pl.UInt32))
    response = compare_response(comparison_frame(pl.DataFrame(schema=SCHEMA)), shares, "r", study_pb2.FRAME_FORMAT_ROWS)
    closed = response.shares[1]
    assert (closed.scenario, closed.corridor, closed.queries, closed.unknown) == ("closed", 0, 0, 4)
    assert (response.shares[0].corridor, response.shares[0].share) == (study_pb2.CORRIDOR_MIDDLE, 1.0)


def test_bad_study_is_invalid_argument_per_field(stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = small_request()
    request.od_pairs[1].origin = "NOWHERE_AT_ALL"
    request.scenarios[0].edits_yaml = "edits:\n  - op: close_border\n    countries: [RU]\n    bogus: 1\n"
    request.constraints.arrive_by.CopyFrom(stamp(datetime(2027, 2, 1, tzinfo=UTC)))
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(request, timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [field for field, _ in violations(caught.value)]
    assert "od_pairs[1].origin" in fields
    assert "constraints.arrive_by" in fields


def test_bad_scenario_edit_is_located_at_its_line(stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = small_request()
    request.scenarios[1].edits_yaml = "edits:\n  - op: no_such_edit\n"
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(request, timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [field for field, _ in violations(caught.value)]
    assert any(field.startswith("scenarios[1].edits_yaml:2") for field in fields), fields


def test_study_too_large_is_refused_before_work(stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = small_request()
    start = datetime(2027, 1, 4, tzinfo=UTC).timestamp()
    del request.ready_times[:]
    request.ready_times.extend(Timestamp(seconds=int(start) + 3600 * i) for i in range(500))
    nodes = ["XIAN", "CHONGQING", "CHENGDU", "ALMATY", "URUMQI", "LIANYUNGANG"]
    del request.od_pairs[:]
    request.od_pairs.extend(
        study_pb2.StudyOdPair(origin=o, destination=d) for o in nodes for d in ("DUISBURG", "ISTANBUL", "BUDAPEST")
    )
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(request, timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in violations(caught.value)] == ["od_pairs"]
    assert time.monotonic() - started < 30


def test_deadline_stops_the_study_and_the_server_goes_on(stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = small_request()
    del request.ready_times[:]
    start = int(datetime(2027, 1, 4, tzinfo=UTC).timestamp())
    request.ready_times.extend(
        Timestamp(seconds=start + 60 * 421 * i) for i in range(520)
    )  # the most allowed, 7 h 1 min apart: no two a whole number of weeks apart (no weekly repeats)
    # 12 pairs × 520 ready times × 3 networks = 18,720 searches (the most one call takes: 20,000), several seconds
    # even compiled (2 pairs finished inside the second)
    nodes = ["XIAN", "CHONGQING", "CHENGDU", "ALMATY", "URUMQI", "LIANYUNGANG"]
    del request.od_pairs[:]
    request.od_pairs.extend(
        study_pb2.StudyOdPair(origin=o, destination=d) for o in nodes for d in ("DUISBURG", "ISTANBUL")
    )
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(request, timeout=1.0))
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The stopped study's chunks were dropped: a small study right after it is answered promptly.
    messages = list(stub.RunStudy(small_request(), timeout=120))
    assert messages[-1].queries_done == messages[-1].queries_total


def test_cancel_stops_the_study(server: ServerProcess, stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = small_request()
    request.request_id = "to-cancel"
    del request.ready_times[:]
    start = int(datetime(2027, 1, 4, tzinfo=UTC).timestamp())
    request.ready_times.extend(Timestamp(seconds=start + 3600 * 7 * i) for i in range(200))
    call = stub.RunStudy(request, timeout=300)
    first = next(call)
    assert first.queries_total == 1200
    call.cancel()
    with pytest.raises(grpc.RpcError) as caught:
        list(call)
    assert caught.value.code() == grpc.StatusCode.CANCELLED
    messages = list(stub.RunStudy(small_request(), timeout=120))
    assert messages[-1].queries_done == messages[-1].queries_total
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = [r for r in server.log_records() if r.get("method") == "/corridor.v1.StudyService/RunStudy"]
        if any(r["status"] == "CANCELLED_OR_DEADLINE" and r["request_id"] == "to-cancel" for r in records):
            break
        time.sleep(0.2)
    else:
        shown = [(r["request_id"], r["status"]) for r in records]
        pytest.fail(f"the cancelled study was not logged as cancelled: {shown}")


def text_request(
    frame_format: study_pb2.FrameFormat.ValueType = study_pb2.FRAME_FORMAT_ARROW_IPC,
) -> study_pb2.RunStudyRequest:
    """The small study as the text of its file, its scenario files' edits inline by name."""
    study = parse_study(SMALL_STUDY, "small.yaml", base_dir=STUDIES)
    return study_pb2.RunStudyRequest(
        study_yaml=SMALL_STUDY,
        scenarios=[
            study_pb2.StudyScenario(name=s.name, edits_yaml=s.file.read_text(encoding="utf-8"))
            for s in study.scenarios
            if s.file is not None
        ],
        format=frame_format,
        request_id="small-text",
    )


def test_study_as_file_text_equals_the_in_process_rows(
    stub: study_pb2_grpc.StudyServiceStub, in_process: pl.DataFrame
) -> None:
    messages = list(stub.RunStudy(text_request(), timeout=300))
    served = pl.concat([pl.read_ipc_stream(m.frame.arrow_ipc) for m in messages[1:]])
    assert served.sort(SORT, nulls_last=False).equals(in_process.sort(SORT, nulls_last=False))


def test_study_text_problems_are_located_at_their_line(stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = text_request()
    del request.scenarios[1]  # georgia_border's edits are missing
    request.study_yaml += "network: /etc\n"
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(request, timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    found = violations(caught.value)
    fields = [field for field, _ in found]
    assert "study_yaml:9: georgia_border" in fields, found  # the line of the scenarios mapping naming it
    assert any(f.startswith("study_yaml:") and f.endswith("network") for f in fields), found
    escape = text_request()
    escape.study_yaml = escape.study_yaml.replace("scenarios/georgia_border.yaml", "../../etc/passwd")
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(escape, timeout=60))
    assert any("must be a relative path" in d for _, d in violations(caught.value))
    both = text_request()
    both.max_routes = 2
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(both, timeout=60))
    assert [f for f, _ in violations(caught.value)] == ["study_yaml"]


def test_unknown_node_in_study_text_is_located(stub: study_pb2_grpc.StudyServiceStub) -> None:
    request = text_request()
    request.study_yaml = request.study_yaml.replace("ISTANBUL", "NOWHERE_AT_ALL")
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunStudy(request, timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in violations(caught.value)] == ["study_yaml:4: destination"]


def test_garbage_body_is_invalid_argument(server: ServerProcess) -> None:
    channel = server.channel()
    garbage = b"\n\x02\xff\xfe"
    run_study = channel.unary_stream("/corridor.v1.StudyService/RunStudy")
    compare = channel.unary_unary("/corridor.v1.StudyService/CompareScenarios")
    with pytest.raises(grpc.RpcError) as streamed:
        list(run_study(garbage, timeout=30))
    with pytest.raises(grpc.RpcError) as unary:
        compare(garbage, timeout=30)
    for caught in (streamed, unary):
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in violations(caught.value)] == ["request"]
