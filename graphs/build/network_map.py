"""``make network-map``: draw the network by mode on country outlines to a PNG and write the coverage table.

The picture is ``graphs/middle_corridor/network-map.png`` (links as their track or sea lane where
``geometry.geojson`` has one, else straight; nodes as dots), drawn offline with Altair/Vega-Lite and vl-convert on
the Natural Earth 1:110m country outlines the engine ships (``engine/studies/data/countries.geojson``). The coverage
table (nodes by country and kind, links by mode, sourced share by table) replaces the block between
``<!-- MAP:BEGIN -->`` and ``<!-- MAP:END -->`` of the network's README.

    .venv/bin/python graphs/build/network_map.py graphs/middle_corridor
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import altair as alt
import vl_convert

from engine.network import load_network
from engine.network.geojson import link_line
from engine.network.summary import summarise

ROOT = Path(__file__).resolve().parents[2]
OUTLINES = ROOT / "engine" / "studies" / "data" / "countries.geojson"
MODE_COLOURS = {"rail": "#c0392b", "road": "#7f8c8d", "ferry": "#16a085", "sea": "#2471a3", "air": "#8e44ad"}
EXTENT = (-12.0, -37.0, 128.0, 58.0)  # lon/lat box of every node, Cape of Good Hope to Harbin
BEGIN, END = "<!-- MAP:BEGIN -->", "<!-- MAP:END -->"


def chart(network_dir: Path) -> alt.LayerChart:
    """The network map as a layered Vega-Lite chart."""
    network = load_network(network_dir)
    outlines = json.loads(OUTLINES.read_text(encoding="utf-8"))["features"]
    lines = []
    seen = set()
    for link in network.links.values():
        row = link.reverse_of or link.id
        if row in seen:  # one line per row: a reverse hop draws over its row
            continue
        seen.add(row)
        src, dst = network.nodes[link.from_id], network.nodes[link.to_id]
        lines.append(
            {
                "type": "Feature",
                "properties": {"mode": link.mode.value},
                "geometry": {"type": "LineString", "coordinates": link_line(link, src, dst)},
            }
        )
    lines.sort(key=lambda f: list(MODE_COLOURS).index(f["properties"]["mode"]), reverse=True)
    nodes = [{"lon": n.lon, "lat": n.lat, "terminal": n.allows_transfer} for n in network.nodes.values()]
    x0, y0, x1, y1 = EXTENT
    # Fit the projection to the corners of the box (points: a polygon's winding would matter on the sphere).
    corners = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [(x0 + x1) / 2, y1]]
    box = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": corners}}
    colour = alt.Color(
        "properties.mode:N",
        title="mode",
        scale=alt.Scale(domain=list(MODE_COLOURS), range=list(MODE_COLOURS.values())),
    )
    land = alt.Chart(alt.Data(values=outlines)).mark_geoshape(fill="#f2f0eb", stroke="#c8c4bb", strokeWidth=0.5)
    links = alt.Chart(alt.Data(values=lines)).mark_geoshape(filled=False, strokeWidth=1.1).encode(color=colour)
    dots = (
        alt.Chart(alt.Data(values=nodes))
        .mark_circle(size=9, color="#222", opacity=0.8)
        .encode(longitude="lon:Q", latitude="lat:Q")
    )
    title = f"{network.title}: {len(network.nodes)} nodes, {len(network.links)} directed links"
    return (
        alt.layer(land, links, dots)
        .project(type="equalEarth", fit=box)
        .properties(width=1400, height=950, title=title)
        .configure_view(stroke=None, clip=True)
    )


def coverage_table(network_dir: Path) -> str:
    """Markdown: nodes by country and kind, links by mode, sourced share by table."""
    network = load_network(network_dir)
    summary = summarise(network)
    kinds = sorted({k.value for n in network.nodes.values() for k in n.kinds})
    by_country: dict[str, Counter[str]] = {}
    for node in network.nodes.values():
        counter = by_country.setdefault(node.territory or "sea passage", Counter())
        counter["nodes"] += 1
        counter.update(k.value for k in node.kinds)
    lines = ["| country | nodes | " + " | ".join(k.replace("_", " ") for k in kinds) + " |"]
    lines.append("|---|---:|" + "---:|" * len(kinds))
    for country, counter in sorted(by_country.items(), key=lambda i: (-i[1]["nodes"], i[0])):
        cells = " | ".join(str(counter[k] or "") for k in kinds)
        lines.append(f"| {country} | {counter['nodes']} | {cells} |")
    lines += ["", "| mode | directed links | km |", "|---|---:|---:|"]
    lines += [f"| {mode} | {n} | {km:,.0f} |" for mode, n, km in summary.links_by_mode]
    lines += ["", "| table | sourced | ESTIMATE | sourced share |", "|---|---:|---:|---:|"]
    for table, sourced, estimated in summary.sourced_by_table:
        lines.append(f"| {table} | {sourced:,} | {estimated:,} | {100 * sourced / (sourced + estimated):.1f}% |")
    lines.append(
        f"| **all** | **{summary.sourced_cells:,}** | **{summary.estimated_cells:,}** | "
        f"**{100 * summary.sourced_share:.1f}%** |"
    )
    with_line = sum(1 for link in network.links.values() if link.geometry)
    lines += [
        "",
        f"{with_line} of {len(network.links)} directed links follow their track or sea lane (`geometry.geojson`); "
        "the others are straight (air, and hops the OSM/MARNET graphs do not connect). By column: "
        "`corridor network show`.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    network_dir = Path(argv[0] if argv else "graphs/middle_corridor")
    png = network_dir / "network-map.png"
    png.write_bytes(vl_convert.vegalite_to_png(chart(network_dir).to_json(), scale=1))
    readme = network_dir / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = f"{BEGIN}\n![The network by mode](network-map.png)\n\n{coverage_table(network_dir)}\n{END}"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        marker = "<!-- COVERAGE:BEGIN -->"
        text = text.replace(marker, f"## Map and coverage table\n\n{block}\n\n{marker}", 1)
    readme.write_text(text, encoding="utf-8")
    print(f"wrote {png} ({png.stat().st_size:,} bytes) and the coverage table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
