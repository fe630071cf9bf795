"""The numpy tables the compiled search kernel (:mod:`engine.routing.kernel`) reads: :func:`costing.step` as arrays.

:meth:`QueryContext.step <engine.routing.costing.QueryContext.step>` stays the single definition of the model; these
tables hold exactly the numbers it reads, per link, node and service, so the kernel's step is the same arithmetic
on the same integers (minutes, cents, grams). What depends only on the network is compiled once per snapshot and
pinned in its view cache; what depends on the query's pricing (boxes, dated rate points, surcharges) is the pricing's
own arrays (:class:`~engine.routing.pricing_arrays.PricingArrays`, kept per pricing key), and what depends on the
shipment's weight is computed per query with numpy (microseconds; milliseconds at 100k nodes).

Rounding: the model rounds each fee with Python's ``round`` (half to even on the exact double); ``numpy.rint``
rounds the same doubles the same way, and every product is formed in the model's order (e.g. ``usd × kg × 100``),
so the integers are identical. The equivalence tests compare the kernel with the Python search label by label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.network.model import CargoClass, LoadUnit, ServiceKind
from engine.routing.compiled import VESSEL_MODES, CompiledNetwork
from engine.routing.costing import QueryContext
from engine.routing.identity_memo import SMALL_NETWORK_LINKS, IdentityMemo
from engine.routing.pricing_arrays import LOOSE_LOAD_UNITS
from engine.routing.pricing_arrays import NO_PRICE as NO_PRICE  # the kernel reads it from here
from engine.routing.u_turns import u_turn_blocks

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TIMETABLE_CONTINUOUS, TIMETABLE_HEADWAY, TIMETABLE_WEEKLY = 0, 1, 2


@dataclass(frozen=True, eq=False)
class NetworkTables:
    """Per link, node and service: what :meth:`QueryContext.step` reads that depends only on the network."""

    link_to: IntArray
    link_service: IntArray
    link_vehicle: IntArray
    link_timetable: IntArray
    link_run_min: IntArray
    link_exit_min: IntArray
    link_entry_min: IntArray
    link_has_border: BoolArray
    link_border_loose_cents: IntArray
    link_loose_unit: BoolArray  # carries loose cargo (truck or aircraft)
    link_aircraft: BoolArray
    link_vessel: BoolArray  # boarding waits in the port's queue
    link_through_pos: IntArray
    link_through_last: BoolArray
    link_through_change: BoolArray
    link_through_lift: BoolArray
    link_u_turn_block: IntArray
    link_g_per_tonne: FloatArray
    out_ptr: IntArray  # CSR of out_links: out_links[v] = out_link[out_ptr[v]:out_ptr[v + 1]]
    out_link: IntArray
    max_out_degree: int
    node_transfer_ok: BoolArray  # allows_transfer
    node_transfer_ok_reefer: BoolArray  # allows_transfer and takes reefers
    node_handling_min: IntArray
    node_port_queue_min: IntArray
    node_decons_min: IntArray  # -1: no de-consolidation there
    node_decons_usd_per_teu: FloatArray
    node_handling_usd_per_kg: FloatArray  # NaN: loose cargo is not handled there
    node_hub_g_per_container: FloatArray
    service_vehicle: IntArray
    service_through_end: IntArray
    timetable_kind: IntArray
    timetable_headway: IntArray
    timetable_anchor: IntArray
    timetable_ptr: IntArray
    timetable_weekly: IntArray
    kernel_arrays: tuple[npt.NDArray[np.generic], ...] = ()
    """The kernel's network argument (:func:`pack_kernel_arrays`): the fields above packed into a few 2-D arrays, whose
    rows the fields are (no copy). numba unpacks every array of a call's arguments; 29 arrays cost ~2 µs a call."""


KERNEL_ROWS: tuple[tuple[str, ...], ...] = (
    (
        "link_to",
        "link_service",
        "link_vehicle",
        "link_timetable",
        "link_run_min",
        "link_exit_min",
        "link_entry_min",
        "link_border_loose_cents",
        "link_through_pos",
        "link_u_turn_block",
    ),
    (
        "link_has_border",
        "link_loose_unit",
        "link_aircraft",
        "link_vessel",
        "link_through_last",
        "link_through_change",
        "link_through_lift",
    ),
    ("node_handling_min", "node_port_queue_min", "node_decons_min"),
    ("service_vehicle", "service_through_end"),
    ("timetable_kind", "timetable_headway", "timetable_anchor"),
)
"""The kernel's packed tables, row by row (``kernel_jit.run`` unpacks them in this order): link integers, link
flags, node minutes, service integers, timetable integers; then ``out_ptr``, ``out_link``, ``timetable_ptr`` and
``timetable_weekly`` as they are."""
KERNEL_SINGLES = ("out_ptr", "out_link", "timetable_ptr", "timetable_weekly")


