"""Study throughput: queries per second in-process, on a Dask ``local:1`` and ``local:2`` cluster, in one run.

The workload is the shipped ``china-europe-quarter`` study with weekly repeats *searched* (``deduplicate=False``),
so every query costs a real search; the number of weeks can be cut for a quick check
(``BENCH_STUDY_WEEKS=1 python -m benchmarks study``). Cluster start-up is timed apart from the run. Per-task
overhead is the round trip of an empty task on ``local:1`` (submit, schedule, run, return). The figures are
written, never asserted; the target is ``local:2`` ≥ 1.7 × ``local:1``.

Run: ``make bench BENCH=study`` (``python -m benchmarks study``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.machine import RESULTS, machine_info
from engine.network import Network, load_network
from engine.studies import Study, load_study, run_study
from engine.studies.dask_runner import DaskRunner
from engine.studies.run import DEFAULT_CHUNK_SIZE, Runner

STUDY = Path(__file__).resolve().parents[1] / "graphs" / "middle_corridor" / "studies" / "china-europe-quarter.yaml"


def _timed(study: Study, network: Network, runner: Runner | None, chunk_size: int) -> tuple[float, pl.DataFrame, int]:
    start = time.perf_counter()
    result = run_study(study, network, runner=runner, chunk_size=chunk_size, deduplicate=False)
    return time.perf_counter() - start, result.frame, result.stats.chunks


def _on_cluster(study: Study, network: Network, workers: int, chunk_size: int) -> dict[str, Any]:
    start = time.perf_counter()
    with DaskRunner(workers=workers) as runner:
        started = time.perf_counter() - start
        seconds, frame, chunks = _timed(study, network, runner, chunk_size)
    return {"start_s": started, "seconds": seconds, "frame": frame, "chunks": chunks}


def _task_overhead_ms(tasks: int = 200) -> float:
    """Round-trip time of an empty task on a local:1 cluster (submit → run → result), in ms per task."""
    with DaskRunner(workers=1) as runner:
        client = runner.client
        client.gather([client.submit(len, (), pure=False) for _ in range(10)])  # warm the connection
        start = time.perf_counter()
        client.gather([client.submit(len, (k,), pure=False) for k in range(tasks)])
        return 1000 * (time.perf_counter() - start) / tasks


def main() -> None:
    """Run the benchmark and write ``benchmarks/results/study.json`` and ``study.md``."""
    study = load_study(STUDY)
    weeks = int(os.environ.get("BENCH_STUDY_WEEKS", len(study.ready_times)))
    study = replace(study, ready_times=study.ready_times[:weeks])
    network = load_network(study.network_dir or STUDY.parent.parent)
    queries = study.query_count

    deduplicated = run_study(study, network)  # also warms imports and scenario application
    rows: list[dict[str, Any]] = []

    seconds, reference, chunks = _timed(study, network, None, DEFAULT_CHUNK_SIZE)
    rows.append({"runner": "in-process", "start_s": 0.0, "seconds": seconds, "chunks": chunks, "identical": True})
    for workers in (1, 2):
        run = _on_cluster(study, network, workers, DEFAULT_CHUNK_SIZE)
        rows.append(
            {
                "runner": f"local:{workers}",
                "start_s": run["start_s"],
                "seconds": run["seconds"],
                "chunks": run["chunks"],
                "identical": run["frame"].equals(reference),
            }
        )
    for row in rows:
        row["queries_per_s"] = queries / row["seconds"]
        print(
            f"study: {row['runner']}: {queries} queries in {row['seconds']:.2f} s = {row['queries_per_s']:.1f} "
            f"queries/s ({row['chunks']} chunks; cluster start {row['start_s']:.2f} s; identical {row['identical']})",
            flush=True,
        )
    by_runner = {row["runner"]: row for row in rows}
    speedup = by_runner["local:2"]["queries_per_s"] / by_runner["local:1"]["queries_per_s"]

    overhead_ms = _task_overhead_ms()
    per_query_ms = 1000 * by_runner["in-process"]["seconds"] / queries
    print(
        f"study: local:2 / local:1 = {speedup:.2f} (target ≥ 1.7); Dask overhead ≈ {overhead_ms:.1f} ms per task "
        f"against {per_query_ms:.1f} ms per query, so a chunk of {DEFAULT_CHUNK_SIZE} queries spends "
        f"{100 * overhead_ms / (overhead_ms + DEFAULT_CHUNK_SIZE * per_query_ms):.1f} % on overhead; weekly repeats "
        f"reused: {deduplicated.stats.repeats} of {queries} queries",
        flush=True,
    )
    result = {
        "benchmark": "study",
        "network": network.label,
        "machine": machine_info(),
        "study": study.name,
        "weeks": weeks,
        "queries": queries,
        "runs": rows,
        "local2_over_local1": speedup,
        "task_overhead_ms": overhead_ms,
        "in_process_ms_per_query": per_query_ms,
        "chunk_size": DEFAULT_CHUNK_SIZE,
        "weekly_repeats_reused": deduplicated.stats.repeats,
        "deduplicated_seconds": deduplicated.stats.seconds,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "study.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    m = result["machine"]
    lines = [
        "# Study throughput benchmark",
        "",
        f"Study `{study.name}` ({weeks} weeks, {queries} queries, weekly repeats searched), network "
        f"`{network.label}`. Run {m['when_utc']} on {m['cpu']} ({m['cores']} cores), Python {m['python']}, "
        f"distributed {m['libraries']['distributed']}, commit {m['git_commit']}. Produced by `make bench BENCH=study`.",
        "",
        "| runner | queries/s | s | chunks | cluster start s | identical rows |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['runner']} | {r['queries_per_s']:.1f} | {r['seconds']:.2f} | {r['chunks']} | {r['start_s']:.2f} | "
            f"{r['identical']} |"
            for r in rows
        ),
        "",
        f"local:2 / local:1 = {speedup:.2f} (target ≥ 1.7). Dask overhead ≈ {overhead_ms:.1f} ms per task against "
        f"{per_query_ms:.1f} ms per query in-process (chunks of {DEFAULT_CHUNK_SIZE}). With weekly repeats reused "
        f"the study searches {queries - deduplicated.stats.repeats} of {queries} queries in "
        f"{deduplicated.stats.seconds:.1f} s in-process.",
        "",
    ]
    (RESULTS / "study.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
