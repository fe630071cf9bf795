"""A bare grpcio echo server for bench_service: the same method path, no work, one fixed response.

It answers ``/corridor.v1.RoutingService/FindRoutes`` with a constant serialized response of a typical size, so
the load client sees the same transport costs as against ``corridor serve``. Prints
``echo: listening on HOST:PORT`` when ready; stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import grpc


async def serve(address: str, response: bytes) -> None:
    """Serve until SIGTERM/SIGINT."""
    server = grpc.aio.server(options=[("grpc.max_send_message_length", 64 << 20)])

    async def echo(_request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
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
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop(1)


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], bytes.fromhex(sys.stdin.read().strip())))
