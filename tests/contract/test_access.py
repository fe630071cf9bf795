"""TLS, mutual TLS, bearer tokens and reflection off, end to end against the real server with certificates made
at test time."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from corridor.v1 import network_pb2, network_pb2_grpc, routing_pb2, routing_pb2_grpc, types_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from engine.cli import main
from engine.service.security import (
    AccessConfig,
    AccessConfigError,
    exposure_warning,
    is_loopback,
    read_tokens,
    token_matches,
)
from tests.conftest import NETWORKS
from tests.contract.certs import Authority, Issued
from tests.contract.conftest import ServerProcess, start_server

TOKEN = "s3cret-token-0123456789abcdef"
OTHER_TOKEN = "another-token-9876543210fedcba"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Issued]:
    directory = tmp_path_factory.mktemp("pki")
    authority = Authority(directory, "corridor-test-ca")
    stranger = Authority(directory, "stranger-ca")
    return {
        "ca": authority.issued,
        "server": authority.issue("corridor-server", server=True),
        "client": authority.issue("forwarder-client", server=False),
        "stranger": stranger.issue("stranger-client", server=False),
    }


@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "tokens"
    path.write_text(f"# rotated weekly\n\n{TOKEN}\n{OTHER_TOKEN}\n")
    return path


@pytest.fixture(scope="module")
def tls_server(pki: dict[str, Issued], token_file: Path) -> Iterator[ServerProcess]:
    """TLS with a bearer token on the toy network."""
    server = pki["server"]
    running = start_server(
        NETWORKS / "toy",
        1,
        "--tls-cert",
        str(server.cert_file),
        "--tls-key",
        str(server.key_file),
        "--auth-token-file",
        str(token_file),
    )
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def mtls_server(pki: dict[str, Issued]) -> Iterator[ServerProcess]:
    """Mutual TLS, no token, reflection off."""
    server = pki["server"]
    running = start_server(
        NETWORKS / "toy",
        1,
        "--tls-cert",
        str(server.cert_file),
        "--tls-key",
        str(server.key_file),
        "--tls-client-ca",
        str(pki["ca"].cert_file),
        "--no-reflection",
    )
    yield running
    assert running.stop() == 0


def tls_channel(address: str, pki: dict[str, Issued], client: str | None = None) -> grpc.Channel:
    certificate = pki[client] if client else None
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki["ca"].cert_pem,
        private_key=certificate.key_pem if certificate else None,
        certificate_chain=certificate.cert_pem if certificate else None,
    )
    return grpc.secure_channel(address, credentials)


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def route_request() -> routing_pb2.FindRoutesRequest:
    return routing_pb2.FindRoutesRequest(
        origin="ORIGIN",
        destination="DEST",
        departure=Timestamp(seconds=int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())),
        shipment=types_pb2.Shipment(teu=1, gross_weight_kg=10_000),
    )


def test_tls_with_the_right_token_answers(tls_server: ServerProcess, pki: dict[str, Issued]) -> None:
    channel = tls_channel(tls_server.address, pki)
    info = network_pb2_grpc.NetworkServiceStub(channel).GetNetworkInfo(
        network_pb2.GetNetworkInfoRequest(), metadata=bearer(TOKEN), timeout=10
    )
    assert info.name == "toy"
    routes = routing_pb2_grpc.RoutingServiceStub(channel).FindRoutes(
        route_request(), metadata=bearer(OTHER_TOKEN), timeout=30
    )
    assert routes.routes


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        bearer("wrong-token-0123456789abcdef"),
        bearer(TOKEN[:-1]),
        (("authorization", TOKEN),),  # no scheme
        (("authorization", f"Basic {TOKEN}"),),
        (("authorization", "Bearer "),),
    ],
    ids=["missing", "wrong", "prefix", "no-scheme", "basic", "empty"],
)
def test_tls_without_a_good_token_is_unauthenticated(
    tls_server: ServerProcess, pki: dict[str, Issued], metadata: tuple[tuple[str, str], ...]
) -> None:
    channel = tls_channel(tls_server.address, pki)
    with pytest.raises(grpc.RpcError) as unary:
        network_pb2_grpc.NetworkServiceStub(channel).ListNodes(
            network_pb2.ListNodesRequest(), metadata=metadata, timeout=10
        )
    assert unary.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "Bearer" in (unary.value.details() or "")
    stream = routing_pb2_grpc.RoutingServiceStub(channel).StreamRoutes(
        iter([routing_pb2.StreamRoutesRequest(request=route_request())]), metadata=metadata, timeout=10
    )
    with pytest.raises(grpc.RpcError) as streamed:
        list(stream)
    assert streamed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    reflection_stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    with pytest.raises(grpc.RpcError) as reflected:
        list(
            reflection_stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), metadata=metadata, timeout=10
            )
        )
    assert reflected.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_refused_calls_are_logged(tls_server: ServerProcess, pki: dict[str, Issued]) -> None:
    channel = tls_channel(tls_server.address, pki)
    with pytest.raises(grpc.RpcError):
        network_pb2_grpc.NetworkServiceStub(channel).ListLinks(network_pb2.ListLinksRequest(), timeout=10)
    for _ in range(50):
        refused = [r for r in tls_server.log_records() if r["method"] == "/corridor.v1.NetworkService/ListLinks"]
        if refused:
            break
        time.sleep(0.1)
    assert refused[-1]["status"] == "UNAUTHENTICATED"
    assert TOKEN not in "".join(tls_server.stderr)


def test_health_needs_no_token(tls_server: ServerProcess, pki: dict[str, Issued]) -> None:
    health = health_pb2_grpc.HealthStub(tls_channel(tls_server.address, pki))
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING


def test_a_plaintext_client_is_refused(tls_server: ServerProcess) -> None:
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(tls_server.address))
    with pytest.raises(grpc.RpcError) as refused:
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_banner_shows_tls_commands(tls_server: ServerProcess) -> None:
    banner = "".join(tls_server.stdout)
    assert "grpcurl -insecure" in banner
    assert "-plaintext" not in banner
    assert "WARNING" not in "".join(tls_server.stderr)


def test_mutual_tls_accepts_a_client_certificate_from_the_ca(
    mtls_server: ServerProcess, pki: dict[str, Issued]
) -> None:
    stub = network_pb2_grpc.NetworkServiceStub(tls_channel(mtls_server.address, pki, "client"))
    assert stub.GetNetworkInfo(network_pb2.GetNetworkInfoRequest(), timeout=10).name == "toy"


@pytest.mark.parametrize("client", [None, "stranger"], ids=["no-certificate", "other-ca"])
def test_mutual_tls_refuses_other_clients(
    mtls_server: ServerProcess, pki: dict[str, Issued], client: str | None
) -> None:
    health = health_pb2_grpc.HealthStub(tls_channel(mtls_server.address, pki, client))
    with pytest.raises(grpc.RpcError) as refused:
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_no_reflection_leaves_reflection_out(mtls_server: ServerProcess, pki: dict[str, Issued]) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(tls_channel(mtls_server.address, pki, "client"))
    with pytest.raises(grpc.RpcError) as missing:
        list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10))
    assert missing.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_tokens_are_read_one_per_line(token_file: Path) -> None:
    assert read_tokens(token_file) == (TOKEN.encode(), OTHER_TOKEN.encode())
    assert token_matches(TOKEN.encode(), read_tokens(token_file))
    assert not token_matches(TOKEN.encode() + b"x", read_tokens(token_file))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        ("# only a comment\n", "holds no token"),
        ("short\n", "at least 16 characters"),
        ("has a space in it, too long\n", "without spaces"),
    ],
)
def test_bad_token_files_are_refused(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "tokens"
    path.write_text(content)
    with pytest.raises(AccessConfigError, match=expected):
        read_tokens(path)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--tls-cert", "CERT"], "--tls-cert and --tls-key go together"),
        (["--tls-key", "KEY"], "--tls-cert and --tls-key go together"),
        (["--tls-client-ca", "CA"], "--tls-client-ca needs --tls-cert"),
        (["--tls-cert", "MISSING", "--tls-key", "KEY"], "cannot be read"),
        (["--tls-cert", "KEY", "--tls-key", "KEY"], "not a PEM file with a CERTIFICATE"),
        (["--auth-token-file", "MISSING"], "--auth-token-file .*cannot be read"),
    ],
)
def test_serve_refuses_bad_access_options(
    pki: dict[str, Issued], tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], expected: str
) -> None:
    files = {
        "CERT": str(pki["server"].cert_file),
        "KEY": str(pki["server"].key_file),
        "CA": str(pki["ca"].cert_file),
        "MISSING": str(tmp_path / "missing.pem"),
    }
    argv = ["serve", "--network", str(NETWORKS / "toy"), *[files.get(f, f) for f in flags]]
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert re.search(expected, error), error


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("127.0.0.2:0", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("0.0.0.0:50051", False),
        ("[::]:50051", False),
        ("10.1.2.3:50051", False),
        ("corridor.example:50051", False),
    ],
)
def test_only_loopback_counts_as_private(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback
    warning = exposure_warning(address, AccessConfig())
    assert (warning is None) is loopback
    assert exposure_warning(address, AccessConfig(tls_cert=Path("c"), tls_key=Path("k"))) is None


def test_binding_beyond_loopback_without_tls_warns() -> None:
    """The real server, bound to every interface: it starts, and stderr says why that is risky."""
    running = start_server(NETWORKS / "toy", 1, "--address", "0.0.0.0:0")
    try:
        for _ in range(50):  # stderr is drained by its own thread
            warning = [line for line in running.stderr if "WARNING" in line]
            if warning:
                break
            time.sleep(0.1)
        assert warning
        assert "without TLS" in warning[0]
        # One call first: the banner is printed just before the SIGTERM handler is installed.
        health = health_pb2_grpc.HealthStub(grpc.insecure_channel(running.address))
        assert (
            health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING
        )
    finally:
        assert running.stop() == 0
