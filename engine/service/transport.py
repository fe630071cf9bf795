"""How the server and its worker processes talk: length-prefixed frames over a socket pair, a shared cancel byte
per worker, and the worker's resident memory.

The server side reads and writes through asyncio streams, so a large job or answer is buffered by the event loop
and never blocks it (the old pipes used a blocking ``send_bytes`` from the loop: with a second job queued on a
busy worker and a large answer coming back, each side waited for the other). The worker side is plain blocking
I/O: a worker does one thing at a time.

A frame is an 8-byte big-endian length and a pickle. Only the server and the workers it started hold the sockets.
Pickling costs little next to the system calls: a job (method, ~55-byte request, deadline) encodes in 0.35 us and
decodes in 0.28 us; a ~35 KB answer with its resident bytes encodes in 1.9 us and decodes in 1.1 us, where a raw
header + body would take 0.9 us; measured and not changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import os
import pickle
import socket
import struct
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HEADER = struct.Struct(">Q")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def encode_frame(message: Any) -> bytes:
    """One frame: the 8-byte length, then the pickle."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


class FrameProtocol(asyncio.Protocol):
    """The server's end of a worker socket: reassembles frames as bytes arrive and hands each one over.

    The event loop calls :meth:`data_received` only with bytes already read, so a large answer arriving slowly
    never blocks it; writes go through the transport's buffer for the same reason.
    """

    def __init__(self, on_frame: Callable[[Any], None], on_lost: Callable[[], None]) -> None:
        self._on_frame = on_frame
        self._on_lost = on_lost
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        """Collect bytes; hand over every complete frame."""
        if not self._buffer and len(data) >= _HEADER.size:
            # The usual case, one whole answer in one read: unpickled from the read bytes themselves. Collecting
            # it first copied a ~35 KB answer twice more (into the buffer, then out of it).
            (size,) = _HEADER.unpack_from(data)
            if len(data) == _HEADER.size + size:
                self._on_frame(pickle.loads(memoryview(data)[_HEADER.size :]))
                return
        self._buffer += data
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            end = _HEADER.size + size
            if len(self._buffer) < end:
                return
            message = pickle.loads(self._buffer[_HEADER.size : end])
            del self._buffer[:end]
            self._on_frame(message)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 (asyncio's signature; why does not matter)
        """The worker closed its end (it exited or was killed)."""
        self._on_lost()


def recv_frame(sock: socket.socket) -> Any:
    """Blocking read of one frame on the worker side; ``EOFError`` when the server closed the socket."""
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    return pickle.loads(_recv_exactly(sock, size))


def send_frame(sock: socket.socket, message: Any) -> None:
    """Blocking write of one frame on the worker side."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(body)) + body)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError("the server closed the worker's socket")
        got += n
    return bytes(buffer)


class CancelFlags:
    """One byte per worker seat in memory shared with the workers (an unlinked file mapped by both sides).

    The server sets a seat's byte to ask the job running there to stop; the running search polls it through its
    ``should_stop`` hook. One job runs per worker at a time, so one byte per seat is enough.
    """

    def __init__(self, seats: int) -> None:
        self.seats = seats
        if hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("corridor-cancel", 0)
        else:  # pragma: no cover - non-Linux
            import tempfile

            handle = tempfile.TemporaryFile()  # noqa: SIM115 - the descriptor outlives this scope on purpose
            self.fd = os.dup(handle.fileno())
            handle.close()
        os.ftruncate(self.fd, max(seats, 1))
        self.map = mmap.mmap(self.fd, max(seats, 1))

    def set(self, seat: int, value: int) -> None:
        """Set seat ``seat``'s byte (1 = stop)."""
        self.map[seat] = value

    def close(self) -> None:
        """Unmap and close (the workers keep their own mapping until they exit)."""
        self.map.close()
        os.close(self.fd)


@dataclass
class WorkerProcess:
    """A started worker: its process, the server's end of its socket and the seat its cancel byte lives at."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    seat: int

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.process.pid


def start_worker_process(seat: int, flags: CancelFlags, environment: Mapping[str, str] | None = None) -> WorkerProcess:
    """Start ``python -m engine.service.worker`` as a child of this process with one end of a socket pair, in
    ``environment`` (``None``: this process's).

    The worker is a direct child of the server (no forkserver in between), so there is no pool parent that can
    die on its own; a worker whose server dies gets SIGKILL from the kernel (``PR_SET_PDEATHSIG``) or, elsewhere,
    the end of its socket.
    """
    parent, child = socket.socketpair()
    try:
        command = [
            sys.executable,
            "-m",
            "engine.service.worker",
            str(child.fileno()),
            str(flags.fd),
            str(seat),
            str(os.getpid()),
        ]
        process = subprocess.Popen(  # our own interpreter and module, no shell
            command, pass_fds=(child.fileno(), flags.fd), stdin=subprocess.DEVNULL, env=environment
        )
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    return WorkerProcess(process, parent, seat)


def resident_bytes(pid: int) -> int | None:
    """Resident memory of process ``pid`` in bytes (``None`` when it has gone or /proc is not there)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_bytes().split()[1]) * PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return None


_own_statm: tuple[int, int] | None = None
"""(pid, descriptor of its /proc statm) for :func:`own_resident_bytes`."""


def own_resident_bytes() -> int | None:
    """Resident memory of this process in bytes, read from its /proc statm kept open (``None`` without /proc).

    A worker reports it after every job: opening the file each time cost ~18 µs a job, reading the kept
    descriptor ~2 µs. The descriptor is reopened if the process id changed (a fork) or a read failed.
    """
    global _own_statm  # one descriptor per process is the point
    pid = os.getpid()
    if _own_statm is not None and _own_statm[0] != pid:
        _forget_statm()  # the parent's, inherited through a fork
    for _attempt in range(2):  # a failed read reopens the file once: it must not switch the memory bound off
        try:
            if _own_statm is None:
                _own_statm = (pid, os.open(f"/proc/{pid}/statm", os.O_RDONLY | os.O_CLOEXEC))
            return int(os.pread(_own_statm[1], 128, 0).split()[1]) * PAGE_BYTES
        except (OSError, ValueError, IndexError):
            _forget_statm()
    return None


def _forget_statm() -> None:
    global _own_statm  # see own_resident_bytes
    if _own_statm is not None:
        with contextlib.suppress(OSError):
            os.close(_own_statm[1])
        _own_statm = None
