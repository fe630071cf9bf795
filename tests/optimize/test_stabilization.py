"""Directional dual smoothing (engine.optimize.stabilization): the subgradient is capacity minus the flow of the
cheapest paths, the point keeps the Wentges step length, and the column generation stays exact with it."""

from __future__ import annotations

import numpy as np
import pytest

from engine.optimize import AssignRequest, assign_demand, colgen
from engine.optimize.entering import walk
from engine.optimize.master_highs import HighsMaster
from engine.optimize.stabilization import Subgradient, directional_point, subgradient
from tests.optimize.test_assign import NO_SERVICE_CAPS, assert_matches_arc_lp, random_instance
from tests.optimize.test_column_management import _priced


def test_subgradient_is_capacity_minus_the_flow_of_the_cheapest_paths() -> None:
    """Replayed from Pricer.column: every served commodity's demand on each link and lift of its cheapest path;
    a commodity cheaper to leave unserved sends nothing; a zero dual keeps no positive component."""
    _, compiled, commodities, pricer = _priced(5, 3)
    rng = np.random.default_rng(5)
    n_links, n_nodes = len(compiled.link_ids), len(compiled.node_ids)
    link_dual = -rng.uniform(0.0, 50.0, n_links) * (rng.random(n_links) < 0.5)
    node_dual = -rng.uniform(0.0, 50.0, n_nodes) * (rng.random(n_nodes) < 0.5)
    link_cap = np.where(rng.random(n_links) < 0.7, rng.choice([3.0, 20.0, 60.0], n_links), np.inf)
    node_cap = np.where(rng.random(n_nodes) < 0.5, rng.choice([5.0, 40.0], n_nodes), np.inf)
    shortest = pricer.price(-link_dual, -node_dual)
    demand = np.array([c.demand for c in commodities])
    penalty = np.array([c.penalty for c in commodities])
    penalty[np.flatnonzero(np.isfinite(shortest))[0]] = 0.0  # this one is cheaper unserved: it sends nothing
    walked = walk(pricer, shortest, demand)
    slope = subgradient(pricer, walked, shortest, demand, penalty, link_cap, node_cap, link_dual, node_dual)
    link_flow, node_flow = np.zeros(n_links), np.zeros(n_nodes)
    served = 0
    for k in np.flatnonzero(shortest < penalty).tolist():
        column = pricer.column(k)
        served += 1
        for link in column.links:
            link_flow[link] += demand[k]
        for node in column.lifts:
            node_flow[node] += demand[k]
    assert served >= 5
    for cap, flow, dual, got in (
        (link_cap, link_flow, link_dual, slope.link),
        (node_cap, node_flow, node_dual, slope.node),
    ):
        expected = np.where(np.isfinite(cap), cap - flow, 0.0)
        expected[(dual >= 0) & (expected > 0)] = 0.0
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    assert (slope.link < 0).any()  # some link is over capacity at these duals (the test checks a real flow)
    assert (slope.link == 0)[np.isfinite(link_cap) & (link_dual == 0) & (link_cap > link_flow)].all()


