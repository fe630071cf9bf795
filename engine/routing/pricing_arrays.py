"""A query's prices per link and node as numpy arithmetic over the whole network (:mod:`engine.routing.pricing`).

The rules are those of :mod:`engine.routing.pricing` and :meth:`QueryContext._freight
<engine.routing.costing.QueryContext._freight>` (which stays the per-link definition: the tests compare every link
of these arrays with it); here they run over arrays, because a per-link Python loop over a 100k-node network's
346k links took ~0.5 s for each new shipment size.

Exactness: the model rounds each price with Python's ``round`` (half to even, on the exact double); ``numpy.rint``
rounds a double the same way, and every product here is formed in the model's order (``usd × units × 100`` is
``(usd × units) × 100``), with the same integers converted to the same doubles, so each cent is the model's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.network.model import CargoClass, FeeUnit, LoadUnit, Mode, Surcharge, SurchargeScope
from engine.routing.compiled import MODES, CompiledNetwork

NO_PRICE = -(1 << 62)
"""Sentinel of an integer price array: the model has no price here (``None``: e.g. a link that does not carry
containers)."""

LOOSE_KG_PER_TRUCK = 24_000.0
"""Payload of one truck carrying loose cargo (kg): a 13.6 m curtain-sider, a documented assumption."""

LOOSE_LOAD_UNITS = frozenset({LoadUnit.TRUCK, LoadUnit.AIRCRAFT})
"""Load units that carry loose cargo."""

FEE_UNITS = tuple(FeeUnit)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class TariffColumns:
    """What pricing and the link filter read per link and node that depends only on the network, as arrays
    (:func:`tariff_columns`: built once per compiled network). A tariff the link does not have is 0 with its
    ``has_`` flag false."""

    link_service: IntArray
    link_timetable: IntArray
    link_mode: IntArray  # index into MODES
    link_run_min: IntArray
    link_through: IntArray
    link_usd_per_teu: FloatArray
    link_usd_per_kg: FloatArray
    link_has_per_kg: BoolArray
    link_usd_per_truck: FloatArray
    link_has_per_truck: BoolArray
    link_teu_per_truck: FloatArray
    link_feu_factor: FloatArray
    # border fees of links crossing a border, in the order of CompiledNetwork.link_border_fees (exit, entry)
    border_first_usd: FloatArray
    border_first_unit: IntArray  # index into FEE_UNITS
    border_second_usd: FloatArray
    border_second_unit: IntArray
    node_handling_usd_per_teu: FloatArray
    node_handling_unit: IntArray
    products: tuple[IntArray, ...]
    """Per through product: its links in path order."""
    # the link filter (engine.routing.costing)
    link_from: IntArray
    link_to: IntArray
    link_loose_unit: BoolArray  # carries loose cargo (truck or aircraft)
    link_capacity_kg: FloatArray  # NaN: no limit
    link_capacity_teu: FloatArray
    link_max_gross_kg_per_teu: FloatArray
    refused: dict[CargoClass, BoolArray]
    """Per cargo class: the links refusing it."""


@dataclass(frozen=True, eq=False)
class PricingArrays:
    """One query pricing's prices per link and node (cents; ``multiplier``: the dated rate series' factor)."""

    multiplier: FloatArray
    link_surcharge_cents: IntArray
    transfer_surcharge_cents: IntArray  # per node
    lift_cents: IntArray  # per node: a lift of these boxes
    border_cents: IntArray  # per link: border fees of these boxes
    container_freight: IntArray  # per link, NO_PRICE: not carried in containers (all of it for loose cargo)


def tariff_columns(compiled: CompiledNetwork) -> TariffColumns:
    """The :class:`TariffColumns` of ``compiled`` (with or without through products: kept per link count, pinned
    like the compiled arrays they mirror)."""
    return compiled.network.views.get(
        ("routing.tariff_columns", len(compiled.link_ids)), lambda: _tariff_columns(compiled), pin=True
    )


def _floats(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _or_nan(values: tuple[float | None, ...]) -> FloatArray:
    return np.fromiter((np.nan if v is None else v for v in values), dtype=np.float64, count=len(values))


def _tariff_columns(c: CompiledNetwork) -> TariffColumns:
    n_links = len(c.link_ids)
    firsts = np.zeros(n_links)
    seconds = np.zeros(n_links)
    first_units = np.zeros(n_links, dtype=np.int64)
    second_units = np.zeros(n_links, dtype=np.int64)
    for link, fees in enumerate(c.link_border_fees):
        if fees:
            firsts[link], first_units[link] = fees[0][0], FEE_UNITS.index(fees[0][1])
            if len(fees) > 1:
                seconds[link], second_units[link] = fees[1][0], FEE_UNITS.index(fees[1][1])
    through = np.asarray(c.link_through, dtype=np.int64)
    on_products = np.flatnonzero(through >= 0)
    products = tuple(
        np.asarray(sorted(on_products[through[on_products] == p].tolist(), key=lambda i: c.link_through_pos[i]))
        for p in range(len(c.through_ids))
    )
    per_kg = _or_nan(c.link_usd_per_kg)
    per_truck = _or_nan(c.link_usd_per_truck)
    mode_index = {mode: i for i, mode in enumerate(MODES)}
    return TariffColumns(
        link_service=np.asarray(c.link_service, dtype=np.int64),
        link_timetable=np.asarray(c.link_timetable, dtype=np.int64),
        link_mode=np.fromiter((mode_index[m] for m in c.link_mode), dtype=np.int64, count=n_links),
        link_run_min=np.asarray(c.link_run_min, dtype=np.int64),
        link_through=through,
        link_usd_per_teu=_floats(c.link_usd_per_teu),
        link_usd_per_kg=np.nan_to_num(per_kg, nan=0.0),
        link_has_per_kg=~np.isnan(per_kg),
        link_usd_per_truck=np.nan_to_num(per_truck, nan=0.0),
        link_has_per_truck=~np.isnan(per_truck),
        link_teu_per_truck=_floats(c.link_teu_per_truck),
        link_feu_factor=_floats(c.link_feu_factor),
        border_first_usd=firsts,
        border_first_unit=first_units,
        border_second_usd=seconds,
        border_second_unit=second_units,
        node_handling_usd_per_teu=_floats(c.handling_usd_per_teu),
        node_handling_unit=np.asarray([FEE_UNITS.index(u) for u in c.handling_unit], dtype=np.int64),
        products=products,
        link_from=np.asarray(c.link_from, dtype=np.int64),
        link_to=np.asarray(c.link_to, dtype=np.int64),
        link_loose_unit=np.asarray([u in LOOSE_LOAD_UNITS for u in c.link_load_unit], dtype=np.bool_),
        link_capacity_kg=_or_nan(c.link_capacity_kg),
        link_capacity_teu=_or_nan(c.link_capacity_teu),
        link_max_gross_kg_per_teu=_or_nan(c.link_max_gross_kg_per_teu),
        refused=_refused(c),
    )


def _refused(c: CompiledNetwork) -> dict[CargoClass, BoolArray]:
    """Per cargo class, the links refusing it (one pass over the links: few refuse anything)."""
    refusing = [i for i, classes in enumerate(c.link_refused) if classes]
    masks = {}
    for cargo in CargoClass:
        mask = np.zeros(len(c.link_refused), dtype=np.bool_)
        mask[[i for i in refusing if cargo in c.link_refused[i]]] = True
        masks[cargo] = mask
    return masks


def unit_cents(usd: FloatArray, units: IntArray, counts: FloatArray) -> IntArray:
    """``round(usd × count(unit) × 100)`` per element (``counts``: the shipment's count per :data:`FEE_UNITS`)."""
    return np.rint(usd * counts[units] * 100).astype(np.int64)


def border_cents(columns: TariffColumns, counts: FloatArray) -> IntArray:
    """Per link: its border fees for the shipment, ``round((exit × count + entry × count) × 100)`` (0 off borders).

    The model sums the fees a link has from 0; a fee it lacks is 0.0 here, and ``x + 0.0 == x``, so the sums agree.
    """
    first = columns.border_first_usd * counts[columns.border_first_unit]
    second = columns.border_second_usd * counts[columns.border_second_unit]
    return np.rint((first + second) * 100).astype(np.int64)


def surcharge_links(compiled: CompiledNetwork, columns: TariffColumns, surcharge: Surcharge) -> IntArray:
    """The links a surcharge applies to, ascending (a link scope: the link and its copies in through products);
    kept per scope and target, which is all they depend on."""
    scope, target = surcharge.scope, surcharge.target

    def find() -> IntArray:
        if scope is SurchargeScope.LINK:
            return np.asarray([i for i, link_id in enumerate(compiled.link_ids) if link_id == target], dtype=np.int64)
        if scope is SurchargeScope.SERVICE:
            return np.flatnonzero(columns.link_timetable == compiled.service_ids.index(target))
        if scope is SurchargeScope.MODE:
            codes = [i for i, mode in enumerate(MODES) if mode.value == target]
            return np.flatnonzero(np.isin(columns.link_mode, codes))
        if scope is SurchargeScope.VIA:
            return np.asarray(compiled.in_links[compiled.node_index[target]], dtype=np.int64)
        return np.zeros(0, dtype=np.int64)

    key = ("routing.surcharge_links", len(compiled.link_ids), scope, target)
    links: IntArray = compiled.network.views.get(key, find)
    return links


def container_freight_cents(
    columns: TariffColumns,
    *,
    teu: int,
    twenty_ft: int,
    forty_ft: int,
    multiplier: FloatArray,
    extra: IntArray,
    through: dict[int, int | None],
) -> IntArray:
    """Per link: freight in cents for these boxes (``NO_PRICE``: not carried in containers), as
    :meth:`QueryContext._freight <engine.routing.costing.QueryContext._freight>` with ``loose=False``.

    ``multiplier``: the dated rate series' factor per link; ``extra``: each link's surcharges (cents);
    ``through``: a through product's link → its share of the through rate (``None``: these boxes not carried).
    """
    scale = multiplier * 100
    trucks = np.ceil(teu / columns.link_teu_per_truck - 1e-9)
    by_truck = np.rint(columns.link_usd_per_truck * trucks * scale)
    boxes = twenty_ft + columns.link_feu_factor * forty_ft
    by_teu = np.rint(columns.link_usd_per_teu * boxes * scale)
    cents = np.where(columns.link_has_per_truck, by_truck, by_teu).astype(np.int64) + extra
    cents[columns.link_has_per_kg] = NO_PRICE  # air fares are per kg: containers are not flown as boxes
    for link, share in through.items():
        cents[link] = NO_PRICE if share is None else share + int(extra[link])
    return cents


def loose_freight_cents(columns: TariffColumns, *, kg: float, multiplier: FloatArray, extra: IntArray) -> IntArray:
    """Per link: freight in cents for the shipment as loose cargo (``NO_PRICE``: not carried loose), as
    :meth:`QueryContext._freight <engine.routing.costing.QueryContext._freight>` with ``loose=True``."""
    scale = multiplier * 100
    by_kg = np.rint(columns.link_usd_per_kg * kg * scale)
    by_truck = np.rint(columns.link_usd_per_truck * math.ceil(kg / LOOSE_KG_PER_TRUCK) * scale)
    cents = np.where(columns.link_has_per_kg, by_kg, by_truck).astype(np.int64) + extra
    cents[~(columns.link_has_per_kg | columns.link_has_per_truck)] = NO_PRICE
    return cents


def size_ok(columns: TariffColumns, *, teu: int, kg: float, loose: bool) -> BoolArray:
    """Per link: the shipment-size rules of :meth:`QueryContext._size_ok
    <engine.routing.costing.QueryContext._size_ok>` (an aircraft's payload; a box's gross weight and a departure's
    TEU capacity for containers)."""
    air = columns.link_mode == MODES.index(Mode.AIR)
    cap_kg = columns.link_capacity_kg
    fits_air = np.isnan(cap_kg) | (kg <= cap_kg)
    if loose:
        fits: BoolArray = np.where(air, fits_air, True)
        return fits
    max_gross, cap_teu = columns.link_max_gross_kg_per_teu, columns.link_capacity_teu
    fits_box = (np.isnan(max_gross) | (kg / teu <= max_gross)) & (np.isnan(cap_teu) | (teu <= cap_teu))
    surface: BoolArray = np.where(air, fits_air, fits_box)
    return surface


__all__ = [
    "FEE_UNITS",
    "LOOSE_KG_PER_TRUCK",
    "LOOSE_LOAD_UNITS",
    "NO_PRICE",
    "PricingArrays",
    "TariffColumns",
    "border_cents",
    "container_freight_cents",
    "loose_freight_cents",
    "size_ok",
    "surcharge_links",
    "tariff_columns",
    "unit_cents",
]
