"""Hostile network directories and scenario files: encodings, BOMs, line ends, NUL bytes, duplicate headers, huge
cells, zero-time cycles, 200k parallel links, deep nesting. Each fails with a precise located message, builds
nothing partial, and ``corridor serve`` refuses to start with the same message; the harmless variants load to the
same network as the original."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InputFileError, NetworkDataError
from engine.network import Network, load_network
from engine.network.inputs import MAX_ROWS
from engine.network.scenario import apply_edits, load_scenario
from engine.routing import Objective, RouteQuery, Shipment, find_routes
from tests.conftest import NETWORKS

Mutation = Callable[[Path], None]
LINK_ROW = (
    "{id},ORIGIN,BORDER_CN,rail,CN-TRAIN,,1435,2500,66,900,,,,,China Railway,rail_electric,,,false,ESTIMATE,"
    "*: toy values\n"
)


def edit_bytes(file: str, change: Callable[[bytes], bytes]) -> Mutation:
    def mutate(directory: Path) -> None:
        path = directory / file
        path.write_bytes(change(path.read_bytes()))

    return mutate


def replace(file: str, old: bytes, new: bytes) -> Mutation:
    def change(content: bytes) -> bytes:
        assert old in content, old
        return content.replace(old, new, 1)

    return edit_bytes(file, change)


def append_links(count: int) -> Mutation:
    return edit_bytes("links.csv", lambda b: b + "".join(LINK_ROW.format(id=f"R-P{i}") for i in range(count)).encode())


def write(file: str, content: bytes) -> Mutation:
    def mutate(directory: Path) -> None:
        path = directory / file
        if path.is_dir():
            path.rmdir()
        elif path.exists():
            path.unlink()
        path.write_bytes(content)

    return mutate


def make_directory(file: str) -> Mutation:
    def mutate(directory: Path) -> None:
        (directory / file).unlink()
        (directory / file).mkdir()

    return mutate


BAD_NETWORKS: list[tuple[str, Mutation, str]] = [
    ("utf16", edit_bytes("nodes.csv", lambda b: b.decode().encode("utf-16")), "nodes.csv:1: not valid UTF-8 (byte 0)"),
    (
        "cp1252-quotes",
        replace("nodes.csv", b"Origin Terminal", "Origin \u201cT\u201d".encode("cp1252")),
        "nodes.csv:2: not valid UTF-8",
    ),
    (
        "latin1-bom-mix",
        edit_bytes("links.csv", lambda b: b"\xef\xbb\xbf" + b.replace(b"toy values", b"toy v\xe4lues", 1)),
        "links.csv:2: not valid UTF-8",
    ),
    (
        "nul-in-cell",
        replace("nodes.csv", b"Origin Terminal", b"Origin\x00Terminal"),
        "nodes.csv:2: contains a NUL character",
    ),
    ("nul-in-header", replace("nodes.csv", b"id,name", b"id\x00,name"), "nodes.csv:1: contains a NUL character"),
    ("nul-at-end", edit_bytes("sources.csv", lambda b: b + b"\x00"), "sources.csv:"),
    (
        "duplicate-header",
        replace("nodes.csv", b"id,name,", b"id,name,name,"),
        "nodes.csv:1: name: column appears twice in the header",
    ),
    (
        "duplicate-header-case",
        replace("links.csv", b",notes", b",notes,notes"),
        "links.csv:1: notes: column appears twice",
    ),
    (
        "huge-cell",
        replace("nodes.csv", b"Origin Terminal", b"O" * 2_000_000),
        "nodes.csv:2: name: cell has 2,000,000 characters",
    ),
    (
        "huge-note",
        replace("links.csv", b"*: toy values", b"*: " + b"n" * 20_000),
        "links.csv:2: notes: cell has 20,003 characters",
    ),
    (
        "tab-separated",
        edit_bytes("sources.csv", lambda b: b.replace(b",", b"\t")),
        "sources.csv:1: key: required column is missing",
    ),
    (
        "semicolon-separated",
        edit_bytes("sources.csv", lambda b: b.replace(b",", b";")),
        "sources.csv:1: key: required column is missing",
    ),
    ("unterminated-quote", replace("nodes.csv", b"Origin Terminal", b'"Origin Terminal'), "nodes.csv:"),
    (
        "header-only-nodes",
        edit_bytes("nodes.csv", lambda b: b.split(b"\n")[0] + b"\n"),
        "links.csv:2: from: unknown node 'ORIGIN'",
    ),
    ("empty-file", write("services.csv", b""), "services.csv: file is empty"),
    ("only-blank-lines", write("services.csv", b"\n\n\n"), "services.csv: file is empty"),
    (
        "zero-width-space-id",
        replace("nodes.csv", b"\nORIGIN,", "\nORI\u200bGIN,".encode()),
        "nodes.csv:2: id: must be upper-case",
    ),
    ("lat-nan", replace("nodes.csv", b"CN,34.4,", b"CN,nan,"), "nodes.csv:2: lat: must be a finite number, got 'nan'"),
    (
        "distance-overflow",
        replace("links.csv", b"1435,2500,66", b"1435,1e309,66"),
        "links.csv:2: distance_km: must be a finite number",
    ),
    ("zero-run-time", replace("links.csv", b"1435,2500,66", b"1435,2500,0"), "links.csv:2: run_h: must be > 0, got 0"),
    (
        "self-loop",
        edit_bytes("links.csv", lambda b: b + LINK_ROW.format(id="R-SELF").replace("BORDER_CN", "ORIGIN").encode()),
        "a link must join two different nodes",
    ),
    ("parallel-links-40", append_links(40), "links.csv:2: to: 41 links run from 'ORIGIN' to 'BORDER_CN'; at most 32"),
    (
        "links-past-the-row-limit",
        append_links(MAX_ROWS + 1),
        f"links.csv: has {MAX_ROWS + 8:,} lines; a table may have at most {MAX_ROWS:,} rows",
    ),
    ("nodes-is-a-directory", make_directory("nodes.csv"), "nodes.csv: file not found"),
    (
        "toml-deep-nesting",
        write("network.toml", b"a = " + b"[" * 5000 + b"]" * 5000),
        "network.toml: is nested too deeply to read as TOML",
    ),
    ("toml-deep-inline-tables", write("network.toml", b"a = " + b"{b = " * 3000 + b"1" + b"}" * 3000), "network.toml:"),
    (
        "toml-connectivity-not-table",
        write("network.toml", b"name = 'toy'\nconnectivity = 5\n"),
        "network.toml: connectivity: must be a table",
    ),
    ("toml-name-not-text", write("network.toml", b"name = 5\n"), "network.toml: name: must be text"),
    (
        "toml-latin1",
        write("network.toml", "name = 'T\xf6y'\n".encode("latin-1")),
        "network.toml: cannot be read as TOML",
    ),
    ("toml-nul", write("network.toml", b"name = 'toy'\x00\n"), "network.toml: cannot be read as TOML"),
    ("toml-directory", make_directory("network.toml"), "network.toml: is not a file"),
    (
        "toml-origins-not-list",
        write("network.toml", b"[connectivity]\norigins = 'ORIGIN'\n"),
        "network.toml: connectivity.origins: must be a list",
    ),
]

HARMLESS: list[tuple[str, Mutation]] = [
    ("utf8-bom", edit_bytes("nodes.csv", lambda b: b"\xef\xbb\xbf" + b)),
    ("crlf", edit_bytes("links.csv", lambda b: b.replace(b"\n", b"\r\n"))),
    ("bare-cr", edit_bytes("links.csv", lambda b: b.replace(b"\n", b"\r"))),
    ("trailing-blank-lines", edit_bytes("services.csv", lambda b: b + b"\n\n\n")),
    ("toml-crlf-bom", edit_bytes("network.toml", lambda b: b.replace(b"\n", b"\r\n"))),
]


@pytest.fixture
def copy_of_toy(tmp_path: Path) -> Path:
    target = tmp_path / "toy"
    shutil.copytree(NETWORKS / "toy", target)
    return target


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BAD_NETWORKS], ids=[c[0] for c in BAD_NETWORKS])
def test_bad_network_fails_precisely(copy_of_toy: Path, mutate: Mutation, expected: str) -> None:
    mutate(copy_of_toy)
    with pytest.raises(NetworkDataError) as caught:
        load_network(copy_of_toy)
    problems = [str(p) for p in caught.value.problems]
    assert any(expected in p for p in problems), problems
    assert all(len(p) < 2_000 for p in problems)  # a huge cell is measured, not quoted


@pytest.mark.parametrize("mutate", [c[1] for c in HARMLESS], ids=[c[0] for c in HARMLESS])
def test_harmless_variants_load_the_same_network(copy_of_toy: Path, toy_network: Network, mutate: Mutation) -> None:
    mutate(copy_of_toy)
    network = load_network(copy_of_toy)
    assert network.nodes == toy_network.nodes
    assert {k: (v.from_id, v.to_id, v.run_h) for k, v in network.links.items()} == {
        k: (v.from_id, v.to_id, v.run_h) for k, v in toy_network.links.items()
    }


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [BAD_NETWORKS[i][1:] for i in (3, 6, 8, 22, 24)],
    ids=[BAD_NETWORKS[i][0] for i in (3, 6, 8, 22, 24)],
)
def test_serve_refuses_a_bad_network_with_the_message(
    copy_of_toy: Path, capsys: pytest.CaptureFixture[str], mutate: Mutation, expected: str
) -> None:
    mutate(copy_of_toy)
    assert main(["serve", "--network", str(copy_of_toy), "--address", "127.0.0.1:0"]) == 1
    error = capsys.readouterr().err
    assert "the network cannot be loaded" in error
    assert expected in error
    assert "Traceback" not in error


def test_a_near_zero_time_cycle_does_not_trap_the_search(copy_of_toy: Path) -> None:
    """Two links ORIGIN ⇄ BORDER_CN that take 0.0001 h and cost nothing: the search still ends, and still finds
    the route the cycle cannot improve."""
    row = LINK_ROW.format(id="R-ZERO").replace("2500,66,900", "0.001,0.0001,0").replace(",false,", ",true,")
    edit_bytes("links.csv", lambda b: b + row.encode())(copy_of_toy)
    network = load_network(copy_of_toy)
    query = RouteQuery("ORIGIN", "DEST", datetime(2026, 12, 1, tzinfo=UTC), Shipment(1, 10_000.0), Objective.PARETO)
    result = find_routes(network, query)
    assert result.routes
    for route in result.routes:
        nodes = [leg.from_id for leg in route.legs] + [route.legs[-1].to_id]
        assert len(nodes) == len(set(nodes))  # no route goes round the cycle


# ---------------------------------------------------------------------------------------------- scenario files

VALID = (
    "edits:\n  - op: scale_capacity\n    link: F-PORT_KZ-PORT_AZ\n    factor: 2\n    sources: ESTIMATE\n"
    "    notes: 'factor: x'\n"
)
BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "edits: []\n"
)
BAD_SCENARIOS: list[tuple[str, bytes, str]] = [
    ("alias-bomb", BOMB.encode(), "edits.yaml:1: uses a YAML anchor or alias"),
    (
        "merge-key",
        b"base: &b {op: close_node}\nedits:\n  - <<: *b\n    node: PORT_KZ\n",
        "edits.yaml:1: uses a YAML anchor or alias",
    ),
    ("deep-flow", b"edits: " + b"[" * 100_000, "is nested more than 64 levels deep"),
    (
        "deep-block",
        b"edits:\n" + b"".join(b"  " * i + b"- \n" for i in range(200)),
        "is nested more than 64 levels deep",
    ),
    ("nul", VALID.encode() + b"\x00", "contains a NUL character"),
    ("latin1", VALID.replace("x'", "\xe4'").encode("latin-1"), "cannot be read"),
    ("utf16", VALID.encode("utf-16"), "cannot be read"),
    ("huge", b"# " + b"x" * (5 * 2**20), "characters; at most 4,194,304 are read"),
    ("many-values", b"edits: [" + b"1," * 250_000 + b"1]", "has more than 200,000 values"),
    ("tab-indent", b"edits:\n\t- op: close_node\n", "edits.yaml:2: not valid YAML"),
    ("duplicate-key", b"edits: []\nedits: []\n", "key 'edits' appears twice"),
    ("python-tag", b"edits: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ("edits-not-list", b"edits: 5\n", "edits: must be a list of edits"),
    ("scalar-document", b"42\n", "must be a mapping with a list 'edits'"),
    ("unknown-op", b"edits:\n  - op: explode\n", "edits.yaml:2: op: must be one of"),
    ("non-text-key", b"edits: []\n1: x\n", "keys must be text"),
]
HARMLESS_SCENARIOS: list[tuple[str, bytes]] = [
    ("bom", b"\xef\xbb\xbf" + VALID.encode()),
    ("crlf", VALID.replace("\n", "\r\n").encode()),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in BAD_SCENARIOS], ids=[c[0] for c in BAD_SCENARIOS])
def test_bad_scenario_file_fails_precisely(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "edits.yaml"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        load_scenario(path)
    assert expected in str(caught.value), str(caught.value)[:500]
    assert len(str(caught.value)) < 2_000


@pytest.mark.parametrize("content", [c[1] for c in HARMLESS_SCENARIOS], ids=[c[0] for c in HARMLESS_SCENARIOS])
def test_harmless_scenario_variants_read_the_same(tmp_path: Path, toy_network: Network, content: bytes) -> None:
    plain, variant = tmp_path / "plain.yaml", tmp_path / "variant.yaml"
    plain.write_text(VALID, encoding="utf-8")
    variant.write_bytes(content)
    before = toy_network.version
    assert (
        apply_edits(toy_network, load_scenario(variant)).version
        == apply_edits(toy_network, load_scenario(plain)).version
    )
    assert toy_network.version == before


def test_the_cli_reports_a_bad_scenario_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu_per_week\nORIGIN,DEST,4\n", encoding="utf-8")
    edits = tmp_path / "edits.yaml"
    edits.write_bytes(b"edits: " + b"[" * 50_000)
    code = main(
        ["assign", str(demand), "--network", str(NETWORKS / "toy"), "--edits", str(edits), "--out", str(tmp_path)]
    )
    error = capsys.readouterr().err
    assert code == 1
    assert "nested more than 64 levels deep" in error
    assert "Traceback" not in error
