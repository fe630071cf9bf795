"""Malformed network files fail at load with file, line, column and a message a user can act on."""

from __future__ import annotations

import csv
import gc
import io
from pathlib import Path

import pytest

from engine.errors import NetworkDataError
from engine.network import Network, load_network


def set_cell(directory: Path, file: str, row_id: str, column: str, value: str) -> None:
    """Set one cell of the row whose first column is ``row_id``."""
    path = directory / file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    for row in rows[1:]:
        if row and row[0] == row_id:
            row[header.index(column)] = value
            break
    else:
        msg = f"{row_id} not in {file}"
        raise AssertionError(msg)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def append_line(directory: Path, file: str, line: str) -> None:
    path = directory / file
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(NetworkDataError) as caught:
        load_network(directory)
    return [str(p) for p in caught.value.problems]


# Line numbers: header is line 1. In the toy links.csv R-ORIGIN-BORDER is line 2, R-GAUGE-PORT line 4,
# T-PORT_AZ-DEST line 7. In nodes.csv ORIGIN is line 2, BORDER_CN line 3, GAUGE_KZ line 4. In services.csv
# CN-TRAIN is line 2, CASPIAN-FEEDER line 4.
CELL_CASES = [
    ("links.csv", "R-ORIGIN-BORDER", "distance_km", "-3", "links.csv:2: distance_km: must be > 0, got -3"),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "distance_km",
        "abc",
        "links.csv:2: distance_km: must be a number, got 'abc'",
    ),
    ("links.csv", "R-ORIGIN-BORDER", "run_h", "", "links.csv:2: run_h: is required, got an empty cell"),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "mode",
        "train",
        "links.csv:2: mode: must be one of rail, ferry, sea, road, air, got 'train'",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "from",
        "ORIGN",
        "links.csv:2: from: unknown node 'ORIGN' (did you mean 'ORIGIN'?)",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "service",
        "CN-TRIAN",
        "links.csv:2: service: unknown service 'CN-TRIAN' (did you mean 'CN-TRAIN'?); add it to services.csv",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "service",
        "KZ-TRAIN",
        "links.csv:4: service: service 'KZ-TRAIN' runs 1435 mm wagons on link 'R-ORIGIN-BORDER' "
        "but 1520 mm wagons here; one service cannot change gauge (use two services and a transfer)",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "service",
        "TRUCK",
        "links.csv:2: service: service 'TRUCK' is a road service but this link is rail",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "gauge_mm",
        "1520",
        "links.csv:2: gauge_mm: 1520 is not a gauge of node 'ORIGIN' (it has 1435)",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "usd_per_truck",
        "500",
        "links.csv:2: usd_per_teu: exactly one of usd_per_teu, usd_per_kg, usd_per_truck must be set, "
        "got usd_per_teu, usd_per_truck",
    ),
    (
        "links.csv",
        "T-PORT_AZ-DEST",
        "teu_per_truck",
        "",
        "links.csv:7: teu_per_truck: is required when the cargo rides on trucks (TEU one truck carries)",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "emission_class",
        "rail_electrik",
        "links.csv:2: emission_class: unknown emission class 'rail_electrik' (did you mean 'rail_electric'?)",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "bidirectional",
        "yes",
        "links.csv:2: bidirectional: must be true or false, got 'yes'",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "sources",
        "",
        "links.csv:2: sources: the number in 'gauge_mm' has no source; add gauge_mm=KEY (or ESTIMATE)",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "sources",
        "*=WB-2099",
        "links.csv:2: sources: unknown source key 'WB-2099'; add it to sources.csv",
    ),
    (
        "links.csv",
        "R-ORIGIN-BORDER",
        "notes",
        "",
        "links.csv:2: notes: 'gauge_mm' is an ESTIMATE but the notes do not say how; add 'gauge_mm: <method>'",
    ),
    (
        "links.csv",
        "R-GAUGE-PORT",
        "sources",
        "distnce_km=ESTIMATE;*=ESTIMATE",
        "links.csv:4: sources: 'distnce_km' is not a numeric column of links.csv",
    ),
    ("nodes.csv", "ORIGIN", "lat", "134.4", "nodes.csv:2: lat: must be <= 90, got 134.4"),
    (
        "nodes.csv",
        "ORIGIN",
        "country",
        "XX",
        "nodes.csv:2: country: must be an ISO 3166-1 alpha-2 code like 'KZ', got 'XX'",
    ),
    ("nodes.csv", "ORIGIN", "name", "", "nodes.csv:2: name: is required, got an empty cell"),
    (
        "nodes.csv",
        "ORIGIN",
        "kinds",
        "rail_terminal|train_station",
        "nodes.csv:2: kinds: 'train_station' is not one of rail_terminal, rail_junction, dry_port, seaport, "
        "ferry_terminal, airport, border_crossing, gauge_change, road_hub, waypoint",
    ),
    (
        "nodes.csv",
        "ORIGIN",
        "gauge_mm",
        "1435|1520",
        "nodes.csv:2: gauge_mm: a node with two gauges must be of kind gauge_change (cargo is transshipped)",
    ),
    (
        "nodes.csv",
        "GAUGE_KZ",
        "handling_h",
        "",
        "nodes.csv:4: handling_h: is required when handling_usd_per_teu is given (give both or neither)",
    ),
    ("nodes.csv", "ORIGIN", "handling_h", "-1", "nodes.csv:2: handling_h: must be >= 0, got -1"),
    (
        "services.csv",
        "CASPIAN-FEEDER",
        "weekly_departures",
        "Monday 8am",
        "services.csv:4: weekly_departures: must be a weekday and UTC time like 'Mon 06:00', got 'Monday 8am'",
    ),
    (
        "services.csv",
        "CN-TRAIN",
        "headway_h",
        "",
        "services.csv:2: headway_h: is required for a headway service (hours between departures)",
    ),
    (
        "services.csv",
        "CASPIAN-FEEDER",
        "capacity_teu_per_departure",
        "",
        "services.csv:4: capacity_teu_per_departure: is required for a scheduled service",
    ),
    (
        "services.csv",
        "CN-TRAIN",
        "headway_h",
        "37.5",
        "services.csv:2: headway_h: must divide a week (168 h) so the timetable repeats weekly, "
        "e.g. 6, 12, 24, 42 or 84, got 37.5",
    ),
    (
        "sources.csv",
        "ARFC-2023",
        "url",
        "arfc.kz/rates",
        "sources.csv:3: url: must be an http(s) URL, got 'arfc.kz/rates'",
    ),
]


