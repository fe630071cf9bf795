"""Column management in the column generation: the greedy warm start and dropping idle columns keep it exact."""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.optimize import colgen
from engine.optimize.master import Commodity
from engine.optimize.master_highs import WarmMaster
from engine.optimize.pricing import Pricer
from engine.optimize.transfer_graph import CargoSegment, TransferGraph, transfer_graph
from engine.optimize.warm_start import residual_routes
from engine.routing.model import CompiledNetwork, compile_network
from tests.optimize.test_assign import assert_matches_arc_lp, assign, random_instance


@pytest.mark.parametrize("warm_rounds", [0, 3])
@pytest.mark.parametrize("seed", range(8))
def test_dropping_idle_columns_still_reaches_the_arc_lp_optimum(
    seed: int, warm_rounds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Columns leave the master after one idle solve (the harshest setting) and pricing re-adds what it needs."""
    monkeypatch.setattr(colgen, "DROP_AFTER", 1)
    monkeypatch.setattr(colgen, "WARM_START_ROUNDS", warm_rounds)
    assert_matches_arc_lp(seed)


def test_some_instance_drops_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropping is exercised at all by the instances above (otherwise their test proves nothing about it)."""
    dropped: list[int] = []
    drop = WarmMaster.drop

    def counting_drop(master: WarmMaster, positions: np.ndarray) -> None:
        dropped.append(len(positions))
        drop(master, positions)

    monkeypatch.setattr(colgen, "DROP_AFTER", 1)
    monkeypatch.setattr(WarmMaster, "drop", counting_drop)
    monkeypatch.setattr(colgen, "WARM_START_ROUNDS", 0)
    for seed in range(8):
        network, demand, link_cap, node_cap = random_instance(seed)
        assign(network, demand, link_cap, node_cap)
    assert sum(dropped) > 0


def _priced(seed: int, split: int) -> tuple[TransferGraph, CompiledNetwork, list[Commodity], Pricer]:
    """The transfer graph of ``random_instance(seed)``, its compiled network, 9 TEU/week from each of the first
    ``split`` nodes (sorted ids) to each of the others, and their pricer (30 USD/day of time value)."""
    network, _, _, _ = random_instance(seed)
    graph = transfer_graph(network, CargoSegment())
    compiled = compile_network(network)
    nodes = sorted(network.nodes)
    commodities = [
        Commodity(compiled.node_index[o], compiled.node_index[d], 0, 9.0, 4_000.0)
        for o in nodes[:split]
        for d in nodes[split:]
        if o != d
    ]
    return graph, compiled, commodities, Pricer([graph], commodities, 30.0 / 24.0)


def test_warm_start_routes_are_paths_within_capacity() -> None:
    """Greedy routing on residual capacities: every column is a path from its commodity's origin to its
    destination, found once, and the flows it sends (replayed here) never exceed a link's capacity."""
    _, compiled, commodities, pricer = _priced(3, 4)
    link_cap = np.full(len(compiled.link_ids), 5.0)
    node_cap = np.full(len(compiled.node_ids), np.inf)
    demand = np.array([c.demand for c in commodities])
    penalty = np.array([c.penalty for c in commodities])
    columns = residual_routes(pricer, demand, penalty, link_cap, node_cap, 6)
    keys = [(c.commodity, c.links) for c in columns]
    assert len(keys) == len(set(keys))
    assert len({c.commodity for c in columns}) > 1
    by_commodity: dict[int, int] = {}
    for column in columns:
        by_commodity[column.commodity] = by_commodity.get(column.commodity, 0) + 1
        commodity = commodities[column.commodity]
        tails = [compiled.link_from[link] for link in column.links]
        heads = [compiled.link_to[link] for link in column.links]
        assert tails[0] == commodity.origin
        assert heads[-1] == commodity.destination
        assert tails[1:] == heads[:-1]
    assert max(by_commodity.values()) > 1  # capacity 5 < demand 9: some commodity needed a second path


def test_warm_start_stops_at_the_deadline() -> None:
    """A deadline already passed starts no round (the request's time limit covers the warm start too)."""
    network, _, _, _ = random_instance(3)
    graph = transfer_graph(network, CargoSegment())
    compiled = compile_network(network)
    nodes = sorted(network.nodes)
    commodities = [Commodity(compiled.node_index[nodes[0]], compiled.node_index[nodes[-1]], 0, 9.0, 4_000.0)]
    pricer = Pricer([graph], commodities, 30.0 / 24.0)
    caps = np.full(len(compiled.link_ids), 5.0)
    nodes_cap = np.full(len(compiled.node_ids), np.inf)
    args = (pricer, np.array([9.0]), np.array([4_000.0]), caps, nodes_cap, 6)
    unlimited = residual_routes(*args)
    assert unlimited  # there is a path, so an empty answer below is the deadline's doing
    assert residual_routes(*args, deadline=time.monotonic() - 1.0) == []
    assert residual_routes(*args, deadline=time.monotonic() + 60.0) == unlimited


@pytest.mark.parametrize("seed", [3, 5])
def test_path_arcs_walk_the_same_paths_as_column(seed: int) -> None:
    """The numpy walk of every priced path (Pricer.path_arcs, the entering check's quick sum) meets the same
    arcs as Pricer.column: the same links in order and the same cost, CO2e and capacity surcharges."""
    graph, compiled, _, pricer = _priced(seed, 5)
    rng = np.random.default_rng(seed)
    link_surcharge = rng.uniform(0.0, 50.0, len(compiled.link_ids))
    node_surcharge = rng.uniform(0.0, 50.0, len(compiled.node_ids))
    shortest = pricer.price(link_surcharge, node_surcharge)
    ks = np.flatnonzero(np.isfinite(shortest))
    assert len(ks) >= 5
    ((position, arc),) = pricer.path_arcs(ks)
    base = pricer.base[0]
    for i, k in enumerate(ks.tolist()):
        column = pricer.column(k)
        mine = arc[position == i][::-1]  # walked from the end back to the origin
        assert tuple(graph.link[mine].tolist()) == column.links
        assert base[mine].sum() == pytest.approx(column.cost, rel=1e-12)
        assert graph.co2e_kg[mine].sum() == pytest.approx(column.co2e_kg, rel=1e-12)
        lifts = graph.lift_node[mine]
        assert tuple(lifts[lifts >= 0].tolist()) == column.lifts
        links, lifts_used = np.asarray(column.links, dtype=np.int64), np.asarray(column.lifts, dtype=np.int64)
        surcharged = base[mine].sum() + link_surcharge[links].sum() + node_surcharge[lifts_used].sum()
        assert surcharged == pytest.approx(shortest[k], rel=1e-9)
