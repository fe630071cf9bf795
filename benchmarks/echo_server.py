"""A bare grpcio echo server for bench_service: the same method path, no work, one fixed response.

It answers ``/corridor.v1.RoutingService/FindRoutes`` with a constant serialized response of a typical size, so
the load client sees the same transport costs as against ``corridor serve``. Prints
``echo: listening on HOST:PORT`` when ready; stops on SIGTERM.

``--workers N --hold-ms MS`` paces it like ``corridor serve`` with ``N`` workers taking ``MS`` ms a request: each
call queues for one of ``N`` places and is answered when its place has been held ``MS`` ms, counted in a virtual
time that does not drift (a call that waited starts when the previous one on its place ended, not when the event
loop woke; a sleep's timer is rounded up to the millisecond and ends late, and the next call catches up). So calls
end at ``N`` per ``MS`` ms, one at a time, as a pool of busy workers ends them, and the server does no work between
the timers' wake-ups. (A real pool's requests vary in length; these do not.) Unpaced, calls end as fast as the
client sends them and grpc's core and the event loop handle many per wake-up; paced, each call's events wake the
server and the client on their own, which costs each of them more CPU per call (``service.md`` gives both).
The paced server's CPU per call is therefore what the gRPC layer alone costs at that pace, with none of
``corridor serve``'s own code: ``service_realistic`` uses it for the ceiling of the served throughput ratio. It
runs with ``corridor serve``'s gRPC core setting (:mod:`engine.service.grpc_runtime`), as the load client does.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from engine.service.grpc_runtime import choose_core_experiments


async def serve(address: str, response: bytes, workers: int = 0, hold_s: float = 0.0) -> None:
    """Serve until SIGTERM/SIGINT; with ``workers`` > 0, each call holds one of ``workers`` places ``hold_s``
    seconds first."""
    import grpc  # loaded here, after the core's settings were chosen

    server = grpc.aio.server(options=[("grpc.max_send_message_length", 64 << 20)])
    loop = asyncio.get_running_loop()
    places: asyncio.Queue[int] = asyncio.Queue()
    for place in range(workers):
        places.put_nowait(place)
    free_at = [0.0] * workers  # when each place's last call ends, in the loop's (virtual) time

    async def echo(_request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        if workers > 0:
            arrived = loop.time()
            place = await places.get()
            try:
                free_at[place] = max(arrived, free_at[place]) + hold_s
                await asyncio.sleep(max(0.0, free_at[place] - loop.time()))
            finally:
                places.put_nowait(place)
        return response

    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "corridor.v1.RoutingService", {"FindRoutes": grpc.unary_unary_rpc_method_handler(echo)}
            ),
        )
    )
    port = server.add_insecure_port(address)
    await server.start()
    print(f"echo: listening on {address.rsplit(':', 1)[0]}:{port}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop(1)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ADDRESS [--workers N --hold-ms MS]; the response's bytes come as hex on standard input."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.echo_server")
    parser.add_argument("address")
    parser.add_argument("--workers", type=int, default=0, help="places a call waits for (0: unpaced)")
    parser.add_argument("--hold-ms", type=float, default=0.0, help="milliseconds a call keeps its place")
    args = parser.parse_args(argv)
    if args.workers < 0 or args.hold_ms < 0:
        parser.error("--workers and --hold-ms must be at least 0")
    if args.hold_ms > 0 and args.workers == 0:
        parser.error("--hold-ms needs --workers (the places a call waits for)")
    choose_core_experiments()  # before grpc loads: the core reads it once
    response = bytes.fromhex(sys.stdin.read().strip())
    asyncio.run(serve(args.address, response, args.workers, args.hold_ms / 1000))


if __name__ == "__main__":
    main()
