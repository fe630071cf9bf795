"""Loading the toy network: typed records, reverse links, the graph, the version hash, pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import networkx as nx
import pytest

from engine.network import CargoClass, LoadUnit, Mode, Network, NodeKind, ServiceKind, load_network


def test_records_are_typed(toy_network: Network) -> None:
    gauge = toy_network.nodes["GAUGE_KZ"]
    assert gauge.gauges_mm == frozenset({1435, 1520})
    assert NodeKind.GAUGE_CHANGE in gauge.kinds
    assert gauge.border_entry_h == 78.0
    assert gauge.provenance.keys_for("border_entry_h") == ("CPMM-2022-KZ",)
    assert gauge.provenance.is_estimate("handling_h")

    ferry = toy_network.links["F-PORT_KZ-PORT_AZ"]
    assert ferry.mode is Mode.FERRY
    assert ferry.load_unit is LoadUnit.VESSEL
    assert ferry.refused_cargo == frozenset({CargoClass.HAZMAT})
    assert toy_network.links["T-PORT_AZ-DEST"].load_unit is LoadUnit.TRUCK

    feeder = toy_network.services["CASPIAN-FEEDER"]
    assert feeder.kind is ServiceKind.WEEKLY
    assert feeder.weekly_departures_min == (8 * 60, 3 * 1440 + 20 * 60)  # Mon 08:00, Thu 20:00
    assert toy_network.services["CN-TRAIN"].headway_anchor_min == 6 * 60


def test_bidirectional_rows_expand_to_reverse_links(toy_network: Network) -> None:
    forward = toy_network.links["R-GAUGE-PORT"]
    reverse = toy_network.links["R-GAUGE-PORT.R"]
    assert (reverse.from_id, reverse.to_id) == (forward.to_id, forward.from_id)
    assert reverse.reverse_of == "R-GAUGE-PORT"
    assert reverse.distance_km == forward.distance_km
    assert len(toy_network.links) == 12


def test_graph_is_a_frozen_multidigraph(toy_network: Network) -> None:
    graph = toy_network.graph
    assert graph.is_directed()
    assert graph.is_multigraph()
    assert graph.number_of_nodes() == 6
    assert graph.number_of_edges() == 12
    assert set(graph["PORT_AZ"]["DEST"]) == {"R-PORT_AZ-DEST", "T-PORT_AZ-DEST"}
    assert graph.edges["PORT_AZ", "DEST", "T-PORT_AZ-DEST"]["mode"] is Mode.ROAD
    with pytest.raises(nx.NetworkXError, match="Frozen"):
        graph.add_node("X")


def test_version_is_a_content_hash(toy_network: Network, toy_copy: Path) -> None:
    assert load_network(toy_copy).version == toy_network.version
    path = toy_copy / "links.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",2500,66,", ",2501,66,"), encoding="utf-8")
    assert load_network(toy_copy).version != toy_network.version


def test_network_pickles_without_its_caches(toy_network: Network) -> None:
    _ = toy_network.graph, toy_network.links_from
    restored = pickle.loads(pickle.dumps(toy_network))
    assert "graph" not in restored.__dict__
    assert restored.links.keys() == toy_network.links.keys()
    assert restored.graph.number_of_edges() == 12


def test_sourced_share_counts_cells(toy_network: Network) -> None:
    share = toy_network.sourced_share
    assert share.sourced_by_table["nodes.csv"] == 4  # two CPMM-2022-KZ pairs
    assert share.sourced_by_table["links.csv"] == 1  # one ARFC-2023 tariff
    assert 0 < share.share < 0.1


def test_connectivity_warning_names_unreachable_pairs(toy_copy: Path) -> None:
    # Without handling at the Caspian port the cargo cannot leave the train for the ferry.
    path = toy_copy / "nodes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",8,120,", ",,,")  # PORT_KZ
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    network = load_network(toy_copy)
    assert network.warnings == ("connectivity: ORIGIN cannot reach DEST",)
