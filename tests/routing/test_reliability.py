"""Arrival bands: the seeded Monte-Carlo replay through the timetable, its distribution, determinism, the
reliability objective and constraint, and the loader's checks of the spread columns."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.errors import InvalidRequest, NetworkDataError
from engine.network import Mode, Network, load_network
from engine.routing import Constraints, Objective, Route, RouteQuery, Shipment, find_routes
from engine.routing.compiled import compile_network
from engine.routing.costing import Step
from engine.routing.reliability import Z10, Dwell, arrival_band, replay, request_seed

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday
TWO_TEU = Shipment(teu=2, gross_weight_kg=20_000)

NODES = (
    "id,name,country,lat,lon,kinds,gauge_mm,handling_h,handling_usd_per_teu,sources,notes,"
    "handling_p10_h,handling_p90_h\n"
    "A,Inland terminal,KZ,43.3,76.9,rail_terminal,1520,4,50,ESTIMATE,*: test values,,\n"
    "PORT,Caspian port,KZ,43.6,51.2,seaport|rail_terminal,1520,{handling},100,ESTIMATE,*: test values,{p10},{p90}\n"
    "B,Far port,KZ,40.0,49.4,seaport,,4,100,ESTIMATE,*: test values,,\n"
)
LINKS = (
    "id,from,to,mode,service,load_unit,gauge_mm,distance_km,run_h,usd_per_teu,emission_class,bidirectional,sources,"
    "notes\n"
    "R-A-PORT,A,PORT,rail,TRAIN,,1520,100,2,10,rail,true,ESTIMATE,*: test values\n"
    "F-PORT-B,PORT,B,ferry,FERRY,vessel,,400,20,100,ferry,true,ESTIMATE,*: test values\n"
)
SERVICES = (
    "id,mode,kind,weekly_departures,headway_h,headway_anchor,capacity_teu_per_departure,sources,notes,"
    "cancel_probability\n"
    "TRAIN,rail,headway,,24,Mon 00:00,100,ESTIMATE,*: test values,\n"
    "FERRY,ferry,weekly,Mon 12:00,,,100,ESTIMATE,*: test values,{cancel}\n"
)
FACTORS = (
    "id,mode,description,g_co2e_per_tkm_wtw,sources,notes\n"
    "rail,rail,train,20,ESTIMATE,*: test\n"
    "ferry,ferry,ferry,200,ESTIMATE,*: test\n"
)


def weekly_ferry_network(
    directory: Path, *, handling: float = 8, p10: str = "6", p90: str = "30", cancel: str = ""
) -> Network:
    """Train A → PORT (arrives Mon 02:00), handling at PORT (P50 8 h: ready 10:00), weekly ferry Mon 12:00 → B.

    With the P50 handling the cargo makes the ferry with 2 h to spare; a slow transshipment misses it and waits
    a week: the tail the weekly timetable makes."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nodes.csv").write_text(NODES.format(handling=handling, p10=p10, p90=p90), encoding="utf-8")
    (directory / "links.csv").write_text(LINKS, encoding="utf-8")
    (directory / "services.csv").write_text(SERVICES.format(cancel=cancel), encoding="utf-8")
    (directory / "emission_factors.csv").write_text(FACTORS, encoding="utf-8")
    (directory / "sources.csv").write_text("key,title,publisher,url,year,note\n", encoding="utf-8")
    return load_network(directory)


def only_route(network: Network) -> tuple[RouteQuery, list[Route]]:
    query = RouteQuery("A", "B", MONDAY, TWO_TEU)
    result = find_routes(network, query)
    assert len(result.routes) == 1
    return query, list(result.routes)


def test_a_missed_weekly_sailing_makes_the_tail(tmp_path: Path) -> None:
    network = weekly_ferry_network(tmp_path / "net")
    _, (route,) = only_route(network)
    on_time = MONDAY + timedelta(hours=12 + 20)
    assert route.arrive == on_time  # the P50 model makes the ferry
    assert route.arrival_p10 == on_time
    assert route.arrival_p50 == on_time
    # P(handling > 10 h) of the log-normal through (6, 8, 30) is ~0.36: the P90 is next Monday's sailing.
    assert route.arrival_p90 == on_time + timedelta(days=7)


