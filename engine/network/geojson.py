"""Export a network as an RFC 7946 GeoJSON FeatureCollection: nodes as Points, links as LineStrings."""

from __future__ import annotations

from typing import Any

from engine.network.model import Link, Network, Node


def network_to_geojson(network: Network) -> dict[str, Any]:
    """Return the network as a GeoJSON ``FeatureCollection`` (a plain dict, ready for ``json.dump``).

    Coordinates are ``[longitude, latitude]`` in WGS 84, as RFC 7946 requires; links follow their track or sea lane
    where the network has one (``geometry.geojson``). Every feature has ``properties.feature_type`` (``"node"`` or
    ``"link"``) and the record's fields with their units; the collection's ``network`` is the snapshot's label
    (``middle_corridor+georgia_border@1a2b3c4d`` with scenarios).
    """
    features: list[dict[str, Any]] = [_node_feature(n) for n in network.nodes.values()]
    features += [_link_feature(network, link) for link in network.links.values()]
    # "network" (a foreign member, RFC 7946 §6.1) names the snapshot: scenarios applied and content hash.
    return {"type": "FeatureCollection", "network": network.label, "features": features}


def _node_feature(node: Node) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": node.id,
        "geometry": {"type": "Point", "coordinates": [node.lon, node.lat]},
        "properties": {
            "feature_type": "node",
            "id": node.id,
            "name": node.name,
            "aliases": list(node.aliases),
            "locode": node.locode,
            "country": node.country,
            "kinds": sorted(k.value for k in node.kinds),
            "gauge_mm": sorted(node.gauges_mm),
            "handling_h": node.handling_h,
            "handling_usd_per_teu": node.handling_usd_per_teu,
            "border_exit_h": node.border_exit_h,
            "border_entry_h": node.border_entry_h,
        },
    }


def _link_feature(network: Network, link: Link) -> dict[str, Any]:
    src, dst = network.nodes[link.from_id], network.nodes[link.to_id]
    return {
        "type": "Feature",
        "id": link.id,
        "geometry": {"type": "LineString", "coordinates": link_line(link, src, dst)},
        "properties": {
            "feature_type": "link",
            "id": link.id,
            "from": link.from_id,
            "to": link.to_id,
            "mode": link.mode.value,
            "service": link.service_id,
            "operator": link.operator,
            "load_unit": link.load_unit.value,
            "gauge_mm": link.gauge_mm,
            "distance_km": link.distance_km,
            "run_h": link.run_h,
            "usd_per_teu": link.usd_per_teu,
            "usd_per_kg": link.usd_per_kg,
            "usd_per_truck": link.usd_per_truck,
            "capacity_teu_per_week": link.capacity_teu_per_week,
        },
    }


def link_line(link: Link, src: Node, dst: Node) -> list[list[float]]:
    """``[lon, lat]`` positions of the link from node to node: the nodes' own positions at the ends and, when the
    network has the link's track or sea lane (``geometry.geojson``), its inner points; else a straight segment."""
    inner = link.geometry[1:-1] if link.geometry else ()
    return [[src.lon, src.lat], *([lon, lat] for lon, lat in inner), [dst.lon, dst.lat]]
