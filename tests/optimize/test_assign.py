"""Demand assignment: column generation against an independent arc LP, duals by perturbation, determinism, errors."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import polars as pl
import pytest
from ortools.math_opt.python import mathopt

from engine.errors import InvalidRequest
from engine.network import CargoClass, Mode, Network
from engine.optimize import Assignment, AssignRequest, Demand, assign_demand, weekly_capacities
from engine.optimize.colgen import IterationInfo
from engine.optimize.solver import LP_SOLVERS, IncrementalLP, solver_order
from engine.optimize.transfer_graph import expected_wait_min
from engine.optimize.values import MARGIN_COLUMNS, MAX_MARGINS, RESOLVE_MAX_ROUNDS
from engine.routing.compiled import compile_network
from tests.optimize.arc_lp import mean_wait_min, solve_arc_lp
from tests.routing.generators import random_network

NO_SERVICE_CAPS: frozenset[Mode] = frozenset()
SHIPS = frozenset({Mode.FERRY, Mode.SEA})
"""The timetable caps before rail was capped: the Caspian story of the shipped network (rail would bind first)."""


def random_instance(seed: int) -> tuple[Network, list[Demand], dict[str, float], dict[str, float]]:
    """A random network with capacities on about half its links and some terminals, and demand that overflows."""
    network = random_network(seed, n_nodes=7, n_services=6, n_links=26)
    rng = random.Random(seed)
    compiled = compile_network(network)
    link_cap = {link: float(rng.choice([3, 5, 8, 12])) for link in compiled.link_ids if rng.random() < 0.5}
    node_cap = {node: float(rng.choice([4, 9])) for node in compiled.node_ids if rng.random() < 0.3}
    nodes = list(network.nodes)
    demand = []
    seen = set()
    for _ in range(8):
        origin, destination = rng.sample(nodes, 2)
        cargo = rng.choice([CargoClass.GENERAL, CargoClass.GENERAL, CargoClass.HAZMAT])
        if (origin, destination, cargo) in seen:
            continue
        seen.add((origin, destination, cargo))
        demand.append(Demand(origin, destination, float(rng.choice([2, 5, 9, 14])), cargo_class=cargo))
    return network, demand, link_cap, node_cap


def assign(
    network: Network, demand: list[Demand], link_cap: dict[str, float], node_cap: dict[str, float], **kw: float
) -> Assignment:
    return assign_demand(
        network,
        AssignRequest(
            demand,
            {**link_cap, **node_cap},
            capacity_modes=NO_SERVICE_CAPS,
            usd_per_teu_day=kw.pop("usd_per_teu_day", 30.0),
            unserved_usd_per_teu=kw.pop("unserved_usd_per_teu", 4_000.0),
            gap=0.0,
            **kw,
        ),
    )


def assert_matches_arc_lp(seed: int) -> Assignment:
    """Assign random instance ``seed`` by column generation; its status, objective and unserved TEU must be the
    arc LP's. Returns the assignment."""
    network, demand, link_cap, node_cap = random_instance(seed)
    result = assign(network, demand, link_cap, node_cap)
    oracle = solve_arc_lp(
        network, demand, link_cap, node_cap, usd_per_teu_day=30.0, unserved_usd_per_teu=4_000.0, lot_teu=2
    )
    assert result.status == "optimal"
    assert result.objective_usd_per_week == pytest.approx(oracle.objective, rel=1e-6, abs=1e-6)
    assert result.unserved_teu_per_week == pytest.approx(oracle.unserved, abs=1e-6)
    return result


@pytest.mark.parametrize("seed", range(12))
def test_column_generation_matches_the_arc_lp(seed: int) -> None:
    result = assert_matches_arc_lp(seed)
    # flows respect every capacity
    links = result.links.filter(pl.col("capacity_teu_per_week").is_not_null())
    assert (links["flow_teu_per_week"] <= links["capacity_teu_per_week"] + 1e-6).all()
    nodes = result.nodes.filter(pl.col("capacity_teu_per_week").is_not_null())
    assert (nodes["lift_teu_per_week"] <= nodes["capacity_teu_per_week"] + 1e-6).all()


