"""Soak: ``corridor serve`` under a steady realistic load for minutes, watching errors, latency and memory.

``make soak`` (10 minutes) or ``python -m benchmarks.soak --duration-s 600``. The load is the China → Europe mix
analysts send: the seven Chinese origins of the shipped demand study to its six European destinations, each
query PARETO (5 routes), CHEAPEST or FASTEST, some avoiding Russia and Belarus, departures over four weeks; one
call in ten is a StreamRoutes batch of five, and one in twenty is a PARETO call the client cancels after 20 ms.

First the peak is measured (as many unary calls as ``PEAK_CONCURRENCY`` callers can complete), then calls are
issued on a fixed schedule at 80 % of it in queries per second (a StreamRoutes batch counts its five queries).
Every window (a minute; a sixth of the run when shorter) reports calls, errors (anything but OK, and CANCELLED
for the cancelled calls), p50/p99 latency of the unary calls, and the resident memory of the server and of every
worker. Memory growth compares the last window with the first (after warm-up).
Writes ``benchmarks/results/soak.json`` and ``soak.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from corridor.v1 import routing_pb2, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from benchmarks.machine import RESULTS, machine_info, percentile
from engine.network.paths import default_network_dir

ORIGINS = ("XIAN", "URUMQI", "CHONGQING", "CHENGDU", "ZHENGZHOU", "YIWU", "LIANYUNGANG")
DESTINATIONS = ("ISTANBUL", "BUDAPEST", "POTI", "DUISBURG", "ALAT", "MERSIN", "HAMBURG", "PRAGUE", "WARSAW")
OBJECTIVES = ((types_pb2.OBJECTIVE_PARETO, 5), (types_pb2.OBJECTIVE_CHEAPEST, 1), (types_pb2.OBJECTIVE_FASTEST, 1))
FIND = "/corridor.v1.RoutingService/FindRoutes"
STREAM = "/corridor.v1.RoutingService/StreamRoutes"
PEAK_CONCURRENCY = 8
LOAD_SHARE = 0.8
CALL_TIMEOUT_S = 30.0
CANCEL_AFTER_S = 0.02
QUERIES_PER_CALL = (17 + 2 * 5 + 1) / 20
"""Queries per call of the schedule below: of every 20 calls, 17 unary, 2 StreamRoutes batches of five, 1 cancelled.
(Before the compiled search the workers were the bottleneck and counting calls hid this; with cheap queries a call
rate of 80 % of the unary peak is 112 % of it in queries.)"""


def requests() -> list[routing_pb2.FindRoutesRequest]:
    """The realistic mix, in a fixed order (deterministic from run to run)."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    mix = []
    for i, (origin, destination) in enumerate(itertools.product(ORIGINS, DESTINATIONS)):
        for day in range(0, 28, 7):
            objective, max_routes = OBJECTIVES[(i + day) % len(OBJECTIVES)]
            departure = Timestamp()
            departure.FromDatetime(start + timedelta(days=day + i % 7))
            avoid = ["RU", "BY"] if (i + day) % 2 else []
            mix.append(
                routing_pb2.FindRoutesRequest(
                    origin=origin,
                    destination=destination,
                    departure=departure,
                    shipment=types_pb2.Shipment(teu=1 + i % 4, gross_weight_kg=10_000.0 * (1 + i % 4)),
                    objective=objective,
                    max_routes=max_routes,
                    constraints=types_pb2.Constraints(avoid_countries=avoid),
                    request_id=f"soak-{origin}-{destination}-{day}",
                )
            )
    return mix


@dataclass
class Window:
    """What one window of the soak saw."""

    started_s: float
    latencies_ms: list[float] = field(default_factory=list)
    calls: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)

    def report(self, rss: dict[str, int]) -> dict[str, Any]:
        """The window as one JSON-able row."""
        return {
            "t_s": round(self.started_s),
            "calls": self.calls,
            "cancelled": self.cancelled,
            "errors": len(self.errors),
            "first_errors": sorted(set(self.errors))[:3],
            "p50_ms": round(percentile(self.latencies_ms, 50), 2) if self.latencies_ms else None,
            "p99_ms": round(percentile(self.latencies_ms, 99), 2) if self.latencies_ms else None,
            "rss_mb": {name: round(size / 2**20, 1) for name, size in rss.items()},
        }


