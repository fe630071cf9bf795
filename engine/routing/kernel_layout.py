"""Layout of the compiled search's arrays: label row fields, bag row fields, counters and run statuses."""

from __future__ import annotations

# label rows: the criteria vector (int64), then the label's trail (int32: alive, its state, how it got there)
ARRIVE, COST, TRANSFERS, CO2E = range(4)
LABEL_FIELDS = 4
"""A label's vector is 32 bytes; the dominance scans read the bags' own copies of the vectors (the pool)."""
ALIVE, NODE, SERVICE, LOOSE, VIA, PARENT, LINK = range(7)
TRAIL_FIELDS = 7
"""A label's trail row is 28 bytes (int32: node, service and link ids, a parent label below 2^31)."""
# step rows (one per label, what its last link's step was beyond the label's vector: the route's answer is built
# from them, as QueryContext.step would give it, without replaying the model)
(
    STEP_DEPART,
    STEP_HANDLING_MIN,
    STEP_DECONS_MIN,
    STEP_HANDLING_CENTS,
    STEP_DECONS_CENTS,
    STEP_SURCHARGE_CENTS,
    STEP_BORDER_CENTS,
    STEP_FREIGHT_CENTS,
    STEP_HUB_G,
    STEP_FLAGS,
) = range(10)
STEP_FIELDS = 10
STEP_TRANSFER, STEP_LIFT, STEP_LOOSE_AFTER = 1, 2, 4
"""Bits of ``STEP_FLAGS``."""
# bag rows: where the bag's labels are in the pool (first entry, entries, room), first bag of the state with a
# U-turn block (free bags only), next such bag; then the bag's envelope: per criterion the least and the largest
# value of its labels (an outer envelope: labels dropped leave it as it was until the bag is next packed)
BAG_START, BAG_SIZE, BAG_ROOM, BAG_BLOCKED, BAG_NEXT = range(5)
BAG_LOW, BAG_HIGH = 5, 9
"""First of the four envelope fields (arrival, cost, transfers, CO2e) for the least, and for the largest values."""
BAG_FIELDS = 13
FIRST_ROOM = 4
"""Pool entries a bag gets for its first label (then doubled, moving the bag to the pool's end)."""
# counters
N_LABELS, HEAP_SIZE, CREATED, SETTLED, N_BAGS, HASH_USED, STATUS, N_PENDING, N_OVERFLOW, FOUND_ADDED, HASH_SHIFT = (
    range(11)
)
POOL_USED, POOL_MAX_ROOM, RECORD_STEPS = 11, 12, 13
"""Pool entries handed out (live, or left behind by bags that moved), the largest room a bag has, and whether the
search writes step rows (1) or leaves that array untouched (0)."""
RUNNING, DONE, GROW, PAUSE = range(4)
# the kernel's int64 parameters beyond the first ten (origin ... record steps, kernel.kernel_search): the query's
# criteria order, which criteria are constrained (1/0), the arrival profile's step in minutes, and whether the state
# is a kept one to empty first (cleared by the kernel once done); its float64 scales beyond the first eight: the
# limits (deadline minute, budget cents, transfers, CO2e grams; INF where none)
ORDER, RESOURCES, PROFILE_STEP, RESET = 10, 14, 18, 19
LAYER_COUNT, LAYER_STEP = 20, 21
"""The cost layers (engine.routing.cost_layers): how many (0: none), and their grid's step in minutes."""
PARAMS = 22
LIMITS = 8
LAYER_COST = 12
"""Float scale: the cost scale times one cost layer's reduced cost (cents)."""
SCALES = 13

INF_FLOAT = float(1 << 62)
"""bounds.INF as a float: unreachable, or (cost layers) a label with no region left."""

NO_REFCOUNT = {"cache": True, "_nrt": False}
"""njit options of the kernel's per-label helpers (those that allocate nothing). numba counts references to arrays
with atomic operations: every array argument of a helper costs an increment on entry and a decrement on exit
(numba/numba#9393), and ``inline="always"`` copies them into the caller's loop. With the runtime off (``_nrt``,
numba's own flag for code that never allocates) a helper borrows its caller's arrays; measured on the 1k-node
network, the counting was over a third of the search's time. The caller keeps every array alive for the call."""