def test_random_instances_do_bind() -> None:
    """The comparison above is only meaningful if capacities bind in some instances."""
    binding = [assign(*random_instance(seed)).shadow_prices.height for seed in range(12)]
    assert sum(1 for b in binding if b > 0) >= 6


def test_toy_network_matches_the_arc_lp_with_default_capacities(toy_network: Network) -> None:
    demand = [
        Demand("ORIGIN", "DEST", 900.0),
        Demand("ORIGIN", "PORT_AZ", 500.0),
        Demand("ORIGIN", "DEST", 300.0, cargo_class=CargoClass.HAZMAT),
    ]
    result = assign_demand(toy_network, AssignRequest(demand, gap=0.0))
    caps = weekly_capacities(toy_network)
    oracle = solve_arc_lp(
        toy_network,
        demand,
        caps.link_teu_per_week,
        caps.node_teu_per_week,
        usd_per_teu_day=20.0,
        unserved_usd_per_teu=10_000.0,
    )
    assert result.objective_usd_per_week == pytest.approx(oracle.objective, rel=1e-6)
    # the feeder's sailings (2 a week x 300 TEU) bind; hazmat may not use it at all
    assert "F-PORT_KZ-PORT_AZ" in result.binding_links
    # rail is capped by its timetable too, and the oracle agrees with it binding (one 80-TEU train a week)
    assert caps.basis["R-PORT_AZ-DEST"] == "departures"
    assert "R-PORT_AZ-DEST" in result.binding_links
    hazmat = result.commodities.filter(pl.col("cargo_class") == "hazmat")
    assert hazmat["served_teu_per_week"].item() == 0.0


def test_expected_wait_agrees_with_sampled_waits(toy_network: Network) -> None:
    compiled = compile_network(toy_network)
    for index, service_id in enumerate(compiled.service_ids):
        service = toy_network.services[service_id]
        departures = compiled.departures[index]
        week0 = 20_000 * 1440
        sampled = np.mean([departures.next(week0 + t) - (week0 + t) for t in range(0, 7 * 1440, 7)])
        assert expected_wait_min(service) == pytest.approx(sampled, abs=4.0)
        assert expected_wait_min(service) == pytest.approx(mean_wait_min(service), abs=1e-9)


def test_mathopt_dual_sign_convention() -> None:
    """min x + 3y s.t. x <= 4, x + y = 10: relaxing x <= 4 by one lowers the objective by 2, so the dual is -2."""
    model = mathopt.Model()
    x, y = model.add_variable(lb=0), model.add_variable(lb=0)
    cap = model.add_linear_constraint(x <= 4)
    total = model.add_linear_constraint(x + y == 10)
    model.minimize(x + 3 * y)
    for name in ("highs", "glop"):
        result = IncrementalLP(model, solver_order(name, LP_SOLVERS, "solver")).solve()
        assert result.objective_value() == pytest.approx(22.0)
        assert result.dual_values([cap, total]) == pytest.approx([-2.0, 3.0])


