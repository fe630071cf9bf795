"""The columns of each network table: which exist, which are required, which hold numbers that need a source.

This is the single description of the file format; ``graphs/<network>/README.md`` documents it for people and a
test checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSchema:
    """Columns of one CSV table."""

    file: str
    columns: tuple[str, ...]
    required_columns: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    has_provenance: bool = True


SPREAD_COLUMNS = (
    "border_exit_p10_h",
    "border_exit_p90_h",
    "border_entry_p10_h",
    "border_entry_p90_h",
    "handling_p10_h",
    "handling_p90_h",
    "port_queue_h",
    "port_queue_p10_h",
    "port_queue_p90_h",
)
"""The time model's spread columns of ``nodes.csv`` (hours): P10/P90 of each dwell, and the port queue's P10/P50/P90."""

NODES = TableSchema(
    file="nodes.csv",
    columns=(
        "id",
        "name",
        "aliases",
        "locode",
        "country",
        "lat",
        "lon",
        "kinds",
        "gauge_mm",
        "handling_h",
        "handling_usd_per_teu",
        "handling_usd_per_kg",
        "deconsolidation_h",
        "deconsolidation_usd_per_teu",
        "border_exit_h",
        "border_entry_h",
        "border_exit_usd_per_teu",
        "border_entry_usd_per_teu",
        "capacity_teu_per_week",
        "reefer_plugs",
        "sources",
        "notes",
        *SPREAD_COLUMNS,
        "handling_unit",
        "border_unit",
    ),
    required_columns=("id", "name", "country", "lat", "lon", "kinds", "sources"),
    numeric_columns=(
        "lat",
        "lon",
        "gauge_mm",
        "handling_h",
        "handling_usd_per_teu",
        "handling_usd_per_kg",
        "deconsolidation_h",
        "deconsolidation_usd_per_teu",
        "border_exit_h",
        "border_entry_h",
        "border_exit_usd_per_teu",
        "border_entry_usd_per_teu",
        "capacity_teu_per_week",
        *SPREAD_COLUMNS,
    ),
)

LINKS = TableSchema(
    file="links.csv",
    columns=(
        "id",
        "from",
        "to",
        "mode",
        "service",
        "load_unit",
        "gauge_mm",
        "distance_km",
        "run_h",
        "usd_per_teu",
        "usd_per_kg",
        "usd_per_truck",
        "teu_per_truck",
        "capacity_teu_per_week",
        "operator",
        "emission_class",
        "max_gross_kg_per_teu",
        "refused_cargo",
        "bidirectional",
        "sources",
        "notes",
        "reverse_fare",
    ),
    required_columns=(
        "id",
        "from",
        "to",
        "mode",
        "service",
        "distance_km",
        "run_h",
        "emission_class",
        "sources",
    ),
    numeric_columns=(
        "gauge_mm",
        "distance_km",
        "run_h",
        "usd_per_teu",
        "usd_per_kg",
        "usd_per_truck",
        "teu_per_truck",
        "capacity_teu_per_week",
        "max_gross_kg_per_teu",
        "reverse_fare",
    ),
)

SERVICES = TableSchema(
    file="services.csv",
    columns=(
        "id",
        "mode",
        "operator",
        "kind",
        "weekly_departures",
        "headway_h",
        "headway_anchor",
        "capacity_teu_per_departure",
        "capacity_kg_per_departure",
        "sources",
        "notes",
        "cancel_probability",
        "feu_factor",
    ),
    required_columns=("id", "mode", "kind", "sources"),
    numeric_columns=(
        "weekly_departures",
        "headway_h",
        "headway_anchor",
        "capacity_teu_per_departure",
        "capacity_kg_per_departure",
        "cancel_probability",
        "feu_factor",
    ),
)

EMISSION_FACTORS = TableSchema(
    file="emission_factors.csv",
    columns=("id", "mode", "description", "g_co2e_per_tkm_wtw", "sources", "notes", "g_co2e_per_tkm_ttw"),
    required_columns=("id", "mode", "description", "g_co2e_per_tkm_wtw", "sources"),
    numeric_columns=("g_co2e_per_tkm_wtw", "g_co2e_per_tkm_ttw"),
)

HUB_EMISSION_FACTORS = TableSchema(
    file="hub_emission_factors.csv",
    columns=("kind", "description", "kg_co2e_per_container_wtw", "sources", "notes"),
    required_columns=("kind", "description", "kg_co2e_per_container_wtw", "sources"),
    numeric_columns=("kg_co2e_per_container_wtw",),
)

SOURCES = TableSchema(
    file="sources.csv",
    columns=("key", "title", "publisher", "url", "year", "note"),
    required_columns=("key", "title", "url"),
    numeric_columns=(),
    has_provenance=False,
)

SURCHARGES = TableSchema(
    file="surcharges.csv",
    columns=(
        "id",
        "kind",
        "applies_to",
        "cargo_class",
        "usd",
        "unit",
        "valid_from",
        "valid_to",
        "sources",
        "notes",
    ),
    required_columns=("id", "kind", "applies_to", "usd", "unit", "sources"),
    numeric_columns=("usd",),
)

RATE_SERIES = TableSchema(
    file="rate_series.csv",
    columns=("service", "as_of", "value", "unit", "base", "sources", "notes"),
    required_columns=("service", "as_of", "value", "unit", "sources"),
    numeric_columns=("value",),
)

THROUGH_TARIFFS = TableSchema(
    file="through_tariffs.csv",
    columns=("id", "operator", "links", "usd_20ft", "usd_40ft", "sources", "notes"),
    required_columns=("id", "links", "sources"),
    numeric_columns=("usd_20ft", "usd_40ft"),
)

TABLES: tuple[TableSchema, ...] = (SOURCES, EMISSION_FACTORS, SERVICES, NODES, LINKS, HUB_EMISSION_FACTORS)
"""Every table; all but ``hub_emission_factors.csv`` (optional: no file, no hub emissions) are required."""
OPTIONAL_TABLES: tuple[TableSchema, ...] = (SURCHARGES, RATE_SERIES, THROUGH_TARIFFS)
"""Tables a network may leave out (no surcharges, no dated rates)."""
METADATA_FILE = "network.toml"
