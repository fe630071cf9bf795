"""The compiled kernel is the Python search, label for label: same routes, same links, same counts.

The Python loop (:mod:`engine.routing.search`) is the reference the brute-force tests judge; here the kernel
(:mod:`engine.routing.kernel`) is held to it on random networks larger than brute force can enumerate (U-turn
blocks, via nodes, constraints, loose cargo, de-consolidation, through products, fee units, surcharges), to brute
force on small ones, and to the Python loop on the shipped network's realistic China → Europe queries.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from engine.errors import SearchInterrupted, SearchOutgrewMemory
from engine.network.load import load_network
from engine.network.model import CargoClass, Mode, Network
from engine.routing import kernel as kernel_module
from engine.routing.api import find_routes
from engine.routing.costing import QueryContext
from engine.routing.kernel_routes import FoundLabel, chain_steps
from engine.routing.query import Constraints, Objective, RouteQuery, Shipment
from engine.routing.search import SearchOutcome, search
from engine.routing.select import LEXICOGRAPHIC_ORDERS, PARETO_ORDER
from engine.routing.through import compile_routing as compile_network
from tests.routing.generators import random_network
from tests.routing.oracle import EnumerationTooLarge, all_route_vectors, pareto_set
from tests.routing.test_tariff_exactness import cases as tariff_cases
from tests.routing.test_tariff_exactness import tariff_network

BASE = datetime(2026, 12, 1, tzinfo=UTC)
SHIPPED = Path(__file__).resolve().parents[2] / "graphs" / "middle_corridor"
ORDERS = [(PARETO_ORDER, True)] + [(order, False) for order in LEXICOGRAPHIC_ORDERS.values()]


def _big_network(seed: int) -> Network:
    """Larger than brute force can enumerate: 10-20 nodes, 4-9 services, 105-210 links, most of them run both ways
    by their service (as real lines do), so U-turn blocks matter."""
    network = random_network(seed, n_nodes=10 + seed % 11, n_services=4 + seed % 6, n_links=60 + seed % 61)
    links = dict(network.links)
    for link in network.links.values():
        if int(link.id[1:]) % 4:  # three in four links also run back
            links[link.id + "r"] = replace(link, id=link.id + "r", from_id=link.to_id, to_id=link.from_id)
    return replace(network, links=links)


@st.composite
def queries(draw: st.DrawFn, network: Network) -> RouteQuery:
    ids = sorted(network.nodes)
    origin, destination = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
    ready = BASE + timedelta(minutes=draw(st.integers(0, 14 * 1440)))
    loose = draw(st.integers(0, 4)) == 0
    teu = 0 if loose else draw(st.integers(1, 3))
    weight = draw(st.sampled_from([800.0, 9000.0, 20000.0, 30000.0]))
    if teu:
        weight = min(weight, teu * 30000.0)
    shipment = Shipment(teu, weight, draw(st.sampled_from(list(CargoClass))))
    others = [n for n in ids if n not in (origin, destination)]
    if draw(st.booleans()):
        return RouteQuery(
            origin,
            destination,
            ready,
            shipment,
            constraints=Constraints(allow_deconsolidation=draw(st.booleans())),
            max_routes=100,
        )
    constraints = Constraints(
        avoid_modes=frozenset(draw(st.sets(st.sampled_from(list(Mode)), max_size=1))),
        via=tuple(draw(st.lists(st.sampled_from(others), max_size=2, unique=True))) if draw(st.booleans()) else (),
        max_transfers=draw(st.none() | st.integers(0, 4)),
        arrive_by=draw(st.none() | st.integers(24, 24 * 40).map(lambda h: ready + timedelta(hours=h))),
        max_cost_usd=draw(st.none() | st.sampled_from([2000.0, 8000.0, 30000.0])),
        max_co2e_kg=draw(st.none() | st.sampled_from([500.0, 5000.0])),
        allow_deconsolidation=draw(st.booleans()),
    )
    return RouteQuery(origin, destination, ready, shipment, constraints=constraints, max_routes=100)


def _both(network: Network, query: RouteQuery, order: tuple[int, ...], pareto: bool) -> tuple[object, object]:
    compiled = compile_network(network)
    python = search(QueryContext(compiled, query), order, pareto=pareto, kernel=False)
    compiled_run = search(QueryContext(compiled, query), order, pareto=pareto, kernel=True)
    return _summary(python), _summary(compiled_run)


def _summary(outcome: SearchOutcome) -> tuple[object, ...]:
    """Everything a caller sees: vectors in order, each route's links and steps, and the label counts."""
    routes = []
    for label in outcome.labels:
        steps = []
        walk = label
        while walk.parent is not None:
            steps.append(walk.step)
            walk = walk.parent
        routes.append((label.vector, label.node, label.service, label.loose, label.via, tuple(reversed(steps))))
    return tuple(routes), outcome.labels_created, outcome.labels_settled


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.integers(0, 10**6).flatmap(lambda seed: st.tuples(st.just(seed), queries(_big_network(seed)))))
def test_kernel_equals_python_search_on_random_networks(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    network = _big_network(seed)
    for order, pareto in ORDERS:
        python, compiled_run = _both(network, query, order, pareto)
        assert compiled_run == python, (order, pareto)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tariff_cases())
