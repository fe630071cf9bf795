"""Every row of the shipped ``calibration.csv`` holds within its band (published figures vs the engine).

On the data of 2026-12-01 many rows fail — the border dwell, port queues, 40'/20' tariffs, dated rates and the
arrival bands are being fixed (issue 9) — so the test is marked xfail until those fixes are merged; then the mark
goes and a failing row fails the suite. ``corridor network calibrate`` prints the same table.
"""

from __future__ import annotations

import csv

import pytest

from engine.cli.query_args import route_query_from_argv
from engine.network import Network
from engine.network.paths import default_network_dir
from engine.studies.calibration import CalibrationResult, run_calibration
from engine.studies.calibration_file import CALIBRATION, read_calibration

SHIPPED = default_network_dir() / CALIBRATION.file
with SHIPPED.open(encoding="utf-8") as _file:
    ROW_IDS = [row["id"] for row in csv.DictReader(_file)]


@pytest.fixture(scope="module")
def shipped_results(shipped_network: Network) -> dict[str, CalibrationResult]:
    rows = read_calibration(SHIPPED, shipped_network.sources)
    return {r.row.id: r for r in run_calibration(shipped_network, rows, route_query_from_argv)}


def test_the_shipped_file_reads_and_every_query_answers(shipped_results: dict[str, CalibrationResult]) -> None:
    assert list(shipped_results) == ROW_IDS
    assert all(r.p50 is not None for r in shipped_results.values()), "every calibration query must have a route"


@pytest.mark.xfail(
    strict=False,
    reason="issue 9: the data and model fixes of the other helpers (border dwell, port queues, container types, "
    "through tariffs, dated sea/air rates, arrival bands) are not merged yet; the integrator removes this mark",
)
@pytest.mark.parametrize("row_id", ROW_IDS)
def test_row_within_its_band(shipped_results: dict[str, CalibrationResult], row_id: str) -> None:
    result = shipped_results[row_id]
    row = result.row
    assert result.passed, (
        f"{row_id} ({row.kind.value}, {row.source}): engine {result.compared} outside "
        f"{row.accept_low:g}–{row.accept_high:g} (published {row.published:g}, ratio {result.ratio})"
    )
