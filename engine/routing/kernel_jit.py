"""The compiled search loop and its step (:mod:`engine.routing.kernel` documents the algorithm and the storage).

Imported only when the kernel is first used: importing numba costs ~0.5-2 s, which a one-off command line query on
the shipped network should not pay. ``cache=True`` keeps the machine code in ``__pycache__``, so only the first
process on a machine compiles (~10 s); later ones load it in ~0.1 s.

Every function mirrors a piece of :mod:`engine.routing.search` or :meth:`engine.routing.costing.QueryContext.step`;
the comments name the piece.
"""

# mypy: ignore-errors
# numba's njit functions are untyped to mypy; their arguments are documented numpy arrays and tuples of them.

from __future__ import annotations

import numpy as np
from numba import njit

from engine.routing.kernel_front import front_add, front_advance, front_dominates
from engine.routing.kernel_layers import layers_defer
from engine.routing.kernel_layout import (
    ALIVE,
    ARRIVE,
    BAG_BLOCKED,
    BAG_NEXT,
    BAG_SIZE,
    CO2E,
    COST,
    CREATED,
    DONE,
    GROW,
    HEAP_SIZE,
    INF_FLOAT,
    LAYER_COST,
    LAYER_COUNT,
    LAYER_STEP,
    LIMITS,
    LINK,
    LOOSE,
    N_BAGS,
    N_LABELS,
    NODE,
    ORDER,
    PARENT,
    PAUSE,
    PROFILE_STEP,
    RECORD_STEPS,
    RESET,
    RESOURCES,
    SERVICE,
    SETTLED,
    STATUS,
    STEP_BORDER_CENTS,
    STEP_DECONS_CENTS,
    STEP_DECONS_MIN,
    STEP_DEPART,
    STEP_FLAGS,
    STEP_FREIGHT_CENTS,
    STEP_HANDLING_CENTS,
    STEP_HANDLING_MIN,
    STEP_HUB_G,
    STEP_LIFT,
    STEP_LOOSE_AFTER,
    STEP_SURCHARGE_CENTS,
    STEP_TRANSFER,
    TRANSFERS,
    VIA,
)
from engine.routing.kernel_rules import (
    admit,
    any_dominates,
    arrival_floor,
    best_found,
    kill,
    next_departure,
    two_blocks_dominate,
)
from engine.routing.kernel_store import (
    bag_append,
    bag_of,
    empty_bag,
    heap_pop,
    heap_push,
    reset_state,
    short_of_room,
)
from engine.routing.kernel_tables import NO_PRICE