def test_kernel_equals_python_search_with_tariffs_and_through_products(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    network = tariff_network(seed)
    for order, pareto in ORDERS:
        python, compiled_run = _both(network, query, order, pareto)
        assert compiled_run == python, (order, pareto)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6).flatmap(lambda seed: st.tuples(st.just(seed), queries(random_network(seed, 6, 4, 18)))))
def test_kernel_pareto_set_equals_brute_force(case: tuple[int, RouteQuery]) -> None:
    seed, query = case
    network = random_network(seed, 6, 4, 18)
    try:
        expected = pareto_set(all_route_vectors(network, query))
    except EnumerationTooLarge:
        reject()
    outcome = search(QueryContext(compile_network(network), query), PARETO_ORDER, pareto=True, kernel=True)
    found = [label.vector for label in outcome.labels]
    assert len(found) == len(set(found))
    assert set(found) == expected


@pytest.fixture(scope="module")
def shipped() -> Network:
    return load_network(SHIPPED)


def _realistic(network: Network) -> list[RouteQuery]:
    from benchmarks.realistic import realistic_mix

    mix = realistic_mix(network)
    return [query for category in mix.values() for query in category[::9]]


def test_kernel_equals_python_search_on_the_shipped_network(shipped: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    # Start small so that the searches also grow their storage (and poll in slices) on the way.
    monkeypatch.setattr(kernel_module, "START_LABELS", {True: 256, False: 256})
    monkeypatch.setattr(kernel_module, "START_HINT_MAX", 256)  # no larger start learnt from earlier searches
    monkeypatch.setattr(kernel_module, "SLICE_S", 1e-5)  # slices of a few labels: resumed at almost every one
    monkeypatch.setattr(kernel_module, "FIRST_SLICE", 16)
    compared = 0
    polls: list[int] = []

    def poll() -> None:
        polls.append(1)

    for query in _realistic(shipped):
        single = query.objective in LEXICOGRAPHIC_ORDERS
        order = LEXICOGRAPHIC_ORDERS[query.objective] if single else PARETO_ORDER
        compiled = compile_network(shipped)
        python = search(QueryContext(compiled, query), order, pareto=not single, kernel=False)
        compiled_run = search(
            QueryContext(compiled, query),
            order,
            pareto=not single,
            kernel=True,
            should_stop=poll,
        )
        assert _summary(compiled_run) == _summary(python), (query.origin, query.destination, query.constraints)
        compared += 1
    assert compared >= 50
    assert len(polls) > 10  # the long searches were polled between slices


def test_a_search_state_kept_for_the_next_search_answers_as_a_new_one(
    shipped: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each search on a thread reuses the last one's state, emptied (kernel._spare_state): the labels, routes found
    # and hash table a previous (different) search left there must not leak into the next answer.
    queries = _realistic(shipped)[:24]
    fns = kernel_module._functions()
    made: list[int] = []  # one per new state (a kept one is emptied by the kernel instead)
    new_state = fns["new_state"]
    monkeypatch.setitem(fns, "new_state", lambda *args: (made.append(1), new_state(*args))[1])

    def answers(fresh: bool) -> list[tuple[object, ...]]:
        out = []
        for query in queries:
            if fresh:
                kernel_module._spare.state = None
            single = query.objective in LEXICOGRAPHIC_ORDERS
            order = LEXICOGRAPHIC_ORDERS[query.objective] if single else PARETO_ORDER
            ctx = QueryContext(compile_network(shipped), query)
            out.append(_summary(search(ctx, order, pareto=not single, kernel=True)))
        return out

    new = answers(fresh=True)
    assert len(made) == len(queries)
    made.clear()
    assert answers(fresh=False) == new
    assert len(made) <= len(queries) // 2  # most searches did reuse the last state


def test_a_kept_state_with_more_room_serves_a_smaller_search_up_to_a_ratio(
    shipped: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kept state larger than a search would start with is emptied and used (no fresh pages to touch), up to
    # SPARE_MAX_ROOM_RATIO times the room wanted; beyond it the search takes a new state. Either way the answer is
    # the one a new state gives.
    query = next(q for q in _realistic(shipped) if q.objective not in LEXICOGRAPHIC_ORDERS)
    fns = kernel_module._functions()
    made: list[int] = []  # the label room of each new state
    new_state = fns["new_state"]

    def counted_new_state(*args: object) -> tuple[object, ...]:
        state = new_state(*args)
        made.append(state[0].shape[0])
        return state  # type: ignore[no-any-return]

    monkeypatch.setitem(fns, "new_state", counted_new_state)

    def answer(spare_room: int | None) -> tuple[object, ...]:
        monkeypatch.setattr(kernel_module, "_start_hints", weakref.WeakKeyDictionary())  # the same start each time
        kept = None if spare_room is None else new_state(spare_room, 64, 64, 0, 0)
        kernel_module._spare.state = None if kept is None else (kept, kernel_module._nbytes(kept))
        ctx = QueryContext(compile_network(shipped), query)
        return _summary(search(ctx, PARETO_ORDER, pareto=True, kernel=True))

    fresh = answer(None)
    room = made[0]  # what the search starts with (it may grow after)
    made.clear()
    assert answer(room * kernel_module.SPARE_MAX_ROOM_RATIO) == fresh
    assert not made  # the larger state was used
    assert answer(room * kernel_module.SPARE_MAX_ROOM_RATIO * 2) == fresh
    assert made  # too large: a new one


def test_the_steps_the_kernel_leaves_are_the_models_steps(shipped: Network) -> None:
    # An answer is built from the step rows the kernel keeps per label (FoundLabel.steps), not from replaying the
    # model: every route found must get exactly the steps QueryContext.step gives along its links.
    compared = 0
    for query in _realistic(shipped):
        single = query.objective in LEXICOGRAPHIC_ORDERS
        order = LEXICOGRAPHIC_ORDERS[query.objective] if single else PARETO_ORDER
        ctx = QueryContext(compile_network(shipped), query)
        for found in search(ctx, order, pareto=not single, kernel=True).labels:
            assert isinstance(found, FoundLabel)
            from_rows = found.steps()
            assert from_rows == chain_steps(found)  # replayed through the model (parents and steps)
            assert from_rows == found.steps()  # and the same once the chain has been replayed
            compared += 1
    assert compared >= 200


def test_pareto_searches_without_step_rows_answer_the_same(shipped: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    # On large networks a PARETO search keeps no step rows (memory) and its answers replay the routes shown.
    monkeypatch.setenv("CORRIDOR_KERNEL", "on")
    queries = [q for q in _realistic(shipped) if q.objective not in LEXICOGRAPHIC_ORDERS][:12]
    with_rows = [repr(find_routes(shipped, q)) for q in queries]
    monkeypatch.setattr(kernel_module, "STEP_ROWS_UP_TO_LINKS", 0)
    ctx = QueryContext(compile_network(shipped), queries[0])
    assert all(found._hops is None for found in search(ctx, PARETO_ORDER, pareto=True, kernel=True).labels)
    assert [repr(find_routes(shipped, q)) for q in queries] == with_rows


def test_slices_are_sized_by_the_time_the_last_one_took() -> None:
    target = kernel_module.SLICE_S
    assert kernel_module.next_slice(1000, target / 10) == 2000  # cheap labels: at most doubled
    assert kernel_module.next_slice(1000, target * 4) == 250  # dear labels (full bags): shrunk to the target
    assert kernel_module.next_slice(1000, target * 1e6) == 1  # never below one label
    assert kernel_module.next_slice(64, 0.0) == 128


def test_answers_are_the_same_bytes_either_way(shipped: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    query = RouteQuery(
        "XIAN", "DUISBURG", datetime(2026, 12, 1, tzinfo=UTC), Shipment(2, 20_000.0, CargoClass.GENERAL), max_routes=5
    )
    answers = []
    for setting in ("off", "on"):
        monkeypatch.setenv("CORRIDOR_KERNEL", setting)
        answers.append(repr(find_routes(shipped, query)))
    assert answers[0] == answers[1]
    assert "XIAN" in answers[0]


def test_a_stop_request_interrupts_the_kernel(shipped: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel_module, "FIRST_SLICE", 16)
    query = RouteQuery(
        "XIAN",
        "DUISBURG",
        datetime(2026, 12, 1, tzinfo=UTC),
        Shipment(1, 10_000.0, CargoClass.GENERAL),
        constraints=Constraints(avoid_countries=frozenset({"RU", "BY"})),
        max_routes=5,
    )
    ctx = QueryContext(compile_network(shipped), query)
    with pytest.raises(SearchInterrupted, match="deadline"):
        search(ctx, PARETO_ORDER, pareto=True, kernel=True, should_stop=lambda: "deadline")


def test_the_debug_hook_needs_the_python_loop(shipped: Network) -> None:
    query = RouteQuery("XIAN", "DUISBURG", datetime(2026, 12, 1, tzinfo=UTC), Shipment(1, 10_000.0))
    ctx = QueryContext(compile_network(shipped), replace(query, objective=Objective.CHEAPEST))
    with pytest.raises(ValueError, match="on_label"):
        search(ctx, PARETO_ORDER, pareto=True, kernel=True, on_label=lambda _event, _label: None)


def test_a_search_that_outgrows_its_memory_budget_stops_with_a_clear_error(
    shipped: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CORRIDOR_SEARCH_MEMORY_MB bounds a compiled search's state: a search that would grow past it stops with
    SearchOutgrewMemory (a SearchInterrupted, reason "memory") naming the budget and what to narrow; with room, the
    same search answers; a malformed setting is refused naming the variable."""
    monkeypatch.setattr(kernel_module, "START_LABELS", {True: 256, False: 256})
    monkeypatch.setattr(kernel_module, "START_HINT_MAX", 256)
    kernel_module._spare.state = None
    from benchmarks.realistic import realistic_mix

    query = realistic_mix(shipped)["pareto_via"][52]  # 13k labels: its state grows to 16k labels, ~4 MiB
    ctx = QueryContext(compile_network(shipped), query)
    monkeypatch.setenv("CORRIDOR_SEARCH_MEMORY_MB", "1")  # a state of 256 labels takes ~0.2 MiB, 4,096 over 1
    with pytest.raises(SearchOutgrewMemory) as stopped:
        search(ctx, PARETO_ORDER, pareto=True, kernel=True)
    assert stopped.value.reason == "memory"
    assert isinstance(stopped.value, SearchInterrupted)
    assert stopped.value.budget_bytes == 1 << 20
    assert 256 < stopped.value.labels < 8192
    assert "budget of 1 MiB" in str(stopped.value)
    assert "CORRIDOR_SEARCH_MEMORY_MB" in str(stopped.value)
    monkeypatch.setenv("CORRIDOR_SEARCH_MEMORY_MB", "0")  # none
    assert search(ctx, PARETO_ORDER, pareto=True, kernel=True).labels
    monkeypatch.setenv("CORRIDOR_SEARCH_MEMORY_MB", "2GB")
    with pytest.raises(ValueError, match="CORRIDOR_SEARCH_MEMORY_MB must be a whole number of MiB"):
        kernel_module.search_memory_budget_bytes()
    monkeypatch.delenv("CORRIDOR_SEARCH_MEMORY_MB")
    assert kernel_module.search_memory_budget_bytes() == kernel_module.SEARCH_MEMORY_MB << 20
