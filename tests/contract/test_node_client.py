"""A client in another language (Node.js, @grpc/grpc-js), written only from the .proto files, works unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from google.rpc import status_pb2

from tests.contract.conftest import ServerProcess

NODE_DIR = Path(__file__).parent / "node"
PROTO_DIR = Path(__file__).resolve().parents[2] / "proto"
GOOGLE_PROTOS = Path(status_pb2.__file__).resolve().parents[2]  # holds google/rpc/*.proto

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir(),
    reason="Node.js or its packages are not installed (make setup installs them when npm is present)",
)


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
    assert not {"RU", "BY"} & set(out["route"]["countries"])
    assert "MODE_FERRY" in out["route"]["modes"]
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
