"""A lower bound of the arrival given how much more than its cost bound a completion costs (Pareto search, large
networks): the joint bound of arrival and cost that the per-criterion bounds and the arrival profile lack.

**Why.** At 10k nodes a Pareto search settles about thirty labels for every one that leads to a Pareto route. The
others survive on their optimistic arrival: with arrival left out, 2,818 and 2,961 of 3,000 sampled settled labels
of two scale queries are dominated by the final Pareto set, with it none. Their earliest completions are dearer than
their cost bound says, and their cheapest completions arrive later than their arrival bound says, but each bound
holds on its own (:mod:`engine.routing.arrival_profile`, "What still limits the search").

**Reduced costs.** ``U`` is the cost bound per link-state (:mod:`engine.routing.bounds`, per unit: the cost bound is
``cost_scale × U + fixed − slack``). A move ``previous → link`` of the bound graph has the reduced cost
``rc = w + U(link) − U(previous) ≥ 0`` (``w`` its unit cost), and a completion from a link-state costs at least the
label's cost bound plus ``cost_scale × Σ rc`` over its moves. So a completion that spends little more than the bound
uses only moves of small reduced cost, and may arrive no earlier than those moves allow.

**The layers.** Each move spends ``⌊rc / step⌋`` units (``step``: :data:`STEP_QUANTILE` of the
positive reduced costs over :data:`STEP_DIVISOR`, so the thresholds follow the network's prices), and a copy of the
bound graph per unit spent (``m`` = :data:`LAYERS` copies, a move from copy ``j`` to copy ``j + units``; moves past
the last copy dropped) gives, through the arrival profile's own latest-arrival search walking the copies on the
fly (:func:`engine.routing.arrival_profile.latest_minutes`, two deadlines a week), ``latest[link × m + j, k]``: the
latest minute a label at ``link`` with ``j`` units spent may arrive and still reach the destination by deadline
``k`` spending fewer than ``m`` units in all. Rounding each move's spend down makes this a relaxation: a completion
whose reduced costs sum below ``u × step`` spends at most ``u − 1`` units.

**The regions.** A label's completions that spend ``u`` units (``u < m``) arrive no earlier than the layer ``m − 1 −
u`` floor and cost at least its cost bound plus ``cost_scale × u × step``; those that spend ``m`` or more arrive no
earlier than its arrival bound and cost at least the bound plus ``cost_scale × m × step``. Regions whose corner a
route found dominates (weakly, on all four criteria; transfers and CO2e keep their bounds) hold no Pareto
completion. If all do, the label is pruned; otherwise its arrival bound becomes the least arrival corner of the
regions left (:func:`region_arrival`). Exact: routes found are real routes (and a route that replaces one dominates
it), so a region once dominated stays so, and the raised bound holds for every completion not dominated. (An
ε-Pareto search reads "covered" for "dominated" throughout: see the last paragraph.)

**In the search** (both :mod:`engine.routing.search` and the kernel, operation for operation): when a label leaves
the heap and no route found dominates its optimistic completion, its regions are checked against the routes found:
it is dropped when every region is dominated, and goes back into the heap under its raised arrival bound when that
rose. A child's arrival bound is at least its parent's (the parent's regions bound the child's completions too), so
labels still leave the heap in non-decreasing optimistic arrival.

**Where it pays** (issue 13, the 11 PARETO queries of the 10k-node scale benchmark, same Pareto sets and answers in
every variant; an offline prototype first, then this module; scripts kept out of the tree):

- Offline, 3,000 settled labels of a query checked against its final Pareto set: the regions would have pruned 39 %
  of the median query's labels but 5.6 % of query 0's; per move (no layers: a move alone over the threshold) a third
  of that; the same construction for CO2e or transfers given the arrival, at most 3 %.
- Labels settled by the median query (query 10): 1,106,212 without layers; 798,564 with 8 layers of P90/3 and a
  deadline a day; 669,465 with 16 layers of P90/6 (CPU 1.30 → 0.93 s with the layers cached); 778,225 with those 16
  layers and two deadlines a week (as shipped). Other queries gain less (query 3 1,100,131 → ~1,050,000). Layers
  checked again when each label is created as well as when it is settled left the labels settled unchanged.
- Cost: 16 layers took ~0.27 s to compute for a destination and spend at 10k nodes with two deadlines a week
  when the copies were built as one CSR graph (~0.1 s of it numpy), ~0.8 s with one a day; walking the copies on
  the fly from the one graph gives the same minutes in ~0.15 s. Every query of the scale benchmark has its own
  pricing, so most pay it. Timed as the benchmark times (each query once, in order, layers computed by the query
  that first needs them; wall seconds, two interleaved runs; CSR copies): p50 1.43-1.50 without layers,
  1.22-1.25 with 8 layers a day, 1.07-1.15 with 16 layers twice a week.

**What they leave** (session 14, offline: 3,070 labels sampled from the 778,225 the median query settles, each
label's regions checked against the query's *final* Pareto set): not one of them would be dropped even then. In the
cheapest region each leaves open, the routes that miss its corner on one criterion alone miss it on arrival (2,996
of the 3,070 labels have such routes), by a median of 7.3 days (10th percentile 2.2 days): the floor a region gets
from the layers is that much earlier than what such labels can really reach at that cost. A finer grid or finer
units recover little of it (median query, layers cached: a deadline a day 669,465 labels, every 6 h 661,044; 32
layers of P90/12 a day 636,440; 64 layers of P90/24 twice a week 731,786), and the daily grid costs 3.5× the memory
(16 MiB a destination and spend at 10k nodes, where the view cache holds 256 MiB). What is lost is the rest of the
relaxation: every move below one unit is free, and a floor is the earliest completion whatever its CO2e and
transfers. Layers of the other criteria do not recover it either: splitting each open region again by reduced
transfers (4 layers) or reduced CO2e (16 of P90/6), a corner's arrival the later of the two floors, would close 11
or 61 of 1,521 labels sampled the same way (scripts kept out of the tree).

**Cost.** ``m`` × links × 2 deadlines × 4 bytes per destination and spend (4.3 MiB at 10k nodes) and one
latest-arrival pass over the ``m`` layers per deadline, each layer settling only what it does not inherit from the
one above (:func:`engine.routing.arrival_profile_jit.latest_arrivals`; session 14: ~0.09 s a destination and spend
at 10k nodes, 0.145 s before). Networks where that exceeds :data:`MAX_BYTES` get no layers (at 100k nodes 16 layers
would be 42 MiB a destination; measured in session 14 with the bound raised to 64 MiB, on the first six 100k scale
queries with a 10 s budget: the same four did not finish, and the two that did settled 0.6 % and 0.7 % fewer labels
for ~1.5 s more a destination), nor do queries mixing containers and loose cargo (their bound graph is
their own) and the search towards a via node.

**ε-Pareto sets** (``pareto_tolerance`` ε, since session 14) check a region's corner as they check a label: covered
when a route found dominates its relaxation (time from the ready minute and every other criterion times ``1 + ε``).
Every completion in a covered region is then ``(1 + ε)``-covered by that route (or by the one that replaces it in
the front, no worse), which is what dropping the label needs in that mode; the raised bound holds for the
completions not covered. Measured on the 11 scale queries at 10k nodes, ε = 0.05, layers cached (CPU seconds):
without layers p50 0.98 s, all 11 10.9 s, 761,874 labels settled by query 10; with them, corners checked exactly
(weaker, still right) 593,723 labels; checked by ε-dominance p50 0.61 s, all 11 9.4 s, 435,440 labels. The
ε-sets were the same routes in all three.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.network.model import MINUTES_PER_WEEK
from engine.routing.arrival_profile import UNREACHABLE, ArrivalProfile, arrival_floor, latest_minutes
from engine.routing.bound_graph import UNIT, BoundGraph
from engine.routing.bounds import INF, bound_graph_of, graph_filters, lower_bounds
from engine.routing.costing import QueryContext

LAYERS = 16
"""Copies of the bound graph, one per unit of reduced cost spent (:data:`STEP_QUANTILE`)."""
STEP_MIN = 5040
"""Minutes between two deadlines of the layers' grid (two a week: measured in the module docstring)."""
STEP_QUANTILE = 90
"""Percentile of the positive reduced costs (cents per unit) that, over :data:`STEP_DIVISOR`, is one unit."""
STEP_DIVISOR = 6
"""So the last layer's threshold is ``LAYERS / STEP_DIVISOR`` times that percentile."""
RC_TOLERANCE = 1e-6
"""Share of a unit taken off each reduced cost before it is rounded down (float round-off can only make a move spend
less, never more, than it does)."""
MAX_BYTES = 16 << 20
"""Largest layers kept for one destination and pricing; a network needing more gets none."""


