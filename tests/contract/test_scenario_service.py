"""Named scenarios over gRPC: ``corridor serve --scenario NAME=FILE``, chosen per request by ``scenario``."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from corridor.v1 import routing_pb2, routing_pb2_grpc, study_pb2, study_pb2_grpc, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from engine.network import Network
from engine.network.paths import default_network_dir
from engine.network.scenario import apply_scenarios, load_scenario
from engine.routing import find_routes
from engine.service.convert.routing import route_query_from_proto
from tests.contract.conftest import ServerProcess, start_server

SCENARIOS = default_network_dir() / "studies" / "scenarios"
FEEDERS = (
    "edits:\n  - op: set_service\n    id: F-AKTAU-ALAT\n    headway_h: 21\n"
    "    sources: ESTIMATE\n    notes: 'headway_h: twice the sailings, assumed'\n"
)


def _stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


SEA_ONLY = routing_pb2.FindRoutesRequest(
    origin="SHANGHAI",
    destination="ROTTERDAM",
    departure=_stamp(datetime(2026, 12, 1, tzinfo=UTC)),
    shipment=types_pb2.Shipment(teu=2, gross_weight_kg=20_000),
    # Fastest: since the Red Sea war-risk surcharge (surcharges.csv) the cheapest sea route already rounds the Cape.
    objective=types_pb2.OBJECTIVE_FASTEST,
    max_routes=1,
    constraints=types_pb2.Constraints(avoid_modes=[types_pb2.MODE_RAIL, types_pb2.MODE_AIR, types_pb2.MODE_ROAD]),
)


@pytest.fixture(scope="module")
def feeders_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "feeders.yaml"
    path.write_text(FEEDERS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario_server(feeders_file: Path) -> Iterator[ServerProcess]:
    red_sea = SCENARIOS / "red_sea_closed.yaml"
    running = start_server(
        default_network_dir(), 1, "--scenario", f"red_sea={red_sea}", "--scenario", f"feeders={feeders_file}"
    )
    yield running
    assert running.stop() == 0


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_a_named_scenario_answers_as_the_library_does(scenario_server: ServerProcess, shipped_network: Network) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(scenario_server.channel())
    base = stub.FindRoutes(SEA_ONLY, timeout=60)
    closed = stub.FindRoutes(routing_pb2.FindRoutesRequest(scenario="red_sea", **_fields(SEA_ONLY)), timeout=60)
    named = dataclasses.replace(load_scenario(SCENARIOS / "red_sea_closed.yaml"), name="red_sea")
    edited = apply_scenarios(shipped_network, [named])
    assert closed.network == edited.label
    assert closed.network.startswith("middle_corridor+red_sea@")
    assert base.network == shipped_network.label
    assert "SUEZ" in {node for leg in base.routes[0].legs for node in leg.through_nodes}
    assert "CAPE_GOOD_HOPE" in {node for leg in closed.routes[0].legs for node in leg.through_nodes}  # round the Cape
    expected = find_routes(edited, route_query_from_proto(SEA_ONLY, edited))
    assert closed.routes[0].cost_usd == pytest.approx(expected.routes[0].cost_usd)


def _fields(message: routing_pb2.FindRoutesRequest) -> dict[str, object]:
    return {field.name: value for field, value in message.ListFields()}


def test_an_unknown_scenario_is_not_found_and_names_the_known_ones(scenario_server: ServerProcess) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(scenario_server.channel())
    with pytest.raises(grpc.RpcError) as caught:
        stub.FindRoutes(routing_pb2.FindRoutesRequest(scenario="red_see", **_fields(SEA_ONLY)), timeout=60)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert "unknown scenario 'red_see'; the server holds: feeders, red_sea" in (caught.value.details() or "")


def test_plan_and_assign_take_the_scenario(scenario_server: ServerProcess) -> None:
    routing = routing_pb2_grpc.RoutingServiceStub(scenario_server.channel())
    plan = routing.PlanShipment(
        routing_pb2.PlanShipmentRequest(
            origin="AKTAU",
            destination="ALAT",
            teu=20,
            ready=_stamp(datetime(2026, 12, 1, tzinfo=UTC)),
            horizon_days=7,
            scenario="feeders",
        ),
        timeout=120,
    )
    assert plan.network.startswith("middle_corridor+feeders@")
    study = study_pb2_grpc.StudyServiceStub(scenario_server.channel())
    demand = [study_pb2.DemandRow(origin="AKTAU", destination="ALAT", teu_per_week=100)]
    inline = (
        "edits:\n  - op: scale\n    what: tariff\n    link: F-AKTAU-ALAT\n    factor: 2\n"
        "    sources: ESTIMATE\n    notes: 'factor: assumed'\n"
    )
    named = study.AssignDemand(study_pb2.AssignDemandRequest(demand=demand, scenario="feeders"), timeout=300)
    both = study.AssignDemand(
        study_pb2.AssignDemandRequest(demand=demand, scenario="feeders", edits_yaml=inline), timeout=300
    )
    assert named.network.startswith("middle_corridor+feeders@")
    assert both.network != named.network  # the inline edits go on top of the named scenario…
    assert both.network.startswith("middle_corridor+feeders@")  # …which the label still names


def test_reload_reapplies_the_scenarios(scenario_server: ServerProcess) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(scenario_server.channel())
    before = stub.FindRoutes(routing_pb2.FindRoutesRequest(scenario="red_sea", **_fields(SEA_ONLY)), timeout=60)
    scenario_server.process.send_signal(signal.SIGHUP)
    _wait_for(lambda: any("reload: serving" in line for line in scenario_server.stderr))
    after = stub.FindRoutes(routing_pb2.FindRoutesRequest(scenario="red_sea", **_fields(SEA_ONLY)), timeout=60)
    assert after.network == before.network
    assert list(after.routes[0].countries) == list(before.routes[0].countries)


def test_a_bad_scenario_stops_the_start_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("edits:\n  - op: close_passage\n    node: BAB_EL_MANDEP\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0", "--scenario", f"x={bad}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert f"{bad}:3: node: unknown node 'BAB_EL_MANDEP' (did you mean 'BAB_EL_MANDEB'" in result.stderr
    malformed = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert malformed.returncode == 2
    assert "--scenario must be NAME=FILE" in malformed.stderr


def test_a_stream_mixes_scenarios_item_by_item(scenario_server: ServerProcess) -> None:
    stub = routing_pb2_grpc.RoutingServiceStub(scenario_server.channel())
    sent = [
        routing_pb2.FindRoutesRequest(request_id=f"s-{name or 'base'}", scenario=name, **_fields(SEA_ONLY))
        for name in ("", "red_sea", "nope")
    ]
    answers = {
        a.request_id: a
        for a in stub.StreamRoutes((routing_pb2.StreamRoutesRequest(request=q) for q in sent), timeout=120)
    }
    assert answers["s-base"].response.network.startswith("middle_corridor@")
    assert answers["s-red_sea"].response.network.startswith("middle_corridor+red_sea@")
    assert answers["s-nope"].error.status == "NOT_FOUND"
    assert "the server holds: feeders, red_sea" in answers["s-nope"].error.message
