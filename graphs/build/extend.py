"""One-off data entry: append new terminals and their hops to the network, modelled on existing rows.

Each new node copies the numbers, sources and method notes of a template node of the same type and region (a
Chinese inland terminal, an EU terminal reached across an internal border, …); each new hop copies a template hop
of the same service, with its distance first set to great circle × the template's detour factor (ESTIMATE) and
its run time and tariff recomputed by the template's own rules. Overrides in ``coverage.py`` and
``coverage_ports.py`` replace single cells with their own source and note. ``build_network.py`` then replaces
coordinates and distances with the open-data figures. Rows whose id already exists are left alone, so rerunning
adds nothing.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path
from typing import Any

import coverage
import coverage_ports
from build_network import LINK_NUMERIC, NODE_NUMERIC, _km, _rescale, read_table, write_table
from cells import Provenance
from coordinates import GEONAMES_KEY, _cities_cached, haversine_km

NODES = coverage.NODES + coverage_ports.NODES
LINKS = coverage.LINKS + coverage_ports.LINKS
SERVICES = coverage.SERVICES + coverage_ports.SERVICES
SOURCES = coverage.SOURCES + coverage_ports.SOURCES

HERE = Path(__file__).resolve().parent
_FACTOR = re.compile(r"great-circle × ([\d.]+)")
_BORDER = ("border_exit_h", "border_entry_h", "border_exit_usd_per_teu", "border_entry_usd_per_teu")
_APPROX = "approximate, general geographic knowledge ±10–20 km (not among the GeoNames places ≥ 500 inhabitants)"
_CAREC = "proxy: all-CAREC rail border-crossing average 2022 (40.6 h, US$215 per crossing) [CPMM-2022-RAIL]"


def _geonames_id(country: str, name: str) -> str:
    """The most populous GeoNames place of that name in the country."""
    hits = [
        (int(city["population"]), gid)  # type: ignore[call-overload]
        for gid, city in _cities_cached().items()
        if city["countrycode"] == country and (city["name"] == name or name in city["alternatenames"])  # type: ignore[operator]
    ]
    if not hits:
        msg = f"no GeoNames place {name!r} in {country}"
        raise LookupError(msg)
    return max(hits)[1]


def _border_proxy(row: dict[str, str], prov: Provenance, how: str) -> None:
    """The CAREC rail average at a border post: ``split`` half on each side, or ``full: <why>`` all of it here."""
    if how == "split":
        hours, usd = "20.3", "107.5"
        note = f"{_CAREC} applied once per crossing and split equally between the exit and the entry side"
    else:
        hours, usd = "40.6", "215"
        note = f"{_CAREC} applied in full on each side here, because {how.removeprefix('full: ')}"
    row.update(dict(zip(_BORDER, (hours, hours, usd, usd), strict=True)))
    for column in _BORDER:
        prov.cite(column, "CPMM-2022-RAIL", note + " (no published figure for this crossing)")


def _override(row: dict[str, str], prov: Provenance, overrides: dict[str, Any]) -> None:
    for column, value in overrides.items():
        if column == "border":
            _border_proxy(row, prov, value)
        elif value is None:  # a template's number that does not hold here: left empty
            row[column] = ""
            prov.keys.pop(column, None)
            prov.notes.pop(column, None)
        elif isinstance(value, tuple):  # (value, key, note): a number with its provenance
            row[column] = value[0]
            prov.cite(column, value[1], value[2])
        else:  # a plain text cell
            row[column] = value


def add_nodes(node_rows: list[dict[str, str]], nodes: dict[str, dict[str, str]]) -> list[tuple[str, ...]]:
    """Append the new nodes; return their places.csv rows."""
    new_places = []
    for node_id, name, aliases, country, kinds, template, place, *rest in NODES:
        if node_id in nodes:
            continue
        row = dict(nodes[template])
        prov = Provenance.parse(row["sources"], row["notes"], NODE_NUMERIC)
        prov.remarks = []  # the template's free remarks describe the template, not this node
        for column in _BORDER:
            row[column] = ""
            prov.keys.pop(column, None)
            prov.notes.pop(column, None)
        row.update(id=node_id, name=name, aliases=aliases, locode="", country=country, kinds=kinds)
        if isinstance(place, tuple):  # not in GeoNames: an approximate position, cited as such
            row.update(lat=f"{place[0]}", lon=f"{place[1]}")
            prov.cite("lat", "ESTIMATE", _APPROX)
            prov.cite("lon", "ESTIMATE", _APPROX)
        else:
            gid = _geonames_id(country, place)
            city = _cities_cached()[gid]
            row.update(lat=f"{city['latitude']:.4f}", lon=f"{city['longitude']:.4f}")
            for column in ("lat", "lon"):  # the template may cite its own published position (Turkmenbashi)
                prov.cite(column, GEONAMES_KEY, f"GeoNames point of {city['name']} (geonameid {gid})")
            new_places.append((node_id, "geonames", gid, str(city["name"])))
        if nodes[template]["border_entry_h"] == "0":  # an EU terminal entered across an internal border
            for column in _BORDER:
                row[column] = "0"
                prov.cite(column, "ESTIMATE", _EU_INTERNAL)
        _override(row, prov, rest[0] if rest else {})
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        node_rows.append(row)
        nodes[node_id] = row
    return new_places


EU = {"AT", "BE", "BG", "CZ", "DE", "ES", "FR", "GR", "HR", "HU", "IT", "NL", "PL", "RO", "SI", "SK"}
_EU_INTERNAL = (
    "0: internal border of the EU single market and customs union (no customs formalities), general knowledge"
)


def add_links(link_rows: list[dict[str, str]], nodes: dict[str, dict[str, str]]) -> None:
    """Append the new hops, each a copy of its template with a great-circle distance estimate."""
    links = {row["id"]: row for row in link_rows}
    for link_id, src, dst, template, *rest in LINKS:
        if link_id in links:
            continue
        overrides: dict[str, Any] = dict(rest[0]) if rest else {}
        row = dict(links[template])
        prov = Provenance.parse(row["sources"], row["notes"], LINK_NUMERIC)
        prov.remarks = [r for r in prov.remarks if r.startswith(("emission class", "refused_cargo"))]
        a, b = nodes[src], nodes[dst]
        factor = float(m.group(1)) if (m := _FACTOR.search(prov.notes.get("distance_km", ""))) else 1.25
        factor = overrides.pop("factor", factor)
        km = haversine_km(float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"])) * factor
        row.update({"id": link_id, "from": src, "to": dst, "distance_km": _km(km), "capacity_teu_per_week": ""})
        detour = "sea" if row["mode"] == "ferry" else row["mode"]
        prov.cite("distance_km", "ESTIMATE", f"great-circle × {factor} {detour} detour factor (assumed)")
        if "distance_km" in overrides:  # a published or derived distance: run time and tariff follow it
            km = float(overrides["distance_km"][0])
        prov.keys.pop("capacity_teu_per_week", None)
        prov.notes.pop("capacity_teu_per_week", None)
        if (speed := overrides.pop("speed", None)) is not None:
            prov.cite("run_h", "ESTIMATE", f"distance_km / {speed[0]} km/h ({speed[1]})")
        _rescale(row, prov, km)
        _override(row, prov, overrides)
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        link_rows.append(row)
        links[link_id] = row


def _append_rows(path: Path, rows: list[dict[str, str]], key: str) -> None:
    header, existing = read_table(path)
    known = {row[key] for row in existing}
    write_table(path, header, existing + [{c: row.get(c, "") for c in header} for row in rows if row[key] not in known])


def main(network: Path) -> None:
    _append_rows(network / "sources.csv", SOURCES, "key")
    _append_rows(network / "services.csv", SERVICES, "id")
    node_header, node_rows = read_table(network / "nodes.csv")
    link_header, link_rows = read_table(network / "links.csv")
    nodes = {row["id"]: row for row in node_rows}
    with (HERE / "places.csv").open(encoding="utf-8", newline="") as handle:
        placed = {row["node_id"] for row in csv.DictReader(handle)}
    new_places = [p for p in add_nodes(node_rows, nodes) if p[0] not in placed]
    add_links(link_rows, nodes)
    write_table(network / "nodes.csv", node_header, node_rows)
    write_table(network / "links.csv", link_header, link_rows)
    with (HERE / "places.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(new_places)
    print(f"{len(new_places)} nodes added")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "graphs/middle_corridor"))
