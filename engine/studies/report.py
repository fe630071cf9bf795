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
from engine.routing import RouteResult
from engine.studies.compare import comparison_frame, comparison_summary, corridor_shares
from engine.studies.frame import routes_frame
from engine.studies.geometry import LinkLines

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


def _projection() -> dict[str, Any]:
    return dict(alt.Projection(type="mercator", center=[64, 42], scale=215).to_dict())


def _land_layer() -> alt.Chart:
    outlines = alt.Data(values=country_outlines()["features"])
    return alt.Chart(outlines).mark_geoshape(fill="#f2efe9", stroke="#b5b0a8", strokeWidth=0.5).project(**_projection())


def _network_layer(network: Network, lines: LinkLines) -> alt.Chart:
    """Every link once (either direction), on its recorded line where it has one."""
    points = []
    seen: set[tuple[str, str]] = set()
    for link in network.links.values():
        a, b = network.nodes[link.from_id], network.nodes[link.to_id]
        key = (min(a.id, b.id), max(a.id, b.id))
        if key in seen:
            continue
        seen.add(key)
        for order, (lon, lat) in enumerate(lines.step((a.lon, a.lat), (b.lon, b.lat))):
            points.append({"link": link.id, "order": order, "lon": lon, "lat": lat})
    return (
        alt.Chart(alt.Data(values=points))
        .mark_line(color="#c9c9c9", strokeWidth=0.6)
        .encode(longitude="lon:Q", latitude="lat:Q", detail="link:N", order="order:Q")
        .project(**_projection())
    )


def utilisation_layer(network: Network, lines: LinkLines, utilisation: pl.DataFrame) -> alt.Chart:
    """Links coloured (and widened) by utilisation, 0 to 1 and over: the capacity-aware study's flows."""
    points = []
    for row in utilisation.iter_rows(named=True):
        link = network.links.get(row["link_id"])
        share = row["utilisation"]
        if link is None or share is None or not share > 0:
            continue
        a, b = network.nodes[link.from_id], network.nodes[link.to_id]
        for order, (lon, lat) in enumerate(lines.step((a.lon, a.lat), (b.lon, b.lat))):
            points.append(
                {"link": link.id, "order": order, "lon": lon, "lat": lat, "utilisation": min(float(share), 1.5)}
            )
    return (
        alt.Chart(alt.Data(values=points))
        .mark_line(opacity=0.85)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            detail="link:N",
            order="order:Q",
            color=alt.Color(
                "utilisation:Q",
                scale=alt.Scale(scheme="yelloworangered", domain=[0, 1], clamp=True),
                title="link utilisation",
            ),
            size=alt.Size("utilisation:Q", scale=alt.Scale(domain=[0, 1], range=[1, 5], clamp=True), legend=None),
            tooltip=["link:N", alt.Tooltip("utilisation:Q", format=".0%")],
        )
        .project(**_projection())
    )


def _route_layer(points: list[dict[str, Any]], colour: str = "corridor") -> alt.Chart:
    scale = _corridor_scale() if colour == "corridor" else alt.Undefined
    return (
        alt.Chart(alt.Data(values=points))
        .mark_line(strokeWidth=2.5, opacity=0.85)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            detail="route:N",
            order="order:Q",
            color=alt.Color(f"{colour}:N", scale=scale),
            tooltip=["od:N", "route:N", "corridor:N"],
        )
        .project(**_projection())
    )


def _route_points(routes: pl.DataFrame, lines: LinkLines, label: str = "number") -> list[dict[str, Any]]:
    points = []
    for number, row in enumerate(routes.iter_rows(named=True), start=1):
        name = f"route {row['route_rank']}" if label == "rank" else str(number)
        for order, (lon, lat) in enumerate(lines.path(row["path_lon"], row["path_lat"])):
            points.append(
                {
                    "route": name,
                    "order": order,
                    "lon": lon,
                    "lat": lat,
                    "corridor": row["corridor"],
                    "od": f"{row['origin']} → {row['destination']}",
                }
            )
    return points


def map_chart(
    frame: pl.DataFrame, network: Network, scenario: str, utilisation: pl.DataFrame | None = None
) -> alt.LayerChart | alt.FacetChart:
    """Country outlines, the network's links (by utilisation when ``utilisation`` has rows for ``scenario``), and
    ``scenario``'s distinct rank-1 routes coloured by corridor, each step on its link's recorded line if any."""
    lines = LinkLines(network)
    routes = (
        _first_week(frame)
        .filter((pl.col("scenario") == scenario) & (pl.col("route_rank") == 1))
        .unique(subset=["origin", "destination", "countries", "path_lon", "path_lat"], maintain_order=True)
    )
    layers: list[Any] = [_land_layer(), _network_layer(network, lines)]
    title = f"{scenario}: rank-1 routes"
    if utilisation is not None:
        mine = utilisation_of(utilisation, scenario)
        if mine.height:
            layers.append(utilisation_layer(network, lines, mine))
            title += " and link utilisation"
    layers.append(_route_layer(_route_points(routes, lines)))
    return (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(width=MAP_WIDTH, height=MAP_HEIGHT, title=title)
    )


