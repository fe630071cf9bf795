"""The routing cost model as other layers use it: the one seam between routing and the optimizer.

``engine.routing`` answers questions (:func:`~engine.routing.find_routes`, the query and result types); this module
exposes the model underneath, for algorithms that build their own graphs on it (the optimizer's time-expanded
network and transfer graph):

- :func:`compile_network` — the solver arrays of a snapshot (:class:`CompiledNetwork`: node and link ids as list
  indexes, minutes, cents), kept with the snapshot in its view cache (:mod:`engine.network.views`);
- :func:`compile_routing` — the arrays the route search itself uses: :func:`compile_network` plus one service per
  through tariff (:mod:`engine.routing.through`); a baseline that must find the search's routes uses this one;
- :class:`QueryContext` — the per-query cost context; its :meth:`~QueryContext.step` is the single definition of
  what taking a link costs in time, money, transfers and CO2e, returning a :class:`Step` (or ``None`` when the
  rules forbid it);
- :func:`lower_bounds` — per link-state lower bounds to the destination (:class:`Bounds`; ``INF`` = unreachable);
- :func:`build_route` — a sequence of steps turned into a :class:`~engine.routing.Route` with legs, transfers and
  border crossings, exactly as ``find_routes`` reports one;
- :func:`to_minutes` / :func:`from_minutes` — the model's clock (whole minutes since the Unix epoch, UTC).

Everything else in ``engine/routing`` (the search, its labels, selection, explanations) is private to routing.
"""

from __future__ import annotations

from engine.routing.bounds import BOUND_TIME, INF, Bounds, lower_bounds
from engine.routing.compiled import CompiledNetwork, compile_network
from engine.routing.costing import LOOSE_KG_PER_TRUCK, QueryContext, Step
from engine.routing.route_builder import build_route
from engine.routing.through import compile_routing
from engine.routing.timetable import Departures, from_minutes, to_minutes

__all__ = [
    "BOUND_TIME",
    "INF",
    "LOOSE_KG_PER_TRUCK",
    "Bounds",
    "CompiledNetwork",
    "Departures",
    "QueryContext",
    "Step",
    "build_route",
    "compile_network",
    "compile_routing",
    "from_minutes",
    "lower_bounds",
    "to_minutes",
]