def test_cancelled_sailings_send_their_share_to_the_next_one(tmp_path: Path) -> None:
    network = weekly_ferry_network(tmp_path / "net", p10="", p90="", cancel="0.2")
    compiled = compile_network(network)
    query, (route,) = only_route(network)
    steps = _steps_of(network, query)
    arrivals = replay(compiled, query, steps, 20_000)
    late = np.count_nonzero(arrivals > int(route.arrive.timestamp() // 60)) / arrivals.size
    assert math.isclose(late, 0.2, abs_tol=0.015)
    weeks = np.unique(arrivals - arrivals.min()) // (7 * 1440)
    assert set(weeks.tolist()) >= {0, 1, 2}  # a second cancellation in a row waits two weeks


def test_without_any_spread_the_band_is_the_p50_arrival(toy_network: Network) -> None:
    query = RouteQuery("ORIGIN", "DEST", MONDAY, TWO_TEU)
    for route in find_routes(toy_network, query).routes:
        assert route.arrival_p10 == route.arrival_p50 == route.arrival_p90 == route.arrive
        assert route.on_time_probability is None


@pytest.mark.parametrize(("origin", "destination"), [("XIAN", "DUISBURG"), ("ALMATY", "POTI"), ("ISTANBUL", "XIAN")])
def test_the_typical_replay_is_the_search_arrival(shipped_network: Network, origin: str, destination: str) -> None:
    """The replay with every dwell at its P50 and nothing cancelled is exactly the P50 model the search used."""
    query = RouteQuery(origin, destination, MONDAY, TWO_TEU, max_routes=5)
    compiled = compile_network(shipped_network)
    for steps in _all_steps(shipped_network, query):
        assert int(replay(compiled, query, steps, 1, typical=True)[0]) == steps[-1].arrive


def test_same_request_same_band_and_seed_from_the_request(shipped_network: Network) -> None:
    query = RouteQuery("XIAN", "DUISBURG", MONDAY, TWO_TEU, constraints=Constraints(avoid_countries=frozenset({"RU"})))
    first = find_routes(shipped_network, query).routes
    again = find_routes(load_network(shipped_network_dir()), query).routes  # a fresh snapshot: no shared state
    assert [(r.arrival_p10, r.arrival_p50, r.arrival_p90) for r in first] == [
        (r.arrival_p10, r.arrival_p50, r.arrival_p90) for r in again
    ]
    assert any(r.arrival_p90 != r.arrival_p10 for r in first)  # the Caspian routes do spread
    assert request_seed(query, ["L1", "L2"]) == request_seed(replace(query, max_routes=1), ["L1", "L2"])
    assert request_seed(query, ["L1", "L2"]) != request_seed(query, ["L2", "L1"])


def test_band_is_ordered_on_the_shipped_network(shipped_network: Network) -> None:
    query = RouteQuery("XIAN", "BUDAPEST", MONDAY, TWO_TEU, constraints=Constraints(avoid_modes=frozenset({Mode.AIR})))
    for route in find_routes(shipped_network, query).routes:
        assert route.arrival_p10 is not None
        assert route.arrival_p50 is not None
        assert route.arrival_p90 is not None
        assert route.arrival_p10 <= route.arrival_p50 <= route.arrival_p90


@example(low=12.0, gap=1.192092896e-07, high=5.960464477539063e-08, zs=[0.0, 0.0])  # c above m, before the fix
@settings(max_examples=200, deadline=None)
@given(
    st.floats(0, 100),
    st.floats(0, 100),
    st.floats(0, 500),
    st.lists(st.floats(-6, 6), min_size=2, max_size=50),
)
def test_dwell_hits_its_three_quantiles_and_is_monotone(low: float, gap: float, high: float, zs: list[float]) -> None:
    p10, p50, p90 = low, low + gap, low + gap + high
    dwell = Dwell(p10, p50, p90)
    at = dwell.hours(np.array([-Z10, 0.0, Z10]))
    assert np.allclose(at, [p10, p50, p90], rtol=1e-6, atol=1e-6)
    z = np.sort(np.array(zs))
    drawn = dwell.minutes(z)
    assert (np.diff(drawn) >= 0).all()  # a quantile function: larger z, no shorter dwell
    assert (drawn >= 0).all()


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 10), st.floats(0, 20), st.floats(0, 200), st.floats(0, 0.6))
def test_band_quantiles_are_ordered(
    tmp_path_factory: pytest.TempPathFactory, low: float, gap: float, high: float, cancel: float
) -> None:
    directory = tmp_path_factory.mktemp("net")
    network = weekly_ferry_network(
        directory, handling=round(low + gap, 3), p10=f"{low:.3f}", p90=f"{low + gap + high:.3f}", cancel=f"{cancel:.3f}"
    )
    query = RouteQuery("A", "B", MONDAY, TWO_TEU)
    for route in find_routes(network, query).routes:
        assert route.arrival_p10 is not None
        assert route.arrival_p50 is not None
        assert route.arrival_p90 is not None
        assert route.arrival_p10 <= route.arrival_p50 <= route.arrival_p90


