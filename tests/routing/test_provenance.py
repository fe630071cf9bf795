"""Provenance in every answer: each figure names its source keys or says it is an estimate, worked out by hand on
the toy network (where only the Kazakh rail tariff and the CAREC border figures are sourced)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import NetworkDataError
from engine.network import Network, load_network
from engine.routing import (
    FigureProvenance,
    Route,
    RouteQuery,
    Shipment,
    constraints_from,
    find_routes,
    result_to_json,
)
from engine.routing.query import ContainerType as C

READY = datetime(2026, 12, 1, tzinfo=UTC)
SOURCED = FigureProvenance((), False, 1.0)  # a figure of zero with no estimate behind it


def fastest(network: Network) -> Route:
    result = find_routes(network, RouteQuery("ORIGIN", "DEST", READY, Shipment(2, 20_000), max_routes=10))
    return result.routes[0]


def test_route_shares_of_cost_and_time_worked_out_by_hand(toy_network: Network) -> None:
    route = fastest(toy_network)
    p = route.provenance
    assert p is not None
    # Cost 6,704 USD; sourced: KZ rail freight 870 (ARFC), Dostyk entry fee 626 and Aktau exit fee 370 (CPMM).
    assert route.cost_usd == 6704.0
    assert p.cost_sourced_share == round((870 + 626 + 370) / 6704, 4)
    assert p.cost.estimate
    assert set(p.cost.sources) == {"ARFC-2023", "CPMM-2022-KZ"}
    assert p.freight == FigureProvenance(("ARFC-2023",), True, round(870 / 4210, 4))
    assert p.handling == FigureProvenance((), True, 0.0)
    # Time 362 h from ready to arrival; sourced: the 78 h Dostyk entry and the 6.8 h Aktau exit dwell (CPMM).
    assert route.duration_h == 362.0
    assert p.time_sourced_share == round((78 + 6.8) / 362, 4)
    assert p.time.sources == ("CPMM-2022-KZ",)
    # Every distance and emission factor of the toy is an estimate.
    assert p.distance == FigureProvenance((), True, 0.0)
    assert p.co2e == FigureProvenance((), True, 0.0)
    assert p.network_as_of is None


def test_legs_transfers_and_borders_name_their_sources(toy_network: Network) -> None:
    route = fastest(toy_network)
    p = route.provenance
    assert p is not None
    kz_rail = route.legs[1].provenance
    assert kz_rail is not None
    assert kz_rail.freight == FigureProvenance(("ARFC-2023",), False, 1.0)
    assert kz_rail.handling == FigureProvenance((), True, 0.0)  # the gauge-change lift at Dostyk is an estimate
    assert kz_rail.cost.sourced_share == round(870 / (870 + 658), 4)
    assert kz_rail.border == SOURCED  # no border on the Kazakh train: Aktau's exit belongs to the ferry leg
    assert len(p.transfers) == len(route.transfers)
    assert len(p.border_crossings) == len(route.border_crossings) == 2
    cn_kz, kz_az = p.border_crossings
    assert cn_kz.exit_dwell == FigureProvenance((), True, 0.0)
    assert cn_kz.entry_dwell == FigureProvenance(("CPMM-2022-KZ",), False, 1.0)
    assert cn_kz.cost.sourced_share == round(626 / 806, 4)
    assert kz_az.exit_dwell == FigureProvenance(("CPMM-2022-KZ",), False, 1.0)
    assert kz_az.entry_dwell.estimate
    assert p.transfers[0].handling_time == FigureProvenance((), True, 0.0)
    assert p.transfers[0].deconsolidation_cost == SOURCED


def test_json_export_carries_provenance_beside_every_figure(toy_network: Network) -> None:
    route = result_to_json(find_routes(toy_network, RouteQuery("ORIGIN", "DEST", READY, Shipment(2, 20_000))))[
        "routes"
    ][0]
    assert route["provenance"]["cost_sourced_share"] == round(1866 / 6704, 4)
    assert route["provenance"]["network_as_of"] is None
    assert route["legs"][1]["provenance"]["freight"] == {
        "sources": ["ARFC-2023"],
        "estimate": False,
        "sourced_share": 1.0,
    }
    assert all("provenance" in b for b in route["border_crossings"])
    assert all("provenance" in t for t in route["transfers"])


def test_as_of_is_read_from_network_toml_and_reaches_every_route(toy_copy: Path) -> None:
    meta = toy_copy / "network.toml"
    meta.write_text(meta.read_text().replace('title = "', 'as_of = 2026-11-30\ntitle = "'), encoding="utf-8")
    network = load_network(toy_copy)
    assert network.as_of == date(2026, 11, 30)
    route = fastest(network)
    assert route.provenance is not None
    assert route.provenance.network_as_of == date(2026, 11, 30)


@pytest.mark.parametrize("value", ['"yesterday"', "2026-11-30T10:00:00Z", "20261130"])
def test_as_of_must_be_a_date(toy_copy: Path, value: str) -> None:
    meta = toy_copy / "network.toml"
    meta.write_text(meta.read_text().replace('title = "', f'as_of = {value}\ntitle = "'), encoding="utf-8")
    with pytest.raises(NetworkDataError, match=r"network.toml: as_of: must be a TOML date like 2026-12-01"):
        load_network(toy_copy)


def test_cli_table_marks_estimated_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "ORIGIN", "DEST", "--network", "tests/networks/toy", "--ready", "2026-12-01T00:00Z"]) == 0
    text = capsys.readouterr().out
    assert "~ partly estimated, * estimated" in text
    kz_rail = next(line for line in text.splitlines() if line.strip().startswith("GAUGE_KZ"))
    assert " 870 " not in kz_rail
    assert "1,528~" in kz_rail
    assert "sourced: 28% of the cost, 23% of the time, 0% of the CO2e" in text


def test_shipped_answers_name_the_as_of_date(shipped_network: Network) -> None:
    result = find_routes(shipped_network, RouteQuery("XIAN", "DUISBURG", READY, Shipment(2, 20_000)))
    for route in result.routes:
        assert route.provenance is not None
        assert route.provenance.network_as_of == shipped_network.as_of is not None
        assert 0 < route.provenance.cost_sourced_share < 1
        assert json.dumps(result_to_json(result))  # plain JSON all the way down


@pytest.mark.parametrize(
    ("origin", "destination", "teu"),
    [("XIAN", "DUISBURG", 2), ("SHANGHAI", "ROTTERDAM", 1), ("CHONGQING", "ISTANBUL", 4), ("XIAN", "FRA", 0)],
)
def test_legs_add_up_to_the_route(shipped_network: Network, origin: str, destination: str, teu: int) -> None:
    """The legs' figures cover the route's: weighting each leg's sourced share by its cost (or its minutes, from
    the previous arrival to its own) gives the route's share, so no minute or cent is counted twice or lost."""
    shipment = Shipment(teu, 10_000 * max(teu, 1))
    query = RouteQuery(origin, destination, READY, shipment, constraints=constraints_from(allow_deconsolidation=True))
    for route in find_routes(shipped_network, query).routes:
        p = route.provenance
        assert p is not None
        legs = [leg.provenance for leg in route.legs]
        assert all(leg is not None for leg in legs)
        cost = sum(leg.cost_usd * lp.cost.sourced_share for leg, lp in zip(route.legs, legs, strict=True) if lp)
        assert cost / route.cost_usd == pytest.approx(p.cost_sourced_share, abs=1e-3)
        before = [route.ready, *(leg.arrive for leg in route.legs[:-1])]
        minutes = [(leg.arrive - start).total_seconds() / 60 for leg, start in zip(route.legs, before, strict=True)]
        assert sum(minutes) == route.duration_h * 60
        sourced = sum(m * lp.time.sourced_share for m, lp in zip(minutes, legs, strict=True) if lp)
        assert sourced / sum(minutes) == pytest.approx(p.time_sourced_share, abs=1e-3)
        keys = {k for lp in legs if lp for k in lp.cost.sources}
        assert keys == set(p.cost.sources)
        assert keys <= set(shipped_network.sources)


