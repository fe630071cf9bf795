"""Empty round trips per second through the worker pool, and cancellation latency
(``python -m benchmarks.bench_transport``).

The ``ping`` job echoes its payload, so the first figure is the cost of one job's trip (queue, frame out, pickle,
frame back) at 1, 8 and 64 callers on 2 workers. The second is how long after a client cancels a search that would
run for minutes (the far end of the contract tests' endless ladder) its only worker answers again. One line per figure.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.network import load_network
from engine.network.paths import default_network_dir
from engine.service.pool import WorkerPool

CALLS = 20_000


async def measure(workers: int = 2) -> list[tuple[int, float]]:
    """(concurrency, round trips per second) for 1, 8 and 64 concurrent callers."""
    pool = WorkerPool(load_network(default_network_dir()), workers)
    await pool.start()

    async def caller(n: int) -> None:
        for _ in range(n):
            await pool.call("ping", b"", None)

    figures = []
    try:
        for concurrency in (1, 8, 64):
            per_caller = CALLS // concurrency
            started = time.perf_counter()
            await asyncio.gather(*(caller(per_caller) for _ in range(concurrency)))
            figures.append((concurrency, per_caller * concurrency / (time.perf_counter() - started)))
    finally:
        await pool.shutdown()
    return figures


async def cancellation_ms(repeats: int = 5) -> list[float]:
    """Milliseconds from cancelling a minutes-long search to its worker answering a ping, ``repeats`` times."""
    from corridor.v1 import routing_pb2, types_pb2
    from google.protobuf.timestamp_pb2 import Timestamp

    from tests.contract.conftest import ENDLESS_RUNG, ENDLESS_RUNGS
    from tests.contract.ladder import write_ladder

    with tempfile.TemporaryDirectory() as scratch:
        network = load_network(write_ladder(Path(scratch) / "ladder_endless", rungs=ENDLESS_RUNGS))
    ready = Timestamp()
    ready.FromDatetime(datetime(2026, 12, 1, tzinfo=UTC))
    shipment = types_pb2.Shipment(teu=1, gross_weight_kg=10_000)
    search = routing_pb2.FindRoutesRequest(
        origin="R0", destination=ENDLESS_RUNG, departure=ready, shipment=shipment
    ).SerializeToString()
    pool = WorkerPool(network, 1)
    await pool.start()
    figures = []
    try:
        for _ in range(repeats):
            running = asyncio.ensure_future(pool.call("find_routes", search, None))
            await asyncio.sleep(0.5)
            started = time.perf_counter()
            running.cancel()
            await pool.call("ping", b"", None)
            figures.append((time.perf_counter() - started) * 1000)
    finally:
        await pool.shutdown()
    return figures


def main() -> None:
    """Print the figures."""
    for concurrency, rate in asyncio.run(measure()):
        print(f"concurrency {concurrency:>2}: {rate:,.0f} empty round trips/s")
    latencies = asyncio.run(cancellation_ms())
    print(
        f"cancellation: the worker answers again {statistics.median(latencies):.1f} ms after the cancel "
        f"(median of {len(latencies)}; max {max(latencies):.1f} ms)"
    )


if __name__ == "__main__":
    main()
