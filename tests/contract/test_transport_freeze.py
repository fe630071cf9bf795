"""The two freezes of issue 12: large jobs with large answers never stop the event loop.

Before the transport was rebuilt, the event loop wrote jobs into worker pipes with a blocking send and queued a
second job on a busy worker; with a large job and a large answer each side waited for the other and the whole
server (health, SIGTERM included) froze until SIGKILL.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import grpc
import pytest
from corridor.v1 import routing_pb2, routing_pb2_grpc, study_pb2, study_pb2_grpc, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from engine.network.paths import default_network_dir
from tests.contract.conftest import start_server
from tests.contract.health_watch import health_watched

ORIGINS = ("XIAN", "URUMQI", "CHONGQING", "CHENGDU", "ZHENGZHOU", "YIWU", "LIANYUNGANG")
DESTINATIONS = ("ISTANBUL", "BUDAPEST", "POTI", "DUISBURG", "ALAT", "MERSIN")
SETTLED = (grpc.StatusCode.OK, grpc.StatusCode.DEADLINE_EXCEEDED)


def find_routes_request(request_id: str = "") -> routing_pb2.FindRoutesRequest:
    ready = Timestamp()
    ready.FromDatetime(datetime(2026, 12, 1, tzinfo=UTC))
    return routing_pb2.FindRoutesRequest(
        origin="XIAN",
        destination="DUISBURG",
        departure=ready,
        shipment=types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
        constraints=types_pb2.Constraints(avoid_countries=["RU", "BY"]),
        include_hops=True,
        request_id=request_id,
    )


def outcome(call: grpc.Future) -> grpc.StatusCode:
    try:
        call.result()
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_two_large_find_routes_on_one_worker_do_not_freeze() -> None:
    running = start_server(default_network_dir(), 1)
    try:
        stub = routing_pb2_grpc.RoutingServiceStub(running.channel())
        big_id = "x" * (256 * 1024)  # echoed in the answer: a large job and a large answer
        with health_watched(running.address) as seen:
            calls = [stub.FindRoutes.future(find_routes_request(big_id), timeout=60) for _ in range(2)]
            codes = [outcome(call) for call in calls]
            assert stub.FindRoutes(find_routes_request("small"), timeout=10).routes
        # A request_id this long may be refused by a request limit; what matters is that nothing hangs.
        assert all(code in (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT) for code in codes), codes
        assert not seen.failures, seen.failures
        assert seen.statuses
    finally:
        assert running.stop(timeout=30) == 0


def demand(rows: int) -> study_pb2.AssignDemandRequest:
    pairs = itertools.cycle(itertools.product(ORIGINS, DESTINATIONS))
    return study_pb2.AssignDemandRequest(
        demand=[
            study_pb2.DemandRow(
                origin=o, destination=d, teu_per_week=1.0, segment=f"s{i // (len(ORIGINS) * len(DESTINATIONS))}"
            )
            for i, (o, d) in zip(range(rows), pairs, strict=False)
        ],
        format=study_pb2.FRAME_FORMAT_ROWS,  # typed rows: the largest answer
    )


@pytest.mark.timeout(300)
def test_three_assignments_of_15000_rows_on_two_workers_do_not_freeze() -> None:
    running = start_server(default_network_dir(), 2)
    try:
        channel = running.channel()
        study = study_pb2_grpc.StudyServiceStub(channel)
        routing = routing_pb2_grpc.RoutingServiceStub(channel)
        request = demand(15_000)
        with health_watched(running.address) as seen:
            started = time.monotonic()
            with ThreadPoolExecutor(3) as pool:
                codes = list(pool.map(lambda _: outcome(study.AssignDemand.future(request, timeout=20)), range(3)))
            # Each call ends by its deadline plus the worker's stop slack (a stuck phase is killed at 2 s).
            assert time.monotonic() - started < 3 * 20 + 30
            started = time.monotonic()
            assert routing.FindRoutes(find_routes_request("after"), timeout=30).routes
            assert time.monotonic() - started < 30
        assert all(code in SETTLED for code in codes), codes
        assert not seen.failures, seen.failures
    finally:
        assert running.stop(timeout=30) == 0


def test_an_assignment_past_its_deadline_frees_its_worker_whatever_phase_it_is_in() -> None:
    running = start_server(default_network_dir(), 1)
    try:
        channel = running.channel()
        study = study_pb2_grpc.StudyServiceStub(channel)
        routing = routing_pb2_grpc.RoutingServiceStub(channel)
        assert routing.FindRoutes(find_routes_request("warm"), timeout=30).routes
        with health_watched(running.address) as seen:
            with pytest.raises(grpc.RpcError) as caught:
                study.AssignDemand(demand(20_000), timeout=3)  # minutes of work without the deadline
            assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
            # The only worker stops by itself or is killed 2 s after the deadline and replaced.
            assert routing.FindRoutes(find_routes_request("after"), timeout=30).routes
        assert not seen.failures, seen.failures
    finally:
        assert running.stop(timeout=30) == 0
