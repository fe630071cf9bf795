"""A time-dependent lower bound of the arrival at the destination, for the Pareto search on large networks.

The static time bound (:mod:`engine.routing.bounds`) ignores waiting for departures. On networks whose ferries sail
every 24-84 h that is most of what separates a label's optimistic arrival from its real one: at 10k nodes ~99 % of
the labels a Pareto search settles and then discards were dominated on cost, transfers and CO2e by a route already
found and survived only on an arrival 27-53 h too optimistic.

**The profile.** For each deadline ``T`` of a grid over one week (``T_k = MONDAY_OFFSET_MIN + k × step``), a
backward search over link-states gives ``latest[link, k]``: the latest minute a label that has just taken ``link``
may arrive at its end and still reach the destination by ``T_k``. It mirrors the forward step
(:meth:`~engine.routing.costing.QueryContext.step`) backwards: a link is boarded at its latest departure at or
before ``latest[link] − run − border entry`` (no wait when staying aboard the same vehicle), and the label must be
ready for it (handling, port queue, border exit) by then. Time is FIFO, so the latest minutes are a fixed point of
monotone functions and one label-setting pass per deadline finds them (the latest-departure counterpart of
Dijkstra), each started from the previous deadline's minutes, which can all still be made by the later deadline, so
only the link-states whose minute moves are settled again. De-consolidation time and the shipment-size rules are
left out, which makes the profile only more optimistic: it stays a bound.

**The bound.** Timetables repeat weekly (a headway divides the week), so ``latest`` at ``T_k + m × week`` is
``latest[link, k] + m × week``. A label at ``link`` arriving at minute ``a`` cannot make any deadline whose latest
minute is before ``a``; the largest such deadline ``T`` gives ``T + 1`` as a lower bound of its arrival, at most one
grid step below the earliest real one. The search takes the larger of it and the static bound. The bound is
consistent (a child's is never below its parent's: a parent that cannot make ``T`` has no child that can), so
labels still leave the heap in the order the exactness argument needs.

Computed only where it pays: Pareto searches (labels leave the heap by optimistic arrival) on networks of at least
:data:`PROFILE_FROM_LINKS` links. Both searches (the Python reference and the kernel) read the same profile, so
they agree label for label.

**What still limits the search** (issue 13, 10k-node scale queries, measured with the profile in place; scripts
kept out of the tree). Only 2.3-5.0 % of the labels a search settles lie on a path to a Pareto route (the ancestors
of the routes found, 3 queries: 13,447 of 271,675; 41,237 of 1,210,418; 41,617 of 1,779,004). In a sample of 3,000
labels of one query, checked against its final Pareto set: 428 are pruned by the ideal point (static bounds and this
profile); of the rest, 2,603 would be pruned if arrival were left out of the check, and at most 316 if any other one
criterion were. So arrival is where the bound fails, but not by the grid: a 60-minute grid prunes 507, a 15-minute one
608, while adding 3 hours to every arrival bound would prune 1,185. The labels that remain could arrive earlier than
the routes that dominate them, but only by completions that cost or emit more than the per-criterion bounds say.

Measured and not kept: *time-cost corners*. For a few weights ``λ`` (minutes per cent), the completion with the
least ``static minutes + λ · cents`` from each link-state (one shortest-path run each) says that every completion
taking fewer minutes costs more than it; so a label's completions lie in a few regions "at least ``b_i`` minutes and
``C_i`` cents", and a label may be pruned when every region's corner is dominated by some route found (exact; a
prototype in the kernel, 6 runs of ~10 ms per destination). The search settled exactly the same labels on all 11
queries: static minutes leave out the waits, which are most of a 10k route's time, and in the sample above the
corners pruned 13 more labels of 3,000. What would prune the rest is a bound on cost and CO2e *given the arrival
with waits* (per link-state and deadline of this grid: the least cost of a completion that still makes it), i.e. a
multi-criteria backward profile; its size (deadlines × departure times × link-states) is why it was not built then.

Measured (session 13, offline, scripts kept out of the tree): *how much a bound on cost given the arrival would
prune*. A bound-graph move's reduced cost ``w + U(link) − U(previous)`` (``U`` the cost bound) is at least 0, and a
completion costs the label's cost bound plus the reduced costs of its moves. So a completion whose reduced costs sum
below ``δ`` arrives no earlier than the arrival profile of a graph with ``m`` layers of spent excess (a move spends
``⌊rc / (δ/m)⌋`` layers: a relaxation), and every other completion costs at least ``δ`` more than the bound; with a
few ``δ`` a label's completions lie in a few regions, and it is pruned when every region's corner is dominated. On
3,000 settled labels per query, against the query's final Pareto set (none is dominated by its own optimistic
vector; with arrival left out of the check 2,818 and 2,961 would be):

- cost, thresholds 10-800 USD in 7 steps, 16 layers: 167 (5.6 %) on query 0, 1,166 (39 %) on query 10 (the
  median query);
- cost per move (no layers; thresholds 50 / 200 / 1,000 USD on query 0, 25 / 100 / 400 on query 10): 62 and 318;
- the same construction for CO2e (5 thresholds, 8 layers; its float32 bounds give slightly negative reduced costs,
  taken as 0, so an estimate): 60 and 91; for transfers (1 / 2 / 3): 40 and 12.

So on the median query a joint bound of arrival and cost, summed over the completion (per move it is a third as
strong), would prune ~40 % of the labels settled (and their descendants), on query 0 a few per cent. Built as
:mod:`engine.routing.cost_layers` (one layered run gives every threshold at once), where its cost and what it saved
are measured.

Measured and not kept (session 12): *stepping through pass-through junctions*. 2,215 of the 10k network's nodes are
junctions with one way on aboard (no transfer, one link of the service other than the way back), and 15 % of the
labels created lie there. Contracting them out of the network offline (each run of them one link) left 17 % fewer
labels settled and 11 % less CPU on the 11 scale queries (nearly the same Pareto sets: a merged link rounds once), so
both searches were taught to step a label straight on through such a node, with a trail row but no bag and no heap
entry (exact: every label of that state has the one continuation, so dominance is decided at the run's end), with
the same routes. Labels settled fell by the same 15 %, but
CPU did not fall (sum of the 11 queries 15.4 → 15.6-16.0 s): the median query wrote 412,000 rows for labels stepping
through runs (1.24 → 1.49 million rows in all), many for labels that their bag at the first junction would have
dropped at once, and a step through a run reads as many tables as a settled label's. What the offline contraction
shows could be had needs the runs' sums per query (minutes, freight, border fees, CO2e, usability) so that a run
costs one step: a network view the kernel, the Python search, the bounds and the route replay would all share.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import SearchInterrupted
from engine.network.model import MINUTES_PER_WEEK
from engine.routing.bound_graph import BoundGraph
from engine.routing.bounds import bound_graph_of
from engine.routing.costing import QueryContext
from engine.routing.timetable import MONDAY_OFFSET_MIN

PROFILE_FROM_LINKS = 4_000
"""Pareto searches on networks with at least this many links use the profile (the shipped network has ~750: its
Pareto queries take about a millisecond, less than computing the profile). Tests lower it to compare the searches
and brute force on small networks."""
STEP_MIN = 360
"""Minutes between two deadlines of the grid (6 h, 28 a week): the bound is at most this below the earliest
arrival the profile would give at every minute. Memory is ``4 × links × MINUTES_PER_WEEK / STEP_MIN`` bytes per
destination and filter (3.9 MB for the 35k link-states of the 10k-node synthetic network)."""
UNREACHABLE = np.iinfo(np.int32).min
"""``latest`` of a link-state from which the destination cannot be reached (every deadline alike)."""


@dataclass(frozen=True, eq=False)
class ArrivalProfile:
    """Per link-state and grid deadline, the latest arrival (minutes since the epoch, int32) from which the
    destination is still reachable by that deadline; see the module's docstring."""

    latest: np.ndarray
    """int32, shape ``(links, MINUTES_PER_WEEK // step_min)``, nondecreasing along each row."""
    step_min: int


