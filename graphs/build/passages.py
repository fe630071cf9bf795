"""Place the strait and canal waypoints on the Eurostat MARNET sea lane through them: one-off, idempotent.

A sea passage node (Singapore Strait, Bab el-Mandeb, Suez, Port Said, Gibraltar) is a representative point the
ships pass; its approximate position becomes the point of the MARNET lane (searoute 1.6.0) between its neighbours
that is nearest to it, cited ``MARNET-SEAROUTE-1-6-0``. A point already on the lane stays where it is. The Cape of
Good Hope keeps its estimate: searoute's restrictions did not route Singapore → Rotterdam round the Cape.

    uv run --frozen --group network-build --group dev python graphs/build/passages.py graphs/middle_corridor
"""

from __future__ import annotations

import sys
from pathlib import Path

import searoute
from build_network import NODE_NUMERIC, read_table, write_table
from cells import Provenance
from distances import MARNET_KEY
from shapely.geometry import LineString, Point

LANES = {  # passage: the two nodes whose lane runs through it
    "SINGAPORE_STRAIT": ("NINGBO", "BAB_EL_MANDEB"),
    "BAB_EL_MANDEB": ("SINGAPORE_STRAIT", "SUEZ"),
    "SUEZ": ("BAB_EL_MANDEB", "PORT_SAID"),
    "PORT_SAID": ("SUEZ", "GIBRALTAR"),
    "GIBRALTAR": ("PORT_SAID", "ROTTERDAM"),
}


def main(argv: list[str]) -> int:
    network = Path(argv[0] if argv else "graphs/middle_corridor")
    header, rows = read_table(network / "nodes.csv")
    by_id = {row["id"]: row for row in rows}

    def lon_lat(node_id: str) -> list[float]:
        return [float(by_id[node_id]["lon"]), float(by_id[node_id]["lat"])]

    for passage, (a, b) in LANES.items():
        lane = LineString(searoute.searoute(lon_lat(a), lon_lat(b), units="km")["geometry"]["coordinates"])
        on_lane = lane.interpolate(lane.project(Point(lon_lat(passage))))
        row = by_id[passage]
        row["lon"], row["lat"] = f"{on_lane.x:.4f}", f"{on_lane.y:.4f}"
        prov = Provenance.parse(row["sources"], row["notes"], NODE_NUMERIC)
        note = f"the point of the MARNET sea lane {a} → {b} nearest to the passage's approximate position"
        prov.cite("lat", MARNET_KEY, note)
        prov.cite("lon", MARNET_KEY, note)
        row["sources"], row["notes"] = prov.sources_cell(), prov.notes_cell()
        print(f"{passage}: {row['lat']}, {row['lon']} on the lane {a} → {b}")
    write_table(network / "nodes.csv", header, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