def test_on_time_probability_grows_with_the_deadline(shipped_network: Network) -> None:
    query = RouteQuery("ALMATY", "POTI", MONDAY, TWO_TEU, constraints=Constraints(via=("AKTAU",)))
    steps = _all_steps(shipped_network, query)[0]
    shares = []
    for days in range(8, 40, 2):
        deadline = MONDAY + timedelta(days=days)
        band = arrival_band(
            shipped_network, replace(query, constraints=replace(query.constraints, arrive_by=deadline)), steps
        )
        assert band.on_time_probability is not None
        shares.append(band.on_time_probability)
    assert shares == sorted(shares)
    assert shares[0] < 0.5 < shares[-1]


def test_most_reliable_ranks_the_pareto_set(shipped_network: Network) -> None:
    deadline = MONDAY + timedelta(days=30)
    constraints = Constraints(avoid_countries=frozenset({"RU", "BY"}), arrive_by=deadline)
    pareto = find_routes(
        shipped_network, RouteQuery("XIAN", "BUDAPEST", MONDAY, TWO_TEU, constraints=constraints, max_routes=100)
    )
    assert 1 < pareto.pareto_size <= 100  # every Pareto route is in the answer
    reliable = find_routes(
        shipped_network,
        RouteQuery("XIAN", "BUDAPEST", MONDAY, TWO_TEU, Objective.MOST_RELIABLE, constraints, max_routes=3),
    )
    by_criteria = {r.criteria: r for r in pareto.routes}
    assert all(r.criteria in by_criteria for r in reliable.routes)  # picks from the Pareto set
    best = reliable.routes[0]
    for other in pareto.routes:
        assert other.on_time_probability is not None
        assert best.on_time_probability is not None
        key = (-other.on_time_probability, other.arrival_p90, other.arrival_p50, other.criteria)
        assert (-best.on_time_probability, best.arrival_p90, best.arrival_p50, best.criteria) <= key
        assert by_criteria[other.criteria].arrival_p90 == other.arrival_p90  # same route, same band


