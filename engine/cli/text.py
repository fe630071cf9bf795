"""Plain-text building blocks every command prints with: aligned tables and times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from engine.routing import Route


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of an aligned table, indented two spaces; columns whose cells all look numeric align right."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    numeric = [all(_is_numberish(r[i]) for r in rows) and rows != [] for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return (
            "  "
            + "  ".join(
                c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )

    return [fmt(header), "  " + "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)]


def _is_numberish(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text in ("—",)) and not text[:2].isalpha()


def format_time(moment: datetime) -> str:
    """A time as ``YYYY-MM-DD HH:MMZ`` (UTC), as every command prints it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def band_text(route: Route) -> str:
    """The arrival band after the arrival, e.g. ``" (P10 01-01 / P90 01-09, 84% on time)"``; empty without one."""
    if route.arrival_p10 is None or route.arrival_p90 is None:
        return ""
    low, high = route.arrival_p10.astimezone(UTC), route.arrival_p90.astimezone(UTC)
    on_time = "" if route.on_time_probability is None else f", {route.on_time_probability:.0%} on time"
    return f" (P10 {low:%m-%d} / P90 {high:%m-%d}{on_time})"
