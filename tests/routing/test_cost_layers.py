"""The cost layers (:mod:`engine.routing.cost_layers`): a bound of the arrival given the reduced cost a completion
spends, exact searches with it, and the same labels from the kernel and the Python search.

Like the arrival profile they go with, the layers are used only on large networks; these tests lower
``PROFILE_FROM_LINKS`` to 0 so that random networks small enough for brute force use them too.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.realistic import base_pairs
from benchmarks.synthetic import generate
from engine.errors import SearchInterrupted
from engine.network import load_network
from engine.routing import arrival_profile as profile_module
from engine.routing import cost_layers as layers_module
from engine.routing import search as search_module
from engine.routing.bounds import bound_graph_of, lower_bounds
from engine.routing.cost_layers import cost_layers, layer_floor, reduced_costs
from engine.routing.costing import QueryContext
from engine.routing.labels import Label
from engine.routing.model import CompiledNetwork
from engine.routing.query import RouteQuery
from engine.routing.search import SearchOutcome
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing
from tests.routing.generators import random_network
from tests.routing.judged import python_search_judged
from tests.routing.test_arrival_profile import _query
from tests.routing.test_kernel import _summary
from tests.routing.test_tolerance import _covers

SEEDS = range(300)


@pytest.fixture
def layers_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_module, "PROFILE_FROM_LINKS", 0)


def _hops(route: Label) -> list[Label]:
    """The labels of a route, origin first."""
    hops = []
    label: Label | None = route
    while label is not None:
        hops.append(label)
        label = label.parent
    return hops[::-1]


@pytest.mark.usefixtures("layers_everywhere")
def test_no_route_spends_less_or_arrives_earlier_than_its_layer_says() -> None:
    """Judged on the Pareto routes of searches without the layers: at every hop, the rest of the route spends
    ``s`` units (its moves' spends summed) only if its reduced costs sum to at least ``s`` units, and arrives no
    earlier than the floor of the layer that still allows ``s``."""
    hops = raised = 0
    for seed in SEEDS:
        network = random_network(seed, n_nodes=10, n_services=6, n_links=40)
        ctx = QueryContext(compile_routing(network), _query(network, seed))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(layers_module, "MAX_BYTES", -1)
            outcome = search_module.search(ctx, PARETO_ORDER, pareto=True, kernel=False)
        if not outcome.labels:
            continue
        layers = cost_layers(ctx)
        graph = bound_graph_of(ctx)
        unit_bound = np.asarray(lower_bounds(ctx).cost_per_unit, dtype=np.float64)
        rc = reduced_costs(graph, unit_bound)
        unit, spend, _ = layers_module._spend(ctx, graph)
        m = layers.layers
        for route in outcome.labels:
            path = [hop for hop in _hops(route) if hop.link >= 0]
            arrival = route.vector[0]
            for i, hop in enumerate(path):
                spent, excess = 0, 0.0
                for before, after in zip(path[i:], path[i + 1 :], strict=False):
                    row = slice(graph.indptr[after.link], graph.indptr[after.link + 1])
                    move = graph.indptr[after.link] + int(np.flatnonzero(graph.indices[row] == before.link)[0])
                    spent += int(spend[move])
                    excess += float(rc[move])
                assert excess >= spent * unit * (1 - 1e-9), seed
                if spent >= m:
                    continue
                floor = layer_floor(layers, hop.link * m + m - 1 - spent, hop.vector[0])
                assert floor <= arrival, (seed, i)
                hops += 1
                raised += floor > hop.vector[0]
    assert hops > 1500
    assert raised > hops // 10, "the layers must say something for this test to judge them"


@pytest.mark.usefixtures("layers_everywhere")
def test_pareto_sets_with_the_layers_equal_brute_force_and_the_kernel_settles_the_same_labels() -> None:
    judged = changed = 0
    for seed in SEEDS:
        network = random_network(seed, n_nodes=8, n_services=5, n_links=24)
        query = _query(network, seed)
        python = python_search_judged(network, query)  # brute force's Pareto set, with the layers
        if python is None:
            continue
        judged += 1
        compiled = compile_routing(network)
        kernel = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
        assert _summary(kernel) == _summary(python), seed
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(layers_module, "MAX_BYTES", -1)
            without = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=False)
        assert {label.vector for label in without.labels} == {label.vector for label in python.labels}, seed
        changed += (python.labels_created, python.labels_settled) != (without.labels_created, without.labels_settled)
    assert judged > 150
    assert changed >= 1, "the layers must change the search for this test to judge them"


@pytest.fixture(scope="module")
def corridor(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledNetwork, list[RouteQuery]]:
    """The 400-node synthetic corridor (as the scale benchmark generates it) and its queries in a seeded order."""
    directory = tmp_path_factory.mktemp("corridor")
    generate(directory, 400, 2)
    network = load_network(directory)
    queries = base_pairs(network, 7)
    random.Random(7).shuffle(queries)
    return compile_routing(network), queries


def _with_and_without_layers(compiled: CompiledNetwork, query: RouteQuery) -> tuple[SearchOutcome, SearchOutcome]:
    """The kernel's search with the layers (asserted label for label equal to the Python search's) and without."""
    python = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=False)
    kernel = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
    assert _summary(kernel) == _summary(python), query
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layers_module, "MAX_BYTES", -1)
        without = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
    return kernel, without


@pytest.mark.usefixtures("layers_everywhere")
def test_on_a_synthetic_corridor_the_layers_change_the_search_not_its_routes(
    corridor: tuple[CompiledNetwork, list[RouteQuery]],
) -> None:
    """Random networks seldom give the layers anything to do (two seeds in 300 above); the synthetic corridor of the
    scale benchmark does on every query. The kernel and the Python search settle the same labels with them, and the
    Pareto sets are those of the search without them."""
    compiled, queries = corridor
    changed = 0
    for query in queries[:6]:
        kernel, without = _with_and_without_layers(compiled, query)
        assert {label.vector for label in without.labels} == {label.vector for label in kernel.labels}, query
        changed += without.labels_settled != kernel.labels_settled
    assert changed >= 4, "the layers must change the search for this test to judge them"


@pytest.mark.usefixtures("layers_everywhere")
def test_on_the_synthetic_corridor_an_epsilon_set_with_the_layers_covers_the_pareto_set(
    corridor: tuple[CompiledNetwork, list[RouteQuery]],
) -> None:
    """ε-Pareto searches check the regions by ε-dominance: on the synthetic corridor the layers change them, the
    kernel and the Python search settle the same labels, and every exact Pareto route is covered within ``1 + ε``
    (time from the ready minute) by a route of the ε-set."""
    compiled, queries = corridor
    changed = 0
    for query in queries[:10]:
        kernel, without = _with_and_without_layers(compiled, replace(query, pareto_tolerance=0.1))
        exact = search_module.search(QueryContext(compiled, query), PARETO_ORDER, pareto=True, kernel=True)
        ready = QueryContext(compiled, query).ready_min
        found = [label.vector for label in kernel.labels]
        for target in (label.vector for label in exact.labels):
            assert any(_covers(route, target, ready, 0.1) for route in found), (query, target)
        changed += without.labels_settled != kernel.labels_settled
    assert changed >= 5, "the layers must change the ε search for this test to judge them"


def test_a_stop_request_interrupts_the_layers_and_caches_nothing() -> None:
    network = random_network(3, n_nodes=10, n_services=6, n_links=40)
    ctx = QueryContext(compile_routing(network), _query(network, 3))
    polls: list[int] = []

    def stop_at_the_second_poll() -> str | None:
        polls.append(1)
        return "deadline" if len(polls) == 2 else None

    with pytest.raises(SearchInterrupted, match="deadline"):
        cost_layers(ctx, stop_at_the_second_poll)
    polls.clear()
    layers = cost_layers(ctx, lambda: polls.append(1))  # type: ignore[func-returns-value]
    deadlines = 10080 // layers.step_min
    assert len(polls) == deadlines  # computed afresh: the interrupted one was not kept
    assert layers.latest.shape == (len(ctx.compiled.link_ids) * layers.layers, deadlines)
    assert cost_layers(ctx, lambda: polls.append(1)).latest is layers.latest  # type: ignore[func-returns-value]
    assert len(polls) == deadlines  # cached: not computed (nor polled) again


def test_layers_for_tolerant_queries_but_not_mixed_ones_nor_beyond_the_memory_bound() -> None:
    network = random_network(5, n_nodes=10, n_services=6, n_links=40)
    compiled = compile_routing(network)
    query = _query(network, 5)
    assert layers_module.layers_wanted(QueryContext(compiled, query))
    tolerant = replace(query, pareto_tolerance=0.05)
    assert layers_module.layers_wanted(QueryContext(compiled, tolerant))  # checked by ε-dominance
    mixed = QueryContext(compiled, replace(query, constraints=replace(query.constraints, allow_deconsolidation=True)))
    assert not mixed.starts_loose  # containers ...
    assert mixed.allow_deconsolidation  # ... that may go on as loose cargo
    assert not layers_module.layers_wanted(mixed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layers_module, "MAX_BYTES", 0)
        assert not layers_module.layers_wanted(QueryContext(compiled, query))
