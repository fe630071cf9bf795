"""Corridor labels follow the documented rule (engine/studies/corridor.py) in its order of precedence."""

from __future__ import annotations

import pytest

from engine.network.model import Mode
from engine.studies import Corridor, corridor_of

RAIL, FERRY, SEA, AIR, ROAD = Mode.RAIL, Mode.FERRY, Mode.SEA, Mode.AIR, Mode.ROAD


@pytest.mark.parametrize(
    ("countries", "legs", "expected"),
    [
        (("CN", "KZ", "AZ", "GE", "TR"), ((RAIL, 4000.0), (FERRY, 420.0), (RAIL, 2500.0)), Corridor.MIDDLE),
        (("CN", "KZ", "RU", "BY", "PL", "DE"), ((RAIL, 9500.0),), Corridor.NORTHERN),
        (("CN", "KZ", "TM", "IR", "TR"), ((RAIL, 8000.0),), Corridor.SOUTHERN),
        (("CN", "SG", "EG", "NL"), ((RAIL, 300.0), (SEA, 19000.0), (RAIL, 200.0)), Corridor.SEA),
        (("CN", "KZ", "DE"), ((ROAD, 50.0), (AIR, 6000.0)), Corridor.AIR),
        (("CN", "KZ", "UZ"), ((RAIL, 3000.0),), Corridor.OTHER),
        # deep sea only as a short hop: the route is labelled by the land corridor it takes
        (("CN", "KZ", "AZ", "GE", "RO"), ((RAIL, 6000.0), (FERRY, 1200.0), (SEA, 100.0)), Corridor.MIDDLE),
        # round the Caspian through Russia into the Caucasus is not Trans-Caspian
        (("CN", "KZ", "RU", "AZ", "GE"), ((RAIL, 7000.0),), Corridor.NORTHERN),
        # Iran before Russia; air before everything
        (("CN", "RU", "IR"), ((RAIL, 7000.0),), Corridor.SOUTHERN),
        (("CN", "RU", "AZ"), ((RAIL, 100.0), (AIR, 5000.0), (SEA, 9000.0)), Corridor.AIR),
    ],
)
def test_rule(countries: tuple[str, ...], legs: tuple[tuple[Mode, float], ...], expected: Corridor) -> None:
    assert corridor_of(countries, legs) is expected
