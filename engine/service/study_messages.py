"""RunStudy and CompareScenarios answers fit in one gRPC message a default client accepts: rows cut into pieces.

gRPC clients refuse a message larger than their maximum receive size, 4 MiB by default in the mainstream
implementations (C core and Python, Go, Java, grpc-js), with RESOURCE_EXHAUSTED, and the analyst loses the call. A
RunStudy chunk has no natural size: its queries' weekly repeats reuse one search, so one OD pair × 520 weekly ready
times × a 45-route Pareto front was one chunk of 23,400 rows — 4.27 MB as ``StudyRow`` messages and 115 MB as
Arrow (each row carries its path geometry, ~260 points). So a worker cuts its chunk's rows into pieces, each one
self-contained ``RunStudyResponse`` (a list of rows, or one complete Arrow IPC stream) of at most
:data:`MAX_STUDY_MESSAGE_BYTES` once the server has added the progress fields.

Why 3 MiB: 1 MiB under the 4 MiB default leaves room for what the server appends (progress: at most ~540 bytes,
:data:`PROGRESS_RESERVE_BYTES` reserved), for gRPC's 5-byte frame prefix and for any client or proxy that counts
its limit a little differently, while a few MB per message keeps the buffers on both sides small as the stream
goes on. Lower buys nothing: a message still carries ~17,000 rows, or ~550 Arrow rows with geometry, so the
per-message overhead stays negligible.

Pieces follow query boundaries: all rows of one query travel in one message unless that query alone exceeds the
bound (100 routes with their geometry take ~0.5 MB as Arrow on the shipped network, so in practice it never does);
then its rows are cut between rows, never inside one. A piece counts the queries whose last row it carries, so the
progress the server reports (``queries_done``) only ever counts queries whose rows have all been sent. A single row
larger than the bound cannot reach a default client at all, and is refused as RESOURCE_EXHAUSTED naming the limit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import polars as pl
from corridor.v1 import study_pb2

from engine.service.convert.study_run import ipc_bytes, study_row
from engine.service.status import Failure
from engine.studies.frame import Row, rows_frame

MAX_STUDY_MESSAGE_BYTES = 3 * 1024 * 1024
"""The most bytes of one serialized StudyService response message (see the module docstring for why 3 MiB)."""
PROGRESS_RESERVE_BYTES = 1024
"""Kept free in each piece for the fields the server appends: request_id (≤ 128 characters, ≤ 512 UTF-8 bytes),
queries_done and queries_total (≤ 5 bytes each) and their tags."""
PIECE_BUDGET_BYTES = MAX_STUDY_MESSAGE_BYTES - PROGRESS_RESERVE_BYTES
"""The most bytes of a piece's rows (a serialized RunStudyResponse without progress)."""
_ARROW_FILL = 0.85
"""First cut of an Arrow piece at this share of the budget by the average row size, so that one cut usually fits;
a piece that still does not fit is halved (Arrow pads each buffer and repeats the schema per piece)."""

Piece = tuple[bytes, int]
"""One message's rows: a serialized RunStudyResponse without progress, and the queries it completes."""
_ROWS_TAG = bytes([study_pb2.RunStudyResponse.DESCRIPTOR.fields_by_name["rows"].number << 3 | 2])


class MessageTooLarge(Exception):
    """Something that must travel in one message is larger than :data:`MAX_STUDY_MESSAGE_BYTES`."""

    def __init__(self, what: str, size_bytes: int, advice: str = "") -> None:
        super().__init__(
            f"{what} is {size_bytes:,} bytes; one StudyService message is at most {MAX_STUDY_MESSAGE_BYTES:,} bytes "
            f"(3 MiB, under the 4 MiB a default gRPC client accepts){advice}"
        )

    @property
    def failure(self) -> Failure:
        """The status the client is told."""
        return Failure("RESOURCE_EXHAUSTED", str(self))


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _row_entries(group: Sequence[Row]) -> list[bytes]:
    """Each row as its encoded ``rows`` entry of a RunStudyResponse (tag, length, StudyRow bytes): protobuf reads
    concatenated entries as the repeated field, so a piece is the join of its entries."""
    entries = []
    for row in group:
        body = study_row(row).SerializeToString()
        entries.append(_ROWS_TAG + _varint(len(body)) + body)
    return entries


