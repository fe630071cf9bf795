"""The ``corridor study`` subcommands: arguments → library calls (:mod:`engine.studies`) → files and text.

- ``corridor study run STUDY.yaml --out FILE.parquet|csv [--cluster local:N | --scheduler tcp://HOST:8786]`` —
  run a study; writes the route frame, and beside it ``<stem>.comparison.<ext>`` (deltas against the baseline)
  and ``<stem>.shares.<ext>`` (corridor shares by scenario). A progress bar is drawn when stderr is a terminal.
  Queries whose search stopped before it finished (``search_stopped``) are a warning on stderr; with ``--strict``
  the exit code is then 3 (every file is still written).
  With ``--assign [DEMAND.csv]`` the study's demand (its ``assign`` field, or the file given) is assigned on every
  scenario network and ``<stem>.utilisation``, ``<stem>.binding`` and ``<stem>.assignment`` (cost split and savings
  against the baseline) are written too (:mod:`engine.studies.assignment`).
- ``corridor study report RESULTS.parquet --out report.html`` — one self-contained HTML report, PNGs beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from engine.network import load_network
from engine.network.paths import default_network_dir


def add_study_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``study run`` and ``study report`` to the top-level subcommands."""
    study = commands.add_parser("study", help="run OD × dates × scenarios studies and report on them")
    study_commands = study.add_subparsers(title="study commands", metavar="COMMAND")

    run = study_commands.add_parser(
        "run",
        help="run a study file into a frame (Parquet or CSV) with a comparison against the baseline",
        description="Run every OD pair × ready time × scenario of STUDY (engine/studies/spec.py documents the "
        "file) and write one row per route.",
    )
    run.add_argument("study", type=Path, metavar="STUDY")
    run.add_argument("--out", type=Path, required=True, help="output file: .parquet or .csv")
    run.add_argument(
        "--network",
        type=Path,
        default=None,
        help=f"base network directory (default: the study's 'network', else {default_network_dir()})",
    )
    where = run.add_mutually_exclusive_group()
    where.add_argument("--cluster", default=None, metavar="local:N", help="start a local Dask cluster of N workers")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="use an existing Dask scheduler")
    run.add_argument("--chunk-size", type=int, default=None, help="queries per task (default 48)")
    run.add_argument(
        "--no-dedupe", action="store_true", help="search every ready time, even those that repeat by whole weeks"
    )
    run.add_argument(
        "--assign",
        nargs="?",
        const="",
        default=None,
        metavar="DEMAND.csv",
        help="also assign the demand (TEU/week) on every scenario under capacities: the study's 'assign' field, "
        "or this demand file; writes <stem>.utilisation, <stem>.binding and <stem>.assignment beside --out",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 (after writing every file) when a query has no answer because its search stopped before it "
        "finished (column search_stopped); without it such queries are a warning and the exit code is 0",
    )
    run.set_defaults(handler=_cmd_run)

    report = study_commands.add_parser(
        "report",
        help="write a self-contained HTML report (map, Pareto scatter, corridor shares) and PNG charts",
    )
    report.add_argument("results", type=Path, metavar="RESULTS.parquet")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write; PNGs go beside it")
    report.add_argument(
        "--network", type=Path, default=None, help=f"network drawn on the map (default: {default_network_dir()})"
    )
    report.set_defaults(handler=_cmd_report)


