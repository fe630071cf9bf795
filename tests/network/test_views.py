"""The snapshot's view cache: one per snapshot, bounded by estimated bytes, empty after pickling or copying."""

from __future__ import annotations

import dataclasses
import gc
import pickle
import sys
import weakref
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from engine.network import Network, load_network
from engine.network.model import RECORD_TYPES
from engine.network.views import ViewCache, estimate_nbytes
from engine.routing import RouteQuery, Shipment, find_routes
from engine.routing.model import compile_network

NETWORKS = Path(__file__).resolve().parents[1] / "networks"


def _query(teu: int = 2) -> RouteQuery:
    return RouteQuery("ORIGIN", "DEST", datetime(2026, 12, 1, tzinfo=UTC), Shipment(teu=teu, gross_weight_kg=20_000))


def test_a_routing_query_leaves_only_snapshot_views() -> None:
    network = load_network(NETWORKS / "toy")
    result = find_routes(network, _query())
    names = {key[0] for key in network.views.sizes()}  # type: ignore[index]
    # The compiled search kernel (once loaded in this process) keeps its arrays as views too.
    kernel_views = {"routing.kernel.network", "routing.kernel.no_loose_freight"}
    assert names - kernel_views == {
        "routing.compiled",
        "routing.usable_nodes",
        "routing.link_rules",
        "routing.dated_prices",
        "routing.surcharges",
        "routing.pricing",
        "routing.query_pricing",
        "routing.tariff_columns",
        "routing.bound_moves",
        "routing.bound_graph",
        "routing.bound_structure",
        "routing.bounds",
        "routing.u_turn_blocks",
        "routing.link_facts",
    }
    # Computed on first read (engine/routing/deferred.py):
    assert result.routes[0].provenance is not None
    assert result.routes[0].emissions is not None
    assert result.routes[0].arrival_p50 is not None
    assert {key[0] for key in network.views.sizes()} == {  # type: ignore[index]
        *names,
        "routing.provenance_cells",
        "routing.emission_factors_used",
        "routing.emission_links",
        "routing.emission_hubs",
        "routing.reliability",
    }
    assert network.views.nbytes == sum(network.views.sizes().values()) > 0


def test_views_are_rebuilt_after_pickling_with_the_same_answers() -> None:
    network = load_network(NETWORKS / "toy")
    network.views.max_bytes = 5_000_000
    before = find_routes(network, _query())
    _ = network.graph, network.node_index
    restored = pickle.loads(pickle.dumps(network))
    assert len(restored.views) == 0
    assert restored.views.max_bytes == 5_000_000
    assert len(pickle.dumps(network)) == len(pickle.dumps(restored))  # views never travel
    after = find_routes(restored, _query())
    assert after.routes == before.routes
    assert restored.graph.number_of_edges() == network.graph.number_of_edges()


def test_a_copy_starts_with_its_own_empty_views(toy_network: Network) -> None:
    compile_network(toy_network)
    copy = dataclasses.replace(toy_network, title="copy")
    assert len(copy.views) == 0
    assert compile_network(copy) is not compile_network(toy_network)
    assert compile_network(copy).network is copy


def test_the_bound_evicts_the_least_recently_used_views_first() -> None:
    cache = ViewCache(max_bytes=3 * 8_200)
    for name in ("a", "b", "c"):
        cache.get(name, lambda: np.zeros(1000))  # 8,000 bytes of data plus the array header
    cache.get("a", lambda: np.ones(1000))  # a hit: "a" is now the most recently used
    cache.get("d", lambda: np.zeros(1000))
    assert list(cache.sizes()) == ["c", "a", "d"]
    assert cache.nbytes <= cache.max_bytes
    assert float(cache.get("a", lambda: np.ones(1000))[0]) == 0.0  # the stored view, not a rebuild


