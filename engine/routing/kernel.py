"""The label-setting search compiled with numba: the same algorithm as :func:`engine.routing.search.search`.

Why a kernel: the Python search spends ~20 µs per label (object creation, tuple arithmetic, dict lookups); the
realistic China → Europe PARETO queries settle thousands of labels and synthetic networks of 1k-10k nodes millions.
Compiled, a label costs well under a microsecond. The Python search stays the reference (and serves the debug
hook ``on_label``); this module mirrors it operation for operation — the same step arithmetic on the same
integers (:mod:`engine.routing.kernel_tables`), the same optimistic completions in floating point, the same heap
order (criteria in the query's order, then creation number), the same dominance rules, the same U-turn blocks and
the same counts of labels created and settled — so both give the same routes, the same statistics and the same
answer bytes. ``tests/routing/test_kernel.py`` checks that on random networks and on the shipped network.

Storage (all numpy, grown by doubling between two settled labels):

- labels: the criteria vector (int64) and the trail (int32: alive, state, parent, link) of each, 60 bytes; a
  label's optimistic completion is its heap key and is read back from there when it is settled (a float64 copy per
  label was a fifth of the labels' memory);
- bags: one per state (``(node, service, loose, via)``, or with a U-turn block), the state's bags with a block
  chained from its free bag; bag 0 holds the routes found. A bag's labels are a contiguous run of the pool (their
  vectors and rows), so the dominance scans read memory in order: as a linked list of label rows, each label scanned
  was a cache miss, over a third of the search's time on the 1k-node network. A full bag moves to the end of the
  pool with twice the room; what it leaves behind is reclaimed when the state grows;
- an open-addressing hash table (linear probing, Fibonacci hashing) from the state's key to its bag, sized by the
  bags (labels / ``kernel_store.BAGS_PER_LABEL`` to start), not the labels;
- a binary heap of (completion in order, creation number, label).

The kernel runs in slices of about :data:`SLICE_S` so that the caller can poll ``should_stop`` between them
(deadlines, cancellation). It holds the GIL (``nogil`` is not set): the server runs searches in worker processes.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from engine.errors import SearchInterrupted, SearchOutgrewMemory
from engine.routing.arrival_profile import arrival_profile, profile_wanted
from engine.routing.bounds import INF, lower_bounds
from engine.routing.cost_layers import cost_layers, layers_wanted
from engine.routing.costing import QueryContext
from engine.routing.identity_memo import IdentityMemo
from engine.routing.kernel_cache import use_kernel_cache
from engine.routing.kernel_layout import (
    CREATED,
    DONE,
    GROW,
    LIMITS,
    N_LABELS,
    ORDER,
    PARAMS,
    RECORD_STEPS,
    RESET,
    SCALES,
    SETTLED,
)
from engine.routing.kernel_routes import HopRows, KernelRoute
from engine.routing.kernel_tables import (
    NetworkTables,
    PricingTables,
    ShipmentTables,
    network_tables,
    packed_tables,
    pricing_tables,
    shipment_tables,
)
from engine.routing.limits import deadline_min

NO_PROFILE = np.zeros((0, 1), dtype=np.int32)
"""The kernel's arrival profile when the search uses none (:mod:`engine.routing.arrival_profile`)."""
_NO_VIA = np.zeros(0, dtype=np.int64)
"""The kernel's via nodes when the query has none."""
KERNEL_FROM_LINKS = 4_000
"""``CORRIDOR_KERNEL=auto`` (the default) uses the kernel once it is loaded (a server's workers and a study's workers
load it at start) and, before that, for networks with at least this many links, where one search outweighs the
kernel's start-up (~1-2 s to import numba and load the compiled kernel from its on-disk cache)."""
START_LABELS = {True: 4096, False: 1024}
"""Label capacity a Pareto / lexicographic search starts with (doubled as needed)."""
START_HINT_MAX = 1 << 20
"""The most labels a search is started with because the last searches on the same network needed them. Doubling
from :data:`START_LABELS` copies every label again at each step (on the 1k-node network ~7 doublings to ~500k
labels, ~10 % of the search), and queries on one network need similar room; a start of ``n`` labels touches n/2
bytes at once (its hash table, sized by the bags; the rest is allocated untouched), 0.5 MB at this bound."""
SLICE_S = 0.01
"""Kernel time between two polls of ``should_stop``, in seconds. A slice is counted in settled labels, and a label's
cost ranges from well under a microsecond to milliseconds (a state whose bag holds thousands of labels), so each
slice is sized from the time the previous one took; a fixed count of 4,096 labels once ran for seconds and kept a
worker busy long after its deadline."""
FIRST_SLICE = 64
"""The first poll comes after this many settled labels (as in the Python search)."""

