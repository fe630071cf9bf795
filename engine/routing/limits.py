"""A query's limits in the search's units (whole minutes, cents, grams)."""

from __future__ import annotations

from engine.routing.costing import QueryContext
from engine.routing.timetable import to_minutes


def deadline_min(ctx: QueryContext) -> int:
    """The latest arrival ``arrive_by`` admits, in whole minutes since the epoch."""
    arrive_by = ctx.query.constraints.arrive_by
    assert arrive_by is not None
    # A deadline at 12:00:30 admits an arrival at 12:00 (arrivals are whole minutes).
    return to_minutes(arrive_by) if arrive_by.second == 0 and arrive_by.microsecond == 0 else to_minutes(arrive_by) - 1
