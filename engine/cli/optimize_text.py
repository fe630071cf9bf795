"""Optimizer results as text: a shipment plan, an assignment's totals and binding capacities, a terminal
selection's ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from engine.cli.text import format_time, table
from engine.network import Network
from engine.optimize.values import RESOLVE_MAX_ROUNDS

if TYPE_CHECKING:
    from engine.optimize import Assignment, ShipmentPlan, TerminalSelection


def format_plan(network: Network, plan: ShipmentPlan) -> str:
    """A plan as text: totals, one block per part with its legs, and the binding departures."""
    r = plan.request
    origin, destination = network.nodes[r.origin], network.nodes[r.destination]
    lines = [
        f"{origin.name} ({origin.id}) → {destination.name} ({destination.id}): "
        f"{r.teu} TEU ready {format_time(r.ready)}, "
        f"horizon {r.horizon.total_seconds() / 86400:g} days, lateness {r.usd_per_teu_day:g} USD/TEU-day",
        f"moved {plan.moved_teu} TEU in {len(plan.parts)} part(s), {plan.unmoved_teu} TEU left behind; "
        f"cost {plan.cost_usd:,.0f} USD + lateness {plan.lateness_usd:,.0f} USD, {plan.co2e_kg:,.0f} kg CO2e "
        f"({plan.departures_considered} departures considered)",
    ]
    if plan.explanation:
        lines.append(plan.explanation)
    for n, part in enumerate(plan.parts, 1):
        lines.append("")
        lines.append(
            f"Part {n}: {part.teu} TEU, depart {format_time(part.depart)}, arrive {format_time(part.arrive)}, "
            f"{part.cost_usd_per_teu:,.0f} USD/TEU ({part.cost_usd:,.0f} USD), lateness {part.lateness_usd:,.0f} USD, "
            f"{part.co2e_kg:,.0f} kg CO2e"
        )
        rows = [
            (
                leg.from_id,
                leg.to_id,
                leg.mode.value,
                leg.service_id,
                format_time(leg.depart),
                format_time(leg.arrive),
                f"{leg.wait_h:.1f}",
            )
            for leg in part.route.legs
        ]
        lines += table(("from", "to", "mode", "service", "depart", "arrive", "wait h"), rows)
    if plan.binding:
        lines.append("")
        title = "Full departures limiting the plan" if plan.unmoved_teu else "Full departures the plan uses"
        lines.append(f"{title} ({len(plan.binding)}):")
        full = [
            (
                d.link_id,
                d.service_id,
                format_time(d.depart),
                str(d.capacity_teu),
                f"{d.booked_teu:g}",
                str(d.planned_teu),
            )
            for d in plan.binding
        ]
        lines += table(("link", "service", "depart", "free TEU", "booked", "planned"), full)
    return "\n".join(lines) + "\n"


def _usd_or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _teu(value: float) -> str:
    """TEU/week for a table: whole above 10, one decimal below (a 0.5 TEU/week capacity is not 0)."""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _together(line: str | None, saving: float | None) -> str:
    """What one more TEU/week of a capacity and its line saves, with how many capacities the line holds."""
    return "-" if line is None or saving is None else f"{saving:,.2f} ({line.count('|') + 2})"


def format_assignment(result: Assignment, margins: int = 0) -> str:
    """Totals and the binding capacities with their shadow prices, and the measured margins of the ``margins``
    dearest (:mod:`engine.optimize.margins`)."""
    lines = [
        f"assignment on {result.network}: {result.status} after {result.iterations} iterations "
        f"({result.columns} routes generated, {result.solver}), gap {result.gap:.2e}",
        f"served {result.served_teu_per_week:,.1f} TEU/week, unserved {result.unserved_teu_per_week:,.1f} TEU/week; "
        f"freight {result.freight_usd_per_week:,.0f} USD/week, {result.teu_hours_per_week:,.0f} TEU-hours/week, "
        f"{result.co2e_kg_per_week / 1000:,.1f} t CO2e/week; generalized cost {result.objective_usd_per_week:,.0f} "
        "USD/week",
    ]
    prices = result.shadow_prices
    if prices.height:
        lines.append("")
        measured = prices["cost_usd_per_teu_removed"].count()
        columns = ["element", "id", "capacity_teu_per_week", "flow_teu_per_week", "shadow_price_usd_per_teu"]
        header = ["element", "id", "capacity TEU/wk", "flow TEU/wk", "dual USD/wk per TEU/wk"]
        if margins:
            lines.append(
                "Binding capacities (the dual is one optimal dual of the LP; where several capacities bind together it "
                "can be anything between the two measured values: USD/week saved by one TEU/week more of the capacity "
                "alone, lost with one less, and saved by one TEU/week more of its whole line; rows of one line repeat "
                "the line's figure, do not add them up)"
            )
            columns += ["saving_usd_per_teu_added", "cost_usd_per_teu_removed"]
            columns += ["expands_with", "saving_usd_per_teu_added_together"]
            header += ["+1 TEU/wk saves USD/wk", "-1 TEU/wk costs USD/wk", "+1 on line (capacities) saves"]
        else:
            lines.append("Binding capacities (the dual of each: USD/week per TEU/week of capacity, one optimal dual)")
        rows = []
        for row in prices.select(columns).iter_rows():
            element, element_id, capacity, flow, dual, *measures = row
            shown = [element, element_id, _teu(capacity), _teu(flow), f"{dual:,.2f}"]
            if margins:
                more, less, line, together = measures
                shown += [_usd_or_dash(more), _usd_or_dash(less), _together(line, together)]
            rows.append(tuple(shown))
        lines += table(tuple(header), rows)
        alone = prices.filter((pl.col("saving_usd_per_teu_added") == 0) & (pl.col("cost_usd_per_teu_removed") > 0))
        on_line = alone.filter(pl.col("expands_with").is_not_null()).height
        if on_line:
            lines.append(
                f"{on_line} of the {measured} measured save nothing with one TEU/week more on their own: every route "
                "through them also crosses other binding capacities (their line: expands_with in shadow_prices), and "
                "only expanding those together saves."
            )
        if alone.height > on_line:
            lines.append(
                f"{alone.height - on_line} of the {measured} measured save nothing with one TEU/week more on their "
                "own, and no single line of binding capacities is shared by every route through them."
            )
        asked = min(margins, prices.height)
        if measured < asked:
            lines.append(
                f"{asked - measured} of the {asked} asked for were not measured: a re-solve did not prove its "
                f"optimum within the time limit or {RESOLVE_MAX_ROUNDS} pricing rounds (on large networks the LP's "
                "tail is long; --margins 0 skips them)."
            )
    else:
        lines.append("No capacity binds.")
    unserved = result.unserved
    if unserved.height:
        lines.append("")
        lines.append(f"Unserved demand ({unserved.height} OD rows):")
        left = [
            (s, o, d, f"{u:,.1f}")
            for s, o, d, u in unserved.select("segment", "origin", "destination", "unserved_teu_per_week")
            .sort("unserved_teu_per_week", descending=True)
            .head(10)
            .iter_rows()
        ]
        lines += table(("segment", "origin", "destination", "TEU/week"), left)
    return "\n".join(lines) + "\n"


def format_selection(selection: TerminalSelection) -> str:
    """The ranking, the pair interactions and the chosen set."""
    lines = [
        f"baseline: {selection.baseline.objective_usd_per_week:,.0f} USD/week generalized cost, "
        f"{selection.baseline.unserved_teu_per_week:,.1f} TEU/week unserved",
        "",
        "Candidates by weekly saving",
    ]
    ranking = selection.ranking()
    rows = [
        (
            str(r["rank"]),
            r["id"],
            f"{r['cost_usd'] / 1e6:,.1f}",
            f"{r['saving_usd_per_week']:,.0f}",
            "—" if r["payback_weeks"] is None else f"{r['payback_weeks']:,.0f}",
            f"{r['delta_teu_hours_per_week']:,.0f}",
            f"{r['delta_co2e_kg_per_week'] / 1000:,.1f}",
            f"{r['delta_unserved_teu_per_week']:,.1f}",
            "yes" if r["chosen"] else "",
        )
        for r in ranking.iter_rows(named=True)
    ]
    lines += table(
        (
            "#",
            "candidate",
            "cost M USD",
            "saving USD/wk",
            "payback wk",
            "Δ TEU-h/wk",
            "Δ t CO2e/wk",
            "Δ unserved",
            "chosen",
        ),
        rows,
    )
    if selection.pairs:
        lines.append("")
        lines.append("Pairs (interaction = pair saving − the two single savings; > 0 complements, < 0 substitutes)")
        lines += table(
            ("a", "b", "saving USD/wk", "interaction USD/wk"),
            [(a, b, f"{s:,.0f}", f"{i:,.0f}") for a, b, s, i in selection.pairs],
        )
    lines.append("")
    chosen = ", ".join(selection.chosen) or "nothing"
    lines.append(
        f"Chosen within {selection.budget_usd:,.0f} USD ({selection.solver} MIP): {chosen}; "
        f"cost {selection.spent_usd:,.0f} USD, predicted saving {selection.predicted_saving_usd_per_week:,.0f} "
        f"USD/week, assigned together {selection.saving_usd_per_week:,.0f} USD/week"
    )
    return "\n".join(lines) + "\n"