# ------------------------------------------------------------------ surcharges and dated fares (issue 9 item 4)

TOY_SURCHARGES = (
    "id,kind,applies_to,cargo_class,usd,unit,valid_from,valid_to,sources,notes\n"
    "WAR,war_risk,via:PORT_AZ,,100,teu,,,usd=CPMM-2022-KZ,usd: test value with a real key of the toy\n"
    "PLUG,reefer_plug,transfer:PORT_KZ,reefer,24,container_day,,,usd=ARFC-2023,usd: test value\n"
    "REEFER-RAIL,reefer_power,mode:rail,reefer,30,container_day,,,usd=ESTIMATE,usd: test value\n"
)


def _with(toy_copy: Path, file: str, text: str) -> Network:
    (toy_copy / file).write_text(text, encoding="utf-8")
    return load_network(toy_copy)


def test_surcharges_rest_on_their_own_rows_not_on_the_link_tariff(toy_copy: Path) -> None:
    network = _with(toy_copy, "surcharges.csv", TOY_SURCHARGES)
    dry = fastest(network)
    p = dry.provenance
    assert p is not None
    # The same freight as without surcharges (870 of 4,210 USD sourced by ARFC); the 200 USD war risk (2 TEU ×
    # 100, arriving at PORT_AZ on the ferry) rests on its row's key, not on the ferry's estimated fare.
    assert dry.cost.surcharge_usd == 200
    assert p.freight == FigureProvenance(("ARFC-2023",), True, round(870 / 4210, 4))
    assert p.surcharge == FigureProvenance(("CPMM-2022-KZ",), False, 1.0)
    assert p.cost_sourced_share == round((870 + 626 + 370 + 200) / (6704 + 200), 4)
    ferry = next(leg for leg in dry.legs if leg.service_id == "CASPIAN-FEEDER")
    assert ferry.provenance is not None
    assert ferry.provenance.surcharge == FigureProvenance(("CPMM-2022-KZ",), False, 1.0)
    assert ferry.provenance.freight == FigureProvenance((), True, 0.0)

    reefer = find_routes(
        network, RouteQuery("ORIGIN", "DEST", READY, Shipment(0, 20_000, containers=((C.REEFER_40, 1),)))
    ).routes[0]
    rp = reefer.provenance
    assert rp is not None
    legs = {leg.service_id: leg for leg in reefer.legs}
    plug = next(s.usd for s in legs["CASPIAN-FEEDER"].surcharges if s.surcharge_id == "PLUG")
    war = next(s.usd for s in legs["CASPIAN-FEEDER"].surcharges if s.surcharge_id == "WAR")
    # The plug at PORT_KZ is charged with the transfer onto the ferry: credited to ARFC; rail power is an estimate.
    assert legs["CASPIAN-FEEDER"].provenance is not None
    assert legs["CASPIAN-FEEDER"].provenance.surcharge == FigureProvenance(("CPMM-2022-KZ", "ARFC-2023"), False, 1.0)
    assert set(rp.surcharge.sources) == {"CPMM-2022-KZ", "ARFC-2023"}
    assert rp.surcharge.estimate  # the rail power
    assert rp.surcharge.sourced_share == pytest.approx((plug + war) / reefer.cost.surcharge_usd, abs=1e-4)


