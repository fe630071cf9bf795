"""The service benchmark's load client: every request answered and checked, with the server's gRPC core setting
chosen in its own process only (importing the module, as ``bench_service`` does, changes nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.load_client import write_requests
from engine.service.grpc_runtime import CORE_EXPERIMENTS, EXPERIMENTS_VARIABLE

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ONLY = """
import json, os, sys
import benchmarks.load_client
print(json.dumps(["grpc._cython.cygrpc" in sys.modules, os.environ.get("GRPC_EXPERIMENTS")]))
"""

CLIENT = """
import json, os, sys
from benchmarks import load_client
sys.argv = ["load_client", *sys.argv[1:]]
load_client.main()
print(json.dumps(os.environ.get("GRPC_EXPERIMENTS")))
"""


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != EXPERIMENTS_VARIABLE}


def test_importing_the_client_loads_no_grpc_and_sets_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], cwd=ROOT, env=_environ(), capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [False, None]


def test_the_client_answers_every_request_with_the_core_setting(tmp_path: Path) -> None:
    outcome, chosen = _replay(tmp_path, [], 20, concurrency=8, channels=2)
    assert len(outcome["latencies_ms"]) == 20
    assert all(latency > 0 for latency in outcome["latencies_ms"])
    assert chosen == CORE_EXPERIMENTS


def _echo(arguments: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.echo_server", "127.0.0.1:0", *arguments],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _replay(
    tmp_path: Path, arguments: list[str], calls: int, concurrency: int | None = None, channels: int = 1
) -> tuple[dict[str, Any], str | None]:
    """``calls`` requests sent ``concurrency`` at a time (default: all at once) on ``channels`` channels to an echo
    server started with ``arguments``, each answered OK; the client's outcome and the core setting it ran with."""
    requests = tmp_path / "requests.bin"
    write_requests(requests, [f"request {i}".encode() for i in range(calls)])
    echo = _echo(arguments)
    try:
        assert echo.stdin is not None
        assert echo.stdout is not None
        echo.stdin.write(b"answer".hex())
        echo.stdin.close()
        address = echo.stdout.readline().rsplit(" ", 1)[-1].strip()
        done = subprocess.run(
            [sys.executable, "-c", CLIENT, address, str(requests), str(concurrency or calls), str(channels)],
            cwd=ROOT,
            env=_environ(),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
    finally:
        echo.terminate()
        echo.wait(timeout=30)
        for pipe in (echo.stdout, echo.stderr):
            if pipe is not None:
                pipe.close()
    outcome, chosen = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert outcome["statuses"] == ["OK"] * calls
    return outcome, chosen


def test_the_paced_echo_server_ends_calls_no_faster_than_its_places_allow(tmp_path: Path) -> None:
    # One place held 150 ms: 6 calls sent at once end one after another, the last at least 6 holds after they were
    # sent, and every call waits at least the hold; unpaced, the same calls do not queue one behind another (the
    # bound is the paced last call's, so only a queue, not a slow machine, can fail it).
    paced, _ = _replay(tmp_path, ["--workers", "1", "--hold-ms", "150"], 6)
    assert min(paced["latencies_ms"]) >= 150
    assert max(paced["latencies_ms"]) >= 6 * 150  # queued behind the five others
    assert paced["wall_s"] >= 0.9
    unpaced, _ = _replay(tmp_path, [], 6)
    assert max(unpaced["latencies_ms"]) < 6 * 150


def test_the_paced_echo_server_holds_its_places_side_by_side(tmp_path: Path) -> None:
    # Two places held 200 ms: 6 calls end two at a time, after 200, 400 and 600 ms; one place would need 1,200.
    latencies = sorted(_replay(tmp_path, ["--workers", "2", "--hold-ms", "200"], 6)[0]["latencies_ms"])
    assert latencies[0] >= 200
    assert latencies[2] >= 400  # the third call waited for a place
    assert latencies[-1] >= 600
    assert latencies[-1] < 1200  # one place would need 1,200 ms: a 600 ms margin for a slow machine


def test_the_echo_server_refuses_a_hold_without_places() -> None:
    echo = _echo(["--hold-ms", "3"])
    _, stderr = echo.communicate(input="", timeout=60)
    assert echo.returncode == 2
    assert "--hold-ms needs --workers" in stderr


def test_the_echo_server_refuses_a_negative_pace_and_says_which() -> None:
    echo = _echo(["--workers", "-1"])
    _, stderr = echo.communicate(input="", timeout=60)
    assert echo.returncode == 2
    assert "--workers and --hold-ms must be at least 0" in stderr
