"""The compiled bound search gives scipy's distances and the heap loop's bounds, float for float.

Large networks compute their lower bounds in :mod:`engine.routing.bound_dijkstra` (a bucket queue, label-correcting
within a bucket); smaller ones in scipy or the heap loop that the brute-force tests judge. Here the compiled search
is held to scipy's Dijkstra on random graphs with awkward weights (zeros, ties, magnitudes from 1e-3 to 1e7, seeds
far apart) and, through :func:`engine.routing.bounds.lower_bounds`, to both other paths on random networks with via
nodes, loose cargo and de-consolidation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from engine.network.model import CargoClass, Network
from engine.routing import bound_dijkstra, bounds
from engine.routing.bounds import ALL_CRITERIA, INF, lower_bounds
from engine.routing.compiled import compile_network
from engine.routing.costing import QueryContext
from engine.routing.query import Constraints, RouteQuery, Shipment
from tests.routing.test_kernel import _big_network

BASE = datetime(2026, 12, 1, tzinfo=UTC)
WEIGHTS = st.one_of(
    st.just(0.0),
    st.integers(1, 50).map(float),
    st.floats(1e-3, 1e7, allow_nan=False, allow_infinity=False),
)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random CSR graph (row: the link taken, column: the link before it), move weights, sources and seeds."""
    n = draw(st.integers(1, 40))
    rows = [sorted(set(draw(st.lists(st.integers(0, n - 1), max_size=6)))) for _ in range(n)]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.asarray([c for r in rows for c in r], dtype=np.int32)
    weights = np.asarray(draw(st.lists(WEIGHTS, min_size=len(indices), max_size=len(indices))), dtype=np.float64)
    sources = np.asarray(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=4))), dtype=np.int64)
    seeds = st.just(0.0) | st.floats(0.0, 1e12, allow_nan=False) | st.integers(0, 10**6).map(float)
    seed_values = np.asarray(draw(st.lists(seeds, min_size=len(sources), max_size=len(sources))), dtype=np.float64)
    return indptr, indices, weights, sources, seed_values


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_bucket_search_equals_scipy_on_random_graphs(
    graph: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    indptr, indices, weights, sources, seeds = graph
    n = len(indptr) - 1
    # scipy from a source node with an edge to each source weighing its seed (as bounds.py chains via nodes)
    matrix = csr_matrix(
        (
            np.concatenate([weights, seeds]),
            np.concatenate([indices, sources.astype(np.int32)]),
            np.append(indptr, indptr[-1] + len(sources)),
        ),
        shape=(n + 1, n + 1),
    )
    expected = dijkstra(matrix, directed=True, indices=n)[:n]
    expected[np.isinf(expected)] = float(INF)
    expected = bounds._floor32(expected)
    # Each move's weight as a "lift" of its own (own weight 0: 0.0 + w is w), so any float weights per move.
    moves = np.arange(len(indices), dtype=np.int32)
    least = float(weights[weights > 0].min()) if (weights > 0).any() else 1.0
    most = float(weights.max(initial=0.0))
    for width in {1.0, least, max(least, most / 7), most or 1.0, 0.37}:
        width = max(width, float(seeds.max()) / 2.0**60)
        ring = min(int(most / width), bound_dijkstra.RING_BUCKETS) + 3
        got = bound_dijkstra._bucket_search(
            indptr,
            indices,
            moves,
            np.zeros(len(moves), dtype=np.int32),
            np.zeros(len(moves), dtype=np.int8),
            moves,
            np.zeros(n),
            weights,
            sources,
            seeds,
            bound_dijkstra._ADD_LIFT,
            width,
            ring,
        )
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected, err_msg=f"width {width}")


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, RouteQuery]:
    seed = draw(st.integers(0, 10**6))
    ids = sorted(_big_network(seed).nodes)
    origin, destination = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
    others = [n for n in ids if n not in (origin, destination)]
    loose = draw(st.integers(0, 3)) == 0
    teu = 0 if loose else draw(st.integers(1, 3))
    shipment = Shipment(teu, draw(st.sampled_from([800.0, 9000.0, 20000.0])), draw(st.sampled_from(list(CargoClass))))
    constraints = Constraints(
        via=tuple(draw(st.lists(st.sampled_from(others), max_size=2, unique=True))),
        allow_deconsolidation=draw(st.booleans()),
    )
    ready = BASE + timedelta(minutes=draw(st.integers(0, 14 * 1440)))
    return seed, RouteQuery(origin, destination, ready, shipment, constraints=constraints)


def _levels(network: Network, query: RouteQuery) -> list[np.ndarray]:
    """Every via level's bounds of every criterion, as float32 (a fresh network: nothing cached)."""
    found = lower_bounds(QueryContext(compile_network(network), query), criteria=ALL_CRITERIA)
    return [np.asarray([np.asarray(values, dtype=np.float64) for values in level]) for level in found.levels]


@settings(
    max_examples=120,
    deadline=None,
    # monkeypatch is used through contexts that end within each example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cases())
def test_bounds_are_the_same_compiled_in_scipy_or_in_the_heap_loop(
    monkeypatch: pytest.MonkeyPatch, case: tuple[int, RouteQuery]
) -> None:
    seed, query = case
    with monkeypatch.context() as patch:
        patch.setattr(bounds, "SCIPY_FROM_MOVES", 10**9)
        heap = _levels(_big_network(seed), query)
    with monkeypatch.context() as patch:
        patch.setattr(bounds, "SCIPY_FROM_MOVES", 0)
        patch.setattr(bounds, "COMPILED_FROM_MOVES", 10**9)
        scipy = _levels(_big_network(seed), query)
    with monkeypatch.context() as patch:
        patch.setattr(bounds, "SCIPY_FROM_MOVES", 0)
        patch.setattr(bounds, "COMPILED_FROM_MOVES", 0)
        compiled = _levels(_big_network(seed), query)
    assert len(compiled) == len(scipy) == len(heap) == len(query.constraints.via) + 1
    for got, in_scipy in zip(compiled, scipy, strict=True):
        np.testing.assert_array_equal(got, in_scipy)
    # The last level (to the destination) is the heap loop's float64 sums rounded down to float32; a level before a
    # via node is seeded with the next level's bounds, which the heap loop keeps in float64, so only this one.
    in_heap = heap[-1]
    rounded = np.where(in_heap >= INF, float(INF), bounds._floor32(in_heap.ravel()).reshape(in_heap.shape))
    np.testing.assert_array_equal(compiled[-1], rounded)


def test_warm_up_compiles_the_search_for_the_types_bounds_use(monkeypatch: pytest.MonkeyPatch) -> None:
    bound_dijkstra.warm_up()
    monkeypatch.setattr(bounds, "SCIPY_FROM_MOVES", 0)
    monkeypatch.setattr(bounds, "COMPILED_FROM_MOVES", 0)
    network = _big_network(7)
    ids = sorted(network.nodes)
    query = RouteQuery(ids[0], ids[1], BASE, Shipment(1, 9000.0, CargoClass.GENERAL))
    assert lower_bounds(QueryContext(compile_network(network), query), criteria=ALL_CRITERIA).origin_reachable
    # one machine-code specialisation: a bound search after the warm-up compiles nothing more
    assert len(bound_dijkstra._bucket_search.signatures) == 1
