"""The worker-process side of the server: each worker process holds the network and answers requests.

Started by the server as ``python -m engine.service.worker`` with one end of a socket pair
(``engine/service/transport.py``); the first frame is the network snapshot the server holds. Requests and
responses cross the process boundary as serialized protobuf bytes, so the event loop of the main process only
moves bytes. A running search polls its deadline and a shared cancel byte, so a client's deadline or cancellation
frees the worker within milliseconds; the server kills a worker that does not stop (``engine/service/pool.py``).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import mmap
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from engine.network import Network
from engine.routing import warm_up_kernel
from engine.routing.model import compile_network
from engine.service import jobs, study_jobs
from engine.service.convert.routing import stream_failure as stream_failure  # server.py answers dead-worker items
from engine.service.jobs import Answer, Outcome, StopHook
from engine.service.served import ServedNetworks, as_served
from engine.service.transport import own_resident_bytes, recv_frame, send_frame

_networks: ServedNetworks | None = None
_cancel_flags: Any = None
PR_SET_PDEATHSIG = 1


def init_worker(networks: Network | ServedNetworks, cancel_flags: Any) -> None:
    """Keep the network (and named scenario networks) the server sent, compiled so the first request does not pay
    for it, and the cancel flags."""
    global _networks, _cancel_flags  # per-process state is the point of a worker
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _networks = as_served(networks)
    for network in (_networks.base, *_networks.scenarios.values()):
        compile_network(network)
    _cancel_flags = cancel_flags
    # The compiled search, loaded before the worker reports ready: its ~100 MB of machine code then counts in the
    # worker's baseline, not against the memory bound of its first job.
    warm_up_kernel()
    # The network and its compiled arrays live as long as the worker: out of the collector's sight, a full
    # collection (about one per pass of the realistic mix) scans the ~50k objects made since instead of ~210k, a
    # pause every request queued on the worker waits for (measured ~5x shorter: 70-110 ms instead of 500-750 ms
    # wall time on a busy 2-core machine). Only cyclic garbage among the frozen objects would be kept, and they are
    # the worker's working set.
    gc.freeze()


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this worker when the server dies (Linux), and leave if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        sys.exit(0)


def serve_socket(sock: socket.socket, cancel_flags: Any, seat: int) -> None:
    """A worker process's life: receive the network snapshot, say ready (with the pid), then answer jobs until
    the socket closes.

    The first frame is the :class:`~engine.network.Network` (with its named scenario networks, a
    :class:`~engine.service.served.ServedNetworks`) the server holds in memory (a restarted worker never
    reads the network directory, so every answer comes from the version the server loaded). A job is
    ``(method, payload, deadline)``; the answer is ``(JOBS[method](payload, deadline, seat), resident bytes)``,
    which lets the server recycle a worker that has grown past its memory bound. SIGINT is ignored: Ctrl-C in a
    terminal reaches the whole process group, and the server, not its workers, decides when to stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        init_worker(recv_frame(sock), cancel_flags)
    except EOFError:
        return
    send_frame(sock, os.getpid())
    while True:
        try:
            method, payload, deadline = recv_frame(sock)
        except (EOFError, OSError):
            return
        outcome = JOBS[method](payload, deadline, seat)
        send_frame(sock, (outcome, own_resident_bytes()))


def main(argv: list[str]) -> None:
    """``python -m engine.service.worker SOCKET_FD FLAGS_FD SEAT SERVER_PID`` (started by the server only)."""
    sock_fd, flags_fd, seat, parent_pid = (int(a) for a in argv)
    _die_with_parent(parent_pid)
    sock = socket.socket(fileno=sock_fd)
    flags = mmap.mmap(flags_fd, 0)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the server went away mid-answer
        serve_socket(sock, flags, seat)


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
        assert _networks is not None, "worker not initialised"
        return job(payload, _networks, _stopper(deadline, slot), deadline)

    return run


JOBS: dict[str, Callable[[bytes, float | None, int], Outcome]] = {
    kind: _dispatch(job) for kind, job in {**jobs.JOBS, **study_jobs.JOBS}.items()
}
"""Job kind → the worker's answer to ``(payload, deadline, slot)``; what each kind does is :data:`jobs.JOBS`."""


if __name__ == "__main__":
    main(sys.argv[1:])
