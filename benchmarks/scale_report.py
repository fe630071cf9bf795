"""The scale benchmark's table (``scale.md``) and chart (``scale.png``, Altair rendered by vl-convert, offline)."""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import vl_convert

TITLE = "Scale curves (benchmarks/results/scale.md; a query that did not finish counts at its budget)"
SERIES = (
    ("PARETO p50 (engine)", lambda p: p["pareto"]["p50_ms"]),
    ("CHEAPEST cold p50", lambda p: p["cheapest_cold"]["p50_ms"]),
    ("CHEAPEST warm p50", lambda p: p["cheapest_warm"]["p50_ms"]),
    ("networkx Dijkstra p50", lambda p: p["networkx_dijkstra"]["p50_ms"]),
    ("scipy Dijkstra p50", lambda p: p["scipy_csgraph_dijkstra"]["p50_ms"]),
    ("lower bounds, new destination", lambda p: p["lower_bounds_new_destination"]["time_ms"]),
    ("Martins p50", lambda p: p["martins"]["p50_ms"]),
    ("load (ms)", lambda p: p["load_s"] * 1000),
)


def chart_png(points: list[dict[str, Any]]) -> bytes:
    """A log-log chart of time (ms) against nodes, one line per series; sizes that did not run are left out."""
    rows = []
    for p in points:
        for name, value in SERIES:
            try:
                v = value(p)
            except KeyError:  # stopped before this stage
                continue
            if v is not None and not math.isnan(v) and v > 0:
                rows.append({"nodes": p["nodes"], "series": name, "ms": v})
    chart = (
        alt.Chart(alt.Data(values=rows), title=TITLE)
        .mark_line(point=True)
        .encode(
            x=alt.X("nodes:Q", scale=alt.Scale(type="log"), title="nodes"),
            y=alt.Y("ms:Q", scale=alt.Scale(type="log"), title="milliseconds (log)"),
            color=alt.Color("series:N", title=None),
        )
        .properties(width=560, height=360)
    )
    return bytes(vl_convert.vegalite_to_png(chart.to_json(), scale=1))


def _ms(summary: dict[str, Any] | None) -> str:
    if not summary or not summary.get("queries"):
        return "–"
    text = f"{summary['p50_ms']:.2f} / {summary['p95_ms']:.2f}"
    if summary.get("did_not_finish"):  # counted at the budget: the percentiles are lower bounds
        memory = summary.get("stopped_at_memory_budget")
        why = f", {memory} of them at the search's memory budget" if memory else ""
        return (
            f"≥ {text} ({summary['did_not_finish']} of {summary['queries']} DNF in {summary['censored_at_s']:g} s{why})"
        )
    return text


def markdown(result: dict[str, Any]) -> str:
    """The table of every size, the targets and how the run was made."""
    m = result["machine"]
    header = (
        "| size | nodes | links | generate s | load s | peak RSS MiB | CHEAPEST cold p50/p95 ms | CHEAPEST warm "
        "p50/p95 ms | networkx p50/p95 ms | scipy p50/p95 ms | bounds new dest ms | bounds peak MiB | PARETO "
        "p50/p95 ms | Martins p50/p95 ms | Martins ÷ engine |"
    )
    lines = [
        "# Scale benchmark",
        "",
        f"Shipped network and synthetic networks (`benchmarks/synthetic.py`, seed {result['seed']}), each measured "
        f"in its own process (`benchmarks/scale_worker.py`). Run {m['when_utc']} on {m['cpu']} ({m['cores']} cores, "
        f"{m['memory_gib']} GiB), Python {m['python']}, commit {m['git_commit']}. Produced by "
        "`make bench BENCH=scale`. DNF = stopped at the per-query budget; PARETO starts no new query after the "
        "stage budget. Chart: `scale.png`.",
        "",
        header,
        "|" + "---|" * (header.count("|") - 1),
    ]
    for p in result["points"]:
        if "nodes" not in p:
            why = f"did not finish in {p['did_not_finish_s']} s" if "did_not_finish_s" in p else p.get("failed", "")
            lines.append(f"| {p['size']} | {why} |" + " |" * (header.count("|") - 3))
            continue
        b = p.get("lower_bounds_new_destination", {})
        m = p.get("martins", {})
        ratio = m.get("martins_over_engine_median")
        size = p["size"] + (f" (stopped at {p['did_not_finish_s']} s)" if "did_not_finish_s" in p else "")
        lines.append(
            f"| {size} | {p['nodes']:,} | {p['links']:,} | {p['generate_s'] or '–'} | {p['load_s']:.2f} | "
            f"{p['peak_rss_mib']:.0f} | {_ms(p.get('cheapest_cold'))} | {_ms(p.get('cheapest_warm'))} | "
            f"{_ms(p.get('networkx_dijkstra'))} | {_ms(p.get('scipy_csgraph_dijkstra'))} | "
            f"{b.get('time_ms', '–')} | {b.get('tracemalloc_peak_mib', '–')} | {_ms(p.get('pareto'))} | "
            f"{_ms(m)} | {'≥ ' if m.get('ratio_is_lower_bound') else ''}{ratio or '–'} |"
        )
    fronts = [
        f"{p['size']}: {a['pareto_size_median']:,.0f} routes, {a['labels_settled_median']:,.0f} labels settled"
        for p in result["points"]
        if (a := p.get("pareto")) and a.get("pareto_size_median") is not None and a.get("labels_settled_median")
    ]
    if fronts:
        lines += ["", "PARETO medians over the queries that finished, Pareto set size and labels settled: "
                  + "; ".join(fronts) + "."]  # fmt: skip
    tolerant = [
        f"{p['size']}: p50/p95 {_ms(a)} ms, {a['pareto_size_median']:,.0f} routes, "
        f"{a['labels_settled_median']:,.0f} labels settled (medians of those that finished)"
        for p in result["points"]
        if (a := p.get("pareto_tolerant")) and a.get("pareto_size_median") is not None
    ]
    if tolerant:
        epsilon = next(p["pareto_tolerant"]["pareto_tolerance"] for p in result["points"] if p.get("pareto_tolerant"))
        lines += ["", f"ε-Pareto sets (`pareto_tolerance` {epsilon}: for every Pareto route one within {epsilon:.0%} "
                  "on each criterion; the same queries, run after the exact ones, so their bounds and arrival "
                  "profiles are cached; not a target): " + "; ".join(tolerant) + "."]  # fmt: skip
    rss = [
        f"{p['size']}: {by.get('bounds', '–')} MiB through CHEAPEST and bounds, "
        f"{by.get('pareto', '–')} MiB after PARETO"
        for p in result["points"]
        if (by := p.get("peak_rss_mib_by_stage"))
    ]
    if rss:
        heading = "Peak RSS so far after the stages (the table's figure is the whole process): "
        lines += ["", heading + "; ".join(rss) + "."]
    profiles = [
        f"{p['size']}: {a['time_ms']:.0f} ms, {a['tracemalloc_peak_mib']} MiB traced"
        for p in result["points"]
        if (a := p.get("arrival_profile_new_destination"))
    ]
    if profiles:
        lines += [
            "",
            "Arrival profile for a new destination (PARETO searches on networks of 4,000 links or more, on top of "
            "the bounds; `engine/routing/arrival_profile.py`): " + "; ".join(profiles) + ".",
        ]
    lines += [
        "",
        "Targets (issue 13): "
        + ", ".join(
            f"{k}: {'met' if v else 'NOT met' if v is not None else 'not run'}" for k, v in result["targets"].items()
        ),
        "",
    ]
    return "\n".join(lines)
