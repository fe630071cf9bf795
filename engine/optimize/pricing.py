"""Pricing for the path assignment: every commodity's cheapest path under the master's duals.

One scipy Dijkstra per cargo segment over all its origins (C, one call) gives the distances; only the commodities
whose reduced cost is negative get their path walked back and totalled (:meth:`Pricer.column`), with the arcs of a
path found by one vectorised search in a sorted ``(tail, head)`` key array rather than a scan per arc.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from engine.optimize.master import Column, Commodity
from engine.optimize.transfer_graph import FloatArray, IntArray, TransferGraph

PathArcs = list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]
"""Per segment, ``(position, arc)`` pairs: the arcs of the paths of a list of commodities (:meth:`Pricer.path_arcs`)."""


class Pricer:
    """Cheapest path of every commodity under the current duals: one Dijkstra per segment over its origins."""

    def __init__(self, graphs: Sequence[TransferGraph], commodities: Sequence[Commodity], usd_per_hour: float) -> None:
        self.graphs = graphs
        self.commodities = commodities
        self.base = [g.generalized(usd_per_hour) for g in graphs]
        self.by_segment: list[list[int]] = [[] for _ in graphs]
        for k, commodity in enumerate(commodities):
            if commodity.demand > 0:
                self.by_segment[commodity.segment].append(k)
        self.origins: list[IntArray] = []
        self.row_of: list[dict[int, int]] = []
        for members in self.by_segment:
            origins = sorted({commodities[k].origin for k in members})
            self.origins.append(np.array(origins, dtype=np.int32))
            self.row_of.append({o: i for i, o in enumerate(origins)})
        self.arrivals = {
            (c.segment, c.destination): graphs[c.segment].arrival_vertices(c.destination) for c in commodities
        }
        # arc of (tail, head): the line graph has no parallel arcs, so the key tail · n + head is unique
        self._keys: list[np.ndarray] = []
        self._arc_of_key: list[np.ndarray] = []
        for g in graphs:
            keys = g.tail.astype(np.int64) * g.n_vertices + g.head.astype(np.int64)
            order = np.argsort(keys, kind="stable")
            self._keys.append(keys[order])
            self._arc_of_key.append(order)
        # per segment: the Dijkstra row of each member's origin and its arrival vertices, padded with the
        # sentinel column ``n_vertices`` (distance inf), so one fancy-indexing call finds every member's best end
        self._member_rows: list[IntArray] = []
        self._member_ends: list[IntArray] = []
        for s, members in enumerate(self.by_segment):
            ends = [self.arrivals[(s, commodities[k].destination)] for k in members]
            width = max((len(e) for e in ends), default=0)
            padded = np.full((len(members), max(width, 1)), graphs[s].n_vertices, dtype=np.int32)
            for i, e in enumerate(ends):
                padded[i, : len(e)] = e
            self._member_rows.append(np.array([self.row_of[s][commodities[k].origin] for k in members], dtype=np.int32))
            self._member_ends.append(padded)
        self._pred: list[np.ndarray] = [np.zeros((0, 0), dtype=np.int32) for _ in graphs]
        self._last = np.full(len(commodities), -1, dtype=np.int64)

    def price(
        self, link_surcharge: FloatArray, node_surcharge: FloatArray, weights: Sequence[FloatArray] | None = None
    ) -> FloatArray:
        """Cost of every commodity's cheapest path under arc ``weights`` per segment (default: generalized cost)
        plus the surcharges (``inf`` when there is none); :meth:`column` then gives the path itself."""
        shortest = np.full(len(self.commodities), np.inf)
        self._last[:] = -1
        padded_nodes = np.append(node_surcharge, 0.0)  # index -1 (no transfer) reads the 0 at the end
        for s, graph in enumerate(self.graphs):
            members = self.by_segment[s]
            if not members:
                continue
            base = self.base[s] if weights is None else weights[s]
            arc_weights = base + link_surcharge[graph.link] + padded_nodes[graph.lift_node]
            dist, self._pred[s] = graph.shortest(arc_weights, self.origins[s])
            dist = np.hstack([dist, np.full((len(dist), 1), np.inf)])  # the padding column of _member_ends
            ends = self._member_ends[s]
            candidates = dist[self._member_rows[s][:, None], ends]
            best = np.argmin(candidates, axis=1)  # first minimum, as the former per-commodity loop
            rows = np.arange(len(members))
            found = np.isfinite(candidates[rows, best])
            index = np.asarray(members, dtype=np.int64)
            shortest[index[found]] = candidates[rows, best][found]
            self._last[index[found]] = ends[rows, best][found]
        return shortest

    def path_arcs(self, ks: npt.NDArray[np.intp]) -> PathArcs:
        """The arcs of the paths the last :meth:`price` found for commodities ``ks`` (each reached), per segment:
        ``(position in ks, arc)`` pairs, all chains walked back together one step at a time (numpy, no
        :class:`Column` built: a round checks ~1,000 paths and most do not enter)."""
        out: PathArcs = []
        segment = np.array([self.commodities[int(k)].segment for k in ks], dtype=np.int64)
        for s, graph in enumerate(self.graphs):
            live = np.flatnonzero(segment == s)
            rows = np.array([self.row_of[s][self.commodities[int(k)].origin] for k in ks[live]], dtype=np.int64)
            vertex = self._last[ks[live]]
            positions: list[np.ndarray] = []
            arcs: list[np.ndarray] = []
            pred = self._pred[s]
            while len(live):
                tail = pred[rows, vertex].astype(np.int64)
                keys = tail * graph.n_vertices + vertex
                positions.append(live)
                arcs.append(self._arc_of_key[s][np.searchsorted(self._keys[s], keys)])
                more = tail < graph.n_links  # a start vertex ends the chain
                live, rows, vertex = live[more], rows[more], tail[more]
            empty = np.zeros(0, dtype=np.int64)
            out.append((np.concatenate(positions) if positions else empty, np.concatenate(arcs) if arcs else empty))
        return out

    def column(self, k: int) -> Column:
        """The path of commodity ``k`` found by the last :meth:`price` (which must have found one)."""
        commodity = self.commodities[k]
        s = commodity.segment
        graph = self.graphs[s]
        pred = self._pred[s][self.row_of[s][commodity.origin]]
        vertices = [int(self._last[k])]
        while vertices[-1] < graph.n_links:
            vertices.append(int(pred[vertices[-1]]))
        vertices.reverse()
        path = np.asarray(vertices, dtype=np.int64)
        keys = path[:-1] * graph.n_vertices + path[1:]
        index = self._arc_of_key[s][np.searchsorted(self._keys[s], keys)]
        lifts = graph.lift_node[index]
        return Column(
            commodity=k,
            links=tuple(vertices[1:]),
            lifts=tuple(int(v) for v in lifts[lifts >= 0]),
            usd=float(graph.usd[index].sum()),
            hours=float(graph.hours[index].sum()),
            co2e_kg=float(graph.co2e_kg[index].sum()),
            cost=float(self.base[s][index].sum()),
        )
