"""Comparing scenarios with the baseline: per-query deltas and corridor shares, from a study frame.

Per query (scenario, origin, destination, ready) the comparison takes the best value *among the routes returned*
on each criterion — least cost, fewest transit days, least CO2e — so it does not depend on which route the
objective ranked first; the corridor is the rank-1 route's. Deltas are scenario − baseline for the same origin,
destination and ready time; a query with a route in one and none in the other has null deltas and says so in
``change`` (``lost`` / ``gained``). A query whose search stopped before it finished (``search_stopped``) on either
side is ``unknown``: its answer is not known, so it is neither lost nor gained.
"""

from __future__ import annotations

import polars as pl

QUERY_KEY = ("origin", "destination", "ready")
CRITERIA = ("min_cost_usd", "min_transit_days", "min_co2e_kg")


def query_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per (scenario, origin, destination, ready): best values among its routes, rank-1 corridor, and
    whether its search ``stopped`` before it finished."""
    routed = frame.filter(pl.col("route_rank").is_not_null())
    best = routed.group_by("scenario", *QUERY_KEY).agg(
        pl.col("cost_usd").min().alias("min_cost_usd"),
        pl.col("transit_days").min().alias("min_transit_days"),
        pl.col("co2e_kg").min().alias("min_co2e_kg"),
        pl.col("corridor").sort_by("route_rank").first().alias("corridor"),
        pl.len().alias("routes"),
    )
    # Frames written before the column existed have no stopped searches.
    stopped = pl.col("search_stopped").is_not_null() if "search_stopped" in frame.columns else pl.lit(False)
    queries = frame.group_by("scenario", "baseline", *QUERY_KEY).agg(stopped.any().alias("stopped"))
    return queries.join(best, on=["scenario", *QUERY_KEY], how="left").with_columns(pl.col("routes").fill_null(0))


def comparison_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every non-baseline query next to the baseline's for the same OD and ready time, with deltas.

    Returns
    -------
    polars.DataFrame
        Columns: scenario, origin, destination, ready, the scenario's ``min_cost_usd``, ``min_transit_days``,
        ``min_co2e_kg`` and ``corridor``, the baseline's (``baseline_`` prefix), ``delta_cost_usd``,
        ``delta_transit_days``, ``delta_co2e_kg``, ``corridor_changed`` and ``change`` (``same``, ``changed``,
        ``lost``, ``gained``, ``none``, or ``unknown`` when either search stopped before it finished). Sorted by
        scenario (study order), origin, destination, ready.
    """
    summary = query_summary(frame)
    base = summary.filter(pl.col("baseline")).drop("scenario", "baseline", "routes")
    base = base.rename({name: f"baseline_{name}" for name in (*CRITERIA, "corridor", "stopped")})
    others = summary.filter(~pl.col("baseline")).drop("baseline")
    joined = others.join(base, on=list(QUERY_KEY), how="left")
    deltas = joined.with_columns(
        (pl.col("min_cost_usd") - pl.col("baseline_min_cost_usd")).alias("delta_cost_usd"),
        (pl.col("min_transit_days") - pl.col("baseline_min_transit_days")).alias("delta_transit_days"),
        (pl.col("min_co2e_kg") - pl.col("baseline_min_co2e_kg")).alias("delta_co2e_kg"),
        (pl.col("corridor") != pl.col("baseline_corridor")).alias("corridor_changed"),
        pl.when(pl.col("stopped") | pl.col("baseline_stopped").fill_null(False))
        .then(pl.lit("unknown"))
        .when(pl.col("corridor").is_null() & pl.col("baseline_corridor").is_null())
        .then(pl.lit("none"))
        .when(pl.col("corridor").is_null())
        .then(pl.lit("lost"))
        .when(pl.col("baseline_corridor").is_null())
        .then(pl.lit("gained"))
        .when(
            (pl.col("min_cost_usd") == pl.col("baseline_min_cost_usd"))
            & (pl.col("min_transit_days") == pl.col("baseline_min_transit_days"))
            & (pl.col("min_co2e_kg") == pl.col("baseline_min_co2e_kg"))
            & (pl.col("corridor") == pl.col("baseline_corridor"))
        )
        .then(pl.lit("same"))
        .otherwise(pl.lit("changed"))
        .alias("change"),
    )
    return _in_study_order(deltas, frame).drop("routes", "stopped", "baseline_stopped")


def comparison_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Per scenario: mean deltas over the queries routed in both, and how many queries changed, were lost, gained,
    or are unknown (a search stopped before it finished)."""
    comparison = comparison_frame(frame)
    return comparison.group_by("scenario", maintain_order=True).agg(
        pl.len().alias("queries"),
        pl.col("delta_cost_usd").mean().alias("mean_delta_cost_usd"),
        pl.col("delta_transit_days").mean().alias("mean_delta_transit_days"),
        pl.col("delta_co2e_kg").mean().alias("mean_delta_co2e_kg"),
        (pl.col("change") == "changed").sum().alias("changed"),
        (pl.col("change") == "lost").sum().alias("lost"),
        (pl.col("change") == "gained").sum().alias("gained"),
        (pl.col("change") == "unknown").sum().alias("unknown"),
        pl.col("corridor_changed").fill_null(False).sum().alias("corridor_changed"),
    )


def corridor_shares(frame: pl.DataFrame) -> pl.DataFrame:
    """Share of each scenario's routed queries whose rank-1 route takes each corridor.

    Returns
    -------
    polars.DataFrame
        Columns: scenario, corridor, queries (count), share (0–1 of the scenario's queries with a route), and
        ``unknown``: how many of the scenario's queries have no known answer because their search stopped before
        it finished (the same on each of its rows). Those are not among the shares, so a scenario with many of them
        has shares of only part of its queries: read ``unknown`` beside them. A scenario with no routed query at
        all (every search stopped, or no route anywhere) is one row with a null corridor and share and 0 queries,
        so that no scenario goes missing. Sorted by scenario (study order), then corridor (null last).
    """
    summary = query_summary(frame)
    scenarios = summary.group_by("scenario").agg(pl.col("stopped").sum().cast(pl.UInt32).alias("unknown"))
    routed = summary.filter(pl.col("corridor").is_not_null())
    counts = routed.group_by("scenario", "corridor").agg(pl.len().alias("queries"))
    shares = counts.with_columns((pl.col("queries") / pl.col("queries").sum().over("scenario")).alias("share"))
    shares = scenarios.join(shares, on="scenario", how="left").with_columns(pl.col("queries").fill_null(0))
    shares = shares.select("scenario", "corridor", "queries", "share", "unknown")
    return _in_study_order(shares.sort("corridor", nulls_last=True), frame, keys=("corridor",))


def _in_study_order(table: pl.DataFrame, frame: pl.DataFrame, keys: tuple[str, ...] = QUERY_KEY) -> pl.DataFrame:
    """Sort by the order scenarios first appear in ``frame`` (baseline first), then by ``keys``."""
    order = frame.select("scenario").unique(maintain_order=True).with_row_index("scenario_order")
    return (
        table.join(order, on="scenario", how="left")
        .sort("scenario_order", *keys, maintain_order=True)
        .drop("scenario_order")
    )
