"""The ``corridor`` command line: translates arguments into library calls and results into text.

One module per command group, each adding its subcommands to the parser:

- :mod:`engine.cli.network` — ``corridor network validate|show|nodes|export``; :mod:`engine.cli.calibrate` adds
  ``corridor network calibrate``.
- :mod:`engine.cli.route` — ``corridor route``.
- :mod:`engine.cli.optimize` — ``corridor plan``, ``assign`` and ``select-terminals`` (OR-Tools is imported by
  the handlers, so ``corridor --help`` and the other commands start without it).
- :mod:`engine.cli.study` — ``corridor study run`` and ``study report`` (Dask and the charts are imported only
  when used).
- :mod:`engine.cli.scenario` — ``corridor scenario validate|diff``.
- :mod:`engine.cli.serve` — ``corridor serve`` (grpc is imported only when serving).

Shared argument helpers are in :mod:`engine.cli.args` (and the route question's parser in
:mod:`engine.cli.query_args`), text building blocks in :mod:`engine.cli.text`; command modules import those,
never each other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine.cli.calibrate import add_calibrate_command
from engine.cli.network import add_network_commands
from engine.cli.optimize import add_optimize_commands
from engine.cli.route import add_route_command
from engine.cli.scenario import add_scenario_commands
from engine.cli.serve import add_serve_command
from engine.cli.study import add_study_commands
from engine.errors import CorridorError, NetworkDataError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``corridor`` console script; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args, sys.stdout)
    except NetworkDataError as exc:
        print(f"error: the network cannot be loaded ({len(exc.problems)} problems):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except CorridorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corridor", description="Middle Corridor freight routing engine")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    add_calibrate_command(add_network_commands(commands))
    add_route_command(commands)
    add_optimize_commands(commands)
    add_study_commands(commands)
    add_scenario_commands(commands)
    add_serve_command(commands)
    return parser
