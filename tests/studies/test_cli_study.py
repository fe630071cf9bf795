"""``corridor study run|report`` end to end: files written, runners agree, the report renders offline in Chromium."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import polars as pl
import pytest

from engine.cli import main

CHROMIUM = ("chromium-headless-shell", "chromium")


def _corridor(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def results(small_study_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "small.parquet"
    code, text, err = _corridor("study", "run", str(small_study_file), "--out", str(out))
    assert code == 0, err
    assert "24 queries (2 OD pairs × 4 ready times × 3 scenarios), 18 searched, 6 repeats" in text
    assert err == ""  # no progress bar when stderr is not a terminal
    return out


def test_run_writes_routes_comparison_and_shares(results: Path) -> None:
    frame = pl.read_parquet(results)
    assert frame["scenario"].unique(maintain_order=True).to_list() == [
        "baseline",
        "close_russia_belarus",
        "georgia_border",
    ]
    comparison = pl.read_parquet(results.with_name("small.comparison.parquet"))
    assert comparison.height == 2 * 2 * 4
    shares = pl.read_parquet(results.with_name("small.shares.parquet"))
    assert set(shares.columns) == {"scenario", "corridor", "queries", "share", "unknown"}
    assert (shares["unknown"] == 0).all()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_cluster_and_scheduler_give_identical_files(small_study_file: Path, results: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    code, text, err = _corridor(
        "study", "run", str(small_study_file), "--out", str(tmp_path / "c.csv"), "--cluster", "local:2"
    )
    assert code == 0, err
    assert "dask local:2" in text
    expected = pl.read_parquet(results)
    via_csv = pl.read_csv(tmp_path / "c.csv", try_parse_dates=True)
    assert via_csv["cost_usd"].to_list() == expected["cost_usd"].to_list()
    assert via_csv["corridor"].to_list() == expected["corridor"].to_list()

    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        code, text, err = _corridor(
            "study",
            "run",
            str(small_study_file),
            "--out",
            str(tmp_path / "s.parquet"),
            "--scheduler",
            cluster.scheduler_address,
        )
    assert code == 0, err
    assert pl.read_parquet(tmp_path / "s.parquet").equals(expected)


def test_bad_arguments_are_clear(small_study_file: Path, tmp_path: Path) -> None:
    code, _, err = _corridor("study", "run", str(small_study_file), "--out", str(tmp_path / "x.json"))
    assert (code, err.strip()) == (1, "error: out: must end in .parquet or .csv, got 'x.json'")
    code, _, err = _corridor("study", "run", str(small_study_file), "--out", str(tmp_path / "x.csv"), "--cluster", "l")
    assert code == 1
    assert "cluster: must be local:N" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("od_pairs: [[XIAN, DUISBURG]]\nready: {dates: ['2027-13-01T00:00Z']}\n", encoding="utf-8")
    code, _, err = _corridor("study", "run", str(bad), "--out", str(tmp_path / "x.csv"))
    assert code == 1
    assert f"{bad}:2: dates: must be an ISO 8601 time" in err


def _browser() -> str | None:
    return next((path for name in CHROMIUM if (path := shutil.which(name))), None)


def test_report_is_self_contained_and_renders_offline(results: Path, tmp_path: Path) -> None:
    from PIL import Image

    report = tmp_path / "report.html"
    code, text, err = _corridor("study", "report", str(results), "--out", str(report))
    assert code == 0, err
    page = report.read_text(encoding="utf-8")
    # nothing to fetch: every script is inline, and outside them no stylesheet, image or frame is referenced
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    markup = re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)
    assert markup.count('<div class="chart"') == 6
    assert not re.search(r"<(link|img|iframe)[^>]*\b(src|href)\s*=", markup, re.IGNORECASE)
    pngs = sorted(p.name for p in tmp_path.glob("report-*.png"))
    assert pngs == [
        "report-map-baseline.png",
        "report-map-close_russia_belarus.png",
        "report-map-georgia_border.png",
        "report-pareto.png",
        "report-shares.png",
        "report-transit.png",
    ]
    assert "wrote" in text
    assert "6 PNG charts" in text

    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium-headless-shell or chromium: `make setup` installs it")
        pytest.skip("no chromium-headless-shell or chromium (make setup installs it)")
    flags = [
        browser,
        "--no-sandbox",
        "--disable-gpu",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # any network fetch fails, so the report must not need one
        "--virtual-time-budget=30000",
    ]
    dom = subprocess.run([*flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.stdout.count('class="marks"') == 6, dom.stderr[-2000:]  # every chart drawn by Vega
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*flags, "--window-size=1200,1600", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    non_white = sum(count for count, rgb in colours if rgb != (255, 255, 255))
    assert non_white > 0.05 * image.width * image.height


def test_progress_bar_on_a_terminal_only(small_study_file: Path, tmp_path: Path) -> None:
    import pty
    import sys

    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "engine.cli",
                "study",
                "run",
                str(small_study_file),
                "--out",
                str(tmp_path / "p.parquet"),
            ],
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=300,
            check=True,
        )
        os.close(terminal)
        terminal = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal side is closed: everything has been read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert b"study" in done.stdout
    assert b"18/18" in drawn
    assert b"query" in drawn


def test_report_colours_links_by_utilisation_beside_the_rows(results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "small.parquet"
    copy.write_bytes(results.read_bytes())
    frame = pl.read_parquet(results)
    scenarios = frame["scenario"].unique(maintain_order=True).to_list()
    utilisation = pl.DataFrame(
        {"scenario": scenarios, "link_id": ["R-XIAN-LANZHOU"] * len(scenarios), "utilisation": [0.97] * 3}
    )
    utilisation.write_parquet(tmp_path / "small.utilisation.parquet")
    report = tmp_path / "report.html"
    code, text, err = _corridor("study", "report", str(copy), "--out", str(report))
    assert code == 0, err
    assert "link utilisation from small.utilisation.parquet" in text
    page = report.read_text(encoding="utf-8")
    assert page.count("rank-1 routes and link utilisation") == len(scenarios)


def test_queries_whose_search_stopped_are_warned_about_and_reported(
    small_study_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study with searches stopped at their memory budget still writes its files; stderr warns how many queries
    have no answer and why, and the report says so (the rows themselves: tests/studies/test_run.py)."""
    from engine.routing import kernel as kernel_module

    monkeypatch.setenv("CORRIDOR_KERNEL", "on")
    monkeypatch.setattr(kernel_module, "START_LABELS", {True: 256, False: 256})
    monkeypatch.setattr(kernel_module, "START_HINT_MAX", 256)
    monkeypatch.setattr(kernel_module._spare, "state", None, raising=False)
    monkeypatch.setattr(kernel_module, "search_memory_budget_bytes", lambda: 300_000)
    out = tmp_path / "stopped.parquet"
    code, text, err = _corridor("study", "run", str(small_study_file), "--out", str(out))
    assert code == 0, err
    assert "wrote " in text
    stopped = pl.read_parquet(out).filter(pl.col("search_stopped").is_not_null())
    assert stopped.height > 0
    warned = re.search(r"warning: (\d+) queries have no answer, their search stopped before it finished", err)
    assert warned is not None, err
    assert int(warned.group(1)) == stopped.height
    assert "narrow the query" in err
    shares = pl.read_parquet(out.with_name("stopped.shares.parquet"))
    unknown = stopped.select("scenario", "origin", "destination", "ready").unique().group_by("scenario").len()
    assert dict(shares.group_by("scenario").agg(pl.col("unknown").first()).rows()) == dict(unknown.rows())
    # close_russia_belarus has no answered query left: it is still there, one row with no corridor and no share
    closed = shares.filter(pl.col("scenario") == "close_russia_belarus")
    assert closed.select("corridor", "queries", "share").rows() == [(None, 0, None)]
    code, _, err = _corridor("study", "report", str(out), "--out", str(tmp_path / "report.html"))
    assert code == 0, err
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"{stopped.height} queries have no answer: their search stopped before it finished" in page
    # --strict: the same files, then exit 3
    strict = tmp_path / "strict.parquet"
    code, _, err = _corridor("study", "run", str(small_study_file), "--out", str(strict), "--strict")
    assert code == 3, err
    assert pl.read_parquet(strict).equals(pl.read_parquet(out))
    assert strict.with_name("strict.shares.parquet").exists()
