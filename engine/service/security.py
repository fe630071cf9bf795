"""Who may talk to ``corridor serve``: TLS and mutual TLS credentials, bearer tokens, and reflection on or off.

- ``--tls-cert FILE --tls-key FILE`` serve over TLS; ``--tls-client-ca FILE`` also requires every client to present
  a certificate signed by that CA (mutual TLS).
- ``--auth-token-file FILE`` requires ``authorization: Bearer <token>`` metadata on every call except
  ``grpc.health.v1.Health`` (load balancers probe health without credentials). The file holds one token per line;
  blank lines and ``#`` comments are ignored, so tokens can be rotated by listing the old and the new one.
  Tokens are compared in constant time (:func:`hmac.compare_digest`) against every configured token, so the time
  a check takes does not reveal how much of a guess was right.
- ``--no-reflection`` leaves server reflection out (clients then need the ``.proto`` files).

A bad call gets UNAUTHENTICATED with a message that says what was expected, never what was sent.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from engine.errors import CorridorError

log = logging.getLogger("corridor.service")
HEALTH_PREFIX = "/grpc.health.v1.Health/"
MAX_TOKEN_FILE_BYTES = 64 * 1024
MIN_TOKEN_CHARS = 16
"""Shorter tokens are refused: a token is a secret, not a password a person types."""


class AccessConfigError(ValueError, CorridorError):
    """A TLS or token option that cannot be used (missing file, unreadable, a certificate without its key)."""


@dataclass(frozen=True)
class AccessConfig:
    """The access options of ``corridor serve`` (all off by default: plaintext on loopback, reflection on)."""

    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    auth_token_file: Path | None = None
    reflection: bool = True

    @property
    def tls(self) -> bool:
        """Whether the server speaks TLS."""
        return self.tls_cert is not None


def _read(path: Path, what: str, limit: int = 1024 * 1024) -> bytes:
    try:
        content = path.read_bytes()[: limit + 1]
    except OSError as exc:
        msg = f"{what} {path}: cannot be read ({exc.strerror or exc})"
        raise AccessConfigError(msg) from exc
    if len(content) > limit:
        msg = f"{what} {path}: larger than {limit} bytes"
        raise AccessConfigError(msg)
    if not content.strip():
        msg = f"{what} {path}: is empty"
        raise AccessConfigError(msg)
    return content


def server_credentials(config: AccessConfig) -> grpc.ServerCredentials | None:
    """The TLS credentials for ``add_secure_port``, or ``None`` for plaintext.

    Raises
    ------
    AccessConfigError
        A key without a certificate (or the reverse), a client CA without TLS, or an unreadable file.
    """
    if (config.tls_cert is None) != (config.tls_key is None):
        msg = "--tls-cert and --tls-key go together: give both or neither"
        raise AccessConfigError(msg)
    if config.tls_cert is None or config.tls_key is None:
        if config.tls_client_ca is not None:
            msg = "--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS first)"
            raise AccessConfigError(msg)
        return None
    cert = _read(config.tls_cert, "--tls-cert")
    key = _read(config.tls_key, "--tls-key")
    for content, flag, marker in ((cert, "--tls-cert", b"CERTIFICATE"), (key, "--tls-key", b"PRIVATE KEY")):
        if b"-----BEGIN" not in content or marker not in content:
            path = config.tls_cert if flag == "--tls-cert" else config.tls_key
            msg = f"{flag} {path}: not a PEM file with a {marker.decode()}"
            raise AccessConfigError(msg)
    client_ca = None
    if config.tls_client_ca is not None:
        client_ca = _read(config.tls_client_ca, "--tls-client-ca")
    return grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


def read_tokens(path: Path) -> tuple[bytes, ...]:
    """The bearer tokens in ``path``: one per line, blank lines and ``#`` comments skipped.

    Raises
    ------
    AccessConfigError
        The file cannot be read, holds no token, or a token is shorter than ``MIN_TOKEN_CHARS`` or has spaces.
    """
    content = _read(path, "--auth-token-file", MAX_TOKEN_FILE_BYTES)
    tokens = []
    for number, line in enumerate(content.decode("utf-8", errors="replace").splitlines(), start=1):
        token = line.strip()
        if not token or token.startswith("#"):
            continue
        if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token) or "\ufffd" in token:
            msg = (
                f"--auth-token-file {path}:{number}: a token must be at least {MIN_TOKEN_CHARS} characters "
                "of UTF-8 without spaces"
            )
            raise AccessConfigError(msg)
        tokens.append(token.encode())
    if not tokens:
        msg = f"--auth-token-file {path}: holds no token (one per line, # for comments)"
        raise AccessConfigError(msg)
    return tuple(tokens)


def token_matches(presented: bytes, tokens: tuple[bytes, ...]) -> bool:
    """Whether ``presented`` is one of ``tokens``; every token is compared, each in constant time."""
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(presented, token)
    return matched


UNAUTHENTICATED_MESSAGE = "this server requires 'authorization: Bearer <token>' metadata"


def _bearer(metadata: Any) -> bytes | None:
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip().encode("latin-1")
            return b""
    return None


def _refusal(handler: grpc.RpcMethodHandler[Any, Any], method: str) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same shape as ``handler`` that answers UNAUTHENTICATED without reading the request (and
    writes the call-log line, so refused calls show up where operators look)."""

    async def refuse(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        log.info(json.dumps({"method": method, "status": "UNAUTHENTICATED", "peer": context.peer()}))
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)

    async def refuse_stream(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await refuse(_request, context)
        yield  # pragma: no cover - makes this an async generator, as a streaming handler must be

    decode, encode = handler.request_deserializer, handler.response_serializer
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse_stream, decode, encode)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse, decode, encode)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse_stream, decode, encode)
    return grpc.unary_unary_rpc_method_handler(refuse, decode, encode)


class TokenInterceptor(grpc.aio.ServerInterceptor):
    """Refuses every call without a configured bearer token (UNAUTHENTICATED), except health checks."""

    def __init__(self, tokens: tuple[bytes, ...]) -> None:
        self._tokens = tokens

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(HEALTH_PREFIX):
            return handler
        presented = _bearer(handler_call_details.invocation_metadata)
        if presented is not None and token_matches(presented, self._tokens):
            return handler
        return _refusal(handler, method)


def interceptors(config: AccessConfig) -> list[grpc.aio.ServerInterceptor]:
    """The server interceptors the access options ask for (the token check, or none)."""
    if config.auth_token_file is None:
        return []
    return [TokenInterceptor(read_tokens(config.auth_token_file))]


def is_loopback(address: str) -> bool:
    """Whether ``host:port`` binds only the loopback interface (127.0.0.0/8, ::1 or ``localhost``)."""
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def exposure_warning(address: str, config: AccessConfig) -> str | None:
    """The warning to print when the server listens beyond loopback without TLS, else ``None``."""
    if config.tls or is_loopback(address):
        return None
    tokens = " (bearer tokens would cross the network in clear text)" if config.auth_token_file else ""
    return (
        f"corridor serve: WARNING: {address} is bound without TLS{tokens}; anyone who can reach this port "
        "can read and send traffic. Use --tls-cert/--tls-key, or bind 127.0.0.1 behind a TLS-terminating proxy."
    )
