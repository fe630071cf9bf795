"""PlanShipment and StudyService.AssignDemand over gRPC equal the library's answers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import grpc
import polars as pl
import pytest
import yaml
from corridor.v1 import routing_pb2, routing_pb2_grpc, study_pb2, study_pb2_grpc, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from engine.errors import InvalidRequest
from engine.network import Network
from engine.network.paths import default_network_dir
from engine.network.scenario import apply_edits, parse_scenario
from engine.optimize import AssignRequest, assign_demand, plan_shipment, read_demand_csv
from engine.optimize.values import MAX_MARGINS
from engine.service.convert.common import CARGO_CLASS_TO_PROTO, MODE_TO_PROTO
from engine.service.convert.routing import plan_request_from_proto, plan_response
from tests.contract.conftest import ServerProcess

STUDIES = default_network_dir() / "studies"


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad)
    return [(v.field, v.description) for v in bad.field_violations]


@pytest.fixture(scope="module")
def routing(server: ServerProcess) -> routing_pb2_grpc.RoutingServiceStub:
    return routing_pb2_grpc.RoutingServiceStub(server.channel())


@pytest.fixture(scope="module")
def study(server: ServerProcess) -> study_pb2_grpc.StudyServiceStub:
    return study_pb2_grpc.StudyServiceStub(server.channel())


@pytest.fixture(scope="module")
def demand_rows(shipped_network: Network) -> list[study_pb2.DemandRow]:
    rows = []
    for d in read_demand_csv(STUDIES / "demand.csv", shipped_network):
        rows.append(
            study_pb2.DemandRow(
                origin=d.origin,
                destination=d.destination,
                cargo_class=CARGO_CLASS_TO_PROTO[d.cargo_class],
                teu_per_week=d.teu_per_week,
                avoid_countries=sorted(d.avoid_countries),
                avoid_modes=sorted(MODE_TO_PROTO[m] for m in d.avoid_modes),
                gross_kg_per_teu=d.gross_kg_per_teu,
                segment=d.segment,
            )
        )
    return rows


PLAN = routing_pb2.PlanShipmentRequest(
    origin="XIAN",
    destination="DUISBURG",
    teu=300,
    ready=stamp(datetime(2026, 12, 1, tzinfo=UTC)),
    horizon_days=30,
    constraints=types_pb2.Constraints(avoid_countries=["RU", "BY"]),
    request_id="plan-300",
)


def test_plan_shipment_equals_the_library(
    routing: routing_pb2_grpc.RoutingServiceStub, shipped_network: Network
) -> None:
    response = routing.PlanShipment(PLAN, timeout=120)
    expected = plan_response(plan_shipment(shipped_network, plan_request_from_proto(PLAN)), "plan-300")
    assert response == expected
    assert response.moved_teu + response.unmoved_teu == 300
    assert sum(part.teu for part in response.parts) == response.moved_teu
    for part in response.parts:
        assert not {"RU", "BY"} & set(part.route.countries)
        assert all(use.capacity_teu == 0 or use.planned_teu <= use.capacity_teu for use in part.departures)


def test_plan_takes_containers_by_type() -> None:
    boxes = routing_pb2.PlanShipmentRequest()
    boxes.CopyFrom(PLAN)
    boxes.teu = 0
    boxes.containers.add(type=types_pb2.CONTAINER_TYPE_DRY_40, count=150)
    assert plan_request_from_proto(boxes).teu == 300
    boxes.teu = 7
    with pytest.raises(InvalidRequest, match="teu: must be 0 \\(derived\\) or 300 to agree with the containers, got 7"):
        plan_request_from_proto(boxes)


def test_plan_shipment_refuses_per_route_limits(routing: routing_pb2_grpc.RoutingServiceStub) -> None:
    bad = routing_pb2.PlanShipmentRequest()
    bad.CopyFrom(PLAN)
    bad.constraints.via.append("ALAT")
    with pytest.raises(grpc.RpcError) as caught:
        routing.PlanShipment(bad, timeout=60)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in violations(caught.value)] == ["constraints.via"]


def test_assign_demand_finds_the_caspian_bottleneck(
    study: study_pb2_grpc.StudyServiceStub, demand_rows: list[study_pb2.DemandRow], shipped_network: Network
) -> None:
    response = study.AssignDemand(study_pb2.AssignDemandRequest(demand=demand_rows, request_id="a1"), timeout=300)
    local = assign_demand(shipped_network, AssignRequest(read_demand_csv(STUDIES / "demand.csv", shipped_network)))
    assert response.request_id == "a1"
    assert response.status == local.status
    assert response.objective_usd_per_week == pytest.approx(local.objective_usd_per_week, rel=1e-9)
    assert [(p.id, p.shadow_price_usd_per_teu) for p in response.shadow_prices] == [
        (row["id"], pytest.approx(row["shadow_price_usd_per_teu"], rel=1e-9)) for row in local.shadow_prices.to_dicts()
    ]
    binding_links = {p.id for p in response.shadow_prices if p.element == "link"}
    # rail is capped by its departures like the ferries (issue 11): on the shipped TITR matrix the Kazakh block
    # trains bind before the Caspian does (the Chinese family, 5,650 TEU a day, does not)
    assert "R-SAKSAULSKAYA-BEINEU" in binding_links
    assert "R-LANZHOU-URUMQI" not in binding_links
    assert len(response.links) == len(shipped_network.links)
    assert len(response.commodities) == len(demand_rows)
    assert sum(c.served_teu_per_week for c in response.commodities) == pytest.approx(response.served_teu_per_week)


def test_assign_demand_measures_the_margins_asked_for(
    study: study_pb2_grpc.StudyServiceStub, demand_rows: list[study_pb2.DemandRow], shipped_network: Network
) -> None:
    """``margins``: the dearest binding capacities carry what one TEU/week more saves and one less costs, equal to
    the library's; the others leave both fields unset (not 0, which would claim nothing is saved)."""
    response = study.AssignDemand(study_pb2.AssignDemandRequest(demand=demand_rows, margins=3), timeout=300)
    demand = read_demand_csv(STUDIES / "demand.csv", shipped_network)
    local = assign_demand(shipped_network, AssignRequest(demand, margins=3)).shadow_prices.to_dicts()
    assert [p.id for p in response.shadow_prices] == [row["id"] for row in local]
    for served, row in zip(response.shadow_prices[:3], local[:3], strict=True):
        assert served.saving_usd_per_teu_added == pytest.approx(row["saving_usd_per_teu_added"], rel=1e-9, abs=1e-9)
        assert served.cost_usd_per_teu_removed == pytest.approx(row["cost_usd_per_teu_removed"], rel=1e-9)
        line = row["expands_with"]
        assert list(served.expands_with) == ([] if line is None else line.split("|"))
        together = row["saving_usd_per_teu_added_together"]
        assert served.HasField("saving_usd_per_teu_added_together") == (together is not None)
        if together is not None:
            assert served.saving_usd_per_teu_added_together == pytest.approx(together, rel=1e-9)
    assert any(p.saving_usd_per_teu_added < p.shadow_price_usd_per_teu for p in response.shadow_prices[:3])
    assert not any(p.HasField("saving_usd_per_teu_added") for p in response.shadow_prices[3:])
    assert not any(p.HasField("cost_usd_per_teu_removed") for p in response.shadow_prices[3:])
    assert not any(p.expands_with for p in response.shadow_prices[3:])
    too_many = study_pb2.AssignDemandRequest(demand=demand_rows, margins=MAX_MARGINS + 1)
    with pytest.raises(grpc.RpcError) as caught:
        study.AssignDemand(too_many, timeout=60)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in violations(caught.value)] == ["margins"]


