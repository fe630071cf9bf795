"""The cells a figure's part rests on, resolved (:mod:`engine.routing.provenance`), and those behind one query's
prices: the surcharge rows charged per link and node and the rate-series point that priced each dated service."""

from __future__ import annotations

from typing import NamedTuple

from engine.network.model import ESTIMATE
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import Step
from engine.routing.pricing import QueryPricing, surcharge_source_keys


class Cell(NamedTuple):
    """The cells one part is computed from, resolved: whether all cite a real source, and their real keys."""

    sourced: bool
    keys: tuple[str, ...]


def cell_of(*cells: tuple[str, ...]) -> Cell:
    """Combine the keys of ``cells`` (each the keys of one cell): sourced when every cell has a real key."""
    real = dict.fromkeys(k for keys in cells for k in keys if k != ESTIMATE)
    sourced = bool(cells) and all(any(k != ESTIMATE for k in keys) for keys in cells)
    return Cell(sourced, tuple(real))


def both_cells(first: Cell, second: Cell) -> Cell:
    """A part computed from two resolved cells: sourced when both are; ``first``'s keys first."""
    return Cell(first.sourced and second.sourced, tuple(dict.fromkeys((*first.keys, *second.keys))))


UNATTRIBUTED = Cell(False, ())
"""Surcharge cents no surcharge row accounts for (should not happen): counted as an estimate, never as sourced."""


class PricedCells:
    """The cells behind one query's prices: the surcharge rows charged per link and node, and the rate-series
    point that priced each dated service."""

    def __init__(self, compiled: CompiledNetwork, pricing: QueryPricing | None) -> None:
        self.compiled = compiled
        self.pricing = pricing
        self._dated: dict[int, Cell | None] = {}

    def dated(self, link: int) -> Cell | None:
        """The cell of the rate-series point pricing ``link``'s service (``None``: no series, or a through
        product's link, whose price is the through tariff's)."""
        c = self.compiled
        if self.pricing is None or (c.link_through and c.link_through[link] >= 0):
            return None
        service = c.link_service[link]
        if service not in self._dated:
            price = self.pricing.prices.get(c.service_ids[service]) if service >= 0 else None
            self._dated[service] = None if price is None else cell_of(price.source_keys)
        return self._dated[service]

    def surcharges(self, step: Step) -> list[tuple[int, Cell]]:
        """``step.surcharge_cents`` split by surcharge row: the link's rows, then the transfer's before it."""
        if not step.surcharge_cents:
            return []
        if self.pricing is None:
            return [(step.surcharge_cents, UNATTRIBUTED)]
        parts = [(cents, cell_of(surcharge_source_keys(s))) for s, cents in self.pricing.link_surcharges[step.link]]
        rest = step.surcharge_cents - sum(cents for cents, _ in parts)
        at_node = self.pricing.transfer_surcharges[self.compiled.link_from[step.link]]
        if rest and rest == sum(cents for _, cents in at_node):
            parts += [(cents, cell_of(surcharge_source_keys(s))) for s, cents in at_node]
        elif rest:
            parts.append((rest, UNATTRIBUTED))
        return parts
