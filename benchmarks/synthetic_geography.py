"""The countries of the synthetic network (benchmarks/synthetic.py): boxes, node shares, gauges, rail rates.

The boxes follow the countries' rough extent; shares, rates and borders are chosen for a plausible corridor shape,
not taken from any source (the generated rows say so).
"""

from __future__ import annotations

from dataclasses import dataclass

BROAD = 1520
STANDARD = 1435


@dataclass(frozen=True)
class Country:
    """A country as a lat/lon box, its share of the nodes, gauge and rail emission class."""

    code: str
    lon: tuple[float, float]
    lat: tuple[float, float]
    weight: float
    gauge: int
    rail_usd_per_teu_km: float


COUNTRIES = (
    Country("CN", (80.0, 121.0), (26.0, 44.0), 0.28, STANDARD, 0.15),
    Country("KZ", (51.0, 82.0), (42.0, 53.0), 0.11, BROAD, 0.15),
    Country("RU", (32.0, 50.0), (51.0, 57.0), 0.09, BROAD, 0.12),
    Country("BY", (24.0, 31.0), (51.5, 55.5), 0.03, BROAD, 0.20),
    Country("PL", (15.0, 23.5), (49.5, 54.5), 0.06, STANDARD, 0.45),
    Country("DE", (6.5, 14.5), (47.8, 54.5), 0.08, STANDARD, 0.55),
    Country("NL", (4.0, 6.8), (51.3, 53.2), 0.02, STANDARD, 0.60),
    Country("AZ", (45.5, 49.5), (39.0, 41.5), 0.02, BROAD, 0.25),
    Country("GE", (41.7, 46.0), (41.3, 43.2), 0.02, BROAD, 0.35),
    Country("TR", (27.0, 44.0), (37.0, 41.5), 0.09, STANDARD, 0.30),
    Country("BG", (23.0, 28.0), (41.6, 44.0), 0.02, STANDARD, 0.40),
    Country("RO", (21.5, 28.5), (44.0, 48.0), 0.04, STANDARD, 0.40),
    Country("HU", (16.5, 22.5), (46.0, 48.3), 0.03, STANDARD, 0.45),
    Country("SK", (17.3, 22.3), (47.9, 49.4), 0.02, STANDARD, 0.45),
    Country("AT", (10.0, 16.8), (46.6, 48.8), 0.03, STANDARD, 0.55),
    Country("IT", (7.5, 16.5), (38.5, 46.3), 0.05, STANDARD, 0.50),
)
LAND_BORDERS = (
    ("CN", "KZ"),
    ("KZ", "RU"),
    ("RU", "BY"),
    ("BY", "PL"),
    ("PL", "DE"),
    ("DE", "NL"),
    ("AZ", "GE"),
    ("GE", "TR"),
    ("TR", "BG"),
    ("BG", "RO"),
    ("RO", "HU"),
    ("HU", "SK"),
    ("SK", "PL"),
    ("HU", "AT"),
    ("AT", "DE"),
    ("AT", "IT"),
)
DESTINATION_COUNTRIES = ("DE", "NL", "PL", "HU", "AT", "IT", "TR", "RO")
AIRPORT_COUNTRIES = ("DE", "NL", "PL", "HU", "TR", "IT")