def test_assign_demand_answers_within_its_deadline_whatever_margins_are_asked(
    study: study_pb2_grpc.StudyServiceStub, demand_rows: list[study_pb2.DemandRow]
) -> None:
    """Measuring all 36 binding capacities takes ~3 s of re-solves; with a 3 s deadline the call still answers OK
    (margins stop short of it), the margins it measured first, those it had no time for unset."""
    response = study.AssignDemand(study_pb2.AssignDemandRequest(demand=demand_rows, margins=MAX_MARGINS), timeout=3.0)
    measured = [p.HasField("cost_usd_per_teu_removed") for p in response.shadow_prices]
    assert response.shadow_prices
    assert measured == sorted(measured, reverse=True)  # the dearest first, then those not reached


def test_assign_demand_as_arrow_frames(
    study: study_pb2_grpc.StudyServiceStub, demand_rows: list[study_pb2.DemandRow], shipped_network: Network
) -> None:
    response = study.AssignDemand(
        study_pb2.AssignDemandRequest(demand=demand_rows, format=study_pb2.FRAME_FORMAT_ARROW_IPC), timeout=300
    )
    frames = {f.name: pl.read_ipc_stream(io.BytesIO(f.arrow_ipc)) for f in response.frames}
    local = assign_demand(shipped_network, AssignRequest(read_demand_csv(STUDIES / "demand.csv", shipped_network)))
    assert set(frames) == {"links", "nodes", "routes", "commodities", "shadow_prices"}
    assert frames["shadow_prices"].equals(local.shadow_prices)
    assert frames["routes"].equals(local.routes)
    assert not response.links  # rows are not repeated when frames are asked for