def profile_wanted(ctx: QueryContext, *, pareto: bool, order: tuple[int, ...]) -> bool:
    """Whether ``ctx``'s search uses an arrival profile: a Pareto search ordered by arrival on a large network."""
    return pareto and order[0] == 0 and len(ctx.compiled.link_ids) >= PROFILE_FROM_LINKS


def arrival_profile(ctx: QueryContext, should_stop: Callable[[], str | None] | None = None) -> ArrivalProfile:
    """The profile towards ``ctx``'s destination over the links its query may use (cached per destination and
    filter, like the bounds; computed compiled: 28 deadlines took 0.05-0.09 s at 10k nodes after session 14's
    carried passes, 0.13 s with each pass from nothing).

    ``should_stop`` is polled between two deadlines (as the search polls it between slices): a non-empty reason
    stops with :class:`~engine.errors.SearchInterrupted` and nothing is cached.
    """
    graph = bound_graph_of(ctx)
    key = ("routing.arrival_profile", ctx.destination, graph.structure, STEP_MIN)
    return ctx.compiled.network.views.get(key, lambda: _compute(ctx, graph, should_stop))


def _compute(ctx: QueryContext, graph: BoundGraph, should_stop: Callable[[], str | None] | None) -> ArrivalProfile:
    no_spend = np.zeros(len(graph.indices), dtype=np.int8)
    return ArrivalProfile(latest=latest_minutes(ctx, graph, no_spend, 1, STEP_MIN, should_stop), step_min=STEP_MIN)


