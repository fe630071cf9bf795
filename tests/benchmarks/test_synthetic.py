"""The synthetic network generator (benchmarks/synthetic.py): loadable, valid, realistic in shape, deterministic."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.synthetic import MIN_NODES, generate, main
from engine.network import Mode, NodeKind, ServiceKind, load_network
from engine.routing import Constraints, Objective, RouteQuery, Shipment, find_routes

FILES = ("nodes.csv", "links.csv", "services.csv", "emission_factors.csv", "sources.csv", "network.toml")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "net"
    generate(out, 400, 7)
    return out


def test_loads_with_the_normal_loader_without_connectivity_or_border_warnings(small: Path) -> None:
    network = load_network(small)
    assert len(network.nodes) == 400
    assert len(network.origins) == 8
    assert len(network.destinations) == 8
    suspicious = [w for w in network.warnings if w.startswith(("connectivity", "links.csv"))]
    assert suspicious == []


def test_has_the_structure_of_the_corridor(small: Path) -> None:
    network = load_network(small)
    modes = {link.mode for link in network.links.values()}
    assert modes == set(Mode)
    kinds = {kind for node in network.nodes.values() for kind in node.kinds}
    assert {NodeKind.GAUGE_CHANGE, NodeKind.BORDER_CROSSING, NodeKind.AIRPORT, NodeKind.SEAPORT} <= kinds
    ferries = [s for s in network.services.values() if s.mode is Mode.FERRY]
    assert ferries
    assert all(s.kind is ServiceKind.HEADWAY for s in ferries)
    countries = {node.country for node in network.nodes.values()}
    assert {"CN", "KZ", "RU", "BY", "AZ", "GE", "TR", "DE"} <= countries
    gauge_breaks = [
        link
        for link in network.links.values()
        if link.mode is Mode.RAIL
        and len(network.nodes[link.from_id].gauges_mm | network.nodes[link.to_id].gauges_mm) > 1
    ]
    assert gauge_breaks


def test_same_seed_same_files_other_seed_other_network(small: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", 400, 7)
    generate(tmp_path / "other", 400, 8)
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (small / name).read_bytes(), name
    assert (tmp_path / "other" / "links.csv").read_bytes() != (small / "links.csv").read_bytes()


def test_every_origin_reaches_a_destination_avoiding_russia_and_belarus(small: Path) -> None:
    network = load_network(small)
    query = RouteQuery(
        network.origins[0],
        network.destinations[0],
        datetime(2026, 12, 1, tzinfo=UTC),
        Shipment(teu=2, gross_weight_kg=20_000),
        Objective.CHEAPEST,
        Constraints(avoid_countries=frozenset({"RU", "BY"})),
        max_routes=1,
    )
    result = find_routes(network, query)
    assert result.routes
    assert not {"RU", "BY"} & {network.nodes[hop].country for hop in result.routes[0].node_ids}


def test_too_few_nodes_is_refused_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([str(tmp_path / "x"), "--nodes", str(MIN_NODES - 1), "--no-validate"])
    assert f"nodes: must be between {MIN_NODES}" in capsys.readouterr().err
