"""Capacity-aware studies: the demand assignment per scenario, with utilisation, binding capacities and savings.

A study file may carry an ``assign`` mapping; ``corridor study run STUDY.yaml --assign`` runs it (``--assign
DEMAND.csv`` names the demand without one)::

    assign:
      demand: demand.csv            # required: the OD matrix in TEU/week (engine/optimize/inputs.py), relative
      usd_per_teu_day: 20           # value of time (default 20, engine/optimize/values.py)
      unserved_usd_per_teu: 10000   # penalty per TEU/week left unserved (default 10,000)
      capacity_modes: [rail, ferry, sea]   # modes whose departures × capacity cap their links (this default)
      weeks_per_year: 52            # annualises the savings (default 52)
      gap: 1.0e-6                   # relative gap at which column generation stops
      margins: 10                   # binding capacities whose one-sided values are measured (default 0)

Every scenario network (baseline first) is assigned with the optimizer's front door
``assign_demand(network, AssignRequest(...))``, the same request each time, so the differences are the
scenario's. Three frames, every row naming the scenario and its content hash:

- **utilisation** — every link and terminal with flow or a capacity: flow, capacity, utilisation, binding, shadow
  price, and the baseline's figures with deltas (scenario − baseline) on the same element;
- **binding** — the capacities that bind in a scenario or in the baseline, with shadow prices in both and the delta,
  and, for each scenario's ``margins`` dearest, what one TEU/week more saves and one less costs there, the line it
  binds with and what expanding that line saves (measured by re-solving: :mod:`engine.optimize.margins`);
- **summary** — per scenario: generalized cost split into real cost, time value and unserved penalty (weekly and
  per year), served and unserved TEU, CO2e, and the saving against the baseline part by part
  (:func:`engine.optimize.saving_split`). Per-OD splits are reproducible (canonical order, least-CO2e tie-break).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from engine.optimize.values import FLOW_EPS, MARGIN_COLUMNS
from engine.studies.assign_spec import StudyAssign

if TYPE_CHECKING:
    from engine.optimize.assign import Assignment
    from engine.optimize.requests import AssignRequest
    from engine.studies.run import StudyNetworks


@dataclass(frozen=True, eq=False)
class StudyAssignment:
    """The assignment frames of a study (see the module docstring)."""

    utilisation: pl.DataFrame
    binding: pl.DataFrame
    summary: pl.DataFrame


def assign_request(spec: StudyAssign, demand: tuple[Any, ...]) -> AssignRequest:
    """The request every scenario is assigned with."""
    from engine.optimize import AssignRequest  # OR-Tools is loaded only when a study assigns

    return AssignRequest(
        demand,
        usd_per_teu_day=spec.usd_per_teu_day,
        unserved_usd_per_teu=spec.unserved_usd_per_teu,
        capacity_modes=spec.capacity_modes,
        weeks_per_year=spec.weeks_per_year,
        gap=spec.gap,
        margins=spec.margins,
    )


def assign_study(
    spec: StudyAssign,
    networks: StudyNetworks,
    *,
    demand_file: Path | None = None,
    on_scenario: Callable[[str], None] | None = None,
) -> StudyAssignment:
    """Assign the study's demand on every scenario network (baseline first) and compare with the baseline.

    Parameters
    ----------
    spec
        The study's ``assign`` field.
    networks
        The scenario networks (:func:`engine.studies.run.study_networks`).
    demand_file
        Replaces ``spec.demand`` (the CLI's ``--assign DEMAND.csv``).
    on_scenario
        Called with each scenario's name before it is assigned (progress).

    Raises
    ------
    InputFileError
        A bad demand file, at its file and line.
    InvalidRequest
        Demand the network cannot take (an unknown or avoided node), naming the field.
    """
    from engine.optimize import assign_demand, read_demand_csv

    baseline_network = networks.by_scenario[networks.baseline]
    demand = read_demand_csv(demand_file or spec.demand, baseline_network)
    request = assign_request(spec, demand)
    results: dict[str, Assignment] = {}
    for name, network in networks.by_scenario.items():
        if on_scenario is not None:
            on_scenario(name)
        results[name] = assign_demand(network, request)
    return compare_assignments(results, networks)


def compare_assignments(results: dict[str, Assignment], networks: StudyNetworks) -> StudyAssignment:
    """The utilisation, binding and summary frames of assignments keyed by scenario (baseline included)."""
    from engine.optimize import saving_split

    base_name = networks.baseline
    base_elements = (
        _elements(results[base_name])
        .select("element", "id", *MEASURES)
        .rename({name: f"baseline_{name}" for name in MEASURES})
    )
    frames = []
    for order, (name, result) in enumerate(results.items()):
        joined = _elements(result).join(base_elements, on=["element", "id"], how="full", coalesce=True)
        margins = result.shadow_prices.select("element", "id", *MARGIN_COLUMNS)
        joined = joined.join(margins, on=["element", "id"], how="left")
        frames.append(
            joined.with_columns(
                pl.lit(name).alias("scenario"),
                pl.lit(networks.hash_of(name)).alias("scenario_hash"),
                pl.lit(name == base_name).alias("baseline"),
                pl.lit(order).alias("scenario_order"),
            )
        )
    both = pl.concat(frames, how="diagonal_relaxed")
    both = both.with_columns(
        pl.col("flow_teu_per_week").fill_null(0.0),
        pl.col("baseline_flow_teu_per_week").fill_null(0.0),
        pl.col("binding").fill_null(False),
        pl.col("baseline_binding").fill_null(False),
        pl.col("shadow_price_usd_per_teu").fill_null(0.0),
        pl.col("baseline_shadow_price_usd_per_teu").fill_null(0.0),
    ).with_columns(
        (pl.col("flow_teu_per_week") - pl.col("baseline_flow_teu_per_week")).alias("delta_flow_teu_per_week"),
        (pl.col("utilisation") - pl.col("baseline_utilisation")).alias("delta_utilisation"),
        (pl.col("shadow_price_usd_per_teu") - pl.col("baseline_shadow_price_usd_per_teu")).alias(
            "delta_shadow_price_usd_per_teu"
        ),
    )
    keep = (
        (pl.col("flow_teu_per_week") > FLOW_EPS)
        | (pl.col("baseline_flow_teu_per_week") > FLOW_EPS)
        | pl.col("capacity_teu_per_week").is_not_null()
        | pl.col("baseline_capacity_teu_per_week").is_not_null()
    )
    utilisation = both.filter(keep).sort("scenario_order", "element", "id").select(UTILISATION_COLUMNS)
    binding = (
        both.filter(pl.col("binding") | pl.col("baseline_binding"))
        .sort(["scenario_order", "shadow_price_usd_per_teu", "element", "id"], descending=[False, True, False, False])
        .select(BINDING_COLUMNS)
    )
    base = results[base_name]
    rows = []
    for name, result in results.items():
        rows.append(
            {
                "scenario": name,
                "scenario_hash": networks.hash_of(name),
                "baseline": name == base_name,
                "status": result.status,
                "served_teu_per_week": result.served_teu_per_week,
                "unserved_teu_per_week": result.unserved_teu_per_week,
                "teu_hours_per_week": result.teu_hours_per_week,
                "co2e_kg_per_week": result.co2e_kg_per_week,
                "binding_capacities": result.shadow_prices.height,
                **result.cost_split(),
                **saving_split(base, result),
            }
        )
    return StudyAssignment(utilisation=utilisation, binding=binding, summary=pl.DataFrame(rows))


MEASURES = ("flow_teu_per_week", "capacity_teu_per_week", "utilisation", "binding", "shadow_price_usd_per_teu")
UTILISATION_COLUMNS = (
    "scenario",
    "scenario_hash",
    "baseline",
    "element",
    "id",
    "from_id",
    "to_id",
    "mode",
    "service_id",
    "capacity_basis",
    *MEASURES,
    *(f"baseline_{m}" for m in MEASURES),
    "delta_flow_teu_per_week",
    "delta_utilisation",
    "delta_shadow_price_usd_per_teu",
)
BINDING_COLUMNS = (
    "scenario",
    "scenario_hash",
    "baseline",
    "element",
    "id",
    "service_id",
    "capacity_teu_per_week",
    "flow_teu_per_week",
    "binding",
    "shadow_price_usd_per_teu",
    "baseline_capacity_teu_per_week",
    "baseline_flow_teu_per_week",
    "baseline_binding",
    "baseline_shadow_price_usd_per_teu",
    "delta_shadow_price_usd_per_teu",
    *MARGIN_COLUMNS,  # the scenario's measured margins (assign.margins), null where not measured
)


def _elements(result: Assignment) -> pl.DataFrame:
    """Links and terminals of one assignment in one frame (a terminal's flow is the TEU lifted there)."""
    links = result.links.select(
        pl.lit("link").alias("element"),
        pl.col("link_id").alias("id"),
        "from_id",
        "to_id",
        "mode",
        "service_id",
        "capacity_basis",
        *MEASURES,
    )
    nodes = result.nodes.select(
        pl.lit("node").alias("element"),
        pl.col("node_id").alias("id"),
        pl.lit(None, pl.String).alias("from_id"),
        pl.lit(None, pl.String).alias("to_id"),
        pl.lit(None, pl.String).alias("mode"),
        pl.lit(None, pl.String).alias("service_id"),
        pl.lit(None, pl.String).alias("capacity_basis"),
        pl.col("lift_teu_per_week").alias("flow_teu_per_week"),
        *MEASURES[1:],
    )
    return pl.concat([links, nodes])