def latest_minutes(
    ctx: QueryContext,
    graph: BoundGraph,
    spend: np.ndarray,
    layers: int,
    step_min: int,
    should_stop: Callable[[], str | None] | None,
) -> np.ndarray:
    """``latest[link × layers + j, k]`` towards ``ctx``'s destination for each deadline ``k`` of a grid of
    ``step_min`` minutes over one week (:func:`engine.routing.arrival_profile_jit.latest_arrivals`; ``spend``: units
    per kept move, CSR order). ``should_stop`` is polled between two deadlines: a non-empty reason stops with
    :class:`~engine.errors.SearchInterrupted`."""
    from engine.routing.kernel_cache import use_kernel_cache
    from engine.routing.kernel_tables import network_tables

    use_kernel_cache()  # it inlines the kernel's departure rule: cached with the kernel's build
    from engine.routing.arrival_profile_jit import NEVER, latest_arrivals  # numba's import: large networks only

    net = network_tables(ctx.compiled)
    moves = graph.moves
    sources = np.flatnonzero(graph.usable & (graph.link_to == ctx.destination) & graph.can_arrive).astype(np.int64)
    deadlines = MINUTES_PER_WEEK // step_min
    latest = np.empty((len(graph.usable) * layers, deadlines), dtype=np.int32)
    reached = np.full(len(graph.usable) * layers, NEVER, dtype=np.int64)  # each deadline starts from the last's
    for k in range(deadlines):
        if should_stop is not None:
            reason = should_stop()
            if reason:
                raise SearchInterrupted(reason)
        latest_arrivals(
            graph.indptr,
            graph.indices,
            graph.kept,
            spend,
            layers,
            moves.time_extra,
            moves.transfers,
            net.link_timetable,
            net.link_run_min,
            net.link_exit_min,
            net.link_entry_min,
            net.timetable_kind,
            net.timetable_headway,
            net.timetable_anchor,
            net.timetable_ptr,
            net.timetable_weekly,
            sources,
            MONDAY_OFFSET_MIN + k * step_min,
            reached,
            latest,
            k,
        )
    return latest


def arrival_floor(profile: ArrivalProfile, link: int, arrive: int) -> float:
    """The profile's lower bound of the arrival at the destination for a label that has just taken ``link`` and
    arrived at its end at minute ``arrive`` (``-inf`` where the profile says nothing).

    Mirrored by ``kernel_rules.arrival_floor``.
    """
    row = profile.latest[link].tolist()
    first = row[0]
    if first == UNREACHABLE:
        return float("-inf")
    weeks = (arrive - 1 - first) // MINUTES_PER_WEEK  # the last period whose first latest minute is before arrive
    k = bisect_right(row, arrive - 1 - weeks * MINUTES_PER_WEEK) - 1
    return float(MONDAY_OFFSET_MIN + k * profile.step_min + weeks * MINUTES_PER_WEEK + 1)
