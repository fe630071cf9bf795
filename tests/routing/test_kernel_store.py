"""The compiled search's bag storage: each bag's labels are a contiguous run of the pool that moves (doubling its
room) when full, keeps its order when labels are dropped, and is packed when the state grows."""

from __future__ import annotations

import numpy as np

from engine.routing import kernel as kernel_module
from engine.routing.kernel_layout import (
    ALIVE,
    BAG_BLOCKED,
    BAG_NEXT,
    BAG_ROOM,
    BAG_SIZE,
    BAG_START,
    FIRST_ROOM,
    N_BAGS,
    N_LABELS,
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

    state = kernel_store.new_state(256, MAX_OUT_DEGREE, 64, 0, 0)
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

    trail = state[1]
    trail[:, ALIVE] = 1
    # (2, 40, 0, 0) dominates bag a's entries that arrive at 2 or later and cost 40 or more: labels 2 to 10
    kernel_rules.kill(trail, state[16], state[17], bags, a, 2, 40, 0, 0, True, PARETO_RULE)
    kept = [(row, v) for row, v in expected[a] if not (v[0] >= 2 and v[1] >= 40 and v != (2, 40, 0, 0))]
    assert _bag(state, a) == kept  # the survivors, in their order
    assert all(trail[row, ALIVE] == 0 for row, _ in expected[a] if (row, _) not in kept)

    grown = kernel_store.grow(state, MAX_OUT_DEGREE)
    assert _bag(grown, a) == kept
    assert _bag(grown, b) == expected[b]
    assert grown[9][POOL_USED] == 2 * 4 * FIRST_ROOM  # packed: the rooms of the two bags, nothing left behind


def test_a_newcomer_is_dominated_only_by_labels_of_two_other_u_turn_blocks() -> None:
    """kernel_rules.two_blocks_dominate (search._two_blocks_dominate): one other block's label leaves the newcomer
    the U-turn that label may not make; its own block's bag does not count (``admit`` judges it)."""
    kernel_module.warm_up()
    from engine.routing import kernel_rules, kernel_store

    state = kernel_store.new_state(256, MAX_OUT_DEGREE, 64, 0, 0)
    bags, counters, pool_vec, pool_label = state[2], state[9], state[16], state[17]
    hash_keys, hash_bags = state[6], state[7]
    free = kernel_store.bag_of(bags, hash_keys, hash_bags, counters, 100, True)
    chained = []
    for block in range(3):  # blocked bags chained from the free bag, as the search chains them
        bag = kernel_store.bag_of(bags, hash_keys, hash_bags, counters, 101 + block, True)
        bags[bag, BAG_NEXT] = bags[free, BAG_BLOCKED]
        bags[free, BAG_BLOCKED] = bag
        chained.append(bag)
    first, second, third = chained
    vectors = {first: (10, 10, 1, 10), second: (9, 12, 1, 10), third: (30, 30, 3, 30)}
    for row, (bag, vector) in enumerate(vectors.items()):
        kernel_store.bag_append(pool_vec, pool_label, bags, counters, bag, row, *vector)

    def dominated(own: int, vector: tuple[float, ...]) -> bool:
        return bool(kernel_rules.two_blocks_dominate(pool_vec, pool_label, bags, free, own, *vector, True, PARETO_RULE))

    assert dominated(-1, (12, 12, 1, 10))  # the first and second blocks both dominate it
    assert not dominated(-1, (12, 11, 1, 10))  # only the first block does
    assert not dominated(first, (12, 12, 1, 10))  # its own block's label is not a second block
    assert dominated(third, (12, 12, 1, 10))
    assert not dominated(-1, (5, 5, 0, 5))  # nothing dominates it


def test_bags_and_their_hash_table_grow_apart_from_the_labels() -> None:
    """The hash table is sized by the bags (kernel_store.new_state): a state short of bags doubles them and rebuilds
    the table, every key still finds its bag, and the label room stays as it was."""
    kernel_module.warm_up()
    from engine.routing import kernel_store

    state = kernel_store.new_state(4096, MAX_OUT_DEGREE, 64, 0, 0)
    labels, bags, counters = state[0], state[2], state[9]
    assert labels.shape[0] == 4096
    assert bags.shape[0] == 256  # 4096 labels / BAGS_PER_LABEL, at least 256
    assert state[6].shape[0] == 2 * bags.shape[0]
    keys = [7919 * k + 3 for k in range(bags.shape[0] - 2 * MAX_OUT_DEGREE - 1)]  # one short of room
    for key in keys:
        kernel_store.bag_of(bags, state[6], state[7], counters, key, True)
    assert kernel_store.short_of_room(labels, bags, state[10], state[17], counters, MAX_OUT_DEGREE)
    assert counters[N_LABELS] == 0
    grown = kernel_store.grow(state, MAX_OUT_DEGREE)
    assert grown[0].shape[0] == 4096
    assert grown[2].shape[0] == 512
    assert grown[6].shape[0] == 1024
    assert [kernel_store.bag_of(grown[2], grown[6], grown[7], grown[9], key, False) for key in keys] == list(
        range(len(keys))
    )
    assert kernel_store.bag_of(grown[2], grown[6], grown[7], grown[9], 1, False) == -1
    assert not kernel_store.short_of_room(grown[0], grown[2], grown[10], grown[17], grown[9], MAX_OUT_DEGREE)
