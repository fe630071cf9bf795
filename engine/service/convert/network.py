"""NetworkService translation: the network's description, nodes and links as messages, listings in pages."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import TypeVar

from corridor.v1 import network_pb2, types_pb2

from engine.errors import FieldProblem, InvalidRequest
from engine.network.model import Link, Network, Node
from engine.network.places import (
    PLACE_TERMINALS,
    nearest_nodes,
    point_problems,
    radius_problems,
    terminals_near_place,
)
from engine.network.summary import summarise
from engine.service.convert.common import LOAD_UNITS, MODE_TO_PROTO, MODES, NODE_KINDS, NODE_KINDS_FROM_PROTO

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def network_info(network: Network) -> network_pb2.GetNetworkInfoResponse:
    """The network's description."""
    summary = summarise(network)
    return network_pb2.GetNetworkInfoResponse(
        name=network.name,
        title=network.title,
        version=network.version,
        node_count=len(network.nodes),
        link_count=len(network.links),
        service_count=len(network.services),
        modes=[MODE_TO_PROTO[m] for m in network.modes],
        countries=sorted({n.country for n in network.nodes.values()}),
        origins=network.origins,
        destinations=network.destinations,
        sourced_share=summary.sourced_share,
        source_count=summary.sources,
        as_of="" if network.as_of is None else network.as_of.isoformat(),
    )


def node_to_proto(node: Node) -> network_pb2.Node:
    """A node as a protobuf message."""
    message = network_pb2.Node(
        id=node.id,
        name=node.name,
        aliases=node.aliases,
        locode=node.locode or "",
        country=node.country,
        lat=node.lat,
        lon=node.lon,
        kinds=sorted(NODE_KINDS[k] for k in node.kinds),
        gauges_mm=sorted(node.gauges_mm),
    )
    for field in ("handling_h", "handling_usd_per_teu", "border_exit_h", "border_entry_h"):
        value = getattr(node, field)
        if value is not None:
            setattr(message, field, value)
    return message


def link_to_proto(link: Link) -> network_pb2.Link:
    """A link as a protobuf message."""
    message = network_pb2.Link(
        id=link.id,
        from_node=link.from_id,
        to_node=link.to_id,
        mode=MODE_TO_PROTO[link.mode],
        service=link.service_id,
        operator=link.operator or "",
        load_unit=LOAD_UNITS[link.load_unit],
        gauge_mm=link.gauge_mm or 0,
        distance_km=link.distance_km,
        run_h=link.run_h,
        teu_per_truck=link.teu_per_truck or 0.0,
        emission_class=link.emission_class,
    )
    if link.usd_per_teu is not None:
        message.usd_per_teu = link.usd_per_teu
    elif link.usd_per_kg is not None:
        message.usd_per_kg = link.usd_per_kg
    elif link.usd_per_truck is not None:
        message.usd_per_truck = link.usd_per_truck
    if link.capacity_teu_per_week is not None:
        message.capacity_teu_per_week = link.capacity_teu_per_week
    return message


def page(
    items: Sequence[T], page_size: int, page_token: str, listing: str, network: Network
) -> tuple[Sequence[T], str]:
    """One page of ``items`` and the token of the next page ('' on the last).

    A token is bound to the listing's filters and to the network version, so a token from another listing or an
    older network is refused instead of silently skipping or repeating items.
    """
    problems: list[FieldProblem] = []
    if page_size > MAX_PAGE_SIZE:
        problems.append(FieldProblem("page_size", f"must be between 1 and {MAX_PAGE_SIZE}, got {page_size}"))
    size = page_size or DEFAULT_PAGE_SIZE
    fingerprint = hashlib.sha256(f"{network.version}|{listing}".encode()).hexdigest()[:12]
    offset = 0
    if page_token:
        try:
            decoded = base64.urlsafe_b64decode(page_token.encode()).decode()
            token_fingerprint, token_offset = decoded.split(":")
            offset = int(token_offset)
        except (ValueError, UnicodeDecodeError):
            problems.append(FieldProblem("page_token", "is not a token this server issued"))
        else:
            if token_fingerprint != fingerprint or not 0 <= offset <= len(items):
                problems.append(
                    FieldProblem(
                        "page_token",
                        "belongs to another listing or network version; repeat the request without a token",
                    )
                )
    if problems:
        raise InvalidRequest(problems)
    chunk = items[offset : offset + size]
    following = offset + size
    token = base64.urlsafe_b64encode(f"{fingerprint}:{following}".encode()).decode() if following < len(items) else ""
    return chunk, token


