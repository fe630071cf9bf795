"""A route's provenance and emissions are computed on first read (engine/routing/deferred.py): every way of looking
at a route sees the value an eager build gives — reads, equality, replace, copies, pickles and racing threads."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from engine.network import Network
from engine.routing import Constraints, Leg, Route, RouteQuery, Shipment, find_routes
from engine.routing.costing import QueryContext, Step
from engine.routing.deferred import Deferred, Pending, Shared, defer, frozen_instance, resolved_state
from engine.routing.emissions import emissions_report
from engine.routing.kernel_routes import chain_steps
from engine.routing.model import build_route
from engine.routing.pricing import query_pricing
from engine.routing.provenance import border_provenance, route_provenance
from engine.routing.reliability import arrival_band
from engine.routing.search import search
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing

READY = datetime(2026, 12, 1, tzinfo=UTC)
QUERY = RouteQuery("XIAN", "DUISBURG", READY, Shipment(teu=2, gross_weight_kg=20_000), max_routes=5)


def _routes(network: Network) -> tuple[Route, ...]:
    routes = find_routes(network, QUERY).routes
    assert len(routes) >= 2
    return routes


def _all_steps(network: Network, query: RouteQuery = QUERY) -> list[list[Step]]:
    """The steps of every Pareto route of ``query``, as find_routes' search takes them (through products
    included: the search keeps per-snapshot arrays that must not be built from the arrays without them first)."""
    routes = []
    for end in search(QueryContext(compile_routing(network), query), PARETO_ORDER, pareto=True).labels:
        routes.append(chain_steps(end))
    return routes


def _pending(route: Route) -> bool:
    """Whether the provenance of the route or of one of its legs is still pending."""
    return any(type(vars(obj)["_deferred_provenance"]) is Pending for obj in (route, *route.legs))


def _eager(network: Network, steps: list[Step]) -> tuple[object, ...]:
    """Leg and route provenance computed directly, as build_route computed them before they were deferred."""
    compiled = compile_routing(network)
    groups: list[list[Step]] = []
    previous = (-1, -1)
    for step in steps:
        service = (compiled.link_service[step.link], compiled.link_timetable[step.link])
        if service != previous:
            groups.append([])
            previous = service
        groups[-1].append(step)
    legs, route = route_provenance(network, compiled, groups, query_pricing(compiled, QUERY))
    crossed = [r.link_id for r in build_route(network, QUERY, steps).border_crossings]
    border_steps = [s for s in steps if compiled.link_ids[s.link] in crossed]
    return (*legs, route._replace(border_crossings=border_provenance(network, compiled, border_steps)))


def test_provenance_is_pending_until_read_then_what_an_eager_build_gives(shipped_network: Network) -> None:
    for steps in _all_steps(shipped_network)[:4]:
        route = build_route(shipped_network, QUERY, steps)
        assert _pending(route)
        read = route.provenance
        assert read is not None
        assert type(vars(route)["_deferred_provenance"]) is not Pending
        assert (*(leg.provenance for leg in route.legs), read) == _eager(shipped_network, steps)
        assert not _pending(route)
        assert type(vars(route)["_deferred_emissions"]) is Pending
        compiled = compile_routing(shipped_network)
        boxes, tonnes = QUERY.shipment.container_count, QUERY.shipment.tonnes
        assert route.emissions == emissions_report(shipped_network, compiled, boxes, tonnes, steps)
        assert read.border_crossings
        assert len(read.border_crossings) == len(route.border_crossings)


def test_hops_and_geometry_are_pending_until_read_then_the_steps_links(shipped_network: Network) -> None:
    # A leg's hops and the route's geometry are built on first read (one computation for both): each leg's hops
    # are its steps' links in order, with the leg's departure and arrival at their ends, and the geometry runs
    # from the origin through every hop's end to the destination.
    compiled = compile_routing(shipped_network)
    for steps in _all_steps(shipped_network)[:4]:
        route = build_route(shipped_network, QUERY, steps)
        assert all(type(vars(leg)["_deferred_hops"]) is Pending for leg in route.legs)
        assert type(vars(route)["_deferred_geometry"]) is Pending
        hops = [hop for leg in route.legs for hop in leg.hops]
        assert type(vars(route)["_deferred_geometry"]) is Pending  # computed with the hops, stored on its read
        assert [hop.link_id for hop in hops] == [compiled.link_ids[step.link] for step in steps]
        for leg in route.legs:
            assert (leg.hops[0].from_id, leg.hops[0].depart) == (leg.from_id, leg.depart)
            assert (leg.hops[-1].to_id, leg.hops[-1].arrive) == (leg.to_id, leg.arrive)
            assert round(sum(hop.freight_usd for hop in leg.hops), 2) == round(leg.cost.freight_usd, 2)
        origin, destination = shipped_network.nodes[QUERY.origin], shipped_network.nodes[QUERY.destination]
        ends = [(shipped_network.nodes[hop.to_id].lat, shipped_network.nodes[hop.to_id].lon) for hop in hops]
        assert route.geometry[0] == (origin.lat, origin.lon)
        assert route.geometry[-1] == (destination.lat, destination.lon)
        assert all(point in route.geometry for point in ends)
        assert route.node_ids == (QUERY.origin, *(hop.to_id for hop in hops))


def test_equality_copies_and_pickles_see_the_values(shipped_network: Network) -> None:
    first = _routes(shipped_network)
    assert first == _routes(shipped_network)  # compares (and so computes) every field
    blob = pickle.dumps(_routes(shipped_network))
    assert b"Pending" not in blob
    assert b"Shared" not in blob
    assert b"ViewCache" not in blob
    assert pickle.loads(blob) == first
    copied = _routes(shipped_network)
    assert copy.deepcopy(copied) == first
    assert copy.copy(copied[0]).provenance == first[0].provenance
    replaced = _routes(shipped_network)
    assert dataclasses.replace(replaced[0], best_for=()).provenance == first[0].provenance
    shown = _routes(shipped_network)
    assert repr(shown[1]) == repr(first[1])
    assert hash(shown[1].legs[0]) == hash(first[1].legs[0])


def test_find_routes_replays_the_band_on_first_read(shipped_network: Network) -> None:
    query = replace(QUERY, constraints=Constraints(arrive_by=READY + timedelta(days=24)))
    routes = find_routes(shipped_network, query).routes
    eager = [arrival_band(shipped_network, query, steps) for steps in _all_steps(shipped_network, query)]
    for route in routes:
        assert type(vars(route)["_deferred_arrival_p90"]) is Pending
        assert route.on_time_probability is not None  # one read replays the band for all four fields
        assert type(vars(route)["_deferred_arrival_p90"]) is Pending  # still pending, but computed: no new replay
        band = (route.arrival_p10, route.arrival_p50, route.arrival_p90, route.on_time_probability)
        assert band in [(b.p10, b.p50, b.p90, b.on_time_probability) for b in eager]
    assert len({route.arrival_p90 for route in routes}) > 1
    assert build_route(shipped_network, query, _all_steps(shipped_network, query)[0]).arrival_p50 is None


def test_racing_readers_compute_once_and_agree() -> None:
    calls: list[int] = []

    def compute() -> tuple[object, ...]:
        calls.append(1)
        return ("leg", "route")

    class Holder:
        value: object = Deferred()

    holders = [Holder(), Holder()]
    shared = Shared(compute)
    for n, holder in enumerate(holders):
        holder.value = None
        defer(holder, "value", Pending(shared, n))
    seen: list[object] = []
    threads = [threading.Thread(target=lambda h=holders[i % 2]: seen.append(h.value)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert sorted(map(str, seen)) == ["leg"] * 8 + ["route"] * 8
    assert resolved_state(holders[0]) == {"_deferred_value": "leg"}


def test_a_deferred_field_is_a_plain_dataclass_field_defaulting_to_none() -> None:
    for cls in (Route, Leg):
        field = {f.name: f for f in dataclasses.fields(cls)}["provenance"]
        assert field.default is None
        assert "Provenance | None" in str(field.type)
    for cls, name in ((Leg, "hops"), (Route, "geometry")):
        assert {f.name: f for f in dataclasses.fields(cls)}[name].default is None


def test_answers_built_without_init_equal_those_built_with_it(shipped_network: Network) -> None:
    # route_builder makes legs and routes with deferred.frozen_instance (a frozen dataclass's __init__ is slow):
    # each must be the instance __init__ makes from the same values, down to where each field is stored.
    for route in _routes(shipped_network):
        for made in (*route.legs, route):
            values = {field.name: getattr(made, field.name) for field in dataclasses.fields(made)}
            rebuilt = type(made)(**values)
            assert rebuilt == made
            assert hash(rebuilt) == hash(made)
            assert vars(rebuilt).keys() == vars(made).keys()


def test_frozen_instance_refuses_classes_it_cannot_build() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            assert self.value >= 0

    with pytest.raises(TypeError, match="__post_init__"):
        frozen_instance(Checked, (1,))
