"""``corridor serve``: run the gRPC API (corridor.v1) on a network until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
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
    serve.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core)")
    serve.add_argument("--grace-s", type=float, default=30.0, help="seconds calls in flight get to finish on stop")
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
    from engine.service.security import AccessConfig, interceptors, server_credentials
    from engine.service.server import ServeConfig, run  # grpc is imported only when serving

    directory = network_dir(args.network)
    access = AccessConfig(
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
        auth_token_file=args.auth_token_file,
        reflection=not args.no_reflection,
    )
    server_credentials(access)  # fail fast on bad TLS or token files, before the network loads
    interceptors(access)
    load_network(directory)  # fail fast, with file:line messages, before any process starts
    config = ServeConfig(
        network_dir=directory, address=args.address, workers=args.workers, grace_s=args.grace_s, access=access
    )
    return run(config)
