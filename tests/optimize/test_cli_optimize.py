"""The optimizer's CLI commands: arguments in, library results out as text and files."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from engine.cli import main
from tests.conftest import NETWORKS
from tests.optimize.test_select import TOY_CANDIDATES

TOY = str(NETWORKS / "toy")


def test_plan_prints_parts_and_binding_departures(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "Xian Toy", "DEST", "--network", TOY, "--teu", "250", "--ready", "2026-12-07T00:00Z"])
    out = capsys.readouterr().out
    assert code == 0
    assert "moved 250 TEU" in out
    assert "Part 1:" in out
    assert "CN-TRAIN" in out
    assert "Full departures the plan uses" in out


def test_plan_takes_containers_as_teu_lots(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "ORIGIN", "DEST", "--network", TOY, "--ready", "2026-12-07T00:00Z"]
    assert main([*args, "--containers", "40ft:100,20ft:50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["moved_teu"] == 250
    assert main([*args, "--containers", "40ft:100", "--teu", "3"]) == 1
    assert "--teu: must agree with --containers (200 TEU), got 3" in capsys.readouterr().err


def test_plan_json_and_what_cannot_move(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "ORIGIN", "DEST", "--network", TOY, "--teu", "900", "--ready", "2026-12-07T00:00Z"]
    code = main([*args, "--horizon-days", "18", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 3  # not everything moves
    assert document["moved_teu"] + document["unmoved_teu"] == 900
    assert document["unmoved_teu"] > 0
    assert document["binding"]
    assert document["explanation"]


def test_assign_writes_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,900\nORIGIN,PORT_AZ,200\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    code = main(["assign", str(demand), "--network", TOY, "--out", str(out_dir)])
    text = capsys.readouterr().out
    assert code == 0
    assert "F-PORT_KZ-PORT_AZ" in text
    assert "Unserved demand" in text
    links = pl.read_parquet(out_dir / "links.parquet")
    assert links.filter(pl.col("link_id") == "F-PORT_KZ-PORT_AZ")["binding"].item()
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["unserved_teu_per_week"] > 0
    assert {p.name for p in out_dir.iterdir()} >= {"routes.parquet", "nodes.parquet", "shadow_prices.parquet"}
    # the dearest binding capacities are measured by default (--margins 10): the frame and the text carry them
    prices = pl.read_parquet(out_dir / "shadow_prices.parquet")
    assert prices["saving_usd_per_teu_added"].null_count() == max(0, prices.height - 10)
    assert "+1 TEU/wk saves USD/wk" in text
    feeder = prices.filter(pl.col("id") == "F-PORT_KZ-PORT_AZ").row(0, named=True)
    shown = f"{feeder['saving_usd_per_teu_added']:,.2f}"
    assert any("F-PORT_KZ-PORT_AZ" in line and shown in line for line in text.splitlines())
    code = main(["assign", str(demand), "--network", TOY, "--out", str(out_dir), "--margins", "0"])
    assert code == 0
    assert pl.read_parquet(out_dir / "shadow_prices.parquet")["saving_usd_per_teu_added"].null_count() == prices.height


def test_assign_with_edits_and_csv_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,900\n", encoding="utf-8")
    edits = tmp_path / "edits.yaml"
    edits.write_text(
        "edits:\n  - op: scale_capacity\n    service: CASPIAN-FEEDER\n    factor: 3\n    sources: ESTIMATE\n"
        "    notes: 'factor: assumed'\n"
        # the Chinese train (daily, 100 TEU) caps at 700 TEU/week since rail is capped like ferries
        "  - op: scale_capacity\n    service: CN-TRAIN\n    factor: 2\n    sources: ESTIMATE\n"
        "    notes: 'factor: assumed'\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    code = main(
        ["assign", str(demand), "--network", TOY, "--edits", str(edits), "--out", str(out_dir), "--format", "csv"]
    )
    assert code == 0
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["unserved_teu_per_week"] == pytest.approx(0.0)
    assert pl.read_csv(out_dir / "commodities.csv").height == 1
    capsys.readouterr()


def test_capacity_override_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,900\n", encoding="utf-8")
    args = [
        "assign",
        str(demand),
        "--network",
        TOY,
        "--out",
        str(tmp_path / "o"),
        "--capacity",
        "F-PORT_KZ-PORT_AZ=none",
        "--capacity",
        "R-ORIGIN-BORDER=none",
        "--capacity",
        "R-BORDER-GAUGE=none",
        "--capacity",
        "R-PORT_AZ-DEST=none",
    ]
    assert main(args) == 0
    assert "No capacity binds" in capsys.readouterr().out


def test_select_terminals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    candidates = tmp_path / "candidates.yaml"
    candidates.write_text(TOY_CANDIDATES, encoding="utf-8")
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,900\nORIGIN,PORT_AZ,200\n", encoding="utf-8")
    code = main(
        [
            "select-terminals",
            str(candidates),
            str(demand),
            "--network",
            TOY,
            "--budget-usd",
            "15",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Chosen within 15 USD" in out
    assert "BIGGER_FEEDER" in out
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["spent_usd"] <= 15
    assert summary["chosen"]


def test_input_errors_are_reported_with_their_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,-4\n", encoding="utf-8")
    assert main(["assign", str(demand), "--network", TOY, "--out", str(tmp_path / "o")]) == 1
    assert "demand.csv:2: teu_per_week: must be >= 0" in capsys.readouterr().err
    edits = tmp_path / "edits.yaml"
    edits.write_text("edits:\n  - op: nothing\n", encoding="utf-8")
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,4\n", encoding="utf-8")
    assert main(["assign", str(demand), "--network", TOY, "--edits", str(edits), "--out", str(tmp_path / "o")]) == 1
    assert "edits.yaml:2: op: must be one of" in capsys.readouterr().err


@pytest.mark.parametrize("horizon", ["1e300", "nan", "200", "0"])
def test_a_bad_horizon_names_the_flag_without_a_traceback(horizon: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "ORIGIN", "DEST", "--network", TOY, "--teu", "4", "--ready", "2026-12-07T00:00Z"]
    assert main([*args, "--horizon-days", horizon]) == 1
    assert "--horizon-days: must be > 0 and <= 120 days" in capsys.readouterr().err
