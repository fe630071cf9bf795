"""``corridor scenario``: check a scenario file and say what it changes.

- ``corridor scenario validate FILE... [--network DIR]`` — read every file and apply it to the network; exit 0
  with one OK line per file, 1 with every problem as ``file:line: field: message``.
- ``corridor scenario diff FILE... [--network DIR]`` — what the scenarios (applied in order) change, in words.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import TextIO

from engine.cli.args import add_network_option, network_dir
from engine.errors import InputFileError
from engine.network import load_network
from engine.network.scenario import apply_scenarios, load_scenario, load_scenarios, scenario_name
from engine.network.scenario_diff import diff_networks


def add_scenario_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``scenario validate`` and ``scenario diff`` to the top-level subcommands."""
    scenario = commands.add_parser("scenario", help="check scenario files and describe what they change")
    sub = scenario.add_subparsers(title="scenario commands", metavar="COMMAND")
    validate = sub.add_parser(
        "validate",
        help="check scenario files against a network; exit 1 with file:line problems",
        description="Read each scenario file and apply it to the network (each on its own); exit 0 when all "
        "apply, 1 with every problem as file:line: field: message.",
    )
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE")
    add_network_option(validate)
    validate.set_defaults(handler=_cmd_validate)
    diff = sub.add_parser(
        "diff",
        help="say what scenario files change (applied in order), in words",
        description="Apply the scenario files in order and list every node, link and service they add, remove "
        "or change, with old → new values.",
    )
    diff.add_argument("files", type=Path, nargs="+", metavar="FILE")
    add_network_option(diff)
    diff.set_defaults(handler=_cmd_diff)


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    network = load_network(network_dir(args.network))
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
            edited = apply_scenarios(network, [scenario])
        except InputFileError as exc:
            failed += 1
            print(f"INVALID {path}: {len(exc.problems)} problem(s)", file=out)
            for problem in exc.problems:
                print(f"  {problem}", file=out)
            continue
        ops = Counter(edit.op for edit in scenario.edits)
        op_text = ", ".join(f"{n} {op}" for op, n in sorted(ops.items()))
        print(
            f"OK {path}: scenario {scenario_name(scenario)}, {len(scenario.edits)} edit(s) ({op_text}); "
            f"{network.label} → {edited.label}",
            file=out,
        )
    return 1 if failed else 0


def _cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    scenarios = load_scenarios(args.files)
    network = load_network(network_dir(args.network))
    edited = apply_scenarios(network, scenarios)
    diff = diff_networks(network, edited)
    print(f"{diff.base_label} → {diff.edited_label}: {len(diff.lines)} change(s)", file=out)
    for line in diff.lines:
        print(f"  {line}", file=out)
    return 0
