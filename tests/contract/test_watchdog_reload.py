"""Workers that die are replaced from the snapshot the server holds in memory; reload is explicit (SIGHUP)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from corridor.v1 import network_pb2, network_pb2_grpc, routing_pb2_grpc

from engine.network.paths import default_network_dir
from tests.contract.conftest import ServerProcess, start_server
from tests.contract.health_watch import health_watched, wait_until_serving
from tests.contract.processes import alive, children
from tests.contract.test_transport_freeze import find_routes_request


def worker_pids(running: ServerProcess) -> list[int]:
    return children(running.process.pid)


def wait_for(predicate: object, timeout_s: float = 60.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    msg = f"condition not met within {timeout_s} s"
    raise AssertionError(msg)


@pytest.fixture
def network_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(default_network_dir(), tmp_path / "middle_corridor"))


def test_killing_every_worker_heals_and_health_says_so() -> None:
    running = start_server(default_network_dir(), 2)
    try:
        stub = routing_pb2_grpc.RoutingServiceStub(running.channel())
        assert stub.FindRoutes(find_routes_request(), timeout=30).routes
        before = worker_pids(running)
        assert len(before) == 2
        with health_watched(running.address, every_s=0.05) as seen:
            for pid in before:
                os.kill(pid, signal.SIGKILL)
            wait_for(lambda: len(set(worker_pids(running)) - set(before)) == 2)
            wait_until_serving(running.address)
            assert stub.FindRoutes(find_routes_request(), timeout=30).routes
        assert not seen.failures, seen.failures
        assert seen.statuses[-1] == "SERVING"
    finally:
        assert running.stop(timeout=30) == 0


def test_killing_the_server_leaves_no_worker_behind() -> None:
    running = start_server(default_network_dir(), 2)
    workers = worker_pids(running)
    assert len(workers) == 2
    running.process.kill()  # the workers' parent: nothing else stands between them and the server
    running.process.wait(timeout=30)
    wait_for(lambda: not any(alive(pid) for pid in workers), timeout_s=10)
    running.stop(timeout=30)


def test_a_restarted_worker_answers_from_the_loaded_network_not_the_changed_directory(network_copy: Path) -> None:
    running = start_server(network_copy, 1)
    try:
        channel = running.channel()
        stub = routing_pb2_grpc.RoutingServiceStub(channel)
        info = network_pb2_grpc.NetworkServiceStub(channel)
        expected = stub.FindRoutes(find_routes_request(), timeout=30)
        version = info.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10).version
        links = network_copy / "links.csv"
        links.write_text(links.read_text().replace(",", ";"))  # the directory no longer loads
        (pid,) = worker_pids(running)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: worker_pids(running) not in ([], [pid]))
        wait_until_serving(running.address)
        assert stub.FindRoutes(find_routes_request(), timeout=30) == expected

        running.process.send_signal(signal.SIGHUP)  # a reload of the broken directory is refused
        wait_for(lambda: any("reload refused" in line for line in running.stderr))
        assert info.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10).version == version
        assert stub.FindRoutes(find_routes_request(), timeout=30) == expected
    finally:
        assert running.stop(timeout=30) == 0


def test_sighup_serves_a_changed_network_from_one_version(network_copy: Path) -> None:
    running = start_server(network_copy, 2)
    try:
        channel = running.channel()
        stub = routing_pb2_grpc.RoutingServiceStub(channel)
        info = network_pb2_grpc.NetworkServiceStub(channel)
        before = stub.FindRoutes(find_routes_request(), timeout=30)
        version = info.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10).version
        old_workers = set(worker_pids(running))
        nodes = network_copy / "nodes.csv"
        nodes.write_text(nodes.read_text() + "\n")  # a changed file: a new version label, the same answers
        with health_watched(running.address) as seen:
            running.process.send_signal(signal.SIGHUP)
            wait_for(lambda: any("reload: serving" in line for line in running.stderr))
            wait_for(lambda: not old_workers & set(worker_pids(running)))
            after = stub.FindRoutes(find_routes_request(), timeout=30)
        new_version = info.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10).version
        assert new_version != version
        assert new_version.startswith(after.network.split("@")[1])  # answered from the new version
        assert version.startswith(before.network.split("@")[1])
        assert list(after.routes) == list(before.routes)
        assert not seen.failures, seen.failures
        assert set(seen.statuses) == {"SERVING"}
    finally:
        assert running.stop(timeout=30) == 0