def list_nodes(request: network_pb2.ListNodesRequest, network: Network) -> network_pb2.ListNodesResponse:
    """Answer ListNodes: filter by text, country and kind, best match first; nearest first around ``near``; a
    query naming a city that is not a node lists the terminals nearest to it (``place`` says which city)."""
    problems: list[FieldProblem] = []
    country = request.country.strip().upper()
    kind = None
    if request.kind != types_pb2.NODE_KIND_UNSPECIFIED:
        kind = NODE_KINDS_FROM_PROTO.get(request.kind)
        if kind is None:
            problems.append(FieldProblem("kind", f"unknown value {request.kind}"))
    near = request.near if request.HasField("near") else None
    if near is not None:
        problems += point_problems(near.lat, near.lon, "near")
    radius_km = request.radius_km or None
    problems += radius_problems(radius_km, "radius_km")
    if radius_km is not None and near is None and not request.query.strip():
        problems.append(FieldProblem("radius_km", "needs near (a point) or a query naming a place"))
    if problems:
        raise InvalidRequest(problems)
    matches = network.node_index.find_nodes(request.query, country=country, kind=kind)
    listing = f"nodes|{request.query}|{country}|{request.kind}|{near and (near.lat, near.lon)}|{radius_km}"
    distances: dict[str, float] = {}
    place = None
    if near is not None:
        ranked = nearest_nodes(matches, near.lat, near.lon, radius_km=radius_km)
        matches = [n.node for n in ranked]
        distances = {n.node.id: n.distance_km for n in ranked}
    elif not matches and request.query.strip():
        found = terminals_near_place(
            network.nodes.values(),
            request.query,
            kinds=() if kind is None else (kind,),
            limit=None if radius_km else PLACE_TERMINALS,
            radius_km=radius_km,
        )
        if found is not None:
            city, ranked = found
            ranked = [n for n in ranked if not country or n.node.country == country]
            place = network_pb2.Place(
                name=city.name, country=city.country, lat=city.lat, lon=city.lon, source=city.source
            )
            matches = [n.node for n in ranked]
            distances = {n.node.id: n.distance_km for n in ranked}
    chunk, token = page(matches, request.page_size, request.page_token, listing, network)
    nodes = []
    for node in chunk:
        message = node_to_proto(node)
        if node.id in distances:
            message.distance_km = round(distances[node.id], 3)
        nodes.append(message)
    return network_pb2.ListNodesResponse(nodes=nodes, next_page_token=token, total_size=len(matches), place=place)


def list_links(request: network_pb2.ListLinksRequest, network: Network) -> network_pb2.ListLinksResponse:
    """Answer ListLinks: filter by mode and node, ordered by id."""
    problems: list[FieldProblem] = []
    mode = None
    if request.mode != types_pb2.MODE_UNSPECIFIED:
        mode = MODES.get(request.mode)
        if mode is None:
            problems.append(FieldProblem("mode", f"unknown value {request.mode}"))
    node = request.node.strip()
    if node and node not in network.nodes:
        problems.append(FieldProblem("node", f"{node!r} is not a node of network {network.label}"))
    if problems:
        raise InvalidRequest(problems)
    links = [
        link
        for link in network.links.values()
        if (mode is None or link.mode is mode) and (not node or node in (link.from_id, link.to_id))
    ]
    chunk, token = page(links, request.page_size, request.page_token, f"links|{request.mode}|{node}", network)
    return network_pb2.ListLinksResponse(
        links=[link_to_proto(link) for link in chunk], next_page_token=token, total_size=len(links)
    )
