"""The lower bounds keep the no-U-turn rule: a link into a dead end has no bound, and no label goes there.

A spur off the toy network's Caspian port (a junction reached only by the Kazakh train, which may not turn straight
back with the cargo aboard) leads nowhere. Before the bounds kept the rule, the bound of the link into it was the
way back to the port, and every search created and settled labels at the spur's end.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.network import Network, load_network
from engine.routing import RouteQuery, Shipment, find_routes
from engine.routing.bounds import INF, lower_bounds
from engine.routing.costing import QueryContext
from engine.routing.labels import Label
from engine.routing.search import search
from engine.routing.select import PARETO_ORDER
from engine.routing.through import compile_routing

READY = datetime(2026, 12, 1, tzinfo=UTC)
QUERY = RouteQuery("ORIGIN", "DEST", READY, Shipment(teu=2, gross_weight_kg=20_000), max_routes=10)


@pytest.fixture
def spur_network(toy_copy: Path) -> Network:
    """The toy network with a dead-end junction ``SPUR`` off ``PORT_KZ`` on the Kazakh train (both directions)."""
    with (toy_copy / "nodes.csv").open() as nodes:
        header = nodes.readline().rstrip("\n").split(",")
    node = dict.fromkeys(header, "")
    node.update(
        id="SPUR",
        name="Spur",
        country="KZ",
        lat="43.7",
        lon="51.3",
        kinds="rail_junction",
        gauge_mm="1520",
        sources="ESTIMATE",
        notes="*: test spur",
    )
    with (toy_copy / "nodes.csv").open("a") as nodes:
        nodes.write(",".join(node[column] for column in header) + "\n")
    with (toy_copy / "links.csv").open("a") as links:
        links.write(
            "R-PORT-SPUR,PORT_KZ,SPUR,rail,KZ-TRAIN,,1520,30,1,5,,,,,KTZ,rail_electric,,,true,ESTIMATE,*: test spur\n"
        )
    return load_network(toy_copy)


def test_a_link_into_a_dead_end_has_no_bound(spur_network: Network) -> None:
    ctx = QueryContext(compile_routing(spur_network), QUERY)
    bounds = lower_bounds(ctx)
    links = ctx.compiled.link_ids
    assert bounds.time_min[links.index("R-PORT-SPUR")] >= INF  # onward only back to PORT_KZ, aboard: no move
    assert bounds.time_min[links.index("R-PORT-SPUR.R")] < INF  # from the spur back to the port: a way on
    assert bounds.time_min[links.index("R-GAUGE-PORT")] < INF


def test_no_label_reaches_the_dead_end_and_the_routes_stay(spur_network: Network, toy_network: Network) -> None:
    settled: list[Label] = []
    ctx = QueryContext(compile_routing(spur_network), QUERY)
    spur = ctx.compiled.node_index["SPUR"]

    def on_label(event: str, label: Label) -> None:
        if event == "settled":
            settled.append(label)

    outcome = search(ctx, PARETO_ORDER, pareto=True, on_label=on_label, kernel=False)
    assert outcome.labels
    assert len(settled) == outcome.labels_settled
    assert not [label for label in settled if label.node == spur]
    compiled = search(ctx, PARETO_ORDER, pareto=True, kernel=True)  # the kernel reads the same bounds
    assert (compiled.labels_created, compiled.labels_settled) == (outcome.labels_created, outcome.labels_settled)
    with_spur = [route.criteria for route in find_routes(spur_network, QUERY).routes]
    assert with_spur == [route.criteria for route in find_routes(toy_network, QUERY).routes]
