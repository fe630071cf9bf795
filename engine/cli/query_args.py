"""The question of ``corridor route`` as arguments: the one parser from arguments to a :class:`RouteQuery`.

``corridor route`` uses it on the command line; the calibration harness (``corridor network calibrate``) on the
queries stored in ``calibration.csv``, so every option of the one works in the other.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from engine.cli.args import add_constraint_options, constraints_from_args, parse_containers, parse_time, resolve_node
from engine.errors import InvalidRequest
from engine.network import CargoClass, Network
from engine.routing import Objective, RouteQuery, Shipment, Weights

DEFAULT_KG_PER_TEU = 10_000.0
"""Gross weight assumed per TEU when ``--weight-kg`` is not given (loose cargo counts as one TEU's worth)."""


def add_query_arguments(route: argparse.ArgumentParser) -> None:
    """The arguments that make up the question (not the network or the output)."""
    route.add_argument("origin", metavar="ORIGIN")
    route.add_argument("destination", metavar="DEST")
    route.add_argument(
        "--ready", required=True, help="when the cargo is ready, ISO 8601 with a zone, e.g. 2026-12-01T00:00Z"
    )
    route.add_argument(
        "--teu", type=int, default=2, help="containers in TEU (a 40ft box is 2); 0 = loose cargo (default 2)"
    )
    route.add_argument(
        "--containers",
        default=None,
        metavar="TYPE:N,...",
        help="boxes by type, e.g. 40ft:1,20ft:2 (types 20ft, 40ft, 40ft_hc, 40ft_reefer); replaces --teu",
    )
    route.add_argument("--weight-kg", type=float, default=None, help="gross weight in kg (default 10,000 per TEU)")
    route.add_argument("--cargo-class", choices=[c.value for c in CargoClass], default="general")
    route.add_argument("--objective", choices=[o.value for o in Objective], default="pareto")
    route.add_argument("--max-routes", type=int, default=5)
    route.add_argument(
        "--pareto-tolerance",
        type=float,
        default=0.0,
        metavar="EPS",
        help="0 = exact Pareto set (default); e.g. 0.05 = an ε-Pareto set within 5%% on every criterion (faster)",
    )
    add_constraint_options(route, search_limits=True)
    route.add_argument("--usd-per-hour", type=float, default=0.0, help="value of time for --objective weighted")
    route.add_argument("--usd-per-transfer", type=float, default=0.0)
    route.add_argument("--usd-per-kg-co2e", type=float, default=0.0)


class _QueryParser(argparse.ArgumentParser):
    """A parser that raises instead of printing usage and exiting (for queries stored in files)."""

    def error(self, message: str) -> NoReturn:
        raise InvalidRequest.single("query", message)


def route_query_from_argv(network: Network, argv: Sequence[str]) -> RouteQuery:
    """The :class:`RouteQuery` that ``corridor route`` would ask for the arguments ``argv`` (``ORIGIN DEST --ready
    … [--objective …] …``, without the output options), node names resolved against ``network``.

    The calibration harness stores its queries this way, so every option of ``corridor route`` works there too.

    Raises
    ------
    InvalidRequest
        For an argument the command does not take or a bad value (field ``query`` for a malformed argument list).
    """
    parser = _QueryParser(prog="corridor route", add_help=False)
    add_query_arguments(parser)
    return route_query_from_args(parser.parse_args(list(argv)), network)


def route_query_from_args(args: argparse.Namespace, network: Network) -> RouteQuery:
    """The :class:`RouteQuery` of parsed ``corridor route`` arguments."""
    containers = () if args.containers is None else parse_containers(args.containers)
    teu = sum(kind.teu * count for kind, count in containers) if containers else args.teu
    weight = args.weight_kg if args.weight_kg is not None else DEFAULT_KG_PER_TEU * max(teu, 1)
    constraints = constraints_from_args(args, network)
    return RouteQuery(
        origin=resolve_node(network, args.origin, "origin"),
        destination=resolve_node(network, args.destination, "destination"),
        ready=parse_time(args.ready, "ready"),
        shipment=Shipment(teu, weight, CargoClass(args.cargo_class), containers),
        objective=Objective(args.objective),
        constraints=constraints,
        max_routes=args.max_routes,
        weights=Weights(args.usd_per_hour, args.usd_per_transfer, args.usd_per_kg_co2e),
        pareto_tolerance=args.pareto_tolerance,
    )
