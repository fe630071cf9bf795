"""Random small time-dependent multimodal networks, built directly as records (shared with benchmarks)."""

from __future__ import annotations

import random

from engine.network.model import (
    CargoClass,
    EmissionFactor,
    HubEmissionFactor,
    Link,
    LoadUnit,
    Mode,
    Network,
    Node,
    NodeKind,
    Service,
    ServiceKind,
)

COUNTRIES = ("CN", "KZ", "AZ")
# (mode, load unit, gauge): the vehicle families a random service may be.
VEHICLES = (
    (Mode.RAIL, LoadUnit.WAGON, 1435),
    (Mode.RAIL, LoadUnit.WAGON, 1520),
    (Mode.FERRY, LoadUnit.VESSEL, None),
    (Mode.FERRY, LoadUnit.WAGON, 1520),
    (Mode.ROAD, LoadUnit.TRUCK, None),
    (Mode.AIR, LoadUnit.AIRCRAFT, None),
    (Mode.SEA, LoadUnit.VESSEL, None),
)


def random_network(seed: int, n_nodes: int = 6, n_services: int = 5, n_links: int = 20) -> Network:
    """A random network: every node has both gauges, some nodes allow transfers, services have timetables."""
    rng = random.Random(seed)
    nodes: dict[str, Node] = {}
    for i in range(n_nodes):
        transfer = rng.random() < 0.8
        airport = rng.random() < 0.4
        border = rng.random() < 0.5
        nodes[f"N{i}"] = Node(
            id=f"N{i}",
            name=f"Node {i}",
            aliases=(),
            locode=None,
            country=rng.choice(COUNTRIES),
            lat=40 + i,
            lon=50 + i,
            kinds=frozenset(
                {NodeKind.RAIL_TERMINAL, NodeKind.GAUGE_CHANGE} | ({NodeKind.AIRPORT} if airport else set())
            ),
            gauges_mm=frozenset({1435, 1520}),
            handling_h=rng.choice([0, 2, 5, 8]) if transfer else None,
            handling_usd_per_teu=rng.choice([0, 50, 120, 300]) if transfer else None,
            handling_usd_per_kg=rng.choice([None, 0.05, 0.1]) if transfer else None,
            deconsolidation_h=rng.choice([3, 6]) if airport and transfer else None,
            deconsolidation_usd_per_teu=rng.choice([100, 250]) if airport and transfer else None,
            border_exit_h=rng.choice([2, 10, 30]) if border else None,
            border_entry_h=rng.choice([5, 20, 60]) if border else None,
            border_exit_usd_per_teu=rng.choice([20, 90]) if border else None,
            border_entry_usd_per_teu=rng.choice([50, 300]) if border else None,
            reefer_plugs=rng.choice([None, True, False]),
        )
    services: dict[str, Service] = {}
    service_vehicle: dict[str, tuple[Mode, LoadUnit, int | None]] = {}
    for s in range(n_services):
        vehicle = rng.choice(VEHICLES)
        kind = rng.choice([ServiceKind.CONTINUOUS, ServiceKind.WEEKLY, ServiceKind.HEADWAY])
        if vehicle[0] is Mode.ROAD:
            kind = ServiceKind.CONTINUOUS
        departures: tuple[int, ...] = ()
        if kind is ServiceKind.WEEKLY:
            departures = tuple(sorted(rng.sample(range(0, 7 * 1440, 60), rng.randint(1, 3))))
        services[f"S{s}"] = Service(
            id=f"S{s}",
            mode=vehicle[0],
            operator=rng.choice(["OpA", "OpB"]),
            kind=kind,
            weekly_departures_min=departures,
            headway_h=rng.choice([6.0, 24.0, 42.0]) if kind is ServiceKind.HEADWAY else None,
            headway_anchor_min=rng.randrange(0, 7 * 1440, 30),
            capacity_teu_per_departure=None
            if kind is ServiceKind.CONTINUOUS or vehicle[0] is Mode.AIR
            else rng.choice([2, 50, 300]),
            capacity_kg_per_departure=rng.choice([5000, 100000])
            if vehicle[0] is Mode.AIR and kind is not ServiceKind.CONTINUOUS
            else None,
        )
        service_vehicle[f"S{s}"] = vehicle
    links: dict[str, Link] = {}
    ids = list(nodes)
    for i in range(n_links):
        a, b = rng.sample(ids, 2)
        service_id = rng.choice(list(services))
        mode, load_unit, gauge = service_vehicle[service_id]
        tariff = rng.choice([100, 400, 900])
        links[f"L{i}"] = Link(
            id=f"L{i}",
            from_id=a,
            to_id=b,
            mode=mode,
            service_id=service_id,
            load_unit=load_unit,
            gauge_mm=gauge,
            distance_km=rng.choice([100, 500, 1500]),
            run_h=rng.choice([3, 12, 30, 70]),
            usd_per_teu=None if load_unit in (LoadUnit.TRUCK, LoadUnit.AIRCRAFT) else float(tariff),
            usd_per_kg=rng.choice([2.5, 4.0]) if load_unit is LoadUnit.AIRCRAFT else None,
            usd_per_truck=float(tariff) if load_unit is LoadUnit.TRUCK else None,
            teu_per_truck=2.0 if load_unit is LoadUnit.TRUCK else None,
            capacity_teu_per_week=None,
            operator=rng.choice([None, "OpA", "OpC"]),
            emission_class=mode.value,
            max_gross_kg_per_teu=rng.choice([None, None, 12000.0]),
            refused_cargo=frozenset({CargoClass.HAZMAT}) if rng.random() < 0.2 else frozenset(),
        )
    factors = {
        m.value: EmissionFactor(m.value, m, m.value, g, g_co2e_per_tkm_ttw=ttw)
        for m, g, ttw in (
            (Mode.RAIL, 20.0, 0.0),
            (Mode.FERRY, 195.3, 166.4),
            (Mode.ROAD, 80.0, 64.3),
            (Mode.AIR, 880.0, 720.0),
            (Mode.SEA, 10.0, 8.7),
        )
    }
    # Hub emissions at lifts (airports first, so they differ from the other nodes); no draw from rng, so the
    # networks stay those the seeds always gave.
    hubs = {
        NodeKind.AIRPORT: HubEmissionFactor(NodeKind.AIRPORT, "airport", 12.0),
        NodeKind.GAUGE_CHANGE: HubEmissionFactor(NodeKind.GAUGE_CHANGE, "gauge change", 7.0),
    }
    return Network(
        name=f"random-{seed}",
        title="random test network",
        version=f"seed{seed}",
        nodes=nodes,
        links=links,
        services=services,
        emission_factors=factors,
        sources={},
        hub_emission_factors=hubs,
    )
