"""What a scenario changes, in words: the base snapshot and the edited one compared record by record.

The comparison works on the snapshots, not on the edits, so it says what really changed whatever op did it (a
``scale`` over a country pair, a ``close_country``, a ``set_node``), including nodes a closure left without links.
Lines are in a fixed order (nodes, links, services; added, removed, changed; ids sorted), so the text is stable.

>>> from engine.network.scenario_diff import column_words
>>> column_words("border_entry_h")
'border dwell entry (h)'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.network.model import Link, Network, Node, Service
from engine.network.rules import LINK_ATTRIBUTES, NODE_ATTRIBUTES, SERVICE_ATTRIBUTES, record_values

_WORDS = {
    "border_exit_h": "border dwell exit (h)",
    "border_entry_h": "border dwell entry (h)",
    "border_exit_usd_per_teu": "border cost exit (USD/TEU)",
    "border_entry_usd_per_teu": "border cost entry (USD/TEU)",
    "handling_h": "handling (h)",
    "handling_usd_per_teu": "handling (USD/TEU)",
    "capacity_teu_per_week": "capacity (TEU/week)",
    "capacity_teu_per_departure": "capacity (TEU/departure)",
    "capacity_kg_per_departure": "capacity (kg/departure)",
    "headway_h": "headway (h)",
    "usd_per_teu": "tariff (USD/TEU)",
    "usd_per_kg": "tariff (USD/kg)",
    "usd_per_truck": "tariff (USD/truck)",
    "run_h": "running time (h)",
    "distance_km": "distance (km)",
}
_LIST_AT_MOST = 8  # ids listed per line; more are counted


def column_words(column: str) -> str:
    """A table column as a planner reads it (``border_entry_h`` → ``border dwell entry (h)``)."""
    return _WORDS.get(column, column.replace("_", " "))


@dataclass(frozen=True)
class ScenarioDiff:
    """The changes between a base snapshot and an edited one, as sentences (one per line of output)."""

    base_label: str
    edited_label: str
    lines: tuple[str, ...]


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, frozenset | tuple):
        return "|".join(sorted(str(getattr(v, "value", v)) for v in value)) or "—"
    if value is None:
        return "—"
    return str(getattr(value, "value", value))


def _change_words(old: Any, new: Any) -> str:
    text = f"{_value(old)} → {_value(new)}"
    if isinstance(old, int | float) and isinstance(new, int | float) and old and not isinstance(old, bool):
        text += f" (×{new / old:.3g})"
    return text


def _ids(ids: list[str]) -> str:
    shown = ", ".join(ids[:_LIST_AT_MOST])
    return shown + (f" and {len(ids) - _LIST_AT_MOST} more" if len(ids) > _LIST_AT_MOST else "")


def _changed(
    what: str, old: Mapping[str, Any], new: Mapping[str, Any], attributes: Mapping[str, str], where: str
) -> list[str]:
    lines = []
    for record_id in sorted(set(old) & set(new)):
        before = record_values(old[record_id], attributes)
        after = record_values(new[record_id], attributes)
        for column in attributes:
            if before[column] != after[column]:
                lines.append(
                    f"{what} {record_id}{where_of(old[record_id], where)}: {column_words(column)} "
                    f"{_change_words(before[column], after[column])}"
                )
    return lines


def where_of(record: Node | Link | Service, where: str) -> str:
    """`` (GE)`` for a node when ``where`` asks for its country; empty otherwise."""
    return f" ({record.country})" if where == "country" and isinstance(record, Node) else ""


def _link_countries(link: Link, base: Network) -> str:
    ends = sorted({base.nodes[link.from_id].country, base.nodes[link.to_id].country})
    return "–".join(ends)


def diff_networks(base: Network, edited: Network) -> ScenarioDiff:
    """Describe every difference between ``base`` and ``edited`` (normally a scenario applied to ``base``).

    Returns
    -------
    ScenarioDiff
        One sentence per added or removed group of records and per changed value, e.g. ``node GARDABANI (GE):
        border dwell entry (h) 20.3 → 10.15 (×0.5)`` or ``removes 12 links touching RU: …``. No line at all
        when the two snapshots hold the same records.
    """
    lines: list[str] = []
    for node_id in sorted(set(edited.nodes) - set(base.nodes)):
        node = edited.nodes[node_id]
        kinds = "|".join(sorted(k.value for k in node.kinds))
        lines.append(f"adds node {node_id} ({node.name}, {node.country}, {kinds})")
    removed_nodes = sorted(set(base.nodes) - set(edited.nodes))
    if removed_nodes:
        lines.append(f"removes {len(removed_nodes)} node(s) no link reaches any more: {_ids(removed_nodes)}")
    lines += _changed("node", base.nodes, edited.nodes, NODE_ATTRIBUTES, "country")
    for link_id in sorted(set(edited.links) - set(base.links)):
        link = edited.links[link_id]
        lines.append(
            f"adds link {link_id}: {link.from_id} → {link.to_id}, {link.mode.value} on {link.service_id}, "
            f"{link.distance_km:,.0f} km, {link.run_h:g} h"
        )
    removed = sorted(set(base.links) - set(edited.links))
    by_countries: dict[str, list[str]] = {}
    for link_id in removed:
        by_countries.setdefault(_link_countries(base.links[link_id], base), []).append(link_id)
    for countries, ids in sorted(by_countries.items()):
        modes = Counter(base.links[i].mode.value for i in ids)
        mode_text = ", ".join(f"{n} {m}" for m, n in sorted(modes.items()))
        lines.append(f"closes {len(ids)} link(s) within/between {countries} ({mode_text}): {_ids(ids)}")
    lines += _changed("link", base.links, edited.links, LINK_ATTRIBUTES, "")
    for service_id in sorted(set(edited.services) - set(base.services)):
        service = edited.services[service_id]
        lines.append(f"adds service {service_id} ({service.mode.value}, {service.kind.value})")
    for service_id in sorted(set(base.services) - set(edited.services)):
        lines.append(f"removes service {service_id}")
    lines += _changed("service", base.services, edited.services, SERVICE_ATTRIBUTES, "")
    return ScenarioDiff(base.label, edited.label, tuple(lines))


__all__ = ["ScenarioDiff", "column_words", "diff_networks", "where_of"]
