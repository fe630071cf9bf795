"""``corridor serve``: run the gRPC API (corridor.v1) on a network until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from engine.cli.args import add_network_option, network_dir
from engine.network import load_network


def add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the top-level subcommands."""
    serve = commands.add_parser(
        "serve",
        help="serve the gRPC API (corridor.v1) on a network",
        description="Serve the corridor.v1 gRPC API. Stops on SIGTERM/SIGINT after calls in flight finish.",
    )
    add_network_option(serve)
    serve.add_argument("--address", default="127.0.0.1:50051", help="host:port to listen on (port 0 = any free port)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes, at least 1 (default: one per core)")
    serve.add_argument(
        "--grace-s",
        type=float,
        default=30.0,
        help="seconds calls in flight get to finish on stop; then they are stopped and the server exits",
    )
    serve.add_argument(
        "--worker-memory-mb",
        type=int,
        default=1024,
        help="replace a worker holding more than this after a call; kill one holding twice this; also each route "
        "search's memory budget unless CORRIDOR_SEARCH_MEMORY_MB is set (0 = no bound)",
    )
    serve.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a named scenario, applied once at start (and on reload); requests choose it by its name in the "
        "'scenario' field; repeatable",
    )
    access = serve.add_argument_group("access (see docs/OPERATIONS.md)")
    access.add_argument("--tls-cert", type=Path, default=None, metavar="FILE", help="PEM certificate chain: serve TLS")
    access.add_argument("--tls-key", type=Path, default=None, metavar="FILE", help="PEM private key of --tls-cert")
    access.add_argument(
        "--tls-client-ca", type=Path, default=None, metavar="FILE", help="PEM CA: require client certificates (mTLS)"
    )
    access.add_argument(
        "--auth-token-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="bearer tokens, one per line: every call but health needs 'authorization: Bearer <token>'",
    )
    access.add_argument("--no-reflection", action="store_true", help="do not offer gRPC server reflection")
    serve.set_defaults(handler=_cmd_serve)


def _cmd_serve(args: argparse.Namespace, _out: TextIO) -> int:
    from engine.service.grpc_runtime import choose_core_experiments

    choose_core_experiments()  # before anything imports grpc: its core reads the setting once, when it loads
    from engine.service.security import AccessConfig, interceptors, server_credentials
    from engine.service.served import served_networks
    from engine.service.server import ServeConfig, run  # grpc is imported only when serving

    directory = network_dir(args.network)
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    if args.worker_memory_mb < 0:
        print(f"error: --worker-memory-mb must be 0 (no bound) or more, got {args.worker_memory_mb}", file=sys.stderr)
        return 2
    access = AccessConfig(
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
        auth_token_file=args.auth_token_file,
        reflection=not args.no_reflection,
    )
    server_credentials(access)  # fail fast on bad TLS or token files, before the network loads
    interceptors(access)
    scenario_files = _scenario_files(args.scenario)
    if scenario_files is None:
        return 2
    try:
        network = load_network(directory)  # fail fast, with file:line messages, before any process starts
        # Every named scenario is read and applied now: a bad one stops the start with file:line (exit 1).
        served = served_networks(network, scenario_files)
    except OSError as exc:
        print(f"error: cannot read {exc.filename or directory}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    config = ServeConfig(
        network_dir=directory,
        address=args.address,
        workers=args.workers,
        grace_s=args.grace_s,
        worker_memory_mb=args.worker_memory_mb,
        access=access,
        scenario_files=scenario_files,
    )
    return run(config, served)


def _scenario_files(items: list[str]) -> dict[str, Path] | None:
    """``NAME=FILE`` options as a mapping; ``None`` (after saying why) when one is malformed or a name repeats."""
    files: dict[str, Path] = {}
    for item in items:
        name, sep, file = item.partition("=")
        name = name.strip()
        if not sep or not name or not file.strip():
            print(f"error: --scenario must be NAME=FILE, got {item[:80]!r}", file=sys.stderr)
            return None
        if name in files:
            print(f"error: --scenario {name!r} is given twice", file=sys.stderr)
            return None
        files[name] = Path(file.strip())
    return files