@pytest.mark.parametrize("seed", range(8))
def test_shadow_prices_bound_the_perturbed_objective(seed: int) -> None:
    """z(cap) is convex and non-increasing; the reported price p = -dual satisfies
    z(cap - 1) - z(cap) >= p >= z(cap) - z(cap + 1) for every binding capacity, and the measured margins
    (``margins``: every binding capacity) are those two differences, found here by independent full solves."""
    network, demand, link_cap, node_cap = random_instance(seed)
    base = assign(network, demand, link_cap, node_cap, margins=MAX_MARGINS)
    z = base.objective_usd_per_week
    checked = 0
    for element, element_id, capacity, _flow, price, added, removed, line, together in base.shadow_prices.iter_rows():

        def with_capacity(value: float, element: str = element, element_id: str = element_id) -> float:
            links = {**link_cap, element_id: value} if element == "link" else link_cap
            nodes = {**node_cap, element_id: value} if element == "node" else node_cap
            return float(assign(network, demand, links, nodes).objective_usd_per_week)

        tolerance = 1e-6 * max(1.0, z)
        more, less = z - with_capacity(capacity + 1), with_capacity(capacity - 1) - z
        assert more <= price + tolerance
        assert less >= price - tolerance
        assert added == pytest.approx(max(0.0, more), abs=tolerance)
        assert removed == pytest.approx(max(0.0, less), abs=tolerance)
        if line is not None:  # its line: binding capacities every route through it uses; all one TEU/week more
            others = [other.removeprefix("node:") for other in line.split("|")]  # terminals are tagged
            assert all(
                (other in node_cap) == tagged.startswith("node:")
                for other, tagged in zip(others, line.split("|"), strict=True)
            )
            assert element_id not in others
            assert set(others) <= set(base.shadow_prices["id"])
            bigger = {i: (link_cap | node_cap)[i] + 1 for i in (element_id, *others)}
            links = {i: v for i, v in bigger.items() if i in link_cap}
            nodes = {i: v for i, v in bigger.items() if i in node_cap}
            joint = z - float(
                assign(network, demand, {**link_cap, **links}, {**node_cap, **nodes}).objective_usd_per_week
            )
            assert together == pytest.approx(max(0.0, joint), abs=tolerance)
            assert together >= added - tolerance  # more capacity never costs more (z is non-increasing)
        else:
            assert together is None
        checked += 1
    assert checked == base.shadow_prices.height


def test_a_degenerate_shadow_price_is_told_apart_from_what_one_more_teu_saves(
    shipped_network: Network, shipped_demand: list[Demand]
) -> None:
    """With rail capacities the shipped demand binds whole rail lines: R-NAVOI-BUKHARA's dual is thousands of USD
    per TEU, yet one more TEU/week on that link alone saves nothing (the links before and after it bind too),
    while one less costs more than the dual. The measured margins say so, as independent re-solves confirm; only
    the dearest ``margins`` capacities are measured."""
    base = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=0.0, margins=5))
    prices = base.shadow_prices
    measured = prices.filter(pl.col("saving_usd_per_teu_added").is_not_null())
    assert measured["id"].to_list() == prices.head(5)["id"].to_list()
    assert prices.slice(5)["cost_usd_per_teu_removed"].null_count() == prices.height - 5
    row = measured.filter(pl.col("id") == "R-NAVOI-BUKHARA").row(0, named=True)
    assert row["shadow_price_usd_per_teu"] > 1000
    assert row["saving_usd_per_teu_added"] == 0.0
    assert row["cost_usd_per_teu_removed"] > row["shadow_price_usd_per_teu"]
    z, capacity = base.objective_usd_per_week, row["capacity_teu_per_week"]

    def with_capacity(value: float) -> float:
        changed = AssignRequest(shipped_demand, {"R-NAVOI-BUKHARA": value}, gap=0.0)
        return float(assign_demand(shipped_network, changed).objective_usd_per_week)

    tolerance = 1e-9 * z
    assert z - with_capacity(capacity + 1) == pytest.approx(0.0, abs=tolerance)
    assert with_capacity(capacity - 1) - z == pytest.approx(row["cost_usd_per_teu_removed"], abs=tolerance)
    # it binds with the rest of its line, Altynkol to Ashgabat: one more TEU/week of all of it saves
    line = row["expands_with"].split("|")
    assert {"R-TASHKENT-NAVOI", "R-BUKHARA-FARAP", "R-FARAP-ASHGABAT"} <= set(line)
    bigger = dict.fromkeys(["R-NAVOI-BUKHARA", *line], 601.0)
    assert all(c == 600 for c in prices.filter(pl.col("id").is_in(line))["capacity_teu_per_week"])
    joint = z - float(
        assign_demand(shipped_network, AssignRequest(shipped_demand, bigger, gap=0.0)).objective_usd_per_week
    )
    assert joint > 1000
    assert row["saving_usd_per_teu_added_together"] == pytest.approx(joint, abs=tolerance)
    # the others measured keep convexity's order around their dual
    for added, price, removed in measured.select(
        "saving_usd_per_teu_added", "shadow_price_usd_per_teu", "cost_usd_per_teu_removed"
    ).iter_rows():
        assert added <= price + 1e-6 <= removed + 2e-6