def test_directional_point_keeps_the_wentges_step_and_turns_to_the_subgradient() -> None:
    """Along the master's direction the point is the plain Wentges one; otherwise it lies at the same distance
    from the centre, turned towards the subgradient, and never above 0."""
    center = (np.array([-4.0, -2.0, 0.0]), np.array([-1.0]))
    master = (np.array([-8.0, 0.0, 0.0]), np.array([-3.0]))
    alpha = 0.9
    plain = [alpha * c + (1 - alpha) * m for c, m in zip(center, master, strict=True)]
    along = Subgradient(master[0] - center[0], master[1] - center[1])
    for got, want in zip(directional_point(center, master, along, alpha), plain, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    across = Subgradient(np.array([-1.0, 0.0, 0.0]), np.array([0.0]))  # 45°-ish from the master's direction
    link, node = directional_point(center, master, across, alpha)
    distance = np.sqrt(sum(float(((m - c) ** 2).sum()) for c, m in zip(center, master, strict=True)))
    moved = np.sqrt(float(((link - center[0]) ** 2).sum() + ((node - center[1]) ** 2).sum()))
    assert moved == pytest.approx((1 - alpha) * distance, rel=1e-12)
    plain_turn = np.dot(plain[0] - center[0], across.link) / np.linalg.norm(plain[0] - center[0])
    turn = np.dot(link - center[0], across.link) / np.linalg.norm(link - center[0])
    assert turn > plain_turn  # closer to the subgradient's direction than the plain point
    assert (link <= 0).all()
    assert (node <= 0).all()
    none = Subgradient(np.zeros(3), np.zeros(1))  # no direction: the plain point
    for got, want in zip(directional_point(center, master, none, alpha), plain, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("directional", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_both_smoothings_reach_the_arc_lp_optimum(
    seed: int, directional: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With and without the directional turn the column generation ends at the arc LP's optimum ("optimal")."""
    monkeypatch.setattr(colgen, "DIRECTIONAL_SMOOTHING", directional)
    monkeypatch.setattr(colgen, "WARM_START_ROUNDS", 0)
    assert_matches_arc_lp(seed)


def test_the_directional_turn_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The random instances do price at directional points (otherwise the test above proves nothing about it)."""
    taken: list[bool] = []
    point = directional_point

    def counting(*args: object, **kw: object) -> tuple[np.ndarray, np.ndarray]:
        taken.append(True)
        return point(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("engine.optimize.colgen.directional_point", counting)
    monkeypatch.setattr(colgen, "WARM_START_ROUNDS", 0)
    for seed in range(4):
        assert_matches_arc_lp(seed)
    assert taken


@pytest.mark.parametrize(
    ("seed", "gap", "warm_start_rounds"), [(0, 0.3, 0), (1, 0.1, 0), (9, 0.03, 0), (3, 0.03, 12), (6, 0.03, 12)]
)
def test_optimal_only_when_nothing_prices_out_at_the_master_duals(
    seed: int, gap: float, warm_start_rounds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loose gap met at a smoothed pricing that finds nothing entering: the round prices again at the master's
    own duals, and the pass says "optimal" only if nothing prices out there, else "gap". These instances and gaps
    are ones where the smoothed pricing found nothing in the last round (checked below; before the fix they said
    "optimal" without pricing at the master's duals)."""
    calls: list[tuple[str, int]] = []
    at_master, at_smoothed = colgen.entering_columns, colgen.entering_at

    def spy_master(*args: object, **kw: object) -> list[object]:
        found = at_master(*args, **kw)  # type: ignore[arg-type]
        calls.append(("master", len(found)))
        return found  # type: ignore[return-value]

    def spy_smoothed(*args: object, **kw: object) -> list[object]:
        found = at_smoothed(*args, **kw)  # type: ignore[arg-type]
        calls.append(("smoothed", len(found)))
        return found  # type: ignore[return-value]

    monkeypatch.setattr(colgen, "entering_columns", spy_master)
    monkeypatch.setattr(colgen, "entering_at", spy_smoothed)
    monkeypatch.setattr(colgen, "WARM_START_ROUNDS", warm_start_rounds)
    network, demand, link_cap, node_cap = random_instance(seed)
    request = AssignRequest(
        demand,
        {**link_cap, **node_cap},
        capacity_modes=NO_SERVICE_CAPS,
        usd_per_teu_day=30.0,
        unserved_usd_per_teu=4_000.0,
        gap=gap,
        tie_break=False,
    )
    result = assign_demand(network, request)
    assert calls[-2] == ("smoothed", 0)  # the case under test: nothing entered at the smoothed duals
    assert calls[-1][0] == "master"
    assert result.status == ("optimal" if calls[-1][1] == 0 else "gap")
    assert result.gap <= gap


@pytest.mark.parametrize("from_gap", [1.0, 0.3])
def test_the_penalty_stabilisation_is_taken_and_ended(from_gap: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The random instances end at the arc LP's optimum after a stabilised phase (from the start, or started
    mid-pass as at scale, where it starts at :data:`colgen.STABILISE_FROM_GAP`, which these small instances jump
    past) that is ended before the pass stops, and some stabilisation column carries flow on the way (else it did
    nothing)."""
    ended: list[bool] = []
    used: list[float] = []
    end, solve = HighsMaster.end_stabilisation, HighsMaster.solve

    def counting_end(master: HighsMaster) -> None:
        ended.append(True)
        end(master)

    def watching_solve(master: HighsMaster) -> tuple[object, ...]:
        out = solve(master)
        if master.stabilised:
            used.append(float(np.abs(out[4][np.concatenate([master._buy, master._waste])]).sum()))
        return out

    monkeypatch.setattr(HighsMaster, "end_stabilisation", counting_end)
    monkeypatch.setattr(HighsMaster, "solve", watching_solve)
    monkeypatch.setattr(colgen, "WARM_START_ROUNDS", 0)
    monkeypatch.setattr(colgen, "STABILISE_FROM_GAP", from_gap)
    for seed in range(8):
        assert_matches_arc_lp(seed)
    assert len(ended) >= (8 if from_gap >= 1.0 else 1)  # every pass, or those whose gap passed through 0.3
    assert max(used) > 0.0