TOY_RATES = (
    "service,as_of,value,unit,base,sources,notes\n"
    "CASPIAN-FEEDER,2026-01-01,1000,usd_per_feu,true,value=ESTIMATE,value: test value\n"
    "CASPIAN-FEEDER,2026-11-20,1500,usd_per_feu,,value=ARFC-2023,value: test value with a real key of the toy\n"
)


def test_a_dated_fare_rests_on_its_rate_point_and_the_link_tariff(toy_copy: Path) -> None:
    network = _with(toy_copy, "rate_series.csv", TOY_RATES)
    ferry = next(leg for leg in fastest(network).legs if leg.service_id == "CASPIAN-FEEDER")
    assert ferry.dated_price is not None
    assert ferry.dated_price.as_of == date(2026, 11, 20)
    # 600 USD/TEU × 1,500 ÷ 1,000: the point is sourced, the link's fare (the base prorated) is a toy estimate.
    assert ferry.cost.freight_usd == 1800
    assert ferry.provenance is not None
    assert ferry.provenance.freight == FigureProvenance(("ARFC-2023",), True, 0.0)
    # Once the link's fare cell cites a source too, the dated fare is sourced, with both keys, the point's first.
    links = (toy_copy / "links.csv").read_text(encoding="utf-8")
    ferry_row = "F-PORT_KZ-PORT_AZ,PORT_KZ,PORT_AZ,ferry,CASPIAN-FEEDER,vessel,,420,22,600,,,,1700,KMTF,ferry_ropax,"
    ferry_row += ",hazmat,true,"
    assert ferry_row + "ESTIMATE," in links
    sourced_row = ferry_row + "usd_per_teu=CPMM-2022-KZ;*=ESTIMATE,"
    (toy_copy / "links.csv").write_text(links.replace(ferry_row + "ESTIMATE,", sourced_row), encoding="utf-8")
    sourced_fare = next(leg for leg in fastest(load_network(toy_copy)).legs if leg.service_id == "CASPIAN-FEEDER")
    assert sourced_fare.provenance is not None
    assert sourced_fare.provenance.freight == FigureProvenance(("ARFC-2023", "CPMM-2022-KZ"), False, 1.0)