def test_a_terminal_on_a_line_is_named_where_the_route_meets_it(
    shipped_network: Network, shipped_demand: list[Demand]
) -> None:
    """With Altynkol's lifts capped (the gauge change at the Chinese border), the line of the Kazakh rail links
    through it starts at the terminal, before the link that leaves it, tagged as a node."""
    request = AssignRequest(shipped_demand, {"ALTYNKOL": 1383.0}, gap=0.0, margins=MAX_MARGINS)
    prices = assign_demand(shipped_network, request).shadow_prices
    assert "ALTYNKOL" in prices.filter(pl.col("element") == "node")["id"].to_list()
    line = prices.filter(pl.col("id") == "R-SHU-SHYMKENT")["expands_with"].item().split("|")
    assert line.index("node:ALTYNKOL") + 1 == line.index("R-ALTYNKOL-ALATAU")


def test_margins_out_of_time_are_left_unmeasured_and_said_so(
    toy_network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Margins stop short of the request's time limit (the answer must still go out): with all of it kept back,
    none is measured, nothing is re-solved past the deadline, the assignment itself is whole and the text says
    how many were not measured."""
    import engine.optimize.assign as assign_module
    import engine.optimize.margins as margins_module

    demand = [Demand("ORIGIN", "DEST", 900.0), Demand("ORIGIN", "PORT_AZ", 200.0)]
    whole = assign_demand(toy_network, AssignRequest(demand, margins=3))
    assert whole.shadow_prices["cost_usd_per_teu_removed"].count() == min(3, whole.shadow_prices.height) > 0

    def no_re_solve(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("re-solved past the deadline")

    monkeypatch.setattr(assign_module, "MARGIN_RESERVE", 1.0)
    monkeypatch.setattr(margins_module, "solve_path_lp", no_re_solve)
    cut = assign_demand(toy_network, AssignRequest(demand, margins=3, time_limit_s=60.0))
    assert cut.objective_usd_per_week == pytest.approx(whole.objective_usd_per_week, rel=1e-9)
    assert cut.shadow_prices["id"].to_list() == whole.shadow_prices["id"].to_list()
    measures = [name for name in MARGIN_COLUMNS if name != "expands_with"]  # the line needs no re-solve
    assert cut.shadow_prices.select(measures).null_count().row(0) == (cut.shadow_prices.height,) * 3
    from engine.cli.optimize_text import format_assignment

    asked = min(3, cut.shadow_prices.height)
    assert f"{asked} of the {asked} asked for were not measured" in format_assignment(cut, 3)


def test_margins_stop_at_once_when_the_base_optimum_is_not_proven(
    toy_network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each re-solve gets at most RESOLVE_MAX_ROUNDS pricing rounds; when re-solving the base itself does not prove
    its optimum (as at 10k nodes), no other re-solve runs: every value is null, the lines are still named."""
    import dataclasses

    import engine.optimize.margins as margins_module

    demand = [Demand("ORIGIN", "DEST", 900.0), Demand("ORIGIN", "PORT_AZ", 200.0)]
    whole = assign_demand(toy_network, AssignRequest(demand, margins=3))
    real = margins_module.solve_path_lp
    calls: list[int] = []

    def unproven(*args: object, **kwargs: Any) -> object:
        calls.append(kwargs["max_iterations"])
        return dataclasses.replace(real(*args, **kwargs), status="iteration_limit")

    monkeypatch.setattr(margins_module, "solve_path_lp", unproven)
    cut = assign_demand(toy_network, AssignRequest(demand, margins=3))
    assert calls == [RESOLVE_MAX_ROUNDS]  # the base's re-solve only, capped
    measures = [name for name in MARGIN_COLUMNS if name != "expands_with"]
    assert cut.shadow_prices.select(measures).null_count().row(0) == (cut.shadow_prices.height,) * 3
    assert cut.shadow_prices["expands_with"].equals(whole.shadow_prices["expands_with"])
    assert cut.objective_usd_per_week == pytest.approx(whole.objective_usd_per_week, rel=1e-9)


@pytest.mark.parametrize("margins", [-1, MAX_MARGINS + 1, True, 2.5])
def test_margins_must_be_a_whole_number_in_range(margins: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        AssignRequest((Demand("A", "B", 1.0),), margins=margins)  # type: ignore[arg-type]
    assert [p.field for p in caught.value.problems] == ["margins"]
    assert f"between 0 and {MAX_MARGINS}" in caught.value.problems[0].message


def test_shadow_price_equals_the_change_on_the_shipped_network(
    shipped_network: Network, shipped_demand: list[Demand]
) -> None:
    """Adding one TEU/week to the Kuryk–Alat wagon ferry lowers the weekly cost by exactly its shadow price."""
    base = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=0.0, capacity_modes=SHIPS))
    row = base.shadow_prices.filter(pl.col("id") == "F-KURYK-ALAT-W")
    capacity, price = row["capacity_teu_per_week"].item(), row["shadow_price_usd_per_teu"].item()
    assert price > 0
    more = assign_demand(
        shipped_network, AssignRequest(shipped_demand, {"F-KURYK-ALAT-W": capacity + 1}, gap=0.0, capacity_modes=SHIPS)
    )
    assert base.objective_usd_per_week - more.objective_usd_per_week == pytest.approx(price, rel=1e-6)


