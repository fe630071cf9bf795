"""The warm HiGHS master (engine.optimize.master_highs): dual signs, the GLOP fallback, and dual smoothing."""

from __future__ import annotations

import numpy as np
import pytest

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