def test_a_view_larger_than_the_bound_is_returned_but_not_kept() -> None:
    cache = ViewCache(max_bytes=1_000)
    cache.get("small", lambda: (1, 2, 3))
    big = cache.get("big", lambda: np.zeros(10_000))
    assert big.shape == (10_000,)
    assert "big" not in cache
    assert "small" in cache


def test_answers_do_not_depend_on_evictions() -> None:
    roomy = load_network(NETWORKS / "toy")
    tight = load_network(NETWORKS / "toy")
    tight.views.max_bytes = 20_000  # smaller than the compiled arrays plus bounds: views are rebuilt all the time
    tight.views.pinned_share = 0.0  # and not grown to the compiled arrays' size
    for teu in (1, 2, 3, 1):
        assert find_routes(tight, _query(teu)).routes == find_routes(roomy, _query(teu)).routes
    # the compiled arrays are pinned (kept whatever the bound); every other view stays within it
    assert tight.views.pinned_nbytes > 0
    assert tight.views.nbytes - tight.views.pinned_nbytes <= 20_000 < roomy.views.nbytes


def test_a_pinned_view_is_kept_whatever_the_bound_and_leaves_the_bound_to_the_others() -> None:
    cache = ViewCache(max_bytes=10_000)
    builds: list[str] = []
    big = cache.get("big", lambda: builds.append("big") or np.zeros(5_000), pin=True)
    assert cache.get("big", lambda: np.ones(1)) is big  # kept although it alone exceeds the bound
    cache.get("a", lambda: np.zeros(500))
    cache.get("b", lambda: np.zeros(500))
    assert {"big", "a", "b"} <= set(cache.sizes())  # the pinned bytes do not evict the others
    assert cache.nbytes == sum(cache.sizes().values()) == cache.pinned_nbytes + cache.sizes()["a"] * 2
    cache.clear()
    assert len(cache) == 0
    assert cache.nbytes == cache.pinned_nbytes == 0
    assert builds == ["big"]


def test_estimates_count_arrays_by_nbytes_and_leave_out_records_and_other_views(toy_network: Network) -> None:
    array = np.zeros(10_000)
    assert 80_000 <= estimate_nbytes(array) < 81_000
    compiled = compile_network(toy_network)
    alone = estimate_nbytes(compiled, shared=RECORD_TYPES)
    assert 0 < alone < estimate_nbytes(compiled)  # the snapshot's records belong to the snapshot
    pair = (compiled, array)
    assert estimate_nbytes(pair, shared=RECORD_TYPES, seen=[id(compiled)]) == sys.getsizeof(pair) + estimate_nbytes(
        array
    )


def test_a_dropped_snapshot_is_freed_with_its_views() -> None:
    # The compiled view refers back to its snapshot; the cycle is collected (a global table keyed weakly by the
    # snapshot, as before, kept every scenario copy alive through that back reference).
    network = load_network(NETWORKS / "toy")
    find_routes(network, _query())
    gone = weakref.ref(network)
    del network
    gc.collect()
    assert gone() is None


def test_the_bound_grows_with_the_pinned_views_when_asked() -> None:
    cache = ViewCache(max_bytes=10_000, pinned_share=1.0)
    cache.get("compiled", lambda: np.zeros(5_000), pin=True)  # 40,000 bytes: the bound becomes ~40 kB
    for name in ("a", "b", "c", "d"):
        cache.get(name, lambda: np.zeros(1_000))  # 8 kB each: all four fit under the grown bound, none under 10 kB
    assert {"a", "b", "c", "d"} <= set(cache.sizes())
    assert cache.bound == cache.pinned_nbytes
    fixed = ViewCache(max_bytes=10_000)
    fixed.get("compiled", lambda: np.zeros(5_000), pin=True)
    for name in ("a", "b", "c", "d"):
        fixed.get(name, lambda: np.zeros(1_000))
    assert list(fixed.sizes()) == ["compiled", "d"]  # without pinned_share the bound stays 10 kB: one view fits
