"""Terminal selection: the MIP against enumeration of every affordable set, the shipped candidates, file errors."""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from engine.errors import InputFileError, InvalidRequest
from engine.network import Mode, Network
from engine.network.scenario import apply_edits
from engine.optimize import (
    AssignRequest,
    Candidate,
    Demand,
    SelectRequest,
    assign_demand,
    parse_candidates,
    select_terminals,
)

TOY_CANDIDATES = """
candidates:
  - id: BIGGER_FEEDER
    title: Feeder sailings doubled
    cost_usd: 10
    sources: cost_usd=ESTIMATE
    notes: "cost_usd: assumed"
    edits:
      - op: scale_capacity
        service: CASPIAN-FEEDER
        factor: 2
        sources: ESTIMATE
        notes: "factor: assumed"
  - id: SECOND_FEEDER
    title: A second feeder line
    cost_usd: 12
    sources: cost_usd=ESTIMATE
    notes: "cost_usd: assumed"
    edits:
      - op: add_service
        id: FEEDER-2
        mode: ferry
        kind: weekly
        weekly_departures: "Tue 08:00|Sat 08:00"
        capacity_teu_per_departure: 200
        sources: ESTIMATE
        notes: "*: assumed"
      - op: add_link
        id: F-PORT_KZ-PORT_AZ-2
        from: PORT_KZ
        to: PORT_AZ
        mode: ferry
        service: FEEDER-2
        load_unit: vessel
        distance_km: 420
        run_h: 26
        usd_per_teu: 650
        emission_class: ferry_ropax
        sources: ESTIMATE
        notes: "*: assumed"
  - id: FAST_BORDER
    title: Faster Kazakh border
    cost_usd: 5
    sources: cost_usd=ESTIMATE
    notes: "cost_usd: assumed"
    edits:
      - op: set_border_dwell
        node: GAUGE_KZ
        entry_h: 20
        sources: ESTIMATE
        notes: "entry_h: assumed"
  - id: BIG_PORT
    title: Bigger Kazakh port terminal
    cost_usd: 9
    sources: cost_usd=ESTIMATE
    notes: "cost_usd: assumed"
    excludes: [FAST_BORDER]
    edits:
      - op: set_node
        id: PORT_KZ
        handling_h: 2
        sources: ESTIMATE
        notes: "handling_h: assumed"
"""

TOY_DEMAND = [Demand("ORIGIN", "DEST", 900.0), Demand("ORIGIN", "PORT_AZ", 200.0)]


@pytest.fixture(scope="module")
def true_savings(toy_network: Network) -> dict[frozenset[str], tuple[float, float]]:
    """Every subset of the toy candidates, assigned: (cost, saving) by enumeration."""
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    baseline = assign_demand(toy_network, AssignRequest(TOY_DEMAND)).objective_usd_per_week
    found = {}
    for size in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            edits = tuple(e for c in subset for e in c.edits)
            objective = assign_demand(apply_edits(toy_network, edits), AssignRequest(TOY_DEMAND)).objective_usd_per_week
            found[frozenset(c.id for c in subset)] = (sum(c.cost_usd for c in subset), baseline - objective)
    return found


@pytest.mark.parametrize("budget", [0.0, 9.0, 15.0, 22.0, 27.0, 40.0])
def test_the_chosen_set_is_the_best_affordable_set(
    toy_network: Network, true_savings: dict[frozenset[str], tuple[float, float]], budget: float
) -> None:
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    selection = select_terminals(toy_network, SelectRequest(candidates, budget, AssignRequest(TOY_DEMAND)))
    affordable = [
        saving
        for subset, (cost, saving) in true_savings.items()
        if cost <= budget and not {"BIG_PORT", "FAST_BORDER"} <= subset
    ]
    assert selection.spent_usd <= budget
    assert not ({"BIG_PORT", "FAST_BORDER"} <= set(selection.chosen))
    assert selection.saving_usd_per_week == pytest.approx(max(affordable), abs=1e-6)
    assert selection.predicted_saving_usd_per_week == pytest.approx(selection.saving_usd_per_week, abs=1e-6)


def test_sets_of_three_are_measured_not_guessed(toy_network: Network) -> None:
    """With money for three candidates the pairwise model overrates adding a second feeder on top of the first;
    the refinement loop measures that set and falls back to the better pair."""
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    selection = select_terminals(toy_network, SelectRequest(candidates, 40.0, AssignRequest(TOY_DEMAND)))
    assert selection.sets_measured >= 1
    assert "SECOND_FEEDER" not in selection.chosen


