"""The shipped network covers what issue 2 asks for, and every number names a source (the loader enforces it)."""

from __future__ import annotations

from engine.network import Mode, Network, NodeKind

REQUIRED_NODES = {
    # China origins and seaports
    "XIAN",
    "CHONGQING",
    "CHENGDU",
    "ZHENGZHOU",
    "YIWU",
    "LIANYUNGANG",
    "URUMQI",
    "KASHGAR",
    "SHANGHAI",
    "NINGBO",
    # Kazakhstan
    "DOSTYK",
    "ALTYNKOL",
    "ALMATY",
    "ALATAU",
    "ASTANA",
    "SHYMKENT",
    "MOYINTY",
    "BEINEU",
    "AKTAU",
    "KURYK",
    # Uzbekistan, Turkmenistan, Azerbaijan, Georgia
    "TASHKENT",
    "TURKMENBASHI",
    "ALAT",
    "BAKU",
    "TBILISI",
    "MARABDA",
    "AKHALKALAKI",
    "POTI",
    "BATUMI",
    # Türkiye and the Black Sea
    "KARS",
    "ERZURUM",
    "ANKARA",
    "ISTANBUL",
    "IZMIT",
    "MERSIN",
    "SAMSUN",
    "CONSTANTA",
    "BURGAS",
    "VARNA",
    "CHORNOMORSK",
    # EU destinations and the EU air hub
    "BUDAPEST",
    "ZAHONY",
    "SLAWKOW",
    "MALASZEWICZE",
    "WARSAW",
    "PRAGUE",
    "DUISBURG",
    "HAMBURG",
    "ROTTERDAM",
    "PIRAEUS",
    "FRA",
}


def _pairs(network: Network, mode: Mode) -> set[tuple[str, str]]:
    return {(link.from_id, link.to_id) for link in network.links.values() if link.mode is mode}


def test_size_and_modes(shipped_network: Network) -> None:
    assert len(shipped_network.nodes) >= 70
    assert len(shipped_network.links) >= 250
    assert set(shipped_network.modes) == set(Mode)
    assert shipped_network.warnings == ()


def test_required_places(shipped_network: Network) -> None:
    assert set(shipped_network.nodes) >= REQUIRED_NODES


def test_caspian_and_black_sea_crossings(shipped_network: Network) -> None:
    ferries = _pairs(shipped_network, Mode.FERRY)
    for a, b in [
        ("AKTAU", "ALAT"),
        ("KURYK", "ALAT"),
        ("TURKMENBASHI", "ALAT"),
        ("POTI", "CONSTANTA"),
        ("BATUMI", "CONSTANTA"),
        ("POTI", "BURGAS"),
        ("POTI", "VARNA"),
        ("BATUMI", "CHORNOMORSK"),
    ]:
        assert (a, b) in ferries, (a, b)
        assert (b, a) in ferries, (b, a)


def test_every_gauge_break_is_a_gauge_change_node(shipped_network: Network) -> None:
    changes = {n.id for n in shipped_network.nodes.values() if NodeKind.GAUGE_CHANGE in n.kinds}
    assert {"DOSTYK", "ALTYNKOL", "AKHALKALAKI", "MALASZEWICZE", "KUZNICA", "ZAHONY"} <= changes
    for node_id in changes:
        node = shipped_network.nodes[node_id]
        assert node.gauges_mm == {1435, 1520}
        assert node.handling_h is not None
        assert node.handling_usd_per_teu
    # Where rail links of both gauges meet, it is a gauge-change node (so every break is a transshipment).
    for node in shipped_network.nodes.values():
        gauges = {link.gauge_mm for link in shipped_network.links_from[node.id] if link.mode is Mode.RAIL}
        gauges |= {link.gauge_mm for link in shipped_network.links_to[node.id] if link.mode is Mode.RAIL}
        if len(gauges) > 1:
            assert node.id in changes, node.id


def test_corridors_to_compare(shipped_network: Network) -> None:
    countries = {n.country for n in shipped_network.nodes.values()}
    assert {"RU", "BY"} <= countries  # the Northern corridor
    sea = {n for pair in _pairs(shipped_network, Mode.SEA) for n in pair}
    assert {"SUEZ", "CAPE_GOOD_HOPE", "SHANGHAI", "NINGBO", "ROTTERDAM", "HAMBURG", "PIRAEUS"} <= sea
    airports = {n for pair in _pairs(shipped_network, Mode.AIR) for n in pair}
    assert {
        "ALMATY_AIRPORT",
        "ASTANA_AIRPORT",
        "NAVOI_AIRPORT",
        "BAKU_AIRPORT",
        "TBILISI_AIRPORT",
        "ISTANBUL_AIRPORT",
        "FRA",
    } <= airports


def test_services_have_capacity_per_departure(shipped_network: Network) -> None:
    for service in shipped_network.services.values():
        if service.kind.value != "continuous":
            assert service.capacity_teu_per_departure or service.capacity_kg_per_departure, service.id


def test_a_real_share_of_numbers_is_sourced(shipped_network: Network) -> None:
    share = shipped_network.sourced_share
    assert share.sourced > 400
    assert 0.2 < share.share < 1
    assert {"CPMM-2022-KZ", "INDEX1520-DOSTYK", "ARFC-2023", "CLIMATIQ-GLEC"} <= set(shipped_network.sources)