def packed_tables(**fields: Any) -> NetworkTables:
    """:class:`NetworkTables` of ``fields`` (its arrays by name) with the kernel's packed arrays
    (``kernel_arrays``): each packed field is its row of them (the same values, no second copy)."""
    packed: list[npt.NDArray[np.generic]] = []
    for names in KERNEL_ROWS:
        table = np.stack([np.asarray(fields[name]) for name in names])
        packed.append(table)
        fields.update({name: table[row] for row, name in enumerate(names)})
    fields["kernel_arrays"] = (*packed, *(np.asarray(fields[name]) for name in KERNEL_SINGLES))
    return NetworkTables(**fields)


@dataclass(frozen=True, eq=False)
class PricingTables:
    """Per link and node: the query pricing's container prices (cents), shared by queries that price alike."""

    freight_container: IntArray  # NO_PRICE: not carried in containers
    border_container_cents: IntArray
    lift_cents: IntArray
    transfer_surcharge_cents: IntArray


def network_tables(compiled: CompiledNetwork) -> NetworkTables:
    """The network part of the tables (compiled once per snapshot, pinned in its view cache)."""
    return compiled.network.views.get(
        ("routing.kernel.network", len(compiled.link_ids)), lambda: _network(compiled), pin=True
    )


def _ints(values: object) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def _bools(values: object) -> BoolArray:
    return np.asarray(values, dtype=np.bool_)


def _network(c: CompiledNetwork) -> NetworkTables:
    n_nodes = len(c.node_ids)
    degree = np.fromiter((len(links) for links in c.out_links), dtype=np.int64, count=n_nodes)
    out_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(degree, out=out_ptr[1:])
    out_link = np.fromiter((link for links in c.out_links for link in links), dtype=np.int64, count=int(out_ptr[-1]))
    kinds: list[int] = []
    headways: list[int] = []
    anchors: list[int] = []
    weekly_ptr: list[int] = [0]
    weekly: list[int] = []
    for departures in c.departures:
        kind = departures._kind
        kinds.append(
            TIMETABLE_CONTINUOUS
            if kind is ServiceKind.CONTINUOUS
            else TIMETABLE_HEADWAY
            if kind is ServiceKind.HEADWAY
            else TIMETABLE_WEEKLY
        )
        headways.append(departures._headway)
        anchors.append(departures._anchor)
        weekly.extend(departures._weekly if kind is ServiceKind.WEEKLY else ())
        weekly_ptr.append(len(weekly))
    border_usd = np.asarray(c.link_border_usd_per_teu, dtype=np.float64)
    allows = _bools(c.allows_transfer)
    return packed_tables(
        link_to=_ints(c.link_to),
        link_service=_ints(c.link_service),
        link_vehicle=_ints(c.link_vehicle),
        link_timetable=_ints(c.link_timetable),
        link_run_min=_ints(c.link_run_min),
        link_exit_min=_ints(c.link_border_exit_min),
        link_entry_min=_ints(c.link_border_entry_min),
        link_has_border=border_usd != 0.0,
        link_border_loose_cents=np.rint(border_usd * 100).astype(np.int64),
        link_loose_unit=_bools([unit in LOOSE_LOAD_UNITS for unit in c.link_load_unit]),
        link_aircraft=_bools([unit is LoadUnit.AIRCRAFT for unit in c.link_load_unit]),
        link_vessel=_bools([mode in VESSEL_MODES for mode in c.link_mode]),
        link_through_pos=_ints(c.link_through_pos),
        link_through_last=_bools(c.link_through_last),
        link_through_change=_bools(c.link_through_change),
        link_through_lift=_bools(c.link_through_lift),
        link_u_turn_block=_ints(u_turn_blocks(c)),
        link_g_per_tonne=np.asarray(c.link_g_per_tonne, dtype=np.float64),
        out_ptr=out_ptr,
        out_link=out_link,
        max_out_degree=int(degree.max(initial=0)),
        node_transfer_ok=allows,
        node_transfer_ok_reefer=allows & _bools(c.reefer_ok),
        node_handling_min=_ints(c.handling_min),
        node_port_queue_min=_ints(c.port_queue_min),
        node_decons_min=_ints([-1 if d is None else d for d in c.decons_min]),
        node_decons_usd_per_teu=np.asarray(c.decons_usd_per_teu, dtype=np.float64),
        node_handling_usd_per_kg=np.asarray(
            [np.nan if v is None else v for v in c.handling_usd_per_kg], dtype=np.float64
        ),
        node_hub_g_per_container=np.asarray(c.hub_g_per_container, dtype=np.float64),
        service_vehicle=_ints(c.service_vehicle),
        service_through_end=_ints(c.service_through_end),
        timetable_kind=_ints(kinds),
        timetable_headway=_ints(headways),
        timetable_anchor=_ints(anchors),
        timetable_ptr=_ints(weekly_ptr),
        timetable_weekly=_ints(weekly),
    )


