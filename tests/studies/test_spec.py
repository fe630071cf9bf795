"""Study files: parsing, defaults, and errors located at file:line with the field and the bad value."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import InputFileError
from engine.network.model import Mode
from engine.routing import Objective
from engine.studies import load_study, parse_study
from tests.studies.conftest import STUDIES


def _problems(text: str) -> list[str]:
    with pytest.raises(InputFileError) as info:
        parse_study(text, "s.yaml", base_dir=STUDIES)
    return [str(p) for p in info.value.data_problems]


def test_weekly_range_and_origin_destination_sets() -> None:
    study = parse_study(
        """
origins: [XIAN, CHENGDU]
destinations: [DUISBURG, XIAN]
ready: {weekly: {first: "2027-01-04T10:00+02:00", last: "2027-01-25T08:00Z"}}
constraints: {avoid_modes: [air], max_transfers: 6}
""",
        "s.yaml",
        base_dir=STUDIES,
    )
    assert [(od.origin, od.destination) for od in study.od_pairs] == [
        ("XIAN", "DUISBURG"),
        ("CHENGDU", "DUISBURG"),
        ("CHENGDU", "XIAN"),
    ]
    assert study.ready_times == tuple(datetime(2027, 1, d, 8, tzinfo=UTC) for d in (4, 11, 18, 25))
    assert study.baseline.name == "baseline"
    assert study.baseline.file is None
    assert study.objective is Objective.PARETO
    assert study.max_routes == 3
    assert study.constraints.avoid_modes == frozenset({Mode.AIR})
    assert study.constraints.max_transfers == 6
    assert study.query_count == 3 * 4


def test_shipped_study_loads() -> None:
    study = load_study(STUDIES / "china-europe-quarter.yaml")
    assert study.name == "china-europe-quarter"
    assert len(study.ready_times) == 13
    assert [s.name for s in study.all_scenarios] == [
        "baseline",
        "close_russia_belarus",
        "georgia_border",
        "caspian_feeders",
        "alatau_dry_port",
        "red_sea_closed",
    ]
    assert all(s.file is not None and s.file.is_file() for s in study.scenarios)
    assert study.network_dir == STUDIES.parent


def test_every_problem_is_reported_with_its_line() -> None:
    problems = _problems(
        """\
od_pairs:
  - [XIAN]
ready: {dates: ["2027-01-04"]}
scenarios:
  fast: scenarios/missing.yaml
objective: quickest
max_routes: 0
shipment: {teu: -1}
colour: red
"""
    )
    assert problems == [
        "s.yaml:9: colour: unknown key; a study has name, title, network, od_pairs, origins, destinations, ready, "
        "baseline, scenarios, objective, max_routes, shipment, constraints, assign",
        "s.yaml:1: od_pairs: item 0 must be [origin, destination] or a mapping with 'origin' and 'destination', "
        "got ['XIAN']",
        "s.yaml:3: dates: must carry a time zone (e.g. Z for UTC), got '2027-01-04'",
        f"s.yaml:5: fast: scenario file 'scenarios/missing.yaml' not found (looked for "
        f"{(STUDIES / 'scenarios/missing.yaml').resolve()})",
        "s.yaml:6: objective: must be one of pareto, cheapest, fastest, fewest_transfers, lowest_co2e, most_reliable, "
        "got 'quickest'",
        "s.yaml:7: max_routes: must be a whole number from 1 to 100, got 0",
        "s.yaml:8: teu: must be a whole number >= 0 (0 = loose cargo by weight), got -1",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("origins: [XIAN]\nready: {dates: ['2027-01-04T08:00Z']}\n", "s.yaml:1: destinations: is required"),
        ("od_pairs: [[XIAN, XIAN]]\nready: {dates: ['2027-01-04T08:00Z']}\n", "origin and destination are both"),
        ("od_pairs: [[A, B]]\nready: {weekly: {first: '2027-01-04T08:00Z', weeks: 100000}}\n", "weeks: must be"),
        ("od_pairs: [[A, B]]\nready: {weekly: {first: '2027-02-04T08:00Z', last: '2027-01-04T08:00Z'}}\n", "before"),
        ("od_pairs: [[A, B]]\nready: [2027]\n", "s.yaml:2: ready: must be a mapping with 'dates'"),
        ("od_pairs: [[A, B]]\nready: {dates: [x]}\nconstraints: {avoid_modes: [boat]}\n", "avoid_modes: must be"),
        ("od_pairs: [[A, B]]\nready: {dates: [x]}\n", "dates: must be an ISO 8601 time like 2027-01-04T08:00Z"),
        ("od_pairs: [[A, B]]\nready: {dates: ['2027-01-04T08:00Z']}\nscenarios: {baseline: x.yaml}\n", "baseline's"),
        ("- 1\n", "must be a mapping"),
        ("od_pairs: [[A, B]]\nready: {dates: ['2027-01-04T08:00Z']}\nobjective: weighted\n", "got 'weighted'"),
    ],
)
def test_bad_fields_name_the_field_and_value(text: str, expected: str) -> None:
    assert any(expected in problem for problem in _problems(text)), _problems(text)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        load_study(tmp_path / "nope.yaml")
