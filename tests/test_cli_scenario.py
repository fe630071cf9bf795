"""``--scenario`` on every command that reads the network, and ``corridor scenario validate|diff``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.cli import main
from tests.conftest import NETWORKS

TOY = str(NETWORKS / "toy")
SHIPPED_SCENARIOS = Path(__file__).parents[1] / "graphs" / "middle_corridor" / "studies" / "scenarios"

HALVE = (
    "name: halve\nedits:\n  - op: scale\n    what: border_dwell\n    countries: [CN, KZ]\n    factor: 0.5\n"
    "    sources: ESTIMATE\n    notes: 'factor: assumed joint control'\n"
)
MORE_FEEDERS = (
    "name: feeders\nedits:\n  - op: set_service\n    id: F-AKTAU-ALAT\n    headway_h: 21\n"
    "    sources: ESTIMATE\n    notes: 'headway_h: twice the sailings, assumed'\n"
)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_route_with_a_set_service_of_a_headway_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The acceptance: "corridor route aktau alat --scenario FILE" with set_service of a headway service.
    scenario = _write(tmp_path, "feeders.yaml", MORE_FEEDERS)
    argv = ["route", "aktau", "alat", "--ready", "", "--objective", "fastest", "--json"]
    waits: dict[str, list[float]] = {"base": [], "edited": []}
    for hours in range(0, 168, 14):
        argv[4] = (datetime(2026, 12, 1, tzinfo=UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%MZ")
        for which, extra in (("base", []), ("edited", ["--scenario", scenario])):
            code, out, err = _run([*argv, *extra], capsys)
            assert code == 0, err
            result = json.loads(out)
            assert result["network"].startswith("middle_corridor+feeders@" if extra else "middle_corridor@")
            waits[which].append(result["routes"][0]["duration_h"])
    # Twice the sailings: the fastest crossing is never slower, and faster on average.
    assert all(e <= b + 1e-9 for b, e in zip(waits["base"], waits["edited"], strict=True))
    assert sum(waits["edited"]) < 0.9 * sum(waits["base"])
    geojson = tmp_path / "routes.geojson"
    code, text, _ = _run([*argv[:-1], "--scenario", scenario, "--geojson", str(geojson)], capsys)
    assert json.loads(geojson.read_text(encoding="utf-8"))["network"].startswith("middle_corridor+feeders@")
    assert code == 0
    assert text.startswith("network middle_corridor+feeders@")
    assert "(scenarios: feeders)" in text.splitlines()[0]


def test_scenarios_apply_in_order_on_plan_and_network_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    halve = _write(tmp_path, "halve.yaml", HALVE)
    close = _write(
        tmp_path, "close.yaml", "name: no-road\nedits:\n  - op: close_country\n    country: AZ\n    mode: road\n"
    )
    code, out, _ = _run(["network", "show", TOY, "--scenario", halve, "--scenario", close], capsys)
    assert code == 0
    assert "network toy+halve+no-road@" in out
    assert "10 directed links" in out
    geojson = tmp_path / "toy.geojson"
    code, _, _ = _run(["network", "export", TOY, "--scenario", halve, "--geojson", str(geojson)], capsys)
    assert json.loads(geojson.read_text(encoding="utf-8"))["network"].startswith("toy+halve@")
    argv = ["plan", "ORIGIN", "DEST", "--network", TOY, "--teu", "10", "--ready", "2026-12-01T00:00Z", "--json"]
    code, out, _ = _run([*argv, "--scenario", halve], capsys)
    assert json.loads(out)["network"].startswith("toy+halve@")


def test_assign_takes_scenario_and_keeps_edits_as_an_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = _write(tmp_path, "demand.csv", "origin,destination,teu_per_week\nORIGIN,DEST,100\n")
    halve = _write(tmp_path, "halve.yaml", HALVE)
    for option in ("--scenario", "--edits"):
        out_dir = tmp_path / option.strip("-")
        code, out, _ = _run(["assign", demand, "--network", TOY, option, halve, "--out", str(out_dir)], capsys)
        assert code == 0
        assert out.startswith("assignment on toy+halve@")
        assert json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))["network"].startswith("toy+halve@")


def test_select_terminals_on_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = _write(tmp_path, "demand.csv", "origin,destination,teu_per_week\nORIGIN,DEST,100\n")
    candidates = _write(
        tmp_path,
        "candidates.yaml",
        "candidates:\n  - id: FEEDER\n    title: a third of feeders more\n    cost_usd: 1000\n"
        "    sources: ESTIMATE\n    notes: 'cost_usd: assumed'\n    edits:\n      - op: scale_capacity\n"
        "        service: CASPIAN-FEEDER\n        factor: 3\n        sources: ESTIMATE\n"
        "        notes: 'factor: assumed'\n",
    )
    out_dir = tmp_path / "select"
    argv = ["select-terminals", candidates, demand, "--network", TOY, "--budget-usd", "5000", "--out", str(out_dir)]
    code, _, err = _run([*argv, "--scenario", _write(tmp_path, "halve.yaml", HALVE)], capsys)
    assert code == 0, err
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["baseline"]["network"].startswith("toy+halve@")
    assert summary["combined"] is None or summary["combined"]["network"].startswith("toy+halve@")


def test_a_bad_scenario_fails_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path, "bad.yaml", HALVE.replace("border_dwell", "border_dwel"))
    code, _, err = _run(
        ["route", "ORIGIN", "DEST", "--network", TOY, "--ready", "2026-12-01T00:00Z", "--scenario", bad], capsys
    )
    assert code == 1
    assert "bad.yaml:4: what: must be one of border_dwell" in err
    assert "did you mean 'border_dwell'" in err


def test_scenario_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.yaml", HALVE)
    bad = _write(tmp_path, "bad.yaml", HALVE.replace("[CN, KZ]", "[CN, TR]"))
    code, out, _ = _run(["scenario", "validate", good, "--network", TOY], capsys)
    assert code == 0
    assert out.startswith(f"OK {good}: scenario halve, 1 edit(s) (1 scale); toy@")
    code, out, _ = _run(["scenario", "validate", good, bad, "--network", TOY], capsys)
    assert code == 1
    assert out.splitlines()[1:] == [
        f"INVALID {bad}: 1 problem(s)",
        f"  {bad}:3: selects no record with a border dwell to scale",
    ]


def test_scenario_diff_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["scenario", "diff", _write(tmp_path, "h.yaml", HALVE), "--network", TOY], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("toy@")
    assert " → toy+halve@" in lines[0]
    assert lines[0].endswith(": 2 change(s)")
    assert lines[1:] == [
        "  node BORDER_CN (CN): border dwell exit (h) 14 → 7 (×0.5)",
        "  node GAUGE_KZ (KZ): border dwell entry (h) 78 → 39 (×0.5)",
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in SHIPPED_SCENARIOS.glob("*.yaml")))
def test_shipped_scenarios_validate(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["scenario", "validate", str(SHIPPED_SCENARIOS / name)], capsys)
    assert code == 0, out


def test_shipped_scenarios_do_what_they_say(capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        str(SHIPPED_SCENARIOS / f) for f in ("georgia_border.yaml", "close_russia_belarus.yaml", "red_sea_closed.yaml")
    ]
    code, out, _ = _run(["scenario", "diff", *files], capsys)
    assert code == 0
    assert "  node GARDABANI (GE): border dwell entry (h) 1 → 0.5 (×0.5)" in out.splitlines()
    assert "TBILISI_AIRPORT" not in out  # the Georgian border edits are rail and road only
    assert "MOSCOW" in out
    assert "BAB_EL_MANDEB" in out
    argv = ["route", "SHANGHAI", "ROTTERDAM", "--ready", "2026-12-01T00:00Z", "--objective", "cheapest", "--json"]
    code, out, _ = _run(
        [*argv, "--avoid-modes", "rail,air,road", "--scenario", str(SHIPPED_SCENARIOS / "red_sea_closed.yaml")], capsys
    )
    route = json.loads(out)["routes"][0]
    passed = {node for leg in route["legs"] for node in leg["through"]}
    assert "CAPE_GOOD_HOPE" in passed  # round the Cape
    assert not passed & {"BAB_EL_MANDEB", "SUEZ"}
    assert route["countries"] == ["CN", "NL"]  # sea passages are waypoints, not countries
