"""Exactness with the tariff model, property-tested: on random networks given 40'/20' factors, fee units, surcharges
and through products, the search's Pareto set still equals brute-force enumeration (the oracle calls the same step).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from engine.network.model import (
    CargoClass,
    FeeUnit,
    Network,
    Surcharge,
    SurchargeScope,
    ThroughTariff,
)
from engine.routing.api import find_routes
from engine.routing.query import ContainerType, RouteQuery, Shipment
from tests.routing.checks import assert_valid_route
from tests.routing.generators import random_network
from tests.routing.oracle import EnumerationTooLarge, all_route_vectors, pareto_set

BASE = datetime(2026, 12, 1, tzinfo=UTC)
FEE_UNITS = (None, FeeUnit.TEU, FeeUnit.CONTAINER, FeeUnit.WAGON, FeeUnit.CONSIGNMENT)


def tariff_network(seed: int) -> Network:
    """A random network (as the exactness tests draw them) with random tariff features on top."""
    network = random_network(seed, n_nodes=5 + seed % 3, n_services=3 + seed % 4, n_links=10 + seed % 13)
    rng = random.Random(seed * 7 + 1)  # a separate stream: the base network stays the one the other tests see
    services = {k: replace(s, feu_factor=rng.choice([None, 1.3, 1.6])) for k, s in network.services.items()}
    nodes = {
        k: replace(n, handling_unit=rng.choice(FEE_UNITS), border_unit=rng.choice(FEE_UNITS))
        for k, n in network.nodes.items()
    }
    links = sorted(network.links.values(), key=lambda link: link.id)
    products = []
    for i in range(rng.choice([1, 2, 3])):
        path = [rng.choice(links)]
        for _ in range(rng.choice([1, 2])):
            onward = [
                link for link in links if link.from_id == path[-1].to_id and link.to_id not in {p.from_id for p in path}
            ]
            if not onward:
                break
            path.append(rng.choice(onward))
        if len(path) < 2:
            continue
        products.append(
            ThroughTariff(
                f"P{i}", None, tuple(p.id for p in path), rng.choice([None, 150.0]), rng.choice([None, 200.0])
            )
        )
    products = [p for p in products if p.usd_20ft is not None or p.usd_40ft is not None]
    node_ids = sorted(network.nodes)
    surcharges = (
        Surcharge("WAR", "war_risk", SurchargeScope.VIA, rng.choice(node_ids), None, 80.0, FeeUnit.TEU, None, None),
        Surcharge(
            "PLUG",
            "reefer_plug",
            SurchargeScope.TRANSFER,
            rng.choice(node_ids),
            CargoClass.REEFER,
            20.0,
            FeeUnit.CONTAINER_DAY,
            date(2026, 1, 1),
            date(2027, 12, 31),
        ),
        Surcharge(
            "POWER",
            "reefer_power",
            SurchargeScope.SERVICE,
            rng.choice(sorted(services)),
            CargoClass.REEFER,
            25.0,
            FeeUnit.CONTAINER_DAY,
            None,
            None,
        ),
    )
    return replace(network, services=services, nodes=nodes, through_tariffs=tuple(products), surcharges=surcharges)


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, RouteQuery]:
    seed = draw(st.integers(0, 10**6))
    network = tariff_network(seed)
    origin, destination = draw(st.lists(st.sampled_from(sorted(network.nodes)), min_size=2, max_size=2, unique=True))
    if network.through_tariffs and draw(st.booleans()):  # half the queries ride a product end to end if they wish
        product = draw(st.sampled_from(network.through_tariffs))
        origin, destination = network.links[product.link_ids[0]].from_id, network.links[product.link_ids[-1]].to_id
    ready = BASE + timedelta(minutes=draw(st.integers(0, 14 * 1440)))
    boxes = draw(
        st.lists(st.sampled_from(list(ContainerType)), min_size=1, max_size=3, unique=True).flatmap(
            lambda kinds: st.tuples(*(st.tuples(st.just(k), st.integers(1, 2)) for k in kinds))
        )
    )
    cargo = draw(st.sampled_from([CargoClass.GENERAL, CargoClass.REEFER]))
    shipment = Shipment(0, 20_000.0, cargo, tuple(boxes))
    return seed, RouteQuery(origin, destination, ready, shipment, max_routes=100)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_pareto_set_with_tariffs_equals_brute_force(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    network = tariff_network(seed)
    try:
        expected = pareto_set(all_route_vectors(network, query))
    except EnumerationTooLarge:
        reject()
    result = find_routes(network, query)
    assert {route.criteria for route in result.routes} == expected
    for route in result.routes:
        assert_valid_route(network, route, query)
