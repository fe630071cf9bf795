"""The optimizer's request types: validated when built, checked against a network by the one entry point of each
operation; export of the answers as JSON types and files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from engine.errors import InvalidRequest
from engine.network import Network
from engine.optimize import (
    AssignRequest,
    Demand,
    SelectRequest,
    assign_demand,
    assignment_summary,
    parse_candidates,
    write_assignment,
)
from tests.optimize.test_select import TOY_CANDIDATES, TOY_DEMAND

READY = datetime(2026, 12, 1, tzinfo=UTC)


def _fields(exc: pytest.ExceptionInfo[InvalidRequest]) -> list[str]:
    return [p.field for p in exc.value.problems]


def test_an_assign_request_names_every_bad_field() -> None:
    with pytest.raises(InvalidRequest) as exc:
        AssignRequest((), usd_per_teu_day=-1.0, unserved_usd_per_teu=0.0, lot_teu=0, gap=1.5, max_iterations=-2)
    assert _fields(exc) == ["usd_per_teu_day", "unserved_usd_per_teu", "lot_teu", "gap", "max_iterations"]
    assert "got -1.0" in str(exc.value)


def test_an_assign_request_is_checked_against_the_network(toy_network: Network) -> None:
    request = AssignRequest((Demand("ORIGIN", "NOWHERE", 10.0),), capacities={"NOT_AN_ELEMENT": 5.0})
    with pytest.raises(InvalidRequest) as exc:
        assign_demand(toy_network, request)
    assert _fields(exc) == ["demand[0].destination"]
    with pytest.raises(InvalidRequest, match="'NOT_AN_ELEMENT' is neither a link nor a node"):
        AssignRequest(tuple(TOY_DEMAND), capacities={"NOT_AN_ELEMENT": 5.0}).check_against(toy_network)


def test_a_select_request_checks_budget_solver_and_ids_in_order(toy_network: Network) -> None:
    candidates = parse_candidates(TOY_CANDIDATES, "toy.yaml", toy_network)
    assignment = AssignRequest(tuple(TOY_DEMAND))
    with pytest.raises(InvalidRequest) as exc:
        SelectRequest(candidates, -5.0, assignment, solver="cplex")
    assert _fields(exc) == ["budget_usd"]
    with pytest.raises(InvalidRequest) as exc:
        SelectRequest(candidates, 10.0, assignment, solver="cplex")
    assert _fields(exc) == ["solver"]
    with pytest.raises(InvalidRequest) as exc:
        SelectRequest((*candidates, candidates[0]), 10.0, assignment)
    assert _fields(exc) == ["candidates"]


def test_write_assignment_writes_frames_and_summary(toy_network: Network, tmp_path: Path) -> None:
    result = assign_demand(toy_network, AssignRequest(tuple(TOY_DEMAND)))
    written = write_assignment(result, tmp_path / "out", "csv")
    assert [p.name for p in written] == [
        "links.csv",
        "nodes.csv",
        "routes.csv",
        "commodities.csv",
        "shadow_prices.csv",
        "summary.json",
    ]
    assert pl.read_csv(tmp_path / "out" / "links.csv").height == result.links.height
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary == json.loads(json.dumps(assignment_summary(result)))
