"""Write ``geometry.geojson``: the track or sea-lane polyline of each link, from the same graphs as the distances.

Rail and road hops follow the shortest path on scgraph-data's OSM-derived railway/highway graph, ferry and sea hops
the Eurostat MARNET lane (searoute), between the end nodes' coordinates. A path is kept only when both ends snap
onto the graph (``distances.MAX_SNAP_KM``), it is not a known graph error, and its length agrees with the row's
``distance_km`` (×0.75–1.33 on land, ×0.6–1.7 at sea, where legs are shares of published route totals); otherwise
the link keeps its straight segment and the build lists why. Air hops are straight (great-circle) by nature.

Lines are simplified with shapely (Douglas–Peucker, ``TOLERANCE_DEG`` degrees, about 2 km; ends kept) and rounded
to 3 decimals (about 100 m). A reverse link (``<id>.R``) uses its row's line reversed, so only rows are stored.

    uv run --frozen --group network-build --group dev python graphs/build/geometry.py graphs/middle_corridor
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from build_network import KNOWN_GRAPH_ERRORS, read_table
from distances import MARNET_KEY, OSM_KEY, Graphs, Measured
from shapely.geometry import LineString

TOLERANCE_DEG = 0.02
DECIMALS = 3
AGREEMENT = {"rail": (0.75, 1.33), "road": (0.75, 1.33), "ferry": (0.6, 1.7), "sea": (0.6, 1.7)}


def simplified(path: tuple[tuple[float, float], ...]) -> list[list[float]]:
    """The line simplified to ``TOLERANCE_DEG`` and rounded, duplicate points dropped; ends are kept."""
    line = LineString(path).simplify(TOLERANCE_DEG, preserve_topology=False)
    out: list[list[float]] = []
    for lon, lat in line.coords:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def main(argv: list[str]) -> int:
    network = Path(argv[0] if argv else "graphs/middle_corridor")
    _, node_rows = read_table(network / "nodes.csv")
    _, link_rows = read_table(network / "links.csv")
    nodes = {row["id"]: row for row in node_rows}
    graphs = Graphs()
    features = []
    straight: list[str] = []
    for row in link_rows:
        mode = row["mode"]
        if mode == "air":
            continue
        a, b = nodes[row["from"]], nodes[row["to"]]
        ends = (float(a["lat"]), float(a["lon"])), (float(b["lat"]), float(b["lon"]))
        measured: Measured = graphs.land(mode, *ends) if mode in {"rail", "road"} else graphs.sea(*ends)
        key = OSM_KEY if mode in {"rail", "road"} else MARNET_KEY
        if measured.km is not None and row["id"] in KNOWN_GRAPH_ERRORS:
            measured = Measured(None, KNOWN_GRAPH_ERRORS[row["id"]])
        if measured.km is not None:
            ratio = measured.km / float(row["distance_km"])
            low, high = AGREEMENT[mode]
            if not low <= ratio <= high:
                measured = Measured(None, f"{key} path is {ratio:.2f}× the row's distance_km")
        if measured.km is None or len(measured.path) < 2:
            straight.append(f"{row['id']}: {measured.reason or 'empty path'}")
            continue
        # The MARNET lane starts at its vertex nearest the port, up to ~65 km off in the sparse Caspian graph: the
        # ship sails from the port itself, so the line starts and ends at the nodes (scgraph's paths already do).
        path = ((ends[0][1], ends[0][0]), *measured.path, (ends[1][1], ends[1][0]))
        coordinates = simplified(path)
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "properties": {"source": key, "km": round(measured.km, 1)},
                "geometry": {"type": "LineString", "coordinates": coordinates},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "properties": {
            "description": "link polylines keyed by link id (graphs/build/geometry.py)",
            "simplify_tolerance_deg": TOLERANCE_DEG,
            "decimals": DECIMALS,
        },
        "features": features,
    }
    out = network / "geometry.geojson"
    # One feature per line: small diffs when a rerun changes one link.
    text = '{"type": "FeatureCollection", "properties": ' + json.dumps(collection["properties"]) + ', "features": [\n'
    text += ",\n".join(json.dumps(f, separators=(",", ":")) for f in features) + "\n]}\n"
    out.write_text(text, encoding="utf-8")
    points = sum(len(f["geometry"]["coordinates"]) for f in features)  # type: ignore[index]
    print(f"{out}: {len(features)} link rows with a polyline, {points} points, {out.stat().st_size:,} bytes")
    print(f"{len(straight)} link rows keep a straight segment:")
    for line in straight:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
