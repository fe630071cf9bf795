"""Maps: route steps on a link's recorded line (else straight), link utilisation by colour, `corridor route --map`
rendered offline in headless Chromium."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from engine.cli import main
from engine.network import Network
from engine.studies.geometry import LinkLines, link_polyline, oriented
from engine.studies.report import map_chart, utilisation_of

CHROMIUM = ("chromium-headless-shell", "chromium")


@dataclasses.dataclass
class _WithGeometry:
    """A link record as the network will carry it once links have polylines (any of the accepted forms)."""

    from_id: str
    to_id: str
    geometry: Any


def test_link_polyline_reads_the_accepted_forms() -> None:
    pairs = [(10.0, 50.0), (11.0, 50.5), (12.0, 51.0)]
    assert link_polyline(_WithGeometry("A", "B", pairs)) == pairs
    assert link_polyline(_WithGeometry("A", "B", {"type": "LineString", "coordinates": pairs})) == pairs
    assert link_polyline(_WithGeometry("A", "B", "LINESTRING (10 50, 11 50.5, 12 51)")) == pairs
    assert link_polyline(_WithGeometry("A", "B", "POINT (1 2)")) is None
    assert link_polyline(_WithGeometry("A", "B", [(1.0, 2.0)])) is None  # one point is not a line
    assert link_polyline(object()) is None


def test_a_line_is_turned_to_run_from_the_step_start() -> None:
    line = [(10.0, 50.0), (11.0, 50.5), (12.0, 51.0)]
    assert oriented(line, (12.0, 51.0), (10.0, 50.0)) == list(reversed(line))
    assert oriented(line, (10.0, 50.0), (12.0, 51.0)) == line


def test_route_steps_follow_a_recorded_line(shipped_network: Network) -> None:
    link = next(iter(shipped_network.links.values()))
    a, b = shipped_network.nodes[link.from_id], shipped_network.nodes[link.to_id]
    plain = LinkLines(shipped_network)
    assert plain.path([a.lon, b.lon], [a.lat, b.lat]) == [(a.lon, a.lat), (b.lon, b.lat)]
    bend = ((a.lon + b.lon) / 2 + 0.5, (a.lat + b.lat) / 2 + 0.5)

    bent_network = SimpleNamespace(
        nodes=shipped_network.nodes,
        links={link.id: _WithGeometry(link.from_id, link.to_id, [(a.lon, a.lat), bend, (b.lon, b.lat)])},
    )
    bent = LinkLines(bent_network)  # type: ignore[arg-type]
    assert bent.has_lines
    assert bent.path([a.lon, b.lon], [a.lat, b.lat]) == [(a.lon, a.lat), bend, (b.lon, b.lat)]
    assert bent.path([b.lon, a.lon], [b.lat, a.lat]) == [(b.lon, b.lat), bend, (a.lon, a.lat)]  # reverse step


def test_utilisation_colours_the_map(shipped_network: Network) -> None:
    links = list(shipped_network.links)[:3]
    utilisation = pl.DataFrame(
        {"scenario": ["baseline", "baseline", "other"], "link_id": links, "utilisation": [0.4, 1.0, 0.9]}
    )
    assert utilisation_of(utilisation, "baseline")["link_id"].to_list() == links[:2]
    no_scenario = pl.DataFrame({"link": links, "utilisation_share": [0.1, 0.2, 0.3]})
    assert utilisation_of(no_scenario, "any").height == 3
    with pytest.raises(ValueError, match="link_id and a utilisation column"):
        utilisation_of(pl.DataFrame({"flow": [1.0]}), "baseline")
    # the frame `corridor study run --assign` writes: links and terminals by `id`, told apart by `element`
    assigned = pl.DataFrame(
        {
            "scenario": ["baseline"] * 3,
            "element": ["link", "node", "link"],
            "id": [links[0], "ALTYNKOL", links[1]],
            "utilisation": [0.5, 1.0, 1.0],
        }
    )
    assert utilisation_of(assigned, "baseline")["link_id"].to_list() == links[:2]
    frame = pl.DataFrame(
        schema={
            "scenario": pl.String,
            "origin": pl.String,
            "destination": pl.String,
            "route_rank": pl.Int32,
            "shifted_weeks": pl.Int32,
            "countries": pl.String,
            "corridor": pl.String,
            "path_lon": pl.List(pl.Float64),
            "path_lat": pl.List(pl.Float64),
        }
    )
    spec = json.dumps(map_chart(frame, shipped_network, "baseline", utilisation).to_dict())
    assert "link utilisation" in spec
    assert '"utilisation": 0.4' in spec
    assert '"utilisation": 0.9' not in spec  # the other scenario's utilisation is not on the baseline's map


def _browser() -> str | None:
    return next((path for name in CHROMIUM if (path := shutil.which(name))), None)


def test_route_map_renders_offline(tmp_path: Path) -> None:
    from PIL import Image

    page = tmp_path / "route.html"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(
            ["route", "XIAN", "DUISBURG", "--ready", "2027-01-04T08:00Z", "--max-routes", "3", "--map", str(page)]
        )
    assert code == 0, err.getvalue()
    assert f"wrote {page}" in out.getvalue()
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert "route 1:" in html  # the summary line of each route
    assert '"route 3"' in html  # every route returned is drawn, not only the first
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium-headless-shell or chromium: `make setup` installs it")
        pytest.skip("no chromium-headless-shell or chromium (make setup installs it)")
    flags = [
        browser,
        "--no-sandbox",
        "--disable-gpu",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=30000",
    ]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.stdout.count('class="marks"') == 1, dom.stderr[-2000:]
    assert dom.stdout.count("<path") > 100  # country outlines, links and routes were drawn
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*flags, "--window-size=900,600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "the screenshot is (nearly) blank"