@pytest.mark.parametrize(
    ("file", "row_id", "column", "value", "expected"),
    CELL_CASES,
    ids=[c[4].split(": ", 1)[0] + ":" + c[2] + "=" + c[3] for c in CELL_CASES],
)
def test_bad_cell_is_reported_exactly(
    toy_copy: Path, file: str, row_id: str, column: str, value: str, expected: str
) -> None:
    set_cell(toy_copy, file, row_id, column, value)
    assert expected in problems_of(toy_copy)


def test_duplicate_node_id(toy_copy: Path) -> None:
    append_line(toy_copy, "nodes.csv", "ORIGIN,Second Origin,,,CN,30,100,rail_terminal,1435,,,,,,,,,,,,ESTIMATE,*: dup")
    assert problems_of(toy_copy) == ["nodes.csv:8: id: duplicate id 'ORIGIN', first defined on line 2"]


def test_duplicate_source_key(toy_copy: Path) -> None:
    append_line(toy_copy, "sources.csv", "ARFC-2023,Again,,https://example.org/x,2023,")
    assert problems_of(toy_copy) == ["sources.csv:4: key: duplicate key 'ARFC-2023', first defined on line 3"]


def test_reverse_link_id_collides(toy_copy: Path) -> None:
    append_line(
        toy_copy,
        "links.csv",
        "R-ORIGIN-BORDER.R,BORDER_CN,ORIGIN,rail,CN-TRAIN,,1435,2500,66,900,,,,,,rail_electric,,,false,ESTIMATE,*: dup",
    )
    assert problems_of(toy_copy) == [
        "links.csv:8: id: must be upper-case letters, digits, '_' and '-', e.g. R-XIAN-LANZHOU, got 'R-ORIGIN-BORDER.R'"
    ]


