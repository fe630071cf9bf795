"""Argument helpers every ``corridor`` command group shares: the network option, node names, comma lists, ISO
times and the constraint options.

The commands accept what a person types (``--avoid-modes Ferry``, ``--via "Baku port"``); these helpers turn it
into the library's values and leave validation of the values to the library, so a bad argument gets the same
message from the CLI as from the gRPC service (``constraints.avoid_countries: must be ISO 3166-1 alpha-2 codes``).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from engine.errors import InvalidRequest, UnknownNode
from engine.network import Mode, Network, load_network
from engine.network.paths import default_network_dir
from engine.network.places import unknown_node_near
from engine.network.scenario import apply_scenarios, load_scenarios
from engine.routing import Constraints, ContainerType, constraints_from


def add_network_option(parser: argparse.ArgumentParser) -> None:
    """``--network DIR``: the network a command works on (default: the shipped one)."""
    parser.add_argument(
        "--network", type=Path, default=None, help=f"network directory (default: {default_network_dir()})"
    )


def network_dir(directory: Path | None) -> Path:
    """The directory a command was given, or the default network's."""
    return Path(directory) if directory is not None else default_network_dir()


def add_scenario_option(parser: argparse.ArgumentParser, *aliases: str) -> None:
    """``--scenario FILE`` (repeatable): scenario files applied in order to the network (``aliases``: older
    option names kept working, e.g. ``--edits``)."""
    parser.add_argument(
        "--scenario",
        *aliases,
        dest="scenario",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="scenario file (YAML) applied to the network; repeatable, applied in order (docs/SCENARIOS.md)",
    )


def load_network_with_scenarios(directory: Path | None, scenarios: list[Path] | None) -> Network:
    """The network of ``directory`` (default: the shipped one) with the scenario files applied in order.

    Every scenario file is read before the network, so a malformed one fails without loading anything; its name
    and the edited snapshot's content hash appear in the network's label and so in every answer.

    Raises
    ------
    InputFileError
        A scenario file is malformed or one of its edits does not apply (``file:line: field: message``).
    NetworkDataError
        The network directory does not load.
    """
    parsed = load_scenarios(scenarios or ())
    network = load_network(network_dir(directory))
    return apply_scenarios(network, parsed) if parsed else network


def load_network_option(args: argparse.Namespace) -> Network:
    """Load the network named by ``--network`` (or the default one), with any ``--scenario`` files applied."""
    return load_network_with_scenarios(args.network, getattr(args, "scenario", None))


def scenario_line(network: Network) -> str:
    """``network middle_corridor+georgia_border@1a2b3c4d (scenarios: georgia_border)`` and a newline for a network
    with scenarios applied, so a text answer names them and the content hash; empty for the network as loaded."""
    if not network.scenarios:
        return ""
    return f"network {network.label} (scenarios: {', '.join(network.scenarios)})\n"


def resolve_node(network: Network, text: str, field: str) -> str:
    """The id of the node ``text`` names (id, name, alias or LOCODE; case- and accent-insensitive).

    Raises
    ------
    UnknownNode
        When nothing matches; InvalidRequest when several nodes match equally well.
    """
    try:
        return network.node_index.resolve(text, field).id
    except UnknownNode as exc:
        raise unknown_node_near(exc, network) from exc


def csv_list(text: str) -> list[str]:
    """The items of a comma-separated argument, trimmed, empty items dropped (``"RU, BY,"`` → ``["RU", "BY"]``)."""
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_containers(text: str, field: str = "--containers") -> tuple[tuple[ContainerType, int], ...]:
    """Boxes typed as ``40ft:1,20ft:2`` (type:count, comma-separated; types 20ft, 40ft, 40ft_hc, 40ft_reefer).

    Raises
    ------
    InvalidRequest
        Naming ``field``, the bad item and what is allowed.

    Examples
    --------
    >>> parse_containers("40ft:1, 20ft:2")
    ((<ContainerType.DRY_40: '40ft'>, 1), (<ContainerType.DRY_20: '20ft'>, 2))
    """
    allowed = ", ".join(kind.value for kind in ContainerType)
    boxes: list[tuple[ContainerType, int]] = []
    for item in csv_list(text):
        kind_text, sep, count_text = item.partition(":")
        try:
            kind = ContainerType(kind_text.strip().lower())
        except ValueError:
            raise InvalidRequest.single(
                field, f"container type must be one of {allowed} (as TYPE:COUNT), got {item[:40]!r}"
            ) from None
        if not sep or not count_text.strip().isdigit() or int(count_text) < 1:
            raise InvalidRequest.single(field, f"count must be a whole number >= 1 (as TYPE:COUNT), got {item[:40]!r}")
        boxes.append((kind, int(count_text)))
    if not boxes:
        raise InvalidRequest.single(field, f"must list TYPE:COUNT items like 40ft:1,20ft:2 (types {allowed})")
    return tuple(boxes)


