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
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc
from corridor.v1 import network_pb2, routing_pb2, study_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from engine.errors import CorridorError
from engine.network import Network, load_network
from engine.routing import search_memory_budget_bytes
from engine.service import worker
from engine.service.convert.network import network_info
from engine.service.limits import guarded_unary
from engine.service.pool import WorkerDied, WorkerPool
from engine.service.security import AccessConfig, exposure_warning, interceptors, server_credentials
from engine.service.served import ServedNetworks, served_networks
from engine.service.status import Failure, abort_with, failure_from_exception
from engine.service.study_server import StudyHandlers
from engine.service.work_limits import ByteBudget

log = logging.getLogger("corridor.service")

ROUTING_SERVICE = "corridor.v1.RoutingService"
NETWORK_SERVICE = "corridor.v1.NetworkService"
STUDY_SERVICE = "corridor.v1.StudyService"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_CONCURRENT_RPCS = 512
MAX_BYTES_IN_FLIGHT = 256 * 1024 * 1024
"""Request bytes the main process holds for calls being answered; a call that would go past it is refused
RESOURCE_EXHAUSTED at once (512 concurrent 15 MB requests would otherwise hold ~8 GB)."""
DEFAULT_WORKER_MEMORY_MB = 1024
"""A worker holding more than this after a job is replaced; twice this during a job, it is killed."""
SHUTDOWN_KILL_S = 1.0
"""After the grace period, how long workers get to stop before they are killed."""
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
    workers: int | None = None  # None = one per core
    grace_s: float = 30.0
    worker_memory_mb: int = DEFAULT_WORKER_MEMORY_MB  # 0 = no bound
    access: AccessConfig = field(default_factory=AccessConfig)
    scenario_files: Mapping[str, Path] = field(default_factory=dict)
    """Named scenarios (``--scenario NAME=FILE``), applied once at start and again on every reload."""

    @property
    def worker_count(self) -> int:
        """Worker processes to start."""
        return self.workers if self.workers is not None else os.cpu_count() or 1


