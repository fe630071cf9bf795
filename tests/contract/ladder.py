"""A synthetic "ladder" network whose Pareto sets explode: K rungs, three competing train families per rung.

Each family trades cost, time and CO2e differently on every rung, and changing family is a transfer, so the
number of Pareto-optimal routes grows quickly with K. The contract tests use it for calls that take seconds (a
deadline that must stop the search, a shutdown with a call in flight). All numbers are synthetic; the provenance
columns say so.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

FAMILIES = (("CHEAP", 100, 30, 30), ("FAST", 300, 10, 50), ("GREEN", 200, 20, 15))  # usd/TEU, h, g/t-km


def write_ladder(directory: Path, rungs: int, seed: int = 7) -> Path:
    """Write the ladder network's tables into ``directory`` and return it."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    note = "*: synthetic test data"
    (directory / "network.toml").write_text(
        f'name = "ladder{rungs}"\ntitle = "Synthetic ladder network ({rungs} rungs)"\n', encoding="utf-8"
    )
    _write(directory / "sources.csv", ["key", "title", "publisher", "url", "year", "note"], [])
    _write(
        directory / "emission_factors.csv",
        ["id", "mode", "description", "g_co2e_per_tkm_wtw", "sources", "notes"],
        [[f"rail_{name.lower()}", "rail", f"{name} train", g, "ESTIMATE", note] for name, _, _, g in FAMILIES],
    )
    _write(
        directory / "services.csv",
        ["id", "mode", "operator", "kind", "sources"],
        [[name, "rail", f"{name} Rail", "continuous", ""] for name, *_ in FAMILIES],
    )
    _write(
        directory / "nodes.csv",
        [
            "id",
            "name",
            "country",
            "lat",
            "lon",
            "kinds",
            "gauge_mm",
            "handling_h",
            "handling_usd_per_teu",
            "sources",
            "notes",
        ],
        [
            [
                f"R{i}",
                f"Rung {i}",
                "KZ",
                43 + i * 0.1,
                51 + i * 0.3,
                "rail_terminal",
                1435,
                rng.choice([1, 2, 3]),
                rng.choice([10, 20, 40]),
                "ESTIMATE",
                note,
            ]
            for i in range(rungs + 1)
        ],
    )
    links = []
    for i in range(rungs):
        for name, usd, hours, _ in FAMILIES:
            links.append(
                [
                    f"L-{name}-{i}",
                    f"R{i}",
                    f"R{i + 1}",
                    "rail",
                    name,
                    1435,
                    100,
                    round(hours * rng.uniform(0.6, 1.4), 2),
                    round(usd * rng.uniform(0.6, 1.4), 2),
                    f"rail_{name.lower()}",
                    "true",
                    "ESTIMATE",
                    note,
                ]
            )
    _write(
        directory / "links.csv",
        [
            "id",
            "from",
            "to",
            "mode",
            "service",
            "gauge_mm",
            "distance_km",
            "run_h",
            "usd_per_teu",
            "emission_class",
            "bidirectional",
            "sources",
            "notes",
        ],
        links,
    )
    return directory


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
