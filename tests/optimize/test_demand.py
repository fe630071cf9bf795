"""The demand matrix file: every problem located by file, line and column; the shipped example is sourced."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InputFileError
from engine.network import Mode, Network
from engine.optimize import read_demand_csv
from tests.optimize.conftest import STUDIES

HEADER = "origin,destination,teu_per_week,cargo_class,avoid_countries,avoid_modes\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "demand.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_reads_ids_names_and_restrictions(tmp_path: Path, toy_network: Network) -> None:
    path = write(tmp_path, "Xian Toy,DEST,12.5,,RU|by,sea|air\nORIGIN,PORT_AZ,3,hazmat,,\n")
    rows = read_demand_csv(path, toy_network)
    assert rows[0].origin == "ORIGIN"
    assert rows[0].avoid_modes == frozenset({Mode.SEA, Mode.AIR})
    assert rows[0].avoid_countries == frozenset({"RU", "BY"})
    assert rows[1].cargo_class.value == "hazmat"
    assert rows[1].teu_per_week == 3
    assert rows[1].where == f"{path}:3"


def test_a_row_avoiding_its_own_origin_country(tmp_path: Path, toy_network: Network) -> None:
    with pytest.raises(InputFileError) as caught:
        read_demand_csv(write(tmp_path, "ORIGIN,DEST,12.5,,CN,\n"), toy_network)
    assert "demand.csv:2: avoid_countries: the origin 'ORIGIN' is in CN" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ORIGIN,DEST,-3,,,\n", "demand.csv:2: teu_per_week: must be >= 0, got -3"),
        ("ORIGIN,DEST,lots,,,\n", "demand.csv:2: teu_per_week: must be a number"),
        ("ORIGIN,NOWHERE,3,,,\n", "demand.csv:2: destination: 'NOWHERE' is not a node"),
        ("ORIGIN,DEST,3,frozen,,\n", "demand.csv:2: cargo_class: must be one of"),
        ("ORIGIN,DEST,3,,XX,\n", "demand.csv:2: avoid_countries: must be ISO"),
        ("ORIGIN,DEST,3,,,boat\n", "demand.csv:2: avoid_modes: 'boat' is not one of"),
        ("ORIGIN,ORIGIN,3,,,\n", "demand.csv:2: destination: must differ from the origin"),
        ("ORIGIN,DEST,3,,,\nORIGIN,DEST,4,,,\n", "demand.csv:3: origin: duplicates"),
    ],
)
def test_bad_rows_are_located(tmp_path: Path, toy_network: Network, body: str, expected: str) -> None:
    with pytest.raises(InputFileError) as caught:
        read_demand_csv(write(tmp_path, body), toy_network)
    assert any(expected in str(p) for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_a_missing_column_or_file(tmp_path: Path, toy_network: Network) -> None:
    with pytest.raises(InputFileError, match="teu_per_week: required column is missing"):
        read_demand_csv(write(tmp_path, "ORIGIN,DEST\n", "origin,destination\n"), toy_network)
    with pytest.raises(InputFileError, match="file not found"):
        read_demand_csv(tmp_path / "nope.csv", toy_network)


def test_unsourced_numbers_are_refused_when_the_file_has_provenance(tmp_path: Path, toy_network: Network) -> None:
    path = write(tmp_path, "ORIGIN,DEST,3,\n", "origin,destination,teu_per_week,sources\n")
    with pytest.raises(InputFileError, match="the number in 'teu_per_week' has no source"):
        read_demand_csv(path, toy_network)


def test_the_shipped_matrix_is_sourced_and_corridor_bound(shipped_network: Network) -> None:
    rows = read_demand_csv(STUDIES / "demand.csv", shipped_network)
    assert len(rows) > 40
    assert {r.segment for r in rows} == {"titr-2025", "cre-diversion"}
    titr = sum(r.teu_per_week for r in rows if r.segment == "titr-2025")
    assert titr == pytest.approx(96_000 / 52, rel=0.01)  # the 2025 TITR forecast [SIA-2025]
    assert all({"RU", "BY"} <= r.avoid_countries for r in rows)
