"""Watch a server's health while something hostile happens: every check must be answered within a second."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

HEALTH_TIMEOUT_S = 1.0


@dataclass
class HealthLog:
    """What the watcher saw: each answer's status name, and every check that was not answered in time."""

    statuses: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    slowest_s: float = 0.0


@contextmanager
def health_watched(address: str, every_s: float = 0.2) -> Iterator[HealthLog]:
    """Check ``address``'s health every ``every_s`` on its own channel while the block runs.

    A check that fails or takes more than :data:`HEALTH_TIMEOUT_S` is recorded in ``failures``; NOT_SERVING is an
    answer, not a failure.
    """
    seen = HealthLog()
    stop = threading.Event()
    channel = grpc.insecure_channel(address)
    stub = health_pb2_grpc.HealthStub(channel)
    stub.Check(health_pb2.HealthCheckRequest(), timeout=30)  # connected before the hostile part starts

    def watch() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=HEALTH_TIMEOUT_S)
                seen.statuses.append(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))
            except grpc.RpcError as exc:
                seen.failures.append(f"{exc.code().name} after {time.monotonic() - started:.2f} s")
            seen.slowest_s = max(seen.slowest_s, time.monotonic() - started)
            stop.wait(every_s)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(timeout=10)
        channel.close()


def wait_until_serving(address: str, timeout_s: float = 60.0) -> None:
    """Poll health until SERVING (a restarted worker may take a few seconds on a busy machine)."""
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=HEALTH_TIMEOUT_S)
            if answer.status == health_pb2.HealthCheckResponse.SERVING:
                return
            time.sleep(0.1)
    msg = f"not SERVING after {timeout_s} s"
    raise AssertionError(msg)
