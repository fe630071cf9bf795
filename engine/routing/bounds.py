"""Lower bounds to the destination, per link-state, for A* ordering and pruning.

A label that has just taken link ``l`` is at ``l``'s end node aboard ``l``'s service; the bounds say what it still
needs at least to reach the destination: minutes, cents, transfers and grams of CO2e. They come from reverse
Dijkstra searches over link-states, where continuing on the same service costs only the next link, and changing
service costs one transfer, the node's handling time and (when the vehicle kind changes) its lift cost. Waits,
de-consolidation and the no-U-turn rule are ignored, so a bound never overestimates; links the query may never use
(avoided nodes, countries, modes, operators; refused cargo; air for containers that may not be de-consolidated;
surface vehicles for loose cargo) are left out, so an infinite bound means the destination cannot be reached.

Bounds are computed in exact cents for the shipment's boxes (containers: fees per container, wagon or consignment
do not scale with TEU, :mod:`engine.routing.pricing`) or per kg plus a fixed part (loose cargo), grams per tonne —
and cached per snapshot, destination, filter and pricing (boxes, dated rate points, surcharges), so a query pays
only for scaling the states it reaches. Queries that allow de-consolidation mix both regimes and get exact
per-query bounds instead. The per-unit bounds drop the rounding of each hop to whole cents or grams, so
``ROUNDING_SLACK`` is subtracted.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from engine.network.model import CargoClass, Mode
from engine.routing.compiled import VESSEL_MODES, CompiledNetwork
from engine.routing.costing import LOOSE_KG_PER_TRUCK, LOOSE_LOAD_UNITS, QueryContext

INF = 1 << 62
ROUNDING_SLACK = 100
"""Cents (or grams) subtracted from scaled bounds to cover per-hop rounding (≤ 0.5 each)."""

TIME, UNIT, FIXED, CO2E, TRANSFERS = range(5)


@dataclass(frozen=True)
class Bounds:
    """What a label still needs at least, per link-state (index = the link just taken).

    ``cost_cents(l) = cost_scale × cost_per_unit[l] + cost_fixed[l] − slack`` and
    ``co2e_g(l) = co2e_scale × co2e_per_unit[l] − slack``; a time of ``INF`` or more means unreachable.
    ``origin`` holds the same five numbers for the origin, before the first vehicle.
    """

    time_min: list[float]
    transfers: list[float]
    cost_per_unit: list[float]
    cost_fixed: list[float]
    cost_scale: float
    co2e_per_unit: list[float]
    co2e_scale: float
    slack: float
    origin: tuple[float, float, float, float, float]  # time, cost cents, transfers, co2e g (scaled), reachable

    @property
    def origin_reachable(self) -> bool:
        """Whether any usable route leaves the origin towards the destination."""
        return self.origin[0] < INF


@dataclass(frozen=True)
class _StateBounds:
    per_link: tuple[list[float], list[float], list[float], list[float], list[float]]  # by TIME, UNIT, … index
    first_weights: dict[int, tuple[float, float, float, float]]  # usable link → (time, unit, fixed, co2e) weights


def lower_bounds(ctx: QueryContext) -> Bounds:
    """Bounds for ``ctx``'s query (cached per unit when the query does not mix containers and loose cargo)."""
    c = ctx.compiled
    q = ctx.query.constraints
    if not ctx.starts_loose and ctx.allow_deconsolidation:
        state = _state_bounds(ctx, mode="exact")
        scale, co2e_scale, slack = 1.0, 1.0, 0.0
    else:
        loose = ctx.starts_loose
        key = (
            "routing.bounds",
            ctx.destination,
            loose,
            ctx.cargo_class,
            q.avoid_countries,
            q.avoid_nodes,
            q.avoid_modes,
            q.operators_folded,
            ctx.pricing.key,  # holds the link count too (with or without through products)
        )
        state = c.network.views.get(key, lambda: _state_bounds(ctx, mode="loose" if loose else "container"))
        # Containers: cents for these boxes exactly (fees per container, wagon or consignment do not scale with
        # TEU); loose cargo: cents per kg.
        scale, co2e_scale, slack = (ctx.kg if loose else 1.0), ctx.tonnes, float(ROUNDING_SLACK)
    time, unit, fixed, co2e, transfers = state.per_link
    best = (float(INF), float(INF), float(INF), float(INF))
    best_transfers = float(INF)
    for link in c.out_links[ctx.origin]:
        weights = state.first_weights.get(link)
        if weights is None or time[link] >= INF:
            continue
        best = (
            min(best[0], weights[0] + time[link]),
            min(best[1], scale * (weights[1] + unit[link]) + weights[2] + fixed[link]),
            min(best[2], co2e_scale * (weights[3] + co2e[link])),
            0.0,
        )
        best_transfers = min(best_transfers, transfers[link])
    origin = (best[0], best[1] - slack, best_transfers, best[2] - slack, best[0])
    return Bounds(
        time_min=time,
        transfers=transfers,
        cost_per_unit=unit,
        cost_fixed=fixed,
        cost_scale=scale,
        co2e_per_unit=co2e,
        co2e_scale=co2e_scale,
        slack=slack,
        origin=origin,
    )


def _relaxed_usable(ctx: QueryContext, link: int, loose: bool) -> bool:
    """The query's link filter without the shipment-size rules (weight, capacity), which vary per query."""
    c = ctx.compiled
    if not (ctx.node_ok[c.link_from[link]] and ctx.node_ok[c.link_to[link]]):
        return False
    if c.link_mode[link] in ctx.avoided_modes or ctx.cargo_class in c.link_refused[link]:
        return False
    if ctx.avoided_operators and not ctx.avoided_operators.isdisjoint(c.link_operators[link]):
        return False
    if c.link_mode[link] is Mode.AIR:
        return loose and ctx.cargo_class is not CargoClass.HAZMAT
    return not loose or c.link_load_unit[link] in LOOSE_LOAD_UNITS