def test_missing_required_column(toy_copy: Path) -> None:
    path = toy_copy / "links.csv"
    text = path.read_text(encoding="utf-8").replace(",run_h,", ",run_hours,", 1)
    path.write_text(text, encoding="utf-8")
    assert problems_of(toy_copy) == [
        "links.csv:1: run_hours: unknown column (did you mean 'run_h'?); allowed: id, from, to, mode, service, "
        "load_unit, gauge_mm, distance_km, run_h, usd_per_teu, usd_per_kg, usd_per_truck, teu_per_truck, "
        "capacity_teu_per_week, operator, emission_class, max_gross_kg_per_teu, refused_cargo, bidirectional, "
        "sources, notes, reverse_fare",
        "links.csv:1: run_h: required column is missing from the header",
    ]


def test_row_with_extra_field(toy_copy: Path) -> None:
    append_line(toy_copy, "services.csv", "EXTRA,rail,,continuous,,,,,,,,surplus")
    assert problems_of(toy_copy) == ["services.csv:7: row has 12 fields but the header has 11"]


def test_not_utf8(toy_copy: Path) -> None:
    path = toy_copy / "nodes.csv"
    path.write_bytes(path.read_bytes().replace(b"Origin Terminal", "Origin Termin\xe4l".encode("latin-1")))
    assert problems_of(toy_copy) == ["nodes.csv:2: not valid UTF-8 (byte 299); save the file as UTF-8"]


def test_missing_file(toy_copy: Path) -> None:
    (toy_copy / "services.csv").unlink()
    problems = problems_of(toy_copy)
    assert problems[0] == f"services.csv: file not found in {toy_copy}"


def test_node_nothing_reaches(toy_copy: Path) -> None:
    append_line(toy_copy, "nodes.csv", "LONELY,Lonely Depot,,,KZ,47,70,rail_terminal,1520,,,,,,,,,,,,ESTIMATE,*: test")
    assert problems_of(toy_copy) == ["nodes.csv:8: id: node 'LONELY' has no links: nothing reaches or leaves it"]


def test_unknown_connectivity_origin(toy_copy: Path) -> None:
    path = toy_copy / "network.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('["ORIGIN"]', '["ORIGIN", "XIAN"]'), encoding="utf-8")
    assert problems_of(toy_copy) == ["network.toml: connectivity.origins: unknown node 'XIAN'"]


def test_every_problem_is_reported_not_just_the_first(toy_copy: Path) -> None:
    set_cell(toy_copy, "links.csv", "R-ORIGIN-BORDER", "distance_km", "-3")
    set_cell(toy_copy, "nodes.csv", "ORIGIN", "lat", "134.4")
    set_cell(toy_copy, "services.csv", "CN-TRAIN", "headway_h", "0")
    assert problems_of(toy_copy) == [
        "services.csv:2: headway_h: must be > 0, got 0",
        "nodes.csv:2: lat: must be <= 90, got 134.4",
        "links.csv:2: distance_km: must be > 0, got -3",
    ]


def test_failed_load_builds_no_network(toy_copy: Path) -> None:
    """A bad directory raises before any Network exists: nothing half-built can be used or cached."""
    set_cell(toy_copy, "links.csv", "R-GAUGE-PORT", "to", "NOWHERE")
    gc.collect()
    before = sum(isinstance(o, Network) for o in gc.get_objects())
    with pytest.raises(NetworkDataError):
        load_network(toy_copy)
    gc.collect()
    assert sum(isinstance(o, Network) for o in gc.get_objects()) == before


def test_network_data_error_is_a_value_error(toy_copy: Path) -> None:
    set_cell(toy_copy, "links.csv", "R-ORIGIN-BORDER", "distance_km", "-3")
    with pytest.raises(ValueError, match=r"links\.csv:2: distance_km: must be > 0, got -3"):
        load_network(toy_copy)
