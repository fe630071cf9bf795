"""The compiled search's bag storage: each bag's labels are a contiguous run of the pool that moves (doubling its
room) when full, keeps its order when labels are dropped, and is packed when the state grows."""

from __future__ import annotations

import numpy as np

from engine.routing import kernel as kernel_module
from engine.routing.kernel_layout import (
    BAG_ROOM,
    BAG_SIZE,
    BAG_START,
    FIRST_ROOM,
    N_BAGS,
    POOL_MAX_ROOM,
    POOL_USED,
)

MAX_OUT_DEGREE = 3
PARETO_RULE = (0, 1, 2, 3, 0, 0, 0, 0)


def _bag(state: tuple[np.ndarray, ...], bag: int) -> list[tuple[int, tuple[int, ...]]]:
    """(label, vector) of ``bag``'s entries, in pool order."""
    bags, pool_vec, pool_label = state[2], state[16], state[17]
    start, size = int(bags[bag, BAG_START]), int(bags[bag, BAG_SIZE])
    return [(int(pool_label[i]), tuple(int(x) for x in pool_vec[i])) for i in range(start, start + size)]


def test_bags_move_when_full_keep_their_order_and_are_packed_when_the_state_grows() -> None:
    kernel_module.warm_up()
    from engine.routing import kernel_rules, kernel_store

    state = kernel_store.new_state(256, MAX_OUT_DEGREE, 64, 0)
    labels, bags, counters = state[0], state[2], state[9]
    hash_keys, hash_bags = state[6], state[7]
    a = kernel_store.bag_of(bags, hash_keys, hash_bags, counters, 11, True)
    b = kernel_store.bag_of(bags, hash_keys, hash_bags, counters, 22, True)
    assert (a, b) == (0, 1)
    assert counters[N_BAGS] == 2
    expected: dict[int, list[tuple[int, tuple[int, ...]]]] = {a: [], b: []}
    for label in range(2 * FIRST_ROOM + 3):  # interleaved, so each bag outgrows its room twice
        for bag in (a, b):
            row = 100 * bag + label
            vector = (label, 50 - label, 0, 0)  # a staircase: no entry dominates another
            labels[row, :4] = vector
            kernel_store.bag_append(state[16], state[17], bags, counters, bag, row, *vector)
            expected[bag].append((row, vector))
    for bag in (a, b):
        assert _bag(state, bag) == expected[bag]
        assert bags[bag, BAG_ROOM] == 4 * FIRST_ROOM
    assert counters[POOL_MAX_ROOM] == 4 * FIRST_ROOM
    assert counters[POOL_USED] == 2 * (FIRST_ROOM + 2 * FIRST_ROOM + 4 * FIRST_ROOM)  # rooms left behind count

    labels[:, 4] = 1  # ALIVE
    # (2, 40, 0, 0) dominates bag a's entries that arrive at 2 or later and cost 40 or more: labels 2 to 10
    kernel_rules.kill(labels, state[16], state[17], bags, a, 2, 40, 0, 0, True, PARETO_RULE)
    kept = [(row, v) for row, v in expected[a] if not (v[0] >= 2 and v[1] >= 40 and v != (2, 40, 0, 0))]
    assert _bag(state, a) == kept  # the survivors, in their order
    assert all(labels[row, 4] == 0 for row, _ in expected[a] if (row, _) not in kept)

    grown = kernel_store.grow(state, MAX_OUT_DEGREE)
    assert _bag(grown, a) == kept
    assert _bag(grown, b) == expected[b]
    assert grown[9][POOL_USED] == 2 * 4 * FIRST_ROOM  # packed: the rooms of the two bags, nothing left behind
