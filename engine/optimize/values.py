"""The documented money values the optimizer trades against (all overridable per call).

``DEFAULT_USD_PER_TEU_DAY`` — value of a TEU-day, used both as the value of time in the assignment's
generalized cost and as the price of lateness in shipment planning. It is an assumption, not a published
figure: the inventory carrying cost of one TEU of China–Europe rail cargo, taking a cargo value of about
US$50,000 per TEU and a carrying cost of about 15 % a year (capital, insurance, obsolescence):
50,000 × 0.15 / 365 ≈ US$20 per TEU-day. Rail cargo on this lane is chosen over deep sea precisely because it is
worth more per box, so analysts should set their own value for their cargo.

``DEFAULT_UNSERVED_USD_PER_TEU`` — penalty per TEU/week of demand the assignment leaves unserved. It stands for
the cost of the cargo going another way that the demand segment excludes (or not moving), and it caps what a
capacity is worth: a TEU left unserved is never cheaper than ``penalty`` minus the cheapest route's cost. The
default US$10,000 is about twice the generalized cost of the most expensive Middle Corridor routes in the shipped
network (~US$4,500 freight plus ~33 days × US$20), so capacity, not price, decides what is unserved.

``DEFAULT_WEEKS_PER_YEAR`` — what annualises the weekly figures (savings split, study comparisons): 52, a year
of weekly timetables without allowing for holidays or closures; a study or request may set its own.
"""

from __future__ import annotations

DEFAULT_USD_PER_TEU_DAY = 20.0
DEFAULT_UNSERVED_USD_PER_TEU = 10_000.0
DEFAULT_WEEKS_PER_YEAR = 52.0

# Upper bounds on what a caller may ask for. Far beyond any real corridor (all China–Europe rail moved ~40,000
# TEU a week in 2024), they keep the LP's coefficients within the range HiGHS and GLOP solve reliably: with
# 1e300 TEU/week the master LP fails and the caller would see an internal error instead of a bad field.
MAX_TEU_PER_WEEK = 1_000_000.0
MAX_USD_PER_TEU = 10_000_000.0
MAX_USD_PER_TEU_DAY = 1_000_000.0
MAX_MARGINS = 200
"""The most binding capacities one assignment may have measured (up to three exact re-solves each,
:mod:`engine.optimize.margins`)."""
MARGIN_RESERVE = 0.1
"""Share of an assignment's time limit kept back from measuring margins, to build and send the answer in."""

RESOLVE_MAX_ROUNDS = 20
"""Pricing rounds a margin's re-solve may take to prove its optimum (fewer if the request allows fewer); beyond that
its value is NaN. Seeded with the base columns, the shipped network's re-solves take at most 2 (the assign benchmark's
instances, 100 / 1,000 / 5,000 commodities, 10 margins each). At 10k nodes re-solving the base alone did not prove
its optimum in 60 rounds (:mod:`engine.optimize.margins`): uncapped, 10 margins took 573 s CPU beyond the assignment's
198 s and every value ended NaN; capped, they cost 21.6 s CPU there (the base's re-solve, 20 rounds), all null."""

FLOW_EPS = 1e-6
"""TEU/week below which a flow is reported as zero (LP round-off)."""
MARGIN_COLUMNS = (
    "saving_usd_per_teu_added",
    "cost_usd_per_teu_removed",
    "expands_with",
    "saving_usd_per_teu_added_together",
)
"""The ``shadow_prices`` columns measured for the dearest binding capacities (``AssignRequest.margins``; null for
the others): USD/week saved by one more TEU/week of that capacity alone, lost with one less, the other binding
capacities every route through it also uses (``|``-joined ids in route order, terminals as ``node:ID``) and what one
more TEU/week of all of them together saves (:mod:`engine.optimize.margins`)."""
