"""Terminal selection: rank candidate additions by what they save over a demand matrix, choose the best under a budget.

A **candidate** is a named set of scenario edits (:mod:`engine.network.scenario`: add a terminal, add a link,
scale a capacity, speed up a border) with a capital cost. Each candidate is applied to a copy of the network and
the demand is re-assigned (:func:`engine.optimize.assign_demand`); its **saving** is the drop in the weekly
generalized cost (freight + value of time + unserved penalty, USD/week), reported with the changes in freight
money, TEU-hours, CO2e and unserved TEU.

Choosing a subset
-----------------
Savings do not add up: two feeders on one crossing compete for the same cargo, a new feeder and a bigger port are
worth more together. So every pair of candidates that fits the budget together is assigned as well, and the
selection MIP (MathOpt, HiGHS by default, SCIP optional; binary ``y_j`` per candidate, ``z_ij`` per pair)::

    max  Σ_j s_j y_j + Σ_{i<j} (s_ij − s_i − s_j) z_ij
    s.t. Σ_j cost_j y_j ≤ budget,   z_ij ≤ y_i,  z_ij ≤ y_j,  z_ij ≥ y_i + y_j − 1,
         y_i + y_j ≤ 1 for candidates that exclude each other (declared, or whose edits conflict)

is exact for the pairwise model of the savings. Sets of three or more candidates are where the pairwise model can
be wrong, so when the MIP picks one, that set is assigned and a cut ``t ≤ measured saving`` for exactly that set is
added (a combinatorial Benders cut), and the MIP is solved again, until it picks a set whose saving is known
exactly (at most two candidates, or already measured). The answer is therefore the best set when the pairwise
model never underestimates a set of three or more; otherwise it is the best among the sets the loop measured.
The chosen set is finally applied together and assigned once more; the result reports the MIP's value and the
saving that assignment measures (equal whenever the loop ended on a measured set).

Candidate file (YAML)::

    candidates:
      - id: EXTRA_AKTAU_ALAT_FEEDERS
        title: Two more Aktau–Alat container feeders
        cost_usd: 60000000
        sources: cost_usd=ESTIMATE
        notes: "cost_usd: two 700-TEU feeders at ~US$30 M each (assumed)"
        excludes: [OTHER_ID]            # optional
        edits:
          - op: set_service
            ...
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from ortools.math_opt.python import mathopt

from engine.errors import InvalidRequest
from engine.network.model import Network
from engine.network.scenario import apply_edits
from engine.optimize.assign import Assignment, assign_demand
from engine.optimize.requests import Candidate, SelectRequest
from engine.optimize.savings import SAVING_PARTS, saving_split
from engine.optimize.solver import MIP_SOLVERS, solve_with_fallback, solver_order


@dataclass(frozen=True)
class CandidateEvaluation:
    """One candidate assigned on its own. ``saving_usd_per_week`` > 0 means the system got cheaper.

    The ``delta_*`` fields are candidate minus baseline (negative = less).
    """

    id: str
    title: str
    cost_usd: float
    network_version: str
    objective_usd_per_week: float
    saving_usd_per_week: float
    delta_freight_usd_per_week: float
    delta_teu_hours_per_week: float
    delta_co2e_kg_per_week: float
    delta_unserved_teu_per_week: float
    saving_split: dict[str, float] = field(default_factory=dict, compare=False)
    """:func:`engine.optimize.savings.saving_split`: the saving as real cost, time value and unserved penalty,
    weekly and per year — report these apart; only ``real_cost`` is money."""

    @property
    def payback_weeks(self) -> float | None:
        """Weeks of saving that repay the cost (``None`` when it saves nothing)."""
        return self.cost_usd / self.saving_usd_per_week if self.saving_usd_per_week > 0 else None


@dataclass(frozen=True, eq=False)
class TerminalSelection:
    """The answer of :func:`select_terminals`.

    Attributes
    ----------
    baseline
        The assignment on the unchanged network.
    evaluations
        Every candidate on its own, best saving first.
    pairs
        ``(a, b, saving_usd_per_week, interaction_usd_per_week)`` for every pair that was assigned together;
        ``interaction`` = pair saving − the two single savings (> 0: complements, < 0: substitutes).
    exclusive
        Pairs that may not be chosen together, with the reason.
    chosen
        Ids chosen by the MIP, in ranking order.
    budget_usd, spent_usd
        The budget and the cost of the chosen set.
    predicted_saving_usd_per_week
        The MIP's objective (pairwise model of the savings).
    combined
        The assignment with all chosen candidates applied (``None`` when nothing is chosen).
    saving_usd_per_week
        What ``combined`` saves against ``baseline``.
    solver
        The MIP engine that solved the selection.
    sets_measured
        Sets of three or more candidates the refinement loop assigned (see the module docstring).
    """

    baseline: Assignment
    evaluations: tuple[CandidateEvaluation, ...]
    pairs: tuple[tuple[str, str, float, float], ...]
    exclusive: tuple[tuple[str, str, str], ...]
    chosen: tuple[str, ...]
    budget_usd: float
    spent_usd: float
    predicted_saving_usd_per_week: float
    combined: Assignment | None
    saving_usd_per_week: float
    solver: str
    sets_measured: int = 0

    def saving_split(self) -> dict[str, float]:
        """What the chosen set saves (``combined`` against ``baseline``) as real cost, time value and unserved
        penalty, weekly and per year (:func:`engine.optimize.savings.saving_split`); zeros when nothing is
        chosen."""
        if self.combined is None:
            return saving_split(self.baseline, self.baseline)
        return saving_split(self.baseline, self.combined)

    def ranking(self) -> pl.DataFrame:
        """The evaluations as a frame, best saving first, with payback in weeks and whether chosen."""
        return pl.DataFrame(
            {
                "rank": list(range(1, len(self.evaluations) + 1)),
                "id": [e.id for e in self.evaluations],
                "title": [e.title for e in self.evaluations],
                "cost_usd": [e.cost_usd for e in self.evaluations],
                "saving_usd_per_week": [e.saving_usd_per_week for e in self.evaluations],
                "payback_weeks": [e.payback_weeks for e in self.evaluations],
                "delta_freight_usd_per_week": [e.delta_freight_usd_per_week for e in self.evaluations],
                "delta_teu_hours_per_week": [e.delta_teu_hours_per_week for e in self.evaluations],
                "delta_co2e_kg_per_week": [e.delta_co2e_kg_per_week for e in self.evaluations],
                "delta_unserved_teu_per_week": [e.delta_unserved_teu_per_week for e in self.evaluations],
                **{
                    f"saving_{part}_{unit}": [e.saving_split[f"saving_{part}_{unit}"] for e in self.evaluations]
                    for part in SAVING_PARTS
                    for unit in ("usd_per_week", "usd_per_year")
                },
                "chosen": [e.id in self.chosen for e in self.evaluations],
            },
            schema_overrides={"payback_weeks": pl.Float64},
        )


def select_terminals(
    network: Network,
    request: SelectRequest,
    *,
    on_assignment: Callable[[str, Assignment], None] | None = None,
) -> TerminalSelection:
    """Rank the candidates by their weekly saving over a demand matrix and choose the best set within the budget.

    Parameters
    ----------
    network
        The base snapshot (never modified; candidates are applied to copies).
    request
        The candidate additions (see :func:`engine.optimize.load_candidates`), the capital budget (USD), how
        every variant is assigned (an :class:`~engine.optimize.requests.AssignRequest`: demand, capacity
        overrides, value of time, gap; checked against each variant when it is assigned), whether every
        affordable pair is assigned too (else savings are treated as additive, a knapsack) and the MIP engine
        (``highs`` or ``scip``).
    on_assignment
        Hook called with a label (``baseline``, a candidate id, ``A+B``, ``chosen``) and each assignment.

    Returns
    -------
    TerminalSelection
        Ranking, pair interactions, the chosen set with predicted and measured savings.

    Raises
    ------
    InvalidRequest
        For demand problems against the network (a bad budget, solver or repeated ids are refused when the
        request is built).
    InputFileError
        When a candidate's edits do not apply to ``network``.
    """
    candidates = request.candidates
    budget_usd = request.budget_usd
    interactions = request.interactions
    order = solver_order(request.solver, MIP_SOLVERS, "solver")

    gaps: dict[str, float] = {}  # each assignment's relative gap: how far its objective may be from the optimum

    def assign(label: str, variant: Network) -> Assignment:
        result = assign_demand(variant, request.assignment)
        gaps[label] = max(result.gap, 0.0)
        if on_assignment is not None:
            on_assignment(label, result)
        return result

    baseline = assign("baseline", network)
    evaluations = {c.id: _evaluate(c, baseline, assign(c.id, apply_edits(network, c.edits))) for c in candidates}
    exclusive: dict[tuple[str, str], str] = {}
    for candidate in candidates:
        for other in candidate.excludes:
            exclusive[_pair(candidate.id, other)] = f"{candidate.id} excludes {other}"
    pairs: list[tuple[str, str, float, float]] = []
    if interactions:
        for a, b in itertools.combinations(candidates, 2):
            key = _pair(a.id, b.id)
            if key in exclusive or a.cost_usd + b.cost_usd > budget_usd:
                continue
            try:
                variant = apply_edits(network, (*a.edits, *b.edits))
            except InvalidRequest as exc:
                exclusive[key] = f"edits conflict: {exc}"
                continue
            # A pair's interaction is a difference of four assignments (the baseline, each candidate alone, the
            # pair), each within its gap of its optimum and at best within LP round-off of the whole objective:
            # what is below their sum is noise (a 5e-5 USD/week "interaction" once bought a 150M USD candidate
            # that saves nothing).
            label = f"{a.id}+{b.id}"
            objective = assign(label, variant).objective_usd_per_week
            together = _saving(objective, baseline.objective_usd_per_week)
            single = evaluations[a.id].saving_usd_per_week + evaluations[b.id].saving_usd_per_week
            noise = max(ROUND_OFF, sum(gaps[name] for name in ("baseline", a.id, b.id, label)))
            interaction = _change(together, single, baseline.objective_usd_per_week, noise)
            pairs.append((a.id, b.id, together, interaction))

    by_id = {c.id: c for c in candidates}

    def measure(chosen: frozenset[str]) -> float:
        edits = tuple(edit for cid in sorted(chosen) for edit in by_id[cid].edits)
        variant = assign("+".join(sorted(chosen)), apply_edits(network, edits))
        return _saving(variant.objective_usd_per_week, baseline.objective_usd_per_week)

    chosen, predicted, solver_name, refinements = _choose(
        candidates, evaluations, pairs, exclusive, budget_usd, order, measure
    )
    ranking = sorted(evaluations.values(), key=lambda e: (-e.saving_usd_per_week, e.cost_usd, e.id))
    chosen_ordered = tuple(e.id for e in ranking if e.id in chosen)
    combined = None
    saving = 0.0
    if chosen_ordered:
        edits = tuple(edit for cid in chosen_ordered for edit in by_id[cid].edits)
        combined = assign("chosen", apply_edits(network, edits, label="+".join(chosen_ordered)))
        saving = _saving(combined.objective_usd_per_week, baseline.objective_usd_per_week)
    return TerminalSelection(
        baseline=baseline,
        evaluations=tuple(ranking),
        pairs=tuple(pairs),
        exclusive=tuple((a, b, why) for (a, b), why in sorted(exclusive.items())),
        chosen=chosen_ordered,
        budget_usd=float(budget_usd),
        spent_usd=sum(c.cost_usd for c in candidates if c.id in chosen),
        predicted_saving_usd_per_week=predicted,
        combined=combined,
        saving_usd_per_week=saving,
        solver=solver_name,
        sets_measured=refinements,
    )


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


ROUND_OFF = 1e-9
"""Relative LP round-off of an assignment's objective: a change below it is shown as 0."""


