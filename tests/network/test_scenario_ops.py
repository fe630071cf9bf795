"""The relative and closing edits: ``scale`` with selectors, ``close_country``, ``close_node``/``close_passage``;
and what a scenario changes, in words (:mod:`engine.network.scenario_diff`)."""

from __future__ import annotations

import pytest

from engine.errors import InputFileError
from engine.network import Network
from engine.network.scenario import apply_scenarios, parse_scenario
from engine.network.scenario_diff import diff_networks


def _scale(what: str, selector: str, factor: float = 0.5, extra: str = "") -> str:
    return (
        f"name: s\nedits:\n  - op: scale\n    what: {what}\n    {selector}\n    factor: {factor}\n{extra}"
        "    sources: ESTIMATE\n    notes: 'factor: assumed'\n"
    )


def test_scale_border_dwell_by_country_pair_halves_both_sides(toy_network: Network) -> None:
    edited = apply_scenarios(toy_network, [parse_scenario(_scale("border_dwell", "countries: [CN, KZ]"), "g.yaml")])
    assert edited.nodes["BORDER_CN"].border_exit_h == 7
    assert edited.nodes["GAUGE_KZ"].border_entry_h == 39
    assert edited.nodes["PORT_AZ"].border_entry_h == 10  # not on a CN–KZ link
    note = edited.nodes["GAUGE_KZ"].provenance.notes_by_column["border_entry_h"]
    assert note.startswith("78 × 0.5: assumed")
    assert "ESTIMATE" in edited.nodes["GAUGE_KZ"].provenance.keys_for("border_entry_h")
    assert edited.label == f"toy+s@{edited.version[:8]}"


def test_scale_border_dwell_direction_keeps_the_other_side(toy_network: Network) -> None:
    text = _scale("border_dwell", "node: GAUGE_KZ", 2, "    direction: exit\n")
    with pytest.raises(InputFileError, match=r"d\.yaml:3: selects no record with a border dwell"):
        apply_scenarios(toy_network, [parse_scenario(text, "d.yaml")])  # GAUGE_KZ has no exit dwell
    edited = apply_scenarios(toy_network, [parse_scenario(text.replace("exit", "entry"), "d.yaml")])
    assert edited.nodes["GAUGE_KZ"].border_entry_h == 156


def test_scale_tariff_by_mode_touches_only_that_mode(toy_network: Network) -> None:
    edited = apply_scenarios(toy_network, [parse_scenario(_scale("tariff", "mode: rail", 1.1))])
    assert edited.links["R-ORIGIN-BORDER"].usd_per_teu == pytest.approx(990)
    assert edited.links["F-PORT_KZ-PORT_AZ"].usd_per_teu == 600


def test_scale_capacity_of_a_service_scales_its_departures_and_links(toy_network: Network) -> None:
    edited = apply_scenarios(toy_network, [parse_scenario(_scale("capacity", "service: CASPIAN-FEEDER", 2))])
    assert edited.services["CASPIAN-FEEDER"].capacity_teu_per_departure == 600
    assert edited.links["F-PORT_KZ-PORT_AZ"].capacity_teu_per_week == 3400
    assert edited.links["R-GAUGE-PORT"].capacity_teu_per_week == 5000


def test_scale_headway_by_operator(toy_network: Network) -> None:
    edited = apply_scenarios(toy_network, [parse_scenario(_scale("headway", "operator: KTZ"))])
    assert edited.services["KZ-TRAIN"].headway_h == 6
    assert edited.services["CN-TRAIN"].headway_h == 24


