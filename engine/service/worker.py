"""The worker-process side of the server: each worker process holds the network and answers routing requests.

Requests and responses cross the process boundary as serialized protobuf bytes, so the event loop of the main
process only moves bytes. A running search polls its deadline and a shared cancellation flag, so a client's
deadline or cancellation frees the worker within milliseconds.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pickle
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from engine.network import Network, load_network
from engine.routing.model import compile_network
from engine.service import jobs
from engine.service.convert.routing import stream_failure as stream_failure  # server.py answers dead-worker items
from engine.service.jobs import Answer, Outcome, StopHook

_network: Network | None = None
_cancel_flags: Any = None


def init_worker(network_dir: str, cancel_flags: ctypes.Array[ctypes.c_byte]) -> None:
    """Load the network once (compiled, so the first request does not pay for it) and keep the cancel flags."""
    global _network, _cancel_flags  # per-process state is the point of a worker
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _network = load_network(network_dir)
    compile_network(_network)
    _cancel_flags = cancel_flags


def serve_pipe(connection: Connection, network_dir: str, cancel_flags: ctypes.Array[ctypes.c_byte]) -> None:
    """A worker process's life: load the network, say ready (with the pid), then answer jobs until the pipe closes.

    A job is a pickled ``(method, payload, deadline, slot)``; the answer is the pickled outcome of
    ``JOBS[method](payload, deadline, slot)``. SIGINT is ignored: Ctrl-C in a terminal reaches the whole process
    group, and the server, not its workers, decides when to stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_worker(network_dir, cancel_flags)
    connection.send_bytes(pickle.dumps(os.getpid()))
    while True:
        try:
            method, payload, deadline, slot = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        connection.send_bytes(pickle.dumps(JOBS[method](payload, deadline, slot)))


def _stopper(deadline: float | None, slot: int) -> StopHook:
    def should_stop() -> str | None:
        if _cancel_flags is not None and slot >= 0 and _cancel_flags[slot]:
            return "cancelled"
        if deadline is not None and time.monotonic() > deadline:
            return "deadline"
        return None

    return should_stop


def _dispatch(job: Answer) -> Callable[[bytes, float | None, int], Outcome]:
    def run(payload: bytes, deadline: float | None, slot: int) -> Outcome:
        assert _network is not None, "worker not initialised"
        return job(payload, _network, _stopper(deadline, slot), deadline)

    return run


JOBS: dict[str, Callable[[bytes, float | None, int], Outcome]] = {
    kind: _dispatch(job) for kind, job in jobs.JOBS.items()
}
"""Job kind → the worker's answer to ``(payload, deadline, slot)``; what each kind does is :data:`jobs.JOBS`."""
