"""The query's prices and link filter computed as arrays (engine/routing/pricing_arrays.py) equal the per-link
definitions, cent for cent: the model's ``QueryContext._freight`` and the pricing rules written here one link at a
time, on random tariff networks (through products, fee units, 40'/20' factors, surcharges) and the shipped one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.network import Network, load_network
from engine.network.model import CargoClass, Mode, Surcharge, SurchargeScope
from engine.network.paths import default_network_dir
from engine.routing.columns import LIST_UP_TO, ArrayColumn, column, flags
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import LOOSE_LOAD_UNITS, QueryContext
from engine.routing.pricing import QueryPricing, surcharges_for
from engine.routing.pricing_arrays import NO_PRICE
from engine.routing.query import Constraints, ContainerType, RouteQuery, Shipment
from engine.routing.through import compile_routing
from tests.routing.test_tariff_exactness import tariff_network

BASE = datetime(2026, 12, 1, tzinfo=UTC)


def _links_of(c: CompiledNetwork, surcharge: Surcharge) -> list[int]:
    scope, target = surcharge.scope, surcharge.target
    if scope is SurchargeScope.LINK:
        return [i for i, link_id in enumerate(c.link_ids) if link_id == target]
    if scope is SurchargeScope.SERVICE:
        return [i for i, s in enumerate(c.link_timetable) if s == c.service_ids.index(target)]
    if scope is SurchargeScope.MODE:
        return [i for i, m in enumerate(c.link_mode) if m.value == target]
    if scope is SurchargeScope.VIA:
        return list(c.in_links[c.node_index[target]])
    return []


def _rule_ok(ctx: QueryContext, link: int) -> bool:
    c = ctx.compiled
    if not (ctx.node_ok[c.link_from[link]] and ctx.node_ok[c.link_to[link]]):
        return False
    if c.link_mode[link] in ctx.avoided_modes or ctx.cargo_class in c.link_refused[link]:
        return False
    if ctx.avoided_operators and not ctx.avoided_operators.isdisjoint(c.link_operators[link]):
        return False
    if c.link_mode[link] is Mode.AIR:
        return ctx.cargo_class is not CargoClass.HAZMAT and (ctx.starts_loose or ctx.allow_deconsolidation)
    return not ctx.starts_loose or c.link_load_unit[link] in LOOSE_LOAD_UNITS


def _size_ok(ctx: QueryContext, link: int) -> bool:
    c = ctx.compiled
    if c.link_mode[link] is Mode.AIR:
        cap_kg = c.link_capacity_kg[link]
        return cap_kg is None or ctx.kg <= cap_kg
    if ctx.starts_loose:
        return True
    max_gross, cap_teu = c.link_max_gross_kg_per_teu[link], c.link_capacity_teu[link]
    return (max_gross is None or ctx.kg / ctx.teu <= max_gross) and (cap_teu is None or ctx.teu <= cap_teu)


def assert_pricing_per_link(network: Network, query: RouteQuery) -> None:
    """Every array of the query's pricing and filter against its per-link definition."""
    c = compile_routing(network)
    ctx = QueryContext(c, query)
    pricing: QueryPricing = ctx.pricing
    units = pricing.units
    n_links, n_nodes = len(c.link_ids), len(c.node_ids)

    by_service = {c.service_ids.index(s): p.multiplier for s, p in pricing.prices.items() if s in c.service_ids}
    assert [pricing.multiplier[i] for i in range(n_links)] == [by_service.get(s, 1.0) for s in c.link_service]

    on_links: list[list[tuple[Surcharge, int]]] = [[] for _ in range(n_links)]
    on_nodes: list[list[tuple[Surcharge, int]]] = [[] for _ in range(n_nodes)]
    for surcharge in surcharges_for(network, query.ready_utc.date(), query.shipment.cargo_class):
        for link in _links_of(c, surcharge):
            cents = round(surcharge.usd * units.count(surcharge.unit, c.link_run_min[link] / 1440) * 100)
            on_links[link].append((surcharge, cents))
        if surcharge.scope is SurchargeScope.TRANSFER:
            node = c.node_index[surcharge.target]
            cents = round(surcharge.usd * units.count(surcharge.unit, c.handling_min[node] / 1440) * 100)
            on_nodes[node].append((surcharge, cents))
    assert [pricing.link_surcharges[i] for i in range(n_links)] == [tuple(items) for items in on_links]
    assert [pricing.transfer_surcharges[n] for n in range(n_nodes)] == [tuple(items) for items in on_nodes]
    assert list(pricing.link_surcharge_cents) == [sum(cents for _, cents in items) for items in on_links]
    assert list(pricing.transfer_surcharge_cents) == [sum(cents for _, cents in items) for items in on_nodes]

    assert list(pricing.lift_cents) == [
        round(c.handling_usd_per_teu[n] * units.count(c.handling_unit[n]) * 100) for n in range(n_nodes)
    ]
    assert list(pricing.border_cents) == [
        round(sum(usd * units.count(unit) for usd, unit in fees) * 100) for fees in c.link_border_fees
    ]

    loose = ctx.loose_freight_cents().tolist()
    for link in range(n_links):
        container = None if ctx.starts_loose else ctx._freight(link, loose=False)
        assert ctx.freight_container[link] == container, link
        expected_loose = ctx._freight(link, loose=True)
        assert loose[link] == (NO_PRICE if expected_loose is None else expected_loose), link
        assert ctx.loose_freight(link) == expected_loose
        assert ctx.usable(link) == (_rule_ok(ctx, link) and _size_ok(ctx, link)), link
    assert ctx.link_ok_array.tolist() == [bool(ctx.link_ok[i]) for i in range(n_links)]


