"""Worker processes for CPU-bound requests, driven from the asyncio event loop, that cannot deadlock the server.

Transport (``engine/service/transport.py``): each worker is a direct child process holding one end of a socket
pair; the server reads and writes through asyncio streams, so a large job or answer never blocks the event loop.
**One job is in flight per worker**: a worker gets its next job only after its answer has been read, so neither
side can wait on the other with full buffers (the previous design queued a second job in each busy worker's pipe
with a blocking send from the event loop; a large job plus a large answer froze the whole server). Jobs wait in
one shared queue and go to whichever worker is free.

Every worker is started from the **network snapshot this process holds in memory** (sent as the first frame), never
from the network directory, so a restarted worker answers from the same version as the others. A watchdog
replaces workers that exit, are killed, or outgrow the memory bound; the pool reports how many workers are alive
so health can say NOT_SERVING while none is.

Deadlines and cancellation are honoured in every phase of a job: a running search polls its deadline and a shared
cancel byte (``should_stop``) and usually stops within milliseconds; a job still running ``STOP_SLACK_S`` after its
deadline or cancellation (inside a solver, a parser, a model build) has its worker killed and replaced.

Measured and not kept: workers at ``nice +5``, so that the event loop would get a core sooner when it wakes (the
realistic mix served, 6 interleaved pairs at load ~4: medians 352 against 315 req/s, within the run-to-run range
258-447; the loop was preempted as often, 1.4 against 1.1 times a call), and it would cost the workers their
share of a machine whose cores other processes want.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.network import Network
from engine.service.served import ServedNetworks
from engine.service.status import CallFailed, Failure
from engine.service.transport import (
    CancelFlags,
    FrameProtocol,
    WorkerProcess,
    encode_frame,
    resident_bytes,
    start_worker_process,
)

log = logging.getLogger("corridor.service")

STOP_SLACK_S = 2.0
"""How long a job may run past its deadline or cancellation before its worker is killed (by the watchdog, within
:data:`WATCH_INTERVAL_S` after that)."""
WATCH_INTERVAL_S = 0.25
"""How often the watchdog looks at the workers."""
START_TIMEOUT_S = 120.0
"""How long a new worker may take to say it holds the network."""
RECYCLED = -1
"""Generation of a worker past its memory bound: replaced as soon as a new worker is ready."""
MEMORY_KILL_FACTOR = 2.0
"""A worker is recycled after a job once it holds more than the memory bound, killed mid-job beyond this factor."""


def worker_environment(memory_bound_bytes: int) -> dict[str, str]:
    """A worker's environment: this process's, with a compiled search's memory budget (``CORRIDOR_SEARCH_MEMORY_MB``,
    :func:`engine.routing.kernel.search_memory_budget_bytes`) set to the worker's memory bound unless the operator
    set one. A search that would outgrow it then stops itself with RESOURCE_EXHAUSTED and says what to narrow,
    rather than growing its worker past twice the bound, where the watchdog kills it mid-job."""
    environment = dict(os.environ)
    if memory_bound_bytes > 0 and "CORRIDOR_SEARCH_MEMORY_MB" not in environment:
        environment["CORRIDOR_SEARCH_MEMORY_MB"] = str(max(1, memory_bound_bytes >> 20))
    return environment


class WorkerDied(CallFailed):
    """The worker running a job was lost before answering; ``failure`` is what the client should be told."""


@dataclass(eq=False)
class _Job:
    method: str
    payload: bytes
    deadline: float | None
    future: asyncio.Future[Any]


@dataclass(eq=False)
class _Worker:
    proc: WorkerProcess
    generation: int
    transport: asyncio.Transport | None = None
    started: asyncio.Future[Any] | None = None
    ready: bool = False
    job: _Job | None = None
    stop_by: float | None = None
    """When the job in flight is overdue (``time.monotonic()``): its deadline, or its cancellation, plus
    :data:`STOP_SLACK_S`; the watchdog kills the worker after that."""
    stop_reason: str = "deadline"
    retiring: bool = False
    gone: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def idle(self) -> bool:
        return self.ready and not self.gone and not self.retiring and self.job is None


@dataclass
class WorkerPool:
    """``workers`` processes, each holding ``network``, answering ``worker.JOBS`` one job at a time.

    ``memory_bound_bytes`` (0 = none): a worker holding more after a job is replaced; one holding more than
    :data:`MEMORY_KILL_FACTOR` times as much during a job is killed and the call fails RESOURCE_EXHAUSTED.
    """

    network: Network | ServedNetworks
    """The first frame of every worker: a network, or the network with its named scenarios (``served.py``)."""
    workers: int
    memory_bound_bytes: int = 0
    memory_kill_factor: float = MEMORY_KILL_FACTOR
    _flags: CancelFlags | None = field(default=None, init=False)
    _free_seats: list[int] = field(default_factory=list, init=False)
    _pending: collections.deque[_Job] = field(default_factory=collections.deque, init=False)
    _all: list[_Worker] = field(default_factory=list, init=False)
    _generation: int = field(default=0, init=False)
    _closing: bool = field(default=False, init=False)
    _watchdog: asyncio.Task[None] | None = field(default=None, init=False)
    _spawn_failures: int = field(default=0, init=False)
    _next_spawn_at: float = field(default=0.0, init=False)
    _alive_seen: int = field(default=-1, init=False)
    _listeners: list[Callable[[int], None]] = field(default_factory=list, init=False)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set, init=False)
    _starting: dict[int, int] = field(default_factory=dict, init=False)
    _reaping: list[_Worker] = field(default_factory=list, init=False)
    """Lost workers whose exit has not been collected yet (shutdown waits for them too)."""
    """Workers being started, per generation (counted before their task runs, so none is started twice)."""

    async def start(self) -> set[int]:
        """Start every worker and wait until each holds the network; return their pids.

        Raises
        ------
        WorkerDied
            When a worker cannot start (the server should not serve without workers).
        """
        # Room for the serving generation, the next one starting, and one more started before a second reload.
        seats = 4 * self.workers
        self._flags = CancelFlags(seats)
        self._free_seats = list(range(seats - 1, -1, -1))
        started = await asyncio.gather(*(self._spawn() for _ in range(self.workers)))
        if not all(started):
            await self.shutdown(1.0)
            raise WorkerDied(Failure("UNAVAILABLE", "a worker process could not start; see the log"))
        self._watchdog = asyncio.create_task(self._watch())
        return set(self.pids)

    def on_alive_change(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(alive)`` whenever the number of workers ready to answer changes."""
        self._listeners.append(listener)

    @property
    def alive(self) -> int:
        """Workers ready to answer (not starting, not gone)."""
        return len(self.pids)

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers that are ready."""
        return [w.pid for w in self._all if w.ready and not w.gone]

    async def call(self, method: str, payload: bytes, deadline: float | None) -> Any:
        """Run ``worker.JOBS[method](payload, deadline, seat)`` in a free worker and return its outcome.

        If the awaiting task is cancelled (the client cancelled, or its deadline passed), a queued job is dropped
        and a running one is asked to stop, then killed after :data:`STOP_SLACK_S`.

        Raises
        ------
        WorkerDied
            The worker was lost (it died, was killed at the deadline, outgrew memory, or the pool is closing).
        """
        if self._closing:
            raise WorkerDied(Failure("UNAVAILABLE", "the server is stopping"))
        job = _Job(method, payload, deadline, asyncio.get_running_loop().create_future())
        self._pending.append(job)
        self._dispatch()
        try:
            return await job.future
        except asyncio.CancelledError:
            if job in self._pending:
                self._pending.remove(job)
            else:
                self._stop_job(job, "cancelled")
            raise

    def reload(self, network: Network | ServedNetworks) -> None:
        """Serve ``network`` from now on: start a new generation of workers; each one that becomes ready retires
        one old worker once that worker has answered its job in flight (every answer comes from one version)."""
        self.network = network
        self._generation += 1
        self._ensure_workers()

    # -- jobs ------------------------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Hand queued jobs to idle workers: one job in flight per worker, the next only after its answer."""
        assert self._flags is not None
        for worker in self._all:
            while self._pending and worker.idle:
                job = self._pending.popleft()
                if job.future.done():
                    continue  # the caller gave up while it waited
                assert worker.transport is not None
                worker.job = job
                self._flags.set(worker.proc.seat, 0)
                worker.transport.write(encode_frame((job.method, job.payload, job.deadline)))
                # The search stops itself at the deadline; one still running STOP_SLACK_S later is stuck in a phase
                # that does not poll (a solver, a parser) and the watchdog kills its worker.
                worker.stop_by = None if job.deadline is None else job.deadline + STOP_SLACK_S
                worker.stop_reason = "deadline"
            if not self._pending:
                return

    def _stop_job(self, job: _Job, reason: str) -> None:
        """The caller gave up on a running ``job``: raise its cancel byte; kill its worker if it goes on."""
        assert self._flags is not None
        for worker in self._all:
            if worker.job is job:
                self._flags.set(worker.proc.seat, 1)
                worker.stop_by, worker.stop_reason = time.monotonic() + STOP_SLACK_S, reason

    def _overdue(self, worker: _Worker, job: _Job, reason: str) -> None:
        if worker.job is not job or worker.gone:
            return
        log.warning("worker %s still busy %.0f s after the %s; killing it", worker.pid, STOP_SLACK_S, reason)
        self._lose(worker, kill=True)
        status = "CANCELLED" if reason == "cancelled" else "DEADLINE_EXCEEDED"
        self._fail(job, Failure(status, f"the work was stopped: {reason}"))
        self._ensure_workers()

    def _on_frame(self, worker: _Worker, message: Any) -> None:
        if not worker.ready:
            if worker.started is not None and not worker.started.done():
                worker.started.set_result(message)
            return
        outcome, resident = message
        job, worker.job, worker.stop_by = worker.job, None, None
        if job is not None and not job.future.done():
            job.future.set_result(outcome)
        if worker.retiring:
            self._lose(worker, kill=False)
        elif self.memory_bound_bytes and resident is not None and resident > self.memory_bound_bytes:
            if worker.generation != RECYCLED:
                log.warning(
                    "worker %s holds %d MB after a job (bound %d MB); replacing it",
                    worker.pid,
                    resident >> 20,
                    self.memory_bound_bytes >> 20,
                )
            # It goes on answering until its replacement is ready and then retires like a worker of an older
            # network (see reload), so a recycle never leaves the pool without a worker.
            worker.generation = RECYCLED
            self._ensure_workers()
        self._dispatch()

    def _on_lost(self, worker: _Worker) -> None:
        if worker.started is not None and not worker.started.done():
            worker.started.set_result(None)  # no pid: the worker closed its socket before it was ready
        if worker.gone:
            return
        log.error("worker %s died (exit code %s); starting a new one", worker.pid, worker.proc.process.poll())
        job = worker.job
        self._lose(worker, kill=True)
        if job is not None:
            self._fail(job, worker_lost_failure(worker))
        self._ensure_workers()

    def _fail(self, job: _Job, failure: Failure) -> None:
        if not job.future.done():
            job.future.set_exception(WorkerDied(failure))

    # -- workers ---------------------------------------------------------------------------------------------

    async def _spawn(self, counted: int | None = None) -> bool:
        """Start one worker of the current generation; ``counted``: the generation whose start count to settle."""
        try:
            return await self._start_one()
        finally:
            if counted is not None:
                self._starting[counted] -= 1

    async def _start_one(self) -> bool:
        assert self._flags is not None
        if not self._free_seats:
            return False
        seat = self._free_seats.pop()
        try:
            proc = start_worker_process(seat, self._flags, worker_environment(self.memory_bound_bytes))
        except OSError as exc:
            self._free_seats.append(seat)
            log.error("cannot start a worker process: %s", exc)
            return False
        loop = asyncio.get_running_loop()
        worker = _Worker(proc, self._generation, started=loop.create_future())
        self._all.append(worker)
        try:
            on_frame, on_lost = functools.partial(self._on_frame, worker), functools.partial(self._on_lost, worker)
            protocol = FrameProtocol(on_frame, on_lost)
            transport, _ = await loop.create_connection(lambda: protocol, sock=proc.sock)
            worker.transport = transport
            transport.write(encode_frame(self.network))
            assert worker.started is not None
            pid = await asyncio.wait_for(worker.started, START_TIMEOUT_S)
            if pid != proc.pid:
                raise EOFError("the worker closed its socket before it was ready")
        except (OSError, EOFError, TimeoutError) as exc:
            log.error("worker %s did not start (%s; exit code %s)", proc.pid, exc, proc.process.poll())
            self._lose(worker, kill=True)
            self._spawn_failures += 1
            self._next_spawn_at = time.monotonic() + min(30.0, 0.5 * 2**self._spawn_failures)
            return False
        self._spawn_failures = 0
        if worker.generation != self._generation:
            self._lose(worker, kill=False)  # another reload came while it started: it holds a stale network
            return False
        worker.ready = True
        self._retire_one_old()
        self._alive_changed()
        self._dispatch()
        return True

    def _retire_one_old(self) -> None:
        old = [w for w in self._all if w.generation != self._generation and not w.gone and not w.retiring]
        if not old:
            return
        old.sort(key=lambda w: w.job is not None)  # idle first
        worker = old[0]
        worker.retiring = True
        if worker.job is None:
            self._lose(worker, kill=False)

    def _ensure_workers(self) -> None:
        if self._closing or time.monotonic() < self._next_spawn_at:
            return
        current = [w for w in self._all if w.generation == self._generation and not w.gone and not w.retiring]
        for _ in range(self.workers - len(current) - self._starting.get(self._generation, 0)):
            self._starting[self._generation] = self._starting.get(self._generation, 0) + 1
            self._track(self._spawn(self._generation))

    def _track(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _lose(self, worker: _Worker, *, kill: bool) -> None:
        """Forget ``worker``: close its socket (an idle worker exits on it), kill it if asked, free its seat."""
        if worker.gone:
            return
        worker.gone = True
        if kill:
            with contextlib.suppress(ProcessLookupError):
                worker.proc.process.kill()
        if worker.transport is not None:
            worker.transport.close()
        else:
            worker.proc.sock.close()
        if worker in self._all:
            self._all.remove(worker)
        self._reaping.append(worker)
        self._track(self._reap(worker))
        self._alive_changed()

    async def _reap(self, worker: _Worker) -> None:
        """Wait for a lost worker's exit (so no zombie stays), killing it if it lingers."""
        for _ in range(int(5 / WATCH_INTERVAL_S)):
            if worker.proc.process.poll() is not None:
                break
            await asyncio.sleep(WATCH_INTERVAL_S)
        else:
            with contextlib.suppress(ProcessLookupError):
                worker.proc.process.kill()
            await asyncio.to_thread(worker.proc.process.wait)
        self._free_seats.append(worker.proc.seat)
        self._reaping.remove(worker)

    def _alive_changed(self) -> None:
        alive = self.alive
        if alive != self._alive_seen:
            self._alive_seen = alive
            for listener in self._listeners:
                listener(alive)

    # -- watchdog --------------------------------------------------------------------------------------------

    async def _watch(self) -> None:
        """Replace exited workers, kill overdue and runaway ones, keep ``workers`` of the current generation running.

        Overdue jobs are found here rather than by a timer per job: scheduling and cancelling a timer for every
        job cost the event loop a heap push and a cancelled entry per request; a stuck worker is now killed
        within :data:`WATCH_INTERVAL_S` after :data:`STOP_SLACK_S`.
        """
        while not self._closing:
            for worker in list(self._all):
                if not worker.ready or worker.gone:
                    continue
                code = worker.proc.process.poll()
                if code is not None:
                    self._on_lost(worker)
                    continue
                job = worker.job
                if job is not None and worker.stop_by is not None and time.monotonic() >= worker.stop_by:
                    self._overdue(worker, job, worker.stop_reason)
                    continue
                limit = self.memory_bound_bytes * self.memory_kill_factor
                if job is not None and limit:
                    resident = resident_bytes(worker.pid)
                    if resident is not None and resident > limit:
                        log.error("worker %s holds %d MB mid-job; killing it", worker.pid, resident >> 20)
                        self._lose(worker, kill=True)
                        message = (
                            f"the request needed more than {limit / 2**20:,.0f} MB in a worker; "
                            "ask for less (a shorter horizon, fewer rows)"
                        )
                        self._fail(job, Failure("RESOURCE_EXHAUSTED", message))
            self._ensure_workers()
            await asyncio.sleep(WATCH_INTERVAL_S)

    async def shutdown(self, timeout_s: float = 1.0) -> None:
        """Stop: refuse new jobs, fail queued ones, ask running jobs to stop, close every socket (idle workers
        exit on it) and kill whatever is still running after ``timeout_s``."""
        self._closing = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        while self._pending:
            self._fail(self._pending.popleft(), Failure("UNAVAILABLE", "the server is stopping"))
        for task in list(self._tasks):  # reapers included: the loop below collects every exit itself
            task.cancel()
        workers = [*self._all, *self._reaping]
        for worker in workers:
            worker.gone = True  # losing the socket now is expected, not a death to report
            if self._flags is not None:
                self._flags.set(worker.proc.seat, 1)
            if worker.job is not None:
                self._fail(worker.job, Failure("UNAVAILABLE", "the server is stopping"))
            if worker.transport is not None:
                worker.transport.close()
        end = time.monotonic() + timeout_s
        while time.monotonic() < end and any(w.proc.process.poll() is None for w in workers):
            await asyncio.sleep(0.05)
        for worker in workers:
            if worker.proc.process.poll() is None:
                log.warning("worker %s still running %.1f s after the stop; killing it", worker.pid, timeout_s)
                with contextlib.suppress(ProcessLookupError):
                    worker.proc.process.kill()
            await asyncio.to_thread(worker.proc.process.wait)
        self._all.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def worker_lost_failure(worker: _Worker) -> Failure:
    """What a client hears when the worker answering it died."""
    return Failure("UNAVAILABLE", f"worker process {worker.pid} died while answering; retry the call")
