"""A seeded synthetic China → Europe network in the project's CSV format, for scale benchmarks.

``python -m benchmarks.synthetic OUT --nodes N --seed S`` writes ``nodes.csv``, ``links.csv``, ``services.csv``,
``emission_factors.csv``, ``sources.csv`` and ``network.toml`` to ``OUT``, loadable by
:func:`engine.network.load_network` (and loaded once to validate it unless ``--no-validate``).

Structure (every number is drawn, none is real; each row says so with ``ESTIMATE`` and a note):

- 16 countries along the two corridors, each a lat/lon box: China → Kazakhstan → Russia → Belarus → Poland →
  Germany → Netherlands (northern) and Kazakhstan → Caspian ferry → Azerbaijan → Georgia → Türkiye / Black Sea →
  Bulgaria/Romania → Hungary → Slovakia/Austria → Germany/Italy (middle). Nodes are spread over the boxes in
  proportion to fixed weights (China the largest).
- Rail inside each country: a minimum spanning tree of the 6-nearest-neighbour graph plus extra short links
  (mean degree ≈ 2.6, like real rail networks), one rail service per country in the country's gauge (1520 mm in
  KZ, RU, BY, AZ, GE; 1435 mm elsewhere). About a third of the nodes are terminals (handling, transfers allowed),
  the rest junctions.
- Borders: for each pair of neighbouring countries the closest node pairs become border crossings (exit and
  entry dwell and fees) joined by a cross-border rail service and a road link; where the gauge changes, the
  standard-gauge side is a gauge-change terminal (both gauges, transshipment).
- Road among terminals (spanning tree plus extras, one continuous road service per country, priced per truck).
- Caspian and Black Sea ferries with headways of 24, 42 or 84 h; weekly deep-sea loops from the easternmost
  Chinese terminals to the western European and Turkish ports; freighter air from Chinese to European airports
  (per kg, de-consolidation at the airports).
- ``network.toml`` names 8 Chinese terminals as origins and 8 European/Turkish terminals as destinations.

Generation is vectorised (numpy, scipy k-d trees): 100k nodes take a few seconds; loading them takes longer.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree

from benchmarks.synthetic_geography import (
    AIRPORT_COUNTRIES,
    BROAD,
    COUNTRIES,
    DESTINATION_COUNTRIES,
    LAND_BORDERS,
    STANDARD,
    Country,
)
from engine.network.paths import default_network_dir
from engine.network.schema import LINKS, NODES, SERVICES

MIN_NODES = 200
"""Fewest nodes the generator accepts: each of the 16 countries needs a handful for borders, ports and airports."""

HEADWAYS_H = (24, 42, 84)
SYNTHETIC = "drawn by benchmarks/synthetic.py; not a real figure"


@dataclass
class _Builder:
    """Mutable state while generating: node attributes as arrays and lists, then link and service rows."""

    rng: np.random.Generator
    seed: int
    country: np.ndarray  # index into COUNTRIES per node
    lat: np.ndarray
    lon: np.ndarray
    terminal: np.ndarray
    kinds: list[set[str]] = field(default_factory=list)
    gauges: list[set[int]] = field(default_factory=list)
    border: np.ndarray | None = None
    airport: np.ndarray | None = None
    links: list[list[str]] = field(default_factory=list)
    services: list[list[str]] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)

    def node_id(self, i: int) -> str:
        return f"{COUNTRIES[self.country[i]].code}_{i:06d}"

    def km(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Great-circle distance between nodes ``a`` and ``b`` (km)."""
        p1, p2 = np.radians(self.lat[a]), np.radians(self.lat[b])
        dl = np.radians(self.lon[b] - self.lon[a])
        h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        return np.asarray(12_742.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0))))

    def service(self, sid: str, mode: str, kind: str, headway: str = "", weekly: str = "", cap: str = "") -> None:
        teu, kg = ("", cap) if mode == "air" else (cap, "")
        self.services.append([sid, mode, "Synthetic", kind, weekly, headway, "", teu, kg, "*=ESTIMATE", _note()])

    def link(self, lid: str, a: int, b: int, mode: str, service: str, km: float, run_h: float, **cells: str) -> None:
        row = dict.fromkeys(LINKS.columns, "")
        row |= {"id": lid, "from": self.node_id(a), "to": self.node_id(b), "mode": mode, "service": service}
        row |= {"distance_km": f"{km:.1f}", "run_h": f"{run_h:.2f}", "operator": "Synthetic"}
        row |= {"bidirectional": "true", "sources": "*=ESTIMATE", "notes": _note()} | cells
        self.links.append([row[c] for c in LINKS.columns])


