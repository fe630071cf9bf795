"""Rail is capped by its departures in the assignment, as in the shipment plan (issue 11, capacity-aware studies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from engine.network import Mode, Network
from engine.optimize import AssignRequest, Demand, PlanRequest, assign_demand, plan_shipment, weekly_capacities

GEORGIAN_RAIL = "ADY-GR-1520"  # daily container trains Alat → Tbilisi → Poti, 70 TEU each: 490 TEU/week


def test_rail_timetable_caps_links_by_default(shipped_network: Network) -> None:
    caps = weekly_capacities(shipped_network)
    link = "R-ALAT-BOYUK_KASIK"
    service = shipped_network.services[GEORGIAN_RAIL]
    assert service.capacity_teu_per_departure is not None
    assert caps.link_teu_per_week[link] == service.departures_per_week * service.capacity_teu_per_departure == 490
    assert caps.basis[link] == "departures"
    # capping only some modes is still possible: ships only leaves the train uncapped
    ships = weekly_capacities(shipped_network, service_modes=frozenset({Mode.FERRY, Mode.SEA}))
    assert link not in ships.link_teu_per_week
    assert ships.basis.get("F-KURYK-ALAT-W") == "sailings"


def test_georgian_rail_binds_in_the_plan_and_in_the_assignment(shipped_network: Network) -> None:
    """The same daily 70-TEU trains limit a week of Alat → Poti cargo in both models."""
    week = assign_demand(shipped_network, AssignRequest((Demand("ALAT", "POTI", 2_000.0),), gap=0.0))
    rail = week.links.filter(pl.col("service_id") == GEORGIAN_RAIL, pl.col("binding"))
    assert rail.height > 0
    assert (rail["flow_teu_per_week"] <= 490 + 1e-6).all()
    # links in series share one price (degenerate rows may show 0), but the train is worth more slots
    assert rail["shadow_price_usd_per_teu"].sum() > 0
    assert set(rail["link_id"]) <= set(week.binding_links)

    ready = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    plan = plan_shipment(shipped_network, PlanRequest("ALAT", "POTI", 2_000, ready, horizon=timedelta(days=7)))
    # trucks take what the trains cannot; every train the plan uses is full (binding) at its 70 TEU
    binding_rail = [use for use in plan.binding if use.service_id == GEORGIAN_RAIL]
    assert binding_rail, [use.service_id for use in plan.binding]
    assert all(use.capacity_teu == 70 and use.planned_teu == 70 for use in binding_rail)
    assert len(binding_rail) >= 6  # about one train a day over the week
