"""run_study in-process: deterministic order, exact weekly repeats, comparison and corridor shares."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest

from engine.errors import InputFileError
from engine.network import Network
from engine.routing import kernel as kernel_module
from engine.studies import Study, comparison_frame, corridor_shares, parse_study, run_study
from engine.studies.run import plan_queries, repeats_weekly, study_networks
from tests.studies.conftest import STUDIES

REPEAT_COLUMNS = ("computed_from", "shifted_weeks")


@pytest.fixture(scope="module")
def searched_all(small_study: Study, shipped_network: Network) -> pl.DataFrame:
    return run_study(small_study, shipped_network, deduplicate=False, chunk_size=5).frame


def test_weekly_repeats_are_exact_and_say_so(
    small_study: Study, shipped_network: Network, searched_all: pl.DataFrame
) -> None:
    result = run_study(small_study, shipped_network)
    # 2 ODs × 3 scenarios × 4 ready times, of which 2027-01-11 is 2027-01-04 a week later
    assert (result.stats.queries, result.stats.searched, result.stats.repeats) == (24, 18, 6)
    frame = result.frame
    assert frame.drop(REPEAT_COLUMNS).equals(searched_all.drop(REPEAT_COLUMNS))
    repeated = frame.filter(pl.col("shifted_weeks") > 0)
    assert repeated.height > 0
    assert (repeated["ready"] - repeated["computed_from"] == timedelta(weeks=1)).all()
    assert (searched_all["shifted_weeks"] == 0).all()
    assert (searched_all["computed_from"] == searched_all["ready"]).all()


def test_rows_are_in_study_order_whatever_the_chunks(
    small_study: Study, shipped_network: Network, searched_all: pl.DataFrame
) -> None:
    other = run_study(small_study, shipped_network, deduplicate=False, chunk_size=1).frame
    assert other.equals(searched_all)
    scenarios = searched_all["scenario"].unique(maintain_order=True).to_list()
    assert scenarios == ["baseline", "close_russia_belarus", "georgia_border"]
    keys = searched_all.select("origin", "destination", "ready", "route_rank").rows()
    assert keys[: len(keys) // 3] == sorted(keys[: len(keys) // 3])
    hashes = searched_all.group_by("scenario").agg(pl.col("scenario_hash").n_unique())["scenario_hash"]
    assert (hashes == 1).all()
    assert searched_all["scenario_hash"].n_unique() == 3
    assert searched_all.filter(pl.col("scenario") == "baseline")["scenario_hash"][0] == shipped_network.version


def test_comparison_and_shares(searched_all: pl.DataFrame) -> None:
    comparison = comparison_frame(searched_all)
    assert comparison["scenario"].unique(maintain_order=True).to_list() == ["close_russia_belarus", "georgia_border"]
    assert comparison.height == 2 * 2 * 4
    closed = comparison.filter(pl.col("scenario") == "close_russia_belarus")
    # without Russia and Belarus nothing gets cheaper or faster, and no route stays Northern
    assert (closed["delta_cost_usd"] >= 0).all()
    assert (closed["delta_transit_days"] >= 0).all()
    assert "Northern" not in closed["corridor"].to_list()
    row = comparison.row(0, named=True)
    assert row["delta_cost_usd"] == pytest.approx(row["min_cost_usd"] - row["baseline_min_cost_usd"])
    shares = corridor_shares(searched_all)
    totals = shares.group_by("scenario").agg(pl.col("share").sum())["share"]
    assert totals.to_list() == pytest.approx([1.0, 1.0, 1.0])
    assert shares.filter(pl.col("scenario") == "close_russia_belarus")["corridor"].to_list() != ["Northern"]


def test_a_repeat_of_no_route_is_searched(shipped_network: Network) -> None:
    study = parse_study(
        """