def test_min_on_time_probability_filters_the_pareto_set(shipped_network: Network) -> None:
    deadline = MONDAY + timedelta(days=28)
    base = Constraints(avoid_countries=frozenset({"RU", "BY"}), arrive_by=deadline)
    every = find_routes(
        shipped_network, RouteQuery("XIAN", "BUDAPEST", MONDAY, TWO_TEU, constraints=base, max_routes=100)
    )
    shares = sorted(r.on_time_probability or 0.0 for r in every.routes)
    threshold = shares[len(shares) // 2]
    kept = find_routes(
        shipped_network,
        RouteQuery(
            "XIAN",
            "BUDAPEST",
            MONDAY,
            TWO_TEU,
            constraints=replace(base, min_on_time_probability=threshold),
            max_routes=100,
        ),
    )
    assert kept.routes
    assert all((r.on_time_probability or 0.0) >= threshold for r in kept.routes)
    assert {r.criteria for r in kept.routes} == {
        r.criteria for r in every.routes if (r.on_time_probability or 0.0) >= threshold
    }
    none = find_routes(
        shipped_network,
        RouteQuery("XIAN", "BUDAPEST", MONDAY, TWO_TEU, constraints=replace(base, min_on_time_probability=1.0)),
    )
    assert shares[-1] < 1.0  # so no route is on time in every replay, and the filter leaves nothing
    assert none.routes == ()
    assert none.explanation == (
        "no route arrives by 2026-12-28T00:00Z in at least 100% of replays; the most reliable of the "
        f"{every.pareto_size} Pareto routes does in {shares[-1]:.1%}"
    )


def test_min_on_time_probability_needs_a_deadline_and_a_share() -> None:
    with pytest.raises(InvalidRequest, match=r"constraints.min_on_time_probability: 0.9 needs constraints.arrive_by"):
        Constraints(min_on_time_probability=0.9)
    with pytest.raises(InvalidRequest, match=r"must be a share in \(0, 1\], got 90"):
        Constraints(min_on_time_probability=90, arrive_by=MONDAY)


def test_loader_rejects_an_unordered_spread(tmp_path: Path) -> None:
    with pytest.raises(NetworkDataError, match=r"nodes.csv:3: handling_p10_h: must satisfy P10 <= P50 <= P90, got 9"):
        weekly_ferry_network(tmp_path / "a", p10="9", p90="30")
    with pytest.raises(
        NetworkDataError, match=r"nodes.csv:3: handling_p90_h: is required when handling_p10_h is given"
    ):
        weekly_ferry_network(tmp_path / "b", p10="6", p90="")
    with pytest.raises(NetworkDataError, match=r"services.csv:3: cancel_probability: must be <= 0.9"):
        weekly_ferry_network(tmp_path / "c", cancel="1")


def _steps_of(network: Network, query: RouteQuery) -> list[Step]:
    return _all_steps(network, query)[0]


def _all_steps(network: Network, query: RouteQuery) -> list[list[Step]]:
    """The steps of every Pareto route of ``query``, as the search took them."""
    from engine.routing.costing import QueryContext
    from engine.routing.kernel_routes import chain_steps
    from engine.routing.search import search
    from engine.routing.select import PARETO_ORDER

    outcome = search(QueryContext(compile_network(network), query), PARETO_ORDER, pareto=True)
    result = []
    for end in outcome.labels:
        result.append(chain_steps(end))
    return result


def shipped_network_dir() -> Path:
    from engine.network.paths import default_network_dir

    return default_network_dir()


def test_a_route_ready_whole_weeks_later_gets_the_same_band_shifted(shipped_network: Network) -> None:
    """Timetables and dwells repeat weekly and the seed takes the minute of the week: a study's weekly repeats
    (``shifted_weeks``) are exact for the band too."""
    constraints = Constraints(avoid_countries=frozenset({"RU", "BY"}))
    first = find_routes(shipped_network, RouteQuery("XIAN", "BUDAPEST", MONDAY, TWO_TEU, constraints=constraints))
    later = find_routes(
        shipped_network, RouteQuery("XIAN", "BUDAPEST", MONDAY + timedelta(weeks=3), TWO_TEU, constraints=constraints)
    )
    week3 = timedelta(weeks=3)
    assert [(r.criteria[1:], r.arrival_p10, r.arrival_p90) for r in later.routes] == [
        (r.criteria[1:], r.arrival_p10 and r.arrival_p10 + week3, r.arrival_p90 and r.arrival_p90 + week3)
        for r in first.routes
    ]
