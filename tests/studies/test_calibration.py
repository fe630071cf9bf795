"""The calibration harness on the six-node toy network: rows that pass and fail, the verdict rules per kind of
figure, ratio rows, and a malformed calibration file reported by file and line."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from engine.cli import main
from engine.cli.query_args import route_query_from_argv
from engine.errors import InputFileError
from engine.network import Network, load_network
from engine.network.paths import default_network_dir
from engine.routing import find_routes
from engine.studies.calibration import Verdict, judge, run_calibration
from engine.studies.calibration_file import CALIBRATION, CalibrationRow, FigureKind, Measure, read_calibration

HEADER = ",".join(CALIBRATION.columns)
FASTEST = "ORIGIN DEST --objective fastest --ready 2026-12-01T00:00Z --teu 2"
CHEAPEST = "ORIGIN DEST --objective cheapest --ready 2026-12-01T00:00Z --teu 2"
ONE_TEU = "ORIGIN DEST --objective fastest --ready 2026-12-01T00:00Z --teu 1"
# The toy's fastest route takes 362 h = 15.083 days and costs 6,704 USD (tests/routing/test_toy_routes.py); one
# TEU costs half of it but the whole 300 USD truck (2 TEU a truck): 3,202 + 300 = 3,502 USD.
ROWS = [
    f"DAYS-OK,{FASTEST},transit_days,,15,,ARFC-2023,official_best_case,0.05,,,within 5 %",
    f"DAYS-RANGE-OK,{FASTEST},transit_days,,14,16,ARFC-2023,market_average,0,,,15.08 inside 14–16",
    f"DAYS-HIGH,{FASTEST},transit_days,,10,,ARFC-2023,index,0.2,,,15.08 above 12",
    f"COST-LOW,{FASTEST},cost_usd,,9000,,CPMM-2022-KZ,market_average,0.1,,,6704 below 8100",
    f"COST-CHEAPEST,{CHEAPEST},cost_usd,,6524,,ARFC-2023,index,0,,,exact",
    f"COST-ONE-TEU,{ONE_TEU},cost_usd,,3502,,ARFC-2023,index,0,,,exact",
    f"CO2E,{FASTEST},co2e_kg,,3709,,ARFC-2023,computed,0.01,,,",
    "RATIO-2-1,,ratio,COST-OK-TWO/COST-ONE-TEU,1.5,,ARFC-2023,computed,0.1,1.3,1.6,1.91 is above 1.6",
    f"COST-OK-TWO,{FASTEST},cost_usd,,6704,,ARFC-2023,index,0,,,",
    'NO-ROUTE,"ORIGIN DEST --objective fastest --ready 2026-12-01T00:00Z --avoid-modes ferry",transit_days,,10,,'
    "ARFC-2023,index,0.2,,,the ferry is the only way",
]


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "calibration.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_rows_pass_and_fail_on_the_toy(tmp_path: Path, toy_network: Network) -> None:
    rows = read_calibration(write(tmp_path, *ROWS), toy_network.sources)
    results = {r.row.id: r for r in run_calibration(toy_network, rows, route_query_from_argv)}
    assert {k: r.verdict for k, r in results.items()} == {
        "DAYS-OK": Verdict.PASS,
        "DAYS-RANGE-OK": Verdict.PASS,
        "DAYS-HIGH": Verdict.HIGH,
        "COST-LOW": Verdict.LOW,
        "COST-CHEAPEST": Verdict.PASS,
        "COST-ONE-TEU": Verdict.PASS,
        "CO2E": Verdict.PASS,
        "RATIO-2-1": Verdict.HIGH,
        "COST-OK-TWO": Verdict.PASS,
        "NO-ROUTE": Verdict.NO_ROUTE,
    }
    days = results["DAYS-OK"]
    assert days.p50 == pytest.approx(362 / 24)
    assert days.ratio == pytest.approx(362 / 24 / 15)
    assert results["DAYS-RANGE-OK"].ratio == pytest.approx(362 / 24 / 15)  # the middle of 14–16
    assert results["RATIO-2-1"].compared == pytest.approx(6704 / 3502)
    assert results["COST-LOW"].compared == 6704.0
    assert results["NO-ROUTE"].ratio is None
    assert results["NO-ROUTE"].detail


def test_only_answers_the_rows_a_ratio_needs(tmp_path: Path, toy_network: Network) -> None:
    rows = read_calibration(write(tmp_path, *ROWS), toy_network.sources)
    results = run_calibration(toy_network, rows, route_query_from_argv, only={"RATIO-2-1"})
    assert [r.row.id for r in results] == ["RATIO-2-1"]
    with pytest.raises(InputFileError, match="'NOPE' is not a row id"):
        run_calibration(toy_network, rows, route_query_from_argv, only={"NOPE"})


def _row(kind: FigureKind, low: float, high: float, tolerance: float = 0.0) -> CalibrationRow:
    return CalibrationRow(
        "R", ("A", "B"), Measure.TRANSIT_DAYS, None, low, high, "S", kind, tolerance,
        low * (1 - tolerance), high * (1 + tolerance), "", 2,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "band", "p10_p50_p90", "expected"),
    [
        # An official best case is met by the engine's P10, whatever the tail.
        (FigureKind.OFFICIAL_BEST_CASE, (31, 37), (32, 45, 60), (32, Verdict.PASS)),
        (FigureKind.OFFICIAL_BEST_CASE, (31, 37), (25, 33, 36), (25, Verdict.LOW)),
        # A market average must fall between P50 and P90 (or the band must reach them).
        (FigureKind.MARKET_AVERAGE, (45, 55), (30, 40, 50), (40, Verdict.PASS)),
        (FigureKind.MARKET_AVERAGE, (45, 55), (30, 35, 44), (35, Verdict.LOW)),
        (FigureKind.MARKET_AVERAGE, (45, 55), (50, 56, 70), (56, Verdict.HIGH)),
        (FigureKind.MARKET_AVERAGE, (13, 17), (14, 14, 14), (14, Verdict.PASS)),
        # An index is compared to P50.
        (FigureKind.INDEX, (7, 8), (6, 7.5, 9), (7.5, Verdict.PASS)),
        (FigureKind.INDEX, (7, 8), (7, 8.5, 9), (8.5, Verdict.HIGH)),
    ],
)
def test_verdict_rules(
    kind: FigureKind,
    band: tuple[float, float],
    p10_p50_p90: tuple[float, float, float],
    expected: tuple[float, Verdict],
) -> None:
    assert judge(_row(kind, *band), *p10_p50_p90) == expected


def test_tolerance_widens_the_published_range() -> None:
    row = _row(FigureKind.INDEX, 10, 10, tolerance=0.2)
    assert (row.accept_low, row.accept_high) == (8, 12)
    assert judge(row, 12, 12, 12)[1] is Verdict.PASS
    assert judge(row, 12.01, 12.01, 12.01)[1] is Verdict.HIGH
    assert judge(replace(row, accept_low=11), 10.5, 10.5, 10.5)[1] is Verdict.LOW


def test_a_malformed_file_is_reported_by_line(tmp_path: Path, toy_network: Network) -> None:
    path = write(
        tmp_path,
        f"GOOD,{FASTEST},transit_days,,15,,ARFC-2023,index,0.1,,,",
        f"bad id,{FASTEST},days,,15,,NOWHERE-2020,guess,2,,,",
        "RATIO,,ratio,GOOD/MISSING,1,,ARFC-2023,index,0.1,,,",
        f"GOOD,{FASTEST},transit_days,,15,10,ARFC-2023,index,0.1,,,",
        ",,,,,,,,,,,",
        "NO-QUERY,,cost_usd,,100,,ARFC-2023,index,0.1,,,",
        'QUOTE,"ORIGIN DEST --via ""oops",transit_days,,15,,ARFC-2023,index,0.1,,,',
    )
    with pytest.raises(InputFileError) as caught:
        read_calibration(path, toy_network.sources)
    text = str(caught.value)
    for expected in (
        "calibration.csv:3: id: must be upper-case letters",
        "calibration.csv:3: measure: ",
        "calibration.csv:3: kind: ",
        "calibration.csv:3: tolerance: must be <= 1, got 2",
        "calibration.csv:3: source: unknown source key 'NOWHERE-2020'; add it to sources.csv",
        "calibration.csv:4: kind: a ratio row is computed from two answers",
        "calibration.csv:5: published_high: must be >= published_low (15), got 10",
        "calibration.csv:7: query: is required",
        "calibration.csv:8: query: cannot split",
    ):
        assert expected in text, (expected, text)


def test_duplicate_ids_and_unknown_ratio_rows(tmp_path: Path, toy_network: Network) -> None:
    path = write(
        tmp_path,
        f"GOOD,{FASTEST},transit_days,,15,,ARFC-2023,index,0.1,,,",
        f"GOOD,{FASTEST},transit_days,,15,,ARFC-2023,index,0.1,,,",
        "RATIO,,ratio,GOOD/MISSING,1,,ARFC-2023,computed,0.1,,,",
    )
    with pytest.raises(InputFileError) as caught:
        read_calibration(path, toy_network.sources)
    assert "calibration.csv:3: id: 'GOOD' is already the id of line 2" in str(caught.value)
    assert "calibration.csv:4: ratio_of: 'MISSING' is not the id of a row of this file" in str(caught.value)


def test_a_bad_query_is_reported_by_line(tmp_path: Path, toy_network: Network) -> None:
    path = write(
        tmp_path,
        f"GOOD,{FASTEST},transit_days,,15,,ARFC-2023,index,0.1,,,",
        "BAD,ORIGIN NOWHERE --ready 2026-12-01T00:00Z,transit_days,,15,,ARFC-2023,index,0.1,,,",
        "WORSE,ORIGIN DEST --ready 2026-12-01T00:00Z --teleport,transit_days,,15,,ARFC-2023,index,0.1,,,",
    )
    rows = read_calibration(path, toy_network.sources)
    with pytest.raises(InputFileError) as caught:
        run_calibration(toy_network, rows, route_query_from_argv)
    text = str(caught.value)
    assert "calibration.csv:3: query: " in text
    assert "NOWHERE" in text
    assert "calibration.csv:4: query: " in text
    assert "--teleport" in text


def test_cli_prints_published_engine_ratio_and_verdict(
    tmp_path: Path, toy_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(toy_copy, *ROWS)
    assert main(["network", "calibrate", str(toy_copy), "--only", "DAYS-OK,COST-CHEAPEST"]) == 0
    text = capsys.readouterr().out
    assert "2 of 2 rows within their band" in text
    days = next(line for line in text.splitlines() if line.strip().startswith("DAYS-OK"))
    assert "15.1/15.1/15.1" in days
    assert "1.01" in days
    assert days.rstrip().endswith("ok")
    assert main(["network", "calibrate", str(toy_copy), "--json"]) == 1  # some rows fail
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["verdict"] for r in rows}["COST-LOW"] == "low"
    assert main(["network", "calibrate", str(toy_copy), "--file", str(tmp_path / "missing.csv")]) == 1
    assert "missing.csv" in capsys.readouterr().err


def test_readme_documents_every_calibration_column() -> None:
    readme = (default_network_dir() / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## `{CALIBRATION.file}`", 1)[1].split("\n## ", 1)[0]
    documented: set[str] = set()
    for cell in re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE):
        documented.update(re.findall(r"`([a-z0-9_]+)`", cell))
    documented.discard("column")
    assert documented == set(CALIBRATION.columns)


def test_a_known_gap_is_expected_outside_its_band_and_fails_once_met(
    toy_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gap = "no source for the toy's port queue: the engine is faster than the figure"
    still_out = f"DAYS-HIGH,{FASTEST},transit_days,,10,,ARFC-2023,index,0.2,,,15.08 above 12,{gap}"
    write(toy_copy, still_out)
    assert main(["network", "calibrate", str(toy_copy)]) == 0  # the gap is still there: as expected
    text = capsys.readouterr().out
    assert "1 known gap(s), 0 row(s) not as expected" in text
    assert next(line for line in text.splitlines() if line.strip().startswith("DAYS-HIGH")).endswith("gap HIGH")
    assert f"DAYS-HIGH: {gap}" in text
    now_met = f"DAYS-OK,{FASTEST},transit_days,,15,,ARFC-2023,official_best_case,0.05,,,within 5 %,{gap}"
    write(toy_copy, now_met)
    assert main(["network", "calibrate", str(toy_copy), "--json"]) == 1  # met: remove the gap, hold the row
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["verdict"], row["known_gap"], row["as_expected"]) == ("pass", gap, False)


def test_freight_with_surcharges_counts_what_a_reefer_pays_on_top(toy_copy: Path) -> None:
    # A sourced US$100 per container on every rail leg (two rail services on the cheapest toy route).
    (toy_copy / "surcharges.csv").write_text(
        "id,kind,applies_to,cargo_class,usd,unit,valid_from,valid_to,sources,notes\n"
        "RAIL-WAR-RISK,war_risk,mode:rail,general,100,container,,,usd=ARFC-2023,test surcharge\n",
        encoding="utf-8",
    )
    network = load_network(toy_copy)
    both = [
        f"FREIGHT,{CHEAPEST},freight_usd,,1,,ARFC-2023,index,0,,,",
        f"FREIGHT-SURCHARGES,{CHEAPEST},freight_surcharges_usd,,1,,ARFC-2023,index,0,,,",
    ]
    rows = read_calibration(write(toy_copy, *both), network.sources)
    freight, with_surcharges = run_calibration(network, rows, route_query_from_argv)
    cost = find_routes(network, route_query_from_argv(network, rows[0].query)).routes[0].cost
    assert cost.surcharge_usd > 0
    assert freight.p50 == pytest.approx(cost.freight_usd)
    assert with_surcharges.p50 == pytest.approx(cost.freight_usd + cost.surcharge_usd)