od_pairs: [[XIAN, DUISBURG]]
ready: {weekly: {first: "2027-01-04T08:00Z", weeks: 3}}
constraints: {max_transfers: 0}
""",
        "s.yaml",
        base_dir=STUDIES,
    )
    result = run_study(study, shipped_network)
    assert (result.stats.searched, result.stats.repeats) == (3, 0)
    assert result.frame["explanation"].null_count() == 0
    assert (result.frame["shifted_weeks"] == 0).all()


def test_a_headway_that_does_not_divide_the_week_is_not_deduplicated(
    small_study: Study, shipped_network: Network
) -> None:
    assert repeats_weekly(shipped_network)
    headway = next(s for s in shipped_network.services.values() if s.headway_h)
    odd = replace(shipped_network, services={**shipped_network.services, headway.id: replace(headway, headway_h=25)})
    assert not repeats_weekly(odd)
    networks = study_networks(small_study, shipped_network)
    odd_networks = replace(networks, by_scenario={**networks.by_scenario, "baseline": odd})
    ods = [("XIAN", "DUISBURG")]
    _, repeats = plan_queries(small_study, odd_networks, ods)
    assert {task.scenario for task in repeats} == {"close_russia_belarus", "georgia_border"}


def test_unknown_node_is_reported_at_its_line(shipped_network: Network) -> None:
    study = parse_study(
        "od_pairs:\n  - [XIAN, DUISBURG]\n  - [XIAN, ATLANTIS]\nready: {dates: ['2027-01-04T08:00Z']}\n",
        "s.yaml",
        base_dir=STUDIES,
    )
    with pytest.raises(InputFileError) as info:
        run_study(study, shipped_network)
    (problem,) = info.value.data_problems
    assert (problem.file, problem.line, problem.column) == ("s.yaml", 3, "destination")
    assert "'ATLANTIS' is not a node" in problem.message


def test_a_search_that_outgrows_its_memory_budget_is_a_row_and_the_study_goes_on(
    shipped_network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One query whose compiled search outgrows CORRIDOR_SEARCH_MEMORY_MB must not lose the others' answers: it is
    one row per scenario and ready time saying why it stopped (not "no route"), its weekly repeat is shifted, not
    searched again, and the comparison calls it unknown rather than lost."""
    study = parse_study(
        """
od_pairs: [[XIAN, ALMATY], [Chongqing, ISTANBUL]]
ready: {dates: ["2027-01-04T08:00Z", "2027-01-11T08:00Z"]}
scenarios: {close_russia_belarus: scenarios/close_russia_belarus.yaml}
objective: pareto
max_routes: 2
shipment: {teu: 2, gross_weight_kg: 20000}
""",
        "s.yaml",
        base_dir=STUDIES,
    )
    unbounded = run_study(study, shipped_network).frame
    monkeypatch.setenv("CORRIDOR_KERNEL", "on")
    # Chongqing → Istanbul creates ~1,400 labels, Xi'an → Almaty ~30: from a state of 256 labels (~0.2 MiB) only
    # the first must grow, past a budget of 0.3 MB (the variable's parsing is tested with the kernel).
    monkeypatch.setattr(kernel_module, "START_LABELS", {True: 256, False: 256})
    monkeypatch.setattr(kernel_module, "START_HINT_MAX", 256)
    monkeypatch.setattr(kernel_module._spare, "state", None, raising=False)  # no spare state of another size
    monkeypatch.setattr(kernel_module, "search_memory_budget_bytes", lambda: 300_000)
    result = run_study(study, shipped_network)
    frame = result.frame
    stopped = frame.filter(pl.col("search_stopped").is_not_null())
    assert stopped["destination"].unique().to_list() == ["ISTANBUL"]
    assert stopped.height == 4  # 2 scenarios × 2 ready times, one row each
    assert result.stats.stopped == 4
    assert stopped["route_rank"].null_count() == stopped["explanation"].null_count() == 4
    assert (stopped["pareto_size"] == -1).all()
    assert all("budget of 0.29 MiB" in why and "narrow the query" in why for why in stopped["search_stopped"])
    # the repeat a week later is the stopped row shifted (the same search stops alike), not a second search
    assert (result.stats.searched, result.stats.repeats) == (4, 4)
    assert stopped.filter(pl.col("shifted_weeks") == 1).height == 2
    answered = frame.filter(pl.col("destination") == "ALMATY")
    assert answered.drop("search_stopped").equals(
        unbounded.filter(pl.col("destination") == "ALMATY").drop("search_stopped")
    )
    assert answered["route_rank"].null_count() == 0
    comparison = comparison_frame(frame)
    assert set(comparison.filter(pl.col("destination") == "ISTANBUL")["change"]) == {"unknown"}
    assert set(comparison_frame(unbounded).filter(pl.col("destination") == "ISTANBUL")["change"]) != {"unknown"}
    # the shares are of Xi'an → Almaty alone, and say that two queries of each scenario are unknown
    shares = corridor_shares(frame)
    assert shares.group_by("scenario").agg(pl.col("queries").sum(), pl.col("unknown").first()).sort(
        "scenario"
    ).rows() == [("baseline", 2, 2), ("close_russia_belarus", 2, 2)]
    assert (corridor_shares(unbounded)["unknown"] == 0).all()
