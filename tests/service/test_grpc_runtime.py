"""The gRPC core settings ``corridor serve`` chooses before grpc loads, and that grpcio still honours them.

Each case runs in a fresh interpreter: the core reads its settings once, when ``import grpc`` loads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.service.grpc_runtime import CORE_EXPERIMENTS, EXPERIMENTS_VARIABLE

ROOT = Path(__file__).resolve().parents[2]

CHOOSE = """
import json, os, sys
from engine.service.grpc_runtime import choose_core_experiments
if sys.argv[1] == "late":
    import grpc
chose = choose_core_experiments()
print(json.dumps([chose, os.environ.get("GRPC_EXPERIMENTS")]))
"""

SERVE = """
import json, os
from engine.cli import main
code = main(["serve", "--workers", "0", "--address", "127.0.0.1:0"])  # refused after grpc has loaded
print(json.dumps([code, os.environ.get("GRPC_EXPERIMENTS")]))
"""

# Echo calls over loopback in one process; prints how often the core's EventEngine threads woke a call (Linux /proc).
WAKE_UPS = """
import asyncio, os, re, sys
from pathlib import Path
from engine.service.grpc_runtime import choose_core_experiments
choose_core_experiments()
import grpc

def event_engine_wake_ups():
    total = 0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        if (task / "comm").read_text().strip() == "event_engine":
            status = (task / "status").read_text()
            total += int(re.search(r"\\nvoluntary_ctxt_switches:\\s+(\\d+)", status).group(1))
    return total

async def main():
    server = grpc.aio.server()
    async def echo(request, _context):
        return request
    handler = grpc.method_handlers_generic_handler("t.T", {"Echo": grpc.unary_unary_rpc_method_handler(echo)})
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary("/t.T/Echo")
        await call(b"warm")
        before = event_engine_wake_ups()
        for _ in range(CALLS):
            assert await call(b"x" * 1000) == b"x" * 1000
        print((event_engine_wake_ups() - before) / CALLS)
    await server.stop(0)

CALLS = 200
asyncio.run(main())
"""


def _run(script: str, *args: str, environ: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _environ(**extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != EXPERIMENTS_VARIABLE}
    return environ | extra


def test_the_server_setting_is_chosen_before_grpc_loads() -> None:
    assert json.loads(_run(CHOOSE, "early", environ=_environ())) == [True, CORE_EXPERIMENTS]


def test_an_operators_own_setting_stands_even_empty() -> None:
    for own in ("", "event_engine_dns"):
        assert json.loads(_run(CHOOSE, "early", environ=_environ(GRPC_EXPERIMENTS=own))) == [False, own]


def test_corridor_serve_chooses_it_before_it_loads_grpc() -> None:
    assert json.loads(_run(SERVE, environ=_environ())) == [2, CORE_EXPERIMENTS]


def test_nothing_is_set_once_grpc_has_loaded() -> None:
    assert json.loads(_run(CHOOSE, "late", environ=_environ())) == [False, None]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts thread wake-ups in Linux /proc")
def test_grpcio_honours_it_the_event_engine_threads_stay_asleep() -> None:
    """The default core wakes its EventEngine threads several times a call (about 6 measured with grpcio 1.81);
    with the server's setting the completion-queue poller does the I/O and they stay asleep. If a grpcio update
    drops the experiment, this fails: the setting (and ``grpc_runtime``'s docstring) must then go."""
    chosen = float(_run(WAKE_UPS, environ=_environ()))
    default = float(_run(WAKE_UPS, environ=_environ(GRPC_EXPERIMENTS="")))
    assert default >= 2, f"grpc's default core woke its EventEngine threads only {default:.2f} times a call"
    assert chosen <= 0.5, f"with {CORE_EXPERIMENTS} the EventEngine threads still woke {chosen:.2f} times a call"
