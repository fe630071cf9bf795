"""Where the shipped network lives."""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_NETWORK = "middle_corridor"


def default_network_dir() -> Path:
    """The network used when none is named: ``$CORRIDOR_NETWORK``, else the repository's ``graphs/middle_corridor``."""
    override = os.environ.get("CORRIDOR_NETWORK")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "graphs" / SHIPPED_NETWORK
