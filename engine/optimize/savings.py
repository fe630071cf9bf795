"""A saving split into what it is made of: real cost, time value and unserved-demand penalty — never mixed.

The assignment's objective is generalized cost = money paid (freight, handling, border: **real cost**) + TEU-hours
× value of time (**time value**, notional) + penalty × unserved TEU (**unserved penalty**, notional: it stands for
cargo going another way or not at all). A change of network (a candidate terminal, a scenario) moves all three;
reporting only their sum would present a notional penalty as money saved. Each part is ``before − after`` (> 0:
the change saves), weekly and annualised by ``weeks_per_year`` (the request's, default 52).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.optimize.assign import Assignment

ROUND_OFF = 1e-9
"""Changes below this fraction of the generalized cost are LP round-off and reported as 0."""

SAVING_PARTS = ("real_cost", "time_value", "unserved_penalty")
"""The three parts, in the order they are reported; with ``generalized_cost`` (their sum) in every split."""


def saving_split(before: Assignment, after: Assignment, weeks_per_year: float | None = None) -> dict[str, float]:
    """What ``after`` saves against ``before``, part by part (USD/week and USD/year).

    Parameters
    ----------
    before, after
        Assignments of the same demand on two networks (or with two requests).
    weeks_per_year
        Weeks that make a year; default ``after.weeks_per_year`` (the request's).

    Returns
    -------
    dict
        ``saving_<part>_usd_per_week`` and ``saving_<part>_usd_per_year`` for ``real_cost``, ``time_value``,
        ``unserved_penalty`` and ``generalized_cost`` (the sum of the three, the objective's drop).
    """
    weeks = after.weeks_per_year if weeks_per_year is None else weeks_per_year
    old, new = before.cost_split(), after.cost_split()
    split: dict[str, float] = {}
    for part in (*SAVING_PARTS, "generalized_cost"):
        base = old[f"{part}_usd_per_week"]
        weekly = base - new[f"{part}_usd_per_week"]
        if abs(weekly) <= ROUND_OFF * max(1.0, abs(old["generalized_cost_usd_per_week"])):
            weekly = 0.0  # LP round-off, not a saving
        split[f"saving_{part}_usd_per_week"] = weekly
        split[f"saving_{part}_usd_per_year"] = weekly * weeks
    return split