def _change(after: float, before: float, scale: float | None = None, relative: float = ROUND_OFF) -> float:
    """``after − before`` with noise (below ``relative`` of ``scale``, default ``before``) shown as 0."""
    delta = after - before
    magnitude = abs(before) if scale is None else abs(scale)
    return 0.0 if abs(delta) <= relative * max(1.0, magnitude) else delta


def _saving(after: float, before: float) -> float:
    """``before − after`` with round-off shown as 0 (never −0)."""
    return 0.0 - _change(after, before)


def _evaluate(candidate: Candidate, baseline: Assignment, variant: Assignment) -> CandidateEvaluation:
    return CandidateEvaluation(
        id=candidate.id,
        title=candidate.title,
        cost_usd=candidate.cost_usd,
        network_version=variant.network,
        objective_usd_per_week=variant.objective_usd_per_week,
        saving_usd_per_week=_saving(variant.objective_usd_per_week, baseline.objective_usd_per_week),
        delta_freight_usd_per_week=_change(variant.freight_usd_per_week, baseline.freight_usd_per_week),
        delta_teu_hours_per_week=_change(variant.teu_hours_per_week, baseline.teu_hours_per_week),
        delta_co2e_kg_per_week=_change(variant.co2e_kg_per_week, baseline.co2e_kg_per_week),
        delta_unserved_teu_per_week=_change(variant.unserved_teu_per_week, baseline.unserved_teu_per_week),
        saving_split=saving_split(baseline, variant),
    )


