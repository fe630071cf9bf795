"""The transfer graph: per-TEU costs of weekly flows, built from the routing cost model, as a CSR for Dijkstra.

Why a graph of links (a line graph) and not of nodes
---------------------------------------------------
Whether cargo may go on from a node, and what that costs, depends on how it arrived: staying on the same service
runs through (no handling); changing service is a transfer, allowed only where the node has ``handling_h``, with a
lift charged when the vehicle kind changes; a vehicle never turns straight back. A plain node graph (such as a
scipy CSR over network nodes) would let cargo change trains at a junction without handling, which the routing
engine forbids. So a vertex here is "the cargo has just run link ``l``" — the routing search's state (node,
service, previous node) — and every arc is one call of :meth:`engine.routing.model.QueryContext.step`: the
same transfer rule, handling, lift, border and freight costs as ``find_routes``. Vertex ``n_links + i`` is "ready
at node ``i``" (a route's start; boarding the first vehicle is free). scipy's C Dijkstra then prices columns on
it; the graph has one arc per (in-link, out-link) pair a step allows, so no parallel arcs (scipy would add them).

What is static here
-------------------
The assignment is a weekly steady state, so waits are expectations: cargo boarding a service (at its origin or at
a transfer) waits on average half the headway of a headway service, ``Σ gap² / (2 · week)`` for a weekly
timetable, nothing for a continuous one (trucks). All other times — handling, border dwell, running time — and
all money and CO2e come from ``step``. Money is per TEU: the cost model prices a lot of ``lot_teu`` TEU
(default 2: one 40-foot box, which is what one truck carries), divided by ``lot_teu``.

The generalized cost of an arc is ``usd + usd_per_hour × hours`` (USD per TEU).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from engine.network.model import MINUTES_PER_WEEK, CargoClass, Mode, Network, Service, ServiceKind
from engine.routing import Constraints, RouteQuery, Shipment
from engine.routing.model import CompiledNetwork, QueryContext, compile_network, to_minutes

DEFAULT_LOT_TEU = 2
"""TEU per priced lot: one 40-foot container, one truckload (``teu_per_truck`` = 2 in the shipped network)."""

DEFAULT_KG_PER_TEU = 10_000.0
"""Gross cargo weight per TEU (kg) when a demand row gives none — the CLI's routing default too."""

REFERENCE_TIME = datetime(2026, 1, 5, tzinfo=UTC)
"""Any time works: money, CO2e and dwell of a step do not depend on it (a Monday 00:00 UTC, for readability)."""

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CargoSegment:
    """What changes the allowed links or the per-TEU costs of a commodity."""

    cargo_class: CargoClass = CargoClass.GENERAL
    avoid_countries: frozenset[str] = frozenset()
    avoid_modes: frozenset[Mode] = frozenset()
    gross_kg_per_teu: float = DEFAULT_KG_PER_TEU


def expected_wait_min(service: Service) -> float:
    """Mean wait (minutes) for cargo arriving at a random time to board ``service``."""
    if service.kind is ServiceKind.CONTINUOUS:
        return 0.0
    if service.kind is ServiceKind.HEADWAY:
        assert service.headway_h is not None
        return service.headway_h * 30.0
    times = service.weekly_departures_min
    gaps = [b - a for a, b in itertools.pairwise(times)] + [times[0] + MINUTES_PER_WEEK - times[-1]]
    return sum(g * g for g in gaps) / (2.0 * MINUTES_PER_WEEK)


@dataclass(frozen=True, eq=False)
class TransferGraph:
    """The line graph of one cargo segment with per-TEU money (USD), hours and CO2e (kg) on every arc.

    Arcs are sorted by tail, so ``indptr`` together with ``head`` is a CSR; ``link[a]`` is the link arc ``a`` runs
    (its head vertex) and ``lift_node[a]`` the node index where ``a`` lifts the container from one kind of vehicle
    to another (``-1`` when it does not), for the capacity rows of links and terminals.
    """

    compiled: CompiledNetwork
    segment: CargoSegment
    lot_teu: int
    n_links: int
    head: IntArray
    indptr: IntArray
    usd: FloatArray
    hours: FloatArray
    co2e_kg: FloatArray
    link: IntArray
    lift_node: IntArray
    tail: IntArray
    usable: npt.NDArray[np.bool_]

    @property
    def n_vertices(self) -> int:
        """Link vertices followed by one start vertex per node."""
        return self.n_links + len(self.compiled.node_ids)

    def generalized(self, usd_per_hour: float) -> FloatArray:
        """Generalized cost per TEU of every arc (USD)."""
        return self.usd + usd_per_hour * self.hours

    def shortest(self, weights: FloatArray, origins: IntArray) -> tuple[FloatArray, IntArray]:
        """Dijkstra from the start vertices of ``origins`` (node indexes); distances and predecessors per row."""
        matrix = csr_array((weights, self.head, self.indptr), shape=(self.n_vertices, self.n_vertices))
        dist, pred = dijkstra(matrix, directed=True, indices=self.n_links + origins, return_predecessors=True)
        return np.atleast_2d(dist), np.atleast_2d(pred).astype(np.int32)

    def arrival_vertices(self, node: int) -> IntArray:
        """Link vertices that end at ``node`` and this segment may use (where a route to ``node`` ends)."""
        return np.array([k for k in self.compiled.in_links[node] if self.usable[k]], dtype=np.int32)


