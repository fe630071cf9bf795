"""Scenario edits as typed, frozen records: the vocabulary the scenario format writes and applying reads.

:mod:`engine.network.scenario_format` builds them from YAML (every value already checked with the tables' cell
rules); :mod:`engine.network.scenario_apply` applies them to a network. One record class per op, all subclasses of
:class:`Edit`; values are typed and keyed by the table's column names.

Adding an op is one record class here, one parser in the format (``PARSERS``) and one handler in the apply module
(looked up by the record's class, so a subclass inherits its parent's handler). The records are cut for the
extensions: a relative change (``factor`` on a dwell, tariff, capacity or headway) is a :class:`Scale` whose
:class:`Selector` (ids, country or country pair, mode, operator, service) applying resolves to records, as
:class:`CloseBorder` does for a country pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from engine.network.model import Provenance


@dataclass(frozen=True, kw_only=True)
class Edit:
    """One edit: the base of every edit record.

    Attributes
    ----------
    fields
        The fields as written (YAML values, ``op`` left out); the scenario's ``version`` hashes them.
    file, line
        Where the edit was written (``line`` is the line of its first field).
    field_lines
        Each field's own line, so a problem points at the field.
    """

    op: ClassVar[str] = ""
    fields: Mapping[str, Any] = field(default_factory=dict, compare=False)
    file: str = field(default="<edits>", compare=False)
    line: int = field(default=0, compare=False)
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, name: str | None) -> int:
        """Line of field ``name`` (the edit's line when unknown)."""
        return self.field_lines.get(name, self.line) if name else self.line


@dataclass(frozen=True)
class FieldSources:
    """Provenance an edit gives the numbers it sets: source keys and the note per column (of the table)."""

    keys: Mapping[str, tuple[str, ...]]
    notes: Mapping[str, str]
    provenance: Provenance  # as parsed, for the source-key check against the network


@dataclass(frozen=True, kw_only=True)
class AddRecord(Edit):
    """Add a node, link or service: the typed values of the columns written (others are empty)."""

    values: Mapping[str, Any]
    given: frozenset[str]  # columns whose cell is not empty
    provenance: Provenance


@dataclass(frozen=True, kw_only=True)
class AddNode(AddRecord):
    """``add_node``."""

    op: ClassVar[str] = "add_node"


@dataclass(frozen=True, kw_only=True)
class AddLink(AddRecord):
    """``add_link`` (``bidirectional: true`` also adds ``<id>.R``)."""

    op: ClassVar[str] = "add_link"


@dataclass(frozen=True, kw_only=True)
class AddService(AddRecord):
    """``add_service``."""

    op: ClassVar[str] = "add_service"


@dataclass(frozen=True, kw_only=True)
class SetRecord(Edit):
    """Change columns of an existing node, link or service (``target_id``): typed values by column."""

    target_id: str
    changes: Mapping[str, Any]
    given: frozenset[str]  # changed columns whose new cell is not empty
    sources: FieldSources
    target_field: str = "id"  # the field that names the target, for messages


@dataclass(frozen=True, kw_only=True)
class SetNode(SetRecord):
    """``set_node``."""

    op: ClassVar[str] = "set_node"


@dataclass(frozen=True, kw_only=True)
class SetLink(SetRecord):
    """``set_link`` (not ``from``, ``to``, ``bidirectional``)."""

    op: ClassVar[str] = "set_link"


@dataclass(frozen=True, kw_only=True)
class SetService(SetRecord):
    """``set_service`` (not ``mode``)."""

    op: ClassVar[str] = "set_service"


@dataclass(frozen=True, kw_only=True)
class SetBorderDwell(SetNode):
    """``set_border_dwell``: a :class:`SetNode` of the border columns, written with short names."""

    op: ClassVar[str] = "set_border_dwell"


@dataclass(frozen=True, kw_only=True)
class ScaleCapacity(Edit):
    """``scale_capacity``: multiply the weekly capacity of a link or node, or the per-departure TEU of a service."""

    op: ClassVar[str] = "scale_capacity"
    target: Literal["link", "node", "service"]
    target_id: str
    factor: float
    sources: FieldSources  # of the field ``factor``

    @property
    def column(self) -> str:
        """The capacity column scaled."""
        return "capacity_teu_per_departure" if self.target == "service" else "capacity_teu_per_week"


@dataclass(frozen=True, kw_only=True)
class RemoveLink(Edit):
    """``remove_link``."""

    op: ClassVar[str] = "remove_link"
    link_id: str


@dataclass(frozen=True, kw_only=True)
class CloseBorder(Edit):
    """``close_border``: remove every link between a node of one country and a node of the other."""

    op: ClassVar[str] = "close_border"
    countries: tuple[str, str]


@dataclass(frozen=True)
class Selector:
    """Which records a relative or closing edit hits: every given criterion must match (an empty one matches all).

    Attributes
    ----------
    nodes, links, services, operators
        Record ids (operators by name) to match.
    countries
        ISO codes: a node matches when it is in one of them; a link when it touches one of them (with two codes,
        a link matches when it joins the two countries, a node when it is an end of such a link).
    modes
        Link or service modes (``rail``, ``ferry``, ``sea``, ``road``, ``air``).
    """

    nodes: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing was selected by name (every record matches)."""
        return not (self.nodes or self.links or self.services or self.operators or self.countries or self.modes)


SCALE_WHATS = ("border_dwell", "border_cost", "handling", "tariff", "capacity", "headway", "run_time")
"""What ``scale`` multiplies: border dwell hours, border cost, handling hours, link tariffs, capacities (links,
nodes and services), service headways (a factor below 1 is more departures) and link running time."""


@dataclass(frozen=True, kw_only=True)
class Scale(Edit):
    """``scale``: multiply one kind of number on every record the selector matches by ``factor``.

    ``direction`` (``entry``, ``exit`` or ``both``) limits the border columns scaled.
    """

    op: ClassVar[str] = "scale"
    what: str
    factor: float
    selector: Selector
    direction: Literal["entry", "exit", "both"] = "both"
    sources: FieldSources  # of the field ``factor``


@dataclass(frozen=True, kw_only=True)
class CloseCountry(Edit):
    """``close_country``: remove every link with an end in one of ``countries`` (optionally only of ``modes``)."""

    op: ClassVar[str] = "close_country"
    countries: tuple[str, ...]
    modes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CloseNode(Edit):
    """``close_node`` (alias ``close_passage``): remove every link into or out of ``node_ids`` — a closed sea
    passage (a waypoint such as Bab-el-Mandeb), a terminal or a border post; optionally only of ``modes``."""

    op: ClassVar[str] = "close_node"
    node_ids: tuple[str, ...]
    modes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ClosePassage(CloseNode):
    """``close_passage``: :class:`CloseNode` under the name a planner uses for a strait or canal."""

    op: ClassVar[str] = "close_passage"


@dataclass(frozen=True)
class Scenario:
    """A named list of edits read from one file."""

    name: str | None
    edits: tuple[Edit, ...]
    file: str


__all__ = [
    "SCALE_WHATS",
    "AddLink",
    "AddNode",
    "AddRecord",
    "AddService",
    "CloseBorder",
    "CloseCountry",
    "CloseNode",
    "ClosePassage",
    "Edit",
    "FieldSources",
    "RemoveLink",
    "Scale",
    "ScaleCapacity",
    "Scenario",
    "Selector",
    "SetBorderDwell",
    "SetLink",
    "SetNode",
    "SetRecord",
    "SetService",
]