def test_substitutes_and_the_ranking(toy_network: Network) -> None:
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    selection = select_terminals(toy_network, SelectRequest(candidates, 100.0, AssignRequest(TOY_DEMAND)))
    pairs = {(a, b): i for a, b, _s, i in selection.pairs}
    # two ways of adding Caspian capacity compete for the same unserved cargo
    assert pairs[("BIGGER_FEEDER", "SECOND_FEEDER")] < 0
    ranking = selection.ranking()
    assert ranking["saving_usd_per_week"].to_list() == sorted(ranking["saving_usd_per_week"].to_list(), reverse=True)
    feeder = ranking.filter(pl.col("id") == "BIGGER_FEEDER").row(0, named=True)
    assert feeder["delta_unserved_teu_per_week"] < 0
    assert feeder["payback_weeks"] > 0
    border = ranking.filter(pl.col("id") == "FAST_BORDER").row(0, named=True)
    assert border["delta_teu_hours_per_week"] < 0
    assert border["delta_freight_usd_per_week"] == 0


def test_additive_mode_runs_no_pairs(toy_network: Network) -> None:
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    seen: list[str] = []
    selection = select_terminals(
        toy_network,
        SelectRequest(candidates, 100.0, AssignRequest(TOY_DEMAND), interactions=False),
        on_assignment=lambda label, _a: seen.append(label),
    )
    assert selection.pairs == ()
    assert seen[: len(candidates) + 1] == ["baseline", *[c.id for c in candidates]]
    assert seen[-1] == "chosen"
    assert not any(label.count("+") == 1 for label in seen)  # no pair was assigned


def test_scip_agrees(toy_network: Network) -> None:
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    highs = select_terminals(toy_network, SelectRequest(candidates, 22.0, AssignRequest(TOY_DEMAND)))
    scip = select_terminals(toy_network, SelectRequest(candidates, 22.0, AssignRequest(TOY_DEMAND), solver="scip"))
    assert scip.predicted_saving_usd_per_week == pytest.approx(highs.predicted_saving_usd_per_week, abs=1e-6)


def test_shipped_feeders_lower_unserved_demand_or_cost(
    shipped_network: Network, shipped_demand: list[Demand], shipped_candidates: tuple[Candidate, ...]
) -> None:
    ids = {c.id for c in shipped_candidates}
    assert {"ALATAU_DRY_PORT", "EXTRA_AKTAU_ALAT_FEEDERS", "FASTER_GEORGIAN_BORDER"} <= ids
    selection = select_terminals(
        shipped_network,
        SelectRequest(
            shipped_candidates,
            100e6,
            AssignRequest(shipped_demand, capacity_modes=frozenset({Mode.FERRY, Mode.SEA})),
            interactions=False,
        ),
    )
    feeders = next(e for e in selection.evaluations if e.id == "EXTRA_AKTAU_ALAT_FEEDERS")
    assert feeders.saving_usd_per_week > 0
    assert feeders.delta_unserved_teu_per_week < 0 or feeders.delta_freight_usd_per_week < 0
    border = next(e for e in selection.evaluations if e.id == "FASTER_GEORGIAN_BORDER")
    assert border.delta_teu_hours_per_week < 0
    assert selection.spent_usd <= 100e6
    assert "EXTRA_AKTAU_ALAT_FEEDERS" in selection.chosen


def candidate(*fields: str) -> str:
    """One candidate as YAML (fields as ``key: value`` lines), with its cost sourced as an estimate."""
    lines = "".join(f"    {f}\n" for f in (*fields, "sources: cost_usd=ESTIMATE", "notes: 'cost_usd: x'"))
    return "  - " + lines[4:]


def candidates(*blocks: str) -> str:
    return "candidates:\n" + "".join(blocks)


