"""The engine's exceptions: one small hierarchy that also subclasses the matching builtins.

Callers may catch either the domain class (``CorridorError``) or the builtin (``ValueError``).
"No route" is not an exception: it is a result with an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

QUOTE_CHARS = 64
"""Characters of a caller's value that an error message quotes; longer values are cut and their length given."""


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)`` for an error message, at most ``limit`` characters of it, ASCII only.

    >>> quote("XIAN")
    "'XIAN'"
    >>> quote("X" * 100, limit=8)
    "'XXXXXXXX'… (100 characters)"
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return ascii(text)
    return f"{text[:limit]!a}… ({len(text):,} characters)"


class CorridorError(Exception):
    """Base class of every error the engine raises on purpose."""


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of a request: which field, what was wrong, what is allowed."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidRequest(ValueError, CorridorError):
    """A request that cannot be answered as asked. ``problems`` names every bad field.

    Examples
    --------
    >>> err = InvalidRequest.single("shipment.teu", "must be a whole number >= 0, got -2")
    >>> str(err), isinstance(err, ValueError)
    ('shipment.teu: must be a whole number >= 0, got -2', True)
    """

    def __init__(self, problems: list[FieldProblem] | tuple[FieldProblem, ...]) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, field: str, message: str) -> InvalidRequest:
        """Build the error for one bad field."""
        return cls([FieldProblem(field, message)])


class SearchInterrupted(CorridorError):
    """The caller's ``should_stop`` hook asked a running search to stop (a deadline passed, the call was cancelled).

    ``reason`` is whatever the hook reported, e.g. ``"deadline"`` or ``"cancelled"``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"search stopped: {reason}" + (f": {detail}" if detail else ""))


class SearchOutgrewMemory(SearchInterrupted):
    """A compiled search needed more memory for its labels than its budget (``CORRIDOR_SEARCH_MEMORY_MB``).

    ``reason`` is ``"memory"``; ``budget_bytes`` is the budget and ``labels`` the labels held when it stopped.
    """

    def __init__(self, budget_bytes: int, labels: int) -> None:
        self.budget_bytes = budget_bytes
        self.labels = labels
        super().__init__(
            "memory",
            f"it holds {labels:,} labels and needed more than its budget of {_mib(budget_bytes)} MiB to go "
            "on; narrow the query (a deadline, max transfers, avoided countries), accept a Pareto tolerance, or "
            "raise CORRIDOR_SEARCH_MEMORY_MB",
        )


def _mib(size_bytes: int) -> str:
    """Bytes as MiB for a message: whole from 10 MiB, else to two decimals (a 0.3 MiB budget is not 0)."""
    mib = size_bytes / 2**20
    return f"{mib:,.0f}" if mib >= 10 or mib == int(mib) else f"{mib:.2f}"


class UnknownNode(InvalidRequest):
    """A node id, name or LOCODE that the network does not have."""

    def __init__(
        self, field: str, value: str, network: str, candidates: tuple[str, ...] = (), near_place: str = ""
    ) -> None:
        self.value = value
        self.candidates = candidates
        hint = f"; did you mean {', '.join(candidates)}?" if candidates else ""
        # A city that is not a node: the nearest terminals with their distance (engine.network.places).
        hint += f"; {near_place}" if near_place else ""
        super().__init__([FieldProblem(field, f"{quote(value)} is not a node of network {network}{hint}")])


class UnknownScenario(InvalidRequest):
    """A scenario name the server (or study) does not hold; the message lists the names it does."""

    def __init__(self, field: str, value: str, known: tuple[str, ...]) -> None:
        self.value = value
        self.known = known
        held = ", ".join(known) if known else "none (start the server with --scenario NAME=FILE)"
        super().__init__([FieldProblem(field, f"unknown scenario {quote(value)}; the server holds: {held}")])


@dataclass(frozen=True)
class DataProblem:
    """One defect in a network file, located by file, line and column.

    Examples
    --------
    >>> str(DataProblem("links.csv", 12, "run_h", "must be >= 0 hours, got -3"))
    'links.csv:12: run_h: must be >= 0 hours, got -3'
    """

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class NetworkDataError(ValueError, CorridorError):
    """A network directory that cannot be loaded. ``problems`` lists every defect found, in file order."""

    def __init__(self, problems: list[DataProblem] | tuple[DataProblem, ...]) -> None:
        self.problems: tuple[DataProblem, ...] = tuple(problems)
        shown = "\n".join(str(p) for p in self.problems[:50])
        more = f"\n… and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(shown + more)

    @classmethod
    def from_message(cls, file: str, message: str) -> NetworkDataError:
        """Build the error for one problem that concerns a whole file or directory."""
        return cls([DataProblem(file, None, None, message)])

    @property
    def first(self) -> DataProblem:
        """The first problem (the one a user fixes first)."""
        return self.problems[0]


class InputFileError(InvalidRequest):
    """A study input (demand matrix, scenario edits, candidate list) with defects, each located in its file.

    ``data_problems`` keeps file, line and column; as an :class:`InvalidRequest` each problem's field reads
    ``file:line: column``, so the message has the same shape as a network loading error.
    """

    def __init__(self, problems: list[DataProblem] | tuple[DataProblem, ...]) -> None:
        self.data_problems: tuple[DataProblem, ...] = tuple(problems)
        fields = []
        for p in self.data_problems:
            where = p.file if p.line is None else f"{p.file}:{p.line}"
            fields.append(FieldProblem(f"{where}: {p.column}" if p.column else where, p.message))
        super().__init__(fields)


class OptimizerError(RuntimeError, CorridorError):
    """A solver failed on a well-formed model (the message carries the solver's own text)."""
