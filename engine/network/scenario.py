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
================  ==========================================================================================

Provenance: the numbers an edit introduces follow the rule of the tables. ``sources`` names a key of the
network's ``sources.csv`` (or ``ESTIMATE``) per field, in the same grammar (``exit_h,entry_h=CPMM-2023-GE``, a
bare key for all fields), and ``notes`` explains every estimate (``factor: two 700-TEU vessels added``). An edit
that only removes needs neither.

Later issues extend the op list (tariff shocks, country closures by mode); the format is designed for that: one
op per mapping, fields named as the table columns, one error per bad field located by line.

Code
----
Three modules, one job each: :mod:`engine.network.scenario_format` reads YAML into the typed, frozen edit records
of :mod:`engine.network.edits` (every field checked with the tables' cell rules, problems at ``file:line``);
:mod:`engine.network.scenario_apply` applies them (records in, a new snapshot out, by ``dataclasses.replace`` on
the network's frozen records, checked with the loader's record and cross-table rules). This module is the front
door to both.
"""

from __future__ import annotations

from engine.network.edits import Edit, Scenario
from engine.network.inputs import read_text_file, read_yaml
from engine.network.scenario_apply import apply_edits
from engine.network.scenario_format import OPS, edit_from_fields, edits_from_yaml, load_scenario, parse_scenario

__all__ = [
    "OPS",
    "Edit",
    "Scenario",
    "apply_edits",
    "edit_from_fields",
    "edits_from_yaml",
    "load_scenario",
    "parse_scenario",
    "read_text_file",
    "read_yaml",
]
