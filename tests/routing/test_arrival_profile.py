"""The time-dependent arrival bound (:mod:`engine.routing.arrival_profile`): a bound, exact searches with it, and
the same answers from the kernel and the Python search.

The profile is used only on large networks (``PROFILE_FROM_LINKS``); these tests lower that to 0 so that random
networks small enough for brute force use it too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import SearchInterrupted
from engine.network.model import Network
from engine.routing import arrival_profile as profile_module
from engine.routing import search as search_module
from engine.routing.arrival_profile import UNREACHABLE, arrival_floor, arrival_profile, latest_minutes
from engine.routing.bounds import bound_graph_of, lower_bounds
from engine.routing.costing import QueryContext
from engine.routing.kernel_rules import previous_departure
from engine.routing.kernel_tables import network_tables
from engine.routing.query import RouteQuery
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing
from engine.routing.timetable import MONDAY_OFFSET_MIN
from tests.routing.generators import random_network
from tests.routing.judged import python_search_judged, seeded_query
from tests.routing.test_exactness import BASE
from tests.routing.test_kernel import _big_network, _summary, queries
from tests.routing.test_tariff_exactness import tariff_network

SEEDS = range(300)


@pytest.fixture
def profile_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_module, "PROFILE_FROM_LINKS", 0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(-30 * 1440, 30 * 1440), min_size=20, max_size=20))
def test_previous_departure_is_the_last_departure_at_or_before(seed: int, offsets: list[int]) -> None:
    network = random_network(seed, n_nodes=4, n_services=6, n_links=8)
    compiled = compile_routing(network)
    net = network_tables(compiled)
    base = int((BASE - BASE.replace(year=1970, month=1, day=1)).total_seconds() // 60)
    for timetable, departures in enumerate(compiled.departures):
        for offset in offsets:
            t = base + offset
            last = previous_departure(
                net.timetable_kind,
                net.timetable_headway,
                net.timetable_anchor,
                net.timetable_ptr,
                net.timetable_weekly,
                timetable,
                t,
            )
            assert last <= t
            assert departures.next(last) == last  # a departure
            assert departures.next(last + 1) > t  # and none after it up to t


def _query(network: Network, seed: int) -> RouteQuery:
    return seeded_query(network, seed, teu=1 + seed % 2)


def _check_hops(ctx: QueryContext, outcome: search_module.SearchOutcome) -> tuple[int, int]:
    """Assert every hop of every route found has a floor at most the route's arrival; count the hops, and those
    where the floor says more than the static bound."""
    profile = arrival_profile(ctx)
    static = lower_bounds(ctx).time_min
    assert (np.diff(np.asarray(profile.latest), axis=1) >= 0).all()  # later deadlines, later latest arrivals
    hops = raised = 0
    for route in outcome.labels:
        walk = route
        while walk.parent is not None:
            floor = arrival_floor(profile, walk.link, walk.vector[0])
            assert floor <= route.vector[0], walk.link
            hops += 1
            raised += floor > walk.vector[0] + static[walk.link]
            walk = walk.parent
    return hops, raised


def test_no_pareto_route_arrives_before_the_bound_at_any_of_its_hops() -> None:
    """Judged on the Pareto routes of searches without the profile: every hop's floor is at most the arrival."""
    hops = raised = 0
    for seed in SEEDS:
        network = random_network(seed, n_nodes=10, n_services=6, n_links=40)
        ctx = QueryContext(compile_routing(network), _query(network, seed))
        outcome = search_module.search(ctx, PARETO_ORDER, pareto=True, kernel=False)
        counted = _check_hops(ctx, outcome)
        hops, raised = hops + counted[0], raised + counted[1]
    assert hops > 1500
    assert raised > hops // 5, "the profile must beat the static bound for this test to judge it"


@pytest.mark.usefixtures("profile_everywhere")
def test_pareto_sets_with_the_profile_equal_brute_force() -> None:
    judged = fewer = 0
    for seed in SEEDS:
        network = random_network(seed, n_nodes=6, n_services=4, n_links=18)
        query = _query(network, seed)
        python = python_search_judged(network, query)
        if python is None:
            continue
        judged += 1
        compiled = compile_routing(network)
        kernel = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
        assert _summary(kernel) == _summary(python), seed
        profile_module.PROFILE_FROM_LINKS = 1 << 30
        without = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=False)
        profile_module.PROFILE_FROM_LINKS = 0
        fewer += python.labels_settled < without.labels_settled
    assert judged > 200
    assert fewer >= 6, "the profile must prune for this test to judge it"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6).flatmap(lambda seed: st.tuples(st.just(seed), queries(_big_network(seed)))))
def test_the_kernel_reads_the_profile_as_the_python_search_does(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    network = _big_network(seed)
    compiled = compile_routing(network)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(profile_module, "PROFILE_FROM_LINKS", 0)
        python = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=False)
        kernel = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
    assert _summary(kernel) == _summary(python)


