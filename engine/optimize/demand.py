"""Origin–destination demand in TEU per week: the rows of a demand matrix (read by :mod:`engine.optimize.inputs`).

A demand row is one commodity of the assignment: containers from ``origin`` to ``destination`` of one cargo
class, optionally restricted like a routing query (``avoid_countries``, ``avoid_modes`` — a shipper segment that
will not route through Russia, or not by deep sea). Every row is checked when built; the file reader reports
every problem with ``file:line: column``
(:func:`engine.optimize.inputs.read_demand_csv`).

CSV columns (one row per commodity; header names as here, order free):

======================  ===========================================================================  ========
column                  meaning                                                                      required
======================  ===========================================================================  ========
origin, destination     node ids (names, aliases and LOCODEs resolve too)                            yes
teu_per_week            demand, TEU per week, ≥ 0                                                    yes
segment                 a label for a group of rows (e.g. ``titr-2025``); part of a row's identity    no
cargo_class             general (default), reefer or hazmat                                          no
avoid_countries         ``|``-separated ISO codes the cargo never crosses                            no
avoid_modes             ``|``-separated modes it never uses (rail, ferry, sea, road, air)            no
gross_kg_per_teu        cargo weight per TEU, kg (default 10,000)                                    no
unserved_usd_per_teu    penalty per TEU/week left unserved (default: the assignment's)               no
sources, notes          provenance of the numbers, as in the network tables                         no
======================  ===========================================================================  ========

When the file has a ``sources`` column, provenance is checked as in the network tables: every number names a
key of the network's ``sources.csv`` or ``ESTIMATE`` with a note saying how it was estimated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.errors import DataProblem, FieldProblem, InputFileError, InvalidRequest
from engine.network.countries import COUNTRY_NAMES
from engine.network.model import CargoClass, Mode, Network
from engine.optimize.transfer_graph import DEFAULT_KG_PER_TEU, CargoSegment
from engine.optimize.values import MAX_TEU_PER_WEEK, MAX_USD_PER_TEU


@dataclass(frozen=True)
class Demand:
    """One commodity: TEU per week from ``origin`` to ``destination``.

    Attributes
    ----------
    origin, destination
        Node ids.
    teu_per_week
        Demand (TEU/week, ≥ 0).
    cargo_class
        Cargo class (changes which links accept it and where it may transfer).
    avoid_countries, avoid_modes
        Hard restrictions of this shipper segment, as in :class:`engine.routing.Constraints`.
    gross_kg_per_teu
        Weight per TEU (kg), for weight limits and CO2e.
    unserved_usd_per_teu
        Penalty per TEU/week not carried; ``None`` uses the assignment's default.
    segment
        A free label grouping rows (a shipper segment, a scenario of demand); rows differing only in it are
        different commodities.
    where
        Where the row was written (``demand.csv:4``), used in messages; empty for rows built in code.
    """

    origin: str
    destination: str
    teu_per_week: float
    cargo_class: CargoClass = CargoClass.GENERAL
    avoid_countries: frozenset[str] = frozenset()
    avoid_modes: frozenset[Mode] = frozenset()
    gross_kg_per_teu: float = DEFAULT_KG_PER_TEU
    unserved_usd_per_teu: float | None = None
    segment: str = ""
    where: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        problems = self.problems("demand")
        if problems:
            raise InvalidRequest(problems)

    def problems(self, prefix: str) -> list[FieldProblem]:
        """Everything wrong with this row on its own (not against a network), fields prefixed by ``prefix``."""
        problems: list[FieldProblem] = []
        if not self.origin:
            problems.append(FieldProblem(f"{prefix}.origin", "is required (a node id)"))
        if not self.destination:
            problems.append(FieldProblem(f"{prefix}.destination", "is required (a node id)"))
        if self.origin and self.origin == self.destination:
            problems.append(FieldProblem(f"{prefix}.destination", f"must differ from the origin {self.origin!r}"))
        if not _finite(self.teu_per_week) or not 0 <= self.teu_per_week <= MAX_TEU_PER_WEEK:
            problems.append(
                FieldProblem(
                    f"{prefix}.teu_per_week",
                    f"must be a number from 0 to {MAX_TEU_PER_WEEK:,.0f} TEU/week, got {self.teu_per_week!r}",
                )
            )
        if not isinstance(self.cargo_class, CargoClass):
            allowed = ", ".join(c.value for c in CargoClass)
            problems.append(
                FieldProblem(f"{prefix}.cargo_class", f"must be one of {allowed}, got {self.cargo_class!r}")
            )
        for code in sorted(self.avoid_countries):
            if code not in COUNTRY_NAMES:
                problems.append(FieldProblem(f"{prefix}.avoid_countries", f"must be ISO 3166-1 codes, got {code!r}"))
        for mode in self.avoid_modes:
            if not isinstance(mode, Mode):
                problems.append(FieldProblem(f"{prefix}.avoid_modes", f"must be modes, got {mode!r}"))
        if not _finite(self.gross_kg_per_teu) or not 0 < self.gross_kg_per_teu <= 30_480:
            problems.append(
                FieldProblem(
                    f"{prefix}.gross_kg_per_teu", f"must be > 0 and <= 30480 kg per TEU, got {self.gross_kg_per_teu!r}"
                )
            )
        if self.unserved_usd_per_teu is not None and (
            not _finite(self.unserved_usd_per_teu) or not 0 < self.unserved_usd_per_teu <= MAX_USD_PER_TEU
        ):
            problems.append(
                FieldProblem(
                    f"{prefix}.unserved_usd_per_teu",
                    f"must be > 0 and <= {MAX_USD_PER_TEU:,.0f} USD/TEU, got {self.unserved_usd_per_teu!r}",
                )
            )
        return problems

    @property
    def cargo_segment(self) -> CargoSegment:
        """The cargo segment (what changes allowed links and per-TEU costs)."""
        return CargoSegment(self.cargo_class, self.avoid_countries, self.avoid_modes, self.gross_kg_per_teu)

    @property
    def key(self) -> tuple[str, str, str, CargoClass, frozenset[str], frozenset[Mode], float]:
        """Identity of the commodity: two rows with the same key are a duplicate."""
        return (
            self.segment,
            self.origin,
            self.destination,
            self.cargo_class,
            self.avoid_countries,
            self.avoid_modes,
            self.gross_kg_per_teu,
        )


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_demand(network: Network, demand: Sequence[Demand]) -> None:
    """Check ``demand`` against ``network``: known nodes, no avoided origin/destination, no duplicates.

    Raises
    ------
    InvalidRequest
        Naming each bad row as ``demand[i].field``; for rows read from a file, an :class:`InputFileError` at
        ``file:line: field``.
    """
    problems = demand_problems(network, demand)
    if not problems:
        return
    if all(demand[i].where for i, _, _ in problems):
        located = []
        for i, column, message in problems:
            file, _, line = demand[i].where.rpartition(":")
            located.append(DataProblem(file, int(line), column, message))
        raise InputFileError(located)
    raise InvalidRequest([FieldProblem(f"demand[{i}].{column}", message) for i, column, message in problems])


def demand_problems(network: Network, demand: Sequence[Demand]) -> list[tuple[int, str, str]]:
    """``(row index, column, message)`` for every row that does not fit ``network``."""
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple[object, ...], int] = {}
    for i, row in enumerate(demand):
        for name in ("origin", "destination"):
            node_id = getattr(row, name)
            node = network.nodes.get(node_id)
            if node is None:
                candidates = ", ".join(m.node.id for m in network.node_index.search(node_id, limit=3))
                hint = f"; did you mean {candidates}?" if candidates else ""
                problems.append((i, name, f"{node_id!r} is not a node of network {network.label}{hint}"))
            elif node.country in row.avoid_countries:
                message = f"the {name} {node_id!r} is in {node.country}, which this row avoids"
                problems.append((i, "avoid_countries", message))
        first = seen.setdefault(row.key, i)
        if first != i:
            where = demand[first].where or f"demand[{first}]"
            problems.append((i, "origin", f"duplicates {where} (same segment, OD, class and restrictions)"))
    return problems
