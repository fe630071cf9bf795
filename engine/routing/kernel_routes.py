"""Routes from the compiled kernel as search labels: the vector at once, the chain of steps replayed on demand.

The kernel (:mod:`engine.routing.kernel`) returns each route as its end state and its links. Callers read every
route's vector (to choose what to show) but rebuild only a few routes, so :class:`FoundLabel` replays its chain
through the model (:func:`replay`, i.e. :meth:`QueryContext.step` link by link) when ``parent`` or ``step`` is
first read. The model is deterministic, so the replayed labels are the ones the Python search would have built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from engine.routing.costing import QueryContext, Step
from engine.routing.kernel_layout import STEP_LIFT, STEP_LOOSE_AFTER, STEP_TRANSFER
from engine.routing.labels import Label, Vector
from engine.routing.u_turns import u_turn_blocks

_new_step = tuple.__new__  # positional construction of the Step tuple, as costing.QueryContext.step makes them
_FLAGS = tuple(
    (bool(flags & STEP_TRANSFER), bool(flags & STEP_LIFT), bool(flags & STEP_LOOSE_AFTER))
    for flags in range((STEP_TRANSFER | STEP_LIFT | STEP_LOOSE_AFTER) + 1)
)
"""A step row's ``STEP_FLAGS`` as (transfer, lift, loose after), by value."""


class HopRows(NamedTuple):
    """The hops of one query's routes found, as the kernel left them (flattened route after route): the arrival after
    each hop and its step row (``kernel_layout.STEP_*``)."""

    arrivals: npt.NDArray[np.int64]
    steps: npt.NDArray[np.int64]


KernelRoute = tuple[tuple[int, ...], tuple[int, ...], tuple[HopRows, int] | None]
"""A route found by the kernel: its end (vector, node, service, loose, via), its links from the origin, and its
hops' rows (the query's :class:`HopRows` and where this route's first hop is in them; ``None`` when the search kept
no step rows, ``kernel.STEP_ROWS_UP_TO_LINKS``)."""


class FoundLabel(Label):
    """A route the compiled kernel found: its vector and end state at once, its parents and steps on first use.

    Callers read every route's ``vector`` but rebuild only a few routes (the ones shown, or all of them for arrival
    bands): the chain is replayed through the model (:func:`replay`) when ``parent`` or ``step`` is first read.
    """

    __slots__ = ("_chain", "_ctx", "_hops", "_links", "_replays")

    def __init__(
        self,
        ctx: QueryContext,
        end: tuple[int, ...],
        links: tuple[int, ...],
        replays: ReplayTrie | None = None,
        hops: tuple[HopRows, int] | None = None,
    ) -> None:
        arrive, cost, transfers, co2e, node, service, loose, via = end
        self.vector = (arrive, cost, transfers, co2e)
        self.node = node
        self.service = service
        self.loose = bool(loose)
        self.via = via
        self.link = links[-1] if links else -1
        self.alive = True
        self.block = -1
        self.optimistic = self.vector
        self._ctx = ctx
        self._links = links
        self._chain: Label | None = None
        self._replays = {} if replays is None else replays
        self._hops = hops

    def steps(self) -> list[Step]:
        """The route's steps from the origin: from the kernel's step rows when it left them (what
        :meth:`QueryContext.step` gives, without replaying the model: a sixth of a CHEAPEST answer), else replayed."""
        if self._hops is None or self._chain is not None:
            return chain_steps(self._replayed())
        rows, first = self._hops
        last = first + len(self._links)
        steps = kernel_steps(
            self._ctx, self._links, rows.arrivals[first:last].tolist(), rows.steps[first:last].tolist()
        )
        vector = _vector(self._ctx.ready_min, steps)
        if vector != self.vector:
            message = f"the kernel's route {self.vector} has steps that total {vector}"
            raise AssertionError(message)
        return steps

    @property
    def parent(self) -> Label | None:  # type: ignore[override]  # read-only: the replayed chain's
        """The label before the last link (replayed on first use)."""
        return self._replayed().parent

    @property
    def step(self) -> Step | None:  # type: ignore[override]  # read-only: the replayed chain's
        """The last link's step (replayed on first use)."""
        return self._replayed().step

    def _replayed(self) -> Label:
        if self._chain is None:
            chain = replay(self._ctx, self._links, self._replays)
            if chain.vector != self.vector:
                message = f"the kernel's route {self.vector} replays to {chain.vector}"
                raise AssertionError(message)
            self._chain = chain
        return self._chain


