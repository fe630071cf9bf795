"""The routes found so far, indexed for target pruning: "does a route found weakly dominate this completion?".

The Pareto search asks this for every label it creates and again for every label it settles, thousands of times
per query, against fronts of up to a few hundred routes; a linear scan was almost half of the search's time.

The index uses what the search guarantees: labels leave the heap in non-decreasing optimistic arrival (the time
bounds are consistent). A route whose arrival is at most the arrival of the last settled label (the *threshold*)
is **active**: every later question concerns a completion arriving no earlier, so arrival no longer needs
checking for it. Active routes live in staircases, one per transfer count ``k`` holding every active route with at
most ``k`` transfers, over the two remaining criteria: sorted by cost ascending, each step keeping only routes with
strictly less CO2e than every cheaper one. "Some active route with ≤ k transfers, cost ≤ c and CO2e ≤ e" is then
one bisect: the last step with cost ≤ c has the least CO2e of all of them. Routes arriving after the threshold
(*pending*, usually a few) are kept sorted by arrival and scanned until the first that arrives later than the
completion asked about.

Exactness: a route in a staircase is dropped only when another active route with no more transfers, cost and CO2e
replaces it, and active routes all arrive by the threshold, so the answer is the same as a scan over every route
found. A question about a completion arriving before the threshold (which the search never asks) gets the scan.
"""

from __future__ import annotations

import bisect
import math
from bisect import bisect_right

Completion = tuple[float, float, float, float]
"""Arrival (min), cost (cents), transfers, CO2e (g); a route's vector or a label's optimistic completion."""


class FoundFront:
    """Criteria vectors of the routes found, for weak-dominance questions in non-decreasing arrival order."""

    __slots__ = ("_all", "_co2e", "_costs", "_pending", "_threshold")

    def __init__(self) -> None:
        self._threshold = -math.inf
        self._all: list[Completion] = []
        self._pending: list[Completion] = []  # sorted; arrival > threshold
        self._costs: list[list[float]] = []  # per transfer count k: costs of the staircase, ascending
        self._co2e: list[list[float]] = []  # the same steps' CO2e, strictly descending

    def __len__(self) -> int:
        return len(self._all)

    def add(self, vector: Completion) -> None:
        """Record a route found (its criteria vector)."""
        self._all.append(vector)
        if vector[0] <= self._threshold:
            self._activate(vector)
        else:
            bisect.insort(self._pending, vector)

    def advance(self, arrival: float) -> None:
        """Raise the threshold to ``arrival`` (the optimistic arrival of the label being settled)."""
        if arrival <= self._threshold:
            return
        self._threshold = arrival
        pending = self._pending
        if pending and pending[0][0] <= arrival:
            cut = 0
            while cut < len(pending) and pending[cut][0] <= arrival:
                self._activate(pending[cut])
                cut += 1
            del pending[:cut]

    def dominates(self, completion: Completion) -> bool:
        """Whether a route found is ≤ ``completion`` on all four criteria."""
        arrive, cost, transfers, co2e = completion
        if arrive < self._threshold:
            return any(v[0] <= arrive and v[1] <= cost and v[2] <= transfers and v[3] <= co2e for v in self._all)
        stairs = self._costs
        if stairs and transfers >= 0:
            k = int(transfers)
            if k >= len(stairs):
                k = len(stairs) - 1
            i = bisect_right(stairs[k], cost)
            if i and self._co2e[k][i - 1] <= co2e:
                return True
        if self._pending:
            for v in self._pending:
                if v[0] > arrive:
                    return False
                if v[1] <= cost and v[2] <= transfers and v[3] <= co2e:
                    return True
        return False

    def _activate(self, vector: Completion) -> None:
        transfers = int(vector[2])
        while len(self._costs) <= transfers:  # a new highest transfer count starts as a copy of the one below
            self._costs.append(list(self._costs[-1]) if self._costs else [])
            self._co2e.append(list(self._co2e[-1]) if self._co2e else [])
        for k in range(transfers, len(self._costs)):
            _insert_step(self._costs[k], self._co2e[k], vector[1], vector[3])


def _insert_step(costs: list[float], co2e: list[float], cost: float, grams: float) -> None:
    """Insert (cost, grams) into a staircase unless a step is ≤ on both; drop the steps it makes redundant."""
    i = bisect.bisect_right(costs, cost)
    if i and co2e[i - 1] <= grams:
        return
    j = i
    while j < len(costs) and co2e[j] >= grams:
        j += 1
    costs[i:j] = [cost]
    co2e[i:j] = [grams]