STEP_ROWS_UP_TO_LINKS = 5_000
"""A search keeps each label's step row (80 bytes; an answer's steps are then read, not replayed through the model)
when it looks for one route, or on networks up to this many links. A PARETO search on a larger network replays the
routes it shows instead: at 100k nodes a 10-s PARETO search creates millions of labels, and their rows took the
scale benchmark's peak RSS from 3.7 to 4.1 GiB (the target is 4)."""
SPARE_MAX_LABELS = 1 << 21
"""A search state with room for at most this many labels (264 bytes each: 528 MiB of room at this bound, of which
only what a search wrote is resident), and at most half the search memory budget, is kept by its thread for the
next search (:func:`_spare_state`). Allocating it again cost ~10 µs of a ~170 µs CHEAPEST answer on the shipped
network; on the 1k-node network (states of 262,144 labels) touching fresh pages was ~15 % of a PARETO search, and on
the 10k-node network (states of 1-2M labels) page faults were ~10 % of the kernel's time. Measured at 10k nodes
(the scale benchmark's 11 PARETO queries in its order, interleaved with a bound of 2^18, CPU per query): ×0.86-0.97,
p50 ×0.87-0.92, peak RSS 904 → 844-854 MiB (a search that outgrows the kept state grows from it, as it would from a
new one). The cost: a worker that ran a large search keeps what it wrote (~250-400 MiB at 10k nodes) until its next
search; :data:`SPARE_MAX_ROOM_RATIO` keeps a small search from emptying a large state."""
SPARE_MAX_ROOM_RATIO = 8
"""A kept state serves a search that would start with at least 1/8 of its room (emptying it costs a pass over its
hash table, sized by its bags); a smaller search takes a new state, which is then kept instead."""

_compiled: dict[str, Any] = {}
_spare = threading.local()
_loading = threading.Lock()
_start_hints: weakref.WeakKeyDictionary[NetworkTables, dict[bool, int]] = weakref.WeakKeyDictionary()
"""Per network (its tables) and search kind: the label capacity recent searches ended with, halved by each search
that needed less (so one large search does not oversize every later one)."""


def kernel_wanted(n_links: int) -> bool:
    """Whether a search on ``n_links`` links should use the kernel (see :data:`KERNEL_FROM_LINKS`)."""
    setting = kernel_setting()
    if setting == "off":
        return False
    if setting == "on":
        return True
    return bool(_compiled) or n_links >= KERNEL_FROM_LINKS


def warm_up() -> None:
    """Import numba and load (or compile) the kernel and the compiled bound search now, so the first query does not
    pay for them: a server's workers at start, a study's workers before a large chunk, ``make setup`` once (to fill
    numba's on-disk cache)."""
    if kernel_setting() != "off":
        _functions()
        from engine.routing import bound_dijkstra  # the bound search of large networks (bounds.COMPILED_FROM_MOVES)

        bound_dijkstra.warm_up()


SEARCH_MEMORY_MB = 2048
"""Default budget of one compiled search's state, in MiB (``CORRIDOR_SEARCH_MEMORY_MB``; 0: none). A state is a
few arrays allocated at once and doubled as the search needs (264 bytes per label of room), so the budget bounds
the memory a search can take whatever its time budget: at 10k nodes the largest PARETO searches of the scale
benchmark hold 2M labels (554 MiB), at 100k nodes a search stopped at 10 s held 2-4M. A search that would outgrow it
stops with :class:`~engine.errors.SearchOutgrewMemory` (the server's RESOURCE_EXHAUSTED; a server's workers get
``--worker-memory-mb`` unless the variable is set, ``pool.worker_environment``). The Python search is not bounded by
it: it runs on small networks, where its time budget bounds it first."""


def search_memory_budget_bytes() -> int:
    """The budget of one compiled search's state in bytes (0: none), from ``CORRIDOR_SEARCH_MEMORY_MB``."""
    raw = os.environ.get("CORRIDOR_SEARCH_MEMORY_MB", "")
    if not raw:  # the usual case, read per search
        return SEARCH_MEMORY_MB << 20
    setting = raw.strip()
    if not setting:
        return SEARCH_MEMORY_MB << 20
    try:
        megabytes = int(setting)
    except ValueError:
        megabytes = -1
    if megabytes < 0:
        message = f"CORRIDOR_SEARCH_MEMORY_MB must be a whole number of MiB, 0 for none; got {setting!r}"
        raise ValueError(message)
    return megabytes << 20


