"""The time-expanded network of one consignment: every departure within the horizon, with its remaining capacity.

Vertices
--------
- **states** ``(node, service, previous node, loose, minute)``: the cargo has arrived at ``node`` at ``minute``
  aboard ``service`` and may leave it here — the routing search's state (the origin state has service ``-1``).
  States exist only where getting off can lead somewhere: the destination, and nodes that allow a transfer and
  where another usable service leaves;
- **departures** ``D(link, minute, loose)``: one boarding of a vehicle (a sailing, a train, a flight), split into an
  in and an out vertex joined by one arc whose capacity is the departure's remaining capacity (capacity per
  departure minus bookings) — the only finite capacities. From the out vertex, one arc per place the vehicle can
  drop the cargo: the **ride** on the same service, through junctions, to every node where cargo may get off;
- **boarding queues** ``W(link, minute, loose)``: cargo ready to board a scheduled link waits for one of its
  departures; consecutive queue vertices are joined by free waiting arcs, so a full departure can be skipped;
- a source and a sink.

Arcs from a state are one call of :meth:`engine.routing.model.QueryContext.step` per outgoing link of another
service (the transfer rule, handling, lifts, border dwell, freight and CO2e of ``find_routes``): scheduled links
go to their boarding queue at the first departure ``step`` finds, continuous ones (trucks) straight to a departure
at once. Rides are also chains of ``step`` calls (staying aboard departs at once). Arriving at the destination
ends a route (arc to the sink, costing the lateness). Costs are integer cents per lot of ``lot_teu`` TEU, flows
are TEU, so the min-cost flow is exact in integers. Time strictly increases along departure arcs: acyclic.

Capacity is claimed where the cargo boards: a departure's capacity is shared by all cargo boarding it, and the
vehicle then carries it as far as it rides (a ride that passes another boarding point does not compete with cargo
boarding there, which is another departure in this model, as in the routing engine's timetables).

Within one ride, a partial ride that reaches the same (node, previous node) no earlier and no cheaper than
another is dropped (it has the same continuations), so rides never loop. A departure is created only if the cargo
can still reach the destination by the end of the horizon after it (the routing engine's per-link-state lower
bound on the remaining time).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from engine.errors import SearchInterrupted
from engine.network.model import ServiceKind
from engine.routing.model import BOUND_TIME, INF, QueryContext, Step, lower_bounds

SOURCE, SINK = 0, 1

State = tuple[int, int, int, bool, int]
"""node, service (-1 before boarding), previous node (-1 at the origin), loose, arrival minute."""

DepartureKey = tuple[int, int, bool]
"""link, departure minute, loose after boarding."""


@dataclass(frozen=True)
class RideEnd:
    """Where a vehicle boarded on one link can drop the cargo: the steps taken aboard after the first link, with
    times relative to the boarding departure (minute 0)."""

    node: int
    last_link: int
    came_from: int
    arrive: int
    cents: int
    steps: tuple[tuple[int, Step], ...]


STOP_POLL = 4096
"""Vertices between two polls of ``should_stop`` while building."""


@dataclass
class TimeExpandedNetwork:
    """Arcs of the time-expanded network as parallel lists, and what each arc means for the plan."""

    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    capacities: list[int] = field(default_factory=list)
    costs: list[int] = field(default_factory=list)
    n_vertices: int = 2
    departure_arc: dict[int, DepartureKey] = field(default_factory=dict)
    """Arc index → the departure it is (the capacity arcs)."""
    step_arc: dict[int, tuple[int, Step]] = field(default_factory=dict)
    """Arc index → (link, boarding step from the state) for arcs leaving a state."""
    ride_arc: dict[int, tuple[int, RideEnd]] = field(default_factory=dict)
    """Arc index → (departure minute, ride end) for arcs from a departure to where it drops the cargo."""
    sink_arc: dict[int, int] = field(default_factory=dict)
    """Arc index → arrival minute at the destination."""
    departure_capacity: dict[DepartureKey, int | None] = field(default_factory=dict)
    """Remaining capacity of each departure (TEU) before capping at the consignment size; ``None``: no limit."""
    should_stop: Callable[[], str | None] | None = None
    """Polled every ``STOP_POLL`` vertices while building; a reason stops the build (a deadline, a cancel)."""

    def arc(self, tail: int, head: int, capacity: int, cost: int) -> int:
        """Add an arc and return its index."""
        self.tails.append(tail)
        self.heads.append(head)
        self.capacities.append(capacity)
        self.costs.append(cost)
        return len(self.tails) - 1

    def vertex(self) -> int:
        """A new vertex id."""
        self.n_vertices += 1
        if self.should_stop is not None and not self.n_vertices % STOP_POLL:
            reason = self.should_stop()
            if reason:
                raise SearchInterrupted(reason)
        return self.n_vertices - 1

    def arrays(self) -> tuple[npt.NDArray[np.int64], ...]:
        """Tails, heads, capacities and costs as int64 arrays (what ``SimpleMinCostFlow`` takes)."""
        return tuple(np.asarray(a, dtype=np.int64) for a in (self.tails, self.heads, self.capacities, self.costs))


def ride_ends(ctx: QueryContext, link: int, loose: bool) -> list[RideEnd]:
    """Every place a vehicle boarded on ``link`` can drop the cargo, with the Pareto-best (time, cost) ride to
    each (node, previous node); never past the destination, never through a loop."""
    c = ctx.compiled
    service = c.link_service[link]
    first = (c.link_to[link], c.link_from[link])
    start_time = c.link_run_min[link] + c.link_border_entry_min[link]
    best: dict[tuple[int, int], list[tuple[int, int]]] = {first: [(start_time, 0)]}
    ends: list[RideEnd] = []
    heap: list[tuple[int, int, int, int, int, tuple[tuple[int, Step], ...]]] = [
        (start_time, 0, first[0], first[1], link, ())
    ]
    while heap:
        t, cents, node, came_from, last, steps = heapq.heappop(heap)
        if node == ctx.destination or (c.allows_transfer[node] and _can_change(ctx, node, service)):
            ends.append(RideEnd(node, last, came_from, t, cents, steps))
        if node == ctx.destination:
            continue
        for nxt in c.out_links[node]:
            if c.link_service[nxt] != service or not ctx.link_ok[nxt]:
                continue
            step = ctx.step(node, t, service, loose, nxt, came_from)
            if step is None:
                continue
            cost = cents + step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
            key = (c.link_to[nxt], node)
            labels = best.setdefault(key, [])
            if any(a <= step.arrive and b <= cost for a, b in labels):
                continue
            labels.append((step.arrive, cost))
            heapq.heappush(heap, (step.arrive, cost, key[0], node, nxt, (*steps, (nxt, step))))
    ends.sort(key=lambda e: (e.arrive, e.cents, e.last_link))
    return ends


def _can_change(ctx: QueryContext, node: int, service: int) -> bool:
    """Whether any usable link of another service leaves ``node`` (else getting off there leads nowhere)."""
    c = ctx.compiled
    return any(c.link_service[link] != service and ctx.link_ok[link] for link in c.out_links[node])


def build_time_expanded(
    ctx: QueryContext,
    teu: int,
    end_min: int,
    capacity_of: Callable[[int, int, bool], int | None],
    lateness_cents: Callable[[int], int],
    should_stop: Callable[[], str | None] | None = None,
) -> TimeExpandedNetwork:
    """Build the network for ``teu`` TEU from ``ctx``'s origin (ready at ``ctx.ready_min``) to its destination.

    Parameters
    ----------
    ctx
        The routing cost model for one lot (its shipment is the lot; its constraints apply; links it may not use
        are left out).
    teu
        Consignment size: the capacity of every arc that has no capacity of its own.
    end_min
        Last minute an arrival counts (end of the horizon, or the deadline).
    capacity_of
        Remaining TEU of departure ``(link, minute, loose)``; ``None`` for no limit (trucks).
    lateness_cents
        Cost per lot of arriving at a minute (the sink arcs).
    should_stop
        Polled while building (the expensive part); a returned reason raises
        :class:`~engine.errors.SearchInterrupted`.
    """
    compiled = ctx.compiled
    bound = lower_bounds(
        ctx, criteria=(BOUND_TIME,)
    ).time_min  # per link-state: minutes still needed after taking the link
    net = TimeExpandedNetwork(should_stop=should_stop)
    states: dict[State, int] = {}
    yards: dict[tuple[int, int, bool, int], int] = {}
    departures: dict[DepartureKey, int] = {}
    queues: dict[tuple[int, bool], dict[int, int]] = {}
    timetable: dict[int, list[int]] = {}
    templates: dict[tuple[int, bool], list[RideEnd]] = {}
    boardings: dict[tuple[int, int, bool], tuple[list[int], list[int]]] = {}
    pending: list[tuple[int, State]] = []
    offset = [compiled.link_run_min[i] + compiled.link_border_entry_min[i] for i in range(len(compiled.link_ids))]
    continuous = [compiled.network.services[s].kind is ServiceKind.CONTINUOUS for s in compiled.service_ids]

    def in_time(link: int, arrive: int) -> bool:
        return bound[link] < INF and arrive + bound[link] <= end_min

    def departures_of(service: int) -> list[int]:
        times = timetable.get(service)
        if times is None:
            times = timetable[service] = compiled.departures[service].within(ctx.ready_min, end_min)
        return times

    def scheduled_boardings(node: int, service: int, loose: bool) -> tuple[list[int], list[int]]:
        """Scheduled links cargo in ``node``'s yard (arrived on ``service``) may board, and the sorted latest
        arrival minutes ("cutoffs") that still catch each of their departures: the only arrival times that
        matter to the yard, so arrivals are rounded up to the next cutoff without changing any choice."""
        key = (node, service, loose)
        found = boardings.get(key)
        if found is None:
            links: list[int] = []
            cutoffs: set[int] = set()
            for link in compiled.out_links[node]:
                new_service = compiled.link_service[link]
                if new_service == service or continuous[new_service] or not ctx.link_ok[link]:
                    continue
                probe = ctx.step(node, ctx.ready_min, service, loose, link, -1)
                if probe is None:
                    continue
                preparation = probe.depart - probe.wait_min - ctx.ready_min
                links.append(link)
                cutoffs.update(t - preparation for t in departures_of(new_service) if in_time(link, t + offset[link]))
            found = boardings[key] = (links, sorted(cutoffs))
        return found

    def yard(node: int, service: int, loose: bool, arrive: int) -> int | None:
        """The yard vertex an arrival at ``arrive`` joins (``None`` when no scheduled departure can be caught)."""
        links, cutoffs = scheduled_boardings(node, service, loose)
        index = bisect_left(cutoffs, arrive)
        if index == len(cutoffs):
            return None
        cutoff = cutoffs[index]
        key = (node, service, loose, cutoff)
        vertex = yards.get(key)
        if vertex is None:
            vertex = yards[key] = net.vertex()
            for link in links:
                step = ctx.step(node, cutoff, service, loose, link, -1)
                if step is None or not in_time(link, step.arrive):
                    continue
                cents = step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
                target = queue(link, step.depart, step.loose_after)
                net.step_arc[net.arc(vertex, target, teu, cents)] = (link, step)
        return vertex

    def has_trucks(node: int, service: int) -> bool:
        return any(
            continuous[compiled.link_service[link]] and compiled.link_service[link] != service and ctx.link_ok[link]
            for link in compiled.out_links[node]
        )

    def arrival(node: int, service: int, came_from: int, loose: bool, arrive: int) -> int | None:
        """Where a vehicle's drop-off at ``node`` leads: an exact state when trucks may leave from there (they
        leave at once, so time matters), else straight into the yard."""
        if has_trucks(node, service):
            state = (node, service, came_from, loose, arrive)
            vertex = states.get(state)
            if vertex is None:
                vertex = states[state] = net.vertex()
                pending.append((vertex, state))
            return vertex
        return yard(node, service, loose, arrive)

    def departure(link: int, depart: int, loose: bool) -> int:
        key = (link, depart, loose)
        vertex = departures.get(key)
        if vertex is None:
            vertex = departures[key] = net.vertex()
            out = net.vertex()
            capacity = capacity_of(link, depart, loose)
            net.departure_capacity[key] = capacity
            net.departure_arc[net.arc(vertex, out, teu if capacity is None else min(teu, capacity), 0)] = key
            ends = templates.get((link, loose))
            if ends is None:
                ends = templates[(link, loose)] = ride_ends(ctx, link, loose)
            service = compiled.link_service[link]
            for end in ends:
                arrive = depart + end.arrive
                if not in_time(end.last_link, arrive):
                    continue
                if end.node == ctx.destination:
                    arc = net.arc(out, SINK, teu, end.cents + lateness_cents(arrive))
                    net.sink_arc[arc] = arrive
                else:
                    target = arrival(end.node, service, end.came_from, loose, arrive)
                    if target is None:
                        continue
                    arc = net.arc(out, target, teu, end.cents)
                net.ride_arc[arc] = (depart, end)
        return vertex

    def queue(link: int, depart: int, loose: bool) -> int:
        """The boarding-queue vertex at ``depart``, creating the queue from there to the last useful departure."""
        times = departures_of(compiled.link_service[link])
        chain = queues.setdefault((link, loose), {})
        first = bisect_left(times, depart)
        if first in chain:
            return chain[first]
        index = first
        previous: int | None = None
        while index < len(times) and in_time(link, times[index] + offset[link]):
            existing = chain.get(index)
            vertex = existing if existing is not None else net.vertex()
            if previous is not None:
                net.arc(previous, vertex, teu, 0)  # wait for the next departure
            if existing is not None:
                break
            chain[index] = vertex
            net.arc(vertex, departure(link, times[index], loose), teu, 0)
            previous = vertex
            index += 1
        return chain[first]

    origin: State = (ctx.origin, -1, -1, ctx.starts_loose, ctx.ready_min)
    states[origin] = net.vertex()
    pending.append((states[origin], origin))
    net.arc(SOURCE, states[origin], teu, 0)
    while pending:
        vertex, (node, service, came_from, loose, t) = pending.pop()
        target = yard(node, service, loose, t)
        if target is not None:
            net.arc(vertex, target, teu, 0)
        for link in compiled.out_links[node]:
            new_service = compiled.link_service[link]
            if new_service == service or not continuous[new_service] or not ctx.link_ok[link]:
                continue
            step = ctx.step(node, t, service, loose, link, came_from)
            if step is None or not in_time(link, step.arrive):
                continue
            cents = step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
            net.step_arc[net.arc(vertex, departure(link, step.depart, step.loose_after), teu, cents)] = (link, step)
    return net


def decompose(net: TimeExpandedNetwork, flows: npt.NDArray[np.int64]) -> list[tuple[int, list[int]]]:
    """Split an acyclic source–sink flow into paths: ``(TEU, arc indexes)`` each, in a deterministic order.

    Each round follows, from the source, the lowest-numbered arc that still carries flow; the path's TEU is the
    smallest remaining flow on it.
    """
    remaining = [int(f) for f in flows]
    outgoing: dict[int, list[int]] = {}
    for arc, (tail, f) in enumerate(zip(net.tails, remaining, strict=True)):
        if f > 0:
            outgoing.setdefault(tail, []).append(arc)
    paths: list[tuple[int, list[int]]] = []
    while True:
        vertex, path = SOURCE, []
        while vertex != SINK:
            arcs = outgoing.get(vertex, [])
            while arcs and remaining[arcs[0]] == 0:
                arcs.pop(0)
            if not arcs:
                return paths
            path.append(arcs[0])
            vertex = net.heads[arcs[0]]
        amount = min(remaining[a] for a in path)
        for a in path:
            remaining[a] -= amount
        paths.append((amount, path))


def min_cut_departures(net: TimeExpandedNetwork, flows: npt.NDArray[np.int64]) -> list[int]:
    """Departure arcs of the minimum cut: full departures separating what moved from what could not."""
    forward: dict[int, list[int]] = {}
    backward: dict[int, list[int]] = {}
    for arc, (tail, head) in enumerate(zip(net.tails, net.heads, strict=True)):
        if flows[arc] < net.capacities[arc]:
            forward.setdefault(tail, []).append(head)
        if flows[arc] > 0:
            backward.setdefault(head, []).append(tail)
    seen = {SOURCE}
    stack = [SOURCE]
    while stack:
        vertex = stack.pop()
        for other in (*forward.get(vertex, ()), *backward.get(vertex, ())):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return sorted(a for a in net.departure_arc if net.tails[a] in seen and net.heads[a] not in seen)