def _fixed_point(ctx: QueryContext, spend: np.ndarray, layers: int, deadline: int) -> np.ndarray:
    """The latest minutes towards ``deadline`` by another method than the compiled pass (the judge): every move
    relaxed, in link order, until nothing changes (Bellman-Ford), each deadline and layer from nothing."""
    graph = bound_graph_of(ctx)
    net = network_tables(ctx.compiled)
    timetables = (
        net.timetable_kind,
        net.timetable_headway,
        net.timetable_anchor,
        net.timetable_ptr,
        net.timetable_weekly,
    )
    never = -(1 << 62)
    latest = [never] * (len(graph.usable) * layers)
    for source in np.flatnonzero(graph.usable & (graph.link_to == ctx.destination) & graph.can_arrive):
        latest[int(source) * layers : (int(source) + 1) * layers] = [deadline] * layers
    changed = True
    while changed:
        changed = False
        for link in range(len(graph.indptr) - 1):
            depart_by_of = int(net.link_run_min[link] + net.link_entry_min[link])
            for spent in range(layers):
                at = latest[link * layers + spent]
                if at == never:
                    continue
                depart_by = at - depart_by_of
                boarded_by = int(previous_departure(*timetables, net.link_timetable[link], depart_by))
                for k in range(graph.indptr[link], graph.indptr[link + 1]):
                    before = spent - int(spend[k])
                    if before < 0:
                        continue
                    move = graph.kept[k]
                    depart = boarded_by if graph.moves.transfers[move] != 0 else depart_by
                    candidate = depart - int(net.link_exit_min[link]) - int(graph.moves.time_extra[move])
                    previous = int(graph.indices[k]) * layers + before
                    if candidate > latest[previous]:
                        latest[previous] = candidate
                        changed = True
    return np.array([UNREACHABLE if minute == never else minute for minute in latest], dtype=np.int64)


def test_the_carried_passes_give_the_latest_minutes_of_a_plain_fixed_point() -> None:
    """``latest_minutes`` carries each deadline's minutes into the next, and each layer's into the one below
    (only the link-states whose minute moves are settled again). On random networks, one layer and several with
    random spends, fine and coarse grids, its minutes at the first, a middle and the last deadline equal a plain
    relaxation to the fixed point of each deadline from nothing; and the carrying was exercised both ways."""
    reached_minutes = carried = inherited = 0
    for seed in SEEDS[:24]:
        network = random_network(seed, n_nodes=10, n_services=6, n_links=40)
        ctx = QueryContext(compile_routing(network), _query(network, seed))
        graph = bound_graph_of(ctx)
        rng = np.random.default_rng(seed)
        for layers, step_min in ((1, 360), (4, 1440), (6, 5040)):
            spend = (
                rng.integers(0, 3, len(graph.indices)).astype(np.int8)
                if layers > 1
                else np.zeros(len(graph.indices), dtype=np.int8)
            )
            minutes = latest_minutes(ctx, graph, spend, layers, step_min, None)
            deadlines = minutes.shape[1]
            for k in sorted({0, deadlines // 2, deadlines - 1}):
                judged = _fixed_point(ctx, spend, layers, MONDAY_OFFSET_MIN + k * step_min)
                assert np.array_equal(minutes[:, k], judged), (seed, layers, step_min, k)
            reached = minutes != UNREACHABLE
            reached_minutes += int(reached.sum())
            carried += int((reached[:, 1:] & (minutes[:, 1:] == minutes[:, :-1])).sum())
            if layers > 1:
                by_layer = minutes.reshape(-1, layers, deadlines)
                inherited += int(((by_layer[:, :-1] == by_layer[:, 1:]) & (by_layer[:, 1:] != UNREACHABLE)).sum())
    # The equality with the fixed point is the judge; these say the carried passes had something to carry.
    assert reached_minutes > 20_000
    assert carried > reached_minutes // 20, "some minutes must stay from one deadline to the next"
    assert inherited > reached_minutes // 20, "some layers must hold the minutes of the one above"


def test_a_stop_request_interrupts_the_profile_and_caches_nothing() -> None:
    network = random_network(3, n_nodes=10, n_services=6, n_links=40)
    ctx = QueryContext(compile_routing(network), _query(network, 3))
    polls = []

    def stop_at_the_third_poll() -> str | None:
        polls.append(1)
        return "deadline" if len(polls) == 3 else None

    with pytest.raises(SearchInterrupted, match="deadline"):
        arrival_profile(ctx, stop_at_the_third_poll)
    assert len(polls) == 3  # polled between deadlines, not only at the start
    polls.clear()
    profile = arrival_profile(ctx, lambda: polls.append(1))  # type: ignore[func-returns-value]
    deadlines = 10080 // profile.step_min
    assert len(polls) == deadlines  # computed afresh: the interrupted one was not kept
    assert profile.latest.shape == (len(ctx.compiled.link_ids), deadlines)
    assert arrival_profile(ctx, lambda: polls.append(1)) is profile  # type: ignore[func-returns-value]
    assert len(polls) == deadlines  # and now cached: not computed (nor polled) again


def test_with_through_products_no_route_arrives_before_the_bound() -> None:
    """Through products wait for their own departures at an internal vehicle change (and are boarded and left only
    at their ends): the profile must not assume less waiting than the search does."""
    hops = raised = 0
    for seed in SEEDS:
        network = tariff_network(seed)
        if not network.through_tariffs:
            continue
        product = network.through_tariffs[seed % len(network.through_tariffs)]
        origin = network.links[product.link_ids[0]].from_id
        destination = network.links[product.link_ids[-1]].to_id
        query = replace(_query(network, seed), origin=origin, destination=destination)
        ctx = QueryContext(compile_routing(network), query)
        outcome = search_module.search(ctx, PARETO_ORDER, pareto=True, kernel=False)
        counted = _check_hops(ctx, outcome)
        hops, raised = hops + counted[0], raised + counted[1]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(profile_module, "PROFILE_FROM_LINKS", 0)
            python = search_module.search(QueryContext(ctx.compiled, query), PARETO_ORDER, pareto=True, kernel=False)
            kernel = search_module.search(QueryContext(ctx.compiled, query), PARETO_ORDER, pareto=True, kernel=True)
        assert {label.vector for label in python.labels} == {label.vector for label in outcome.labels}, seed
        assert _summary(kernel) == _summary(python), seed
    assert hops > 500
    assert raised > hops // 10, "the profile must beat the static bound for this test to judge it"
