"""Fields of an answer computed on first read: a route's provenance is built only when something reads it.

Building the provenance of a route (the source keys and sourced shares of ~50 figures) cost about as much as the
search of a CHEAPEST query (issue 13), and most in-process callers never read it. A :class:`Deferred` is a data
descriptor used as the default of a frozen dataclass field: the field holds its value, or a :class:`Pending` share
of one computation that the first read of any of its fields runs — once, under a lock — and that read replaces by
the value. So every way of looking at the instance sees the same value an eager build gives: attribute reads,
equality, hashing, ``repr``, ``dataclasses.replace`` and ``asdict``, ``copy`` and pickling (the owner's
``__getstate__`` is :func:`resolved_state`, so a pickled route carries values, never the network behind them).
``dataclasses.fields`` and the ``__init__`` signature are those of a plain field.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar, overload

T = TypeVar("T")

_PREFIX = "_deferred_"


class Shared:
    """One computation several deferred fields take their values from (a route's provenance and its legs')."""

    __slots__ = ("_compute", "_lock", "_values")

    def __init__(self, compute: Callable[[], tuple[object, ...]]) -> None:
        self._compute: Callable[[], tuple[object, ...]] | None = compute
        self._lock = threading.Lock()
        self._values: tuple[object, ...] = ()

    def values(self) -> tuple[object, ...]:
        """The computation's values, computed by the first caller (others wait for it)."""
        if self._compute is not None:
            with self._lock:
                compute = self._compute
                if compute is not None:
                    self._values = compute()
                    self._compute = None  # let go of what it read (the network, the steps)
        return self._values


class Pending(NamedTuple):
    """What a deferred field holds until it is read: value ``position`` of ``shared``."""

    shared: Shared
    position: int


class Deferred(Generic[T]):
    """The descriptor of a deferred dataclass field (its default is ``None``; see the module docstring)."""

    __slots__ = ("_slot",)

    def __init__(self) -> None:
        self._slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = _PREFIX + name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> None: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | None:
        if instance is None:
            return None  # the field's default, as dataclasses reads it from the class
        value = instance.__dict__[self._slot]
        if type(value) is Pending:
            value = value.shared.values()[value.position]
            instance.__dict__[self._slot] = value  # racing readers store equal values
        return value  # type: ignore[no-any-return]

    def __set__(self, instance: object, value: T) -> None:
        instance.__dict__[self._slot] = value


def frozen_instance(cls: type[T], values: tuple[object, ...]) -> T:
    """An instance of the frozen dataclass ``cls`` holding ``values`` (every field, in declaration order), as
    ``cls(*values)`` makes it, without running its ``__init__``.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``: ~4 µs for a leg's 19 fields,
    ~10 % of a CHEAPEST answer on the shipped network. Here the values go into the instance's ``__dict__`` in one
    update, a :class:`Deferred` field's under its descriptor's key. Only for classes without ``__post_init__``,
    slots or field converters (:data:`_storage_keys` checks the first two).

    Measured and not kept (a leg's 19 fields): a zip without ``strict`` 0.87 µs against 1.08 (the check stays: a
    wrong count of values would leave fields unset), ``__dict__`` replaced by a new dict 1.14 µs.
    """
    keys = _storage_keys.get(cls)
    if keys is None:
        keys = _storage_keys.setdefault(cls, _keys_of(cls))
    instance = object.__new__(cls)
    instance.__dict__.update(zip(keys, values, strict=True))
    return instance


_storage_keys: dict[type, tuple[str, ...]] = {}


def _keys_of(cls: type) -> tuple[str, ...]:
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        msg = f"{cls.__name__} has __post_init__ or slots: build it with its __init__"
        raise TypeError(msg)
    return tuple(
        _PREFIX + field.name if isinstance(cls.__dict__.get(field.name), Deferred) else field.name
        for field in dataclasses.fields(cls)
    )


def defer(instance: object, name: str, pending: Pending) -> None:
    """Make field ``name`` of ``instance`` (a :class:`Deferred` field, just set by ``__init__``) pending."""
    instance.__dict__[_PREFIX + name] = pending


def resolved_state(instance: object) -> dict[str, Any]:
    """``instance.__dict__`` with every pending field computed: the state to pickle or copy."""
    state = dict(instance.__dict__)
    for key, value in state.items():
        if type(value) is Pending:
            state[key] = getattr(instance, key.removeprefix(_PREFIX))
    return state