@dataclass(frozen=True, eq=False)
class CostLayers:
    """The layers' latest minutes as a profile whose row ``link × layers + j`` is ``link`` with ``j`` units spent,
    and what the regions need."""

    profile: ArrivalProfile
    layers: int
    unit_cents: float
    """Reduced cost (per unit of the cost bound) of one layer."""

    @property
    def latest(self) -> np.ndarray:
        """int32, ``(links × layers, deadlines)``."""
        return self.profile.latest

    @property
    def step_min(self) -> int:
        """Minutes between two deadlines."""
        return self.profile.step_min


def layers_wanted(ctx: QueryContext) -> bool:
    """Whether ``ctx``'s Pareto search (already using an arrival profile) gets cost layers: not for queries mixing
    containers and loose cargo, nor where the layers would exceed :data:`MAX_BYTES`."""
    if not ctx.starts_loose and ctx.allow_deconsolidation:
        return False
    return LAYERS * len(ctx.compiled.link_ids) * (MINUTES_PER_WEEK // STEP_MIN) * 4 <= MAX_BYTES


def cost_layers(ctx: QueryContext, should_stop: Callable[[], str | None] | None = None) -> CostLayers:
    """The layers towards ``ctx``'s destination for its filter and pricing; see the module docstring.

    Cached in two parts: what a pricing spends per move (and its unit), per destination, filter and pricing; the
    latest minutes per destination, graph structure and spend, so pricings that spend alike share them (a 40' box
    and two: every price doubles, and so does the unit). ``should_stop`` is polled between two deadlines."""
    views = ctx.compiled.network.views
    graph = bound_graph_of(ctx)
    unit, spend, digest = views.get(
        ("routing.cost_spend", ctx.destination, *graph_filters(ctx), LAYERS), lambda: _spend(ctx, graph)
    )
    key = ("routing.cost_layers", ctx.destination, graph.structure, digest, LAYERS, STEP_MIN)
    latest = views.get(key, lambda: latest_minutes(ctx, graph, spend, LAYERS, STEP_MIN, should_stop))
    return CostLayers(
        profile=ArrivalProfile(latest=latest, step_min=STEP_MIN),
        layers=LAYERS,
        unit_cents=unit,
    )


def reduced_costs(graph: BoundGraph, unit_bound: np.ndarray) -> np.ndarray:
    """Per kept move (CSR order), ``w + U(link) − U(previous)`` in cents per unit; ``inf`` where either end cannot
    reach the destination."""
    rows = np.repeat(np.arange(len(graph.indptr) - 1), np.diff(graph.indptr))
    cols = graph.indices
    reached = (unit_bound[rows] < INF) & (unit_bound[cols] < INF)
    rc: np.ndarray = np.where(reached, graph.weights(UNIT) + unit_bound[rows] - unit_bound[cols], np.inf)
    return rc


def _spend(ctx: QueryContext, graph: BoundGraph) -> tuple[float, np.ndarray, bytes]:
    """One layer's reduced cost, the layers each kept move spends (``LAYERS``: the move leaves every layer), and a
    digest of the spends."""
    rc = reduced_costs(graph, np.asarray(lower_bounds(ctx).cost_per_unit, dtype=np.float64))
    positive = rc[np.isfinite(rc) & (rc > 0.0)]
    unit = float(np.percentile(positive, STEP_QUANTILE)) / STEP_DIVISOR if len(positive) else 1.0
    if not unit > 0.0:
        unit = 1.0
    spend = np.full(len(rc), LAYERS, dtype=np.int8)
    finite = np.isfinite(rc)
    spend[finite] = np.minimum(np.floor(np.maximum(rc[finite] / unit - RC_TOLERANCE, 0.0)), LAYERS)
    return unit, spend, hashlib.blake2b(spend.tobytes(), digest_size=16).digest()


def layer_floor(layers: CostLayers, row: int, arrive: int) -> float:
    """The least arrival at the destination from layer row ``row`` (``link × layers + j``) for a label arriving at
    minute ``arrive`` (:func:`~engine.routing.arrival_profile.arrival_floor`); ``INF`` where the destination is out
    of the layer's reach (no completion spends so little). Mirrored by ``kernel_layers.layer_floor``."""
    if layers.latest[row, 0] == UNREACHABLE:
        return float(INF)
    return arrival_floor(layers.profile, row, arrive)


def region_arrival(
    layers: CostLayers,
    cost_scale: float,
    link: int,
    arrive: int,
    optimistic: tuple[float, float, float, float],
    dominated: Callable[[tuple[float, float, float, float]], bool],
) -> float:
    """The least arrival corner among the regions of a label at ``link`` arriving at minute ``arrive`` with the
    optimistic completion ``optimistic`` that ``dominated`` (the routes found) does not hold; ``INF`` when it holds
    every one (module docstring). Mirrored by ``kernel_layers.region_arrival``."""
    o0, o1, o2, o3 = optimistic
    m = layers.layers
    step = cost_scale * layers.unit_cents
    row = link * m + m - 1  # the layer of a label that has spent nothing
    if layer_floor(layers, row, arrive) <= o0:
        return o0
    if not dominated((o0, o1 + m * step, o2, o3)):
        return o0
    for spent in range(m - 1, -1, -1):
        floor = layer_floor(layers, row - spent, arrive)
        if floor >= INF:
            continue
        corner = floor if floor > o0 else o0
        if not dominated((corner, o1 + spent * step, o2, o3)):
            return corner
    return float(INF)