def _note() -> str:
    return f"*: {SYNTHETIC}"


def generate(out: Path, nodes: int, seed: int) -> dict[str, int]:
    """Write a synthetic network of ``nodes`` nodes drawn with ``seed`` to ``out``; return row counts per table.

    Raises
    ------
    ValueError
        ``nodes`` below :data:`MIN_NODES` or above the loader's row limit.
    """
    from engine.network.inputs import MAX_ROWS

    if not MIN_NODES <= nodes <= MAX_ROWS:
        msg = f"nodes: must be between {MIN_NODES} and {MAX_ROWS:,}, got {nodes}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    weights = np.array([c.weight for c in COUNTRIES])
    counts = np.floor(weights / weights.sum() * nodes).astype(int)
    counts[np.argsort(-(weights / weights.sum() * nodes - counts))[: nodes - counts.sum()]] += 1
    country = np.repeat(np.arange(len(COUNTRIES)), counts)
    lon = np.concatenate([rng.uniform(*c.lon, n) for c, n in zip(COUNTRIES, counts, strict=True)])
    lat = np.concatenate([rng.uniform(*c.lat, n) for c, n in zip(COUNTRIES, counts, strict=True)])
    b = _Builder(rng, seed, country, lat, lon, rng.random(nodes) < 0.35)
    b.kinds = [set() for _ in range(nodes)]
    b.gauges = [{COUNTRIES[c].gauge} for c in country]
    b.border = np.zeros(nodes, dtype=bool)
    b.airport = np.zeros(nodes, dtype=bool)
    members = [np.flatnonzero(country == k) for k in range(len(COUNTRIES))]
    scale = max(1, round(math.sqrt(nodes) / 15))

    _borders(b, members, scale)
    ports = _ports(b, members, scale)
    _airports(b, members, scale)
    for k, c in enumerate(COUNTRIES):
        _rail(b, c, members[k])
        _road(b, c, members[k][b.terminal[members[k]]])
    _sea_and_ferries(b, ports, scale)
    _air(b)
    origins = _pick(b, members[0], 8)
    dest_pool = np.concatenate([members[[c.code for c in COUNTRIES].index(code)] for code in DESTINATION_COUNTRIES])
    destinations = _pick(b, dest_pool, 8)
    _write(out, b, origins, destinations)
    return {"nodes": nodes, "link_rows": len(b.links), "services": len(b.services)}


def _free(b: _Builder, candidates: np.ndarray) -> np.ndarray:
    return np.array([i for i in candidates if i not in b.taken], dtype=int)


def _borders(b: _Builder, members: list[np.ndarray], scale: int) -> None:
    codes = [c.code for c in COUNTRIES]
    for pair_index, (code_a, code_b) in enumerate(LAND_BORDERS):
        ka, kb = codes.index(code_a), codes.index(code_b)
        side_a, side_b = members[ka], members[kb]
        distance, nearest = cKDTree(np.c_[b.lon[side_b], b.lat[side_b]]).query(np.c_[b.lon[side_a], b.lat[side_a]])
        used: set[int] = set()
        chosen = 0
        for i in np.argsort(distance, kind="stable"):
            x, y = int(side_a[i]), int(side_b[nearest[i]])
            if x in b.taken or y in b.taken or y in used:
                continue
            used.add(y)
            b.taken |= {x, y}
            broad = {COUNTRIES[ka].gauge, COUNTRIES[kb].gauge} == {BROAD, STANDARD}
            for node in (x, y):
                b.terminal[node] = b.border[node] = True
                b.kinds[node] |= {"border_crossing", "rail_terminal", "road_hub"}
                if broad and COUNTRIES[b.country[node]].gauge == STANDARD:
                    b.kinds[node].add("gauge_change")
                    b.gauges[node].add(BROAD)
            gauge = BROAD if broad else COUNTRIES[ka].gauge
            km = float(b.km(x, y)) * 1.2 + 5
            sid = f"XR-{code_a}-{code_b}-{chosen}"
            b.service(sid, "rail", "headway", headway=str(HEADWAYS_H[(pair_index + chosen) % 2]), cap="100")
            b.link(
                f"XR-{x}-{y}",
                x,
                y,
                "rail",
                sid,
                km,
                km / 30 + 1,
                gauge_mm=str(gauge),
                usd_per_teu=f"{km:.0f}",
                emission_class="rail_diesel",
            )
            b.link(
                f"XT-{x}-{y}",
                x,
                y,
                "road",
                f"XROAD-{code_a}-{code_b}",
                km,
                km / 60 + 1,
                usd_per_truck=f"{km * 1.5 + 50:.0f}",
                teu_per_truck="2",
                emission_class="road_truck_artic",
            )
            chosen += 1
            if chosen == scale:
                break
        b.service(f"XROAD-{code_a}-{code_b}", "road", "continuous")