def _link_weights(ctx: QueryContext, mode: str) -> dict[int, tuple[float, float, float, float]]:
    """Per usable link: (minutes, unit cents, fixed cents, unit grams) of taking it."""
    c = ctx.compiled
    weights: dict[int, tuple[float, float, float, float]] = {}
    for i in range(len(c.link_ids)):
        minutes = float(c.link_run_min[i] + c.link_border_exit_min[i] + c.link_border_entry_min[i])
        if mode == "exact":
            if not ctx.usable(i):
                continue
            freights = [f for f in (ctx.freight_container[i], ctx.loose_freight(i)) if f is not None]
            if not freights:
                continue
            cents = float(min(freights)) + round(c.link_border_usd_per_teu[i] * 100)
            weights[i] = (minutes, cents, 0.0, float(ctx.co2e_g[i]))
            continue
        loose = mode == "loose"
        if not _relaxed_usable(ctx, i, loose):
            continue
        per_kg, per_truck = c.link_usd_per_kg[i], c.link_usd_per_truck[i]
        grams = c.link_g_per_tkm[i] * c.link_distance_km[i]
        if loose:
            border = c.link_border_usd_per_teu[i] * 100
            multiplier = ctx.pricing.multiplier[i]  # a dated rate series may lower the fare below the CSV's
            unit = per_kg * 100 if per_kg is not None else (per_truck or 0.0) * 100 / LOOSE_KG_PER_TRUCK
            weights[i] = (minutes, unit * multiplier, border, grams)
        else:
            freight = ctx.freight_container[i]
            if freight is None:
                continue
            weights[i] = (minutes, float(freight + ctx.pricing.border_cents[i]), 0.0, grams)
    return weights


def _state_bounds(ctx: QueryContext, mode: str) -> _StateBounds:
    c = ctx.compiled
    weights = _link_weights(ctx, mode)
    kg = ctx.kg if mode == "exact" else 1.0

    def transition(previous: int, link: int) -> tuple[float, float, float] | None:
        """Extra (minutes, unit cents, transfers) of going on from ``previous`` with ``link``."""
        if c.link_service[previous] == c.link_service[link]:
            if c.link_through_change[link]:  # a vehicle change inside a through product: its time, no fee
                return (float(c.handling_min[c.link_to[previous]]), 0.0, 1.0)
            return (0.0, 0.0, 0.0)
        if c.link_through_pos[link] > 0 or (c.link_through_pos[previous] >= 0 and not c.link_through_last[previous]):
            return None  # a through product is boarded on its first link and left at its end only (as in step)
        node = c.link_to[previous]
        if not c.allows_transfer[node]:
            return None
        lift = 0.0
        if c.link_vehicle[previous] != c.link_vehicle[link]:
            loose_lift = mode == "loose" or c.link_mode[link] is Mode.AIR or c.link_mode[previous] is Mode.AIR
            per_kg = c.handling_usd_per_kg[node]
            if mode == "loose" and per_kg is None:
                return None
            if mode == "exact":
                lift = min(float(ctx.pricing.lift_cents[node]), (per_kg or 0.0) * kg * 100)
            elif loose_lift and mode == "loose":
                lift = (per_kg or 0.0) * 100
            else:
                lift = float(ctx.pricing.lift_cents[node])
        queue = c.port_queue_min[node] if c.link_mode[link] in VESSEL_MODES else 0
        return (float(c.handling_min[node] + queue), lift, 1.0)

    per_link = _reverse_state_dijkstra(c, ctx.destination, weights, transition)
    return _StateBounds(per_link=per_link, first_weights=weights)


def _reverse_state_dijkstra(
    c: CompiledNetwork,
    destination: int,
    weights: dict[int, tuple[float, float, float, float]],
    transition: Callable[[int, int], tuple[float, float, float] | None],
) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    """Five independent shortest-path runs (time, unit cost, fixed cost, CO2e, transfers) over link-states."""
    n = len(c.link_ids)
    # Transitions previous → link, with their extras, computed once for all five runs.
    predecessors: dict[int, list[tuple[int, tuple[float, float, float]]]] = {}
    for link in weights:
        for previous in c.in_links[c.link_from[link]]:
            if previous in weights:
                extra = transition(previous, link)
                if extra is not None:
                    predecessors.setdefault(link, []).append((previous, extra))
    runs: list[list[float]] = []
    for criterion in (TIME, UNIT, FIXED, CO2E, TRANSFERS):
        dist = [float(INF)] * n
        heap: list[tuple[float, int]] = []
        for link in weights:
            # A through product reaches the destination only at its end (as in step).
            if c.link_to[link] == destination and (c.link_through_pos[link] < 0 or c.link_through_last[link]):
                dist[link] = 0.0
                heap.append((0.0, link))
        heapq.heapify(heap)
        while heap:
            d, link = heapq.heappop(heap)
            if d > dist[link]:
                continue
            w = weights[link]
            for previous, extra in predecessors.get(link, ()):
                if criterion == TIME:
                    step = extra[0] + w[0]
                elif criterion == UNIT:
                    step = extra[1] + w[1]
                elif criterion == FIXED:
                    step = w[2]
                elif criterion == CO2E:
                    step = w[3]
                else:
                    step = extra[2]
                candidate = d + step
                if candidate < dist[previous]:
                    dist[previous] = candidate
                    heapq.heappush(heap, (candidate, previous))
        runs.append(dist)
    return runs[0], runs[1], runs[2], runs[3], runs[4]