def _log_call(method: str, status: str, started: float, request_id: str, peer: str, extra: str = "") -> None:
    """One JSON line for a call on the ``corridor.service`` logger.

    It costs ~8.5 us of the main process's ~600 us a call (written to /dev/null). Measured and not kept: turning off
    the logging module's caller, thread and process look-ups saves ~1.9 us; formatting the line by hand instead of
    ``json.dumps`` ~2 us: together under 1 % of the main process's CPU a call.
    """
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

    def __init__(self, pool: WorkerPool, budget: ByteBudget) -> None:
        self._pool = pool
        self._budget = budget

    async def find_routes(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("find_routes", f"/{ROUTING_SERVICE}/FindRoutes", payload, context)

    async def plan_shipment(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("plan_shipment", f"/{ROUTING_SERVICE}/PlanShipment", payload, context)

    async def assign_demand(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("assign_demand", f"/{STUDY_SERVICE}/AssignDemand", payload, context)

    async def list_nodes(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        # In a worker: matching a 15 MB query held the event loop (and the GIL, even from a thread) for a second.
        return await self._unary("list_nodes", f"/{NETWORK_SERVICE}/ListNodes", payload, context)

    async def list_links(self, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return await self._unary("list_links", f"/{NETWORK_SERVICE}/ListLinks", payload, context)

    async def _unary(
        self, job: str, method: str, payload: bytes, context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> bytes:
        """Run a unary job in a worker: its serialized response, or an abort with the rich status."""
        started = time.perf_counter()
        request_id = ""
        status = "OK"
        failure: Failure | None = None
        try:
            with self._budget.hold(len(payload)):
                response, failure, request_id = await self._pool.call(job, payload, _deadline(context))
            if failure is None:
                assert response is not None
                return bytes(response)
        except asyncio.CancelledError:
            status = "CANCELLED_OR_DEADLINE"
            raise
        except Exception as exc:  # never let a request take the server down (a lost worker included)
            failure = failure_from_exception(exc)
        finally:
            if failure is not None:
                status = failure.status
            _log_call(method, status, started, request_id, context.peer(), failure.correlation_id if failure else "")
        assert failure is not None
        return await abort_with(context, failure)  # abort_with never returns

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
                with self._budget.hold(len(payload)):
                    response, _failure, _request_id = await self._pool.call("stream_item", payload, deadline)
                await results.put(bytes(response))
            except WorkerDied as exc:
                await results.put(worker.stream_failure(payload, exc.failure))
            except CorridorError as exc:
                await results.put(worker.stream_failure(payload, failure_from_exception(exc)))
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


class NetworkServicer:
    """NetworkService.GetNetworkInfo, answered in the main process from a prepared response (ListNodes and
    ListLinks go to the workers, see :class:`RoutingHandlers`)."""

    def __init__(self, network: Network) -> None:
        self.replace(network)

    def replace(self, network: Network) -> None:
        """Answer from ``network`` from now on (after a reload)."""
        self.network = network
        self._info = network_info(network)

    async def get_network_info(
        self,
        _request: network_pb2.GetNetworkInfoRequest,  # empty: the answer depends on nothing in it
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> network_pb2.GetNetworkInfoResponse:
        """The prepared description of the network being served."""
        _log_call(f"/{NETWORK_SERVICE}/GetNetworkInfo", "OK", time.perf_counter(), "", context.peer())
        return self._info


@dataclass
class Running:
    """The parts of a running server that signals act on."""

    server: grpc.aio.Server
    pool: WorkerPool
    health: HealthServicer
    network_service: NetworkServicer
    stopping: bool = False


SERVICES = (ROUTING_SERVICE, NETWORK_SERVICE, STUDY_SERVICE)


def build_server(
    pool: WorkerPool, network: Network, access: AccessConfig | None = None
) -> tuple[grpc.aio.Server, HealthServicer, NetworkServicer]:
    """The grpc.aio server with every service registered (not bound, not started): the access interceptor (bearer
    tokens) when ``access`` asks for one, then the handlers (GetNetworkInfo with its request guard,
    :func:`~engine.service.limits.guarded_unary`); reflection only when ``access`` allows it."""
    access = access if access is not None else AccessConfig()
    server = grpc.aio.server(
        options=SERVER_OPTIONS,
        maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS,
        interceptors=interceptors(access) or None,
    )
    budget = ByteBudget(MAX_BYTES_IN_FLIGHT)
    routing = RoutingHandlers(pool, budget)
    studies = StudyHandlers(pool, budget, _log_call)
    network_service = NetworkServicer(network)
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
                STUDY_SERVICE,
                {
                    "AssignDemand": grpc.unary_unary_rpc_method_handler(routing.assign_demand),
                    "RunStudy": grpc.unary_stream_rpc_method_handler(studies.run_study),
                    "CompareScenarios": grpc.unary_unary_rpc_method_handler(studies.compare_scenarios),
                },
            ),
            grpc.method_handlers_generic_handler(
                NETWORK_SERVICE,
                {
                    "GetNetworkInfo": guarded_unary(
                        f"/{NETWORK_SERVICE}/GetNetworkInfo",
                        network_service.get_network_info,
                        network_pb2.GetNetworkInfoRequest.FromString,
                        network_pb2.GetNetworkInfoResponse.SerializeToString,
                    ),
                    "ListNodes": grpc.unary_unary_rpc_method_handler(routing.list_nodes),
                    "ListLinks": grpc.unary_unary_rpc_method_handler(routing.list_links),
                },
            ),
        )
    )
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    if access.reflection:
        names = (*SERVICES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME)
        # Reflection serves descriptors from the default pool; importing the messages registers them there.
        assert routing_pb2.DESCRIPTOR.services_by_name["RoutingService"].full_name == ROUTING_SERVICE
        assert study_pb2.DESCRIPTOR.services_by_name["StudyService"].full_name == STUDY_SERVICE
        reflection.enable_server_reflection(names, server)
    return server, health, network_service


def bind(server: grpc.aio.Server, address: str, credentials: grpc.ServerCredentials | None = None) -> int:
    """Listen on ``address`` (with TLS when ``credentials`` are given); the port bound, or 0 when it cannot be
    bound (in use, bad host)."""
    try:
        if credentials is not None:
            return server.add_secure_port(address, credentials)
        return server.add_insecure_port(address)
    except RuntimeError:  # grpcio raises "Failed to bind" where older versions returned 0
        return 0


async def serve(config: ServeConfig, out: TextIO = sys.stdout, network: Network | ServedNetworks | None = None) -> int:
    """Load the network (unless given) and apply its named scenarios, bind, start the workers, serve until
    SIGTERM/SIGINT, stop within the grace period, and return the exit code (0 stopped cleanly, 2 cannot listen, 3
    workers cannot start)."""
    if config.worker_count < 1:
        print(f"corridor serve: --workers must be at least 1, got {config.worker_count}", file=sys.stderr)
        return 2
    try:
        search_memory_budget_bytes()  # a malformed CORRIDOR_SEARCH_MEMORY_MB stops us here, not in every search
    except ValueError as exc:
        print(f"corridor serve: {exc}", file=sys.stderr)
        return 2
    credentials = server_credentials(config.access)  # bad TLS or token files stop us before any worker starts
    if not isinstance(network, ServedNetworks):
        loaded = network if network is not None else load_network(config.network_dir)
        network = served_networks(loaded, config.scenario_files)
    served, network = network, network.base
    pool = WorkerPool(served, config.worker_count, config.worker_memory_mb * 2**20)
    server, health, network_service = build_server(pool, network, config.access)
    port = bind(server, config.address, credentials)
    if port == 0:
        print(f"corridor serve: cannot listen on {config.address} (address in use or not local)", file=sys.stderr)
        return 2
    try:
        pids = await pool.start()
    except WorkerDied as exc:
        print(f"corridor serve: {exc}", file=sys.stderr)
        return 3
    running = Running(server, pool, health, network_service)
    loop = asyncio.get_running_loop()
    pool.on_alive_change(lambda alive: _track_task(loop.create_task(_set_health(running, alive))))
    await server.start()
    await _set_health(running, pool.alive)
    if (warning := exposure_warning(config.address, config.access)) is not None:
        print(warning, file=sys.stderr, flush=True)
    _print_banner(out, config.address, port, network, len(pids), config.access.tls)
    if served.scenarios:
        held = ", ".join(f"{name} ({n.label})" for name, n in served.scenarios.items())
        print(f"  scenarios (request field 'scenario'): {held}", file=out, flush=True)

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(
        signal.SIGHUP,
        lambda: _track_task(loop.create_task(reload_network(running, config.network_dir, config.scenario_files))),
    )
    await stop.wait()
    print(f"corridor serve: stopping (grace {config.grace_s:g} s)", file=out, flush=True)
    running.stopping = True
    await health.enter_graceful_shutdown()
    # server.stop cancels the calls still running at the end of the grace period; their workers get
    # SHUTDOWN_KILL_S to notice, then are killed, so the whole exit stays within grace + a second or two.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.stop(config.grace_s), config.grace_s + SHUTDOWN_KILL_S)
    await pool.shutdown(SHUTDOWN_KILL_S)
    print("corridor serve: stopped", file=out, flush=True)
    return 0


_BACKGROUND: set[asyncio.Task[Any]] = set()


def _track_task(task: asyncio.Task[Any]) -> None:
    """Keep a reference to a fire-and-forget task until it is done (the loop holds only weak ones)."""
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


async def _set_health(running: Running, alive: int) -> None:
    """SERVING while at least one worker can answer; NOT_SERVING while none can (or once stopping)."""
    if running.stopping:
        return
    serving = health_pb2.HealthCheckResponse.SERVING if alive else health_pb2.HealthCheckResponse.NOT_SERVING
    for service in ("", *SERVICES):
        await running.health.set(service, serving)


async def reload_network(running: Running, network_dir: Path, scenario_files: Mapping[str, Path] | None = None) -> bool:
    """SIGHUP: load ``network_dir`` again and re-apply the named scenarios (read again from their files); if all
    of it loads, serve it (workers roll over one by one); if not, keep serving the old one and log why. True when
    the new network is served."""
    old = running.network_service.network
    try:
        served = await asyncio.to_thread(_load_served, network_dir, scenario_files or {})
    except (CorridorError, OSError) as exc:
        log.error("reload refused, still serving %s: %s", old.label, exc)
        return False
    network = served.base
    running.network_service.replace(network)
    running.pool.reload(served)
    log.info("reload: serving %s (was %s); workers restart as they finish their calls", network.label, old.label)
    return True


def _load_served(network_dir: Path, scenario_files: Mapping[str, Path]) -> ServedNetworks:
    return served_networks(load_network(network_dir), scenario_files)


def _print_banner(out: TextIO, address: str, port: int, network: Network, workers: int, tls: bool) -> None:
    host = address.rsplit(":", 1)[0]
    where = f"{host}:{port}"
    plain = "-insecure" if tls else "-plaintext"  # -insecure: TLS without checking the certificate
    example = (
        '{"origin":"XIAN","destination":"DUISBURG","departure":"2026-12-01T00:00:00Z",'
        '"shipment":{"teu":2,"gross_weight_kg":20000},"constraints":{"avoid_countries":["RU","BY"]}}'
    )
    print(
        f"corridor serve: listening on {where} — network {network.label}, {workers} worker processes\n"
        f"  health: .venv/bin/grpcurl {plain} {where} grpc.health.v1.Health/Check\n"
        f"  list:   .venv/bin/grpcurl {plain} {where} list corridor.v1.RoutingService\n"
        f"  route:  .venv/bin/grpcurl {plain} -d '{example}' {where} corridor.v1.RoutingService/FindRoutes\n"
        "  reload: kill -HUP <pid> (a network that does not load is refused; the old one keeps serving)\n"
        "  stop:   Ctrl-C or SIGTERM (calls in flight get the grace period, then are stopped)",
        file=out,
        flush=True,
    )


def run(config: ServeConfig, network: Network | ServedNetworks | None = None) -> int:
    """Run :func:`serve` in a fresh event loop (the ``corridor serve`` entry point)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    return asyncio.run(serve(config, network=network))
