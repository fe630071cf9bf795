"""Bounds checked before work starts: plan horizon × departures, assignment rows, request bytes in flight."""

from __future__ import annotations

import pytest
from corridor.v1 import routing_pb2, study_pb2

from engine.errors import InvalidRequest
from engine.network import Network
from engine.service.status import ServerBusy, failure_from_exception
from engine.service.work_limits import (
    MAX_ASSIGN_ROWS,
    ByteBudget,
    check_assign_rows,
    check_plan_size,
    link_departures_per_week,
)


def test_the_plan_horizon_is_bounded_by_the_departures_it_holds(shipped_network: Network) -> None:
    per_week = link_departures_per_week(shipped_network)
    assert per_week > 0
    check_plan_size(routing_pb2.PlanShipmentRequest(horizon_days=30), shipped_network)
    check_plan_size(routing_pb2.PlanShipmentRequest(), shipped_network)  # the default horizon
    with pytest.raises(InvalidRequest) as caught:
        check_plan_size(routing_pb2.PlanShipmentRequest(horizon_days=120), shipped_network)
    (problem,) = caught.value.problems
    assert problem.field == "horizon_days"
    assert "a horizon of 120 days" in problem.message
    assert "at most 40,000" in problem.message


def test_assignment_rows_are_bounded() -> None:
    row = study_pb2.DemandRow(origin="XIAN", destination="DUISBURG", teu_per_week=1)
    check_assign_rows(study_pb2.AssignDemandRequest(demand=[row] * MAX_ASSIGN_ROWS))
    with pytest.raises(InvalidRequest) as caught:
        check_assign_rows(study_pb2.AssignDemandRequest(demand=[row] * (MAX_ASSIGN_ROWS + 1)))
    assert caught.value.problems[0].field == "demand"


def test_request_bytes_in_flight_have_a_ceiling() -> None:
    budget = ByteBudget(100)
    with budget.hold(500), pytest.raises(ServerBusy) as caught, budget.hold(1):  # one call alone is admitted
        pass
    assert budget.held_bytes == 0
    with budget.hold(60), budget.hold(40):
        assert budget.held_bytes == 100
    assert failure_from_exception(caught.value).status == "RESOURCE_EXHAUSTED"