ReplayTrie = dict[int, tuple[Label, "ReplayTrie"]]
"""Labels replayed for one query, by link from the origin: the routes of a front share their first links, so each
shared prefix is replayed once (the same links from the origin give the same labels: the model is deterministic)."""


def replay(ctx: QueryContext, links: Sequence[int], replays: ReplayTrie | None = None) -> Label:
    """The label chain of the route taking ``links`` from the origin (the search's arithmetic, step by step).

    The compiled kernel returns routes as link lists; replaying them through :meth:`QueryContext.step` gives the
    same labels and steps the Python search would have built (the model is deterministic). ``replays`` (shared by
    the routes of one query) keeps the labels replayed so far, so a prefix already replayed is not stepped again.
    """
    compiled = ctx.compiled
    uturn = u_turn_blocks(compiled)
    via_nodes = ctx.via
    label = Label((ctx.ready_min, 0, 0, 0), ctx.origin, -1, ctx.starts_loose, 0, None, -1, None)
    trie: ReplayTrie = {} if replays is None else replays
    for link in links:
        known = trie.get(link)
        if known is not None:
            label, trie = known
            continue
        came_from = -1 if label.parent is None else label.parent.node
        arrive, cost, transfers, co2e = label.vector
        outcome = ctx.step(label.node, arrive, label.service, label.loose, link, came_from)
        if outcome is None:
            message = f"the kernel returned a route the model does not allow at link {link}"
            raise AssertionError(message)
        to = compiled.link_to[link]
        via = label.via + 1 if label.via < len(via_nodes) and to == via_nodes[label.via] else label.via
        vector: Vector = (
            outcome.arrive,
            cost
            + outcome.freight_cents
            + outcome.handling_cents
            + outcome.deconsolidation_cents
            + outcome.border_cents,
            transfers + outcome.transfer,
            co2e + outcome.co2e_g,
        )
        child = Label(vector, to, compiled.link_service[link], outcome.loose_after, via, label, link, outcome)
        child.block = uturn[link]
        label = child
        branch: ReplayTrie = {}
        trie[link] = (child, branch)
        trie = branch
    return label


def kernel_steps(
    ctx: QueryContext, links: Sequence[int], arrivals: Sequence[int], rows: Sequence[Sequence[int]]
) -> list[Step]:
    """The steps of the route taking ``links``, from the kernel's arrival and step row after each hop: the fields
    :meth:`QueryContext.step` computes, read or derived the way it derives them (the waiting time from the arrival
    before the hop, the CO2e from the shipment's tonnes, the surcharges from the query's pricing)."""
    c = ctx.compiled
    exit_min, entry_min = c.link_border_exit_min, c.link_border_entry_min
    grams, grams_ttw, tonnes = c.link_g_per_tonne, c.link_g_per_tonne_ttw, ctx.tonnes
    link_surcharges = ctx.pricing.link_surcharge_cents
    before = ctx.ready_min
    steps: list[Step] = []
    for link, arrive, row in zip(links, arrivals, rows, strict=True):
        depart, handling_min, decons_min, handling_cents, decons_cents, surcharge, border, freight, hub_g, flags = row
        transfer, lift, loose_after = _FLAGS[flags]
        ready = before + handling_min + decons_min + exit_min[link]
        steps.append(
            _new_step(
                Step,
                (
                    depart,
                    arrive,
                    depart - ready,
                    transfer,
                    lift,
                    handling_min,
                    handling_cents,
                    decons_min,
                    decons_cents,
                    exit_min[link],
                    entry_min[link],
                    border,
                    freight + surcharge,
                    round(grams[link] * tonnes) + hub_g,
                    loose_after,
                    link,
                    round(grams_ttw[link] * tonnes),
                    hub_g,
                    surcharge + link_surcharges[link],
                ),
            )
        )
        before = arrive
    return steps


def _vector(ready_min: int, steps: Sequence[Step]) -> Vector:
    """The criteria vector of a route's steps (as the search adds them up)."""
    cost = transfers = co2e = 0
    for step in steps:
        cost += step.freight_cents + step.handling_cents + step.deconsolidation_cents + step.border_cents
        transfers += step.transfer
        co2e += step.co2e_g
    return (steps[-1].arrive if steps else ready_min, cost, transfers, co2e)


def chain_steps(end: Label) -> list[Step]:
    """The steps along the parents of the search label ``end``, from the origin."""
    steps: list[Step] = []
    label = end
    while label.parent is not None:
        assert label.step is not None
        steps.append(label.step)
        label = label.parent
    steps.reverse()
    return steps