@njit(cache=True)
def run(network, query, params, scales, state, max_out_degree, budget):
    """Run the search until it is done, needs more room (``GROW``) or has settled ``budget`` labels (``PAUSE``)."""
    (
        link_ints,
        link_flags,
        node_ints,
        service_ints,
        timetable_ints,
        out_ptr,
        out_link,
        timetable_ptr,
        timetable_weekly,
    ) = network
    # rows of the packed tables (kernel_tables.KERNEL_ROWS), as views
    link_to, link_service, link_vehicle, link_timetable = link_ints[0], link_ints[1], link_ints[2], link_ints[3]
    link_run_min, link_exit_min, link_entry_min = link_ints[4], link_ints[5], link_ints[6]
    link_border_loose_cents, link_through_pos, link_u_turn_block = link_ints[7], link_ints[8], link_ints[9]
    link_has_border, link_loose_unit, link_aircraft, link_vessel = (
        link_flags[0],
        link_flags[1],
        link_flags[2],
        link_flags[3],
    )
    link_through_last, link_through_change, link_through_lift = link_flags[4], link_flags[5], link_flags[6]
    node_handling_min, node_port_queue_min, node_decons_min = node_ints[0], node_ints[1], node_ints[2]
    service_vehicle, service_through_end = service_ints[0], service_ints[1]
    timetable_kind, timetable_headway, timetable_anchor = timetable_ints[0], timetable_ints[1], timetable_ints[2]
    (
        link_ok,
        link_co2e_g,
        freight_container,
        freight_loose,
        border_container_cents,
        lift_cents,
        transfer_surcharge_cents,
        node_decons_cents,
        node_handling_loose_cents,
        node_hub_g,
        node_transfer_ok,
        via_nodes,
        levels,
        profile_latest,
        layer_latest,
    ) = query
    if params[RESET] != 0:  # a kept state (kernel._spare_state): emptied here, on the search's first call
        reset_state(state)
        params[RESET] = 0
    order = params[ORDER : ORDER + 4]
    resources = params[RESOURCES : RESOURCES + 4]
    limits = scales[LIMITS : LIMITS + 4]
    origin, destination, ready = params[0], params[1], params[2]
    starts_loose, allow_decons, through, pareto = params[3] != 0, params[4] != 0, params[5] != 0, params[6] != 0
    n_services, n_nodes = params[7], params[8]
    record_steps = params[9] != 0  # step rows (kernel.STEP_ROWS_UP_TO_LINKS)
    cost_scale, co2e_scale, slack = scales[0], scales[1], scales[2]
    relaxed = scales[7] > 0.0
    factor = 1.0 + scales[7]
    relax = (float(ready), factor)  # ε-dominance of the cost layers' regions (a factor of 1: exact)
    deadline, budget_cents, max_transfers, co2e_cap = limits[0], limits[1], limits[2], limits[3]
    constrained = resources[0] != 0 or resources[1] != 0 or resources[2] != 0 or resources[3] != 0
    n_via = via_nodes.shape[0]
    first, second, third, fourth = order[0], order[1], order[2], order[3]
    # The dominance rule as scalars: arrays passed into the bag scans cost an atomic reference count per label.
    rule = (first, second, third, fourth, resources[0], resources[1], resources[2], resources[3])
    labels, trail, bags, counters, best = state[0], state[1], state[2], state[9], state[8]
    counters[RECORD_STEPS] = 1 if record_steps else 0  # grow copies the rows only then
    # The state's arrays are read out of the tuple once per call: each read costs a reference-count pair.
    heap_keys, heap_seq, heap_label, hash_keys, hash_bags = state[3], state[4], state[5], state[6], state[7]
    front_cost, front_co2e, front_len, pending, overflow, threshold = state[10:16]
    front = (front_cost, front_co2e, front_len, pending, overflow, counters, threshold)  # routes found
    pool_vec, pool_label = state[16], state[17]  # the bags' labels: vectors and rows
    steps = state[18]  # per label: its last link's step beyond its vector
    has_profile = profile_latest.shape[0] > 0  # arrival_profile: a time-dependent arrival bound
    profile_step_min = params[PROFILE_STEP]
    use_front = pareto and first == 0  # labels leave the heap by optimistic arrival: the staircase index applies
    n_layers = params[LAYER_COUNT] if use_front else 0  # cost_layers: regions of arrival given the cost spent
    layer_step_min, layer_cost = params[LAYER_STEP], scales[LAYER_COST]
    popped = np.empty(5, dtype=np.float64)  # a label's heap keys (its optimistic completion, in the query's order)
    unordered = np.empty(4, dtype=np.int64)  # where each criterion is among them
    for i in range(4):
        unordered[order[i]] = i
    c0, c1, c2, c3 = unordered[0], unordered[1], unordered[2], unordered[3]

    if counters[N_LABELS] == 0:  # the start label: at the origin, before the first vehicle
        labels[0, ARRIVE] = ready
        labels[0, COST] = 0
        labels[0, TRANSFERS] = 0
        labels[0, CO2E] = 0
        trail[0, NODE] = origin
        trail[0, SERVICE] = -1
        trail[0, LOOSE] = 1 if starts_loose else 0
        trail[0, VIA] = 0
        trail[0, PARENT] = -1
        trail[0, LINK] = -1
        trail[0, ALIVE] = 1
        counters[N_LABELS] = 1
        counters[N_BAGS] = 1  # bag 0: the routes found
        empty_bag(bags, 0)
        counters[CREATED] = 1
        heap_push(
            heap_keys,
            heap_seq,
            heap_label,
            counters,
            scales[3 + first],
            scales[3 + second],
            scales[3 + third],
            scales[3 + fourth],
            0,
            0,
        )

    settled_here = 0
    while counters[HEAP_SIZE] > 0:
        if short_of_room(labels, bags, front_cost, pool_label, counters, max_out_degree):
            counters[STATUS] = GROW
            return GROW
        if budget >= 0 and settled_here >= budget:
            counters[STATUS] = PAUSE
            return PAUSE
        label = heap_pop(heap_keys, heap_seq, heap_label, counters, popped)
        if trail[label, ALIVE] == 0:
            continue
        if bags[0, BAG_SIZE] > 0:  # routes found
            if not pareto:
                # lexicographic A*: nothing left can beat the route found (tuple comparison entry[:4] >= best_key)
                stop = True
                for i in range(4):
                    if popped[i] != best[i]:
                        stop = popped[i] > best[i]
                        break
                if stop:
                    break
            p0, p1, p2, p3 = popped[c0], popped[c1], popped[c2], popped[c3]  # its optimistic completion
            if use_front:
                front_advance(front, p0)
            if relaxed:  # ε-dominance (search._relaxation)
                p0, p1, p2, p3 = ready + factor * (p0 - ready), factor * p1, factor * p2, factor * p3
            if use_front:
                if front_dominates(pool_vec, bags, front, p0, p1, p2, p3):
                    continue
            elif any_dominates(pool_vec, pool_label, bags, 0, p0, p1, p2, p3, pareto, rule):
                continue
            if (
                n_layers > 0
                and trail[label, VIA] == n_via
                and trail[label, LINK] >= 0
                and layers_defer(
                    layer_latest,
                    n_layers,
                    layer_step_min,
                    layer_cost,
                    trail[label, LINK],
                    labels[label, ARRIVE],
                    popped[c1],
                    popped[c2],
                    popped[c3],
                    popped,
                    pool_vec,
                    bags,
                    front,
                    relax,
                    heap_keys,
                    heap_seq,
                    heap_label,
                    counters,
                    label,
                )
            ):
                continue  # cost_layers: its regions against the routes found: dropped, or back into the heap raised
        counters[SETTLED] += 1
        settled_here += 1
        arrive = labels[label, ARRIVE]
        cost = labels[label, COST]
        transfers = labels[label, TRANSFERS]
        co2e = labels[label, CO2E]
        node = trail[label, NODE]
        parent = trail[label, PARENT]
        came_from = -1 if parent < 0 else trail[parent, NODE]
        service = trail[label, SERVICE]
        loose = trail[label, LOOSE] != 0
        via_index = trail[label, VIA]
        via_target = via_nodes[via_index] if via_index < n_via else -1
        for k in range(out_ptr[node], out_ptr[node + 1]):
            link = out_link[k]
            if not link_ok[link]:
                continue
            to = link_to[link]
            via = via_index + 1 if to == via_target else via_index
            bound_time = levels[via, 0, link]
            if bound_time >= INF_FLOAT:
                continue  # a dead end
            # ---- QueryContext.step ----
            new_service = link_service[link]
            if new_service == service and to == came_from:
                continue
            transfer = service >= 0 and new_service != service
            internal = False
            if through:
                if service >= 0:
                    end = service_through_end[service]
                    if end >= 0 and new_service != service and node != end:
                        continue  # aboard a product: it is left only at its end
                position = link_through_pos[link]
                if position >= 0:
                    if (position > 0) != (service == new_service):
                        continue  # a product is boarded on its first link, and only there
                    if to == destination and not link_through_last[link]:
                        continue
                if position > 0:
                    internal = link_through_change[link]
                    transfer = internal
            handling_min = 0
            handling_cents = 0
            decons_min = 0
            decons_cents = 0
            surcharge = 0
            lift = False
            loose_after = loose
            if loose and not link_loose_unit[link]:
                continue
            if transfer:
                if not node_transfer_ok[node]:
                    continue
                handling_min = node_handling_min[node]
                if link_vessel[link]:
                    handling_min += node_port_queue_min[node]
                if internal:
                    lift = link_through_lift[link]
                else:
                    lift = service_vehicle[service] != link_vehicle[link]
                    surcharge = transfer_surcharge_cents[node]
            if link_aircraft[link] and not loose:
                decons = node_decons_min[node]
                if decons < 0 or not allow_decons:
                    continue
                decons_min = decons
                decons_cents = node_decons_cents[node]
                loose_after = True
                lift = service >= 0
            if lift and not internal:
                if loose_after:
                    handling_cents = node_handling_loose_cents[node]
                    if handling_cents == NO_PRICE:
                        continue
                else:
                    handling_cents = lift_cents[node]
            freight = freight_loose[link] if loose_after else freight_container[link]
            if freight == NO_PRICE:
                continue
            hub_g = node_hub_g[node] if (lift and not loose) else 0
            ready_min = arrive + handling_min + decons_min + link_exit_min[link]
            if internal or service != new_service:
                depart = next_departure(
                    timetable_kind,
                    timetable_headway,
                    timetable_anchor,
                    timetable_ptr,
                    timetable_weekly,
                    link_timetable[link],
                    ready_min,
                )
            else:
                depart = ready_min
            new_arrive = depart + link_run_min[link] + link_entry_min[link]
            if not link_has_border[link]:
                border_cents = 0
            elif loose_after:
                border_cents = link_border_loose_cents[link]
            else:
                border_cents = border_container_cents[link]
            # ---- the search ----
            new_transfers = transfers + (1 if transfer else 0)
            new_cost = cost + (freight + surcharge) + handling_cents + decons_cents + border_cents
            new_co2e = co2e + (link_co2e_g[link] + hub_g)
            o0 = new_arrive + bound_time
            if has_profile and via == n_via:
                floor = arrival_floor(profile_latest, profile_step_min, link, new_arrive)
                if floor > o0:
                    o0 = floor
                if n_layers > 0 and popped[c0] > o0:
                    o0 = popped[c0]  # cost_layers: a child's arrival bound is at least its parent's
            o1 = new_cost + cost_scale * levels[via, 1, link] + levels[via, 2, link] - slack
            o2 = new_transfers + levels[via, 4, link]
            o3 = new_co2e + co2e_scale * levels[via, 3, link] - slack
            if constrained and (o0 > deadline or o1 > budget_cents or o3 > co2e_cap or o2 > max_transfers):
                continue
            if bags[0, BAG_SIZE] > 0:  # target pruning
                t0, t1, t2, t3 = o0, o1, o2, o3
                if relaxed:
                    t0, t1, t2, t3 = ready + factor * (o0 - ready), factor * o1, factor * o2, factor * o3
                if use_front:
                    if front_dominates(pool_vec, bags, front, t0, t1, t2, t3):
                        continue
                elif any_dominates(pool_vec, pool_label, bags, 0, t0, t1, t2, t3, pareto, rule):
                    continue
            f0, f1, f2, f3 = float(new_arrive), float(new_cost), float(new_transfers), float(new_co2e)
            block = link_u_turn_block[link]
            state_key = (
                ((to * (n_services + 1) + (new_service + 1)) * 2 + (1 if loose_after else 0)) * (n_via + 1) + via
            ) * (n_nodes + 1)
            if to == destination and via == n_via:
                bag = 0
                if not admit(
                    trail, pool_vec, pool_label, bags, 0, new_arrive, new_cost, new_transfers, new_co2e, pareto, rule
                ):
                    continue
            elif block < 0:  # no way back aboard: this label may replace any label of its state
                bag = bag_of(bags, hash_keys, hash_bags, counters, state_key, True)
                if not admit(
                    trail, pool_vec, pool_label, bags, bag, new_arrive, new_cost, new_transfers, new_co2e, pareto, rule
                ):
                    continue
                restricted = bags[bag, BAG_BLOCKED]
                while restricted >= 0:
                    kill(
                        trail,
                        pool_vec,
                        pool_label,
                        bags,
                        restricted,
                        new_arrive,
                        new_cost,
                        new_transfers,
                        new_co2e,
                        pareto,
                        rule,
                    )
                    restricted = bags[restricted, BAG_NEXT]
            else:  # dominated by the state's unrestricted labels or by those with the same block
                free = bag_of(bags, hash_keys, hash_bags, counters, state_key, False)
                if free >= 0 and any_dominates(pool_vec, pool_label, bags, free, f0, f1, f2, f3, pareto, rule):
                    continue
                bag = bag_of(bags, hash_keys, hash_bags, counters, state_key + block + 1, False)
                # Pareto mode only: a lexicographic search keeps few labels per state, and at 100k nodes walking
                # the state's blocked bags for every candidate doubled a CHEAPEST search (5.9 -> 11.4 ms) to save
                # one label in a thousand.
                if (
                    pareto
                    and free >= 0
                    and two_blocks_dominate(pool_vec, pool_label, bags, free, bag, f0, f1, f2, f3, pareto, rule)
                ):
                    continue
                if bag < 0:
                    if free < 0:
                        free = bag_of(
                            bags, hash_keys, hash_bags, counters, state_key, True
                        )  # holds the chain of its blocked bags
                    bag = bag_of(bags, hash_keys, hash_bags, counters, state_key + block + 1, True)
                    bags[bag, BAG_NEXT] = bags[free, BAG_BLOCKED]
                    bags[free, BAG_BLOCKED] = bag
                elif not admit(
                    trail, pool_vec, pool_label, bags, bag, new_arrive, new_cost, new_transfers, new_co2e, pareto, rule
                ):
                    continue
            child = counters[N_LABELS]
            counters[N_LABELS] = child + 1
            labels[child, ARRIVE] = new_arrive
            labels[child, COST] = new_cost
            labels[child, TRANSFERS] = new_transfers
            labels[child, CO2E] = new_co2e
            trail[child, NODE] = to
            trail[child, SERVICE] = new_service
            trail[child, LOOSE] = 1 if loose_after else 0
            trail[child, VIA] = via
            trail[child, PARENT] = label
            trail[child, LINK] = link
            trail[child, ALIVE] = 1
            if record_steps:
                steps[child, STEP_DEPART] = depart
                steps[child, STEP_HANDLING_MIN] = handling_min
                steps[child, STEP_DECONS_MIN] = decons_min
                steps[child, STEP_HANDLING_CENTS] = handling_cents
                steps[child, STEP_DECONS_CENTS] = decons_cents
                steps[child, STEP_SURCHARGE_CENTS] = surcharge
                steps[child, STEP_BORDER_CENTS] = border_cents
                steps[child, STEP_FREIGHT_CENTS] = freight
                steps[child, STEP_HUB_G] = hub_g
                steps[child, STEP_FLAGS] = (
                    (STEP_TRANSFER if transfer else 0)
                    | (STEP_LIFT if lift else 0)
                    | (STEP_LOOSE_AFTER if loose_after else 0)
                )
            bag_append(pool_vec, pool_label, bags, counters, bag, child, new_arrive, new_cost, new_transfers, new_co2e)
            if bag == 0:
                if use_front:
                    front_add(front, f0, f1, f2, f3)
                if not pareto:  # best_key: the smallest found vector in the order
                    best_found(pool_vec, bags, order, best)
                continue
            optimistic = (o0, o1, o2, o3)
            counters[CREATED] += 1
            heap_push(
                heap_keys,
                heap_seq,
                heap_label,
                counters,
                optimistic[first],
                optimistic[second],
                optimistic[third],
                optimistic[fourth],
                counters[CREATED],
                child,
            )
    counters[STATUS] = DONE
    return DONE
