"""The realistic mix in process, in one process per core at the same time (run by ``service_realistic``).

The CPU limit of the service benchmark is ``cores ÷ in-process mean``, the mean measured in one process while the
other core idles. Served, every core is busy (two workers, the server's event loop, the load client), and a core
shared that way does less work per second than an idle machine's: caches and the host's other tenants are shared.
This measures what ``cores`` processes doing exactly a worker's in-process work, with no transport, deliver
together — the served throughput's ceiling on this machine with every core busy — so the report can say how much
of the gap to the limit is transport and how much is the machine.

Run as ``python -m benchmarks.service_inproc NETWORK_DIR REQUESTS_FILE``: loads and warms like a worker (compiled
network, compiled search, one warm pass, ``gc.freeze()``), prints ``ready``, waits for a line on stdin, times
``PASSES`` passes over the requests and prints one JSON object (requests, wall seconds, CPU seconds).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PASSES = 2


def main() -> None:
    """Entry point: NETWORK_DIR REQUESTS_FILE."""
    from benchmarks.load_client import read_requests
    from benchmarks.service_realistic import worker_times
    from engine.network import load_network
    from engine.routing import warm_up_kernel
    from engine.routing.model import compile_network

    network = load_network(Path(sys.argv[1]))
    payloads = read_requests(Path(sys.argv[2]))
    compile_network(network)
    warm_up_kernel()
    worker_times(network, payloads)
    gc.freeze()
    print("ready", flush=True)
    sys.stdin.readline()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(PASSES):
        worker_times(network, payloads)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"requests": PASSES * len(payloads), "wall_s": wall, "cpu_s": cpu}), flush=True)


def all_cores_busy(network_dir: Path, requests_file: Path, cores: int) -> dict[str, Any]:
    """Start ``cores`` processes of :func:`main`, release them together once all are warm, and return their
    throughput together (every request over the longest wall time) with the mean time per request each one saw."""
    command = [sys.executable, "-m", "benchmarks.service_inproc", str(network_dir), str(requests_file)]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(cores)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                msg = "an in-process benchmark process did not start"
                raise RuntimeError(msg)
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = [json.loads(process.communicate(timeout=1800)[0]) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return {
        "processes": cores,
        # every request over the longest wall time: once one process finishes, the other has a core to itself
        "throughput_rps": round(sum(o["requests"] for o in outcomes) / max(o["wall_s"] for o in outcomes), 2),
        "mean_ms": round(1000 * sum(o["wall_s"] for o in outcomes) / sum(o["requests"] for o in outcomes), 3),
        "cpu_ms_mean": round(1000 * sum(o["cpu_s"] for o in outcomes) / sum(o["requests"] for o in outcomes), 3),
    }


if __name__ == "__main__":
    main()