def test_scale_headway_that_breaks_the_week_fails_at_the_edit(toy_network: Network) -> None:
    with pytest.raises(
        InputFileError, match=r"h\.yaml:6: factor: makes headway_h of .KZ-TRAIN. invalid: must divide a week"
    ):
        apply_scenarios(toy_network, [parse_scenario(_scale("headway", "service: KZ-TRAIN", 0.45), "h.yaml")])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_scale("dwell", "node: GAUGE_KZ"), r"b\.yaml:4: what: must be one of border_dwell.*got 'dwell'"),
        (_scale("tariff", "mode: boat"), r"b\.yaml:5: mode: must be among rail, ferry"),
        (_scale("tariff", "country: XX"), r"b\.yaml:5: country: must be ISO 3166-1"),
        (_scale("tariff", "mode: rail", -1), r"b\.yaml:6: factor: must be > 0"),
        (_scale("headway", "mode: rail", 1, "    direction: exit\n"), r"b\.yaml:7: direction: only border_dwell"),
    ],
)
def test_bad_scale_edits_name_the_field_and_line(text: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        parse_scenario(text, "b.yaml")


def test_scale_needs_a_source_for_its_factor() -> None:
    text = "edits:\n  - op: scale\n    what: tariff\n    mode: rail\n    factor: 2\n"
    with pytest.raises(InputFileError, match=r"no source"):
        parse_scenario(text, "p.yaml")


def test_close_country_removes_every_link_touching_it_and_the_stranded_nodes(toy_network: Network) -> None:
    text = "edits:\n  - op: close_country\n    country: AZ\n    modes: [road]\n"
    edited = apply_scenarios(toy_network, [parse_scenario(text, "c.yaml")])
    assert "T-PORT_AZ-DEST" not in edited.links
    assert "R-PORT_AZ-DEST" in edited.links
    with pytest.raises(InputFileError, match=r"c\.yaml:3: country: no link touches TR"):
        apply_scenarios(toy_network, [parse_scenario(text.replace("AZ", "TR"), "c.yaml")])


@pytest.mark.parametrize("op", ["close_node", "close_passage"])
def test_close_node_removes_its_links_and_the_node(toy_network: Network, op: str) -> None:
    text = f"name: cut\nedits:\n  - op: {op}\n    node: PORT_AZ\n    modes: road\n"
    edited = apply_scenarios(toy_network, [parse_scenario(text, "n.yaml")])
    assert "T-PORT_AZ-DEST" not in edited.links
    assert "PORT_AZ" in edited.nodes
    with pytest.raises(InputFileError, match=r"n\.yaml:4: node: unknown node 'PORT_AX' \(did you mean 'PORT_AZ'"):
        apply_scenarios(toy_network, [parse_scenario(text.replace("PORT_AZ", "PORT_AX"), "n.yaml")])


def test_diff_says_what_changed_in_words(toy_network: Network) -> None:
    scale = parse_scenario(_scale("border_dwell", "countries: [CN, KZ]"), "g.yaml")
    close = parse_scenario("name: c\nedits:\n  - op: close_node\n    node: PORT_AZ\n    mode: road\n", "c.yaml")
    edited = apply_scenarios(toy_network, [scale, close])
    diff = diff_networks(toy_network, edited)
    assert diff.edited_label.startswith("toy+s+c@")
    assert "node GAUGE_KZ (KZ): border dwell entry (h) 78 → 39 (×0.5)" in diff.lines
    assert "node BORDER_CN (CN): border dwell exit (h) 14 → 7 (×0.5)" in diff.lines
    assert any(
        line.startswith("closes 2 link(s) within/between AZ (2 road): T-PORT_AZ-DEST, T-PORT_AZ-DEST.R")
        for line in diff.lines
    )
    assert diff_networks(toy_network, toy_network).lines == ()


def test_selectors_combine_and_match_by_country_operator_and_link(toy_network: Network) -> None:
    one_country = apply_scenarios(toy_network, [parse_scenario(_scale("border_dwell", "country: KZ", 2))])
    assert one_country.nodes["GAUGE_KZ"].border_entry_h == 156
    assert one_country.nodes["PORT_KZ"].border_exit_h == pytest.approx(13.6)
    assert one_country.nodes["BORDER_CN"].border_exit_h == 14
    by_operator = apply_scenarios(toy_network, [parse_scenario(_scale("tariff", "operators: China Railway", 2))])
    assert by_operator.links["R-ORIGIN-BORDER"].usd_per_teu == 1800
    assert by_operator.links["R-GAUGE-PORT"].usd_per_teu == 435
    # Every criterion must match: a link of the list *and* of the mode ferry is none of them.
    both = _scale("tariff", "links: [R-ORIGIN-BORDER, R-GAUGE-PORT]\n    mode: ferry")
    with pytest.raises(InputFileError, match=r"<edits>:3: selects no record with a tariff to scale"):
        apply_scenarios(toy_network, [parse_scenario(both)])


def test_a_plural_and_a_singular_selector_together_are_refused() -> None:
    with pytest.raises(InputFileError, match=r"x\.yaml:6: mode: give either modes or mode, not both"):
        parse_scenario(_scale("tariff", "modes: [rail]\n    mode: ferry"), "x.yaml")
