"""Layout of the compiled search's arrays: label row fields, bag row fields, counters and run statuses."""

from __future__ import annotations

# label rows
ARRIVE, COST, TRANSFERS, CO2E, NEXT, ALIVE, NODE, SERVICE, LOOSE, VIA, PARENT, LINK, BLOCK = range(13)
LABEL_FIELDS = 16
"""A label row is 128 bytes: a dominance scan of a bag reads the vector and the next label, in one cache line."""
# bag rows: first label, first bag of the state with a U-turn block (free bags only), next such bag
BAG_HEAD, BAG_BLOCKED, BAG_NEXT = range(3)
# counters
N_LABELS, HEAP_SIZE, CREATED, SETTLED, N_BAGS, HASH_USED, STATUS, N_PENDING, N_OVERFLOW, FOUND_ADDED, HASH_SHIFT = (
    range(11)
)
RUNNING, DONE, GROW, PAUSE = range(4)
