"""NetworkService over gRPC: info, node search with paging, links with filters, bad tokens."""

from __future__ import annotations

import grpc
import pytest
from corridor.v1 import network_pb2, network_pb2_grpc, types_pb2

from engine.network import Network
from tests.contract.conftest import ServerProcess


@pytest.fixture(scope="module")
def stub(server: ServerProcess) -> network_pb2_grpc.NetworkServiceStub:
    return network_pb2_grpc.NetworkServiceStub(server.channel())


def test_network_info(stub: network_pb2_grpc.NetworkServiceStub, shipped_network: Network) -> None:
    info = stub.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10)
    assert (info.name, info.version) == ("middle_corridor", shipped_network.version)
    assert (info.node_count, info.link_count) == (len(shipped_network.nodes), len(shipped_network.links))
    assert list(info.modes) == [
        types_pb2.MODE_RAIL,
        types_pb2.MODE_FERRY,
        types_pb2.MODE_SEA,
        types_pb2.MODE_ROAD,
        types_pb2.MODE_AIR,
    ]
    assert "XIAN" in info.origins
    assert "DUISBURG" in info.destinations
    assert 0 < info.sourced_share < 1
    assert info.source_count > 0


def test_paging_walks_every_node_once(stub: network_pb2_grpc.NetworkServiceStub, shipped_network: Network) -> None:
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = stub.ListNodes(network_pb2.ListNodesRequest(page_size=25, page_token=token), timeout=10)
        assert page.total_size == len(shipped_network.nodes)
        seen += [n.id for n in page.nodes]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(shipped_network.nodes)
    assert len(seen) == len(set(seen))
    assert pages == -(-len(shipped_network.nodes) // 25)


def test_search_filters(stub: network_pb2_grpc.NetworkServiceStub) -> None:
    found = stub.ListNodes(network_pb2.ListNodesRequest(query="aktau"), timeout=10)
    assert found.nodes[0].id == "AKTAU"
    gauge_changes = stub.ListNodes(
        network_pb2.ListNodesRequest(kind=types_pb2.NODE_KIND_GAUGE_CHANGE, country="KZ"), timeout=10
    )
    assert {n.id for n in gauge_changes.nodes} == {"DOSTYK", "ALTYNKOL"}
    assert all(sorted(n.gauges_mm) == [1435, 1520] for n in gauge_changes.nodes)
    accent = stub.ListNodes(network_pb2.ListNodesRequest(query="Constanța"), timeout=10)
    assert accent.nodes[0].id == "CONSTANTA"


def test_links_by_mode_and_node(stub: network_pb2_grpc.NetworkServiceStub, shipped_network: Network) -> None:
    ferries = stub.ListLinks(
        network_pb2.ListLinksRequest(mode=types_pb2.MODE_FERRY, node="ALAT", page_size=1000), timeout=10
    )
    expected = [
        link.id
        for link in shipped_network.links.values()
        if link.mode.value == "ferry" and "ALAT" in (link.from_id, link.to_id)
    ]
    assert [link.id for link in ferries.links] == sorted(expected)
    assert all(link.WhichOneof("tariff") in ("usd_per_teu", "usd_per_truck") for link in ferries.links)


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (network_pb2.ListNodesRequest(page_token="not-a-token"), "page_token"),
        (network_pb2.ListNodesRequest(page_size=5000), "page_size"),
        (network_pb2.ListLinksRequest(node="NOWHERE"), "node"),
        (network_pb2.ListNodesRequest(near=types_pb2.LatLon(lat=95, lon=0)), "near.lat"),
        (network_pb2.ListNodesRequest(near=types_pb2.LatLon(lat=0, lon=-200)), "near.lon"),
        (network_pb2.ListNodesRequest(near=types_pb2.LatLon(lat=1, lon=2), radius_km=-3), "radius_km"),
        (network_pb2.ListNodesRequest(radius_km=50), "radius_km"),
    ],
)
def test_bad_listing_requests(stub: network_pb2_grpc.NetworkServiceStub, message: object, field: str) -> None:
    call = stub.ListNodes if isinstance(message, network_pb2.ListNodesRequest) else stub.ListLinks
    with pytest.raises(grpc.RpcError) as caught:
        call(message, timeout=10)  # type: ignore[operator]
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert str(caught.value.details()).startswith(f"{field}: ")


def test_a_token_from_another_listing_is_refused(stub: network_pb2_grpc.NetworkServiceStub) -> None:
    token = stub.ListNodes(network_pb2.ListNodesRequest(page_size=10), timeout=10).next_page_token
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListNodes(network_pb2.ListNodesRequest(page_size=10, page_token=token, country="KZ"), timeout=10)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "belongs to another listing" in str(caught.value.details())


def test_nodes_near_a_point_nearest_first(stub: network_pb2_grpc.NetworkServiceStub) -> None:
    almaty = types_pb2.LatLon(lat=43.25, lon=76.95)
    listed = stub.ListNodes(network_pb2.ListNodesRequest(near=almaty, page_size=5), timeout=10)
    assert listed.nodes[0].id == "ALMATY"
    distances = [n.distance_km for n in listed.nodes]
    assert distances == sorted(distances)
    assert distances[0] < 10
    assert all(n.HasField("distance_km") for n in listed.nodes)
    assert not listed.HasField("place")
    within = stub.ListNodes(network_pb2.ListNodesRequest(near=almaty, radius_km=20), timeout=10)
    assert {n.id for n in within.nodes} == {"ALMATY", "ALMATY_AIRPORT"}
    assert within.total_size == 2
    airports = stub.ListNodes(
        network_pb2.ListNodesRequest(near=almaty, kind=types_pb2.NODE_KIND_AIRPORT, page_size=1), timeout=10
    )
    assert [n.id for n in airports.nodes] == ["ALMATY_AIRPORT"]


def test_a_city_that_is_not_a_node_lists_its_nearest_terminals(stub: network_pb2_grpc.NetworkServiceStub) -> None:
    listed = stub.ListNodes(network_pb2.ListNodesRequest(query="Dortmund"), timeout=10)
    assert listed.place.name == "Dortmund"
    assert listed.place.country == "DE"
    assert listed.place.source == "GEONAMES-CACHE-3-0-2"
    assert [n.id for n in listed.nodes][:2] == ["DUISBURG", "COLOGNE"]
    assert len(listed.nodes) == 5
    assert 40 < listed.nodes[0].distance_km < 60
    nearby = stub.ListNodes(network_pb2.ListNodesRequest(query="Wuxi", radius_km=100), timeout=10)
    assert [n.id for n in nearby.nodes] == ["SUZHOU"]
    # A node name is still a node, and nonsense is still nothing.
    assert not stub.ListNodes(network_pb2.ListNodesRequest(query="Almaty"), timeout=10).HasField("place")
    nothing = stub.ListNodes(network_pb2.ListNodesRequest(query="Nowhereville"), timeout=10)
    assert nothing.total_size == 0
    assert not nothing.HasField("place")