@st.composite
def tariff_cases(draw: st.DrawFn) -> tuple[int, RouteQuery]:
    seed = draw(st.integers(0, 10**6))
    network = tariff_network(seed)
    nodes = sorted(network.nodes)
    origin, destination = draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=2, unique=True))
    cargo = draw(st.sampled_from(list(CargoClass)))
    kg_per_teu = float(draw(st.integers(1, 30)) * 1_000)  # up to the 30,480 kg a TEU may gross
    if draw(st.booleans()):
        shipment = Shipment(0, 2 * kg_per_teu, cargo)  # loose
    elif draw(st.booleans()):
        teu = draw(st.integers(1, 9))
        shipment = Shipment(teu, teu * kg_per_teu, cargo)
    else:
        kinds = draw(st.lists(st.sampled_from(list(ContainerType)), min_size=1, max_size=3, unique=True))
        if cargo is not CargoClass.REEFER:
            kinds = [k for k in kinds if k is not ContainerType.REEFER_40] or [ContainerType.DRY_20]
        else:
            kinds = [ContainerType.REEFER_40]
        boxes = tuple((kind, draw(st.integers(1, 3))) for kind in kinds)
        shipment = Shipment(0, kg_per_teu * sum(kind.teu * n for kind, n in boxes), cargo, boxes)
    constraints = Constraints(
        avoid_nodes=frozenset(draw(st.lists(st.sampled_from([n for n in nodes if n not in (origin, destination)]))))
        if len(nodes) > 2
        else frozenset(),
        avoid_modes=frozenset(draw(st.lists(st.sampled_from(list(Mode)), max_size=2))),
        avoid_operators=frozenset(draw(st.lists(st.sampled_from(["OpA", "OpC"]), max_size=1))),
        allow_deconsolidation=draw(st.booleans()),
    )
    ready = BASE + timedelta(minutes=draw(st.integers(0, 400 * 1440)))
    return seed, RouteQuery(origin, destination, ready, shipment, constraints=constraints)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tariff_cases())
def test_pricing_arrays_equal_the_per_link_rules(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    assert_pricing_per_link(tariff_network(seed), query)


@pytest.mark.parametrize(
    ("teu", "kg", "cargo", "ready", "decons"),
    [
        (0, 800.0, CargoClass.GENERAL, datetime(2026, 3, 1, tzinfo=UTC), True),
        (1, 18_000.0, CargoClass.GENERAL, datetime(2026, 12, 1, tzinfo=UTC), False),
        (2, 40_000.0, CargoClass.REEFER, datetime(2025, 6, 15, tzinfo=UTC), True),
        (3, 90_000.0, CargoClass.HAZMAT, datetime(2027, 1, 20, tzinfo=UTC), False),
    ],
)
def test_pricing_arrays_on_the_shipped_network(
    teu: int, kg: float, cargo: CargoClass, ready: datetime, decons: bool
) -> None:
    network = load_network(default_network_dir())
    # what this test is for: through products, surcharges and dated rates priced as arrays
    assert network.through_tariffs
    assert network.surcharges
    assert network.rate_series
    query = RouteQuery(
        "XIAN", "DUISBURG", ready, Shipment(teu, kg, cargo), constraints=Constraints(allow_deconsolidation=decons)
    )
    assert_pricing_per_link(network, query)


def test_columns_read_python_numbers_and_missing_values_as_none() -> None:
    small = np.asarray([5, NO_PRICE, 7], dtype=np.int64)
    assert column(small, NO_PRICE) == [5, None, 7]
    large = np.arange(LIST_UP_TO + 1, dtype=np.int64)
    large[3] = NO_PRICE
    read = column(large, NO_PRICE)
    assert isinstance(read, ArrayColumn)
    assert len(read) == LIST_UP_TO + 1
    assert (read[2], read[3], read[LIST_UP_TO]) == (2, None, LIST_UP_TO)
    assert type(read[2]) is int
    assert type(column(large.astype(np.float64))[2]) is float
    assert flags(np.asarray([True, False])) == [True, False]
    assert flags(np.ones(LIST_UP_TO + 1, dtype=np.bool_))[5]