def _row_pieces(groups: Sequence[Sequence[Row]], budget: int) -> list[Piece]:
    pieces: list[Piece] = []
    current: list[bytes] = []
    size = queries = 0
    for group in groups:
        entries = _row_entries(group)
        if size and size + sum(map(len, entries)) > budget:  # the query goes whole into the next message
            pieces.append((b"".join(current), queries))
            current, size, queries = [], 0, 0
        for entry in entries:  # a query larger than the budget alone is cut between rows
            if len(entry) > budget:
                raise MessageTooLarge("one study row", len(entry))
            if size + len(entry) > budget:
                pieces.append((b"".join(current), queries))
                current, size, queries = [], 0, 0
            current.append(entry)
            size += len(entry)
        queries += 1
    if current or not pieces:
        pieces.append((b"".join(current), queries))
    return pieces


def _arrow_piece(frame: pl.DataFrame) -> bytes:
    response = study_pb2.RunStudyResponse()
    response.frame.name = "routes"
    response.frame.arrow_ipc = ipc_bytes(frame)
    return response.SerializeToString()


def _arrow_pieces(groups: Sequence[Sequence[Row]], budget: int) -> list[Piece]:
    frame = rows_frame(row for group in groups for row in group)
    ends = list(itertools.accumulate(len(group) for group in groups))  # the row after each query's last row
    estimate = frame.estimated_size()  # within a few % of the IPC size; serializing 100 MB to learn it takes 0.7 s
    if estimate <= budget:
        whole = _arrow_piece(frame)
        if len(whole) <= budget:
            return [(whole, len(groups))]
        estimate = len(whole)
    per_row = estimate / max(1, frame.height)
    rows_per_piece = max(1, int(budget * _ARROW_FILL / per_row))
    spans: list[tuple[int, int, int]] = []  # (first row, end row, queries completed)
    start = done = 0
    for index, end in enumerate(ends):
        if end - start > rows_per_piece and index > done:  # cut before this query
            spans.append((start, ends[index - 1], index - done))
            start, done = ends[index - 1], index
    spans.append((start, frame.height, len(groups) - done))
    pieces: list[Piece] = []
    for first, end, queries in spans:
        pieces.extend(_fit(frame, first, end, queries, [e for e in ends if first < e <= end], budget))
    return pieces


def _fit(frame: pl.DataFrame, first: int, end: int, queries: int, ends: list[int], budget: int) -> list[Piece]:
    """Rows ``first``..``end`` as pieces within ``budget``: halved at a query boundary (a row boundary when the
    span is one query) until each fits; ``ends`` are the query ends inside the span."""
    piece = _arrow_piece(frame.slice(first, end - first))
    if len(piece) <= budget:
        return [(piece, queries)]
    if end - first == 1:
        raise MessageTooLarge("one study row", len(piece))
    middle = first + (end - first) // 2
    inner = [e for e in ends if e < end]
    if inner:  # the query boundary nearest the middle
        cut = min(inner, key=lambda e: abs(e - middle))
        before = sum(1 for e in ends if e <= cut)
    else:  # one query (or the tail of one) larger than the budget: cut between rows
        cut, before = middle, 0
    left = _fit(frame, first, cut, before, [e for e in ends if e <= cut], budget)
    right = _fit(frame, cut, end, queries - before, [e for e in ends if e > cut], budget)
    return left + right


def response_pieces(
    groups: Sequence[Sequence[Row]],
    frame_format: study_pb2.FrameFormat.ValueType,
    budget: int = PIECE_BUDGET_BYTES,
) -> list[Piece]:
    """A chunk's rows as RunStudyResponse pieces of at most ``budget`` bytes each (progress fields not set).

    Parameters
    ----------
    groups
        The rows of each query of the chunk (a searched query or a weekly repeat), one list per query.
    frame_format
        ``FRAME_FORMAT_ARROW_IPC``: each piece's rows as one complete Arrow IPC stream named ``routes``; otherwise
        ``StudyRow`` messages.
    budget
        The most bytes of one piece (default :data:`PIECE_BUDGET_BYTES`).

    Returns
    -------
    list of (bytes, int)
        Each piece serialized, with the number of queries whose last row it holds; the counts add up to
        ``len(groups)``. At least one piece, also for no rows.

    Raises
    ------
    MessageTooLarge
        When one row alone is larger than ``budget``.
    """
    cut: Callable[[Sequence[Sequence[Row]], int], list[Piece]] = (
        _arrow_pieces if frame_format == study_pb2.FRAME_FORMAT_ARROW_IPC else _row_pieces
    )
    return cut(groups, budget)
