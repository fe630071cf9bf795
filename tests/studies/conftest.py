"""A small study on the shipped network, used by the runner, CLI and report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.studies import Study, parse_study

STUDIES = Path(__file__).resolve().parents[2] / "graphs" / "middle_corridor" / "studies"

# Two OD pairs, ready times on three weekdays plus one whole week later (a repeat), baseline and two scenarios
# that change routes (no Russia/Belarus; a faster Georgian border).
SMALL_STUDY = """\
name: small
od_pairs:
  - [XIAN, DUISBURG]
  - {origin: Chongqing, destination: ISTANBUL}
ready:
  dates: ["2027-01-04T08:00Z", "2027-01-06T09:30Z", "2027-01-08T20:00Z", "2027-01-11T08:00Z"]
scenarios:
  close_russia_belarus: scenarios/close_russia_belarus.yaml
  georgia_border: scenarios/georgia_border.yaml
objective: pareto
max_routes: 2
shipment: {teu: 2, gross_weight_kg: 20000}
"""


@pytest.fixture(scope="session")
def small_study() -> Study:
    return parse_study(SMALL_STUDY, "small.yaml", base_dir=STUDIES)


@pytest.fixture(scope="session")
def small_study_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small study written next to copies of the shipped scenarios (paths are relative to the file)."""
    directory = tmp_path_factory.mktemp("study")
    (directory / "scenarios").mkdir()
    for scenario in (STUDIES / "scenarios").glob("*.yaml"):
        (directory / "scenarios" / scenario.name).write_text(scenario.read_text(encoding="utf-8"), encoding="utf-8")
    path = directory / "small.yaml"
    path.write_text(SMALL_STUDY, encoding="utf-8")
    return path
