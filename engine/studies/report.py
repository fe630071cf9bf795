"""The study report: one self-contained HTML file (Vega-Lite charts, JavaScript inline) and a PNG per chart.

Nothing is loaded from the network when the file opens: the Vega, Vega-Lite and Vega-Embed code comes inline from
``vl-convert-python`` (:func:`vl_convert.javascript_bundle`), every chart's data is inline, and the country
outlines are ``data/countries.geojson`` in this package — Natural Earth 1:110m admin-0 countries (public domain),
clipped to 25°W–130°E, 40°S–72°N and simplified to 0.15° (derived once from the copy bundled with geopandas 0.14).

Charts (Altair): a map per scenario (country outlines, the network's links, the scenario's rank-1 routes), a
Pareto scatter of cost against transit days per OD pair, corridor shares by scenario, and transit days per
corridor; then the comparison tables (:mod:`engine.studies.compare`).
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from engine.network.model import Network
from engine.studies.compare import comparison_frame, comparison_summary, corridor_shares

CORRIDOR_COLOURS = {
    "Middle": "#d95f02",
    "Northern": "#7570b3",
    "Southern": "#e7298a",
    "Sea": "#1b9e77",
    "Air": "#66a61e",
    "Other": "#999999",
}
MAP_WIDTH, MAP_HEIGHT = 720, 340


def country_outlines() -> dict[str, Any]:
    """The bundled country outlines as a GeoJSON FeatureCollection."""
    text = resources.files("engine.studies").joinpath("data/countries.geojson").read_text(encoding="utf-8")
    collection: dict[str, Any] = json.loads(text)
    return collection


def _corridor_scale() -> alt.Scale:
    return alt.Scale(domain=list(CORRIDOR_COLOURS), range=list(CORRIDOR_COLOURS.values()))


def _first_week(frame: pl.DataFrame) -> pl.DataFrame:
    """Routed rows of each query, with repeats of an earlier week left out (they are the same routes)."""
    return frame.filter(pl.col("route_rank").is_not_null() & (pl.col("shifted_weeks") == 0))


def map_chart(frame: pl.DataFrame, network: Network, scenario: str) -> alt.LayerChart | alt.FacetChart:
    """Country outlines, the network's links, and ``scenario``'s distinct rank-1 routes coloured by corridor."""
    outlines = alt.Data(values=country_outlines()["features"])
    projection = alt.Projection(type="mercator", center=[64, 42], scale=215)
    land = (
        alt.Chart(outlines)
        .mark_geoshape(fill="#f2efe9", stroke="#b5b0a8", strokeWidth=0.5)
        .project(**projection.to_dict())
    )
    links = []
    seen: set[tuple[str, str]] = set()
    for link in network.links.values():
        a, b = network.nodes[link.from_id], network.nodes[link.to_id]
        key = (min(a.id, b.id), max(a.id, b.id))
        if key in seen:
            continue
        seen.add(key)
        links.append({"lon": a.lon, "lat": a.lat, "lon2": b.lon, "lat2": b.lat, "mode": link.mode.value})
    network_layer = (
        alt.Chart(alt.Data(values=links))
        .mark_rule(color="#c9c9c9", strokeWidth=0.6)
        .encode(longitude="lon:Q", latitude="lat:Q", longitude2="lon2:Q", latitude2="lat2:Q")
        .project(**projection.to_dict())
    )
    routes = (
        _first_week(frame)
        .filter((pl.col("scenario") == scenario) & (pl.col("route_rank") == 1))
        .unique(subset=["origin", "destination", "countries", "path_lon", "path_lat"], maintain_order=True)
    )
    points = []
    for number, row in enumerate(routes.iter_rows(named=True)):
        for order, (lon, lat) in enumerate(zip(row["path_lon"], row["path_lat"], strict=True)):
            points.append(
                {
                    "route": number,
                    "order": order,
                    "lon": lon,
                    "lat": lat,
                    "corridor": row["corridor"],
                    "od": f"{row['origin']} → {row['destination']}",
                }
            )
    route_layer = (
        alt.Chart(alt.Data(values=points))
        .mark_line(strokeWidth=2, opacity=0.8)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            detail="route:N",
            order="order:Q",
            color=alt.Color("corridor:N", scale=_corridor_scale()),
            tooltip=["od:N", "corridor:N"],
        )
        .project(**projection.to_dict())
    )
    return alt.layer(land, network_layer, route_layer).properties(
        width=MAP_WIDTH, height=MAP_HEIGHT, title=f"{scenario}: rank-1 routes"
    )


def pareto_chart(frame: pl.DataFrame) -> alt.FacetChart:
    """Cost against transit days of every route, one panel per OD pair, coloured by scenario."""
    data = _first_week(frame).select(
        (pl.col("origin") + " → " + pl.col("destination")).alias("od"),
        "scenario",
        "corridor",
        "cost_usd",
        "transit_days",
        pl.col("ready").dt.strftime("%Y-%m-%d %H:%M").alias("ready"),
    )
    return (
        alt.Chart(alt.Data(values=data.to_dicts()))
        .mark_point(filled=True, size=40, opacity=0.7)
        .encode(
            x=alt.X("transit_days:Q", title="transit days"),
            y=alt.Y("cost_usd:Q", title="cost (USD)"),
            color=alt.Color("scenario:N"),
            shape=alt.Shape("corridor:N"),
            tooltip=["scenario:N", "corridor:N", "ready:N", "cost_usd:Q", "transit_days:Q"],
        )
        .properties(width=200, height=150)
        .facet(facet=alt.Facet("od:N", title=None), columns=4)
        .properties(title="Pareto routes: cost against transit days, per OD pair")
    )


def shares_chart(frame: pl.DataFrame) -> alt.Chart:
    """Share of queries whose rank-1 route takes each corridor, per scenario."""
    shares = corridor_shares(frame)
    order = frame.select("scenario").unique(maintain_order=True)["scenario"].to_list()
    return (
        alt.Chart(alt.Data(values=shares.to_dicts()))
        .mark_bar()
        .encode(
            y=alt.Y("scenario:N", sort=order, title=None),
            x=alt.X("share:Q", stack="normalize", title="share of queries (rank-1 route)", axis=alt.Axis(format="%")),
            color=alt.Color("corridor:N", scale=_corridor_scale()),
            tooltip=["scenario:N", "corridor:N", "queries:Q", alt.Tooltip("share:Q", format=".0%")],
        )
        .properties(width=520, height=30 * len(order), title="Corridor share by scenario")
    )


def transit_chart(frame: pl.DataFrame) -> alt.Chart:
    """Distribution of transit days of rank-1 routes per corridor, every week counted."""
    data = frame.filter(pl.col("route_rank") == 1).select("scenario", "corridor", "transit_days")
    return (
        alt.Chart(alt.Data(values=data.to_dicts()))
        .mark_boxplot(extent="min-max")
        .encode(
            x=alt.X("corridor:N", title=None),
            y=alt.Y("transit_days:Q", title="transit days"),
            color=alt.Color("corridor:N", scale=_corridor_scale(), legend=None),
            column=alt.Column("scenario:N", title=None),
        )
        .properties(width=110, height=220, title="Transit days of rank-1 routes per corridor")
    )


def _table(frame: pl.DataFrame, caption: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.iter_rows():
        cells = "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{''.join(body)}</table>"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def write_report(frame: pl.DataFrame, network: Network, out: str | Path) -> list[Path]:
    """Write the HTML report of a study frame to ``out`` and one PNG per chart beside it.

    Returns
    -------
    list[pathlib.Path]
        The HTML file first, then the PNGs (``<stem>-<chart>.png``).
    """
    import vl_convert as vlc

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scenarios = frame.select("scenario").unique(maintain_order=True)["scenario"].to_list()
    charts: dict[str, Any] = {f"map-{name}": map_chart(frame, network, name) for name in scenarios}
    charts["pareto"] = pareto_chart(frame)
    charts["shares"] = shares_chart(frame)
    charts["transit"] = transit_chart(frame)
    specs = {name: chart.to_dict() for name, chart in charts.items()}

    written = [out]
    for name, spec in specs.items():
        png = out.with_name(f"{out.stem}-{name}.png")
        png.write_bytes(vlc.vegalite_to_png(spec, scale=1))
        written.append(png)

    comparison = comparison_frame(frame).filter(pl.col("ready") == pl.col("ready").min().over("scenario"))
    tables = _table(comparison_summary(frame), "Per scenario: mean change against the baseline") + _table(
        comparison.select(
            "scenario",
            "origin",
            "destination",
            "corridor",
            "baseline_corridor",
            "delta_cost_usd",
            "delta_transit_days",
            "delta_co2e_kg",
            "change",
        ),
        "Per OD pair, first ready time: best values of the scenario minus the baseline's",
    )
    divs = "".join(f'<div class="chart" id="{name}"></div>' for name in specs)
    script = vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;").replace("</script", "<\\/script")
    calls = "".join(
        f"vegaEmbed({json.dumps('#' + name)}, {json.dumps(spec)}, {{actions: false, renderer: 'svg'}});"
        for name, spec in specs.items()
    ).replace("</", "<\\/")
    title = html.escape(f"Study report — {', '.join(scenarios)}")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} .chart{{margin:1em 0}}
table{{border-collapse:collapse;margin:1em 0;font-size:0.85em}} td,th{{border:1px solid #ccc;padding:2px 6px}}
caption{{text-align:left;font-weight:bold}}</style>
<script>{script}</script></head>
<body><h1>{title}</h1><p>Network {html.escape(network.label)}; {frame.height} route rows.</p>
{divs}{tables}
<script>{calls}</script></body></html>
"""
    out.write_text(page, encoding="utf-8")
    return written
