"""A seeded OD demand matrix (TEU/week) for a synthetic network of :mod:`benchmarks.synthetic`.

Origins are terminals in China and Kazakhstan, destinations terminals in the European and Turkish destination
countries (``DESTINATION_COUNTRIES``); ``origins`` of each are drawn, then ``count`` distinct (origin, destination,
segment) triples among them, 10–100 TEU/week each, in the three shipper segments of the assignment benchmark
(unrestricted; avoiding Russia and Belarus; avoiding Russia, Belarus and deep sea). Every figure is drawn, none
is real.
"""

from __future__ import annotations

import random

from benchmarks.synthetic_geography import DESTINATION_COUNTRIES
from engine.network import Mode, Network, NodeKind
from engine.optimize import Demand

SEED = 20261213
ORIGIN_COUNTRIES = ("CN", "KZ")
SEGMENTS: tuple[tuple[frozenset[str], frozenset[Mode]], ...] = (
    (frozenset(), frozenset()),
    (frozenset({"RU", "BY"}), frozenset()),
    (frozenset({"RU", "BY"}), frozenset({Mode.SEA})),
)
TERMINAL_KINDS = {NodeKind.RAIL_TERMINAL, NodeKind.SEAPORT, NodeKind.DRY_PORT, NodeKind.ROAD_HUB}


def synthetic_demand(network: Network, count: int, origins: int = 40, seed: int = SEED) -> list[Demand]:
    """``count`` distinct commodities among ``origins`` drawn origin and destination terminals (module docstring).

    Raises
    ------
    ValueError
        When the network has too few terminals for ``count`` distinct triples.
    """
    rng = random.Random(seed)

    def terminals(countries: tuple[str, ...]) -> list[str]:
        pool = sorted(n.id for n in network.nodes.values() if n.kinds & TERMINAL_KINDS and n.country in countries)
        return rng.sample(pool, min(origins, len(pool)))

    starts, ends = terminals(ORIGIN_COUNTRIES), terminals(DESTINATION_COUNTRIES)
    if len(starts) * len(ends) * len(SEGMENTS) < count:
        msg = f"count: {count} commodities need more terminals than the network has ({len(starts)} × {len(ends)})"
        raise ValueError(msg)
    seen: set[tuple[str, str, int]] = set()
    demand: list[Demand] = []
    while len(demand) < count:
        origin, destination, segment = rng.choice(starts), rng.choice(ends), rng.randrange(len(SEGMENTS))
        if (origin, destination, segment) in seen:
            continue
        seen.add((origin, destination, segment))
        countries, modes = SEGMENTS[segment]
        demand.append(
            Demand(origin, destination, float(rng.randrange(10, 101)), avoid_countries=countries, avoid_modes=modes)
        )
    return demand