SET_UNKNOWN_NODE = (
    "edits:\n      - op: set_node\n        id: NOPE\n        handling_h: 1\n        sources: ESTIMATE\n"
    "        notes: 'handling_h: x'"
)
BAD_FILES = [
    ("candidates: []\n", "must be a non-empty list"),
    (candidates(candidate("id: a", "title: x", "cost_usd: 1", "edits: []")), "toy.yaml:2: id: must be upper-case"),
    (candidates(candidate("id: A", "title: x", "cost_usd: -1", "edits: []")), "toy.yaml:2: cost_usd: must be > 0"),
    (candidates(candidate("id: A", "title: x", "cost_usd: 1")), "toy.yaml:2: edits: is required"),
    (
        candidates(
            candidate("id: A", "title: x", "cost_usd: 1", "edits: []"),
            candidate("id: A", "title: y", "cost_usd: 2", "edits: []"),
        ),
        "toy.yaml:8: id: duplicate candidate 'A'",
    ),
    (candidates(candidate("id: A", "title: x", "cost_usd: 1", "excludes: [B]", "edits: []")), "unknown candidate 'B'"),
    (
        candidates(candidate("id: A", "title: x", "cost_usd: 1", SET_UNKNOWN_NODE)),
        "toy.yaml:7: id: unknown node 'NOPE'",
    ),
    (candidates(candidate("id: A", "title: x", "cost_usd: 1", "colour: red", "edits: []")), "toy.yaml:5: colour"),
    (candidates("  - id: A\n    title: x\n    cost_usd: 1\n    edits: []\n"), "toy.yaml:2: sources: the number in"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_bad_candidate_files_are_located(toy_network: Network, text: str, expected: str) -> None:
    with pytest.raises(InputFileError) as caught:
        parse_candidates(text, "toy.yaml", toy_network)
    messages = [str(p) for p in caught.value.problems]
    assert any(expected in m for m in messages), messages


def test_bad_budget_and_solver(toy_network: Network) -> None:
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    with pytest.raises(InvalidRequest, match="budget_usd"):
        select_terminals(toy_network, SelectRequest(candidates, -1.0, AssignRequest(TOY_DEMAND)))
    with pytest.raises(InvalidRequest, match="solver"):
        select_terminals(toy_network, SelectRequest(candidates, 1.0, AssignRequest(TOY_DEMAND), solver="cp_sat"))


def test_savings_are_split_into_real_cost_time_value_and_penalty(toy_network: Network) -> None:
    """Every saving is reported in three parts that sum to it; only the real cost is money."""
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    selection = select_terminals(
        toy_network, SelectRequest(candidates, 100.0, AssignRequest(TOY_DEMAND, weeks_per_year=48))
    )
    parts = ("real_cost", "time_value", "unserved_penalty")
    assert any(e.saving_split["saving_unserved_penalty_usd_per_week"] != 0 for e in selection.evaluations)
    for e in selection.evaluations:
        weekly = sum(e.saving_split[f"saving_{p}_usd_per_week"] for p in parts)
        assert weekly == pytest.approx(e.saving_usd_per_week, rel=1e-9, abs=1e-3)
        assert e.saving_split["saving_real_cost_usd_per_week"] == pytest.approx(-e.delta_freight_usd_per_week, abs=1e-3)
        assert e.saving_split["saving_generalized_cost_usd_per_year"] == pytest.approx(
            48 * e.saving_split["saving_generalized_cost_usd_per_week"]
        )
    total = selection.saving_split()
    assert sum(total[f"saving_{p}_usd_per_week"] for p in parts) == pytest.approx(selection.saving_usd_per_week)
    ranking = selection.ranking()
    assert {f"saving_{p}_usd_per_year" for p in parts} <= set(ranking.columns)


def test_a_pair_interaction_below_round_off_of_the_objective_is_zero() -> None:
    """A pair's interaction is a difference of four assignments, each at best exact to LP round-off of the whole
    objective (and only to its gap when it stopped at one): 5e-5 USD/week on a 2.7e7 USD/week objective is noise
    (it once bought a candidate saving nothing), 0.1 USD/week is not."""
    from engine.optimize.select import _change

    assert _change(22462.60103, 22462.60098, 2.7e7) == 0.0
    assert _change(22462.70098, 22462.60098, 2.7e7) == pytest.approx(0.1)
    assert _change(22462.60103, 22462.60098) == pytest.approx(5e-5)  # against the saving alone it would count
    # assignments stopped at a gap of 1e-6 each are only that close to their optimum: 20 USD/week is noise then
    assert _change(22482.6, 22462.6, 2.7e7, 4e-6) == 0.0
    assert _change(22582.6, 22462.6, 2.7e7, 4e-6) == pytest.approx(120.0)
