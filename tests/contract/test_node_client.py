"""A client in another language (Node.js, @grpc/grpc-js), written only from the .proto files, works unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from google.rpc import status_pb2

from engine.network import load_network
from engine.network.paths import default_network_dir
from engine.routing import Constraints, FigureProvenance, Objective, RouteQuery, Shipment, constraints_from, find_routes
from tests.contract.conftest import ServerProcess

NODE_DIR = Path(__file__).parent / "node"
PROTO_DIR = Path(__file__).resolve().parents[2] / "proto"
GOOGLE_PROTOS = Path(status_pb2.__file__).resolve().parents[2]  # holds google/rpc/*.proto

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir(),
    reason="Node.js or its packages are not installed (make setup installs them when npm is present)",
)


def _figure(f: FigureProvenance) -> list[object]:
    return [list(f.sources), f.estimate, f.sourced_share]


def _same_provenance_as_in_process(seen: dict[str, object]) -> None:
    """The provenance the Node client read equals the library's for the same question."""
    query = RouteQuery(
        "XIAN",
        "DUISBURG",
        datetime(2026, 12, 1, tzinfo=UTC),
        Shipment(2, 20_000),
        Objective.FASTEST,
        constraints_from(avoid_countries=["RU", "BY"]),
        max_routes=1,
    )
    route = find_routes(load_network(default_network_dir()), query).routes[0]
    p = route.provenance
    assert p is not None
    assert seen == {
        "network_as_of": "2026-12-01",
        "cost": _figure(p.cost),
        "freight": _figure(p.freight),
        "time": _figure(p.time),
        "co2e": _figure(p.co2e),
        "distance": _figure(p.distance),
        "legs": [[_figure(leg.provenance.cost), _figure(leg.provenance.time)] for leg in route.legs if leg.provenance],
        "transfers": [_figure(t.handling_cost) for t in p.transfers],
        "borders": [_figure(b.entry_dwell) for b in p.border_crossings],
    }
    assert 0 < p.cost_sourced_share < 1


def test_node_client(server: ServerProcess) -> None:
    result = subprocess.run(
        ["node", str(NODE_DIR / "client.mjs"), server.address, str(PROTO_DIR), str(GOOGLE_PROTOS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["network"]["name"] == "middle_corridor"
    assert out["network"]["modes"] == ["MODE_RAIL", "MODE_FERRY", "MODE_SEA", "MODE_ROAD", "MODE_AIR"]
    assert out["route"]["request_id"] == "node-1"
    assert out["network"]["as_of"] == "2026-12-01"
    _same_provenance_as_in_process(out["route"]["provenance"])
    assert not {"RU", "BY"} & set(out["route"]["countries"])
    assert "MODE_FERRY" in out["route"]["modes"]
    emissions = out["route"]["emissions"]  # Route.emissions: the breakdown sums to the route's CO2e
    assert emissions["method"].startswith("ISO 14083:2023 / GLEC Framework v3")
    assert emissions["wtw"] == pytest.approx(out["route"]["co2e_kg"])
    legs_wtw = sum(wtw for _, _, wtw in emissions["legs"])
    hubs_wtw = sum(kg for _, _, _, kg in emissions["hubs"])
    assert legs_wtw + hubs_wtw == pytest.approx(emissions["wtw"], abs=1e-6)
    assert sum(ttw for _, ttw, _ in emissions["legs"]) == pytest.approx(emissions["ttw"], abs=1e-6)
    assert sum(out["route"]["leg_ttw_kg"]) == pytest.approx(emissions["ttw"], abs=1e-6)
    assert 0 < emissions["ttw"] < emissions["wtw"]
    assert all(containers == 1 and kg > 0 for _, _, containers, kg in emissions["hubs"])
    _check_reliable(out["reliable"])
    tariffs = out["tariffs"]
    assert tariffs["reefer_surcharge_usd"] > 0
    assert ["reefer_power", "container_day"] in tariffs["reefer_surcharges"]
    assert tariffs["as_of"]
    assert all(as_of <= "2026-12-01" for _, as_of in tariffs["as_of"])
    assert tariffs["through"] == ["TITR-ALTYNKOL-ISTANBUL"]
    assert tariffs["through_usd"] == tariffs["total_usd"] == 2301  # the TITR 20' through rate, all-in
    assert out["error"]["code"] == 3  # INVALID_ARGUMENT
    assert out["scenario"]["code"] == 5  # NOT_FOUND: this server holds no named scenario
    assert "unknown scenario 'red_sea_closed'; the server holds: none" in out["scenario"]["details"]
    assert out["error"]["status"]["violations"][1] == [
        "departure",
        "is required: when the cargo is ready at the origin (UTC)",
    ]
    assert out["stream"] == [
        {"request_id": "s0", "routes": 2, "error": ""},
        {"request_id": "s1", "routes": 2, "error": ""},
        {"request_id": "s2", "routes": -1, "error": "NOT_FOUND"},
    ]
    progress = out["study"]["progress"]
    assert progress[0] == [0, 12, "node-study"]
    assert progress[-1] == [12, 12, "node-study"]
    assert [done for done, _, _ in progress] == sorted(done for done, _, _ in progress)
    rows = out["study"]["rows"]
    assert len(rows) == 12  # one route per query: 2 OD pairs x 3 weeks x 2 scenarios
    assert all(row[3].startswith("CORRIDOR_") and row[3] != "CORRIDOR_UNSPECIFIED" for row in rows)
    assert not any(row[3] == "CORRIDOR_NORTHERN" for row in rows if row[0] == "no_ru_by")


def _check_reliable(reliable: dict[str, Any]) -> None:
    """The Node client reads the band fields, and they equal the library's band for the same request (seeded)."""
    assert reliable["objective"] == "OBJECTIVE_MOST_RELIABLE"
    ready, deadline = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 10, tzinfo=UTC)
    query = RouteQuery(
        "XIAN",
        "DUISBURG",
        ready,
        Shipment(teu=2, gross_weight_kg=20000),
        objective=Objective.MOST_RELIABLE,
        max_routes=3,
        constraints=Constraints(
            avoid_countries=frozenset({"RU", "BY"}), arrive_by=deadline, min_on_time_probability=0.5
        ),
    )
    expected = find_routes(load_network(default_network_dir()), query).routes
    assert reliable["routes"] == [
        {
            "arrive": int(r.arrive.timestamp()),
            "p10": int(r.arrival_p10.timestamp()),
            "p50": int(r.arrival_p50.timestamp()),
            "p90": int(r.arrival_p90.timestamp()),
            "on_time": r.on_time_probability,
        }
        for r in expected
        if r.arrival_p10 and r.arrival_p50 and r.arrival_p90
    ]
    assert reliable["routes"], "the deadline leaves routes"
    for route in reliable["routes"]:
        assert route["p10"] <= route["p50"] <= route["p90"]
        assert 0.5 <= route["on_time"] <= 1
