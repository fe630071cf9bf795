"""Arrival bands: a seeded Monte-Carlo replay of a route's steps through the timetable (docs/RELIABILITY.md).

The search optimises the **P50 model**: every dwell at its typical value (the ``border_exit_h``, ``border_entry_h``,
``handling_h`` and ``port_queue_h`` columns) and every departure sailing. A route found that way is then replayed
:data:`SAMPLES` times with the dwells drawn from their P10/P50/P90 (``*_p10_h`` / ``*_p90_h`` node columns) and
departures cancelled with their service's ``cancel_probability``: cargo that reaches a port late misses its sailing
and waits for the next one the timetable offers (:meth:`Departures.next_array`), and a cancelled sailing sends it
to the one after. That is what gives the Caspian crossing its tail. The replay keeps the route's links and services
(cargo does not re-route when late), so the band describes the route the answer shows.

**Distribution from three quantiles.** A dwell with P10 ``a`` ≤ P50 ``m`` ≤ P90 ``b`` is a shifted log-normal
``c + exp(μ + σ·z)`` through the three points (``c = (m² − a·b) / (2m − a − b)``, ``μ = ln(m − c)``,
``σ = ln((b − c)/(m − c)) / 1.2816``): right-skewed when ``b − m > m − a`` (queues and inspections have long upper
tails), mirrored when skewed left, normal when symmetric; where the shift degenerates (one side under 0.1 % of
``b − a``, e.g. ``a = m``) a split normal (half-normals of scales ``(m − a)/1.2816`` and ``(b − m)/1.2816``) is used.
Every form hits the three quantiles exactly; draws are clipped to ``z ∈ [−4, 4]`` and to [0 h, 90 d]. A dwell
without a spread stays at its P50.

**Seed.** Derived from the request and the route (origin, destination, the ready time's minute of the week and the
route's link ids) by BLAKE2b, never from process state: the same request gives the same band in-process, in a gRPC
worker or on Dask.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from engine.network.model import MINUTES_PER_WEEK, Network, Node, ServiceKind
from engine.network.views import LazyRows
from engine.routing.compiled import VESSEL_MODES, CompiledNetwork
from engine.routing.costing import Step
from engine.routing.query import RouteQuery
from engine.routing.through import compile_routing
from engine.routing.timetable import MONDAY_OFFSET_MIN, Departures, from_minutes, to_minutes

SAMPLES = 1000
"""Replays per route. The standard error of an estimated probability is at most √(0.25/1000) ≈ 1.6 points, of
the P10 or P90 rank ≈ 1 point (√(0.09/1000)); a replay costs one vector operation per dwell and departure of the
route, so 1,000 keeps the band's cost well under the search's (docs/RELIABILITY.md has the measurement)."""

Z10 = 1.2815515655446004
"""The standard normal's 90th percentile: P10 and P90 sit at z = ∓Z10."""

Z_CLIP = 4.0
MAX_DWELL_H = 90 * 24.0
"""No single dwell draw exceeds 90 days (a guard against a fitted tail running away; the shipped P90s are ≤ 10 d)."""
MAX_CANCELLED_IN_A_ROW = 32
"""Cancelled departures followed in a row before the sample takes the next one regardless (at the largest
allowed ``cancel_probability`` of 0.9 that happens with probability 0.9³² ≈ 3 %; at the shipped network's it is
below 10⁻²⁰)."""

Array = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ArrivalBand:
    """The spread of a route's arrival: P10, P50 and P90 of the replays (UTC) and, with a deadline, the share of
    replays arriving by it."""

    p10: datetime
    p50: datetime
    p90: datetime
    on_time_probability: float | None


