"""The worker pool on real processes: answers, replacement, the alive count health follows, bounded shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from engine.network import Network
from engine.service.pool import WorkerDied, WorkerPool, worker_environment


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_large_jobs_and_answers_cross_without_blocking(shipped_network: Network) -> None:
    async def scenario() -> list[bytes]:
        pool = WorkerPool(shipped_network, 1)
        await pool.start()
        try:
            big = os.urandom(8 << 20)  # far beyond any socket buffer, both ways, several queued on one worker
            return await asyncio.wait_for(asyncio.gather(*(pool.call("ping", big, None) for _ in range(3))), 60)
        finally:
            await pool.shutdown()

    answers = run(scenario())
    assert isinstance(answers, list)
    assert len(answers) == 3
    assert all(len(answer[0]) == 8 << 20 for answer in answers)


def test_a_killed_worker_fails_its_call_drops_alive_to_zero_and_is_replaced(shipped_network: Network) -> None:
    async def scenario() -> tuple[list[int], int, int]:
        pool = WorkerPool(shipped_network, 1)
        seen: list[int] = []
        pool.on_alive_change(seen.append)
        (first,) = await pool.start()
        os.kill(first, signal.SIGKILL)
        with pytest.raises(WorkerDied) as caught:
            await asyncio.wait_for(pool.call("ping", b"x", None), 60)  # the dead worker cannot answer
        end = time.monotonic() + 60
        while pool.alive == 0 and time.monotonic() < end:
            await asyncio.sleep(0.05)
        second = pool.pids[0]
        answer = await asyncio.wait_for(pool.call("ping", b"y", None), 60)
        await pool.shutdown()
        assert caught.value.failure.status == "UNAVAILABLE"
        assert answer[0] == b"y"
        return seen, first, second

    seen, first, second = run(scenario())  # type: ignore[misc]
    assert seen[:3] == [1, 0, 1]
    assert first != second


def test_shutdown_kills_a_worker_that_does_not_stop(shipped_network: Network) -> None:
    async def scenario() -> float:
        pool = WorkerPool(shipped_network, 1)
        (pid,) = await pool.start()
        os.kill(pid, signal.SIGSTOP)  # a worker that reads nothing and answers nothing
        call = asyncio.ensure_future(pool.call("ping", b"x", None))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await pool.shutdown(0.5)
        with pytest.raises(WorkerDied):
            await call
        return time.monotonic() - started

    assert run(scenario()) < 10  # type: ignore[operator]


def test_a_job_past_its_deadline_that_does_not_stop_loses_its_worker(shipped_network: Network) -> None:
    async def scenario() -> tuple[str, float, bool]:
        pool = WorkerPool(shipped_network, 1)
        (pid,) = await pool.start()
        os.kill(pid, signal.SIGSTOP)  # stands for a phase that never polls its deadline (a solver, a parser)
        started = time.monotonic()
        with pytest.raises(WorkerDied) as caught:
            await asyncio.wait_for(pool.call("ping", b"x", time.monotonic() + 0.5), 60)
        waited = time.monotonic() - started
        end = time.monotonic() + 60
        while pool.alive == 0 and time.monotonic() < end:
            await asyncio.sleep(0.05)
        replaced = pool.pids != [pid]
        await pool.shutdown()
        return caught.value.failure.status, waited, replaced

    status, waited, replaced = run(scenario())  # type: ignore[misc]
    assert status == "DEADLINE_EXCEEDED"
    assert waited < 30  # deadline 0.5 s + the 2 s stop slack, generously bounded
    assert replaced


def test_a_cancelled_job_that_does_not_stop_loses_its_worker(shipped_network: Network) -> None:
    async def scenario() -> tuple[int, list[int], bool]:
        pool = WorkerPool(shipped_network, 1)
        (pid,) = await pool.start()
        os.kill(pid, signal.SIGSTOP)  # never sees its cancel byte
        call = asyncio.ensure_future(pool.call("ping", b"x", None))  # no deadline: only the cancellation stops it
        await asyncio.sleep(0.2)
        call.cancel()
        end = time.monotonic() + 60
        while pool.pids in ([pid], []) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        pids = pool.pids
        await pool.shutdown()
        return pid, pids, call.cancelled()

    stopped, pids, cancelled = run(scenario())  # type: ignore[misc]
    assert cancelled
    assert len(pids) == 1
    assert stopped not in pids  # killed STOP_SLACK_S after the cancellation and replaced


def test_a_worker_past_its_memory_bound_is_replaced_without_a_gap(shipped_network: Network) -> None:
    async def scenario() -> tuple[list[int], int, list[int]]:
        # Every worker is past the bound after a job; none is killed mid-job (that is the contract test's).
        pool = WorkerPool(shipped_network, 1, memory_bound_bytes=1, memory_kill_factor=1e12)
        seen: list[int] = []
        pool.on_alive_change(seen.append)
        (first,) = await pool.start()
        assert (await asyncio.wait_for(pool.call("ping", b"x", None), 60))[0] == b"x"
        end = time.monotonic() + 60
        while first in pool.pids and time.monotonic() < end:
            await asyncio.sleep(0.05)
        pids = pool.pids
        await pool.shutdown()
        return seen, first, pids

    seen, first, pids = run(scenario())  # type: ignore[misc]
    assert first not in pids
    assert len(pids) == 1
    assert 0 not in seen  # the old worker answered until its replacement was ready


def test_two_quick_reloads_settle_on_the_last_network_alone(shipped_network: Network) -> None:
    async def scenario() -> tuple[set[int], list[int], bytes]:
        pool = WorkerPool(shipped_network, 2)
        first = await pool.start()
        pool.reload(shipped_network)
        await asyncio.sleep(0.1)  # the second generation is starting
        pool.reload(shipped_network)
        end = time.monotonic() + 90
        while (first & set(pool.pids) or len(pool.pids) != 2 or pool._starting.get(2)) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # nothing else is still on its way in
        pids = pool.pids
        generations = {w.generation for w in pool._all}
        answer = await asyncio.wait_for(pool.call("ping", b"z", None), 60)
        await pool.shutdown()
        assert generations == {2}
        return first, pids, answer[0]

    first, pids, answer = run(scenario())  # type: ignore[misc]
    assert len(pids) == 2
    assert not first & set(pids)
    assert answer == b"z"


def test_workers_bound_their_searches_by_the_memory_bound_unless_the_operator_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CORRIDOR_SEARCH_MEMORY_MB", raising=False)
    assert worker_environment(1536 << 20)["CORRIDOR_SEARCH_MEMORY_MB"] == "1536"
    assert "CORRIDOR_SEARCH_MEMORY_MB" not in worker_environment(0)  # no bound: the search's own default
    monkeypatch.setenv("CORRIDOR_SEARCH_MEMORY_MB", "300")
    assert worker_environment(1536 << 20)["CORRIDOR_SEARCH_MEMORY_MB"] == "300"
    assert worker_environment(1536 << 20)["PATH"] == os.environ["PATH"]
