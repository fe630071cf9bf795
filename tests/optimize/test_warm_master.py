"""The warm HiGHS master (engine.optimize.master_highs): dual signs, the GLOP fallback, and dual smoothing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize._highspy import _core as highspy  # the master's HiGHS (engine.optimize.master_highs)

from engine.errors import OptimizerError
from engine.network import Network
from engine.optimize import AssignRequest, Demand, assign_demand, colgen
from engine.optimize.master import Column, Commodity
from engine.optimize.master_highs import HighsMaster
from tests.optimize.arc_lp import solve_arc_lp
from tests.optimize.test_assign import assign, random_instance


def _column(commodity: int, links: tuple[int, ...], cost: float) -> Column:
    return Column(commodity, links, (), usd=cost, hours=0.0, co2e_kg=0.0, cost=cost)


def test_duals_follow_the_mathopt_convention() -> None:
    """One commodity of 10 TEU, a cheap path over link 0 (capacity 4) and a dear one (cost 5 more): the link's dual
    is ∂z/∂cap = −5 ≤ 0 and the demand row's is the dear path's cost; adding a column re-solves warm."""
    master = HighsMaster([Commodity(0, 1, 0, 10.0, 1_000.0)], np.array([4.0, np.inf]), np.array([np.inf]))
    master.add_all([_column(0, (0,), 10.0)])
    z, pi, mu, nu, values = master.solve()
    assert z == pytest.approx(4 * 10.0 + 6 * 1_000.0)
    master.add_all([_column(0, (1,), 15.0)])
    z, pi, mu, nu, values = master.solve()
    assert z == pytest.approx(4 * 10.0 + 6 * 15.0)
    assert pi[0] == pytest.approx(15.0)
    assert mu[0] == pytest.approx(-5.0)
    assert mu[1] == 0.0
    assert nu[0] == 0.0
    assert master.flows(values) == pytest.approx([4.0, 6.0])
    assert master.unserved(values) == pytest.approx([0.0])


def test_highs_failure_falls_back_to_glop(toy_network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    demand = [Demand("ORIGIN", "DEST", 900.0), Demand("ORIGIN", "PORT_AZ", 500.0)]
    warm = assign_demand(toy_network, AssignRequest(tuple(demand), gap=0.0))

    def fail(_master: HighsMaster) -> None:
        msg = "the master LP could not be solved: highs: kSolveError"
        raise OptimizerError(msg)

    monkeypatch.setattr(HighsMaster, "solve", fail)
    fallback = assign_demand(toy_network, AssignRequest(tuple(demand), gap=0.0))
    assert warm.solver == "highs"
    assert fallback.solver == "glop"
    assert fallback.objective_usd_per_week == pytest.approx(warm.objective_usd_per_week, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_smoothed_pricing_reaches_the_arc_lp_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(colgen, "DEFAULT_SMOOTHING", 0.8)
    network, demand, link_cap, node_cap = random_instance(seed)
    result = assign(network, demand, link_cap, node_cap)
    oracle = solve_arc_lp(
        network, demand, link_cap, node_cap, usd_per_teu_day=30.0, unserved_usd_per_teu=4_000.0, lot_teu=2
    )
    assert result.status == "optimal"
    assert result.objective_usd_per_week == pytest.approx(oracle.objective, rel=1e-6, abs=1e-6)


def test_stabilised_master_picks_the_dual_nearest_the_centre_then_ends_plain() -> None:
    """Commodity 0 (10 TEU) runs link 0 (cost 10, capacity 10) or link 1 (cost 400); commodity 1 (5 TEU, penalty
    20) only link 0 (cost 10). Link 0 is overloaded until its row exists; then commodity 1 stays unserved and every
    μ₀ in [−390, −10] with π₀ = 10 − μ₀ is optimal: the plain master lands on an end, the stabilised one (centre
    −300) on −300, at the same objective. After :meth:`end_stabilisation` the stabilisation columns are fixed at 0:
    the plain master's objective and flows."""
    duals = []
    commodities = [Commodity(0, 1, 0, 10.0, 1_000.0), Commodity(0, 1, 0, 5.0, 20.0)]
    paths = [_column(0, (0,), 10.0), _column(0, (1,), 400.0), _column(1, (0,), 10.0)]
    for stabilised in (False, True):
        master = HighsMaster(commodities, np.array([10.0, 50.0]), np.array([np.inf]))
        if stabilised:
            master.stabilise(1.0)
            master.set_center(np.array([-300.0, 0.0]), np.array([0.0]))
        master.add_all(paths)
        z, pi, mu, _, values = master.solve()
        assert z == pytest.approx(200.0)
        assert master.flows(values) == pytest.approx([10.0, 0.0, 0.0])
        assert pi[0] + mu[0] == pytest.approx(10.0)
        duals.append(mu[0])
        if stabilised:
            assert master.stabilised
            master.end_stabilisation()
            assert not master.stabilised
            z, _, _, _, values = master.solve()
            assert z == pytest.approx(200.0)
            assert master.flows(values) == pytest.approx([10.0, 0.0, 0.0])
    assert duals[0] in (pytest.approx(-390.0), pytest.approx(-10.0))
    assert duals[1] == pytest.approx(-300.0)


