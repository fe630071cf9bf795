"""A small memo keyed by the identity of cached objects (view-cache entries), for per-query derived arrays.

Bounds and tables live in the snapshot's view cache; a few cheap-but-not-free derivations of them (a reachability
stand-in, float64 copies for the compiled kernel) would otherwise be rebuilt on every query. Keys are ``id()``s, and
each entry keeps its source objects alive, so an identity cannot be reused while the entry lives; the memo is
cleared when it reaches ``limit`` entries (sources evicted from the view cache then drop out too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class IdentityMemo(Generic[T]):
    """``memo.get(sources, build)``: ``build()`` once per tuple of source objects (compared by identity)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: dict[tuple[int, ...], tuple[tuple[object, ...], T]] = {}

    def get(self, sources: Sequence[object], build: Callable[[], T]) -> T:
        """The value derived from ``sources`` (the very same objects), built on first use."""
        key = tuple(id(source) for source in sources)
        hit = self._entries.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], sources, strict=True)):
            if len(self._entries) >= self._limit:
                self._entries.clear()
            hit = (tuple(sources), build())
            self._entries[key] = hit
        return hit[1]
