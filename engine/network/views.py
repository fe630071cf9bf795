"""Views derived from one network snapshot, kept with the snapshot: one cache, bounded by bytes, empty when pickled.

A :class:`~engine.network.Network` is immutable, so anything computed from it alone (or from it and a few
recurring query parameters) can be kept as long as the snapshot lives: the networkx graph and the name index, the
compiled solver arrays of routing, the link rules per filter, the lower bounds per destination, the optimizer's
transfer graphs. All of them live in the snapshot's :attr:`~engine.network.Network.views`, one
:class:`ViewCache`, under a key whose first element names the view (``("routing.bounds", destination, …)``).

Why on the snapshot: a view dies with its snapshot (scenario copies are transient in a terminal selection or a
study), a copy made by ``dataclasses.replace`` starts empty, and nothing global has to be kept in step.

Why bytes, not entries: views differ in size by four orders of magnitude (a tuple of usable nodes is a few hundred
bytes, the compiled arrays or a transfer graph a few MB), so a count says nothing about memory. Each view's size
is estimated once, when it is stored, by :func:`estimate_nbytes` (``nbytes`` of arrays plus ``sys.getsizeof`` of
every object reachable from it, not counting the snapshot's own records); when the total passes ``max_bytes``
(default :data:`VIEW_CACHE_BYTES`; a snapshot's cache grows it to the size of its pinned compiled arrays, see
``pinned_share``) the least recently used views go first. An evicted view is rebuilt on next use,
with the same content: a view never changes an answer.

Why empty when pickled: worker processes (and, later, Dask workers) receive the snapshot and rebuild views on
demand, which is faster than shipping them and keeps a pickled snapshot small; the cache's bound goes along.

What is not here: state of one query (its link filter after the shipment-size rules, exact bounds of a query that
mixes containers and loose cargo, loose-cargo freight) lives on that query's context and dies with it.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable
from types import FunctionType, MethodType, ModuleType
from typing import Any, Generic, TypeVar

VIEW_CACHE_BYTES = 256 * 2**20
"""Default bound of one snapshot's views (bytes, estimated). The shipped network's compiled arrays take about
1 MB and its bounds about 0.2 MB per destination and filter, so this holds every destination under a few hundred
filters; a scenario copy has its own bound and usually holds a few MB."""

T = TypeVar("T")

_ATOMS = (int, float, complex, bool, str, bytes, type(None))
_OPAQUE = (type, FunctionType, MethodType, ModuleType, threading.Thread)


def estimate_nbytes(value: object, *, shared: tuple[type, ...] = (), seen: Iterable[int] = ()) -> int:
    """Bytes held by ``value``: ``nbytes`` of arrays plus ``sys.getsizeof`` of every object reachable from it.

    Objects of the ``shared`` types (the snapshot and its records, which the snapshot holds anyway) and objects
    whose id is in ``seen`` (other views) are not counted; each object counts once. Classes, functions and
    modules are not followed. A container of more than ``SAMPLE_OVER`` items whose ``SAMPLE_OVER`` items spread
    over it are numbers or all of one type (a view is mostly arrays of like records) is measured on that sample
    (``SAMPLE`` of them for records), scaled to its length, so estimating costs far less than building. An
    estimate: allocator overhead and interning are ignored.
    """
    return _size(value, set(seen), (*shared, *_OPAQUE))


SAMPLE_OVER = 64
SAMPLE = 8
_NUMBERS = frozenset({int, float, bool, type(None)})


def _size(root: object, counted: set[int], not_followed: tuple[type, ...]) -> int:
    total = 0
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        key = id(obj)
        if key in counted:
            continue
        counted.add(key)
        if isinstance(obj, _ATOMS):
            total += sys.getsizeof(obj)
        elif isinstance(obj, not_followed):
            continue
        elif isinstance(getattr(obj, "nbytes", None), int) and hasattr(obj, "dtype"):  # a numpy array
            total += sys.getsizeof(obj, 0) if obj.base is None else obj.nbytes + 112
        elif isinstance(obj, list | tuple | set | frozenset):
            total += sys.getsizeof(obj) + _items(obj, counted, not_followed, stack)
        elif isinstance(obj, dict):
            total += sys.getsizeof(obj)
            total += _items(obj.keys(), counted, not_followed, stack)
            total += _items(obj.values(), counted, not_followed, stack)
        else:
            total += sys.getsizeof(obj, 64)
            attributes = getattr(obj, "__dict__", None)
            if attributes is not None:
                stack.append(attributes)
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(obj, slot):
                        stack.append(getattr(obj, slot))
    return total


def _items(items: Collection[Any], counted: set[int], not_followed: tuple[type, ...], stack: list[Any]) -> int:
    """Bytes of a container's items measured now (flat numbers, large uniform containers); others go on
    ``stack``."""
    n = len(items)
    if not n:
        return 0
    if n > SAMPLE_OVER:
        # Large containers: the kinds, too, come from a sample (a pass over every item of the per-link lists of a
        # 100k-node pricing took a quarter of a second per stored view).
        sequence = items if isinstance(items, list | tuple) else list(items)
        sample = sequence[:: n // SAMPLE_OVER][:SAMPLE_OVER]
        kinds = set(map(type, sample))
        if kinds <= _NUMBERS:
            return sum(map(sys.getsizeof, sample)) * n // len(sample)
        if len(kinds) == 1:
            sample = sample[:: SAMPLE_OVER // SAMPLE][:SAMPLE]
            return sum(_size(item, counted, not_followed) for item in sample) * n // len(sample)
    elif set(map(type, items)) <= _NUMBERS:
        return sum(map(sys.getsizeof, items))
    stack.extend(items)
    return 0


class LazyRows(Generic[T]):
    """Per-index rows of a snapshot view, each built on first use and then kept (``rows[i]``, ``len(rows)``).

    For views a route reads a few rows of (per-link facts, provenance cells, dwell spreads): resolving every link
    up front cost more than the search itself at 100k nodes (seconds per view). Building a row twice from two
    threads is harmless (rows are deterministic).
    """

    __slots__ = ("_build", "_rows")

    def __init__(self, count: int, build: Callable[[int], T]) -> None:
        self._rows: list[T | None] = [None] * count
        self._build = build

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> T:
        row = self._rows[index]
        if row is None:
            row = self._rows[index] = self._build(index)
        return row


class ViewCache:
    """The views of one snapshot (see the module docstring): ``get(key, build)`` returns the stored view or stores
    what ``build()`` returns.

    Thread-safe for concurrent readers: a hit takes no lock; storing and evicting do. Two threads missing the
    same key may both build it (views are deterministic, so either result is right).
    """

    __slots__ = ("_entries", "_lock", "_pinned", "_pinned_nbytes", "_shared", "max_bytes", "nbytes", "pinned_share")

    def __init__(
        self, max_bytes: int = VIEW_CACHE_BYTES, *, shared: tuple[type, ...] = (), pinned_share: float = 0.0
    ) -> None:
        self.max_bytes = max_bytes
        self.pinned_share = pinned_share
        """The bound grows to ``pinned_share`` × the pinned bytes when that is more than ``max_bytes``: the views of
        a query grow with the network as its compiled arrays do. At 100k nodes one shipment size's pricing, bound
        graph and bounds take ~70 MB beside 590 MB of compiled arrays, so a fixed 256 MiB held two sizes of three
        and rebuilt each in turn (seconds apiece)."""
        self.nbytes = 0
        self._shared = shared
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._pinned: dict[Hashable, tuple[object, int]] = {}
        self._pinned_nbytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T], *, pin: bool = False) -> T:
        """The view stored under ``key``, built and stored first if absent (or evicted).

        ``pin``: keep the view for the snapshot's life, whatever the bound (counted in ``nbytes``, never evicted,
        and not crowding out the other views). For views every query needs and that cost a pass over the whole
        network to build (the compiled arrays): at 100k nodes they alone exceed the default bound, and were then
        rebuilt by every query (20 s and more apiece).
        """
        pinned = self._pinned.get(key)
        if pinned is not None:
            return pinned[0]  # type: ignore[return-value]
        entry = self._entries.get(key)
        if entry is not None:
            try:  # noqa: SIM105 - contextlib.suppress costs more than the lookup on this hot path
                self._entries.move_to_end(key)
            except KeyError:  # evicted by another thread since: still a valid view
                pass
            return entry[0]  # type: ignore[return-value]
        value = build()
        with self._lock:
            others = (id(view) for view, _ in (*self._pinned.values(), *self._entries.values()))
            size = estimate_nbytes(value, shared=self._shared, seen=others)
            if pin:
                if key not in self._pinned:
                    self._pinned[key] = (value, size)
                    self._pinned_nbytes += size
                    self.nbytes += size
                return self._pinned[key][0]  # type: ignore[return-value]
            bound = self.bound
            if key in self._entries or size > bound:
                return value  # another thread stored it meanwhile, or it alone exceeds the bound
            while self._entries and self.nbytes - self._pinned_nbytes + size > bound:
                _, (_, freed) = self._entries.popitem(last=False)
                self.nbytes -= freed
            self._entries[key] = (value, size)
            self.nbytes += size
        return value

    def clear(self) -> None:
        """Drop every view (they are rebuilt on demand)."""
        with self._lock:
            self._entries.clear()
            self._pinned.clear()
            self.nbytes = self._pinned_nbytes = 0

    @property
    def bound(self) -> int:
        """Bytes the unpinned views may take: ``max_bytes``, or ``pinned_share`` × the pinned bytes if more."""
        return max(self.max_bytes, int(self.pinned_share * self._pinned_nbytes))

    @property
    def pinned_nbytes(self) -> int:
        """Estimated bytes of the pinned views (part of ``nbytes``, outside the bound)."""
        return self._pinned_nbytes

    def sizes(self) -> dict[Hashable, int]:
        """Estimated bytes per stored key, least recently used first (for measuring and tests)."""
        pinned = {key: size for key, (_, size) in list(self._pinned.items())}
        return pinned | {key: size for key, (_, size) in list(self._entries.items())}

    def __len__(self) -> int:
        return len(self._pinned) + len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._pinned or key in self._entries

    def __repr__(self) -> str:
        return f"ViewCache({len(self._entries)} views, {self.nbytes:,} bytes, {self.bound:,} unpinned at most)"

    def __getstate__(self) -> dict[str, object]:
        # Views are rebuilt where the snapshot lands (a worker process, a Dask worker); only the bound travels.
        return {"max_bytes": self.max_bytes, "shared": self._shared, "pinned_share": self.pinned_share}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["max_bytes"], shared=state["shared"], pinned_share=state.get("pinned_share", 0.0)
        )
