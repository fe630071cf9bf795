"""The ``assign`` field of a study file: which demand to assign per scenario and how (read, validated, frozen).

The format and what runs it are in :mod:`engine.studies.assignment`; this module only reads the field (it imports
nothing of the studies package, so the study reader can use it without an import cycle).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.network.model import Mode
from engine.optimize.values import (
    DEFAULT_UNSERVED_USD_PER_TEU,
    DEFAULT_USD_PER_TEU_DAY,
    DEFAULT_WEEKS_PER_YEAR,
    MAX_MARGINS,
)

ASSIGN_KEYS = (
    "demand",
    "usd_per_teu_day",
    "unserved_usd_per_teu",
    "capacity_modes",
    "weeks_per_year",
    "gap",
    "margins",
)
DEFAULT_CAPACITY_MODES = ("rail", "ferry", "sea")


@dataclass(frozen=True)
class StudyAssign:
    """The ``assign`` field of a study: the demand file and how to assign it (see the module docstring)."""

    demand: Path
    usd_per_teu_day: float = DEFAULT_USD_PER_TEU_DAY
    unserved_usd_per_teu: float = DEFAULT_UNSERVED_USD_PER_TEU
    capacity_modes: frozenset[Mode] = frozenset(Mode(m) for m in DEFAULT_CAPACITY_MODES)
    weeks_per_year: float = DEFAULT_WEEKS_PER_YEAR
    gap: float = 1e-6
    margins: int = 0


def parse_assign(value: Any, base: Path, bad: Callable[[str, str], None]) -> StudyAssign | None:
    """Read the ``assign`` mapping of a study; report problems through ``bad(field, message)``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        bad("assign", f"must be a mapping with {', '.join(ASSIGN_KEYS)}, got {str(value)[:60]!r}")
        return None
    ok = True
    for key in value:
        if key not in ASSIGN_KEYS:
            bad(f"assign.{key}", f"unknown key; assign has {', '.join(ASSIGN_KEYS)}")
            ok = False
    demand = value.get("demand")
    if not isinstance(demand, str) or not demand:
        bad("assign.demand", f"must name a demand CSV file (TEU/week), got {str(demand)[:60]!r}")
        ok = False
    numbers: dict[str, float] = {}
    limits = {"usd_per_teu_day": (0.0, 1e6), "unserved_usd_per_teu": (1e-9, 1e7), "weeks_per_year": (1e-9, 53.0)}
    limits["gap"] = (0.0, 0.999999)
    for key, (low, high) in limits.items():
        if key not in value:
            continue
        number = value[key]
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            bad(f"assign.{key}", f"must be a number, got {str(number)[:60]!r}")
            ok = False
        elif not low <= number <= high:
            bad(f"assign.{key}", f"must be between {low:g} and {high:g}, got {number!r}")
            ok = False
        else:
            numbers[key] = float(number)
    margins = value.get("margins", 0)
    if isinstance(margins, bool) or not isinstance(margins, int) or not 0 <= margins <= MAX_MARGINS:
        bad("assign.margins", f"must be a whole number between 0 and {MAX_MARGINS}, got {str(margins)[:60]!r}")
        ok = False
    modes = value.get("capacity_modes", list(DEFAULT_CAPACITY_MODES))
    allowed = [m.value for m in Mode]
    if isinstance(modes, str):
        modes = [m for m in modes.split("|") if m]
    if not isinstance(modes, list) or any(m not in allowed for m in modes):
        bad("assign.capacity_modes", f"must be a list of {', '.join(allowed)}, got {str(modes)[:60]!r}")
        ok = False
    if not ok:
        return None
    assert isinstance(demand, str)
    return StudyAssign(
        demand=(base / demand).resolve(),
        capacity_modes=frozenset(Mode(m) for m in modes),
        margins=margins,
        **numbers,
    )
