"""``find_routes``: the routing entry point (a pure function of a network snapshot and a query)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from engine.network.model import Network
from engine.routing.compiled import CompiledNetwork
from engine.routing.costing import QueryContext, Step
from engine.routing.deferred import frozen_instance
from engine.routing.explain import explain_no_route
from engine.routing.kernel_routes import FoundLabel, chain_steps
from engine.routing.query import Objective, RouteQuery
from engine.routing.reliability import ArrivalBand, arrival_band, reliability_order
from engine.routing.result import Route, RouteResult, SearchStats
from engine.routing.route_builder import answer_route
from engine.routing.search import Label, search
from engine.routing.select import (
    LEXICOGRAPHIC_ORDERS,
    PARETO_ORDER,
    best_for,
    diverse_in_order,
    order_key,
    representative,
    weighted_scores,
)
from engine.routing.through import compile_routing


def find_routes(
    network: Network,
    query: RouteQuery,
    *,
    on_label: Callable[[str, Label], None] | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> RouteResult:
    """Find the routes that answer ``query`` on ``network``.

    Parameters
    ----------
    network
        A loaded network snapshot.
    query
        The question (validated when it was built).
    on_label
        Optional debug hook called for every label the search creates, settles or prunes.
    should_stop
        Optional hook polled while searching; returning a reason (e.g. ``"deadline"``) stops the work with
        :class:`~engine.errors.SearchInterrupted`.

    Returns
    -------
    RouteResult
        Routes chosen by the objective, the size of the Pareto set, and, when ``routes`` is empty, an
        ``explanation`` of which constraint removed the last candidate. "No route" is a result, not an error.

    Raises
    ------
    UnknownNode
        The origin or destination is not a node of ``network``.
    InvalidRequest
        Via or avoided nodes are unknown, or the origin/destination is avoided.
    SearchInterrupted
        ``should_stop`` asked the search to stop.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from engine.network import load_network
    >>> from engine.routing import RouteQuery, Shipment, find_routes
    >>> net = load_network("tests/networks/toy")
    >>> q = RouteQuery("ORIGIN", "DEST", datetime(2026, 12, 1, tzinfo=UTC), Shipment(teu=2, gross_weight_kg=20000))
    >>> result = find_routes(net, q)
    >>> for route in result.routes:  # the Pareto answer: each route is best on some criterion
    ...     print([leg.mode.value for leg in route.legs], route.best_for)
    ['rail', 'rail', 'ferry', 'road'] ('fastest', 'fewest_transfers')
    ['rail', 'rail', 'ferry', 'rail'] ('cheapest', 'lowest_co2e')
    """
    query.check_against(network)
    compiled = compile_routing(network)
    ctx = QueryContext(compiled, query)
    objective = query.objective
    min_on_time = query.constraints.min_on_time_probability
    single = objective in LEXICOGRAPHIC_ORDERS and query.max_routes == 1 and min_on_time is None
    bands: dict[int, ArrivalBand] = {}  # by label id, so a band is replayed once per route
    filtered_out = None

    if single:
        outcome = search(ctx, LEXICOGRAPHIC_ORDERS[objective], pareto=False, on_label=on_label, should_stop=should_stop)
        chosen = list(outcome.labels[:1])
        tags = {0: objective.value} if chosen else {}
        pareto_size = -1
    else:
        outcome = search(ctx, PARETO_ORDER, pareto=True, on_label=on_label, should_stop=should_stop)
        labels = list(outcome.labels)
        pareto_size = len(labels)
        if min_on_time is not None or objective is Objective.MOST_RELIABLE:
            for label in labels:
                bands[id(label)] = arrival_band(network, query, _steps(label))
        if min_on_time is not None and labels:
            kept = [label for label in labels if (bands[id(label)].on_time_probability or 0.0) >= min_on_time]
            if not kept:
                filtered_out = _unreliable(query, [bands[id(label)] for label in labels])
            labels = kept
        vectors = [label.vector for label in labels]
        names = best_for(vectors) if labels else {}
        if objective is Objective.PARETO:
            indexes = representative(vectors, query.max_routes)
        else:
            if objective is Objective.MOST_RELIABLE:
                ranked = reliability_order([bands[id(label)] for label in labels], vectors)
            elif objective is Objective.WEIGHTED:
                scores = weighted_scores(vectors, ctx.ready_min, query.weights)
                pareto_key = order_key(PARETO_ORDER)
                ranked = sorted(range(len(labels)), key=lambda i: (scores[i], pareto_key(vectors[i])))
            else:
                key = order_key(LEXICOGRAPHIC_ORDERS[objective])
                ranked = sorted(range(len(labels)), key=lambda i: key(vectors[i]))
            segments = [_segments(compiled, label) for label in labels]
            indexes = diverse_in_order(ranked, segments, query.max_routes)
        chosen = [labels[i] for i in indexes]
        tags = {n: names.get(i, "") for n, i in enumerate(indexes)}

    routes = tuple(_route(network, ctx, label, bands.get(id(label)), tags.get(n, "")) for n, label in enumerate(chosen))
    explanation = None if routes else (filtered_out or explain_no_route(network, query, should_stop))
    return frozen_instance(  # RouteResult(...) without its __init__ (~1 µs)
        RouteResult,
        (
            query,
            network.label,
            objective,
            routes,
            pareto_size if routes or not single else 0,  # pareto_size
            explanation,
            SearchStats(outcome.labels_created, outcome.labels_settled),  # stats
            query.pareto_tolerance,
        ),
    )


def _steps(end: Label) -> list[Step]:
    """The steps of the search label ``end``'s route, from the origin (a route the kernel found has them at hand)."""
    return end.steps() if isinstance(end, FoundLabel) else chain_steps(end)


def _route(network: Network, ctx: QueryContext, end: Label, band: ArrivalBand | None, tag: str) -> Route:
    """The route of the search label ``end`` with its tags and arrival band (replayed on first read unless given)."""
    steps = _steps(end)
    tags = tuple(t for t in tag.split(",") if t)
    route = answer_route(network, ctx.query, steps, band=band, replay_band=True, best_for=tags, pricing=ctx.pricing)
    assert route.criteria == end.vector, "route rebuild disagrees with the search"
    return route


def _unreliable(query: RouteQuery, bands: list[ArrivalBand]) -> str:
    """Why ``min_on_time_probability`` left no route: the best share any Pareto route reaches."""
    deadline = query.constraints.arrive_by
    assert deadline is not None and query.constraints.min_on_time_probability is not None
    best = max(band.on_time_probability or 0.0 for band in bands)
    return (
        f"no route arrives by {deadline.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')} in at least "
        f"{query.constraints.min_on_time_probability:.0%} of replays; the most reliable of the {len(bands)} Pareto "
        f"routes does in {best:.1%}"
    )


def _segments(compiled: CompiledNetwork, label: Label) -> dict[tuple[str, str], float]:
    pairs: dict[tuple[str, str], float] = {}
    while label.parent is not None:
        link = label.link
        a, b = compiled.link_from[link], compiled.link_to[link]
        pair = (compiled.node_ids[min(a, b)], compiled.node_ids[max(a, b)])
        pairs[pair] = pairs.get(pair, 0.0) + compiled.link_distance_km[link]
        label = label.parent
    return pairs
