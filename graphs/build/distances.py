"""Rail, road and sea distances between node coordinates from open graphs shipped on PyPI.

- Rail and road: shortest paths on the OpenStreetMap-derived world railway and highway graphs of ``scgraph-data``
  (solved with ``scgraph``). The graphs are incomplete in places (no Altynkol, no Beineu–Aktau, parts of Georgia):
  a path is only accepted when both ends snap onto the graph within ``MAX_SNAP_KM`` and the path is not absurdly
  longer or shorter than the great circle; otherwise the row keeps the figure it has.
- Sea and ferry: ``searoute`` on the Eurostat MARNET sea graph (includes the Caspian).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from coordinates import haversine_km

# Source keys may not contain dots: the version's dots become dashes (scgraph-data 2.0.0 → OSM-SCGRAPH-2-0-0).
OSM_KEY = "OSM-SCGRAPH-" + version("scgraph-data").replace(".", "-")
MARNET_KEY = "MARNET-SEAROUTE-" + version("searoute").replace(".", "-")
MAX_SNAP_KM = 15.0  # a node farther than this from the graph is not on it (missing line or wrong coordinates)
MIN_RATIO, MAX_RATIO = 0.98, 2.5  # path length / great circle outside this means a snapping or graph error


@dataclass(frozen=True)
class Measured:
    """A distance measured on a graph, or the reason none was accepted."""

    km: float | None
    reason: str = ""
    path: tuple[tuple[float, float], ...] = ()  # the line measured, (lon, lat) pairs from one end to the other


class Graphs:
    """Loads the big graphs lazily: a build that changes no rail row never reads the railway graph."""

    def __init__(self) -> None:
        self._geographs: dict[str, Any] = {}

    def _geograph(self, mode: str) -> Any:
        if mode not in self._geographs:
            if mode == "rail":
                from scgraph_data.world_railways import world_railways_geograph

                self._geographs[mode] = world_railways_geograph
            else:
                from scgraph_data.world_highways import world_highways_geograph

                self._geographs[mode] = world_highways_geograph
        return self._geographs[mode]

    def land(self, mode: str, a: tuple[float, float], b: tuple[float, float]) -> Measured:
        """Shortest rail or road path between two (lat, lon) points, in km."""
        graph = self._geograph(mode)
        try:  # scgraph prints its own advice on a disconnected graph: keep it out of the build's report
            with contextlib.redirect_stdout(io.StringIO()):
                result = graph.get_shortest_path(
                    origin_node={"latitude": a[0], "longitude": a[1]},
                    destination_node={"latitude": b[0], "longitude": b[1]},
                    output_units="km",
                    silent=True,
                )
        except Exception as error:  # scgraph raises plain Exceptions for disconnected components
            return Measured(None, f"no path on the OSM {mode} graph ({str(error)[:80]})")
        path = result["coordinate_path"]
        snaps = (haversine_km(*a, *path[1]), haversine_km(*b, *path[-2])) if len(path) >= 4 else (0.0, 0.0)
        if max(snaps) > MAX_SNAP_KM:
            return Measured(None, f"an end lies {max(snaps):.0f} km from the OSM {mode} graph (line missing there)")
        km = float(result["length"])
        ratio = km / max(haversine_km(*a, *b), 0.1)
        if not MIN_RATIO <= ratio <= MAX_RATIO:
            return Measured(None, f"OSM {mode} path is {ratio:.2f}× the great circle (graph gap or detour)")
        return Measured(km, path=tuple((float(p[1]), float(p[0])) for p in path))

    @staticmethod
    def sea(a: tuple[float, float], b: tuple[float, float]) -> Measured:
        """Shortest sea-lane distance on the MARNET graph between two (lat, lon) points, in km."""
        import searoute

        route = searoute.searoute([a[1], a[0]], [b[1], b[0]], units="km")
        line = tuple((float(lon), float(lat)) for lon, lat in route["geometry"]["coordinates"])
        return Measured(float(route["properties"]["length"]), path=line)
