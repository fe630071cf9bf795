"""``corridor serve``: the gRPC server (grpc.aio) with a warmed pool of worker processes.

Design (measured in ``research/tech-notes.md`` §3.1): searches are CPU-bound Python, so they run in worker
processes behind one ``grpc.aio`` event loop; every request is balanced over the workers, even when a client uses
a single channel. Routing requests travel to the workers as raw protobuf bytes, so the event loop only moves
bytes. The server also offers ``grpc.health.v1.Health`` (SERVING once the workers hold the network) and server
reflection, logs one JSON line per call, and on SIGTERM/SIGINT stops accepting calls, lets calls in flight
finish within the grace period and exits 0.

Keepalive (server side): a ping every 60 s on idle connections, 20 s to answer; clients may ping every 10 s at
most (more often earns a GOAWAY "too_many_pings"), also without calls in flight.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc
from corridor.v1 import network_pb2, network_pb2_grpc, routing_pb2, study_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from engine.network import Network, load_network
from engine.service import worker
from engine.service.convert.network import list_links, list_nodes, network_info
from engine.service.limits import RequestGuard
from engine.service.pool import WorkerDied, WorkerPool
from engine.service.security import AccessConfig, exposure_warning, interceptors, server_credentials
from engine.service.status import Failure, failure_from_exception, rich_status

log = logging.getLogger("corridor.service")

ROUTING_SERVICE = "corridor.v1.RoutingService"
NETWORK_SERVICE = "corridor.v1.NetworkService"
STUDY_SERVICE = "corridor.v1.StudyService"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_CONCURRENT_RPCS = 512
STREAM_IN_FLIGHT = 32
"""Requests of one StreamRoutes call being answered at once; the stream reads more as results go out."""

SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.so_reuseport", 0),
]


@dataclass(frozen=True)
class ServeConfig:
    """How to run the server."""

    network_dir: Path
    address: str = "127.0.0.1:50051"
    workers: int = 0  # 0 = one per core
    grace_s: float = 30.0
    access: AccessConfig = field(default_factory=AccessConfig)

    @property
    def worker_count(self) -> int:
        """Worker processes to start."""
        return self.workers or os.cpu_count() or 1


def _log_call(method: str, status: str, started: float, request_id: str, peer: str, extra: str = "") -> None:
    record = {
        "method": method,
        "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        "request_id": request_id[:128],  # a hostile id must not flood the log
        "peer": peer,
    }
    if extra:
        record["correlation_id"] = extra
    log.info(json.dumps(record))


def _deadline(context: grpc.aio.ServicerContext[Any, Any]) -> float | None:
    remaining = context.time_remaining()
    return None if remaining is None else time.monotonic() + remaining


class RoutingHandlers:
    """RoutingService and StudyService over raw bytes: requests go to the workers unparsed, responses come back
    serialized."""

    def __init__(self, pool: WorkerPool) -> None:
        self._pool = pool

    async def find_routes(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("find_routes", f"/{ROUTING_SERVICE}/FindRoutes", payload, context)

    async def plan_shipment(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("plan_shipment", f"/{ROUTING_SERVICE}/PlanShipment", payload, context)

    async def assign_demand(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("assign_demand", f"/{STUDY_SERVICE}/AssignDemand", payload, context)

    async def _unary(
        self, job: str, method: str, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> bytes:
        """Run a unary job in a worker: its serialized response, or an abort with the rich status."""
        started = time.perf_counter()
        request_id = ""
        status = "OK"
        failure: Failure | None = None
        try:
            response, failure, request_id = await self._pool.call(job, payload, _deadline(context))
            if failure is None:
                assert response is not None
                return bytes(response)
        except asyncio.CancelledError:
            status = "CANCELLED_OR_DEADLINE"
            raise
        except WorkerDied:
            failure = Failure("UNAVAILABLE", "a worker process died; retry the call")
        except Exception as exc:  # never let a request take the server down
            failure = failure_from_exception(exc)
        finally:
            if failure is not None:
                status = failure.status
            _log_call(method, status, started, request_id, context.peer(), failure.correlation_id if failure else "")
        assert failure is not None
        grpc_status = rich_status(failure)
        await context.abort(grpc_status.code, grpc_status.details, grpc_status.trailing_metadata)
        raise AssertionError("abort returns only by raising")  # pragma: no cover

    async def stream_routes(
        self, requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> AsyncIterator[bytes]:
        started = time.perf_counter()
        deadline = _deadline(context)
        results: asyncio.Queue[bytes | None] = asyncio.Queue()
        slots = asyncio.Semaphore(STREAM_IN_FLIGHT)
        answered = 0
        tasks: set[asyncio.Task[None]] = set()

        async def answer(payload: bytes) -> None:
            try:
                response, _failure, _request_id = await self._pool.call("stream_item", payload, deadline)
                await results.put(bytes(response))
            except WorkerDied:
                await results.put(worker.stream_failure(payload, Failure("UNAVAILABLE", "a worker process died")))
            finally:
                slots.release()

        async def read() -> None:
            try:
                async for payload in requests:
                    await slots.acquire()
                    task = asyncio.create_task(answer(payload))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                while tasks:
                    await asyncio.gather(*list(tasks))
            finally:
                await results.put(None)

        reader = asyncio.create_task(read())
        status = "OK"
        try:
            while (item := await results.get()) is not None:
                answered += 1
                yield item
            await reader
        except asyncio.CancelledError:
            status = "CANCELLED_OR_DEADLINE"
            raise
        finally:
            reader.cancel()
            for task in list(tasks):
                task.cancel()
            _log_call(f"/{ROUTING_SERVICE}/StreamRoutes", status, started, f"{answered} results", context.peer())


class NetworkServicer(network_pb2_grpc.NetworkServiceServicer):
    """NetworkService: cheap look-ups answered in the main process."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self._info = network_info(network)

    async def _answer(self, method: str, context: grpc.aio.ServicerContext[Any, Any], build: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            response = build()
        except Exception as exc:
            failure = failure_from_exception(exc)
            _log_call(method, failure.status, started, "", context.peer(), failure.correlation_id)
            grpc_status = rich_status(failure)
            await context.abort(grpc_status.code, grpc_status.details, grpc_status.trailing_metadata)
        _log_call(method, "OK", started, "", context.peer())
        return response

    async def GetNetworkInfo(  # noqa: N802 - gRPC method names
        self,
        request: network_pb2.GetNetworkInfoRequest,  # noqa: ARG002 - gRPC's servicer signature; the request is empty
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> network_pb2.GetNetworkInfoResponse:
        return await self._answer(f"/{NETWORK_SERVICE}/GetNetworkInfo", context, lambda: self._info)  # type: ignore[no-any-return]

    async def ListNodes(  # noqa: N802
        self, request: network_pb2.ListNodesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> network_pb2.ListNodesResponse:
        return await self._answer(  # type: ignore[no-any-return]
            f"/{NETWORK_SERVICE}/ListNodes", context, lambda: list_nodes(request, self._network)
        )

    async def ListLinks(  # noqa: N802
        self, request: network_pb2.ListLinksRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> network_pb2.ListLinksResponse:
        return await self._answer(  # type: ignore[no-any-return]
            f"/{NETWORK_SERVICE}/ListLinks", context, lambda: list_links(request, self._network)
        )


async def serve(config: ServeConfig, out: TextIO = sys.stdout) -> int:
    """Load the network, start the workers, serve until SIGTERM/SIGINT, drain, and return the exit code."""
    credentials = server_credentials(config.access)  # bad TLS or token files stop us before any worker starts
    access_interceptors = interceptors(config.access)
    network = load_network(config.network_dir)
    pool = WorkerPool(config.network_dir, config.worker_count)
    pids = await pool.start()

    server = grpc.aio.server(
        options=SERVER_OPTIONS,
        maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS,
        interceptors=[*access_interceptors, RequestGuard()],
    )
    routing = RoutingHandlers(pool)
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                ROUTING_SERVICE,
                {
                    "FindRoutes": grpc.unary_unary_rpc_method_handler(routing.find_routes),
                    "StreamRoutes": grpc.stream_stream_rpc_method_handler(routing.stream_routes),
                    "PlanShipment": grpc.unary_unary_rpc_method_handler(routing.plan_shipment),
                },
            ),
            grpc.method_handlers_generic_handler(
                STUDY_SERVICE, {"AssignDemand": grpc.unary_unary_rpc_method_handler(routing.assign_demand)}
            ),
        )
    )
    network_pb2_grpc.add_NetworkServiceServicer_to_server(NetworkServicer(network), server)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    if config.access.reflection:
        names = (
            ROUTING_SERVICE,
            NETWORK_SERVICE,
            STUDY_SERVICE,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        )
        # Reflection serves descriptors from the default pool; importing the messages registers them there.
        assert routing_pb2.DESCRIPTOR.services_by_name["RoutingService"].full_name == ROUTING_SERVICE
        assert study_pb2.DESCRIPTOR.services_by_name["StudyService"].full_name == STUDY_SERVICE
        reflection.enable_server_reflection(names, server)
    if credentials is None:
        port = server.add_insecure_port(config.address)
    else:
        port = server.add_secure_port(config.address, credentials)
    if (warning := exposure_warning(config.address, config.access)) is not None:
        print(warning, file=sys.stderr, flush=True)
    if port == 0:
        print(f"corridor serve: cannot listen on {config.address}", file=sys.stderr)
        pool.shutdown()
        return 2
    await server.start()
    for service in ("", ROUTING_SERVICE, NETWORK_SERVICE, STUDY_SERVICE):
        await health.set(service, health_pb2.HealthCheckResponse.SERVING)

    host = config.address.rsplit(":", 1)[0]
    where = f"{host}:{port}"
    plain = "-insecure" if config.access.tls else "-plaintext"  # -insecure: TLS without checking the certificate
    example = (
        '{"origin":"XIAN","destination":"DUISBURG","departure":"2026-12-01T00:00:00Z",'
        '"shipment":{"teu":2,"gross_weight_kg":20000},"constraints":{"avoid_countries":["RU","BY"]}}'
    )
    print(
        f"corridor serve: listening on {where} — network {network.label}, {len(pids)} worker processes\n"
        f"  health: .venv/bin/grpcurl {plain} {where} grpc.health.v1.Health/Check\n"
        f"  list:   .venv/bin/grpcurl {plain} {where} list corridor.v1.RoutingService\n"
        f"  route:  .venv/bin/grpcurl {plain} -d '{example}' {where} corridor.v1.RoutingService/FindRoutes\n"
        "  stop:   Ctrl-C or SIGTERM (calls in flight finish first)",
        file=out,
        flush=True,
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    print(f"corridor serve: stopping (grace {config.grace_s:g} s)", file=out, flush=True)
    await health.enter_graceful_shutdown()
    await server.stop(config.grace_s)
    pool.shutdown()
    print("corridor serve: stopped", file=out, flush=True)
    return 0


def run(config: ServeConfig) -> int:
    """Run :func:`serve` in a fresh event loop (the ``corridor serve`` entry point)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    return asyncio.run(serve(config))