def kernel_setting() -> str:
    """``CORRIDOR_KERNEL``: ``on`` (always the kernel), ``off`` (never) or ``auto`` (the default)."""
    setting = os.environ.get("CORRIDOR_KERNEL", "auto").lower()
    return {"0": "off", "python": "off", "1": "on", "numba": "on"}.get(setting, setting)


def _functions() -> dict[str, Any]:
    if _compiled:  # loaded (and never emptied): no lock
        return _compiled
    with _loading:
        return _load()


def _load() -> dict[str, Any]:
    if not _compiled:
        use_kernel_cache()
        from engine.routing import kernel_jit, kernel_store

        fns = {
            "run": kernel_jit.run,
            "new_state": kernel_store.new_state,
            "grow": kernel_store.grow,
            "found_routes": kernel_store.found_routes,
            "label_room": kernel_store.label_room,
        }
        _warm_up_run(fns)
        _compiled.update(fns)
    return _compiled


def kernel_search(
    ctx: QueryContext,
    order: tuple[int, ...],
    *,
    pareto: bool,
    should_stop: Callable[[], str | None] | None = None,
) -> tuple[list[KernelRoute], int, int]:
    """Run the compiled search for ``ctx``'s query.

    Returns
    -------
    tuple
        The routes found, each as its end (arrival min, cost cents, transfers, CO2e g, node, service, loose, via),
        its link indexes from the origin and where its steps are (:data:`~engine.routing.kernel_routes.KernelRoute`);
        the labels created and the labels settled — exactly as :func:`engine.routing.search.search` counts them.
    """
    fns = _functions()
    bounds = lower_bounds(ctx)
    if not bounds.origin_reachable:
        return [], 0, 0
    net = network_tables(ctx.compiled)
    prices = pricing_tables(ctx)
    shipment = shipment_tables(ctx, net)
    constraints = ctx.query.constraints
    origin = bounds.origin
    record_steps = not pareto or len(ctx.compiled.link_ids) <= STEP_ROWS_UP_TO_LINKS
    layer_latest, n_layers, layer_step_min, layer_cost = NO_PROFILE, 0, 0, 0.0
    if profile_wanted(ctx, pareto=pareto, order=order):
        profile = arrival_profile(ctx, should_stop)
        latest, step_min = profile.latest, profile.step_min
        if layers_wanted(ctx):
            layers = cost_layers(ctx, should_stop)
            layer_latest, n_layers, layer_step_min = layers.latest, layers.layers, layers.step_min
            layer_cost = bounds.cost_scale * layers.unit_cents
    else:
        latest, step_min = NO_PROFILE, 0
    # One array of integers and one of floats (numba unpacks each array a call passes); np.array of the 20 integers
    # takes 0.74 µs, np.frombuffer(array.array(...)) 1.73 and np.fromiter 1.33 (measured, not kept).
    params = np.array(
        [
            ctx.origin,
            ctx.destination,
            ctx.ready_min,
            ctx.starts_loose,
            ctx.allow_deconsolidation,
            ctx.through,
            pareto,
            len(ctx.compiled.service_ids),
            len(ctx.compiled.node_ids),
            record_steps,
            *order,  # kernel_layout.ORDER
            constraints.arrive_by is not None,  # kernel_layout.RESOURCES
            constraints.max_cost_usd is not None,
            constraints.max_transfers is not None,
            constraints.max_co2e_kg is not None,
            step_min,  # kernel_layout.PROFILE_STEP
            0,  # kernel_layout.RESET (set by _drive)
            n_layers,  # kernel_layout.LAYER_COUNT
            layer_step_min,
        ],
        dtype=np.int64,
    )
    scales = np.array(
        [
            bounds.cost_scale,
            bounds.co2e_scale,
            bounds.slack,
            ctx.ready_min + origin[0],
            origin[1],
            origin[2],
            origin[3],
            ctx.query.pareto_tolerance if pareto else 0.0,  # ε-dominance in target pruning (search._relaxation)
            INF if constraints.arrive_by is None else deadline_min(ctx),  # kernel_layout.LIMITS
            INF if constraints.max_cost_usd is None else round(constraints.max_cost_usd * 100),
            INF if constraints.max_transfers is None else constraints.max_transfers,
            INF if constraints.max_co2e_kg is None else round(constraints.max_co2e_kg * 1000),
            layer_cost,  # kernel_layout.LAYER_COST
        ],
        dtype=np.float64,
    )
    via = _NO_VIA if not ctx.via else np.asarray(ctx.via, dtype=np.int64)
    query = _query_tuple(prices, shipment, via, _bound_levels(bounds.levels), latest, layer_latest)
    hints = _start_hints.setdefault(net, {})
    start = min(max(START_LABELS[pareto], hints.get(pareto, 0)), START_HINT_MAX)
    routes, created, settled, capacity = _drive(
        fns, net.kernel_arrays, query, params, scales, net.max_out_degree, should_stop, start
    )
    hints[pareto] = max(capacity if capacity > START_LABELS[pareto] else 0, hints.get(pareto, 0) // 2)
    return routes, created, settled


def _drive(
    fns: dict[str, Any],
    network: tuple[np.ndarray, ...],
    query: tuple[np.ndarray, ...],
    params: np.ndarray,
    scales: np.ndarray,
    max_out_degree: int,
    should_stop: Callable[[], str | None] | None,
    start_labels: int,
) -> tuple[list[KernelRoute], int, int, int]:
    """Run the kernel in slices, growing its storage and polling ``should_stop`` between them. Returns the routes,
    the labels created and settled, and the label capacity it ended with."""
    memory_budget = search_memory_budget_bytes()
    state, nbytes, kept = _spare_state(fns, start_labels, max_out_degree)
    params[RESET] = kept  # the kernel empties a kept state on its first call
    budget = FIRST_SLICE if should_stop is not None else -1
    while True:
        started = time.perf_counter()
        status = fns["run"](network, query, params, scales, state, max_out_degree, budget)
        if status == DONE:
            break
        if status == GROW:
            state = fns["grow"](state, max_out_degree)
            nbytes = _nbytes(state)
            if memory_budget and nbytes > memory_budget:
                # allocated, not yet written beyond the copy of the state it replaces: dropped here
                raise SearchOutgrewMemory(memory_budget, int(state[9][N_LABELS]))
        elif should_stop is not None:
            budget = next_slice(budget, time.perf_counter() - started)
            reason = should_stop()
            if reason:
                raise SearchInterrupted(reason)
    routes = _routes(fns, state)
    capacity = int(state[0].shape[0])
    if capacity <= SPARE_MAX_LABELS and (not memory_budget or 2 * nbytes <= memory_budget):
        _spare.state = (state, nbytes)
    counters = state[9]
    return routes, int(counters[CREATED]), int(counters[SETTLED]), capacity


def _nbytes(state: tuple[np.ndarray, ...]) -> int:
    """Bytes of a search state's arrays (allocated room, written or not)."""
    return sum(room.nbytes for room in state)


def _spare_state(
    fns: dict[str, Any], start_labels: int, max_out_degree: int
) -> tuple[tuple[np.ndarray, ...], int, bool]:
    """A search state with room for at least ``start_labels``, its bytes, and whether it is this thread's last state
    (to be emptied by the kernel, ``kernel_layout.RESET``): kept when it has the room a new one would, or up to
    :data:`SPARE_MAX_ROOM_RATIO` times more (:data:`SPARE_MAX_LABELS`); else a new one."""
    spare = getattr(_spare, "state", None)
    _spare.state = None  # in use until this search ends
    room = fns["label_room"](start_labels, max_out_degree)
    if spare is not None and room <= spare[0][0].shape[0] <= SPARE_MAX_ROOM_RATIO * room:
        return spare[0], spare[1], True
    state = fns["new_state"](start_labels, max_out_degree, 64, 0, 0)
    return state, _nbytes(state), False


def next_slice(budget: int, took_s: float) -> int:
    """Settled labels for the next slice: ``budget`` scaled so that it takes about :data:`SLICE_S` seconds if labels
    cost what they did in the slice just run (``took_s`` seconds), at most doubled (labels grow dearer as bags fill),
    at least one."""
    return max(1, min(2 * budget, int(budget * SLICE_S / max(took_s, 1e-9))))


def _query_tuple(
    prices: PricingTables,
    shipment: ShipmentTables,
    via: np.ndarray,
    levels: np.ndarray,
    profile_latest: np.ndarray,
    layer_latest: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The kernel's query tuple (the order ``kernel_jit.run`` unpacks; its network tuple is
    ``NetworkTables.kernel_arrays``)."""
    return (
        shipment.link_ok,
        shipment.link_co2e_g,
        prices.freight_container,
        shipment.freight_loose,
        prices.border_container_cents,
        prices.lift_cents,
        prices.transfer_surcharge_cents,
        shipment.node_decons_cents,
        shipment.node_handling_loose_cents,
        shipment.node_hub_g,
        shipment.node_transfer_ok,
        via,
        levels,
        profile_latest,
        layer_latest,
    )


def _warm_up_run(fns: dict[str, Any]) -> None:
    """One search on an empty one-node network: compiles (or loads) every kernel function for the real types."""
    sizes = {"node": 1, "service": 0, "link": 0}

    def empty(table: type[Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in dataclasses.fields(table):
            if field.name == "kernel_arrays":
                continue
            kind = field.name.split("_", 1)[0]
            length = sizes.get(kind, 0)
            if field.name in ("out_ptr", "timetable_ptr"):
                length = sizes["node"] + 1 if field.name == "out_ptr" else sizes["service"] + 1
            dtype = {"BoolArray": np.bool_, "FloatArray": np.float64}.get(str(field.type), np.int64)
            values[field.name] = 0 if field.type == "int" else np.zeros(length, dtype=dtype)
        return values

    network = packed_tables(**empty(NetworkTables))
    query = _query_tuple(
        PricingTables(**empty(PricingTables)),
        ShipmentTables(**empty(ShipmentTables)),
        _NO_VIA,
        np.zeros((1, 5, 0), dtype=np.float64),
        NO_PROFILE,
        NO_PROFILE,
    )
    for pareto in (True, False):
        for kept in (False, True):  # a new state, then a kept one (emptied by the kernel)
            params = np.zeros(PARAMS, dtype=np.int64)
            params[6], params[8], params[9] = int(pareto), 1, 1  # pareto, one node, step rows
            params[ORDER : ORDER + 4] = np.arange(4)
            scales = np.zeros(SCALES, dtype=np.float64)
            scales[LIMITS : LIMITS + 4] = float(INF)
            if not kept:
                _spare.state = None
            _drive(fns, network.kernel_arrays, query, params, scales, 0, lambda: None, START_LABELS[pareto])


_level_arrays: IdentityMemo[np.ndarray] = IdentityMemo(256)
_large_level_arrays: IdentityMemo[np.ndarray] = IdentityMemo(8)
LARGE_LEVEL_LINKS = 100_000
"""Levels over more link-states than this (a float64 level is 40 bytes a link-state: 14 MB at 100k nodes) are kept
in a memo of 8 entries, not 256: 256 of them would be 3.5 GB, and each keeps the view cache's bounds alive."""


def _bound_levels(levels: tuple[Any, ...]) -> np.ndarray:
    """Bounds per via level as one float64 array ``[level, criterion, link]`` (criteria as in ``Bounds.levels``).

    The per-level conversion is kept per level's five cached per-criterion sequences (:class:`IdentityMemo`); a
    query with via nodes stacks its levels.
    """
    memo = _large_level_arrays if len(levels[0][0]) > LARGE_LEVEL_LINKS else _level_arrays
    arrays = [memo.get(level, partial(_float64_level, level)) for level in levels]
    if len(arrays) == 1:
        return arrays[0][np.newaxis]
    return np.stack(arrays)


def _float64_level(level: tuple[Any, ...]) -> np.ndarray:
    """One via level's five per-criterion bound sequences as a float64 array ``[criterion, link]``.

    Filled row by row, without a float64 copy of each sequence first (at 100k nodes those were 5 × 2.8 MB of
    fresh memory per new destination); criteria not computed share one sequence (the reachability stand-in), which
    is converted once and copied."""
    rows = np.empty((len(level), len(level[0])), dtype=np.float64)
    done: dict[int, int] = {}
    for row, values in enumerate(level):
        first = done.setdefault(id(values), row)
        rows[row] = rows[first] if first != row else np.asarray(values)
    return rows


def _routes(fns: dict[str, Any], state: tuple[np.ndarray, ...]) -> list[KernelRoute]:
    """The routes found: each as (vector, node, service, loose, via), its links from the origin, and where its hops'
    arrivals and step rows are (:class:`~engine.routing.kernel_routes.HopRows`, shared by the query's routes)."""
    ends, ptr, links, arrivals, steps = fns["found_routes"](state[0], state[1], state[2], state[17], state[18])
    flat = links.tolist()
    bounds = ptr.tolist()
    rows = HopRows(arrivals, steps) if state[9][RECORD_STEPS] else None
    return [
        (tuple(end), tuple(flat[bounds[i] : bounds[i + 1]]), None if rows is None else (rows, bounds[i]))
        for i, end in enumerate(ends.tolist())
    ]


__all__ = ["KERNEL_FROM_LINKS", "kernel_search", "kernel_wanted", "warm_up"]
