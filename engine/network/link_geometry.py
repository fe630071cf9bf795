"""Link polylines from the optional ``geometry.geojson`` of a network directory (written by
``graphs/build/geometry.py``): the track or sea lane a link follows, so maps and GeoJSON exports show real lines.

The file is a GeoJSON FeatureCollection with one LineString feature per link row, the feature ``id`` being the row's
link id; a reverse link (``<id>.R``) gets the row's line reversed. A link without a feature keeps its straight
segment. Geometry is display only: routing never reads it, so the network's version hash does not include it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace

from engine.network.inputs import Problems
from engine.network.model import Link, Node
from engine.network.places import great_circle_km

GEOMETRY_FILE = "geometry.geojson"
MAX_END_KM = 25.0
"""A line must start and end this close to its link's nodes (a GeoNames point and the nearest graph vertex can be a
few km apart; farther means the line belongs to another link)."""
MAX_FILE_BYTES = 20_000_000


def attach_geometry(
    text: str, links: Mapping[str, Link], nodes: Mapping[str, Node], problems: Problems
) -> dict[str, Link]:
    """``links`` with the polylines of ``text`` (the geometry file's content) attached; problems added.

    Every feature is checked: its id is a link row of ``links.csv``, it is a LineString of at least two
    (lon, lat) positions in range, and it starts and ends within ``MAX_END_KM`` of the link's nodes.
    """
    out = dict(links)
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(GEOMETRY_FILE, exc.lineno, None, f"is not JSON: {exc.msg}")
        return out
    features = collection.get("features") if isinstance(collection, dict) else None
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
        problems.add(GEOMETRY_FILE, None, None, "must be a GeoJSON FeatureCollection with a 'features' list")
        return out
    for number, feature in enumerate(features, start=1):
        where = f"feature {number}"
        link_id = feature.get("id") if isinstance(feature, dict) else None
        if not isinstance(link_id, str) or link_id not in links or links[link_id].reverse_of is not None:
            shown = repr(link_id)[:60]
            problems.add(GEOMETRY_FILE, None, "id", f"{where}: {shown} is not a link row id of links.csv")
            continue
        line = _line(feature, f"{where} ({link_id})", problems)
        if line is None:
            continue
        link = links[link_id]
        start, end = nodes[link.from_id], nodes[link.to_id]
        for label, point, node in (("starts", line[0], start), ("ends", line[-1], end)):
            gap = great_circle_km(point[1], point[0], node.lat, node.lon)
            if gap > MAX_END_KM:
                problems.add(
                    GEOMETRY_FILE,
                    None,
                    "coordinates",
                    f"{where} ({link_id}) {label} {gap:,.0f} km from node {node.id}; at most {MAX_END_KM:g} km",
                )
                line = None
                break
        if line is None:
            continue
        out[link_id] = replace(link, geometry=line)
        reverse_id = link_id + ".R"
        if reverse_id in links:
            out[reverse_id] = replace(links[reverse_id], geometry=line[::-1])
    return out


def _line(feature: dict[str, object], where: str, problems: Problems) -> tuple[tuple[float, float], ...] | None:
    geometry = feature.get("geometry")
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString" or not isinstance(coordinates, list):
        problems.add(GEOMETRY_FILE, None, "geometry", f"{where}: must be a LineString")
        return None
    points = []
    for position in coordinates:
        ok = (
            isinstance(position, list)
            and len(position) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in position)
        )
        if not ok or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            shown = repr(position)[:60]
            problems.add(
                GEOMETRY_FILE, None, "coordinates", f"{where}: {shown} is not [lon, lat] in [-180, 180] × [-90, 90]"
            )
            return None
        points.append((float(position[0]), float(position[1])))
    if len(points) < 2:
        problems.add(GEOMETRY_FILE, None, "coordinates", f"{where}: a line needs at least 2 positions")
        return None
    return tuple(points)