def test_assign_demand_on_a_scenario(study: study_pb2_grpc.StudyServiceStub, shipped_network: Network) -> None:
    candidates = yaml.safe_load((STUDIES / "candidates.yaml").read_text(encoding="utf-8"))["candidates"]
    feeders = next(c for c in candidates if c["id"] == "EXTRA_AKTAU_ALAT_FEEDERS")
    edits = yaml.safe_dump({"name": "extra feeders", "edits": feeders["edits"]}, allow_unicode=True)
    # cargo that starts at the Caspian, so the feeders matter (the shipped matrix is held up in China, rail capped);
    # more than the detours round the feeder (Aktau–Anzali, Novorossiysk–Samsun) can take as well
    caspian = [study_pb2.DemandRow(origin="AKTAU", destination="POTI", teu_per_week=2500)]
    base = study.AssignDemand(study_pb2.AssignDemandRequest(demand=caspian), timeout=300)
    what_if = study.AssignDemand(study_pb2.AssignDemandRequest(demand=caspian, edits_yaml=edits), timeout=300)
    assert what_if.network != base.network  # the scenario is a new snapshot
    assert what_if.network == apply_edits(shipped_network, parse_scenario(edits, "edits_yaml")).label
    assert (what_if.unserved_teu_per_week, what_if.objective_usd_per_week) < (
        base.unserved_teu_per_week,
        base.objective_usd_per_week,
    )


def test_assign_demand_names_bad_rows(study: study_pb2_grpc.StudyServiceStub) -> None:
    bad = study_pb2.AssignDemandRequest(
        demand=[
            study_pb2.DemandRow(origin="XIAN", destination="DUISBURG", teu_per_week=10),
            study_pb2.DemandRow(origin="XIAN", destination="DUISBURG", teu_per_week=-5, segment="b"),
            study_pb2.DemandRow(origin="XIAN", destination="DUISBURG", teu_per_week=1, avoid_modes=[0], segment="c"),
        ]
    )
    with pytest.raises(grpc.RpcError) as caught:
        study.AssignDemand(bad, timeout=60)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    fields = [field for field, _ in violations(caught.value)]
    assert fields == ["demand[1].teu_per_week", "demand[2].avoid_modes"]


def test_plan_deadline_frees_the_workers(routing: routing_pb2_grpc.RoutingServiceStub) -> None:
    huge = routing_pb2.PlanShipmentRequest()
    huge.CopyFrom(PLAN)
    huge.horizon_days = 45  # seconds of model building without the deadline (120 days is refused outright)
    calls = [routing.PlanShipment.future(huge, timeout=0.5) for _ in range(2)]  # one per worker
    for call in calls:
        with pytest.raises(grpc.RpcError) as caught:
            call.result()
        assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    quick = routing_pb2.FindRoutesRequest(
        origin="XIAN",
        destination="DUISBURG",
        departure=PLAN.ready,
        shipment=types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
        objective=types_pb2.OBJECTIVE_CHEAPEST,
        max_routes=1,
    )
    assert routing.FindRoutes(quick, timeout=5).routes  # both workers stopped building and are free
