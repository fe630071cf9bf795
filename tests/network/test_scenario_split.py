"""Scenario format and apply, separately: typed records without a network, edits by replace, base untouched."""

from __future__ import annotations

import copy

import pytest

from engine.errors import InputFileError
from engine.network import Network
from engine.network.edits import AddNode, ScaleCapacity, SetBorderDwell, SetNode, SetService
from engine.network.scenario import apply_edits, edit_from_fields, parse_scenario


def test_the_format_types_every_field_without_a_network() -> None:
    scenario = parse_scenario(
        "edits:\n"
        "  - op: set_border_dwell\n    node: GAUGE_KZ\n    entry_h: 10\n    sources: ESTIMATE\n"
        "    notes: 'entry_h: assumed'\n"
        "  - op: scale_capacity\n    service: KZ-TRAIN\n    factor: 1.5\n    sources: ESTIMATE\n"
        "    notes: 'factor: longer trains'\n"
        "  - op: add_node\n    id: NEW\n    name: New\n    country: KZ\n    lat: 44\n    lon: 51\n"
        "    kinds: [rail_terminal]\n    gauge_mm: 1520\n    sources: ESTIMATE\n    notes: '*: toy'\n",
        "typed.yaml",
    )
    dwell, scale, add = scenario.edits
    assert isinstance(dwell, SetBorderDwell)
    assert dwell.target_id == "GAUGE_KZ"
    assert dwell.changes == {"border_entry_h": 10.0}
    assert dwell.sources.keys == {"border_entry_h": ("ESTIMATE",)}
    assert isinstance(scale, ScaleCapacity)
    assert (scale.target, scale.factor) == ("service", 1.5)
    assert isinstance(add, AddNode)
    assert add.values["gauge_mm"] == frozenset({1520})
    assert add.values["lat"] == 44.0
    assert [e.line for e in scenario.edits] == [2, 7, 12]


def test_the_format_rejects_a_bad_value_before_any_network_is_seen() -> None:
    with pytest.raises(InputFileError) as caught:
        parse_scenario("edits:\n  - op: set_service\n    id: X\n    headway_h: 25\n    sources: ESTIMATE\n", "f.yaml")
    assert str(caught.value.problems[0]).startswith("f.yaml:4: headway_h: must divide a week")


def test_record_rules_run_on_the_edited_record(toy_network: Network) -> None:
    # Valid on its own, but the merged node would have handling time without a handling price.
    text = "edits:\n  - op: set_node\n    id: BORDER_CN\n    handling_h: 3\n    sources: ESTIMATE\n    notes: '*: x'\n"
    assert isinstance(parse_scenario(text).edits[0], SetNode)  # the format cannot know the node's other columns
    with pytest.raises(InputFileError) as caught:
        apply_edits(toy_network, parse_scenario(text, "rules.yaml"))
    assert "rules.yaml:2: handling_usd_per_teu: is required when handling_h is given" in str(caught.value)


def test_applying_never_touches_the_base(toy_network: Network) -> None:
    base = copy.deepcopy((dict(toy_network.nodes), dict(toy_network.links), dict(toy_network.services)))
    provenance = toy_network.services["KZ-TRAIN"].provenance
    text = (
        "edits:\n  - op: set_service\n    id: KZ-TRAIN\n    headway_h: 6\n    sources: headway_h=ESTIMATE\n"
        "    notes: 'headway_h: twice as often'\n"
    )
    edited = apply_edits(toy_network, parse_scenario(text))
    assert edited.services["KZ-TRAIN"].headway_h == 6
    assert edited.services["KZ-TRAIN"].provenance.keys_for("headway_h") == ("ESTIMATE",)
    assert edited.services["KZ-TRAIN"].provenance.keys_for("capacity_teu_per_departure") == ("ESTIMATE",)
    assert (dict(toy_network.nodes), dict(toy_network.links), dict(toy_network.services)) == base
    assert toy_network.services["KZ-TRAIN"].provenance is provenance
    assert toy_network.services["KZ-TRAIN"].line > 0


@pytest.mark.parametrize("op", ["scale_capacity", "set_service"])
def test_headway_services_without_an_anchor_can_be_edited(shipped_network: Network, op: str) -> None:
    # Used to fail with "sources: the number in 'headway_anchor' has no source": the old apply wrote the record
    # back to cells (with an anchor of Mon 00:00 the file never had) and re-checked its provenance.
    service = shipped_network.services["CR-1435"]
    assert service.kind.value == "headway"
    assert "headway_anchor" not in service.provenance.keys_by_column
    field = "service: CR-1435\n    factor: 2" if op == "scale_capacity" else "id: CR-1435\n    headway_h: 12"
    note = "factor" if op == "scale_capacity" else "headway_h"
    text = f"edits:\n  - op: {op}\n    {field}\n    sources: ESTIMATE\n    notes: '{note}: assumed'\n"
    edited = apply_edits(shipped_network, parse_scenario(text, "headway.yaml"))
    if op == "scale_capacity":
        assert edited.services["CR-1435"].capacity_teu_per_departure == 2 * service.capacity_teu_per_departure  # type: ignore[operator]
    else:
        assert isinstance(parse_scenario(text).edits[0], SetService)
        assert edited.services["CR-1435"].headway_h == 12
    assert edited.services["CR-1435"].headway_anchor_min == service.headway_anchor_min


def test_edits_built_in_code_obey_the_same_rules(toy_network: Network) -> None:
    edit = edit_from_fields(
        "set_border_dwell", {"node": "GAUGE_KZ", "entry_h": 5, "sources": "ESTIMATE", "notes": "*: x"}
    )
    assert apply_edits(toy_network, [edit]).nodes["GAUGE_KZ"].border_entry_h == 5
    with pytest.raises(InputFileError, match=r"code\.yaml:7: op: must be one of"):
        edit_from_fields("close_borders", {"countries": ["CN", "KZ"]}, file="code.yaml", line=7)