@dataclass(frozen=True)
class Dwell:
    """One varying dwell: P10, P50 and P90 in hours."""

    p10: float
    p50: float
    p90: float

    def minutes(self, z: npt.NDArray[np.float64]) -> Array:
        """Draws at standard normal values ``z``, in whole minutes (≥ 0)."""
        # np.clip's Python wrapper costs more than the clipping of 1,000 draws; maximum then minimum is the same
        # operation (draws are never NaN), the second in place on the fresh array ``hours`` returned.
        clipped = np.maximum(z, -Z_CLIP)
        hours = np.maximum(self.hours(np.minimum(clipped, Z_CLIP, out=clipped)), 0.0)
        minutes: Array = np.rint(np.minimum(hours, MAX_DWELL_H, out=hours) * 60).astype(np.int64)
        return minutes

    def hours(self, z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The quantile function at ``Φ(z)`` (hours), unclipped."""
        a, m, b = self.p10, self.p50, self.p90
        low, high = m - a, b - m
        if math.isclose(low, high, rel_tol=1e-9, abs_tol=1e-9):
            return m + z * (low / Z10)
        if min(low, high) < 1e-3 * (b - a):  # a side (nearly) without spread: the shift would run off to ±inf
            return np.where(z < 0, m + z * (low / Z10), m + z * (high / Z10))
        if high > low:
            return _shifted_lognormal(a, m, b, z)
        return -_shifted_lognormal(-b, -m, -a, -z)  # the mirror image of a right skew


def _shifted_lognormal(a: float, m: float, b: float, z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Right-skewed: ``c + exp(μ + σz)`` with quantiles ``a``, ``m``, ``b`` at z = −Z10, 0, Z10.

    With ``low = m − a`` and ``high = b − m`` (``high > low``): ``m − c = low · high / (high − low)`` and
    ``(b − c) / (m − c) = high / low``. Written from the two spreads, not as ``c = (m² − ab) / (2m − a − b)``, whose
    numerator cancels: for quantiles 12, 12 + 1.2e-7 and 12 + 1.8e-7 h it put ``c`` above ``m`` and the logarithm
    failed (found by the property test below it)."""
    low, high = m - a, b - m
    above = low * high / (high - low)  # m − c
    mu = math.log(above)
    sigma = math.log(high / low) / Z10
    return (m - above) + np.exp(mu + sigma * z)


def node_dwell(node: Node, component: str) -> Dwell | None:
    """The spread of ``component`` (``border_exit``, ``border_entry``, ``handling``, ``port_queue``) at ``node``;
    ``None`` where the node gives no P10/P90 for it (the dwell then stays at its P50)."""
    p10 = getattr(node, f"{component}_p10_h")
    p90 = getattr(node, f"{component}_p90_h")
    p50 = getattr(node, "port_queue_h" if component == "port_queue" else f"{component}_h")
    if p10 is None or p90 is None or p50 is None:
        return None
    return Dwell(p10, p50, p90)


def request_seed(query: RouteQuery, link_ids: Sequence[str]) -> int:
    """A 64-bit seed from the request and the route: the same on every process and machine (no ``hash()``).

    The ready time enters as its minute of the week: timetables and dwells repeat weekly, so the same route ready a
    whole number of weeks later gets exactly the same band shifted by those weeks (what a study's weekly repeats
    rely on, ``engine/studies/run.py``)."""
    minute_of_week = (to_minutes(query.ready) - MONDAY_OFFSET_MIN) % MINUTES_PER_WEEK
    text = "|".join((query.origin, query.destination, str(minute_of_week), ",".join(link_ids)))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def arrival_band(network: Network, query: RouteQuery, steps: Sequence[Step], samples: int = SAMPLES) -> ArrivalBand:
    """Replay ``steps`` ``samples`` times with sampled dwells and cancellations and summarise the arrivals.

    Parameters
    ----------
    network
        The snapshot the steps were taken on.
    query
        The query they answer: its ready time starts every replay, its ``arrive_by`` (if any) gives
        ``on_time_probability``, and it seeds the generator together with the route's links.
    steps
        The route as the search took it (at least one step).
    samples
        Number of replays.

    Returns
    -------
    ArrivalBand
        P10, P50 and P90 of the replayed arrivals (whole minutes, UTC); ``on_time_probability`` is the share
        arriving at or before ``arrive_by`` (``None`` without a deadline).
    """
    compiled = compile_routing(network)  # the search's arrays: through products included
    arrivals = _replay(compiled, query, steps, samples)
    deadline = query.constraints.arrive_by
    if isinstance(arrivals, int):  # nothing of the route varies: every replay is the P50 model's arrival
        on_time = None if deadline is None else float(arrivals <= to_minutes(deadline))
        moment = from_minutes(arrivals)
        return ArrivalBand(moment, moment, moment, on_time)
    # The inverted-CDF quantile (a sample value, whole minutes): the ceil(q·n)-th smallest arrival.
    ranks = [max(0, math.ceil(q * samples) - 1) for q in (0.1, 0.5, 0.9)]
    p10, p50, p90 = (int(v) for v in np.partition(arrivals, ranks)[ranks])
    on_time = None if deadline is None else float(np.count_nonzero(arrivals <= to_minutes(deadline)) / samples)
    return ArrivalBand(from_minutes(p10), from_minutes(p50), from_minutes(p90), on_time)


class _LinkSpread(NamedTuple):
    """What varies when a link is taken: the dwells of its end nodes and its service's cancellations."""

    handling: Dwell | None  # at the start node, on a transfer
    queue: Dwell | None  # port queue at the start node, on a transfer onto this vessel (None for other modes)
    queue_min: int  # the queue's P50 (part of the step's handling minutes; 0 unless the link is a vessel's)
    border_exit: Dwell | None
    border_entry: Dwell | None
    cancel_probability: float  # of the link's service (0 for a continuous one)

    @property
    def varies(self) -> bool:
        """Whether anything about taking the link varies."""
        return self.cancel_probability > 0 or any((self.handling, self.queue, self.border_exit, self.border_entry))


def _link_spreads(compiled: CompiledNetwork) -> LazyRows[_LinkSpread]:
    """Per link index, resolved once per snapshot (kept in its view cache like the route builder's link facts)."""
    key = ("routing.reliability", len(compiled.link_ids))  # with or without through products
    return compiled.network.views.get(key, lambda: _resolve_link_spreads(compiled))


def _resolve_link_spreads(compiled: CompiledNetwork) -> LazyRows[_LinkSpread]:
    network = compiled.network

    def spread(link: int) -> _LinkSpread:
        src = network.nodes[compiled.node_ids[compiled.link_from[link]]]
        dst = network.nodes[compiled.node_ids[compiled.link_to[link]]]
        # a through product's link waits for (and is cancelled with) its underlying service
        service = network.services[compiled.service_ids[_timetable(compiled, link)]]
        continuous = service.kind is ServiceKind.CONTINUOUS
        vessel = compiled.link_mode[link] in VESSEL_MODES
        return _LinkSpread(
            handling=node_dwell(src, "handling"),
            queue=node_dwell(src, "port_queue") if vessel else None,
            queue_min=compiled.port_queue_min[compiled.link_from[link]] if vessel else 0,
            border_exit=node_dwell(src, "border_exit"),
            border_entry=node_dwell(dst, "border_entry"),
            cancel_probability=0.0 if continuous else service.cancel_probability or 0.0,
        )

    return LazyRows(len(compiled.link_ids), spread)


def replay(
    compiled: CompiledNetwork, query: RouteQuery, steps: Sequence[Step], samples: int, *, typical: bool = False
) -> Array:
    """Arrival minute of each replay of ``steps`` (``typical``: every dwell at its P50 and nothing cancelled — the
    P50 model, which reproduces the search's arrival exactly)."""
    arrive = _replay(compiled, query, steps, samples, typical=typical)
    if isinstance(arrive, int):
        return np.full(samples, arrive, dtype=np.int64)
    return arrive


def _replay(
    compiled: CompiledNetwork, query: RouteQuery, steps: Sequence[Step], samples: int, *, typical: bool = False
) -> int | Array:
    """:func:`replay`, with the arrival as one ``int`` when every sample arrives alike (nothing was drawn).

    The samples share one minute until the first draw (a dwell's spread or a cancellation), so until then the
    clock is a Python ``int`` and boarding a scalar timetable lookup: most routes of the shipped network vary
    nowhere (:func:`varies`), or only late. The generator is made at the first draw; the draws, their order and
    the arithmetic (int64; floor division and modulo as Python's) are those of an all-array replay, so the
    arrivals are too.
    """
    spreads = _link_spreads(compiled)
    rng: np.random.Generator | None = None
    t: int | Array = to_minutes(query.ready)
    fixed = 0  # minutes every sample spends alike, added to ``t`` only where the samples part (one vector op, not 40)
    service = -1

    def generator() -> np.random.Generator:
        nonlocal rng
        if rng is None:
            rng = np.random.default_rng(request_seed(query, [compiled.link_ids[s.link] for s in steps]))
        return rng

    def dwell(spread: Dwell | None, p50_min: int) -> None:
        nonlocal t, fixed
        if spread is None or typical:
            fixed += p50_min
        else:
            t = t + spread.minutes(generator().standard_normal(samples))

    for step in steps:
        link = step.link
        spread = spreads[link]
        new_service = compiled.link_service[link]
        if step.transfer:
            dwell(spread.handling, step.handling_min - spread.queue_min)
            dwell(spread.queue, spread.queue_min)
        fixed += step.deconsolidation_min
        if step.border_exit_min:
            dwell(spread.border_exit, step.border_exit_min)
        if new_service != service or step.transfer:  # a transfer inside a through product boards too
            cancel = 0.0 if typical else spread.cancel_probability
            departures = compiled.departures[_timetable(compiled, link)]
            if isinstance(t, int) and cancel <= 0:
                t = departures.next(t + fixed)
            else:
                ready = np.full(samples, t + fixed, dtype=np.int64) if isinstance(t, int) else t + fixed
                t = _board(departures, ready, cancel, generator())
            fixed = 0
        service = new_service
        fixed += compiled.link_run_min[link]
        if step.border_entry_min:
            dwell(spread.border_entry, step.border_entry_min)
    return t + fixed


def varies(compiled: CompiledNetwork, steps: Sequence[Step]) -> bool:
    """Whether any dwell or departure of the route has a spread (else every replay is the same)."""
    spreads = _link_spreads(compiled)
    service = -1
    for step in steps:
        spread = spreads[step.link]
        new_service = compiled.link_service[step.link]
        if spread.varies and (
            (step.transfer and (spread.handling or spread.queue))
            or (step.border_exit_min and spread.border_exit)
            or (step.border_entry_min and spread.border_entry)
            or ((new_service != service or step.transfer) and spread.cancel_probability > 0)
        ):
            return True
        service = new_service
    return False


def _timetable(compiled: CompiledNetwork, link: int) -> int:
    """The service whose departures ``link`` waits for (a through product's link: its underlying service)."""
    return (compiled.link_timetable or compiled.link_service)[link]


def _board(departures: Departures, ready: Array, cancel_probability: float, rng: np.random.Generator) -> Array:
    """Departure of each sample: the first at or after it is ready, skipping cancelled ones."""
    depart = departures.next_array(ready)
    if cancel_probability <= 0:
        return depart
    waiting = np.ones(depart.shape[0], dtype=bool)  # samples whose departure has not yet been seen to sail
    for _ in range(MAX_CANCELLED_IN_A_ROW):
        waiting &= rng.random(depart.shape[0]) < cancel_probability  # cancelled: try the next departure
        if not waiting.any():
            break
        depart = np.where(waiting, departures.next_array(depart + 1), depart)
    return depart


def reliability_order(bands: Sequence[ArrivalBand], vectors: Sequence[tuple[int, ...]]) -> list[int]:
    """Indexes of routes from most to least reliable: highest ``on_time_probability`` first (when a deadline gives
    one), then earliest P90, then earliest P50, then the P50 model's (arrival, cost, transfers, CO2e) — so ties are
    broken the same way every time."""
    return sorted(
        range(len(bands)),
        key=lambda i: (
            -(bands[i].on_time_probability or 0.0),
            bands[i].p90,
            bands[i].p50,
            vectors[i],
        ),
    )
