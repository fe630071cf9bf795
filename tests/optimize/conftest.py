"""Fixtures of the optimizer tests: the shipped demand matrix and candidate list."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.network import Network
from engine.optimize import Candidate, Demand, load_candidates, read_demand_csv

STUDIES = Path(__file__).resolve().parents[2] / "graphs" / "middle_corridor" / "studies"


@pytest.fixture(scope="session")
def shipped_demand(shipped_network: Network) -> list[Demand]:
    """The shipped China → Europe demand matrix (TEU/week)."""
    return list(read_demand_csv(STUDIES / "demand.csv", shipped_network))


@pytest.fixture(scope="session")
def shipped_candidates(shipped_network: Network) -> tuple[Candidate, ...]:
    """The shipped candidate additions (Alatau dry port, Aktau–Alat feeders, faster Georgian border, Alat phase 2)."""
    return load_candidates(STUDIES / "candidates.yaml", shipped_network)