def _extreme(b: _Builder, pool: np.ndarray, key: np.ndarray, count: int) -> list[int]:
    free = _free(b, pool)
    picked = [int(i) for i in free[np.argsort(key[free], kind="stable")[:count]]]
    for i in picked:
        b.taken.add(i)
        b.terminal[i] = True
    return picked


def _ports(b: _Builder, members: list[np.ndarray], scale: int) -> dict[str, list[int]]:
    idx = {c.code: k for k, c in enumerate(COUNTRIES)}
    ports = {
        "CN": _extreme(b, members[idx["CN"]], -b.lon, 2 * scale),
        "EU": _extreme(b, members[idx["NL"]], b.lon, scale)
        + _extreme(b, members[idx["DE"]], -b.lat, scale)
        + _extreme(b, members[idx["IT"]], b.lat, scale)
        + _extreme(b, members[idx["TR"]], b.lon, scale),
        "KZ": _extreme(b, members[idx["KZ"]], b.lon, scale),
        "AZ": _extreme(b, members[idx["AZ"]], -b.lon, scale),
        "GE": _extreme(b, members[idx["GE"]], b.lon, scale),
        "BLACK": _extreme(b, members[idx["BG"]], -b.lon, scale) + _extreme(b, members[idx["RO"]], -b.lon, scale),
    }
    for group, nodes in ports.items():
        kind = "seaport" if group in ("CN", "EU") else "ferry_terminal"
        for i in nodes:
            b.kinds[i] |= {kind, "rail_terminal", "road_hub"}
    return ports