def _cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    import polars as pl

    from engine.errors import InvalidRequest
    from engine.studies import comparison_frame, corridor_shares, load_study, run_study, write_frame
    from engine.studies.run import DEFAULT_CHUNK_SIZE, InProcessRunner, Runner

    if args.out.suffix.lower() not in (".parquet", ".csv"):
        raise InvalidRequest.single("out", f"must end in .parquet or .csv, got {args.out.name!r}")
    chunk_size = DEFAULT_CHUNK_SIZE if args.chunk_size is None else args.chunk_size
    if chunk_size < 1:
        raise InvalidRequest.single("chunk-size", f"must be >= 1, got {chunk_size}")
    study = load_study(args.study)
    if args.assign == "" and study.assign is None:
        raise InvalidRequest.single(
            "assign", f"{args.study.name} has no 'assign' field: give the demand file, --assign DEMAND.csv"
        )
    network_dir = args.network or study.network_dir or default_network_dir()
    network = load_network(network_dir)

    bar = _progress_bar(study.query_count)
    last = [0]

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - last[0])
            last[0] = done

    try:
        if args.cluster is None and args.scheduler is None:
            runner: Runner = InProcessRunner()
            result = run_study(
                study,
                network,
                runner=runner,
                chunk_size=chunk_size,
                deduplicate=not args.no_dedupe,
                on_progress=progress,
            )
        else:
            from engine.studies.dask_runner import DaskRunner, parse_cluster

            workers = None if args.cluster is None else parse_cluster(args.cluster)
            with DaskRunner(workers=workers, scheduler=args.scheduler) as dask_runner:
                result = run_study(
                    study,
                    network,
                    runner=dask_runner,
                    chunk_size=chunk_size,
                    deduplicate=not args.no_dedupe,
                    on_progress=progress,
                )
    finally:
        if bar is not None:
            bar.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame = result.frame
    write_frame(frame, args.out)
    comparison_path = args.out.with_name(f"{args.out.stem}.comparison{args.out.suffix}")
    shares_path = args.out.with_name(f"{args.out.stem}.shares{args.out.suffix}")
    write_frame(comparison_frame(frame), comparison_path)
    write_frame(corridor_shares(frame), shares_path)
    stats = result.stats
    print(
        f"study {study.name}: {stats.queries} queries ({len(study.od_pairs)} OD pairs × {len(study.ready_times)} "
        f"ready times × {len(study.all_scenarios)} scenarios), {stats.searched} searched, {stats.repeats} repeats "
        f"of an earlier week reused; {frame.height} rows; {stats.runner}, {stats.chunks} chunks, "
        f"{stats.seconds:.1f} s",
        file=out,
    )
    print(f"wrote {args.out}, {comparison_path}, {shares_path}", file=out)
    if stats.stopped:
        first = frame.filter(pl.col("search_stopped").is_not_null()).row(0, named=True)
        print(
            f"warning: {stats.stopped} queries have no answer, their search stopped before it finished (column "
            f"search_stopped), e.g. {first['origin']} → {first['destination']}: {first['search_stopped']}",
            file=sys.stderr,
        )
    if args.assign is not None:
        _run_assignment(args, study, network, out)
    return 3 if args.strict and stats.stopped else 0


def _run_assignment(args: argparse.Namespace, study: Any, network: Any, out: TextIO) -> None:
    """``--assign``: the demand assignment per scenario, its frames beside ``--out`` and a summary in text."""
    from engine.studies import write_frame
    from engine.studies.assign_spec import StudyAssign
    from engine.studies.assignment import assign_study
    from engine.studies.run import study_networks

    spec = study.assign or StudyAssign(demand=Path(args.assign))
    demand_file = Path(args.assign) if args.assign else None
    result = assign_study(spec, study_networks(study, network), demand_file=demand_file)
    written = []
    for name, frame in (
        ("utilisation", result.utilisation),
        ("binding", result.binding),
        ("assignment", result.summary),
    ):
        path = args.out.with_name(f"{args.out.stem}.{name}{args.out.suffix}")
        write_frame(frame, path)
        written.append(str(path))
    print("assignment per scenario (USD/week; savings against the baseline, kept apart):", file=out)
    for row in result.summary.iter_rows(named=True):
        print(
            f"  {row['scenario']}: served {row['served_teu_per_week']:,.1f} TEU/week, unserved "
            f"{row['unserved_teu_per_week']:,.1f}; real cost {row['real_cost_usd_per_week']:,.0f}, time value "
            f"{row['time_value_usd_per_week']:,.0f}, unserved penalty {row['unserved_penalty_usd_per_week']:,.0f}; "
            f"saving: real {row['saving_real_cost_usd_per_week']:,.0f}, time "
            f"{row['saving_time_value_usd_per_week']:,.0f}, penalty "
            f"{row['saving_unserved_penalty_usd_per_week']:,.0f} "
            f"(real {row['saving_real_cost_usd_per_year']:,.0f} USD/year); "
            f"{row['binding_capacities']} binding capacities",
            file=out,
        )
    print("wrote " + ", ".join(written), file=out)


def _progress_bar(total: int) -> Any:
    """A tqdm bar on stderr when it is a terminal; ``None`` (silent) otherwise."""
    if not sys.stderr.isatty():
        return None
    import shutil

    from tqdm import tqdm

    # tqdm hides a bar on a terminal that reports no size (0×0, e.g. a fresh pty): give it the fallback size.
    size = shutil.get_terminal_size((100, 24))
    return tqdm(total=total, unit="query", desc="study", file=sys.stderr, ncols=size.columns, nrows=size.lines)


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    import polars as pl

    from engine.studies import read_frame
    from engine.studies.report import write_report

    frame = read_frame(args.results)
    network = load_network(args.network or default_network_dir())
    # A capacity-aware study (`study run --assign`) writes its link utilisation beside the rows.
    utilisation_file = args.results.with_name(f"{args.results.stem}.utilisation.parquet")
    utilisation = pl.read_parquet(utilisation_file) if utilisation_file.exists() else None
    written = write_report(frame, network, args.out, utilisation)
    shown = f" (link utilisation from {utilisation_file.name})" if utilisation is not None else ""
    print(f"wrote {args.out}{shown} and {len(written) - 1} PNG charts beside it", file=out)
    return 0
