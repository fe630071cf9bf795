"""Empty round trips per second through the worker pool (``python -m benchmarks.bench_transport``).

Measures the transport alone: the ``ping`` job echoes its payload, so the figure is the cost of one job's trip
(queue, frame out, pickle, frame back) at 1, 8 and 64 callers on 2 workers. Prints one line per concurrency.
"""

from __future__ import annotations

import asyncio
import time

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


def main() -> None:
    """Print the figures."""
    for concurrency, rate in asyncio.run(measure()):
        print(f"concurrency {concurrency:>2}: {rate:,.0f} empty round trips/s")


if __name__ == "__main__":
    main()
