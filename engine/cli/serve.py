"""``corridor serve``: run the gRPC API (corridor.v1) on a network until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
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
    serve.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core)")
    serve.add_argument("--grace-s", type=float, default=30.0, help="seconds calls in flight get to finish on stop")
    serve.set_defaults(handler=_cmd_serve)


def _cmd_serve(args: argparse.Namespace, _out: TextIO) -> int:
    from engine.service.server import ServeConfig, run  # grpc is imported only when serving

    directory = network_dir(args.network)
    load_network(directory)  # fail fast, with file:line messages, before any process starts
    return run(ServeConfig(network_dir=directory, address=args.address, workers=args.workers, grace_s=args.grace_s))