def test_capacity_rows_appear_once_a_solve_fills_them() -> None:
    """A capacity gets its row only once a solve's flow reaches it: an idle or half-used link has none (dual 0, the
    same optimum), an overloaded one gets it and the master re-solves within it (flows, objective and dual as if
    every row had been there from the start)."""
    commodities = [Commodity(0, 1, 0, 10.0, 1_000.0)]
    master = HighsMaster(commodities, np.array([20.0, 4.0, 50.0]), np.array([np.inf]))
    master.add_all([_column(0, (0,), 10.0), _column(0, (1,), 5.0)])
    assert master.n_rows == 1  # the demand row only: nothing solved yet
    z, _, mu, _, values = master.solve()
    # link 1 (cost 5, capacity 4) was overloaded by the row-free solve: its row now holds 4 TEU there
    assert master.flows(values) == pytest.approx([6.0, 4.0])
    assert z == pytest.approx(80.0)
    assert mu == pytest.approx([0.0, -5.0, 0.0])
    assert master.link_row.tolist() == [-1, 1, -1]  # link 0 (6 of 20 TEU) and unused link 2 have no row


def test_stabilised_master_maps_paths_through_drops() -> None:
    """Stabilisation columns sit between path columns in HiGHS: flows, reduced costs and drops still address the
    paths in the order added (compared with a plain master holding the same paths)."""
    commodities = [Commodity(0, 1, 0, 10.0, 1_000.0), Commodity(1, 2, 0, 6.0, 800.0)]
    link_cap, node_cap = np.array([4.0, 5.0, 7.0]), np.array([np.inf, np.inf, np.inf])
    first = [_column(0, (0,), 10.0), _column(1, (1,), 20.0)]
    second = [_column(0, (1, 2), 30.0), _column(1, (2,), 25.0), _column(0, (2,), 60.0)]
    plain = HighsMaster(commodities, link_cap, node_cap)
    stable = HighsMaster(commodities, link_cap, node_cap)
    stable.stabilise(0.5)
    for master in (plain, stable):
        master.add_all(first)
        master.solve()
        master.add_all(second)
        master.solve()
        master.drop(np.array([1, 3]))
    stable.end_stabilisation()
    z_plain, _, _, _, v_plain = plain.solve()
    z_stable, pi, mu, _, v_stable = stable.solve()
    assert z_stable == pytest.approx(z_plain)
    assert stable.flows(v_stable) == pytest.approx(plain.flows(v_plain))
    kept = [first[0], second[0], second[2]]
    expected = [c.cost - pi[c.commodity] - sum(mu[link] for link in c.links) for c in kept]
    assert stable.reduced_costs() == pytest.approx(expected)
    assert stable.columns == plain.columns == 3


def test_a_failed_warm_solve_is_solved_again_from_scratch_on_highs() -> None:
    """When a warm HiGHS run ends without an optimum (numerical trouble), the master clears HiGHS's solver state and
    solves again before giving up (the GLOP fallback): the same optimum, still on HiGHS."""

    class FailingOnce:
        def __init__(self, inner: object) -> None:
            self.inner = inner
            self.failed = False
            self.cleared = False

        def getModelStatus(self) -> object:  # noqa: N802 - HiGHS's name
            if not self.failed:
                self.failed = True
                return highspy.HighsModelStatus.kUnknown
            return self.inner.getModelStatus()  # type: ignore[attr-defined]

        def clearSolver(self) -> object:  # noqa: N802 - HiGHS's name
            self.cleared = True
            return self.inner.clearSolver()  # type: ignore[attr-defined]

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    master = HighsMaster([Commodity(0, 1, 0, 10.0, 1_000.0)], np.array([4.0, np.inf]), np.array([np.inf]))
    master.add_all([_column(0, (0,), 10.0), _column(0, (1,), 15.0)])
    proxy = FailingOnce(master.highs)
    master.highs = proxy  # type: ignore[assignment]
    z, _, mu, _, values = master.solve()
    assert proxy.failed
    assert proxy.cleared
    assert z == pytest.approx(4 * 10.0 + 6 * 15.0)
    assert mu[0] == pytest.approx(-5.0)
    assert master.flows(values) == pytest.approx([4.0, 6.0])