def pricing_tables(ctx: QueryContext) -> PricingTables:
    """Container prices of ``ctx``'s pricing: its arrays (kept with the pricing: same boxes, dates, surcharges)."""
    arrays = ctx.pricing.arrays
    return PricingTables(
        freight_container=arrays.container_freight,
        border_container_cents=arrays.border_cents,
        lift_cents=arrays.lift_cents,
        transfer_surcharge_cents=arrays.transfer_surcharge_cents,
    )


@dataclass(frozen=True, eq=False)
class ShipmentTables:
    """What depends on the shipment's weight and boxes: CO2e per link, per-kg and per-box fees, loose freight."""

    link_ok: BoolArray
    link_co2e_g: IntArray
    freight_loose: IntArray  # NO_PRICE where loose cargo is not carried (or cannot become loose)
    node_decons_cents: IntArray
    node_handling_loose_cents: IntArray  # NO_PRICE: loose cargo is not handled there
    node_hub_g: IntArray
    node_transfer_ok: BoolArray


_shipments: IdentityMemo[ShipmentTables] = IdentityMemo(256)
"""Recent shipments' tables on small networks (:data:`SMALL_NETWORK_LINKS`): building them was ~10 µs of a ~190 µs
CHEAPEST answer on the shipped network, and forwarders' shipments differ mostly in weight, so the memo holds many."""


def shipment_tables(ctx: QueryContext, network: NetworkTables) -> ShipmentTables:
    """Per-query arrays (vectorised: a few microseconds on the shipped network, milliseconds at 100k nodes); kept
    per link filter, pricing and shipment on small networks (:data:`SMALL_NETWORK_LINKS`)."""
    if len(ctx.link_ok_array) > SMALL_NETWORK_LINKS:
        return _shipment_tables(ctx, network)
    loose = (ctx.starts_loose, ctx.allow_deconsolidation)
    shipment = (ctx.kg, ctx.tonnes, ctx.teu, ctx.containers, ctx.cargo_class, *loose)
    sources = (network, ctx.link_ok_array, ctx.pricing.arrays)
    return _shipments.get(sources, lambda: _shipment_tables(ctx, network), shipment)


def _shipment_tables(ctx: QueryContext, network: NetworkTables) -> ShipmentTables:
    link_ok = ctx.link_ok_array
    if ctx.starts_loose or ctx.allow_deconsolidation:
        # Loose freight only on usable links that carry loose cargo (as the model prices them on first use).
        freight_loose = np.where(network.link_loose_unit & link_ok, ctx.loose_freight_cents(), NO_PRICE)
    else:
        freight_loose = ctx.compiled.network.views.get(
            ("routing.kernel.no_loose_freight", len(link_ok)), lambda: np.full(len(link_ok), NO_PRICE, dtype=np.int64)
        )
    per_kg = network.node_handling_usd_per_kg
    handled = ~np.isnan(per_kg)
    handling_loose = np.full(len(per_kg), NO_PRICE, dtype=np.int64)
    handling_loose[handled] = np.rint(per_kg[handled] * ctx.kg * 100).astype(np.int64)
    transfer_ok = network.node_transfer_ok_reefer if ctx.cargo_class is CargoClass.REEFER else network.node_transfer_ok
    return ShipmentTables(
        link_ok=link_ok,
        link_co2e_g=np.rint(network.link_g_per_tonne * ctx.tonnes).astype(np.int64),
        freight_loose=freight_loose,
        node_decons_cents=np.rint(network.node_decons_usd_per_teu * ctx.teu * 100).astype(np.int64),
        node_handling_loose_cents=handling_loose,
        node_hub_g=np.rint(network.node_hub_g_per_container * ctx.containers).astype(np.int64),
        node_transfer_ok=transfer_ok,
    )
