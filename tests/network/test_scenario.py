"""Scenario edits: applied to a copy with a new version, checked like a loaded network, errors at the edit's line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import InputFileError
from engine.network import Network
from engine.network.scenario import OPS, apply_edits, load_scenario, parse_scenario
from engine.routing import Objective, RouteQuery, Shipment, find_routes

SCENARIO = """\
name: toy what-if
edits:
  - op: set_border_dwell
    node: GAUGE_KZ
    entry_h: 10
    sources: ESTIMATE
    notes: "entry_h: assumed faster border"
  - op: scale_capacity
    link: F-PORT_KZ-PORT_AZ
    factor: 2
    sources: ESTIMATE
    notes: "factor: a second feeder"
  - op: add_node
    id: PORT_KZ2
    name: Second Caspian port
    country: KZ
    lat: 44.0
    lon: 51.0
    kinds: [seaport, ferry_terminal, rail_terminal]
    gauge_mm: 1520
    handling_h: 6
    handling_usd_per_teu: 100
    sources: ESTIMATE
    notes: "*: toy values"
  - op: add_link
    id: R-PORT_KZ-PORT_KZ2
    from: PORT_KZ
    to: PORT_KZ2
    mode: rail
    service: KZ-TRAIN
    gauge_mm: 1520
    distance_km: 50
    run_h: 1
    usd_per_teu: 10
    emission_class: rail_electric
    bidirectional: true
    sources: ESTIMATE
    notes: "*: toy values"
"""


def test_edits_make_a_new_snapshot_and_leave_the_base_alone(toy_network: Network) -> None:
    before = (toy_network.version, dict(toy_network.nodes), dict(toy_network.links))
    edited = apply_edits(toy_network, parse_scenario(SCENARIO, "what-if.yaml"))
    assert (toy_network.version, dict(toy_network.nodes), dict(toy_network.links)) == before
    assert edited.version != toy_network.version
    assert edited is not toy_network
    assert edited.nodes["GAUGE_KZ"].border_entry_h == 10
    assert edited.nodes["GAUGE_KZ"].provenance.keys_for("border_entry_h") == ("ESTIMATE",)
    assert (
        edited.links["F-PORT_KZ-PORT_AZ"].capacity_teu_per_week
        == 2 * toy_network.links["F-PORT_KZ-PORT_AZ"].capacity_teu_per_week
    )  # type: ignore[operator]
    assert {"R-PORT_KZ-PORT_KZ2", "R-PORT_KZ-PORT_KZ2.R"} <= set(edited.links)
    assert edited.links["R-PORT_KZ-PORT_KZ2.R"].reverse_of == "R-PORT_KZ-PORT_KZ2"
    assert "toy what-if" in edited.title
    # equal edits of equal bases give equal versions
    assert apply_edits(toy_network, parse_scenario(SCENARIO, "other.yaml")).version == edited.version


def test_a_faster_border_makes_routes_faster(toy_network: Network) -> None:
    edited = apply_edits(toy_network, parse_scenario(SCENARIO, "what-if.yaml"))
    query = RouteQuery("ORIGIN", "DEST", _ready(), Shipment(1, 10_000.0), objective=Objective.FASTEST, max_routes=1)
    assert find_routes(edited, query).routes[0].arrive <= find_routes(toy_network, query).routes[0].arrive


def _ready() -> datetime:
    return datetime(2026, 12, 1, tzinfo=UTC)


def test_close_border_cuts_the_corridor(toy_network: Network) -> None:
    closed = apply_edits(toy_network, parse_scenario("edits:\n  - op: close_border\n    countries: [CN, KZ]\n"))
    assert "R-BORDER-GAUGE" not in closed.links
    assert "R-BORDER-GAUGE.R" not in closed.links
    query = RouteQuery("ORIGIN", "DEST", _ready(), Shipment(1, 10_000.0))
    assert find_routes(toy_network, query).routes
    assert not find_routes(closed, query).routes


def test_removing_every_way_in_is_reported_as_a_consequence(toy_network: Network) -> None:
    text = "edits:\n" + "".join(
        f"  - op: remove_link\n    id: {link}\n" for link in ("R-PORT_AZ-DEST", "T-PORT_AZ-DEST")
    )
    with pytest.raises(InputFileError) as caught:
        apply_edits(toy_network, parse_scenario(text, "cut.yaml"))
    assert any("after the edits: nothing reaches node 'DEST'" in str(p) for p in caught.value.problems)


def test_load_scenario_from_a_file(tmp_path: Path, toy_network: Network) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "toy what-if"
    assert len(scenario.edits) == 4
    assert apply_edits(toy_network, scenario).nodes["PORT_KZ2"].line < 0  # edited records point at their edit


def edit(op: str, *fields: str) -> str:
    """One edit as scenario YAML: ``edit("set_node", "id: X", "handling_h: 3")``."""
    return "edits:\n  - op: " + op + "\n" + "".join(f"    {f}\n" for f in fields)


SOURCED = ("sources: ESTIMATE", "notes: '*: assumed'")
NEW_LINK = ("id: R-X", "from: ORIGIN", "to: NOWHERE", "mode: rail", "service: CN-TRAIN", "gauge_mm: 1435")
NEW_LINK_NUMBERS = ("distance_km: 5", "run_h: 1", "usd_per_teu: 1", "emission_class: rail_electric")

BAD = [
    (edit("add_nod", "id: X"), "bad.yaml:2: op: must be one of"),
    (
        edit("set_node", "id: GAUGE_KZ", "handlng_h: 3"),
        "bad.yaml:4: handlng_h: is not a field of set_node (did you mean 'handling_h'?)",
    ),
    (edit("set_node", "id: GAUGE_KZ", "handling_h: -3", *SOURCED), "bad.yaml:4: handling_h: must be >= 0, got -3"),
    (
        edit("set_node", "id: GAUGE_KZ", "handling_h: 3"),
        "bad.yaml:2: sources: the number in 'handling_h' has no source",
    ),
    (edit("scale_capacity", "link: NO-SUCH", "factor: 2", *SOURCED), "bad.yaml:3: link: unknown link 'NO-SUCH'"),
    (edit("scale_capacity", "node: ORIGIN", "factor: 2", *SOURCED), "has no capacity_teu_per_week to scale"),
    (edit("scale_capacity", "link: F-PORT_KZ-PORT_AZ", "factor: 0", *SOURCED), "bad.yaml:4: factor: must be > 0"),
    (edit("add_link", *NEW_LINK, *NEW_LINK_NUMBERS, *SOURCED), "bad.yaml:5: to: unknown node 'NOWHERE'"),
    (edit("add_node", "id: ORIGIN", "name: again"), "bad.yaml:3: id: 'ORIGIN' already exists"),
    (edit("set_border_dwell", "node: GAUGE_KZ"), "set_border_dwell changes nothing"),
    ("edits: [\n", "bad.yaml:2: not valid YAML"),
    (edit("set_node", "id: GAUGE_KZ", "id: ORIGIN"), "appears twice"),
    ("name: x\n", "bad.yaml:1: edits: is required"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_edits_are_located(toy_network: Network, text: str, expected: str) -> None:
    with pytest.raises(InputFileError) as caught:
        apply_edits(toy_network, parse_scenario(text, "bad.yaml"))
    messages = [str(p) for p in caught.value.problems]
    assert any(expected in m for m in messages), messages


def test_every_op_is_documented() -> None:
    from engine.network import scenario

    assert scenario.__doc__ is not None
    assert all(op in scenario.__doc__ for op in OPS)
