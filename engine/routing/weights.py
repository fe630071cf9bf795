"""Prices that turn every criterion into USD for the ``WEIGHTED`` objective (validated when built)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import FieldProblem, InvalidRequest


@dataclass(frozen=True)
class Weights:
    """Prices that turn every criterion into USD for the ``WEIGHTED`` objective (all ≥ 0).

    Score = cost_usd + usd_per_hour × door-to-door hours + usd_per_transfer × transfers
    + usd_per_kg_co2e × kg CO2e.
    """

    usd_per_hour: float = 0.0
    usd_per_transfer: float = 0.0
    usd_per_kg_co2e: float = 0.0

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(f"weights.{name}", f"must be a finite number >= 0, got {getattr(self, name)!r}")
            for name in ("usd_per_hour", "usd_per_transfer", "usd_per_kg_co2e")
            if not (
                isinstance(getattr(self, name), int | float)
                and math.isfinite(getattr(self, name))
                and getattr(self, name) >= 0
            )
        ]
        if problems:
            raise InvalidRequest(problems)
