"""Load client for bench_service: replays serialized FindRoutes requests at a fixed concurrency over one or more
channels (the in-flight calls spread round-robin over them).

Run as its own process (``python -m benchmarks.load_client ADDRESS REQUESTS_FILE CONCURRENCY [CHANNELS]``); prints
one JSON object: wall time, throughput, the client's CPU time and every call's latency and status. Requests are
sent as raw bytes, so the client spends no time serializing, whichever server it talks to.

The client shares the cores with the server it measures, so its CPU counts against the served throughput: it runs
with the server's gRPC core setting (``engine/service/grpc_runtime.py``; unless ``GRPC_EXPERIMENTS`` is set), which
makes it cheaper. Measured against ``corridor serve`` on the realistic mix (8 in flight, 2 channels, ABAB): CPU
0.27-0.29 against 0.31-0.35 ms a call and 2.1 against 5.1 context switches; throughput 431-464 against 434-449 req/s
(medians 449 against 441, ahead in 4 of 5) in the pairs run while nothing else ran, 1.9 of the 2 cores busy; no
difference to be seen while other work shared the cores (medians of 8 pairs 379 against 390). Measured and not
kept: the blocking grpc API from 8 threads, 0.29-0.32 against 0.33 ms; HTTP/2 BDP probing off, 0.31-0.36 ms either
way.
"""

from __future__ import annotations

import asyncio
import json
import struct
import sys
import time
from pathlib import Path

from engine.service.grpc_runtime import choose_core_experiments

METHOD = "/corridor.v1.RoutingService/FindRoutes"


def read_requests(path: Path) -> list[bytes]:
    """Length-prefixed (4-byte big-endian) serialized requests."""
    data = path.read_bytes()
    requests, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack_from(">I", data, offset)
        requests.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return requests


def write_requests(path: Path, requests: list[bytes]) -> None:
    """Write requests for :func:`read_requests`."""
    path.write_bytes(b"".join(struct.pack(">I", len(r)) + r for r in requests))


async def run(address: str, requests: list[bytes], concurrency: int, channels: int = 1) -> dict[str, object]:
    """Send every request once, ``concurrency`` at a time over ``channels`` channels; return timings."""
    import grpc  # loaded here, after main() chose the core's settings

    latencies: list[float] = [0.0] * len(requests)
    statuses: list[str] = [""] * len(requests)
    # A distinct channel argument per channel keeps grpc from sharing one subchannel (one TCP connection) among them.
    opened = [
        grpc.aio.insecure_channel(
            address, options=[("grpc.max_receive_message_length", 64 << 20), ("grpc.channel_id", index)]
        )
        for index in range(channels)
    ]
    try:
        calls = [channel.unary_unary(METHOD) for channel in opened]
        for call in calls:
            await call(requests[0], timeout=60)  # connect and warm
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(len(requests)):
            queue.put_nowait(i)

        async def worker(call: grpc.aio.UnaryUnaryMultiCallable) -> None:
            while not queue.empty():
                i = queue.get_nowait()
                start = time.perf_counter()
                try:
                    await call(requests[i], timeout=60)
                    statuses[i] = "OK"
                except grpc.aio.AioRpcError as exc:
                    statuses[i] = exc.code().name
                latencies[i] = (time.perf_counter() - start) * 1000

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(calls[k % channels]) for k in range(concurrency)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        for channel in opened:
            await channel.close()
    return {
        "wall_s": wall,
        "throughput_rps": len(requests) / wall,
        "client_cpu_s": cpu,  # while the calls ran, not the start-up (imports, reading the file, connecting)
        "latencies_ms": latencies,
        "statuses": statuses,
    }


def main() -> None:
    """Entry point: ADDRESS REQUESTS_FILE CONCURRENCY [CHANNELS] (one channel by default)."""
    address, path, concurrency = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    channels = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    choose_core_experiments()  # before grpc loads: the core reads it once
    print(json.dumps(asyncio.run(run(address, read_requests(path), concurrency, channels))))


if __name__ == "__main__":
    main()
