"""Per-link and per-node numbers as Python code reads them, one index at a time, from the arrays they are computed in.

A query's prices and link filter are computed with numpy over the whole network at once (milliseconds at 100k
nodes, where per-link Python loops took a second). Python code reads them one index at a time and wants Python
numbers (:meth:`QueryContext.step <engine.routing.costing.QueryContext.step>`, the Python search, the optimizer):
a list answers an index in ~15 ns and ``ndarray.item`` in ~75 ns, but turning an array into a list costs ~40 ns an
element — 15 ms per array of a 100k-node network's 346k links, paid for a few dozen reads there, since its search
runs in the compiled kernel and Python only replays the routes found. So a small array becomes a list and a large
one a :class:`ArrayColumn`, which converts the element read.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

LIST_UP_TO = 65_536
"""Arrays up to this length become lists (the shipped network and the 10k-node synthetic one: their Python search
and the optimizer read every link many times); longer ones an :class:`ArrayColumn`."""

T_co = TypeVar("T_co", covariant=True)


class Column(Protocol[T_co]):
    """Read-only values by index (a list, a tuple, an :class:`ArrayColumn` or a boolean array)."""

    def __getitem__(self, index: int, /) -> T_co: ...

    def __len__(self) -> int: ...


class ArrayColumn:
    """An array read one element at a time as a Python number; ``missing`` (an integer sentinel) reads as
    ``None``."""

    __slots__ = ("_item", "_missing", "_values")

    def __init__(self, values: npt.NDArray[Any], missing: int | None = None) -> None:
        self._values = values
        self._item = values.item
        self._missing = missing

    def __getitem__(self, index: int, /) -> Any:
        value = self._item(index)
        return None if value == self._missing else value

    def __len__(self) -> int:
        return len(self._values)


def column(values: npt.NDArray[Any], missing: int | None = None) -> Column[Any]:
    """``values`` as Python code reads them: a list (up to :data:`LIST_UP_TO` elements) or an :class:`ArrayColumn`;
    elements equal to ``missing`` read as ``None``."""
    if len(values) > LIST_UP_TO:
        return ArrayColumn(values, missing)
    listed: list[Any] = values.tolist()
    if missing is not None:
        for index in np.flatnonzero(values == missing).tolist():
            listed[index] = None
    return listed


def flags(values: npt.NDArray[np.bool_]) -> Column[bool]:
    """A boolean array as Python code reads it: a list when small, else the array itself (its elements are
    ``numpy.bool_``, which Python tests as booleans)."""
    if len(values) > LIST_UP_TO:
        return values
    listed: list[bool] = values.tolist()
    return listed


__all__ = ["LIST_UP_TO", "ArrayColumn", "Column", "column", "flags"]
