"""Load benchmark of the gRPC server: ``corridor serve`` against a bare grpcio echo server, same client, same run.

The client (its own process, one channel, ``CONCURRENCY`` calls in flight) replays a fixed mix of FindRoutes
requests from the routing benchmark's seeded set (half PARETO with 5 routes, a third CHEAPEST, the rest FASTEST).
The same harness first drives a bare grpcio echo server (no work, a typical response), then ``corridor serve``.

The limit for this mix is min(echo throughput, cores ÷ in-process mean query time), both measured in this run;
the report gives measured throughput ÷ that limit (target ≥ 0.7) and the p99 latency (target ≤ 50 ms). The server
is warmed with one pass of the mix first, as a running server is.

A second load in the same run, the realistic China → Europe mix at 8 in flight on 2 channels with the in-process
time split into parse, search, convert and serialize, is :mod:`benchmarks.service_realistic`.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from corridor.v1 import routing_pb2, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from benchmarks.bench_routing import make_queries
from benchmarks.load_client import write_requests
from benchmarks.machine import RESULTS, machine_info, percentile
from engine.network import load_network
from engine.network.paths import default_network_dir
from engine.routing import Objective, RouteQuery, find_routes
from engine.service.convert.routing import find_routes_response

CONCURRENCY = 8
REQUESTS = 720
RUNS = 3
"""Load runs per server; the report takes the run with the median throughput."""
READY_LINE = re.compile(r"listening on (127\.0\.0\.1:\d+)")
OBJECTIVES = {
    Objective.PARETO: types_pb2.OBJECTIVE_PARETO,
    Objective.CHEAPEST: types_pb2.OBJECTIVE_CHEAPEST,
    Objective.FASTEST: types_pb2.OBJECTIVE_FASTEST,
}


def query_mix(queries: list[RouteQuery]) -> list[RouteQuery]:
    """The fixed mix: every 6 queries, 3 PARETO (5 routes), 2 CHEAPEST (1 route), 1 FASTEST (1 route)."""
    pattern = [(Objective.PARETO, 5)] * 3 + [(Objective.CHEAPEST, 1)] * 2 + [(Objective.FASTEST, 1)]
    mix = []
    for i, q in enumerate(queries):
        objective, max_routes = pattern[i % len(pattern)]
        mix.append(RouteQuery(q.origin, q.destination, q.ready, q.shipment, objective, max_routes=max_routes))
    return mix


def _constraints(query: RouteQuery) -> types_pb2.Constraints | None:
    """The constraints the realistic mix uses (avoided countries, via nodes, transfer cap, deadline)."""
    c = query.constraints
    if not (c.avoid_countries or c.via or c.max_transfers is not None or c.arrive_by is not None):
        return None
    message = types_pb2.Constraints(avoid_countries=sorted(c.avoid_countries), via=c.via)
    if c.max_transfers is not None:
        message.max_transfers = c.max_transfers
    if c.arrive_by is not None:
        message.arrive_by.FromDatetime(c.arrive_by)
    return message


def to_request(query: RouteQuery, request_id: str) -> routing_pb2.FindRoutesRequest:
    """The request a client would send for ``query`` (its avoided countries, via nodes, transfer cap and deadline
    included)."""
    departure = Timestamp()
    departure.FromDatetime(query.ready)
    return routing_pb2.FindRoutesRequest(
        origin=query.origin,
        destination=query.destination,
        departure=departure,
        shipment=types_pb2.Shipment(teu=query.shipment.teu, gross_weight_kg=query.shipment.gross_weight_kg),
        objective=OBJECTIVES[query.objective],
        max_routes=query.max_routes,
        request_id=request_id,
        constraints=_constraints(query),
    )


def launch(command: list[str], stdin: str | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin is not None and process.stdout is not None
    if stdin is not None:
        process.stdin.write(stdin)
    process.stdin.close()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = READY_LINE.search(line)
        if match:
            return process, match.group(1)
    process.kill()
    msg = f"{command[:4]} did not start"
    raise RuntimeError(msg)


def load(address: str, requests_file: Path, concurrency: int = CONCURRENCY, channels: int = 1) -> dict[str, Any]:
    """Replay ``requests_file`` against ``address`` from a client process; throughput, p50/p95/p99, errors."""
    command = [sys.executable, "-m", "benchmarks.load_client", address, str(requests_file), str(concurrency)]
    result = subprocess.run(
        [*command, str(channels)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    outcome: dict[str, Any] = json.loads(result.stdout)
    latencies = outcome.pop("latencies_ms")
    statuses = outcome.pop("statuses")
    outcome["p50_ms"] = round(percentile(latencies, 50), 3)
    outcome["p95_ms"] = round(percentile(latencies, 95), 3)
    outcome["p99_ms"] = round(percentile(latencies, 99), 3)
    outcome["errors"] = sum(1 for s in statuses if s != "OK")
    outcome["throughput_rps"] = round(outcome["throughput_rps"], 2)
    outcome["wall_s"] = round(outcome["wall_s"], 3)
    outcome["client_cpu_s"] = round(outcome["client_cpu_s"], 3)
    return outcome


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput, with every run's throughput alongside."""
    ordered = sorted(runs, key=lambda r: r["throughput_rps"])
    return ordered[len(ordered) // 2] | {"runs_throughput_rps": [r["throughput_rps"] for r in runs]}


def shut(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    if process.stdout is not None:
        process.stdout.close()


def main() -> None:
    """Run the benchmark and write ``benchmarks/results/service.json`` and ``service.md``."""
    directory = default_network_dir()
    network = load_network(directory)
    mix = query_mix(make_queries(network))
    cores = os.cpu_count() or 1

    # In-process cost of the mix (warm caches, as in the server's workers).
    for query in mix:
        find_routes(network, query)
    times = []
    for query in mix:
        start = time.perf_counter()
        find_routes(network, query)
        times.append(time.perf_counter() - start)
    mean_s = statistics.fmean(times)
    cpu_limit = cores / mean_s

    requests = [to_request(mix[i % len(mix)], f"r{i}").SerializeToString() for i in range(REQUESTS)]
    median_query = sorted(mix, key=lambda q: times[mix.index(q)])[len(mix) // 2]
    typical = find_routes_response(find_routes(network, median_query), "echo").SerializeToString()

    with tempfile.TemporaryDirectory() as scratch:
        warm_file, load_file = Path(scratch) / "warm.bin", Path(scratch) / "load.bin"
        write_requests(warm_file, [to_request(q, f"w{i}").SerializeToString() for i, q in enumerate(mix)])
        write_requests(load_file, requests)

        echo, address = launch([sys.executable, "-m", "benchmarks.echo_server", "127.0.0.1:0"], typical.hex())
        try:
            echo_runs = [load(address, load_file) for _ in range(RUNS)]
        finally:
            shut(echo)

        server, address = launch(
            [
                sys.executable,
                "-m",
                "engine.cli",
                "serve",
                "--network",
                str(directory),
                "--address",
                "127.0.0.1:0",
                "--workers",
                str(cores),
            ]
        )
        try:
            load(address, warm_file)  # every worker warms its per-destination caches
            served_runs = [load(address, load_file) for _ in range(RUNS)]
        finally:
            shut(server)
    echo_result = median_run(echo_runs)
    served = median_run(served_runs)
    from benchmarks import service_realistic  # it uses this module's client and process helpers

    realistic = service_realistic.measure(network, directory, cores)

    limit = min(echo_result["throughput_rps"], cpu_limit)
    result = {
        "benchmark": "service",
        "network": network.label,
        "machine": machine_info(),
        "concurrency": CONCURRENCY,
        "requests": REQUESTS,
        "mix": "PARETO(5) 1/2, CHEAPEST(1) 1/3, FASTEST(1) 1/6 over 240 seeded OD/time/shipment queries",
        "in_process": {
            "mean_ms": round(mean_s * 1000, 3),
            "p50_ms": round(percentile(times, 50) * 1000, 3),
            "cpu_limit_rps": round(cpu_limit, 2),
            "cores": cores,
        },
        "echo": echo_result,
        "corridor_serve": served | {"workers": cores},
        "limit_rps": round(limit, 2),
        "throughput_over_limit": round(served["throughput_rps"] / limit, 3),
        "targets": {
            "throughput_ge_0.7_of_limit": served["throughput_rps"] / limit >= 0.7,
            "p99_le_50ms": served["p99_ms"] <= 50,
        },
        "realistic": realistic,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "service.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "service.md").write_text(_markdown(result), encoding="utf-8")
    print(
        f"service: corridor serve {served['throughput_rps']:.1f} req/s (p50 {served['p50_ms']:.1f} ms, p99 "
        f"{served['p99_ms']:.1f} ms); echo {echo_result['throughput_rps']:.0f} req/s; CPU limit {cpu_limit:.1f} "
        f"req/s; throughput/limit {result['throughput_over_limit']:.2f}; realistic: corridor serve "
        f"{realistic['corridor_serve']['throughput_rps']:.1f} req/s (p99 {realistic['corridor_serve']['p99_ms']:.1f} "
        f"ms), throughput/limit {realistic['throughput_over_limit']:.2f}"
    )


def _markdown(result: dict[str, Any]) -> str:
    from benchmarks import service_realistic  # it uses this module's client and process helpers

    m, served, echo, inproc = result["machine"], result["corridor_serve"], result["echo"], result["in_process"]
    return "\n".join(
        [
            "# Service load benchmark",
            "",
            f"Network `{result['network']}`; {result['requests']} FindRoutes calls, {result['concurrency']} in "
            "flight on one channel, client in its own process on the same machine. "
            f"Mix: {result['mix']}. Run {m['when_utc']} on {m['cpu']} ({m['cores']} cores), "
            f"grpcio {m['libraries']['grpcio']}, commit {m['git_commit']}. Produced by `make bench BENCH=service`.",
            "",
            f"Median of {len(served['runs_throughput_rps'])} runs per server (req/s of each run: echo "
            f"{echo['runs_throughput_rps']}, corridor serve {served['runs_throughput_rps']}).",
            "",
            "| server | req/s | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|",
            f"| bare grpcio echo (no work) | {echo['throughput_rps']:.1f} | {echo['p50_ms']:.2f} | "
            f"{echo['p99_ms']:.2f} | {echo['errors']} |",
            f"| corridor serve, {served['workers']} workers | {served['throughput_rps']:.1f} | "
            f"{served['p50_ms']:.2f} | {served['p99_ms']:.2f} | {served['errors']} |",
            "",
            f"In-process mean query time {inproc['mean_ms']:.3f} ms → CPU limit {inproc['cores']} cores ÷ mean = "
            f"{inproc['cpu_limit_rps']:.1f} req/s. Limit = min(echo, CPU limit) = {result['limit_rps']:.1f} req/s.",
            "",
            f"Measured throughput ÷ limit = **{result['throughput_over_limit']:.2f}** (target ≥ 0.7); p99 "
            f"{served['p99_ms']:.1f} ms (target ≤ 50 ms).",
            "",
            "Targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in result["targets"].items()),
            "",
            *service_realistic.markdown(result["realistic"]),
        ]
    )


if __name__ == "__main__":
    main()
