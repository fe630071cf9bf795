"""One-off data entry: append new terminals and their hops to the network, modelled on existing rows.

Each new node copies the numbers, sources and method notes of a template node of the same type and region (a
Chinese inland terminal, an EU terminal reached across an internal border, …); each new hop copies a template hop
of the same service, with its distance first set to great circle × the template's detour factor (ESTIMATE) and
its run time and tariff recomputed by the template's own rules. ``build_network.py`` then replaces coordinates and
distances with the open-data figures. Rows whose id already exists are left alone, so rerunning adds nothing.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from build_network import LINK_NUMERIC, NODE_NUMERIC, _km, _rescale, read_table, write_table
from cells import Provenance
from coordinates import _cities_cached, haversine_km

HERE = Path(__file__).resolve().parent
# id, name, aliases, country, kinds, template node, GeoNames name to look up
NODES = [
    ("WUHAN", "Wuhan (Wujiashan)", "Wujiashan", "CN", "rail_terminal", "CHONGQING", "Wuhan"),
    ("CHANGSHA", "Changsha (Xiangtan–Changsha north)", "", "CN", "rail_terminal", "CHONGQING", "Changsha"),
    ("NANCHANG", "Nanchang (Xiangtang)", "Xiangtang", "CN", "rail_terminal", "CHONGQING", "Nanchang"),
    ("HEFEI", "Hefei (Beijiao)", "", "CN", "rail_terminal", "CHONGQING", "Hefei"),
    ("SUZHOU", "Suzhou (Jiangsu)", "", "CN", "rail_terminal", "CHONGQING", "Suzhou"),
    ("JINAN", "Jinan", "", "CN", "rail_terminal", "CHONGQING", "Jinan"),
    (
        "QINGDAO",
        "Qingdao (port and Jiaozhou rail hub)",
        "Jiaozhou",
        "CN",
        "seaport|rail_terminal",
        "LIANYUNGANG",
        "Qingdao",
    ),
    ("TIANJIN", "Tianjin (port)", "Xingang", "CN", "seaport|rail_terminal", "LIANYUNGANG", "Tianjin"),
    ("SHENYANG", "Shenyang", "Mukden", "CN", "rail_terminal", "CHONGQING", "Shenyang"),
    ("HARBIN", "Harbin", "", "CN", "rail_terminal", "CHONGQING", "Harbin"),
    ("GUANGZHOU", "Guangzhou (Dalang)", "Canton", "CN", "rail_terminal", "CHONGQING", "Guangzhou"),
    ("SHENZHEN", "Shenzhen (Pinghu)", "Pinghu", "CN", "seaport|rail_terminal", "LIANYUNGANG", "Shenzhen"),
    ("XIAMEN", "Xiamen (port)", "Amoy", "CN", "seaport|rail_terminal", "LIANYUNGANG", "Xiamen"),
    ("BISHKEK", "Bishkek", "Frunze", "KG", "rail_terminal", "ALMATY", "Bishkek"),
    ("KARAGANDA", "Karaganda", "Qaraghandy", "KZ", "rail_terminal|rail_junction", "ALMATY", "Karagandy"),
    ("TARAZ", "Taraz", "Zhambyl", "KZ", "rail_terminal", "ALMATY", "Taraz"),
    ("SAMARKAND", "Samarkand", "Samarqand", "UZ", "rail_terminal", "TASHKENT", "Samarkand"),
    ("LODZ", "Łódź (Olechów)", "Lodz|Olechów", "PL", "rail_terminal", "WARSAW", "Łódź"),
    ("LEIPZIG", "Leipzig (Wahren)", "", "DE", "rail_terminal", "DUISBURG", "Leipzig"),
    ("MUNICH", "Munich (Riem)", "München", "DE", "rail_terminal", "DUISBURG", "Munich"),
    ("VENLO", "Venlo", "", "NL", "rail_terminal", "PRAGUE", "Venlo"),
    ("ANTWERP", "Antwerp (port)", "Antwerpen|Anvers", "BE", "seaport|rail_terminal", "PRAGUE", "Antwerpen"),
    ("LYON", "Lyon (Vénissieux)", "Vénissieux", "FR", "rail_terminal", "PRAGUE", "Lyon"),
    ("BRATISLAVA", "Bratislava", "Pressburg", "SK", "rail_terminal", "PRAGUE", "Bratislava"),
    ("TRIESTE", "Trieste (port)", "Trst", "IT", "seaport|rail_terminal", "PRAGUE", "Trieste"),
    ("MILAN", "Milan (Melzo)", "Milano|Melzo", "IT", "rail_terminal", "DUISBURG", "Milan"),
    ("GENOA", "Genoa (port)", "Genova", "IT", "seaport|rail_terminal", "DUISBURG", "Genoa"),
    ("LJUBLJANA", "Ljubljana", "", "SI", "rail_terminal", "PRAGUE", "Ljubljana"),
    ("KOPER", "Koper (port)", "Capodistria", "SI", "seaport|rail_terminal", "DUISBURG", "Koper"),
    ("IZMIR", "İzmir (port)", "Izmir|Smyrna", "TR", "seaport|rail_terminal", "ISTANBUL", "Izmir"),
]
# id, from, to, template hop (same service); every new hop is bidirectional like its template
LINKS = [
    ("R-ZHENGZHOU-WUHAN", "ZHENGZHOU", "WUHAN", "R-ZHENGZHOU-XIAN"),
    ("R-WUHAN-CHANGSHA", "WUHAN", "CHANGSHA", "R-ZHENGZHOU-XIAN"),
    ("R-WUHAN-NANCHANG", "WUHAN", "NANCHANG", "R-ZHENGZHOU-XIAN"),
    ("R-ZHENGZHOU-HEFEI", "ZHENGZHOU", "HEFEI", "R-ZHENGZHOU-XIAN"),
    ("R-HEFEI-SUZHOU", "HEFEI", "SUZHOU", "R-ZHENGZHOU-XIAN"),
    ("R-ZHENGZHOU-JINAN", "ZHENGZHOU", "JINAN", "R-ZHENGZHOU-XIAN"),
    ("R-JINAN-QINGDAO", "JINAN", "QINGDAO", "R-ZHENGZHOU-XIAN"),
    ("R-JINAN-TIANJIN", "JINAN", "TIANJIN", "R-ZHENGZHOU-XIAN"),
    ("R-TIANJIN-SHENYANG", "TIANJIN", "SHENYANG", "R-ZHENGZHOU-XIAN"),
    ("R-SHENYANG-HARBIN", "SHENYANG", "HARBIN", "R-ZHENGZHOU-XIAN"),
    ("R-CHANGSHA-GUANGZHOU", "CHANGSHA", "GUANGZHOU", "R-ZHENGZHOU-XIAN"),
    ("R-GUANGZHOU-SHENZHEN", "GUANGZHOU", "SHENZHEN", "R-ZHENGZHOU-XIAN"),
    ("R-NANCHANG-XIAMEN", "NANCHANG", "XIAMEN", "R-ZHENGZHOU-XIAN"),
    ("R-SHU-TARAZ", "SHU", "TARAZ", "R-ALMATY-SHU"),
    ("R-SHU-BISHKEK", "SHU", "BISHKEK", "R-ALMATY-SHU"),
    ("R-MOYINTY-KARAGANDA", "MOYINTY", "KARAGANDA", "R-ALMATY-SHU"),
    ("R-TASHKENT-SAMARKAND", "TASHKENT", "SAMARKAND", "R-TASHKENT-NAVOI"),
    ("R-WARSAW-LODZ", "WARSAW", "LODZ", "R-WARSAW-POZNAN"),
    ("R-BERLIN-LEIPZIG", "BERLIN", "LEIPZIG", "R-WARSAW-POZNAN"),
    ("R-NUREMBERG-MUNICH", "NUREMBERG", "MUNICH", "R-NUREMBERG-DUISBURG"),
    ("R-DUISBURG-VENLO", "DUISBURG", "VENLO", "R-DUISBURG-ZEVENAAR"),
    ("R-DUISBURG-ANTWERP", "DUISBURG", "ANTWERP", "R-DUISBURG-ZEVENAAR"),
    ("R-DUISBURG-LYON", "DUISBURG", "LYON", "R-NUREMBERG-DUISBURG"),
    ("R-VIENNA-BRATISLAVA", "VIENNA", "BRATISLAVA", "R-BUDAPEST-VIENNA"),
    ("R-VIENNA-TRIESTE", "VIENNA", "TRIESTE", "R-BUDAPEST-VIENNA"),
    ("R-TRIESTE-MILAN", "TRIESTE", "MILAN", "R-BUDAPEST-VIENNA"),
    ("R-MILAN-GENOA", "MILAN", "GENOA", "R-BUDAPEST-VIENNA"),
    ("R-VIENNA-LJUBLJANA", "VIENNA", "LJUBLJANA", "R-BUDAPEST-VIENNA"),
    ("R-LJUBLJANA-KOPER", "LJUBLJANA", "KOPER", "R-BUDAPEST-VIENNA"),
    ("R-ANKARA-IZMIR", "ANKARA", "IZMIR", "R-KAYSERI-ANKARA"),
]
# Terminals entered across a non-EU border whose border post is not a node: the whole crossing is applied here.
BORDER_AT_TERMINAL = {"BISHKEK": "the KZ–KG rail post (Lugovaya/Kaindy) is not a node"}
_BORDER = ("border_exit_h", "border_entry_h", "border_exit_usd_per_teu", "border_entry_usd_per_teu")


def _border_at_terminal(row: dict[str, str], prov: Provenance) -> None:
    row.update(
        border_exit_h="40.6", border_entry_h="40.6", border_exit_usd_per_teu="215", border_entry_usd_per_teu="215"
    )
    note = (
        "proxy: all-CAREC rail border-crossing average 2022 (40.6 h, US$215 per crossing) [CPMM-2022-RAIL] applied "
        f"in full on each side here, because {BORDER_AT_TERMINAL[row['id']]} (no published figure for this crossing)"
    )
    for column in _BORDER:
        prov.cite(column, "CPMM-2022-RAIL", note)


_FACTOR = re.compile(r"great-circle × ([\d.]+)")


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


def main(network: Path) -> None:
    node_header, node_rows = read_table(network / "nodes.csv")
    link_header, link_rows = read_table(network / "links.csv")
    nodes = {row["id"]: row for row in node_rows}
    with (HERE / "places.csv").open(encoding="utf-8", newline="") as handle:
        placed = {row["node_id"] for row in csv.DictReader(handle)}
    new_places = []
    for node_id, name, aliases, country, kinds, template, place in NODES:
        if node_id in nodes:
            continue
        gid = _geonames_id(country, place)
        city = _cities_cached()[gid]
        row = dict(nodes[template])
        prov = Provenance.parse(row["sources"], row["notes"], NODE_NUMERIC)
        prov.remarks = []  # the template's free remarks describe the template, not this node
        row.update(id=node_id, name=name, aliases=aliases, locode="", country=country, kinds=kinds)
        row.update(lat=f"{city['latitude']:.4f}", lon=f"{city['longitude']:.4f}")
        if node_id in BORDER_AT_TERMINAL:
            _border_at_terminal(row, prov)
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        node_rows.append(row)
        nodes[node_id] = row
        if node_id not in placed:
            new_places.append((node_id, "geonames", gid, city["name"]))
    links = {row["id"]: row for row in link_rows}
    for link_id, src, dst, template in LINKS:
        if link_id in links:
            continue
        row = dict(links[template])
        prov = Provenance.parse(row["sources"], row["notes"], LINK_NUMERIC)
        prov.remarks = [r for r in prov.remarks if r.startswith("emission class")]
        a, b = nodes[src], nodes[dst]
        factor = float(m.group(1)) if (m := _FACTOR.search(prov.notes.get("distance_km", ""))) else 1.25
        km = haversine_km(float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"])) * factor
        row.update({"id": link_id, "from": src, "to": dst, "distance_km": _km(km), "capacity_teu_per_week": ""})
        prov.cite("distance_km", "ESTIMATE", f"great-circle × {factor} rail detour factor (assumed)")
        prov.keys.pop("capacity_teu_per_week", None)
        prov.notes.pop("capacity_teu_per_week", None)
        _rescale(row, prov, km)
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        link_rows.append(row)
    write_table(network / "nodes.csv", node_header, node_rows)
    write_table(network / "links.csv", link_header, link_rows)
    with (HERE / "places.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(new_places)
    print(f"{len(new_places)} nodes added")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "graphs/middle_corridor"))