def transfer_graph(network: Network, segment: CargoSegment, lot_teu: int = DEFAULT_LOT_TEU) -> TransferGraph:
    """Build (or reuse: a view kept with the snapshot, see :mod:`engine.network.views`) the transfer graph of
    ``segment``."""
    return network.views.get(
        ("optimize.transfer_graph", segment, lot_teu), lambda: _build(compile_network(network), segment, lot_teu)
    )


def segment_context(compiled: CompiledNetwork, segment: CargoSegment, lot_teu: int) -> QueryContext:
    """The routing cost model for a lot of ``lot_teu`` TEU of ``segment`` (origin/destination are irrelevant)."""
    ids = compiled.node_ids
    query = RouteQuery(
        origin=ids[0],
        destination=ids[1],
        ready=REFERENCE_TIME,
        shipment=Shipment(lot_teu, lot_teu * segment.gross_kg_per_teu, segment.cargo_class),
        constraints=Constraints(avoid_countries=segment.avoid_countries, avoid_modes=segment.avoid_modes),
    )
    return QueryContext(compiled, query)


def _build(compiled: CompiledNetwork, segment: CargoSegment, lot_teu: int) -> TransferGraph:
    ctx = segment_context(compiled, segment, lot_teu)
    network = compiled.network
    waits = [expected_wait_min(network.services[s]) for s in compiled.service_ids]
    t0 = to_minutes(REFERENCE_TIME)
    n_links = len(compiled.link_ids)
    tails: list[int] = []
    heads: list[int] = []
    usd: list[float] = []
    minutes: list[float] = []
    co2e: list[float] = []
    lift_at: list[int] = []
    scale = 1.0 / lot_teu

    def add(tail: int, node: int, service: int, came_from: int, link: int) -> None:
        step = ctx.step(node, t0, service, False, link, came_from)
        if step is None:
            return
        boards = service != compiled.link_service[link]
        cents = step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
        moving = step.arrive - step.depart
        before = step.handling_min + step.deconsolidation_min + step.border_exit_min
        tails.append(tail)
        heads.append(link)
        usd.append(cents / 100.0 * scale)
        minutes.append(before + moving + (waits[compiled.link_service[link]] if boards else 0.0))
        co2e.append(step.co2e_g / 1000.0 * scale)
        lift_at.append(node if step.lift else -1)

    for node in range(len(compiled.node_ids)):
        outs = [link for link in compiled.out_links[node] if ctx.link_ok[link]]
        if not outs:
            continue
        for link in outs:
            add(n_links + node, node, -1, -1, link)
        for arrived in compiled.in_links[node]:
            if not ctx.link_ok[arrived]:
                continue
            for link in outs:
                add(arrived, node, compiled.link_service[arrived], compiled.link_from[arrived], link)

    tail = np.asarray(tails, dtype=np.int32)
    order = np.argsort(tail, kind="stable")
    n_vertices = n_links + len(compiled.node_ids)
    counts = np.bincount(tail, minlength=n_vertices)
    indptr = np.zeros(n_vertices + 1, dtype=np.int32)
    np.cumsum(counts, out=indptr[1:])
    head = np.asarray(heads, dtype=np.int32)[order]
    return TransferGraph(
        compiled=compiled,
        segment=segment,
        lot_teu=lot_teu,
        n_links=n_links,
        head=head,
        indptr=indptr,
        usd=np.asarray(usd, dtype=np.float64)[order],
        hours=np.asarray(minutes, dtype=np.float64)[order] / 60.0,
        co2e_kg=np.asarray(co2e, dtype=np.float64)[order],
        link=head.copy(),
        lift_node=np.asarray(lift_at, dtype=np.int32)[order],
        tail=tail[order],
        usable=np.asarray(ctx.link_ok, dtype=np.bool_),
    )
