"""Route lines for maps: the polyline a link records where the network has one, else the straight segment.

A route's ``geometry`` (and a study frame's ``path_lon``/``path_lat``) holds the coordinates of the nodes it
passes, one point per link traversed. For a map each step is drawn on the link's own line when the link record
carries a ``geometry`` (a sequence of ``(lon, lat)`` pairs, a GeoJSON ``LineString`` mapping, or WKT
``LINESTRING (lon lat, …)``), turned to run from the step's start to its end; otherwise the straight segment
between the two nodes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from engine.network.model import Link, Network

Point = tuple[float, float]
"""(lon, lat) in degrees."""
_WKT = re.compile(r"^\s*LINESTRING\s*\((?P<body>[^)]*)\)\s*$", re.IGNORECASE)


def link_polyline(link: Link | Any) -> list[Point] | None:
    """The polyline a link record carries, as (lon, lat) points; ``None`` when it has none (or it is unreadable)."""
    raw = getattr(link, "geometry", None)
    if raw is None:
        return None
    try:
        if isinstance(raw, str):
            match = _WKT.match(raw)
            if match is None:
                return None
            points = [tuple(float(v) for v in pair.split()) for pair in match["body"].split(",")]
        else:
            coordinates: Any = raw.get("coordinates") if isinstance(raw, dict) else raw
            points = [tuple(float(v) for v in pair) for pair in coordinates]
    except (TypeError, ValueError, AttributeError):
        return None
    line = [(p[0], p[1]) for p in points if len(p) >= 2 and all(math.isfinite(v) for v in p[:2])]
    return line if len(line) >= 2 else None


def _distance(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def oriented(line: Sequence[Point], start: Point, end: Point) -> list[Point]:
    """``line`` turned to run from ``start`` toward ``end`` (a reverse link shares its forward link's line)."""
    forward = _distance(line[0], start) + _distance(line[-1], end)
    backward = _distance(line[-1], start) + _distance(line[0], end)
    return list(line) if forward <= backward else list(reversed(line))


class LinkLines:
    """Finds the link between two consecutive route points and its line (one per network)."""

    def __init__(self, network: Network) -> None:
        self._node_at: dict[tuple[float, float], list[str]] = {}
        for node in network.nodes.values():
            self._node_at.setdefault((round(node.lon, 6), round(node.lat, 6)), []).append(node.id)
        self._lines: dict[tuple[str, str], list[Point]] = {}
        for link in network.links.values():
            line = link_polyline(link)
            if line is not None:
                self._lines.setdefault((link.from_id, link.to_id), line)

    def step(self, start: Point, end: Point) -> list[Point]:
        """Points from ``start`` to ``end``: a link's recorded line when one joins them, else the segment."""
        starts = self._node_at.get((round(start[0], 6), round(start[1], 6)), [])
        ends = self._node_at.get((round(end[0], 6), round(end[1], 6)), [])
        for a in starts:
            for b in ends:
                line = self._lines.get((a, b)) or self._lines.get((b, a))
                if line is not None:
                    return oriented(line, start, end)
        return [start, end]

    def path(self, lons: Iterable[float], lats: Iterable[float]) -> list[Point]:
        """A route's node points (as in a study frame) expanded onto link lines."""
        points = list(zip(lons, lats, strict=True))
        if len(points) < 2:
            return points
        line = [points[0]]
        for start, end in itertools.pairwise(points):
            line.extend(self.step(start, end)[1:])
        return line

    @property
    def has_lines(self) -> bool:
        """Whether any link of the network records a line."""
        return bool(self._lines)