def test_caspian_binds_on_the_shipped_demand_and_is_reported(
    shipped_network: Network, shipped_demand: list[Demand]
) -> None:
    result = assign_demand(shipped_network, AssignRequest(shipped_demand, capacity_modes=SHIPS))
    # The container feeder and the wagon decks bind. Since issue 10 added the southern route through Iran, the
    # overflow that used to fill the truck decks (F-KURYK-ALAT-T, F-TMB-ALAT-T) goes by rail via Tehran instead,
    # until the Lake Van rail ferry (700 TEU/week) binds in turn.
    caspian = {"F-AKTAU-ALAT", "F-KURYK-ALAT-W", "F-TMB-ALAT-W"}
    assert caspian <= set(result.binding_links)
    assert "F-VAN-TATVAN-W" in result.binding_links
    prices = result.shadow_prices.filter(pl.col("id").is_in(list(caspian)))
    assert (prices["shadow_price_usd_per_teu"] > 0).all()
    assert result.gap <= 1e-6
    from engine.cli.optimize_text import format_assignment

    text = format_assignment(result)
    assert "F-KURYK-ALAT-W" in text
    assert "Binding capacities" in text


def test_determinism(shipped_network: Network, shipped_demand: list[Demand]) -> None:
    first = assign_demand(shipped_network, AssignRequest(shipped_demand))
    second = assign_demand(shipped_network, AssignRequest(shipped_demand))
    assert first.objective_usd_per_week == second.objective_usd_per_week
    for name in ("links", "nodes", "routes", "commodities", "shadow_prices"):
        assert getattr(first, name).equals(getattr(second, name)), name


def test_gap_stopping_rule_is_honest(shipped_network: Network, shipped_demand: list[Demand]) -> None:
    trace: list[IterationInfo] = []
    loose = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=0.05), on_iteration=trace.append)
    exact = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=0.0))
    assert loose.status in ("gap", "optimal")
    assert loose.gap <= 0.05
    # LP round-off: the objective is re-totalled from the flows (flows under 1e-6 TEU/week reported as 0), and the
    # tie-break pass's flow may differ from the first pass's by that much (5e-11 relative seen on 3e7 USD/week)
    slack = 1e-9 * exact.objective_usd_per_week
    assert loose.lower_bound_usd_per_week <= exact.objective_usd_per_week + slack
    assert exact.objective_usd_per_week <= loose.objective_usd_per_week + slack
    assert all(a.lower_bound <= b.lower_bound + 1e-6 for a, b in itertools.pairwise(trace))


