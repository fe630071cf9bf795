"""Routes from the compiled kernel as search labels: the vector at once, the chain of steps replayed on demand.

The kernel (:mod:`engine.routing.kernel`) returns each route as its end state and its links. Callers read every
route's vector (to choose what to show) but rebuild only a few routes, so :class:`FoundLabel` replays its chain
through the model (:func:`replay`, i.e. :meth:`QueryContext.step` link by link) when ``parent`` or ``step`` is
first read. The model is deterministic, so the replayed labels are the ones the Python search would have built.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.routing.costing import QueryContext, Step
from engine.routing.labels import Label, Vector
from engine.routing.u_turns import u_turn_blocks


class FoundLabel(Label):
    """A route the compiled kernel found: its vector and end state at once, its parents and steps on first use.

    Callers read every route's ``vector`` but rebuild only a few routes (the ones shown, or all of them for arrival
    bands): the chain is replayed through the model (:func:`replay`) when ``parent`` or ``step`` is first read.
    """

    __slots__ = ("_chain", "_ctx", "_links", "_replays")

    def __init__(
        self, ctx: QueryContext, end: tuple[int, ...], links: tuple[int, ...], replays: ReplayTrie | None = None
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
