"""Cite published figures for cells that were modelling conventions: one-off data entry, idempotent.

**Truck load** (``teu_per_truck`` = 2) of road hops on EU roads. A truck on an EU road carries one 40-foot ISO
container (2 TEU): Council Directive 96/53/EC sets the 44 t limit of a three-axle motor vehicle with a two- or
three-axle semi-trailer "carrying, in combined transport operations, a 40-foot ISO container" (Annex I 2.2.4), and
its 16.50 m articulated vehicle (Annex I 1.1) has no room for a second one. The Directive governs vehicles
circulating within the Union, so only hops with an end in an EU member state
cite it; elsewhere the 2 TEU stay a modelling convention (ESTIMATE).

**Freighter payload** of the air services modelled as a "B777F-class freighter": Boeing gives the 777 Freighter
"a revenue payload capability of more than 226,000 pounds (103 metric tons)"; the services that carried an
assumed 100 t now carry the published 103 t (the two that assume a 60 t partial load keep their estimate).

    python graphs/build/cite_published.py graphs/middle_corridor
"""

from __future__ import annotations

import sys
from pathlib import Path

from build_network import LINK_NUMERIC, read_table, write_table
from cells import Provenance

KEY = "EU-DIR-96-53"
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU"}
EU |= {"MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
NOTE = (
    "one 40-foot ISO container (2 TEU) per truck: the load of the 44 t combined-transport limit of Directive "
    "96/53/EC (Annex I 2.2.4), whose 16.50 m articulated vehicle (Annex I 1.1) carries no second one"
)
SOURCE_ROW = {
    "key": KEY,
    "title": "Council Directive 96/53/EC (maximum authorised dimensions and weights of road vehicles in the Community)",
    "publisher": "Council of the European Union (EUR-Lex)",
    "url": "https://eur-lex.europa.eu/eli/dir/1996/53/oj",
    "year": "1996",
    "note": "Annex I 1.1 (16.50 m articulated vehicle) and 2.2.4 (44 t with a 40-foot ISO container in combined "
    "transport); read via secondary summaries found with the search tool (vollmert.eu, zawodowe.edu.pl), "
    "the consolidated primary text was not opened",
}


FREIGHTER_KEY = "BOEING-777F-2008"
FREIGHTER_KG = "103000"
FREIGHTER_NOTE = "revenue payload of the Boeing 777 Freighter, more than 103 t (226,000 lb) [BOEING-777F-2008]"
FREIGHTER_SOURCE = {
    "key": FREIGHTER_KEY,
    "title": "Fuselage shipping (first aft fuselage panel for the Boeing 777 Freighter; payload and range figures)",
    "publisher": "The Engineer",
    "url": "https://theengineer.co.uk/content/news/fuselage-shipping",
    "year": "2008",
    "note": "trade press quoting Boeing: 9,045 km range with a payload capability of more than 226,000 lb "
    "(103 t); read with the search tool",
}


def cite_freighters(network: Path) -> int:
    """The B777F-class air services carry the published 103 t payload; returns how many rows changed."""
    header, rows = read_table(network / "services.csv")
    cited = 0
    for row in rows:
        prov = Provenance.parse(row["sources"], row["notes"], {"capacity_kg_per_departure", "weekly_departures", "*"})
        note = prov.notes.get("capacity_kg_per_departure", "")
        # Two services note B777F but carry 60 t (a partial load assumed): they keep their estimate.
        if prov.keys.get("capacity_kg_per_departure") != "ESTIMATE" or "B777F-class" not in note:
            continue
        if row["capacity_kg_per_departure"] != "100000":
            continue
        row["capacity_kg_per_departure"] = FREIGHTER_KG
        prov.cite("capacity_kg_per_departure", FREIGHTER_KEY, FREIGHTER_NOTE)
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        cited += 1
    write_table(network / "services.csv", header, rows)
    return cited


def add_source(network: Path, source: dict[str, str]) -> None:
    """Append ``source`` to sources.csv unless its key is there."""
    header, sources = read_table(network / "sources.csv")
    if all(s["key"] != source["key"] for s in sources):
        write_table(network / "sources.csv", header, [*sources, source])


def main(argv: list[str]) -> int:
    network = Path(argv[0] if argv else "graphs/middle_corridor")
    freighters = cite_freighters(network)
    add_source(network, FREIGHTER_SOURCE)
    print(f"{freighters} air services cite {FREIGHTER_KEY} for capacity_kg_per_departure")
    _, node_rows = read_table(network / "nodes.csv")
    country = {row["id"]: row["country"] for row in node_rows}
    header, rows = read_table(network / "links.csv")
    cited = 0
    for row in rows:
        if not row["teu_per_truck"] or not {country[row["from"]], country[row["to"]]} & EU:
            continue
        prov = Provenance.parse(row["sources"], row["notes"], LINK_NUMERIC | {"teu_per_truck"})
        if prov.keys.get("teu_per_truck") != "ESTIMATE" or row["teu_per_truck"] != "2":
            continue
        prov.cite("teu_per_truck", KEY, NOTE)
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        cited += 1
    write_table(network / "links.csv", header, rows)
    add_source(network, SOURCE_ROW)
    print(f"{cited} road hops on EU roads cite {KEY} for teu_per_truck")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