def process_rss(server_pid: int) -> dict[str, int]:
    """Resident bytes of the server and each of its live child processes, by ``server``/``worker <pid>``."""
    from engine.service.transport import resident_bytes

    sizes = {"server": resident_bytes(server_pid) or 0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == server_pid and fields[0] != "Z":
            pid = int(stat.parent.name)
            sizes[f"worker {pid}"] = resident_bytes(pid) or 0
    return sizes


async def _find(channel: grpc.aio.Channel, payload: bytes, window: Window) -> None:
    started = time.perf_counter()
    try:
        await channel.unary_unary(FIND)(payload, timeout=CALL_TIMEOUT_S)
    except grpc.aio.AioRpcError as exc:
        window.errors.append(f"FindRoutes {exc.code().name}: {exc.details()}")
    window.latencies_ms.append((time.perf_counter() - started) * 1000)
    window.calls += 1


async def _stream(channel: grpc.aio.Channel, payloads: list[bytes], window: Window) -> None:
    wrapped = [routing_pb2.StreamRoutesRequest(request=routing_pb2.FindRoutesRequest.FromString(p)) for p in payloads]
    try:
        call = channel.stream_stream(STREAM)(iter([w.SerializeToString() for w in wrapped]), timeout=CALL_TIMEOUT_S)
        answers = [routing_pb2.StreamRoutesResponse.FromString(a) async for a in call]
        window.errors.extend(f"StreamRoutes item: {a.error.message}" for a in answers if a.HasField("error"))
        if len(answers) != len(payloads):
            window.errors.append(f"StreamRoutes: {len(answers)} answers to {len(payloads)} requests")
    except grpc.aio.AioRpcError as exc:
        window.errors.append(f"StreamRoutes {exc.code().name}: {exc.details()}")
    window.calls += 1


async def _cancelled(channel: grpc.aio.Channel, payload: bytes, window: Window) -> None:
    call = channel.unary_unary(FIND)(payload, timeout=CALL_TIMEOUT_S)
    await asyncio.sleep(CANCEL_AFTER_S)
    call.cancel()
    try:
        await call
    except asyncio.CancelledError:
        pass
    except grpc.aio.AioRpcError as exc:
        if exc.code() is not grpc.StatusCode.CANCELLED:
            window.errors.append(f"cancelled FindRoutes {exc.code().name}: {exc.details()}")
    window.cancelled += 1
    window.calls += 1


async def measure_peak(address: str, payloads: list[bytes], seconds: float) -> float:
    """Unary FindRoutes per second that :data:`PEAK_CONCURRENCY` closed-loop callers complete."""
    async with grpc.aio.insecure_channel(address) as channel:
        window = Window(0.0)
        end = time.monotonic() + seconds
        counter = itertools.count()

        async def caller() -> None:
            while time.monotonic() < end:
                await _find(channel, payloads[next(counter) % len(payloads)], window)

        started = time.monotonic()
        await asyncio.gather(*(caller() for _ in range(PEAK_CONCURRENCY)))
        if window.errors:
            msg = f"errors while measuring the peak: {window.errors[:3]}"
            raise RuntimeError(msg)
        return window.calls / (time.monotonic() - started)


async def soak(
    address: str, server_pid: int, duration_s: float, window_s: float, load_share: float = LOAD_SHARE
) -> dict[str, Any]:
    """Measure the peak, then load at ``load_share`` of it (80 % by default) for ``duration_s``; the report (see
    the module docstring)."""
    mix = [r.SerializeToString() for r in requests()]
    peak = await measure_peak(address, mix, min(30.0, max(5.0, duration_s / 10)))
    # The peak counts queries (one per unary call); a stream call carries five: the share is of queries per second.
    rate = load_share * peak / QUERIES_PER_CALL
    windows: list[dict[str, Any]] = []
    pending: set[asyncio.Task[None]] = set()
    async with grpc.aio.insecure_channel(address) as channel:
        started = time.monotonic()
        window = Window(0.0)
        for n in itertools.count():
            due = started + n / rate
            now = time.monotonic()
            if now - started >= duration_s:
                break
            if now - started >= window.started_s + window_s:
                await asyncio.sleep(0)
                windows.append(window.report(process_rss(server_pid)))
                print(json.dumps(windows[-1]), file=sys.stderr, flush=True)
                window = Window(now - started)
            if due > now:
                await asyncio.sleep(due - now)
            payload = mix[n % len(mix)]
            if n % 20 == 7:
                coroutine = _cancelled(channel, payload, window)
            elif n % 10 == 3:
                coroutine = _stream(channel, [mix[(n + k) % len(mix)] for k in range(5)], window)
            else:
                coroutine = _find(channel, payload, window)
            task = asyncio.create_task(coroutine)
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        windows.append(window.report(process_rss(server_pid)))
    first, last = windows[0]["rss_mb"], windows[-1]["rss_mb"]
    total_first, total_last = sum(first.values()), sum(last.values())
    return {
        "peak_rps": round(peak, 1),
        "rate_rps": round(rate, 1),
        "duration_s": duration_s,
        "calls": sum(w["calls"] for w in windows),
        "errors": sum(w["errors"] for w in windows),
        "windows": windows,
        "rss_total_first_mb": round(total_first, 1),
        "rss_total_last_mb": round(total_last, 1),
        "rss_growth": round(total_last / total_first - 1, 4) if total_first else None,
        "server_rss_growth": round(last["server"] / first["server"] - 1, 4) if first["server"] else None,
    }


def markdown(result: dict[str, Any]) -> str:
    """The report as a table per window."""
    lines = [
        "# Soak",
        "",
        f"{result['duration_s']:g} s at {result['rate_rps']} calls/s (80 % of the measured peak "
        f"{result['peak_rps']} FindRoutes/s) on the China → Europe mix, with StreamRoutes batches and "
        f"cancellations; {result['calls']} calls, **{result['errors']} errors**; resident memory of all processes "
        f"{result['rss_total_first_mb']} → {result['rss_total_last_mb']} MB "
        f"(growth {100 * (result['rss_growth'] or 0):.1f} %). Produced by `make soak`.",
        "",
        "| t (s) | calls | cancelled | errors | p50 ms | p99 ms | RSS MB (server; workers) |",
        "|---|---|---|---|---|---|---|",
    ]
    for w in result["windows"]:
        rss = w["rss_mb"]
        workers = "; ".join(f"{v}" for k, v in rss.items() if k != "server")
        lines.append(
            f"| {w['t_s']} | {w['calls']} | {w['cancelled']} | {w['errors']} | {w['p50_ms']} | {w['p99_ms']} | "
            f"{rss['server']}; {workers} |"
        )
    return "\n".join([*lines, ""])


def main() -> None:
    """Start ``corridor serve`` on the shipped network, soak it, stop it, write the report."""
    from tests.contract.conftest import start_server  # the same launcher the contract tests use

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration-s", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    running = start_server(default_network_dir(), args.workers)
    try:
        window_s = 60.0 if args.duration_s >= 360 else args.duration_s / 6
        result = asyncio.run(soak(running.address, running.process.pid, args.duration_s, window_s))
    finally:
        running.stop()
    result |= {"machine": machine_info(), "workers": args.workers}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "soak.md").write_text(markdown(result), encoding="utf-8")
    print(
        f"soak: {result['calls']} calls at {result['rate_rps']}/s, {result['errors']} errors, "
        f"RSS growth {100 * (result['rss_growth'] or 0):.1f} %"
    )
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
