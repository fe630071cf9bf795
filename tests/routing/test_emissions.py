"""Emissions per ISO 14083 / GLEC: TTW and WTW per leg, hub emissions per container lifted, the breakdown's sums."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import NetworkDataError
from engine.network import Network, load_network
from engine.network.model import Mode, NodeKind
from engine.network.paths import default_network_dir
from engine.routing import Objective, RouteQuery, Shipment, find_routes
from engine.routing.model import compile_network
from tests.routing.checks import assert_emissions_add_up, assert_valid_route
from tests.test_cli import corridor

READY = datetime(2026, 12, 1, tzinfo=UTC)
HUBS = """kind,description,kg_co2e_per_container_wtw,sources,notes
seaport,port,10,kg_co2e_per_container_wtw=ESTIMATE,kg_co2e_per_container_wtw: test value
gauge_change,gauge change,9,kg_co2e_per_container_wtw=ESTIMATE,kg_co2e_per_container_wtw: test value
rail_terminal,rail terminal,7,kg_co2e_per_container_wtw=ESTIMATE,kg_co2e_per_container_wtw: test value
"""


def _with_hubs(toy_copy: Path) -> Path:
    (toy_copy / "hub_emission_factors.csv").write_text(HUBS, encoding="utf-8")
    factors = toy_copy / "emission_factors.csv"
    rows = list(csv.reader(factors.read_text(encoding="utf-8").splitlines()))
    ttw = {"rail_electric": "0", "ferry_ropax": "166.4", "road_truck": "64.3"}
    text = "\n".join(
        ",".join(f'"{c}"' if "," in c else c for c in [*row, "g_co2e_per_tkm_ttw" if n == 0 else ttw[row[0]]])
        for n, row in enumerate(rows)
    )
    factors.write_text(text + "\n", encoding="utf-8")
    return toy_copy


def _query(teu: int = 3, objective: Objective = Objective.LOWEST_CO2E) -> RouteQuery:
    return RouteQuery("ORIGIN", "DEST", READY, Shipment(teu=teu, gross_weight_kg=teu * 10_000.0), objective=objective)


def test_hub_emissions_are_charged_per_container_lifted_and_the_breakdown_sums_to_the_total(toy_copy: Path) -> None:
    network = load_network(_with_hubs(toy_copy))
    query = _query(teu=3)  # one 40' and one 20': two containers handled at every lift
    result = find_routes(network, query)
    route = result.routes[0]
    assert_valid_route(network, route, query)
    report = route.emissions
    assert report is not None
    lifted = [t.node_id for t in route.transfers if t.lift]
    assert lifted, "the toy route changes gauge and vehicle"
    assert [h.node_id for h in report.hubs] == lifted
    expected = {"GAUGE_KZ": 9.0, "PORT_KZ": 10.0, "PORT_AZ": 10.0}  # seaport before rail_terminal: file order
    for hub in report.hubs:
        assert hub.containers == 2
        assert hub.kg_co2e_per_container_wtw == expected[hub.node_id]
        assert hub.co2e_wtw_kg == pytest.approx(2 * expected[hub.node_id])
        assert hub.estimate
    legs_g = round(sum(leg.co2e_wtw_kg for leg in report.legs) * 1000)
    hubs_g = round(sum(hub.co2e_wtw_kg for hub in report.hubs) * 1000)
    assert legs_g + hubs_g == report.co2e_wtw_g == route.criteria[3]
    assert 0 < report.co2e_ttw_kg < report.co2e_wtw_kg
    # The ferry leg burns fuel (TTW 166.4 g/t-km); the electric rail legs do not.
    for leg in report.legs:
        if leg.mode is Mode.FERRY:
            assert leg.co2e_ttw_kg == pytest.approx(166.4 * leg.tonnes * leg.distance_km / 1000, abs=0.002)
            assert leg.factor.g_co2e_per_tkm_ttw == 166.4
        elif leg.mode is Mode.RAIL:
            assert leg.co2e_ttw_kg == 0
            assert leg.co2e_wtw_kg > 0


def test_hub_emissions_count_in_the_co2e_criterion_and_the_search_stays_exact(toy_copy: Path) -> None:
    """The same query with and without hub factors: the WTW criterion grows by exactly the hubs' grams."""
    plain = find_routes(load_network(toy_copy), _query())
    network = load_network(_with_hubs(toy_copy))
    with_hubs = find_routes(network, _query())
    a, b = plain.routes[0], with_hubs.routes[0]
    assert [leg.service_id for leg in a.legs] == [leg.service_id for leg in b.legs]
    assert a.emissions is not None
    assert b.emissions is not None
    assert a.emissions.hubs == ()
    assert b.criteria[3] - a.criteria[3] == round(sum(h.co2e_wtw_kg for h in b.emissions.hubs) * 1000)
    for route in find_routes(network, _query(objective=Objective.PARETO)).routes:
        assert_valid_route(network, route, _query(objective=Objective.PARETO))


