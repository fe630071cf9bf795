"""A brute-force oracle for shipment planning: enumerate every itinerary, then every integer split.

Independent of :mod:`engine.optimize.timeexpanded` (no queues, yards or rides templates, no bounds): it walks
itineraries with :meth:`QueryContext.step` — board any departure at or after the first one ``step`` finds, stay
aboard through junctions or get off where a transfer is allowed, stop at the destination — and tries every
multiset of itineraries for the consignment, honouring each boarding departure's capacity.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from engine.network.model import ServiceKind
from engine.routing.costing import QueryContext, Step

MAX_ITINERARIES = 120


@dataclass(frozen=True)
class Itinerary:
    """Cost (cents per lot, lateness included), arrival minute, and the departures boarded ``(link, minute)``."""

    cents: int
    arrive: int
    boardings: tuple[tuple[int, int], ...]


def _cents(step: Step) -> int:
    return step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents


def itineraries(ctx: QueryContext, end_min: int, lateness_cents: Callable[[int], int]) -> list[Itinerary]:
    """Every itinerary from the origin at ``ctx.ready_min`` to the destination arriving by ``end_min``."""
    c = ctx.compiled
    continuous = [c.network.services[s].kind is ServiceKind.CONTINUOUS for s in c.service_ids]
    found: list[Itinerary] = []

    def walk(node: int, service: int, came_from: int, loose: bool, t: int, cents: int, boards: tuple) -> Iterator[None]:  # type: ignore[type-arg]
        if node == ctx.destination and service >= 0:
            found.append(Itinerary(cents + lateness_cents(t), t, boards))
            return
        for link in c.out_links[node]:
            new_service = c.link_service[link]
            if new_service == service or not ctx.link_ok[link]:
                continue
            step = ctx.step(node, t, service, loose, link, came_from)
            if step is None:
                continue
            if continuous[new_service]:
                departures = [step.depart]
            else:
                departures = c.departures[new_service].within(step.depart, end_min)
            for depart in departures:
                shift = depart - step.depart
                yield from ride(
                    link, step.arrive + shift, step.loose_after, cents + _cents(step), (*boards, (link, depart)), set()
                )

    def ride(link: int, arrive: int, loose: bool, cents: int, boards: tuple, seen: set) -> Iterator[None]:  # type: ignore[type-arg]
        if arrive > end_min:
            return
        node, service, came_from = c.link_to[link], c.link_service[link], c.link_from[link]
        if node == ctx.destination:
            yield from walk(node, service, came_from, loose, arrive, cents, boards)
            return
        if c.allows_transfer[node]:
            yield from walk(node, service, came_from, loose, arrive, cents, boards)
        if (node, came_from) in seen:
            return
        for nxt in c.out_links[node]:
            if c.link_service[nxt] != service or not ctx.link_ok[nxt]:
                continue
            step = ctx.step(node, arrive, service, loose, nxt, came_from)
            if step is not None:
                yield from ride(
                    nxt, step.arrive, step.loose_after, cents + _cents(step), boards, seen | {(node, came_from)}
                )

    for _ in walk(ctx.origin, -1, -1, ctx.starts_loose, ctx.ready_min, 0, ()):
        pass
    assert len(found) <= MAX_ITINERARIES, f"{len(found)} itineraries: too many for brute force"
    return found


def best_split(options: list[Itinerary], teu: int, capacity_of: Callable[[int, int], int | None]) -> tuple[int, int]:
    """The most TEU that can move and, among splits moving that many, the least total cost (cents per lot × TEU)."""
    for moved in range(teu, 0, -1):
        best: int | None = None
        for combo in itertools.combinations_with_replacement(range(len(options)), moved):
            used: dict[tuple[int, int], int] = {}
            for i in combo:
                for board in options[i].boardings:
                    used[board] = used.get(board, 0) + 1
            if any((cap := capacity_of(*board)) is not None and n > cap for board, n in used.items()):
                continue
            cost = sum(options[i].cents for i in combo)
            if best is None or cost < best:
                best = cost
        if best is not None:
            return moved, best
    return 0, 0
