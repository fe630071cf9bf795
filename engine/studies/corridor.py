"""Corridor labels: which of the Asia–Europe corridors a route takes, derived from its countries and modes.

The rule, applied in this order (the first that matches wins):

==========  ===============================================================================================
``Air``     any leg flies (air is the main haul whenever it is used: the network has no short feeder flights)
``Sea``     deep-sea legs (mode ``sea``, not the Caspian or Black Sea ``ferry``) carry more than half of the
            route's distance: Suez or the Cape, whatever the pre- and on-carriage
``Southern``  the route touches Iran (IR): the southern rail corridor via Iran and Türkiye
``Northern``  the route touches Russia (RU) or Belarus (BY): the Northern corridor (Trans-Siberian or through
            Kazakhstan and Russia)
``Middle``  the route touches Azerbaijan (AZ) or Georgia (GE): every Trans-Caspian route passes the South
            Caucasus after crossing the Caspian Sea (the Middle Corridor, TITR)
``Other``   anything else (e.g. a route that stays in Central Asia, or one through Ukraine only)
==========  ===============================================================================================

Northern comes before Middle so that a route that goes round the Caspian through Russia into the Caucasus is
not counted as Trans-Caspian; Southern before Northern because a route through Iran never needs Russia.
"""

from __future__ import annotations

import enum

from engine.network.model import Mode
from engine.routing import Route


class Corridor(enum.StrEnum):
    """The corridor label of a route (see the module docstring for the rule)."""

    MIDDLE = "Middle"
    NORTHERN = "Northern"
    SOUTHERN = "Southern"
    SEA = "Sea"
    AIR = "Air"
    OTHER = "Other"


SOUTHERN_COUNTRIES = frozenset({"IR"})
NORTHERN_COUNTRIES = frozenset({"RU", "BY"})
MIDDLE_COUNTRIES = frozenset({"AZ", "GE"})


def corridor_of(countries: tuple[str, ...], leg_modes_km: tuple[tuple[Mode, float], ...]) -> Corridor:
    """Label a route from the countries it touches and its legs' (mode, distance in km).

    >>> corridor_of(("CN", "KZ", "AZ", "GE", "TR"), ((Mode.RAIL, 3000.0), (Mode.FERRY, 470.0)))
    <Corridor.MIDDLE: 'Middle'>
    >>> corridor_of(("CN", "EG", "NL"), ((Mode.SEA, 19000.0), (Mode.RAIL, 200.0)))
    <Corridor.SEA: 'Sea'>
    """
    if any(mode is Mode.AIR for mode, _ in leg_modes_km):
        return Corridor.AIR
    total_km = sum(km for _, km in leg_modes_km)
    sea_km = sum(km for mode, km in leg_modes_km if mode is Mode.SEA)
    if total_km > 0 and sea_km * 2 > total_km:
        return Corridor.SEA
    touched = frozenset(countries)
    if touched & SOUTHERN_COUNTRIES:
        return Corridor.SOUTHERN
    if touched & NORTHERN_COUNTRIES:
        return Corridor.NORTHERN
    if touched & MIDDLE_COUNTRIES:
        return Corridor.MIDDLE
    return Corridor.OTHER


def route_corridor(route: Route) -> Corridor:
    """The corridor label of ``route``."""
    return corridor_of(route.countries, tuple((leg.mode, leg.distance_km) for leg in route.legs))
