"""``corridor study run --assign``: the demand assignment per scenario, utilisation, binding capacities, savings."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from engine.cli import main
from engine.errors import InputFileError
from engine.network import Mode
from engine.studies import load_study, parse_study
from tests.studies.conftest import SMALL_STUDY, STUDIES

# Cargo that must cross the Caspian and Georgia: the Aktau–Alat feeder (1,400 TEU/week) and the Georgian trains
# (490 TEU/week) bind; the caspian_feeders scenario adds sailings, so the feeder's price falls. 2,500 TEU/week, more
# than the detours round the feeder can take too (Aktau–Anzali and via Novorossiysk–Samsun, a few hundred TEU each).
DEMAND = "origin,destination,teu_per_week\nAKTAU,POTI,2500\nXIAN,DUISBURG,300\n"


@pytest.fixture(scope="module")
def assigned(small_study_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("assigned")
    demand = directory / "demand.csv"
    demand.write_text(DEMAND, encoding="utf-8")
    study = small_study_file.with_name("small_caspian.yaml")
    study.write_text(
        SMALL_STUDY.replace("  georgia_border:", "  caspian_feeders: scenarios/caspian_feeders.yaml\n  georgia_border:")
        + f"assign: {{demand: {demand}, weeks_per_year: 50, margins: 3}}\n",
        encoding="utf-8",
    )
    out = directory / "out" / "r.parquet"
    assert main(["study", "run", str(study), "--out", str(out), "--assign"]) == 0
    return out


def frame(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out.with_name(f"{out.stem}.{name}.parquet"))


def test_utilisation_and_binding_per_scenario_with_deltas(assigned: Path) -> None:
    routes = pl.read_parquet(assigned)
    utilisation = frame(assigned, "utilisation")
    binding = frame(assigned, "binding")
    scenarios = ["baseline", "close_russia_belarus", "caspian_feeders", "georgia_border"]
    assert utilisation["scenario"].unique(maintain_order=True).to_list() == scenarios
    # every row names its scenario's content hash, the same as the route frame's
    hashes = dict(routes.select("scenario", "scenario_hash").unique().iter_rows())
    assert dict(utilisation.select("scenario", "scenario_hash").unique().iter_rows()) == hashes
    base = utilisation.filter(pl.col("baseline"))
    assert (base["delta_flow_teu_per_week"].abs() < 1e-9).all()
    # the Georgian trains bind (rail is capped like ferries) and so does the Aktau–Alat feeder
    base_binding = binding.filter(pl.col("baseline"))
    assert {"R-ALAT-BOYUK_KASIK", "F-AKTAU-ALAT"} <= set(base_binding["id"])
    feeder = binding.filter(pl.col("id") == "F-AKTAU-ALAT").select("scenario", "shadow_price_usd_per_teu")
    price = dict(feeder.iter_rows())
    assert price["caspian_feeders"] < price["baseline"]
    row = binding.filter(pl.col("scenario") == "caspian_feeders", pl.col("id") == "F-AKTAU-ALAT")
    assert row["delta_shadow_price_usd_per_teu"].item() == pytest.approx(price["caspian_feeders"] - price["baseline"])
    # the new feeder appears only in the scenario, with its flow as the delta
    new = utilisation.filter(pl.col("id") == "F-AKTAU-ALAT-NEW")
    assert new["scenario"].to_list() == ["caspian_feeders"]
    assert new["delta_flow_teu_per_week"].item() == new["flow_teu_per_week"].item() > 0


def test_binding_carries_each_scenarios_measured_margins(assigned: Path) -> None:
    """``margins: 3``: in every scenario its 3 dearest binding capacities carry what one TEU/week more saves and one
    less costs there (measured, so within convexity's order around the dual), the others none."""
    binding = frame(assigned, "binding")
    for (scenario,), rows in binding.filter(pl.col("binding")).group_by("scenario", maintain_order=True):
        measured = rows.filter(pl.col("cost_usd_per_teu_removed").is_not_null())
        assert measured.height == min(3, rows.height), scenario
        assert measured["id"].to_list() == rows.sort("shadow_price_usd_per_teu", descending=True)["id"][:3].to_list()
        for added, price, removed in measured.select(
            "saving_usd_per_teu_added", "shadow_price_usd_per_teu", "cost_usd_per_teu_removed"
        ).iter_rows():
            assert added <= price + 1e-6 <= removed + 2e-6
    # a capacity binding only in the baseline has no margins in the scenario row
    gone = binding.filter(~pl.col("binding"))
    assert gone["saving_usd_per_teu_added"].null_count() == gone.height


def test_summary_splits_the_saving_and_annualises_it(assigned: Path) -> None:
    summary = frame(assigned, "assignment")
    parts = ("real_cost", "time_value", "unserved_penalty")
    for row in summary.iter_rows(named=True):
        total = sum(row[f"saving_{p}_usd_per_week"] for p in parts)
        assert total == pytest.approx(row["saving_generalized_cost_usd_per_week"], abs=1e-3)
        cost = sum(row[f"{p}_usd_per_week"] for p in parts)
        assert cost == pytest.approx(row["generalized_cost_usd_per_week"], rel=1e-9)
        for p in parts:
            assert row[f"saving_{p}_usd_per_year"] == pytest.approx(50 * row[f"saving_{p}_usd_per_week"])
    feeders = summary.filter(pl.col("scenario") == "caspian_feeders").row(0, named=True)
    assert feeders["saving_real_cost_usd_per_week"] > 0


def test_assign_flag_needs_a_demand(small_study_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "run", str(small_study_file), "--out", str(tmp_path / "r.parquet"), "--assign"]) == 1
    assert "assign: small.yaml has no 'assign' field" in capsys.readouterr().err


def test_assign_field_is_checked() -> None:
    text = (
        SMALL_STUDY
        + "assign: {demand: d.csv, weeks_per_year: 0, capacity_modes: [rail, boat], speed: 3, margins: -1}\n"
    )
    with pytest.raises(InputFileError) as caught:
        parse_study(text, "bad.yaml", base_dir=STUDIES)
    message = str(caught.value)
    for field in ("assign.weeks_per_year", "assign.capacity_modes", "assign.speed", "assign.margins"):
        assert field in message
    assert "bad.yaml:13" in message  # the line of the assign field


def test_shipped_quarter_study_carries_the_shipped_demand() -> None:
    study = load_study(STUDIES / "china-europe-quarter.yaml")
    assert study.assign is not None
    assert study.assign.demand == (STUDIES / "demand.csv").resolve()
    assert study.assign.capacity_modes == frozenset({Mode.RAIL, Mode.FERRY, Mode.SEA})
    assert study.assign.weeks_per_year == 52
