"""A study sent as the text of a study file (``RunStudyRequest.study_yaml``), with its scenarios' edits inline.

The study file format names scenario *files*; a server must not open a path a client wrote. The text is parsed
by the library's own parser (:func:`engine.studies.parse_study`, so the format and its ``file:line`` messages are
the CLI's), against a private temporary directory holding only the edits the request carries inline: each path
the study writes for scenario ``NAME`` is filled with the request's ``scenarios[]`` entry named ``NAME``. A path
that would leave that directory, a scenario with no inline entry and the ``network:`` key are refused at their
line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from corridor.v1 import study_pb2

from engine.errors import DataProblem, FieldProblem, InputFileError, InvalidRequest, quote
from engine.network.inputs import read_yaml
from engine.studies.spec import Study, parse_study

FIELD = "study_yaml"
STRUCTURED = ("od_pairs", "ready_times", "objective", "max_routes", "shipment", "constraints")
"""Request fields a study text replaces (they must be unset when it is given)."""


def _line(mapping: Any, key: str) -> int | None:
    lines = getattr(mapping, "key_lines", None)
    return lines.get(key) if isinstance(lines, dict) else None


def _placed(
    directory: Path, name: str, written: Any, line: int | None, inline: dict[str, str], problems: list[DataProblem]
) -> None:
    """Write scenario ``name``'s inline edits where the study text points (inside ``directory`` only)."""
    if not isinstance(written, str) or not written:
        return  # the study parser names this
    if name not in inline:
        message = (
            f"the server reads no file ({quote(written, 60)}): send this scenario's edits inline as "
            f"scenarios[] {{name: {quote(name, 60)}, edits_yaml: …}}"
        )
        problems.append(DataProblem(FIELD, line, name, message))
        return
    target = (directory / written).resolve()
    if not target.is_relative_to(directory) or target == directory:
        problems.append(DataProblem(FIELD, line, name, f"must be a relative path, got {quote(written, 60)}"))
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(inline[name], encoding="utf-8")


def study_from_text(request: study_pb2.RunStudyRequest) -> Study:
    """Parse ``request.study_yaml`` with the request's inline scenario edits.

    Raises
    ------
    InvalidRequest
        A structured field set as well as the text.
    InputFileError
        Every problem of the text, as ``study_yaml:LINE: field: message``.
    """
    given = [name for name in STRUCTURED if _is_set(request, name)]
    if given:
        message = f"give the study either as study_yaml or as fields, not both ({', '.join(given)} also set)"
        raise InvalidRequest([FieldProblem(FIELD, message)])
    document = read_yaml(request.study_yaml, FIELD)
    inline = {s.name.strip(): s.edits_yaml for s in request.scenarios}
    if request.HasField("baseline"):
        inline[request.baseline.name.strip()] = request.baseline.edits_yaml
    problems: list[DataProblem] = []
    if hasattr(document, "get") and document.get("network") is not None:
        problems.append(DataProblem(FIELD, _line(document, "network"), "network", "is not allowed over gRPC"))
    with tempfile.TemporaryDirectory(prefix="corridor-study-") as temporary:
        directory = Path(temporary).resolve()
        scenarios = document.get("scenarios") if hasattr(document, "get") else None
        if isinstance(scenarios, dict):
            for name, written in scenarios.items():
                _placed(directory, str(name), written, _line(scenarios, name), inline, problems)
        baseline = document.get("baseline") if hasattr(document, "get") else None
        if isinstance(baseline, dict) and isinstance(baseline.get("name"), str) and baseline.get("file"):
            _placed(directory, baseline["name"], baseline["file"], _line(document, "baseline"), inline, problems)
        if problems:
            raise InputFileError(problems)
        return parse_study(request.study_yaml, FIELD, base_dir=directory)


def _is_set(request: study_pb2.RunStudyRequest, name: str) -> bool:
    if name == "shipment":
        return request.HasField("shipment")
    if name == "constraints":
        return request.HasField("constraints")
    return bool(getattr(request, name))


def inline_edits(study: Study, request: study_pb2.RunStudyRequest) -> dict[str, str]:
    """Scenario name → the inline edits it runs with (empty for a scenario with no file: the served network)."""
    inline = {s.name.strip(): s.edits_yaml for s in request.scenarios}
    if request.HasField("baseline"):
        inline[request.baseline.name.strip()] = request.baseline.edits_yaml
    return {s.name: inline.get(s.name, "") if s.file is not None else "" for s in study.all_scenarios}