def test_routes_and_totals_are_consistent(toy_network: Network) -> None:
    demand = [Demand("ORIGIN", "DEST", 700.0), Demand("BORDER_CN", "PORT_AZ", 50.0)]
    result = assign_demand(toy_network, AssignRequest(demand))
    routes = result.routes
    assert routes["teu_per_week"].sum() == pytest.approx(result.served_teu_per_week)
    assert (routes["teu_per_week"] * routes["usd_per_teu"]).sum() == pytest.approx(result.freight_usd_per_week)
    served = result.commodities["served_teu_per_week"] + result.commodities["unserved_teu_per_week"]
    assert served.to_list() == pytest.approx(result.commodities["demand_teu_per_week"].to_list())
    assert set(routes["links"].str.split("|").explode()) <= set(toy_network.links)


def test_unreachable_demand_is_unserved_not_an_error(toy_network: Network) -> None:
    result = assign_demand(
        toy_network, AssignRequest([Demand("DEST", "ORIGIN", 10.0, avoid_modes=frozenset({Mode.RAIL}))])
    )
    assert result.unserved_teu_per_week == pytest.approx(10.0)
    assert result.routes.height == 0


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([Demand("ORIGIN", "NOWHERE", 5.0)], "demand[0].destination"),
        ([Demand("ORIGIN", "DEST", 5.0), Demand("ORIGIN", "DEST", 7.0)], "demand[1].origin"),
        ([Demand("ORIGIN", "DEST", 5.0, avoid_countries=frozenset({"CN"}))], "demand[0].avoid_countries"),
    ],
)
def test_bad_demand_names_the_row(toy_network: Network, rows: list[Demand], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        assign_demand(toy_network, AssignRequest(rows))
    assert field in [p.field for p in caught.value.problems]


def test_bad_rows_and_parameters_are_refused(toy_network: Network) -> None:
    with pytest.raises(InvalidRequest, match="teu_per_week"):
        Demand("ORIGIN", "DEST", -3.0)
    with pytest.raises(InvalidRequest, match="capacities"):
        assign_demand(toy_network, AssignRequest([Demand("ORIGIN", "DEST", 1.0)], {"NO-SUCH-LINK": 5.0}))
    with pytest.raises(InvalidRequest, match="usd_per_teu_day"):
        assign_demand(toy_network, AssignRequest([Demand("ORIGIN", "DEST", 1.0)], usd_per_teu_day=-1.0))
    with pytest.raises(InvalidRequest, match="solver"):
        assign_demand(toy_network, AssignRequest([Demand("ORIGIN", "DEST", 1.0)], solver="pdlp"))


def test_glop_gives_the_same_optimum(toy_network: Network) -> None:
    demand = [Demand("ORIGIN", "DEST", 900.0), Demand("ORIGIN", "PORT_AZ", 500.0)]
    highs = assign_demand(toy_network, AssignRequest(demand, gap=0.0))
    glop = assign_demand(toy_network, AssignRequest(demand, gap=0.0, solver="glop"))
    assert glop.solver == "glop"
    assert glop.objective_usd_per_week == pytest.approx(highs.objective_usd_per_week, rel=1e-9)


def test_shipped_network_matches_the_arc_lp(shipped_network: Network, shipped_demand: list[Demand]) -> None:
    """Issue 13: the assignment's objective equals the arc LP's within 1e-6 on the shipped network and demand,
    with the default capacities (rail capped by its timetable, so rows bind)."""
    result = assign_demand(shipped_network, AssignRequest(shipped_demand, gap=0.0))
    caps = weekly_capacities(shipped_network)
    oracle = solve_arc_lp(
        shipped_network,
        shipped_demand,
        caps.link_teu_per_week,
        caps.node_teu_per_week,
        usd_per_teu_day=20.0,
        unserved_usd_per_teu=10_000.0,
    )
    assert result.status == "optimal"
    assert result.shadow_prices.height > 0
    assert result.objective_usd_per_week == pytest.approx(oracle.objective, rel=1e-6)
    assert result.unserved_teu_per_week == pytest.approx(oracle.unserved, rel=1e-6, abs=1e-6)
