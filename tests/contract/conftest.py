"""Contract-test fixtures: the real server, started as a subprocess on a free loopback port."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import grpc
import pytest

from engine.network.paths import default_network_dir
from tests.contract.ladder import write_ladder

READY = re.compile(r"listening on ((?:127\.0\.0\.1|0\.0\.0\.0):\d+)")


@dataclass
class ServerProcess:
    """A running ``corridor serve`` and what it printed (both streams are drained continuously, so the server
    never blocks on a full pipe)."""

    process: subprocess.Popen[str]
    address: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        for thread in self.threads:
            thread.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code

    def log_records(self) -> list[dict[str, object]]:
        """The JSON call-log lines the server wrote to stderr so far."""
        return [json.loads(line) for line in list(self.stderr) if line.startswith("{")]


LONG_RUNG = "R20"
"""The ladder destination whose search takes about two seconds (``ladder_dir``: 1.7 s in process)."""
ENDLESS_RUNGS = 32
"""Rungs of the ladder whose far end (``R32``) takes minutes (over 30 s in process): calls that only a deadline, a
cancellation or a shutdown ends. Each speed-up of the search has moved these: the compiled search's inlined
dominance test and bag envelopes made R0→R20 1.7 s and R0→R17 0.4 s (about two seconds before)."""
ENDLESS_RUNG = f"R{ENDLESS_RUNGS}"


def start_server(
    network: Path, workers: int, *extra: str, environment: Mapping[str, str] | None = None
) -> ServerProcess:
    """Start ``corridor serve`` on 127.0.0.1:0 (with ``environment`` added to this process's) and wait (≤ 120 s)
    until it says where it listens."""
    command = [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        "--network",
        str(network),
        "--address",
        "127.0.0.1:0",
        "--workers",
        str(workers),
        *extra,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(environment or {})},
    )
    ready: queue.Queue[str] = queue.Queue()
    out: list[str] = []
    err: list[str] = []

    def pump(stream: IO[str], into: list[str]) -> None:
        for line in stream:
            into.append(line)
            if READY.search(line):
                ready.put(line)

    assert process.stdout is not None
    assert process.stderr is not None
    threads = [
        threading.Thread(target=pump, args=(process.stdout, out), daemon=True),
        threading.Thread(target=pump, args=(process.stderr, err), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        line = ready.get(timeout=120)
    except queue.Empty:
        process.kill()
        msg = f"server did not start; stdout {out}, stderr {err[-20:]}"
        raise AssertionError(msg) from None
    match = READY.search(line)
    assert match is not None
    return ServerProcess(process, match.group(1), out, err, threads)


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """The shipped network served by two worker processes."""
    running = start_server(default_network_dir(), workers=2)
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="session")
def ladder_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A ladder network whose far end (``ENDLESS_RUNG``) runs for minutes (Pareto sets explode) on ONE worker."""
    directory = write_ladder(tmp_path_factory.mktemp("ladder") / "ladder_endless", rungs=ENDLESS_RUNGS)
    running = start_server(directory, workers=1)
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="session")
def ladder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-rung ladder: R0→R20 (``LONG_RUNG``) takes about two seconds with the compiled search, R0→R3
    milliseconds."""
    return write_ladder(tmp_path_factory.mktemp("ladder") / "ladder20", rungs=20)
