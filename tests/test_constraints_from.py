"""One Constraints builder: the CLI's options and the service's message give the same constraints for the same
values, and both get the library's validation messages."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest
from corridor.v1 import types_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from engine.cli.args import add_constraint_options, constraints_from_args
from engine.errors import FieldProblem, InvalidRequest
from engine.network import Mode, Network
from engine.routing import Constraints, constraints_from
from engine.service.convert.common import constraints_from_proto


def cli_constraints(network: Network, *argv: str, search_limits: bool = True) -> Constraints:
    parser = argparse.ArgumentParser()
    add_constraint_options(parser, search_limits=search_limits)
    return constraints_from_args(parser.parse_args(argv), network)


def proto_constraints(message: types_pb2.Constraints) -> Constraints:
    problems: list[FieldProblem] = []
    built = constraints_from_proto(message, problems)
    if problems:
        raise InvalidRequest(problems)
    assert built is not None
    return built


def test_the_cli_and_the_service_build_the_same_constraints(shipped_network: Network) -> None:
    arrive_by = datetime(2027, 1, 10, tzinfo=UTC)
    from_cli = cli_constraints(
        shipped_network,
        "--avoid-countries", " ru, by",
        "--avoid-nodes", "ALAT",
        "--avoid-modes", "Air,sea",
        "--avoid-operators", " Maersk ",
        "--via", "AKTAU,BAKU",
        "--max-transfers", "6",
        "--arrive-by", "2027-01-10T00:00Z",
        "--max-cost-usd", "9000",
        "--max-co2e-kg", "4000",
        "--allow-deconsolidation",
    )  # fmt: skip
    from_proto = proto_constraints(
        types_pb2.Constraints(
            avoid_countries=[" ru", "by"],
            avoid_nodes=["ALAT"],
            avoid_modes=[types_pb2.MODE_AIR, types_pb2.MODE_SEA],
            avoid_operators=["Maersk "],
            via=["AKTAU", " BAKU"],
            max_transfers=6,
            arrive_by=Timestamp(seconds=int(arrive_by.timestamp())),
            max_cost_usd=9000,
            max_co2e_kg=4000,
            allow_deconsolidation=True,
        )
    )
    expected = Constraints(
        avoid_countries=frozenset({"RU", "BY"}),
        avoid_nodes=frozenset({"ALAT"}),
        avoid_modes=frozenset({Mode.AIR, Mode.SEA}),
        avoid_operators=frozenset({"Maersk"}),
        via=("AKTAU", "BAKU"),
        max_transfers=6,
        arrive_by=arrive_by,
        max_cost_usd=9000,
        max_co2e_kg=4000,
        allow_deconsolidation=True,
    )
    assert from_cli == expected
    assert from_proto == expected


def test_nothing_given_is_no_constraint(shipped_network: Network) -> None:
    assert cli_constraints(shipped_network) == Constraints()
    assert cli_constraints(shipped_network, search_limits=False) == Constraints()
    assert proto_constraints(types_pb2.Constraints()) == Constraints()
    assert constraints_from() == Constraints()


def test_the_cli_resolves_node_names_before_building(shipped_network: Network) -> None:
    built = cli_constraints(shipped_network, "--via", "aktau", "--avoid-nodes", "alat")
    assert built.via == ("AKTAU",)
    assert built.avoid_nodes == {"ALAT"}


def test_bad_values_get_the_library_message_from_both_fronts(shipped_network: Network) -> None:
    with pytest.raises(InvalidRequest) as from_cli:
        cli_constraints(shipped_network, "--avoid-countries", "XX", "--max-cost-usd", "-1")
    with pytest.raises(InvalidRequest) as from_proto:
        proto_constraints(types_pb2.Constraints(avoid_countries=["XX"], max_cost_usd=-1))
    assert from_cli.value.problems == from_proto.value.problems
    assert [p.field for p in from_cli.value.problems] == ["constraints.avoid_countries", "constraints.max_cost_usd"]