MAX_REFINEMENTS = 20
"""Sets of three or more candidates measured at most (each costs one assignment)."""


def _choose(
    candidates: Sequence[Candidate],
    evaluations: Mapping[str, CandidateEvaluation],
    pairs: Sequence[tuple[str, str, float, float]],
    exclusive: Mapping[tuple[str, str], str],
    budget_usd: float,
    order: list[tuple[str, Any]],
    measure: Callable[[frozenset[str]], float],
) -> tuple[set[str], float, str, int]:
    """The selection MIP (module docstring), refined by measuring the sets of three or more it picks.

    ``t`` is the value of the chosen set: at most the pairwise model, and, for every set ``S`` already measured,
    at most its measured saving when exactly ``S`` is chosen (``t ≤ s(S) + M · (Σ_{j∉S} y_j + Σ_{j∈S} (1 −
    y_j))``). The loop stops when the MIP picks a set whose value is known exactly (one or two candidates, or
    a set already measured). Returns the set, its value, the engine and how many sets were measured.
    """
    model = mathopt.Model(name="terminal_selection")
    y = {c.id: model.add_binary_variable(name=f"y_{c.id}") for c in candidates}
    pairwise = mathopt.fast_sum(evaluations[c.id].saving_usd_per_week * y[c.id] for c in candidates)
    terms = []
    for a, b, _together, interaction in pairs:
        z = model.add_variable(lb=0.0, ub=1.0, name=f"z_{a}_{b}")
        model.add_linear_constraint(z <= y[a])
        model.add_linear_constraint(z <= y[b])
        model.add_linear_constraint(z >= y[a] + y[b] - 1)
        terms.append(interaction * z)
    for a, b in exclusive:
        if a in y and b in y:
            model.add_linear_constraint(y[a] + y[b] <= 1)
    model.add_linear_constraint(mathopt.fast_sum(c.cost_usd * y[c.id] for c in candidates) <= budget_usd)
    big_m = 1.0 + sum(abs(e.saving_usd_per_week) for e in evaluations.values()) + sum(abs(p[3]) for p in pairs)
    value = model.add_variable(lb=-big_m, ub=big_m, name="t")
    model.add_linear_constraint(value <= pairwise + mathopt.fast_sum(terms))
    model.maximize(value)
    measured: dict[frozenset[str], float] = {}
    while True:
        name, result = solve_with_fallback(model, order)
        values = result.variable_values(list(y.values()))
        chosen = frozenset(cid for cid, v in zip(y, values, strict=True) if v > 0.5)
        if len(chosen) <= 2 or chosen in measured or len(measured) >= MAX_REFINEMENTS:
            return set(chosen), measured.get(chosen, float(result.objective_value())), name, len(measured)
        measured[chosen] = measure(chosen)
        outside = mathopt.fast_sum(y[c] for c in y if c not in chosen)
        inside = mathopt.fast_sum(1 - y[c] for c in chosen)
        model.add_linear_constraint(value <= measured[chosen] + big_m * (outside + inside))
