"""Shutdown within the grace period, clear start-up errors, and bounds on the work and memory of one request."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from corridor.v1 import routing_pb2, routing_pb2_grpc, study_pb2, study_pb2_grpc, types_pb2

from tests.contract.conftest import ENDLESS_RUNG, ENDLESS_RUNGS, LONG_RUNG, ServerProcess, start_server
from tests.contract.health_watch import health_watched
from tests.contract.ladder import write_ladder
from tests.contract.processes import children
from tests.contract.test_deadlines_shutdown import ladder_request
from tests.contract.test_optimizer_service import PLAN, violations


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "engine.cli", "serve", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_sigterm_with_two_busy_workers_exits_within_the_grace_period(tmp_path: Path) -> None:
    directory = write_ladder(tmp_path / "ladder_endless", rungs=ENDLESS_RUNGS)  # its far end runs for minutes
    running = start_server(directory, 2, "--grace-s", "2")
    stub = routing_pb2_grpc.RoutingServiceStub(running.channel())
    stub.FindRoutes(ladder_request("R2"), timeout=30)
    busy = [stub.FindRoutes.future(ladder_request(ENDLESS_RUNG), timeout=600) for _ in range(2)]  # no deadline
    time.sleep(1.0)
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    code = running.stop(timeout=60)
    assert time.monotonic() - started < 5
    assert code == 0
    for call in busy:
        with pytest.raises(grpc.RpcError):
            call.result(timeout=10)


def test_workers_below_one_is_refused_clearly() -> None:
    done = serve("--workers", "-1", "--address", "127.0.0.1:0")
    assert done.returncode == 2
    assert "--workers must be at least 1, got -1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_refused_clearly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve("--workers", "1", "--address", f"127.0.0.1:{port}")
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreadable_network_is_refused_clearly(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "nodes.csv").mkdir()  # a directory where a table should be: unreadable whoever runs the test
    done = serve("--network", str(broken), "--workers", "1", "--address", "127.0.0.1:0")
    assert done.returncode == 1
    assert "error:" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_120_day_plan_is_refused_before_any_work(server: ServerProcess) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(server.channel())
    plan = routing_pb2.PlanShipmentRequest()
    plan.CopyFrom(PLAN)
    plan.horizon_days = 120  # held 822 MB per worker before the bound
    with health_watched(server.address) as seen:
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as caught:
            stub.PlanShipment(plan, timeout=60)
        assert time.monotonic() - started < 10
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    ((field, message),) = violations(caught.value)
    assert field == "horizon_days"
    assert "at most 40,000" in message
    assert "days" in message
    assert not seen.failures, seen.failures


def test_a_worker_past_its_memory_bound_is_replaced(ladder_dir: Path) -> None:
    # Every worker is past 1 MB. The search's own memory budget (by default the worker's bound) is off, so that the
    # search grows until the watchdog kills its worker: what bounds work that does not watch its own memory.
    running = start_server(ladder_dir, 1, "--worker-memory-mb", "1", environment={"CORRIDOR_SEARCH_MEMORY_MB": "0"})
    try:
        stub = routing_pb2_grpc.RoutingServiceStub(running.channel())
        with health_watched(running.address) as seen:
            first = children(running.process.pid)
            assert stub.FindRoutes(ladder_request("R2"), timeout=60).routes  # answered, then the worker goes
            with pytest.raises(grpc.RpcError) as caught:
                stub.FindRoutes(ladder_request(LONG_RUNG), timeout=60)  # ~2 s: killed mid-job past twice the bound
            assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "MB in a worker" in str(caught.value.details())
            # The server goes on with a new worker. With a 1 MB bound any job the watchdog happens to sample is
            # killed too (every worker holds ~250 MB), so a quick job may lose that race: one of a few answers.
            answered = []
            for _ in range(5):
                with contextlib.suppress(grpc.RpcError):
                    answered.append(stub.FindRoutes(ladder_request("R2"), timeout=60).routes)
                if answered:
                    break
            assert answered
            assert answered[0]
        assert first != children(running.process.pid)
        assert any("replacing it" in line for line in running.stderr)
        assert not seen.failures, seen.failures
    finally:
        assert running.stop(timeout=30) == 0


def test_large_list_nodes_queries_do_not_stall_health(server: ServerProcess) -> None:
    from corridor.v1 import network_pb2, network_pb2_grpc

    stub = network_pb2_grpc.NetworkServiceStub(server.channel())
    query = network_pb2.ListNodesRequest(query="é" * (6 << 20))  # ~12 MB of text to normalise and match
    with health_watched(server.address, every_s=0.05) as seen:
        calls = [stub.ListNodes.future(query, timeout=120) for _ in range(4)]
        codes = []
        for call in calls:
            try:
                call.result()
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:  # a length limit may refuse it; what matters is the event loop
                codes.append(exc.code())
    # the query's length limit (256 characters) refuses each in the worker, after 12 MB crossed the main process
    assert codes == [grpc.StatusCode.INVALID_ARGUMENT] * 4
    assert not seen.failures, seen.failures
    assert seen.statuses


def test_a_search_past_the_workers_memory_budget_is_resource_exhausted_and_the_worker_goes_on(
    ladder_dir: Path,
) -> None:
    """A compiled search's state is bounded (``CORRIDOR_SEARCH_MEMORY_MB``; by default the worker's memory bound):
    R0→R20 needs far more than 4 MiB of labels, so it stops with RESOURCE_EXHAUSTED saying what to narrow, and the
    same worker answers the next call; in a study, the same query is a row saying why it stopped beside the other
    queries' answers."""
    running = start_server(ladder_dir, 1, environment={"CORRIDOR_SEARCH_MEMORY_MB": "4"})
    try:
        stub = routing_pb2_grpc.RoutingServiceStub(running.channel())
        stub.FindRoutes(ladder_request("R3"), timeout=60)  # warm: the worker holds the network
        workers = children(running.process.pid)
        with pytest.raises(grpc.RpcError) as caught:
            stub.FindRoutes(ladder_request(LONG_RUNG), timeout=120)
        assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        details = str(caught.value.details())
        assert "budget of 4 MiB" in details
        assert "narrow the query" in details
        assert stub.FindRoutes(ladder_request("R3"), timeout=60).routes
        assert children(running.process.pid) == workers  # stopped by itself: not killed and replaced

        # In a study the stopped query is one row saying so, and the other queries are answered.
        study = study_pb2_grpc.StudyServiceStub(running.channel())
        request = study_pb2.RunStudyRequest(
            od_pairs=[study_pb2.StudyOdPair(origin="R0", destination=d) for d in (LONG_RUNG, "R3")],
            ready_times=[ladder_request("R3").departure],
            objective=types_pb2.OBJECTIVE_PARETO,
            shipment=types_pb2.Shipment(teu=1, gross_weight_kg=10_000),
            format=study_pb2.FRAME_FORMAT_ROWS,
            request_id="study-past-the-budget",
        )
        rows = [row for message in study.RunStudy(request, timeout=120) for row in message.rows]
        by_destination = {row.destination: [r for r in rows if r.destination == row.destination] for row in rows}
        [stopped] = by_destination[LONG_RUNG]
        assert (stopped.route_rank, stopped.explanation, stopped.pareto_size) == (0, "", -1)
        assert "budget of 4 MiB" in stopped.search_stopped
        assert by_destination["R3"][0].route_rank == 1
        assert all(row.search_stopped == "" for row in by_destination["R3"])
        assert children(running.process.pid) == workers
    finally:
        assert running.stop() == 0


def test_a_malformed_search_memory_budget_is_refused_at_start() -> None:
    command = [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CORRIDOR_SEARCH_MEMORY_MB": "lots"},
    )
    assert done.returncode == 2
    assert "CORRIDOR_SEARCH_MEMORY_MB must be a whole number of MiB, 0 for none; got 'lots'" in done.stderr
