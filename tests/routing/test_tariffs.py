"""The tariff model on the toy network: container types, fee units, directional fares, surcharges, dated rate
series and through tariffs (each checked against a price worked out by hand, and the search against brute force).

Toy line: ORIGIN —CN-TRAIN→ BORDER_CN → GAUGE_KZ —KZ-TRAIN→ PORT_KZ —CASPIAN-FEEDER→ PORT_AZ —AZ-TRAIN or TRUCK→
DEST.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import InvalidRequest, NetworkDataError
from engine.network import load_network
from engine.network.scenario_apply import apply_edits
from engine.network.scenario_format import edit_from_fields
from engine.routing import ContainerType, Objective, RouteQuery, Shipment, find_routes
from engine.routing.pricing import rate_point_on, shipment_units
from tests.routing.oracle import all_route_vectors, pareto_set

READY = datetime(2026, 12, 1, tzinfo=UTC)
C = ContainerType


def _cheapest(network_dir: Path, shipment: Shipment, destination: str = "DEST", ready: datetime = READY):
    network = load_network(network_dir)
    query = RouteQuery("ORIGIN", destination, ready, shipment, Objective.CHEAPEST, max_routes=1)
    result = find_routes(network, query)
    assert result.routes, result.explanation
    return network, query, result.routes[0]


def _set_cell(path: Path, row_id: str, column: str, value: str) -> None:
    """Write one cell of a CSV (adding the column at the end of the header when it is missing)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    if column not in header:
        header.append(column)
        for row in rows[1:]:
            row.append("")
    index = header.index(column)
    for row in rows[1:]:
        if row and row[0] == row_id:
            row[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _add_source(path: Path, row_id: str, column: str, key: str = "ESTIMATE", note: str = "test value") -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    s, n = header.index("sources"), header.index("notes")
    for row in rows[1:]:
        if row and row[0] == row_id:
            row[s] = f"{row[s]};{column}={key}" if row[s] else f"{column}={key}"
            if key == "ESTIMATE":
                row[n] = f"{row[n]};{column}: {note}" if row[n] else f"{column}: {note}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


# ------------------------------------------------------------------------------------------ containers


def test_teu_shorthand_is_40ft_boxes_and_an_odd_20ft() -> None:
    assert Shipment(1, 10_000).boxes == ((C.DRY_20, 1),)
    assert Shipment(2, 20_000).boxes == ((C.DRY_40, 1),)
    assert Shipment(3, 30_000).boxes == ((C.DRY_40, 1), (C.DRY_20, 1))


def test_containers_derive_teu_and_a_reefer_box_makes_reefer_cargo() -> None:
    shipment = Shipment(0, 20_000, containers=((C.REEFER_40, 1), (C.DRY_20, 2)))
    assert shipment.teu == 4
    assert shipment.cargo_class.value == "reefer"


@pytest.mark.parametrize(
    ("teu", "containers", "message"),
    [
        (3, ((C.DRY_40, 1),), "shipment.teu: must be 0 (derived) or 2"),
        (0, ((C.DRY_40, 0),), "shipment.containers: count of 40ft must be a whole number"),
        (0, ((C.DRY_40, 1), (C.DRY_40, 1)), "shipment.containers: lists 40ft twice"),
        (0, (("53ft", 1),), "shipment.containers: container type must be one of 20ft, 40ft"),
    ],
)
def test_bad_containers_name_the_field(teu: int, containers: tuple, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        Shipment(teu, 20_000, containers=containers)


def test_fee_units_count_boxes_wagons_and_consignments() -> None:
    units = shipment_units(((C.DRY_40, 1), (C.DRY_20, 3)), 5)
    assert (units.teu, units.containers, units.wagons) == (5.0, 4.0, 3.0)  # 40ft on one wagon, 3×20ft on two
    assert units.freight_units(1.5) == 3 + 1.5


def test_feu_factor_prices_a_40ft_box_below_two_20ft(toy_copy: Path) -> None:
    _, _, two_twenties = _cheapest(toy_copy, Shipment(0, 20_000, containers=((C.DRY_20, 2),)))
    _, _, default = _cheapest(toy_copy, Shipment(2, 20_000))
    assert default.cost == two_twenties.cost  # without feu_factor a 40ft box is two TEU
    _set_cell(toy_copy / "services.csv", "KZ-TRAIN", "feu_factor", "1.6")
    _add_source(toy_copy / "services.csv", "KZ-TRAIN", "feu_factor")
    _, _, forty = _cheapest(toy_copy, Shipment(2, 20_000))
    kz_leg = next(leg for leg in forty.legs if leg.service_id == "KZ-TRAIN")
    assert kz_leg.cost.freight_usd == pytest.approx(435 * 1.6)
    _, _, hc = _cheapest(toy_copy, Shipment(0, 20_000, containers=((C.HIGH_CUBE_40, 1),)))
    assert hc.cost == forty.cost


def test_fee_units_per_container_and_consignment(toy_copy: Path) -> None:
    shipment = Shipment(0, 40_000, containers=((C.DRY_20, 4),))
    _, _, per_teu = _cheapest(toy_copy, shipment)
    gauge = next(t for t in per_teu.transfers if t.node_id == "GAUGE_KZ")
    assert gauge.handling_usd == 329 * 4
    _set_cell(toy_copy / "nodes.csv", "GAUGE_KZ", "border_unit", "consignment")
    _set_cell(toy_copy / "nodes.csv", "GAUGE_KZ", "handling_unit", "wagon")
    _, _, per_unit = _cheapest(toy_copy, shipment)
    gauge = next(t for t in per_unit.transfers if t.node_id == "GAUGE_KZ")
    assert gauge.handling_usd == 329 * 2  # four 20ft boxes on two wagons
    crossing = next(b for b in per_unit.border_crossings if b.to_id == "GAUGE_KZ")
    assert crossing.cost_usd == 90 * 4 + 313  # BORDER_CN exit per TEU, GAUGE_KZ entry once per consignment


def test_a_bad_fee_unit_names_file_line_and_column(toy_copy: Path) -> None:
    _set_cell(toy_copy / "nodes.csv", "GAUGE_KZ", "border_unit", "pallet")
    with pytest.raises(NetworkDataError, match=r"nodes.csv:4: border_unit: must be one of teu, container"):
        load_network(toy_copy)


def test_reverse_fare_makes_a_bidirectional_link_directional(toy_copy: Path) -> None:
    _set_cell(toy_copy / "links.csv", "R-PORT_AZ-DEST", "bidirectional", "true")
    _set_cell(toy_copy / "links.csv", "R-PORT_AZ-DEST", "reverse_fare", "45")
    _add_source(toy_copy / "links.csv", "R-PORT_AZ-DEST", "reverse_fare")
    network = load_network(toy_copy)
    assert network.links["R-PORT_AZ-DEST"].usd_per_teu == 60
    assert network.links["R-PORT_AZ-DEST.R"].usd_per_teu == 45
    _set_cell(toy_copy / "links.csv", "R-PORT_AZ-DEST", "bidirectional", "false")
    with pytest.raises(NetworkDataError, match=r"reverse_fare: is the fare of the reverse hop"):
        load_network(toy_copy)


# ----------------------------------------------------------------------------------- surcharges, series


SURCHARGES = (
    "id,kind,applies_to,cargo_class,usd,unit,valid_from,valid_to,sources,notes\n"
    "REEFER-RAIL,reefer_power,mode:rail,reefer,30,container_day,,,usd=ESTIMATE,usd: test value\n"
    "WAR,war_risk,via:PORT_AZ,,100,teu,2026-11-01,2026-12-31,usd=ESTIMATE,usd: test value\n"
    "PLUG,reefer_plug,transfer:PORT_KZ,reefer,24,container_day,,,usd=ESTIMATE,usd: test value\n"
)


def test_reefer_costs_more_than_dry_and_dated_surcharges_apply_in_their_window(toy_copy: Path) -> None:
    (toy_copy / "surcharges.csv").write_text(SURCHARGES, encoding="utf-8")
    _, _, dry = _cheapest(toy_copy, Shipment(2, 20_000))
    assert [s.surcharge_id for leg in dry.legs for s in leg.surcharges] == ["WAR"]
    assert dry.cost.surcharge_usd == 200  # 2 TEU × 100, valid on 2026-12-01
    _, _, later = _cheapest(toy_copy, Shipment(2, 20_000), ready=datetime(2027, 1, 5, tzinfo=UTC))
    assert later.cost.surcharge_usd == 0
    _, _, reefer = _cheapest(toy_copy, Shipment(0, 20_000, containers=((C.REEFER_40, 1),)))
    rail_days = (66 + 1 + 58) / 24 + 3 / 24  # CN, border and KZ rail run, then AZ rail (the cheapest last hop)
    expected = 200 + round(30 * rail_days, 2) + 24 * 8 / 24
    assert reefer.cost.surcharge_usd == pytest.approx(expected, abs=0.05)
    assert reefer.cost_usd > dry.cost_usd


RATES = (
    "service,as_of,value,unit,base,sources,notes\n"
    "CASPIAN-FEEDER,2026-01-01,1000,usd_per_feu,true,value=ESTIMATE,value: test value\n"
    "CASPIAN-FEEDER,2026-11-20,1500,usd_per_feu,,value=ESTIMATE,value: test value\n"
    "CASPIAN-FEEDER,2026-12-10,500,usd_per_feu,,value=ESTIMATE,value: test value\n"
)


@pytest.mark.parametrize(
    ("ready", "as_of", "freight"),
    [
        (datetime(2025, 6, 1, tzinfo=UTC), "2026-01-01", 1200),  # before the series: its first value
        (datetime(2026, 12, 1, tzinfo=UTC), "2026-11-20", 1800),
        (datetime(2026, 12, 10, tzinfo=UTC), "2026-12-10", 600),
    ],
)
def test_dated_series_picks_the_latest_value_on_or_before_the_ready_date(
    toy_copy: Path, ready: datetime, as_of: str, freight: float
) -> None:
    (toy_copy / "rate_series.csv").write_text(RATES, encoding="utf-8")
    _, _, route = _cheapest(toy_copy, Shipment(2, 20_000), ready=ready)
    ferry = next(leg for leg in route.legs if leg.service_id == "CASPIAN-FEEDER")
    assert ferry.dated_price is not None
    assert ferry.dated_price.as_of.isoformat() == as_of
    assert ferry.cost.freight_usd == pytest.approx(freight)  # 2 × 600 × value / 1000


def test_rate_series_needs_one_base(toy_copy: Path) -> None:
    (toy_copy / "rate_series.csv").write_text(RATES.replace(",true,", ",,"), encoding="utf-8")
    with pytest.raises(NetworkDataError, match=r"rate_series.csv:2: base: CASPIAN-FEEDER needs exactly one base"):
        load_network(toy_copy)
    network = load_network(Path(__file__).parents[1] / "networks" / "toy")
    assert network.rate_series == {}
    with pytest.raises(IndexError):
        rate_point_on((), READY.date())


# ---------------------------------------------------------------------------------------- through tariffs

THROUGH = (
    "id,operator,links,usd_20ft,usd_40ft,sources,notes\n"
    "KZ-AZ,KTZ/ADY,R-GAUGE-PORT|F-PORT_KZ-PORT_AZ,900,1300,"
    '"usd_20ft,usd_40ft=ESTIMATE","usd_20ft,usd_40ft: test value"\n'
)


def test_through_tariff_replaces_its_segments_when_the_route_rides_all_of_it(toy_copy: Path) -> None:
    _, _, segments = _cheapest(toy_copy, Shipment(2, 20_000))
    (toy_copy / "through_tariffs.csv").write_text(THROUGH, encoding="utf-8")
    network, query, route = _cheapest(toy_copy, Shipment(2, 20_000))
    through = [leg for leg in route.legs if leg.through_tariff == "KZ-AZ"]
    assert [leg.service_id for leg in through] == ["KZ-TRAIN", "CASPIAN-FEEDER"]  # a leg per vehicle
    assert sum(leg.cost.freight_usd for leg in through) == 1300
    assert route.cost.through_tariff_usd == 1300
    assert all(leg.cost.border_usd == 0 for leg in through)  # the through rate is all-in
    # Segment freight, the KZ→AZ border fees (PORT_KZ exit, PORT_AZ entry) and the PORT_KZ lift, per TEU.
    saved = (435 + 600) * 2 + (185 + 60) * 2 + 120 * 2 - 1300
    assert route.cost_usd == pytest.approx(segments.cost_usd - saved)
    assert route.arrive == segments.arrive  # same trains and sailing, same handling time
    assert pareto_set(all_route_vectors(network, query))  # the oracle sees the product too


def test_through_tariff_does_not_apply_when_leaving_midway(toy_copy: Path) -> None:
    (toy_copy / "through_tariffs.csv").write_text(THROUGH, encoding="utf-8")
    _, _, route = _cheapest(toy_copy, Shipment(2, 20_000), destination="PORT_KZ")
    assert all(leg.through_tariff is None for leg in route.legs)
    assert route.cost.through_tariff_usd == 0


@pytest.mark.parametrize("destination", ["DEST", "PORT_AZ", "PORT_KZ"])
@pytest.mark.parametrize("containers", [((C.DRY_40, 1),), ((C.DRY_20, 1),), ((C.REEFER_40, 1), (C.DRY_20, 1))])
def test_search_with_through_tariffs_equals_brute_force(toy_copy: Path, destination: str, containers: tuple) -> None:
    (toy_copy / "through_tariffs.csv").write_text(THROUGH, encoding="utf-8")
    network = load_network(toy_copy)
    query = RouteQuery("ORIGIN", destination, READY, Shipment(0, 20_000, containers=containers), max_routes=100)
    result = find_routes(network, query)
    assert {r.criteria for r in result.routes} == pareto_set(all_route_vectors(network, query))


def test_a_scenario_keeps_the_tariffs_whose_records_remain(toy_copy: Path) -> None:
    (toy_copy / "through_tariffs.csv").write_text(THROUGH, encoding="utf-8")
    (toy_copy / "rate_series.csv").write_text(RATES, encoding="utf-8")
    (toy_copy / "surcharges.csv").write_text(SURCHARGES, encoding="utf-8")
    network = load_network(toy_copy)
    road = apply_edits(network, [edit_from_fields("remove_link", {"id": "T-PORT_AZ-DEST"})])
    assert (road.through_tariffs, road.rate_series, road.surcharges) == (
        network.through_tariffs,
        network.rate_series,
        network.surcharges,
    )
    no_ferry = apply_edits(network, [edit_from_fields("remove_link", {"id": "F-PORT_KZ-PORT_AZ"})])
    assert no_ferry.through_tariffs == ()  # the product lost a segment
    assert no_ferry.rate_series == network.rate_series  # its service stays (without links)


def test_through_tariff_path_must_be_connected(toy_copy: Path) -> None:
    (toy_copy / "through_tariffs.csv").write_text(
        THROUGH.replace("R-GAUGE-PORT|F-PORT_KZ-PORT_AZ", "R-GAUGE-PORT|R-PORT_AZ-DEST"), encoding="utf-8"
    )
    with pytest.raises(NetworkDataError, match=r"through_tariffs.csv:2: links: R-PORT_AZ-DEST starts at PORT_AZ"):
        load_network(toy_copy)
