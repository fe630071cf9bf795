"""Node lookup is case-, accent- and punctuation-insensitive; ambiguity lists candidates."""

from __future__ import annotations

import pytest

from engine.errors import InvalidRequest, UnknownNode
from engine.network import Network, NodeKind
from engine.network.lookup import normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Xi'an", "xian"),
        ("XI’AN", "xian"),
        ("Constanța", "constanta"),
        ("Záhony", "zahony"),
        ("Sławków", "slawkow"),
        ("Kapıkule", "kapikule"),
        ("Böyük Kəsik", "boyukkesik"),
        ("Köseköy", "kosekoy"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_resolve_by_id_name_alias_locode(toy_network: Network) -> None:
    index = toy_network.node_index
    assert index.resolve("GAUGE_KZ").id == "GAUGE_KZ"
    assert index.resolve("kazakh gauge change").id == "GAUGE_KZ"
    assert index.resolve("Dostyk-Toy").id == "GAUGE_KZ"
    assert index.resolve("kzakx").id == "PORT_KZ"
    assert index.resolve("Xian toy").id == "ORIGIN"


def test_unknown_node(toy_network: Network) -> None:
    with pytest.raises(UnknownNode, match=r"origin: 'Paris' is not a node of network toy@"):
        toy_network.node_index.resolve("Paris", field="origin")


def test_ambiguous_name_lists_candidates(toy_network: Network) -> None:
    with pytest.raises(InvalidRequest) as caught:
        toy_network.node_index.resolve("caspian port", field="destination")
    assert str(caught.value) == (
        "destination: 'caspian port' is ambiguous; it matches PORT_AZ (Caspian Port AZ), "
        "PORT_KZ (Caspian Port KZ). Use a node id."
    )


def test_search_ranks_exact_before_substring(toy_network: Network) -> None:
    ids = [m.node.id for m in toy_network.node_index.search("port")]
    assert ids == ["PORT_AZ", "PORT_KZ"]
    assert [m.node.id for m in toy_network.node_index.search("")][:2] == ["BORDER_CN", "DEST"]


def test_find_nodes_filters_by_country_and_kind(toy_network: Network) -> None:
    """The one node filter behind ``corridor network nodes`` and the service's ListNodes."""
    index = toy_network.node_index
    assert [n.id for n in index.find_nodes("", country=" kz ")] == ["GAUGE_KZ", "PORT_KZ"]
    assert [n.id for n in index.find_nodes("", kind=NodeKind.SEAPORT)] == ["PORT_AZ", "PORT_KZ"]
    assert [n.id for n in index.find_nodes("port", country="AZ", kind=NodeKind.SEAPORT)] == ["PORT_AZ"]
    assert [n.id for n in index.find_nodes("", country="")] == sorted(toy_network.nodes)
    assert index.find_nodes("port", country="CN") == []
