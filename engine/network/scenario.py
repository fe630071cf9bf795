"""Scenario edits: small, named changes to a network, written in YAML (or JSON), applied to a copy.

A scenario is the network a planner asks "what if" about: "Alatau gets a dry port", "two more Aktau–Alat
feeders", "the Georgian border dwell halves". :func:`apply_edits` returns a **new** :class:`Network` snapshot with
a new ``version`` hash; the base snapshot is never touched. The edited network passes the same checks as a loaded
one (references, gauges, one vehicle per service, dead ends, provenance) and every problem is reported at the
file and line of the edit that caused it.

File format
-----------
A scenario file is a mapping with an optional ``name`` and a list ``edits``::

    name: faster-georgian-border
    edits:
      - op: set_border_dwell
        node: GARDABANI
        entry_h: 10
        exit_h: 10
        sources: ESTIMATE
        notes: "*: half of the CAREC all-corridor average dwell"

Each edit is a mapping with ``op`` and the op's fields. Field names are the column names of the network tables
(``graphs/<network>/README.md``); lists (``kinds``, ``aliases``, ``gauge_mm``, ``refused_cargo``,
``weekly_departures``) may be YAML lists or ``|``-separated strings.

================  ==========================================================================================
``op``            fields
================  ==========================================================================================
add_node          every column of ``nodes.csv``
add_link          every column of ``links.csv`` (``bidirectional: true`` also adds ``<id>.R``)
add_service       every column of ``services.csv``
set_node          ``id`` and the ``nodes.csv`` columns to change
set_link          ``id`` and the ``links.csv`` columns to change (not ``from``, ``to``, ``bidirectional``)
set_service       ``id`` and the ``services.csv`` columns to change (not ``mode``)
scale_capacity    exactly one of ``link``, ``node``, ``service`` (an id) and ``factor`` > 0: multiplies
                  ``capacity_teu_per_week`` of the link or node, or ``capacity_teu_per_departure`` of the
                  service
set_border_dwell  ``node`` and any of ``exit_h``, ``entry_h``, ``exit_usd_per_teu``, ``entry_usd_per_teu``
remove_link       ``id`` (the reverse of a bidirectional link is a separate link, ``<id>.R``)
close_border      ``countries``: two ISO codes; removes every link between a node of one and a node of the other
close_country     ``countries`` (or ``country``): ISO codes; removes every link with an end in one of them;
                  optional ``modes`` (only links of those modes)
close_node        ``node`` (or ``nodes``): removes every link into or out of the node(s), optional ``modes``
close_passage     the same as ``close_node``, for a sea waypoint (``close_passage: {node: BAB_EL_MANDEB}``)
scale             ``what`` (border_dwell, border_cost, handling, tariff, run_time, capacity, headway),
                  ``factor`` > 0, a selector (any of ``nodes``, ``links``, ``services``, ``operators``,
                  ``countries``, ``modes``; one country: in or touching it, two: between them) and, for border
                  columns, ``direction`` (entry, exit, both); multiplies that number on every selected record
================  ==========================================================================================

Provenance: the numbers an edit introduces follow the rule of the tables. ``sources`` names a key of the
network's ``sources.csv`` (or ``ESTIMATE``) per field, in the same grammar (``exit_h,entry_h=CPMM-2023-GE``, a
bare key for all fields), and ``notes`` explains every estimate (``factor: two 700-TEU vessels added``). An edit
that only removes needs neither.

A ``scale`` edit's ``sources``/``notes`` are those of its ``factor``; each scaled cell keeps its old source keys,
adds the factor's and says ``40.6 × 0.5: <note>``. ``docs/SCENARIOS.md`` has an example of every op.

Code
----
Three modules, one job each: :mod:`engine.network.scenario_format` reads YAML into the typed, frozen edit records
of :mod:`engine.network.edits` (every field checked with the tables' cell rules, problems at ``file:line``);
:mod:`engine.network.scenario_apply` applies them (records in, a new snapshot out, by ``dataclasses.replace`` on
the network's frozen records, checked with the loader's record and cross-table rules). This module is the front
door to both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from engine.network.edits import Edit, Scenario
from engine.network.inputs import read_text_file, read_yaml
from engine.network.model import Network
from engine.network.scenario_apply import apply_edits
from engine.network.scenario_format import OPS, edit_from_fields, edits_from_yaml, load_scenario, parse_scenario


def scenario_name(scenario: Scenario) -> str:
    """The scenario's ``name``, or its file's stem when it has none."""
    return scenario.name or Path(scenario.file).stem


def load_scenarios(paths: Iterable[str | Path]) -> tuple[Scenario, ...]:
    """Read scenario files (every file is read before any is applied, so a bad second file fails fast).

    Raises
    ------
    InputFileError
        For the first file with a problem, every problem of that file at its line.
    """
    return tuple(load_scenario(path) for path in paths)


def apply_scenarios(network: Network, scenarios: Sequence[Scenario]) -> Network:
    """Apply ``scenarios`` in order (a later one sees the earlier ones' edits) and name them on the result.

    The one path every front end takes (the CLI's ``--scenario``, the service's named scenarios, studies): the
    result's :attr:`~engine.network.model.Network.scenarios` lists the scenario names, so its ``label``
    (``middle_corridor+georgia_border@1a2b3c4d``) names them and the content hash in every answer.

    Raises
    ------
    InputFileError
        Every problem of the first scenario that does not apply, each at the file and line of its edit.
    """
    for scenario in scenarios:
        name = scenario_name(scenario)
        edited = apply_edits(network, scenario, label=name)
        network = dataclasses.replace(edited, scenarios=(*network.scenarios, name))
    return network


__all__ = [
    "OPS",
    "Edit",
    "Scenario",
    "apply_edits",
    "apply_scenarios",
    "edit_from_fields",
    "edits_from_yaml",
    "load_scenario",
    "load_scenarios",
    "parse_scenario",
    "read_text_file",
    "read_yaml",
    "scenario_name",
]