def test_loose_cargo_has_no_hub_emissions(toy_copy: Path) -> None:
    network = load_network(_with_hubs(toy_copy))
    query = RouteQuery("PORT_AZ", "DEST", READY, Shipment(teu=0, gross_weight_kg=500.0))
    for route in find_routes(network, query).routes:
        assert route.emissions is not None
        assert route.emissions.hubs == ()
        assert_emissions_add_up(route)


def test_tank_to_wheel_above_well_to_wheel_is_refused(toy_copy: Path) -> None:
    _with_hubs(toy_copy)
    path = toy_copy / "emission_factors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",166.4\n", ",250\n"), encoding="utf-8")
    with pytest.raises(NetworkDataError) as caught:
        load_network(toy_copy)
    assert "emission_factors.csv:3: g_co2e_per_tkm_ttw: tank-to-wheel 250 exceeds well-to-wheel 195.3" in str(
        caught.value
    )


def test_an_unknown_hub_kind_is_refused(toy_copy: Path) -> None:
    _with_hubs(toy_copy)
    path = toy_copy / "hub_emission_factors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("seaport,port", "harbour,port"), encoding="utf-8")
    with pytest.raises(NetworkDataError) as caught:
        load_network(toy_copy)
    assert "hub_emission_factors.csv:2: kind:" in str(caught.value)
    assert "harbour" in str(caught.value)


@pytest.fixture(scope="module")
def shipped() -> Network:
    return load_network(default_network_dir())


def test_electric_lines_use_their_country_grid(shipped: Network) -> None:
    network = shipped
    seen = set()
    for link in network.links.values():
        # A line's class follows the first node of its CSV row, so a reverse hop across a border keeps it.
        ends = {network.nodes[link.from_id].country, network.nodes[link.to_id].country}
        if link.emission_class.startswith("rail_electric_"):
            country = link.emission_class.removeprefix("rail_electric_").upper()
            assert country in ends, link.id
            seen.add(country)
        factor = network.emission_factors[link.emission_class]
        assert factor.g_co2e_per_tkm_ttw is not None, f"{factor.id} has no tank-to-wheel value"
        assert factor.g_co2e_per_tkm_ttw <= factor.g_co2e_per_tkm_wtw
        if link.emission_class.startswith("rail_electric"):
            assert factor.g_co2e_per_tkm_ttw == 0  # nothing burns on an electric train
    assert {"CN", "KZ", "GE", "DE", "PL"} <= seen
    grids = {c: network.emission_factors[f"rail_electric_{c}"].g_co2e_per_tkm_wtw for c in ("cn", "de", "fr")}
    assert grids["cn"] > grids["de"] > grids["fr"]  # coal-heavy grid above a mixed one above a nuclear one


def test_air_services_fly_belly_or_freighter_by_their_payload(shipped: Network) -> None:
    network = shipped
    for link in network.links.values():
        if link.mode is not Mode.AIR:
            continue
        payload = network.services[link.service_id].capacity_kg_per_departure
        freighter = link.emission_class.startswith("air_freighter")
        assert freighter == (payload is not None and payload >= 60_000), link.id


def test_hubs_of_the_shipped_network_are_sourced_or_explained(shipped: Network) -> None:
    hubs = shipped.hub_emission_factors
    assert list(hubs)[:2] == [NodeKind.SEAPORT, NodeKind.FERRY_TERMINAL]
    assert hubs[NodeKind.SEAPORT].kg_co2e_per_container_wtw == 10  # HHLA, Port of Hamburg
    assert hubs[NodeKind.RAIL_TERMINAL].kg_co2e_per_container_wtw == 7  # HHLA, Prague rail terminal
    compiled = compile_network(shipped)
    assert max(compiled.hub_g_per_container) == 10_000


def test_cli_emissions_report_prints_the_breakdown(toy_copy: Path) -> None:
    directory = str(_with_hubs(toy_copy))
    args = ("route", "ORIGIN", "DEST", "--network", directory, "--ready", "2026-12-01T00:00Z", "--teu", "2")
    result = corridor(*args, "--objective", "lowest_co2e", "--emissions-report")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "ISO 14083:2023 / GLEC Framework v3" in text
    assert "WTW = TTW + WTT" in text
    assert "GAUGE_KZ       gauge_change             1            9        9.0" in text
    assert "Total tank-to-wheel" in text
    assert "Total well-to-wheel" in text
    data = json.loads(corridor(*args, "--objective", "lowest_co2e", "--json").stdout)
    route = data["routes"][0]
    report = route["emissions"]
    legs = sum(leg["co2e_wtw_kg"] for leg in report["legs"])
    hubs = sum(hub["co2e_wtw_kg"] for hub in report["hubs"])
    assert legs + hubs == pytest.approx(route["co2e_kg"], abs=1e-6) == pytest.approx(report["co2e_wtw_kg"])
    assert report["co2e_ttw_kg"] <= report["co2e_wtw_kg"]
    assert {leg["emission_class"] for leg in report["legs"]} >= {"rail_electric", "ferry_ropax"}
    assert all(leg["sources"] == ["ESTIMATE"] and leg["estimate"] for leg in report["legs"])
