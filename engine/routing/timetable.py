"""Departure times of scheduled services, in whole minutes since the Unix epoch (UTC).

Waiting is FIFO: cargo ready at ``t`` takes the first departure at or after ``t``; a later departure never arrives
earlier on the same hop. Weekly timetables repeat every week (crossing week boundaries); a headway divides the
week (validated at load), so it too repeats weekly from its anchor.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from engine.network.model import MINUTES_PER_WEEK, Service, ServiceKind

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONDAY_OFFSET_MIN = 4 * 1440
"""1970-01-01 was a Thursday: the first Monday 00:00 UTC is 4 days later."""


def to_minutes(moment: datetime) -> int:
    """A timezone-aware time as whole minutes since the epoch, rounded up (cargo is never ready early).

    Examples
    --------
    >>> to_minutes(datetime(1970, 1, 1, 0, 1, 30, tzinfo=UTC))
    2
    """
    seconds = (moment - EPOCH).total_seconds()
    return math.ceil(seconds / 60 - 1e-9)


@lru_cache(maxsize=1 << 16)
def from_minutes(minutes: int) -> datetime:
    """Whole minutes since the epoch as a UTC datetime (kept for the last 65,536 minutes asked: a route's answer
    converts two per hop, and datetimes are immutable).

    Examples
    --------
    >>> from_minutes(2).isoformat()
    '1970-01-01T00:02:00+00:00'
    """
    return EPOCH + timedelta(minutes=minutes)


class Departures:
    """The departure function of one service: ``next(t)`` is the first departure at or after minute ``t``."""

    __slots__ = ("_anchor", "_headway", "_kind", "_weekly")

    def __init__(self, service: Service) -> None:
        self._kind = service.kind
        self._weekly = service.weekly_departures_min
        self._headway = 0 if service.headway_h is None else max(1, round(service.headway_h * 60))
        self._anchor = MONDAY_OFFSET_MIN + service.headway_anchor_min

    def next(self, t: int) -> int:
        """First departure at or after minute ``t`` (``t`` itself for continuous services)."""
        if self._kind is ServiceKind.CONTINUOUS:
            return t
        if self._kind is ServiceKind.HEADWAY:
            steps = -((self._anchor - t) // self._headway)  # ceil((t - anchor) / headway)
            return self._anchor + steps * self._headway
        week_start = t - (t - MONDAY_OFFSET_MIN) % MINUTES_PER_WEEK
        offset = t - week_start
        i = bisect_left(self._weekly, offset)
        if i < len(self._weekly):
            return week_start + self._weekly[i]
        return week_start + MINUTES_PER_WEEK + self._weekly[0]

    def next_array(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """:meth:`next` of every element of ``t`` (minutes), vectorised for the reliability model's samples."""
        if self._kind is ServiceKind.CONTINUOUS:
            return t.copy()
        if self._kind is ServiceKind.HEADWAY:
            return self._anchor + (-((self._anchor - t) // self._headway)) * self._headway
        week_start = t - (t - MONDAY_OFFSET_MIN) % MINUTES_PER_WEEK
        weekly = np.asarray((*self._weekly, MINUTES_PER_WEEK + self._weekly[0]), dtype=np.int64)
        return week_start + weekly[np.searchsorted(weekly, t - week_start, side="left")]

    def within(self, start: int, end: int) -> list[int]:
        """Every departure in ``[start, end]`` (for time-expanded planning)."""
        result = []
        t = self.next(start)
        while t <= end:
            result.append(t)
            if self._kind is ServiceKind.CONTINUOUS:
                break
            t = self.next(t + 1)
        return result
