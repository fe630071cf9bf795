"""StudyService.RunStudy and CompareScenarios on the event loop: a study cut into chunks, run on the worker pool.

One worker plans the study (``study_plan`` in :mod:`engine.service.study_jobs`); its chunks then go to the pool
**at most one per worker at a time** (a study does not fill the shared queue, so other calls keep their turn
between its chunks), and RunStudy streams each chunk's rows as soon as it completes, followed by the progress so
far. A worker answers a chunk as one or more pieces, each a serialized ``RunStudyResponse`` small enough for a
default client (:mod:`engine.service.study_messages`), so a chunk may go out as several messages. The event loop
only moves bytes: a piece and the serialized progress fields are concatenated, which protobuf reads as one message
with both; a message over :data:`MAX_STUDY_MESSAGE_BYTES` is never sent (the call fails RESOURCE_EXHAUSTED).

A client's deadline or cancellation cancels this handler: chunks not yet sent are never sent, queued ones are
dropped and running ones are stopped through the workers' stop hook (:meth:`WorkerPool.call`).
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import grpc
from corridor.v1 import study_pb2

from engine.service.pool import WorkerPool
from engine.service.status import CallFailed, Failure, abort_with, failure_from_exception
from engine.service.study_jobs import StudyPlan, compare_payload, plan_payload
from engine.service.study_messages import MAX_STUDY_MESSAGE_BYTES, MessageTooLarge, Piece
from engine.service.work_limits import ByteBudget

STUDY_SERVICE = "corridor.v1.StudyService"


def _deadline(context: grpc.aio.ServicerContext[Any, Any]) -> float | None:
    remaining = context.time_remaining()
    return None if remaining is None else time.monotonic() + remaining


class StudyHandlers:
    """RunStudy and CompareScenarios over raw bytes."""

    def __init__(self, pool: WorkerPool, budget: ByteBudget, log_call: Any) -> None:
        self._pool = pool
        self._budget = budget
        self._log_call = log_call

    async def _answer(self, job: str, payload: bytes, deadline: float | None) -> bytes:
        response, failure, _request_id = await self._pool.call(job, payload, deadline)
        if failure is not None:
            raise CallFailed(failure)
        return bytes(response)

    async def _plan(self, payload: bytes, compare: bool, deadline: float | None) -> StudyPlan:
        with self._budget.hold(len(payload)):
            answer = await self._answer("study_plan", plan_payload(payload, compare, self._pool.workers), deadline)
        plan: StudyPlan = pickle.loads(answer)
        return plan

    async def _chunks(
        self, plan: StudyPlan, deadline: float | None, context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> AsyncIterator[Piece]:
        """Each chunk's pieces (serialized rows, queries completed) as it completes, one chunk per worker in flight.

        The chunks in flight are also cancelled when the call ends: a streaming handler cancelled while grpc
        writes its message is closed with GeneratorExit (or only collected later), which must not leave them
        running.
        """
        waiting = iter(plan.chunks)
        running: dict[asyncio.Task[bytes], int] = {}

        def stop_running(_context: grpc.aio.ServicerContext[bytes, bytes]) -> None:
            for task in list(running):
                task.cancel()  # WorkerPool.call drops a queued job and stops a running one

        def start_more() -> None:
            while len(running) < max(1, self._pool.workers) and (item := next(waiting, None)) is not None:
                payload, queries = item
                running[asyncio.create_task(self._answer("study_chunk", payload, deadline))] = queries

        context.add_done_callback(cast(Any, stop_running))  # the stubs type callbacks as a class, not a Protocol
        try:
            while True:
                start_more()
                if not running:
                    return
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                answers = [(task.result(), running.pop(task)) for task in finished]
                start_more()  # the workers search the next chunks while this one's messages are written
                for answer, queries in answers:
                    pieces: list[Piece] = pickle.loads(answer)  # made by the server's own worker
                    answered = sum(completed for _, completed in pieces)
                    if answered != queries:  # queries_done would be wrong: fail loudly (INTERNAL) instead
                        message = f"a chunk of {queries} queries answered {answered} in its pieces"
                        raise AssertionError(message)
                    for piece in pieces:
                        yield piece
        finally:
            for task in running:
                task.cancel()  # WorkerPool.call drops a queued job and stops a running one
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.gather(*running, return_exceptions=True)

    async def run_study(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> AsyncIterator[bytes]:
        """RunStudy: a first message with the number of queries, then rows and progress per completed chunk."""
        started = time.perf_counter()
        deadline = _deadline(context)
        # Read before any await: after a cancellation the cleanup awaits the workers, and grpc may have released
        # the call by then (suspected cause of one SIGSEGV of the server after a cancelled RunStudy).
        peer = context.peer()
        status, request_id = "OK", ""
        failure: Failure | None = None
        try:
            plan = await self._plan(payload, False, deadline)
            request_id = plan.request_id
            done = 0
            yield _progress(plan, done)
            async for rows, queries in self._chunks(plan, deadline, context):
                done += queries
                message = rows + _progress(plan, done)
                if len(message) > MAX_STUDY_MESSAGE_BYTES:  # the workers cut pieces to fit: never expected
                    raise MessageTooLarge("a RunStudy message", len(message))
                yield message
        except (asyncio.CancelledError, GeneratorExit):  # GeneratorExit: cancelled while grpc wrote a message
            status = "CANCELLED_OR_DEADLINE"
            raise
        except MessageTooLarge as exc:
            failure = exc.failure
        except Exception as exc:  # never let a request take the server down (a failed job or lost worker included)
            failure = failure_from_exception(exc)
        finally:
            if failure is not None:
                status = failure.status
            extra = failure.correlation_id if failure else ""
            self._log_call(f"/{STUDY_SERVICE}/RunStudy", status, started, request_id, peer, extra)
        if failure is not None:
            await abort_with(context, failure)

    async def compare_scenarios(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        """CompareScenarios: run the study's chunks, then compare the frames in a worker."""
        started = time.perf_counter()
        deadline = _deadline(context)
        # Read before any await: after a cancellation the cleanup awaits the workers, and grpc may have released
        # the call by then (suspected cause of one SIGSEGV of the server after a cancelled RunStudy).
        peer = context.peer()
        status, request_id = "OK", ""
        failure: Failure | None = None
        try:
            plan = await self._plan(payload, True, deadline)
            request_id = plan.request_id
            frames = [
                study_pb2.RunStudyResponse.FromString(rows).frame.arrow_ipc
                async for rows, _queries in self._chunks(plan, deadline, context)
            ]
            return await self._answer("study_compare", compare_payload(plan, frames), deadline)
        except asyncio.CancelledError:
            status = "CANCELLED_OR_DEADLINE"
            raise
        except Exception as exc:  # never let a request take the server down (a failed job or lost worker included)
            failure = failure_from_exception(exc)
        finally:
            if failure is not None:
                status = failure.status
            extra = failure.correlation_id if failure else ""
            self._log_call(f"/{STUDY_SERVICE}/CompareScenarios", status, started, request_id, peer, extra)
        assert failure is not None
        return await abort_with(context, failure)  # abort_with never returns


def _progress(plan: StudyPlan, done: int) -> bytes:
    return study_pb2.RunStudyResponse(
        request_id=plan.request_id, queries_done=done, queries_total=plan.queries_total
    ).SerializeToString()
