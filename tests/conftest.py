"""Shared fixtures: the network zoo under tests/networks and the shipped network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.network import Network, load_network
from engine.network.paths import default_network_dir

NETWORKS = Path(__file__).parent / "networks"


@pytest.fixture(scope="session")
def toy_network() -> Network:
    """Six nodes: China rail → gauge break → Kazakh rail → Caspian feeder → rail or road."""
    return load_network(NETWORKS / "toy")


@pytest.fixture(scope="session")
def shipped_network() -> Network:
    """The shipped Middle Corridor network."""
    return load_network(default_network_dir())


@pytest.fixture
def toy_copy(tmp_path: Path) -> Path:
    """A writable copy of the toy network directory."""
    target = tmp_path / "toy"
    shutil.copytree(NETWORKS / "toy", target)
    return target
