"""A small memo keyed by the identity of cached objects (view-cache entries), for per-query derived arrays.

Bounds and tables live in the snapshot's view cache; a few cheap-but-not-free derivations of them (a reachability
stand-in, float64 copies for the compiled kernel) would otherwise be rebuilt on every query. Keys are ``id()``s, and
each entry keeps its source objects alive, so an identity cannot be reused while the entry lives; the memo is
cleared when it reaches ``limit`` entries (sources evicted from the view cache then drop out too).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from operator import is_
from typing import Generic, TypeVar

T = TypeVar("T")

SMALL_NETWORK_LINKS = 5_000
"""Networks up to this many links (the shipped network has ~800) keep derivations of recent queries in memos of a
few hundred entries (tens of KB each); larger networks rebuild them per query, where they cost little beside the
search and where memory is what binds (an entry would keep megabytes alive at 100k nodes)."""


class IdentityMemo(Generic[T]):
    """``memo.get(sources, build)``: ``build()`` once per tuple of source objects (compared by identity)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: dict[tuple[Hashable, ...], tuple[tuple[object, ...], T]] = {}

    def get(self, sources: Sequence[object], build: Callable[[], T], values: tuple[Hashable, ...] = ()) -> T:
        """The value derived from ``sources`` (the very same objects) and ``values`` (compared by equality: the
        scalars it also depends on), built on first use."""
        key = (*map(id, sources), *values)  # map, not generators: this runs a few times per query
        hit = self._entries.get(key)
        if hit is None or len(hit[0]) != len(sources) or not all(map(is_, hit[0], sources)):
            if len(self._entries) >= self._limit:
                self._entries.clear()
            hit = (tuple(sources), build())
            self._entries[key] = hit
        return hit[1]
