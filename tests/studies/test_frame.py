"""routes_frame: any route results → the study columns; Parquet and CSV output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from engine.errors import InvalidRequest
from engine.network import Network
from engine.routing import Constraints, RouteQuery, Shipment, find_routes
from engine.studies import read_frame, routes_frame, write_frame
from engine.studies.frame import SCHEMA

READY = datetime(2027, 1, 4, 8, tzinfo=UTC)


def test_one_row_per_route_with_the_route_figures(shipped_network: Network) -> None:
    query = RouteQuery("XIAN", "DUISBURG", READY, Shipment(teu=2, gross_weight_kg=20_000), max_routes=3)
    result = find_routes(shipped_network, query)
    frame = routes_frame([result], scenario="baseline")
    assert frame.schema == pl.Schema(SCHEMA)
    assert frame["route_rank"].to_list() == list(range(1, len(result.routes) + 1))
    for row, route in zip(frame.iter_rows(named=True), result.routes, strict=True):
        assert row["cost_usd"] == route.cost_usd
        assert row["arrival"] == route.arrive
        assert row["departure"] == route.depart
        assert row["transit_days"] == pytest.approx((route.arrive - READY) / timedelta(days=1))
        assert row["transfers"] == route.transfer_count
        assert row["co2e_kg"] == route.co2e_kg
        assert row["distance_km"] == route.distance_km
        assert row["countries"] == "|".join(route.countries)
        assert row["scenario"] == "baseline"
        assert row["scenario_hash"] == shipped_network.label
        assert (row["arrival_p10"], row["arrival_p50"], row["arrival_p90"]) == (
            route.arrival_p10,
            route.arrival_p50,
            route.arrival_p90,
        )
        assert row["shifted_weeks"] == 0
        assert len(row["path_lon"]) == len(route.geometry)
    assert set(frame["corridor"]) <= {"Middle", "Northern", "Southern", "Sea", "Air", "Other"}


def test_no_route_is_one_row_with_the_explanation(shipped_network: Network) -> None:
    query = RouteQuery(
        "XIAN",
        "DUISBURG",
        READY,
        Shipment(teu=2, gross_weight_kg=20_000),
        constraints=Constraints(arrive_by=READY + timedelta(days=3)),
    )
    frame = routes_frame([find_routes(shipped_network, query)])
    assert frame.height == 1
    row = frame.row(0, named=True)
    assert row["route_rank"] is None
    assert row["cost_usd"] is None
    assert "arrive" in row["explanation"]


def test_parquet_and_csv(shipped_network: Network, tmp_path: Path) -> None:
    query = RouteQuery("XIAN", "ISTANBUL", READY, Shipment(teu=2, gross_weight_kg=20_000), max_routes=2)
    frame = routes_frame([find_routes(shipped_network, query)])
    assert read_frame(write_frame(frame, tmp_path / "r.parquet")).equals(frame)
    csv = pl.read_csv(write_frame(frame, tmp_path / "r.csv"))
    assert csv.columns == frame.columns
    first_lon = frame["path_lon"][0].to_list()
    assert csv["path_lon"][0] == "|".join(str(v) for v in first_lon)
    with pytest.raises(InvalidRequest, match=r"out: must end in \.parquet or \.csv, got 'r\.xlsx'"):
        write_frame(frame, tmp_path / "r.xlsx")
