"""Through tariffs as services of their own, so the exact label-setting search stays exact.

A through tariff (``through_tariffs.csv``: a TITR agreed rate Altynkol → Istanbul, ERAI Dostyk → Brest) prices a
whole product; a route that rides all of it pays the through rate instead of the segment tariffs, border fees and
internal handling fees, and a route that joins or leaves midway pays the segments.

The search's labels only know where the cargo is, aboard which service and where it came from. A through rate
depends on where the cargo *boarded*, which a label does not carry, so the product is compiled as **its own
service** whose links parallel the segments (:func:`compile_routing`):

- each product link copies its segment (nodes, run time, border dwell, CO2e) with the product's service; its
  freight is the through rate for the shipment's boxes prorated by distance, so its legs sum to the through rate
  exactly (the last leg takes the rounding remainder), and its border and internal handling fees are zero
  (published through rates are all-in);
- the cargo may board the product only on its first link (from another service or at the origin), stays aboard
  through its internal vehicle changes (which still take the node's handling time and wait for the underlying
  service's departure, and count as transfers), and may leave it — or arrive at the query's destination — only at
  its last node (:meth:`engine.routing.costing.QueryContext.step` refuses everything else);
- the ordinary segments stay, so riding part of the corridor, or all of it on segment tariffs, remain routes too.

Why this stays exact: a label aboard a product sits in its own bags (its service differs from every ordinary
service), so it never dominates or is dominated by a label that pays segment tariffs, and the step's rules depend
only on the label's state (node, service, previous node); the brute-force oracle calls the same step. Lower bounds
(:mod:`engine.routing.bounds`) follow the same rules — no joining a product midway, no leaving or arriving before
its end, its internal vehicle changes cost their handling time and a transfer — so they only leave out moves the
step refuses and stay valid; without these rules the relaxed bounds let cargo join a product's cheap share midway
and the search settled up to ten times more labels near the TITR products.
"""

from __future__ import annotations

import dataclasses

from engine.network.model import Network
from engine.routing.compiled import CompiledNetwork, compile_network

THROUGH_PREFIX = "THROUGH:"
"""Service ids of through products in the compiled network: ``THROUGH:<tariff id>``."""

_COPIED = (
    "link_from",
    "link_to",
    "link_mode",
    "link_vehicle",
    "link_load_unit",
    "link_run_min",
    "link_distance_km",
    "link_border_exit_min",
    "link_border_entry_min",
    "link_g_per_tkm",
    "link_usd_per_teu",
    "link_usd_per_kg",
    "link_usd_per_truck",
    "link_teu_per_truck",
    "link_refused",
    "link_operators",
    "link_max_gross_kg_per_teu",
    "link_capacity_teu",
    "link_capacity_kg",
    "link_g_per_tonne",
    "link_g_per_tonne_ttw",
    "link_feu_factor",
    "link_ids",
)


def compile_routing(network: Network) -> CompiledNetwork:
    """The solver arrays the route search uses: :func:`compile_network` plus one service per through tariff.

    Product links are appended after the network's links (ordinary indexes are unchanged) and keep their segment's
    link id; ``link_through`` tells them apart. Without through tariffs this is :func:`compile_network` itself.
    """
    if not network.through_tariffs:
        return compile_network(network)
    return network.views.get(
        ("routing.compiled_through",), lambda: _with_products(network, compile_network(network)), pin=True
    )


def _with_products(network: Network, base: CompiledNetwork) -> CompiledNetwork:
    index = {link_id: i for i, link_id in enumerate(base.link_ids)}
    arrays: dict[str, list[object]] = {name: list(getattr(base, name)) for name in _COPIED}
    service = list(base.link_service)
    border_usd = list(base.link_border_usd_per_teu)
    border_fees = list(base.link_border_fees)
    through, pos, last = list(base.link_through), list(base.link_through_pos), list(base.link_through_last)
    change, lift, timetable = list(base.link_through_change), list(base.link_through_lift), list(base.link_timetable)
    out_links = [list(v) for v in base.out_links]
    in_links = [list(v) for v in base.in_links]
    service_ids, departures = list(base.service_ids), list(base.departures)
    service_vehicle, service_end = list(base.service_vehicle), list(base.service_through_end)
    for product, tariff in enumerate(network.through_tariffs):
        service_index = len(service_ids)
        segments = [index[link_id] for link_id in tariff.link_ids]
        for position, segment in enumerate(segments):
            new = len(service)
            for name in _COPIED:
                arrays[name].append(getattr(base, name)[segment])
            service.append(service_index)
            border_usd.append(0.0)  # a through rate is all-in: no separate border fees
            border_fees.append(())
            through.append(product)
            pos.append(position)
            last.append(position == len(segments) - 1)
            before = segments[position - 1] if position else segment
            lift.append(position > 0 and base.link_vehicle[before] != base.link_vehicle[segment])
            change.append(position > 0 and (base.link_service[before] != base.link_service[segment] or lift[-1]))
            timetable.append(base.link_service[segment])
            out_links[base.link_from[segment]].append(new)
            in_links[base.link_to[segment]].append(new)
        service_ids.append(THROUGH_PREFIX + tariff.id)
        departures.append(base.departures[base.link_service[segments[0]]])
        service_vehicle.append(base.link_vehicle[segments[-1]])
        service_end.append(base.link_to[segments[-1]])
    return dataclasses.replace(
        base,
        **{name: tuple(values) for name, values in arrays.items()},  # type: ignore[arg-type]
        link_service=tuple(service),
        link_border_usd_per_teu=tuple(border_usd),
        link_border_fees=tuple(border_fees),
        link_through=tuple(through),
        link_through_pos=tuple(pos),
        link_through_last=tuple(last),
        link_through_change=tuple(change),
        link_through_lift=tuple(lift),
        link_timetable=tuple(timetable),
        out_links=tuple(tuple(v) for v in out_links),
        in_links=tuple(tuple(v) for v in in_links),
        service_ids=tuple(service_ids),
        departures=tuple(departures),
        service_vehicle=tuple(service_vehicle),
        service_through_end=tuple(service_end),
        through_ids=tuple(t.id for t in network.through_tariffs),
    )


__all__ = ["THROUGH_PREFIX", "compile_routing"]