def parse_time(text: str, field: str) -> datetime:
    """An ISO 8601 time with a zone (``2026-12-01T00:00Z``) as a timezone-aware datetime.

    Raises
    ------
    InvalidRequest
        Naming ``field`` when the text is not ISO 8601 or carries no time zone.
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        msg = f"must be an ISO 8601 time like 2026-12-01T00:00Z, got {text!r}"
        raise InvalidRequest.single(field, msg) from exc
    if moment.tzinfo is None:
        raise InvalidRequest.single(field, f"must carry a time zone (e.g. Z for UTC), got {text!r}")
    return moment


def mode_named(text: str) -> Mode:
    """The mode a user typed, any case (``Ferry`` → ``Mode.FERRY``).

    Raises
    ------
    InvalidRequest
        Naming ``constraints.avoid_modes`` and listing the modes there are.
    """
    try:
        return Mode(text.lower())
    except ValueError as exc:
        allowed = ", ".join(m.value for m in Mode)
        msg = f"must be among {allowed}, got {text!r}"
        raise InvalidRequest.single("constraints.avoid_modes", msg) from exc


def add_constraint_options(parser: argparse.ArgumentParser, *, search_limits: bool) -> None:
    """The constraint options: what to avoid and the arrival deadline; with ``search_limits`` also via nodes and
    caps on transfers, cost and CO2e and de-consolidation (which only the route search takes).

    Options a command does not offer get their neutral default, so :func:`constraints_from_args` reads one shape.
    """
    parser.add_argument("--avoid-countries", default="", help="comma-separated ISO codes, e.g. RU,BY")
    parser.add_argument("--avoid-nodes", default="", help="comma-separated node ids or names")
    parser.add_argument("--avoid-modes", default="", help="comma-separated modes: rail, ferry, sea, road, air")
    parser.add_argument("--avoid-operators", default="", help="comma-separated operator names")
    if search_limits:
        parser.add_argument("--via", default="", help="comma-separated nodes the route must pass, in order")
        parser.add_argument("--max-transfers", type=int, default=None)
    parser.add_argument("--arrive-by", default=None, help="latest arrival, ISO 8601 with a zone")
    if search_limits:
        parser.add_argument("--max-cost-usd", type=float, default=None)
        parser.add_argument("--max-co2e-kg", type=float, default=None)
        parser.add_argument("--allow-deconsolidation", action="store_true", help="containers may be unstuffed to fly")
        parser.add_argument(
            "--min-on-time-probability",
            type=float,
            default=None,
            help="keep Pareto routes arriving by --arrive-by in at least this share (0-1) of the reliability replays",
        )
    else:
        parser.set_defaults(
            via="",
            max_transfers=None,
            max_cost_usd=None,
            max_co2e_kg=None,
            allow_deconsolidation=False,
            min_on_time_probability=None,
        )


def constraints_from_args(args: argparse.Namespace, network: Network) -> Constraints:
    """The constraint options as :class:`Constraints`, node names resolved against ``network``.

    Raises
    ------
    UnknownNode, InvalidRequest
        For the first unknown or ambiguous node name, unknown mode or malformed time (in option order), then
        for every bad value together.
    """
    avoid_nodes = [resolve_node(network, n, "constraints.avoid_nodes") for n in csv_list(args.avoid_nodes)]
    avoid_modes = [mode_named(m) for m in csv_list(args.avoid_modes)]
    via = [resolve_node(network, n, "constraints.via") for n in csv_list(args.via)]
    arrive_by = None if args.arrive_by is None else parse_time(args.arrive_by, "constraints.arrive_by")
    return constraints_from(
        avoid_countries=csv_list(args.avoid_countries),
        avoid_nodes=avoid_nodes,
        avoid_modes=avoid_modes,
        avoid_operators=csv_list(args.avoid_operators),
        via=via,
        max_transfers=args.max_transfers,
        arrive_by=arrive_by,
        max_cost_usd=args.max_cost_usd,
        max_co2e_kg=args.max_co2e_kg,
        allow_deconsolidation=args.allow_deconsolidation,
        min_on_time_probability=args.min_on_time_probability,
    )
