"""Bounds on YAML input, checked on the parser's event stream before any object is built.

A YAML document is small on the wire and can be huge in memory: 474 bytes of nested aliases (a "billion laughs")
expand to a billion nodes, and a few thousand ``[`` make PyYAML's recursive composer raise ``RecursionError``.
The parser itself is an iterative state machine, so walking its events costs time linear in the text and memory
bounded by the nesting; only then does :func:`engine.network.scenario.read_yaml` build the document.

| bound | value | why |
|---|---|---|
| text size | ``MAX_YAML_CHARS`` = 4 Mi characters | the largest candidate or scenario file is a few KiB |
| nesting depth | ``MAX_YAML_DEPTH`` = 64 | a scenario is 4 levels deep; PyYAML's composer recurses per level |
| nodes | ``MAX_YAML_NODES`` = 200,000 | scalars, lists and mappings together |
| anchors and aliases | refused | edits are written out in full; aliases are how a bomb multiplies |
"""

from __future__ import annotations

import yaml

from engine.errors import DataProblem, InputFileError

MAX_YAML_CHARS = 4 * 1024 * 1024
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 200_000
_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the same events, ~10x faster


def _refuse(file: str, line: int | None, message: str) -> InputFileError:
    return InputFileError([DataProblem(file, line, None, message)])


def check_yaml(text: str, file: str) -> None:
    """Refuse YAML text that is too large, too deep, has too many nodes, or uses anchors and aliases.

    Syntax errors are left to the reader, which reports them with their line.

    Raises
    ------
    InputFileError
        Naming the bound, the line where it was crossed and the limit.
    """
    if len(text) > MAX_YAML_CHARS:
        raise _refuse(file, None, f"is {len(text):,} characters; at most {MAX_YAML_CHARS:,} are read")
    if "\x00" in text:
        nul_line = text.count("\n", 0, text.index("\x00")) + 1
        raise _refuse(file, nul_line, "contains a NUL character; YAML text cannot hold one")
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refuse(file, line, "uses a YAML anchor or alias (& or *); write each edit out in full")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise _refuse(file, line, f"is nested more than {MAX_YAML_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_YAML_NODES:
                    raise _refuse(file, line, f"has more than {MAX_YAML_NODES:,} values")
    except yaml.YAMLError:
        return  # the reader parses again and reports the syntax error with its line