def _airports(b: _Builder, members: list[np.ndarray], scale: int) -> None:
    idx = {c.code: k for k, c in enumerate(COUNTRIES)}
    for code in ("CN", *AIRPORT_COUNTRIES):
        pool = _free(b, members[idx[code]])
        count = min(len(pool), 2 * scale if code == "CN" else max(1, scale // 2))
        for i in sorted(int(x) for x in b.rng.choice(pool, count, replace=False)):
            b.taken.add(i)
            b.terminal[i] = b.airport[i] = True
            b.kinds[i] |= {"airport", "rail_terminal", "road_hub"}


def _spanning_links(b: _Builder, nodes: np.ndarray, extra: float) -> list[tuple[int, int]]:
    """Pairs (a, b) of a spanning tree of the nearest-neighbour graph of ``nodes`` plus ``extra`` × n short links."""
    n = len(nodes)
    if n < 2:
        return []
    coords = np.c_[b.lon[nodes] * np.cos(np.radians(b.lat[nodes])), b.lat[nodes]]
    k = min(6, n - 1)
    distance, neighbour = cKDTree(coords).query(coords, k + 1)
    rows = np.repeat(np.arange(n), k)
    cols = neighbour[:, 1:].ravel()
    weights = distance[:, 1:].ravel() + 1e-9
    graph = coo_matrix((weights, (rows, cols)), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph + graph.T).tocoo()
    pairs = {(min(i, j), max(i, j)) for i, j in zip(tree.row.tolist(), tree.col.tolist(), strict=True)}
    parts, label = connected_components(graph, directed=False)
    main = np.flatnonzero(label == np.bincount(label).argmax())
    for part in range(parts):
        members = np.flatnonzero(label == part)
        if label[members[0]] == label[main[0]]:
            continue
        _, j = cKDTree(coords[main]).query(coords[members[0]])
        pairs.add((min(int(members[0]), int(main[j])), max(int(members[0]), int(main[j]))))
    wanted = int(extra * n)
    second = neighbour[:, 2] if k >= 2 else neighbour[:, 1]
    for i in b.rng.permutation(n)[: wanted * 2].tolist():
        pair = (min(i, int(second[i])), max(i, int(second[i])))
        if pair not in pairs:
            pairs.add(pair)
            wanted -= 1
            if wanted <= 0:
                break
    return sorted((int(nodes[i]), int(nodes[j])) for i, j in pairs)


def _rail(b: _Builder, c: Country, nodes: np.ndarray) -> None:
    sid = f"RAIL-{c.code}"
    b.service(sid, "rail", "headway", headway="24", cap="100")
    pairs = _spanning_links(b, nodes, 0.3)
    if not pairs:
        return
    a = np.array([p[0] for p in pairs])
    z = np.array([p[1] for p in pairs])
    km = b.km(a, z) * 1.25 + 1
    emission = "rail_diesel" if c.gauge == BROAD else "rail_electric"
    for x, y, d in zip(a.tolist(), z.tolist(), km.tolist(), strict=True):
        b.link(
            f"R-{x}-{y}",
            x,
            y,
            "rail",
            sid,
            d,
            d / 40,
            gauge_mm=str(c.gauge),
            usd_per_teu=f"{d * c.rail_usd_per_teu_km:.0f}",
            emission_class=emission,
        )


def _road(b: _Builder, c: Country, hubs: np.ndarray) -> None:
    sid = f"ROAD-{c.code}"
    b.service(sid, "road", "continuous")
    pairs = _spanning_links(b, hubs, 0.15)
    if not pairs:
        return
    a = np.array([p[0] for p in pairs])
    z = np.array([p[1] for p in pairs])
    km = b.km(a, z) * 1.2 + 1
    for x, y, d in zip(a.tolist(), z.tolist(), km.tolist(), strict=True):
        b.link(
            f"T-{x}-{y}",
            x,
            y,
            "road",
            sid,
            d,
            d / 60 + 0.5,
            usd_per_truck=f"{d * 1.5 + 50:.0f}",
            teu_per_truck="2",
            emission_class="road_truck_artic",
        )


def _sea_and_ferries(b: _Builder, ports: dict[str, list[int]], scale: int) -> None:
    for n, (west, east) in enumerate([("KZ", "AZ"), ("GE", "BLACK")]):
        for k, (x, y) in enumerate(zip(ports[west], ports[east], strict=False)):
            sid = f"FERRY-{west}-{east}-{k}"
            b.service(sid, "ferry", "headway", headway=str(HEADWAYS_H[(n + k) % 3]), cap="150")
            km = float(b.km(x, y)) * 1.1 + 10
            b.link(
                f"F-{x}-{y}",
                x,
                y,
                "ferry",
                sid,
                km,
                km / 25 + 4,
                load_unit="vessel",
                usd_per_teu=f"{km * 1.2:.0f}",
                emission_class="sea_container_feeder",
            )
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    china, europe = ports["CN"], ports["EU"]
    for k in range(max(2, scale)):
        stops = [
            china[k % len(china)],
            china[(k + 1) % len(china)],
            europe[k % len(europe)],
            europe[(k + 2) % len(europe)],
        ]
        stops = list(dict.fromkeys(stops))
        sid = f"SEA-{k}"
        b.service(sid, "sea", "weekly", weekly=f"{days[k % 7]} 12:00", cap="14000")
        for x, y in zip(stops, stops[1:] + stops[:1], strict=True):
            long_haul = (x in china) != (y in china)
            km = float(b.km(x, y)) * (1.9 if long_haul else 1.3) + 50
            b.link(
                f"S-{k}-{x}-{y}",
                x,
                y,
                "sea",
                sid,
                km,
                km / 33 + 12,
                usd_per_teu=f"{km * 0.12:.0f}",
                bidirectional="false",
                emission_class="sea_container_deep",
            )


def _air(b: _Builder) -> None:
    assert b.airport is not None
    airports = np.flatnonzero(b.airport)
    china = [int(i) for i in airports if COUNTRIES[b.country[i]].code == "CN"]
    europe = [int(i) for i in airports if COUNTRIES[b.country[i]].code != "CN"]
    for k, x in enumerate(china):
        sid = f"AIR-{k}"
        b.service(sid, "air", "headway", headway="24", cap="100000")
        for y in europe[k % len(europe) :: 2] or europe[:1]:
            km = float(b.km(x, y)) * 1.05
            b.link(
                f"A-{x}-{y}",
                x,
                y,
                "air",
                sid,
                km,
                km / 800 + 0.75,
                usd_per_kg="3.5",
                emission_class="air_freighter_longhaul",
            )


def _pick(b: _Builder, pool: np.ndarray, count: int) -> list[str]:
    assert b.airport is not None
    candidates = [int(i) for i in pool if b.terminal[i] and not b.airport[i] and not b.border[i]]
    return [b.node_id(i) for i in sorted(b.rng.choice(candidates, count, replace=False).tolist())]


def _node_row(b: _Builder, i: int) -> list[str]:
    assert b.border is not None and b.airport is not None
    c = COUNTRIES[b.country[i]]
    row = dict.fromkeys(NODES.columns, "")
    kinds = b.kinds[i] or ({"rail_terminal"} if b.terminal[i] else {"rail_junction"})
    row |= {"id": b.node_id(i), "name": f"Synthetic {c.code} {i}", "country": c.code, "lat": f"{b.lat[i]:.4f}"}
    row |= {"lon": f"{b.lon[i]:.4f}", "kinds": "|".join(sorted(kinds)), "sources": "*=ESTIMATE", "notes": _note()}
    row["gauge_mm"] = "|".join(str(g) for g in sorted(b.gauges[i]))
    if b.terminal[i]:
        row |= {"handling_h": str(6 + i % 9), "handling_usd_per_teu": str(40 + i % 80)}
    if b.border[i]:
        row |= {"border_exit_h": str(4 + i % 20), "border_entry_h": str(4 + i % 16)}
        row |= {"border_exit_usd_per_teu": str(20 + i % 60), "border_entry_usd_per_teu": str(20 + i % 50)}
    if b.airport[i]:
        row |= {"handling_usd_per_kg": "0.15", "deconsolidation_h": "12", "deconsolidation_usd_per_teu": "300"}
        row |= {"border_exit_h": "12", "border_entry_h": "12", "border_exit_usd_per_teu": "30"}
        row |= {"border_entry_usd_per_teu": "30"}
    return [row[c] for c in NODES.columns]


def _write(out: Path, b: _Builder, origins: list[str], destinations: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    shipped = default_network_dir()
    for name in ("emission_factors.csv", "sources.csv"):  # the shipped factors and the sources they cite
        shutil.copyfile(shipped / name, out / name)
    with (out / "nodes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(NODES.columns)
        writer.writerows(_node_row(b, i) for i in range(len(b.country)))
    for schema, rows in ((LINKS, b.links), (SERVICES, b.services)):
        with (out / schema.file).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(schema.columns)
            writer.writerows(rows)
    # JSON arrays of strings are valid TOML arrays.
    (out / "network.toml").write_text(
        f'name = "synthetic_{len(b.country)}_{b.seed}"\n'
        f'title = "Synthetic China–Europe network, {len(b.country):,} nodes, seed {b.seed} (benchmarks/synthetic.py)"\n'
        f'currency = "USD"\n\n[connectivity]\norigins = {json.dumps(origins)}\n'
        f"destinations = {json.dumps(destinations)}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.synthetic OUT --nodes N --seed S [--no-validate]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--nodes", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-validate", action="store_true", help="skip loading the result with load_network")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        counts = generate(args.out, args.nodes, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    generated = time.perf_counter() - start
    print(f"wrote {args.out}: {counts} in {generated:.1f} s", flush=True)
    if not args.no_validate:
        from engine.network import load_network

        start = time.perf_counter()
        network = load_network(args.out)
        print(
            f"loaded and validated in {time.perf_counter() - start:.1f} s: {len(network.nodes):,} nodes, "
            f"{len(network.links):,} links, {len(network.warnings)} warnings"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