def utilisation_of(utilisation: pl.DataFrame, scenario: str) -> pl.DataFrame:
    """One scenario's rows of a utilisation frame (all rows when it has no ``scenario`` column), as columns
    ``link_id`` and ``utilisation`` (the highest over its rows per link).

    Accepted columns: a link id (``link_id`` or ``link``, or ``id`` with ``element`` = ``link`` as
    ``corridor study run --assign`` writes it), a utilisation share (``utilisation``, flow ÷ capacity, or
    ``utilisation_share``), optionally ``scenario``.
    """
    frame = utilisation
    if "scenario" in frame.columns:
        frame = frame.filter(pl.col("scenario") == scenario)
    if "element" in frame.columns and "id" in frame.columns and "link_id" not in frame.columns:
        frame = frame.filter(pl.col("element") == "link").rename({"id": "link_id"})
    link = next((c for c in ("link_id", "link") if c in frame.columns), None)
    share = next((c for c in ("utilisation", "utilisation_share") if c in frame.columns), None)
    if link is None or share is None:
        found = ", ".join(utilisation.columns)
        message = f"a utilisation frame needs a link_id and a utilisation column, got {found}"
        raise ValueError(message)
    return (
        frame.select(pl.col(link).cast(pl.String).alias("link_id"), pl.col(share).cast(pl.Float64).alias("utilisation"))
        .group_by("link_id", maintain_order=True)
        .agg(pl.col("utilisation").max())
    )


def route_map_chart(frame: pl.DataFrame, network: Network, title: str) -> alt.LayerChart | alt.FacetChart:
    """Every route of one query (a :func:`engine.studies.routes_frame` frame), coloured by rank."""
    lines = LinkLines(network)
    routes = frame.filter(pl.col("route_rank").is_not_null()).sort("route_rank")
    layers = [
        _land_layer(),
        _network_layer(network, lines),
        _route_layer(_route_points(routes, lines, "rank"), "route"),
    ]
    return alt.layer(*layers).properties(width=MAP_WIDTH, height=MAP_HEIGHT, title=title)


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
            tooltip=[
                "scenario:N",
                "corridor:N",
                "queries:Q",
                alt.Tooltip("share:Q", format=".0%"),
                alt.Tooltip("unknown:Q", title="queries stopped (not in the shares)"),
            ],
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


def write_report(
    frame: pl.DataFrame, network: Network, out: str | Path, utilisation: pl.DataFrame | None = None
) -> list[Path]:
    """Write the HTML report of a study frame to ``out`` and one PNG per chart beside it.

    Parameters
    ----------
    utilisation
        Link utilisation of a capacity-aware study (``study run --assign``): see :func:`utilisation_of` for the
        columns. Each scenario's map then colours links by utilisation.

    Returns
    -------
    list[pathlib.Path]
        The HTML file first, then the PNGs (``<stem>-<chart>.png``).
    """
    out = Path(out)
    scenarios = frame.select("scenario").unique(maintain_order=True)["scenario"].to_list()
    charts: dict[str, Any] = {f"map-{name}": map_chart(frame, network, name, utilisation) for name in scenarios}
    charts["pareto"] = pareto_chart(frame)
    charts["shares"] = shares_chart(frame)
    charts["transit"] = transit_chart(frame)
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
    title = f"Study report — {', '.join(scenarios)}"
    intro = f"Network {network.label}; {frame.height} route rows."
    stopped = frame.filter(pl.col("search_stopped").is_not_null()) if "search_stopped" in frame.columns else None
    if stopped is not None and stopped.height:
        intro += (
            f" {stopped.height} queries have no answer: their search stopped before it finished (e.g. "
            f"{stopped['origin'][0]} → {stopped['destination'][0]}: {stopped['search_stopped'][0]}); the comparison "
            "counts them as unknown."
        )
    return write_page(charts, title, intro, out, tables=tables, pngs=True)


def write_page(
    charts: dict[str, Any], title: str, intro: str, out: Path, *, tables: str = "", pngs: bool = False
) -> list[Path]:
    """One self-contained HTML page of Altair charts (Vega code and data inline, nothing loaded from the
    network); with ``pngs`` also ``<stem>-<chart>.png`` beside it. Returns the files written, the page first."""
    import vl_convert as vlc

    out.parent.mkdir(parents=True, exist_ok=True)
    specs = {name: chart.to_dict() for name, chart in charts.items()}
    written = [out]
    if pngs:
        for name, spec in specs.items():
            png = out.with_name(f"{out.stem}-{name}.png")
            png.write_bytes(vlc.vegalite_to_png(spec, scale=1))
            written.append(png)
    divs = "".join(f'<div class="chart" id="{name}"></div>' for name in specs)
    script = vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;").replace("</script", "<\\/script")
    calls = "".join(
        f"vegaEmbed({json.dumps('#' + name)}, {json.dumps(spec)}, {{actions: false, renderer: 'svg'}});"
        for name, spec in specs.items()
    ).replace("</", "<\\/")
    heading = html.escape(title)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} .chart{{margin:1em 0}}
table{{border-collapse:collapse;margin:1em 0;font-size:0.85em}} td,th{{border:1px solid #ccc;padding:2px 6px}}
caption{{text-align:left;font-weight:bold}}</style>
<script>{script}</script></head>
<body><h1>{heading}</h1><p>{html.escape(intro)}</p>
{divs}{tables}
<script>{calls}</script></body></html>
"""
    out.write_text(page, encoding="utf-8")
    return written


def write_route_map(result: RouteResult, network: Network, out: str | Path) -> Path:
    """Draw one query's routes (every route returned, coloured by rank) as a self-contained HTML map."""
    frame = routes_frame([result])
    query = result.query
    title = f"{query.origin} → {query.destination}, ready {query.ready_utc:%Y-%m-%d %H:%M} UTC"
    lines = []
    for row in frame.filter(pl.col("route_rank").is_not_null()).iter_rows(named=True):
        lines.append(
            f"route {row['route_rank']}: {row['cost_usd']:,.0f} USD, {row['transit_days']:.1f} days, "
            f"{row['corridor']} corridor via {row['countries'].replace('|', '-')}"
        )
    intro = "; ".join(lines) if lines else f"No route: {result.explanation}"
    chart = route_map_chart(frame, network, title)
    return write_page({"route-map": chart}, title, intro, Path(out))[0]
