"""Per-OD results do not depend on the order of the demand rows or on which optimal vertex the LP lands on."""

from __future__ import annotations

import random
from types import SimpleNamespace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from engine.network import Network
from engine.optimize import Assignment, AssignRequest, Demand, assign_demand, colgen

KEY = ["origin", "destination", "cargo_class", "segment", "restrictions"]


def per_od(result: Assignment) -> tuple[pl.DataFrame, pl.DataFrame]:
    commodities = result.commodities.sort(KEY)
    routes = result.routes.sort([*KEY, "rank"])
    return commodities, routes


@pytest.mark.parametrize("seed", [1, 2])
def test_permuting_the_demand_rows_gives_the_same_per_od_results(
    shipped_network: Network, shipped_demand: list[Demand], seed: int
) -> None:
    rows = list(shipped_demand)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    assert shuffled != rows
    first = assign_demand(shipped_network, AssignRequest(rows, gap=0.0))
    second = assign_demand(shipped_network, AssignRequest(shuffled, gap=0.0))
    assert first.status == second.status == "optimal"
    for a, b in zip(per_od(first), per_od(second), strict=True):
        assert_frame_equal(a, b, rel_tol=1e-9, abs_tol=1e-6)
    assert_frame_equal(first.links, second.links, rel_tol=1e-9, abs_tol=1e-6)
    # the frames follow the caller's row order
    assert first.commodities["origin"].to_list() == [d.origin for d in rows]
    assert second.commodities["origin"].to_list() == [d.origin for d in shuffled]


@pytest.mark.parametrize("gap", [0.0, 1e-6])
def test_tie_break_keeps_the_optimum_and_takes_the_least_co2e(
    shipped_network: Network, shipped_demand: list[Demand], gap: float
) -> None:
    """With ``gap`` > 0 the tie-break pass may also stop on its own gap or when its CO2e stalls: the flow still
    costs the optimum and emits no more than the first pass's."""
    plain = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=gap, tie_break=False))
    ranked = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=gap))
    assert ranked.objective_usd_per_week == pytest.approx(plain.objective_usd_per_week, rel=1e-8)
    assert ranked.co2e_kg_per_week <= plain.co2e_kg_per_week * (1 + 1e-9)
    # the reported shadow prices are the first pass's: the same binding rows, the same prices
    assert_frame_equal(ranked.shadow_prices, plain.shadow_prices, rel_tol=1e-6, abs_tol=1e-6)


def test_cost_split_sums_to_the_objective(shipped_network: Network, shipped_demand: list[Demand]) -> None:
    result = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=0.0, weeks_per_year=50))
    split = result.cost_split()
    assert result.unserved_penalty_usd_per_week > 0  # all three parts are there
    parts = ("real_cost", "time_value", "unserved_penalty")
    weekly = sum(split[f"{p}_usd_per_week"] for p in parts)
    assert weekly == pytest.approx(result.objective_usd_per_week, rel=1e-9)
    assert split["real_cost_usd_per_week"] == result.freight_usd_per_week
    assert split["time_value_usd_per_week"] == pytest.approx(result.teu_hours_per_week * 20.0 / 24)
    for p in (*parts, "generalized_cost"):
        assert split[f"{p}_usd_per_year"] == pytest.approx(50 * split[f"{p}_usd_per_week"])


def test_weeks_per_year_is_checked() -> None:
    from engine.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="weeks_per_year"):
        AssignRequest((Demand("A", "B", 1.0),), weeks_per_year=0)


@pytest.mark.parametrize(
    ("history", "gap", "stalled"),
    [
        ([100.0] * colgen.TIE_BREAK_STALL, 1e-6, False),  # too few rounds to judge
        ([100.0] * (colgen.TIE_BREAK_STALL + 1), 1e-6, True),  # flat over the window
        ([100.0] * (colgen.TIE_BREAK_STALL + 1), 0.0, False),  # gap 0: the pass runs to its proof
        ([101.0, *([100.0] * colgen.TIE_BREAK_STALL)], 1e-6, False),  # fell 1 % over the window: still moving
        ([100.0 + 5e-5, *([100.0] * colgen.TIE_BREAK_STALL)], 1e-6, True),  # fell 5e-7 relative: below the gap
        ([100.0 + 2e-4, *([100.0] * colgen.TIE_BREAK_STALL)], 1e-6, False),  # fell 2e-6 relative: above it
        ([200.0, 150.0, *([100.0] * (colgen.TIE_BREAK_STALL + 1))], 1e-6, True),  # only the last window counts
        ([150.0, *([100.0] * colgen.TIE_BREAK_STALL)], 1e-6, False),  # the window reaches back STALL rounds
        ([0.5, *([0.4] * colgen.TIE_BREAK_STALL)], 1e-6, False),  # small objectives: judged against 1, not 0.4
    ],
)
def test_the_tie_break_pass_stalls_only_when_its_co2e_stops_falling(
    history: list[float], gap: float, stalled: bool
) -> None:
    loop = SimpleNamespace(gap=gap)  # the rule reads only the pass's gap
    assert colgen._Loop._stalled(loop, history) is stalled  # type: ignore[arg-type]
