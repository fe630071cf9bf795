"""Exact time-dependent multi-criteria label-setting search (a multi-objective Dijkstra with target pruning).

Terminology
-----------
- A **label** is a partial route: the cargo at a node at a time, aboard a service (or not yet boarded), loose or
  containerised, having passed the first ``k`` via nodes, with its criteria vector
  ``(arrival_min, cost_cents, transfers, co2e_g)``.
- Labels live in **bags** keyed by that state ``(node, service, loose, via_index)``: the next transfer, the next
  wait and the next de-consolidation depend on it, so labels in different states never dominate each other. The
  previous node matters only to the no-U-turn rule: each label carries the node it may not turn back to (its
  *block*), and dominance within a bag also requires a compatible block (:func:`u_turn_blocks`); labels of two
  different blocks that both dominate a newcomer replace it together (:func:`_two_blocks_dominate`).
- **Pareto mode** keeps, per bag, the labels no other label weakly dominates on all four criteria. Time is FIFO and
  waiting is free, so a label that is no worse on every criterion can replace the other on every continuation:
  dropping dominated labels is exact.
- **Lexicographic mode** (single objectives) orders criteria, e.g. cheapest = (cost, arrival, transfers, CO2e).
  Cost, transfers and CO2e are additive, so a strict lead in them survives any continuation; arrival is not (two
  labels may catch the same departure), so a lead in arrival only counts together with ≤ on the criteria after it.
  Constrained criteria (deadline, budget, CO2e cap, transfer cap) must additionally be ≤ to dominate.
- Labels are settled from a heap in the lexicographic order of their criteria, so a settled label is never
  dominated later (the multi-objective Dijkstra argument); ties keep the label found first (deterministic).
- **Bounds** (:mod:`engine.routing.bounds`): reverse Dijkstra searches over link-states give, for a label that
  has just taken a link, lower bounds of the minutes, cents, transfers and CO2e still needed. Labels leave the heap
  in the lexicographic order of their optimistic completion (multi-objective A*; the bounds are consistent, so a
  settled label stays optimal). A label is dropped when its optimistic completion breaks a constraint or is
  dominated by a route already found (target pruning, checked again when it leaves the heap); a lexicographic
  search stops as soon as no label left can beat the best route found.
- **Arrival profile** (:mod:`engine.routing.arrival_profile`): on large networks a Pareto search also bounds a
  label's arrival by when its link-state can still reach the destination, waits for departures included; the
  larger of the two arrival bounds is the label's (both are consistent, so is their maximum).

What is exact: the set of criteria vectors returned equals the Pareto set over all routes (walks that never repeat
a state), one route per distinct vector; the tests compare it with brute-force enumeration.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import SearchInterrupted
from engine.routing.arrival_profile import arrival_floor, arrival_profile, profile_wanted
from engine.routing.bounds import INF, Bounds, lower_bounds
from engine.routing.cost_layers import cost_layers, layers_wanted, region_arrival
from engine.routing.costing import QueryContext
from engine.routing.front import FoundFront
from engine.routing.kernel import kernel_search, kernel_wanted
from engine.routing.kernel_routes import FoundLabel, ReplayTrie
from engine.routing.labels import Completion, Label, Vector
from engine.routing.limits import deadline_min
from engine.routing.u_turns import u_turn_blocks

ARRIVE, COST, TRANSFERS, CO2E = 0, 1, 2, 3
STOP_POLL = 64
"""Settled labels between two polls of ``should_stop`` (a poll costs well under a microsecond)."""
ADDITIVE = (False, True, True, True)


@dataclass(frozen=True)
class SearchOutcome:
    """The routes found at the destination (as labels) and how hard the search worked."""

    labels: tuple[Label, ...]
    labels_created: int
    labels_settled: int


def search(
    ctx: QueryContext,
    order: tuple[int, ...] = (ARRIVE, COST, TRANSFERS, CO2E),
    *,
    pareto: bool = True,
    on_label: Callable[[str, Label], None] | None = None,
    should_stop: Callable[[], str | None] | None = None,
    kernel: bool | None = None,
) -> SearchOutcome:
    """Run the label-setting search for ``ctx``'s query.

    Parameters
    ----------
    ctx
        The query's context (feasible links, freight, CO2e).
    order
        Lexicographic order of the criteria (heap order; in lexicographic mode also the objective).
    pareto
        ``True``: return the whole Pareto set over the four criteria. ``False``: return the lexicographic optimum
        in ``order`` (with constraints honoured exactly).
    on_label
        Debug hook, called with ``("created" | "settled" | "pruned", label)``; costs nothing when ``None``.
    should_stop
        Polled every ``STOP_POLL`` settled labels; a non-empty return (the reason) stops the search with
        :class:`~engine.errors.SearchInterrupted`. This is how deadlines and cancellations reach a running search.
    kernel
        ``True``: the compiled kernel (:mod:`engine.routing.kernel`), ``False``: this module's Python loop, ``None``:
        as :func:`~engine.routing.kernel.kernel_wanted` decides. Both return the same routes and counts; ``on_label``
        needs the Python loop.

    Returns
    -------
    SearchOutcome
        Destination labels in heap order; empty when no route satisfies the constraints.
    """
    compiled = ctx.compiled
    if kernel is None:
        kernel = on_label is None and kernel_wanted(len(compiled.link_ids))
    if kernel:
        if on_label is not None:
            raise ValueError("on_label needs the Python search (kernel=False)")
        routes, created, settled = kernel_search(ctx, order, pareto=pareto, should_stop=should_stop)
        replays: ReplayTrie = {}  # the routes' shared prefixes are replayed once
        kernel_routes: list[Label] = [FoundLabel(ctx, end, links, replays, hops) for end, links, hops in routes]
        if len(kernel_routes) > 1:
            kernel_routes.sort(key=lambda f: _key4(f.vector, order))
        return SearchOutcome(tuple(kernel_routes), created, settled)
    constraints = ctx.query.constraints
    bounds = lower_bounds(ctx)
    if not bounds.origin_reachable:
        return SearchOutcome((), 0, 0)

    resources = tuple(
        criterion
        for criterion, limited in (
            (ARRIVE, constraints.arrive_by is not None),
            (COST, constraints.max_cost_usd is not None),
            (TRANSFERS, constraints.max_transfers is not None),
            (CO2E, constraints.max_co2e_kg is not None),
        )
        if limited
    )
    dominates = _pareto_dominates if pareto else _lexicographic_dominates(order, resources)
    any_dominates = _pareto_any if pareto else _lexicographic_any(dominates, order)
    kill = _pareto_kill if pareto else _lexicographic_kill(dominates, order)
    uturn = u_turn_blocks(compiled)
    # Target pruning: in Pareto mode labels leave the heap by optimistic arrival, so the routes found are indexed
    # (:class:`FoundFront`); the lexicographic mode stops at its first route better than every label left.
    front = FoundFront() if pareto and order[0] == ARRIVE else None
    deadline = INF if constraints.arrive_by is None else deadline_min(ctx)
    budget = INF if constraints.max_cost_usd is None else round(constraints.max_cost_usd * 100)
    co2e_cap = INF if constraints.max_co2e_kg is None else round(constraints.max_co2e_kg * 1000)
    max_transfers = INF if constraints.max_transfers is None else constraints.max_transfers
    constrained = bool(resources)
    front_dominates = None if front is None else front.dominates
    relax = _relaxation(ctx) if pareto else None

    def found_key(route: Label) -> tuple[float, float, float, float]:
        return _key4(route.vector, order)

    out_links = compiled.out_links
    link_to = compiled.link_to
    link_service = compiled.link_service
    link_ok = ctx.link_ok
    usable = ctx.usable
    via_nodes = ctx.via
    n_via = len(via_nodes)
    destination = ctx.destination
    step = ctx.step
    profile = arrival_profile(ctx, should_stop) if profile_wanted(ctx, pareto=pareto, order=order) else None
    layers = cost_layers(ctx, should_stop) if profile is not None and layers_wanted(ctx) else None
    covered = _covered_by(front, relax)  # a region's corner against the routes found (ε-dominance when tolerant)
    levels = bounds.levels  # per via nodes passed: (time, cost per unit, fixed cost, CO2e per unit, transfers)
    cost_scale, co2e_scale, slack = bounds.cost_scale, bounds.co2e_scale, bounds.slack
    first, second, third, fourth = order

    start = Label((ctx.ready_min, 0, 0, 0), ctx.origin, -1, ctx.starts_loose, 0, None, -1, None)
    start.optimistic = (ctx.ready_min + bounds.origin[0], bounds.origin[1], bounds.origin[2], bounds.origin[3])
    bags: dict[tuple[int, ...], list[Label]] = {}  # by state (node, service, loose, via) [+ U-turn block]
    blocked: dict[tuple[int, ...], list[list[Label]]] = {}  # state → its bags of labels with a U-turn block
    found: list[Label] = []
    best_key: tuple[float, ...] = ()  # lexicographic mode: key of the best route found so far
    # A* order: labels leave the heap in the lexicographic order of their optimistic completion.
    heap: list[tuple[float, float, float, float, int, Label]] = [(*_key4(start.optimistic, order), 0, start)]
    created = 1
    settled = 0

    while heap:
        entry = heapq.heappop(heap)
        label = entry[5]
        if not label.alive:
            continue
        if found:
            if not pareto and entry[:4] >= best_key:
                break  # lexicographic A*: nothing left can beat the route found
            popped_optimistic = label.optimistic
            if front is not None:
                front.advance(popped_optimistic[0])
            if relax is not None:
                popped_optimistic = relax(popped_optimistic)
            if front is not None:
                if front.dominates(popped_optimistic):
                    continue
            elif any_dominates(found, popped_optimistic):
                continue
            if layers is not None and front is not None and label.via == n_via and label.link >= 0:
                # cost_layers: its regions against the routes found: dropped, or back into the heap raised
                arrival = region_arrival(layers, cost_scale, label.link, label.vector[0], label.optimistic, covered)
                if arrival >= INF:
                    continue
                if arrival > label.optimistic[0]:
                    label.optimistic = (arrival, *label.optimistic[1:])
                    heapq.heappush(heap, (*_key4(label.optimistic, order), entry[4], label))
                    continue
        settled += 1
        if should_stop is not None and not settled % STOP_POLL:
            reason = should_stop()
            if reason:
                raise SearchInterrupted(reason)
        if on_label is not None:
            on_label("settled", label)
        arrive, cost, transfers, co2e = label.vector
        node = label.node
        came_from = -1 if label.parent is None else label.parent.node
        service = label.service
        loose = label.loose
        via_index = label.via
        level = levels[via_index]
        if via_index < n_via:
            via_target, level_after = via_nodes[via_index], levels[via_index + 1]
        else:
            via_target, level_after = -1, level
        for link in out_links[node]:
            ok = link_ok[link]
            if ok is None:
                ok = usable(link)
            if not ok:
                continue
            to = link_to[link]
            if to == via_target:
                via = via_index + 1
                lb_time, lb_unit, lb_fixed, lb_co2e, lb_transfers = level_after
            else:
                via = via_index
                lb_time, lb_unit, lb_fixed, lb_co2e, lb_transfers = level
            bound_time = lb_time[link]
            if bound_time >= INF:
                continue  # a dead end: the destination (or the next via node) cannot be reached from there
            outcome = step(node, arrive, service, loose, link, came_from)
            if outcome is None:
                continue
            new_transfers = transfers + outcome.transfer
            new_arrive = outcome.arrive
            new_cost = (
                cost
                + outcome.freight_cents
                + outcome.handling_cents
                + outcome.deconsolidation_cents
                + outcome.border_cents
            )
            new_co2e = co2e + outcome.co2e_g
            arrival_bound = new_arrive + bound_time
            if profile is not None and via == n_via:
                floor = arrival_floor(profile, link, new_arrive)
                if floor > arrival_bound:
                    arrival_bound = floor
                if layers is not None and label.optimistic[0] > arrival_bound:
                    arrival_bound = label.optimistic[0]  # cost_layers: at least the parent's arrival bound
            optimistic: Completion = (
                arrival_bound,
                new_cost + cost_scale * lb_unit[link] + lb_fixed[link] - slack,
                new_transfers + lb_transfers[link],
                new_co2e + co2e_scale * lb_co2e[link] - slack,
            )
            if constrained and (
                optimistic[0] > deadline
                or optimistic[1] > budget
                or optimistic[3] > co2e_cap
                or optimistic[2] > max_transfers
            ):
                continue
            vector: Vector = (new_arrive, new_cost, new_transfers, new_co2e)
            target = optimistic if relax is None else relax(optimistic)
            if found and (front_dominates(target) if front_dominates else any_dominates(found, target)):
                if on_label is not None:
                    on_label(
                        "pruned", Label(vector, to, link_service[link], outcome.loose_after, via, label, link, outcome)
                    )
                continue
            loose_after = outcome.loose_after
            new_service = link_service[link]
            block = uturn[link]
            if to == destination and via == n_via:
                bag = found
                if bag:
                    if any_dominates(bag, vector):
                        continue
                    kill(bag, vector)
            elif block < 0:  # no way back aboard: this label may replace any label of its state
                state = (to, new_service, loose_after, via)
                bag = bags.get(state)  # type: ignore[assignment]
                if bag is None:
                    bag = bags[state] = []
                elif bag:
                    if any_dominates(bag, vector):
                        continue
                    kill(bag, vector)
                for restricted in blocked.get(state, ()):
                    if restricted:
                        kill(restricted, vector)
            else:  # dominated by the state's unrestricted labels or by those with the same block
                state = (to, new_service, loose_after, via)
                free = bags.get(state)
                if free and any_dominates(free, vector):
                    continue
                bag_key = (to, new_service, loose_after, via, block)
                bag = bags.get(bag_key)  # type: ignore[assignment]
                # Pareto mode only, as the kernel (kernel_jit.run): it doubled CHEAPEST at 100k nodes for nothing.
                if pareto and _two_blocks_dominate(blocked.get(state, []), bag, vector, any_dominates):
                    continue
                if bag is None:
                    bag = bags[bag_key] = []
                    blocked.setdefault(state, []).append(bag)
                elif bag:
                    if any_dominates(bag, vector):
                        continue
                    kill(bag, vector)
            child = Label(vector, to, new_service, loose_after, via, label, link, outcome)
            child.block = block
            if bag is found:
                # Routes found stay sorted in the heap's order: target pruning can stop at the first that arrives
                # later than the label tested (Pareto mode), and found[0] is the best so far (lexicographic mode).
                found.insert(bisect.bisect_right(found, _key4(vector, order), key=found_key), child)
                if front is not None:
                    front.add(vector)
                if not pareto:
                    best_key = _key4(found[0].vector, order)
                continue
            bag.append(child)
            child.optimistic = optimistic
            created += 1
            if on_label is not None:
                on_label("created", child)
            heapq.heappush(
                heap, (optimistic[first], optimistic[second], optimistic[third], optimistic[fourth], created, child)
            )

    ordered = sorted(found, key=lambda f: _key4(f.vector, order))
    return SearchOutcome(tuple(ordered), created, settled)


def _two_blocks_dominate(
    restricted: list[list[Label]],
    own: list[Label] | None,
    vector: Vector,
    any_dominates: Callable[[list[Label], Completion], bool],
) -> bool:
    """Whether labels of two different U-turn blocks of the state (``restricted``: its blocked bags; ``own``: the
    newcomer's, not counted) dominate ``vector``.

    Such a newcomer is redundant though neither label may replace it alone: blocks of different nodes close disjoint
    link sets (:func:`~engine.routing.u_turns.u_turn_blocks`), so each first link of its continuations is open to
    one of the two, whose child over it is no worse and has the same block. On the 1k-node synthetic network about
    a sixth of the Pareto search's labels are settled only because no single label of the state covered them.
    """
    others = [other for other in restricted if other is not own and other]
    if len(others) < 2:  # a node on a line has one other block: nothing to scan
        return False
    hits = 0
    for left, other in zip(range(len(others), 0, -1), others, strict=True):
        if hits + left < 2:
            break
        if any_dominates(other, vector):
            hits += 1
            if hits == 2:
                return True
    return False


def _covered_by(
    front: FoundFront | None, relax: Callable[[Completion], Completion] | None
) -> Callable[[Completion], bool]:
    """Whether a route found dominates a completion, or its relaxation when the search is ε-Pareto (a region whose
    corner is covered holds only completions that route covers; mirrored by ``kernel_layers._covered``)."""
    if front is None:
        return lambda _completion: False
    if relax is None:
        return front.dominates
    dominates = front.dominates
    return lambda completion: dominates(relax(completion))


def _relaxation(ctx: QueryContext) -> Callable[[Completion], Completion] | None:
    """ε-dominance for target pruning (``RouteQuery.pareto_tolerance``), ``None`` when the search is exact.

    A label is pruned when a route found is within ``1 + ε`` of its optimistic completion on every criterion
    (time counted from the ready time): each route through the label is then ``(1 + ε)``-covered by that route (or
    by the route that later replaces it in the front, which is no worse). Dominance inside bags stays exact, so the
    covering survives every continuation: the answer is an ε-Pareto set.
    """
    tolerance = ctx.query.pareto_tolerance
    if not tolerance:
        return None
    factor = 1.0 + tolerance
    ready = ctx.ready_min

    def relax(completion: Completion) -> Completion:
        arrive, cost, transfers, co2e = completion
        return (ready + factor * (arrive - ready), factor * cost, factor * transfers, factor * co2e)

    return relax


def _key4(vector: Completion, order: tuple[int, ...]) -> tuple[float, float, float, float]:
    return (vector[order[0]], vector[order[1]], vector[order[2]], vector[order[3]])


def _pareto_dominates(a: Completion, b: Completion, _order: tuple[int, ...]) -> bool:
    """``a`` weakly dominates ``b`` on all four criteria (an equal vector counts: the first found is kept).

    Takes the criteria order only to share the lexicographic dominance's signature: Pareto dominance has no order.
    """
    return a[0] <= b[0] and a[1] <= b[1] and a[2] <= b[2] and a[3] <= b[3]


def _pareto_any(labels: list[Label], b: Completion) -> bool:
    """Whether any of ``labels`` weakly dominates ``b`` (inlined: this is the search's innermost loop)."""
    b0, b1, b2, b3 = b
    for label in labels:
        a = label.vector
        if a[0] <= b0 and a[1] <= b1 and a[2] <= b2 and a[3] <= b3:
            return True
    return False


def _pareto_kill(bag: list[Label], vector: Vector) -> None:
    """Remove from ``bag`` the labels ``vector`` weakly dominates, except those with an equal vector (inlined: this
    runs for every label admitted)."""
    b0, b1, b2, b3 = vector
    beaten = False
    for other in bag:
        a = other.vector
        if b0 <= a[0] and b1 <= a[1] and b2 <= a[2] and b3 <= a[3] and a != vector:
            other.alive = False
            beaten = True
    if beaten:
        bag[:] = [other for other in bag if other.alive]


def _lexicographic_kill(
    dominates: Callable[[Completion, Completion, tuple[int, ...]], bool], order: tuple[int, ...]
) -> Callable[[list[Label], Vector], None]:
    def kill(bag: list[Label], vector: Vector) -> None:
        beaten = False
        for other in bag:
            if other.vector != vector and dominates(vector, other.vector, order):
                other.alive = False
                beaten = True
        if beaten:
            bag[:] = [other for other in bag if other.alive]

    return kill


def _lexicographic_any(
    dominates: Callable[[Completion, Completion, tuple[int, ...]], bool], order: tuple[int, ...]
) -> Callable[[list[Label], Completion], bool]:
    def any_dominates(labels: list[Label], b: Completion) -> bool:
        return any(dominates(label.vector, b, order) for label in labels)

    return any_dominates


def _lexicographic_dominates(
    order: tuple[int, ...], resources: tuple[int, ...]
) -> Callable[[Completion, Completion, tuple[int, ...]], bool]:
    """Dominance that is exact for the lexicographic objective ``order`` under FIFO time (see module docstring)."""

    def dominates(a: Completion, b: Completion, _order: tuple[int, ...]) -> bool:
        for r in resources:
            if a[r] > b[r]:
                return False
        for criterion in order:
            if a[criterion] > b[criterion]:
                return False
            if a[criterion] < b[criterion] and ADDITIVE[criterion]:
                return True
        return True

    return dominates


__all__ = [
    "ARRIVE",
    "CO2E",
    "COST",
    "TRANSFERS",
    "Bounds",
    "Label",
    "SearchOutcome",
    "Vector",
    "search",
    "u_turn_blocks",
]
