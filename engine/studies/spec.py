"""Study files: which OD pairs, which ready times, which scenarios — read from YAML into frozen dataclasses.

A study is the analyst's question "these origins × these destinations × these departures × these scenarios".
The file (YAML; JSON is a subset) is a mapping::

    name: china-europe-quarter
    network: ../                      # optional: network directory, relative to this file
    od_pairs:                         # either explicit pairs ...
      - [XIAN, DUISBURG]
      - {origin: CHONGQING, destination: BUDAPEST}
    origins: [XIAN, CHENGDU]          # ... and/or every origin × every destination
    destinations: [DUISBURG, PRAGUE]
    ready:                            # either a list of times ...
      dates: [2027-01-04T08:00Z, 2027-01-11T08:00Z]
    # ready: {weekly: {first: 2027-01-04T08:00Z, weeks: 13}}     ... or a weekly range
    baseline: baseline                # name of the unedited network, or {name: ..., file: scenario.yaml}
    scenarios:                        # name: scenario file, relative to this file (engine/network/scenario.py)
      close_russia_belarus: scenarios/close_russia_belarus.yaml
    objective: pareto                 # pareto | cheapest | fastest | fewest_transfers | lowest_co2e
    max_routes: 3
    shipment: {teu: 2, gross_weight_kg: 20000, cargo_class: general}
    constraints: {avoid_countries: [], avoid_modes: [], max_transfers: null, max_cost_usd: null, max_co2e_kg: null}

Times are ISO 8601 with a zone. Node names are checked against the network when the study runs (any id, name,
alias or LOCODE the network's lookup resolves). Every problem is reported as ``file:line: field: message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from engine.errors import DataProblem, InputFileError, InvalidRequest
from engine.network.model import CargoClass, Mode
from engine.network.scenario import read_text_file, read_yaml
from engine.routing import MAX_ROUTES_LIMIT, Constraints, Objective, Shipment
from engine.studies.assign_spec import StudyAssign, parse_assign

KEYS = (
    "name",
    "title",
    "network",
    "od_pairs",
    "origins",
    "destinations",
    "ready",
    "baseline",
    "scenarios",
    "objective",
    "max_routes",
    "shipment",
    "constraints",
    "assign",
)
CONSTRAINT_KEYS = (
    "avoid_countries",
    "avoid_nodes",
    "avoid_modes",
    "avoid_operators",
    "max_transfers",
    "max_cost_usd",
    "max_co2e_kg",
    "allow_deconsolidation",
)
MAX_READY_TIMES = 520
"""Ten years of weekly departures: a bound so a typo in ``weeks`` does not start a million queries."""
MAX_QUERIES = 1_000_000


@dataclass(frozen=True)
class StudyOD:
    """One origin–destination pair as written (node names are resolved against the network at run time)."""

    origin: str
    destination: str
    line: int


@dataclass(frozen=True)
class StudyScenario:
    """A named network variant: ``file`` is a scenario file (absolute path) or ``None`` for the network as loaded."""

    name: str
    file: Path | None
    line: int


@dataclass(frozen=True)
class Study:
    """A parsed, validated study (see the module docstring for the file format).

    Attributes
    ----------
    name
        Study name (the file stem when the file has none).
    od_pairs
        Explicit pairs followed by origins × destinations, without repeats, in file order.
    ready_times
        UTC ready times, sorted, without repeats.
    baseline
        The scenario the others are compared with (``file`` ``None``: the network as loaded).
    scenarios
        The other scenarios, in file order.
    network_dir
        Network directory named by the file (absolute), or ``None`` for the caller's default.
    """

    name: str
    title: str
    file: str
    od_pairs: tuple[StudyOD, ...]
    ready_times: tuple[datetime, ...]
    baseline: StudyScenario
    scenarios: tuple[StudyScenario, ...]
    objective: Objective
    max_routes: int
    shipment: Shipment
    constraints: Constraints
    network_dir: Path | None = None
    assign: StudyAssign | None = None
    """The demand assignment run per scenario by ``study run --assign`` (:mod:`engine.studies.assignment`)."""

    @property
    def all_scenarios(self) -> tuple[StudyScenario, ...]:
        """The baseline first, then the other scenarios."""
        return (self.baseline, *self.scenarios)

    @property
    def query_count(self) -> int:
        """OD pairs × ready times × scenarios (before deduplication)."""
        return len(self.od_pairs) * len(self.ready_times) * len(self.all_scenarios)


def load_study(path: str | Path) -> Study:
    """Read and validate a study file.

    Raises
    ------
    InputFileError
        Every problem found, as ``file:line: field: message``.
    """
    path = Path(path)
    return parse_study(read_text_file(path), str(path), base_dir=path.resolve().parent)


def parse_study(text: str, file: str = "<study>", *, base_dir: Path | None = None) -> Study:
    """Parse study text; relative paths are taken from ``base_dir`` (default: the current directory)."""
    document = read_yaml(text, file)
    base = base_dir if base_dir is not None else Path.cwd()
    if not hasattr(document, "key_lines"):
        raise InputFileError([DataProblem(file, None, None, "must be a mapping (see the study file format)")])
    reader = _Reader(file, document, base, _item_lines(text, "od_pairs"))
    study = reader.study()
    if reader.problems:
        raise InputFileError(reader.problems)
    assert study is not None
    return study


class _Reader:
    """Collects every problem of one study document instead of stopping at the first."""

    def __init__(self, file: str, document: Any, base: Path, od_lines: list[int]) -> None:
        self.file = file
        self.od_lines = od_lines
        self.doc = document
        self.base = base
        self.problems: list[DataProblem] = []

    def line(self, key: str, mapping: Any = None) -> int:
        mapping = self.doc if mapping is None else mapping
        return int(getattr(mapping, "key_lines", {}).get(key, getattr(mapping, "line", 0)))

    def bad(self, key: str, message: str, mapping: Any = None) -> None:
        self.problems.append(DataProblem(self.file, self.line(key, mapping), key, message))

    def study(self) -> Study | None:
        for key in self.doc:
            if key not in KEYS:
                self.bad(key, f"unknown key; a study has {', '.join(KEYS)}")
        name = str(self.doc.get("name") or Path(self.file).stem)
        ods = self.od_pairs()
        ready = self.ready_times()
        baseline = self.baseline()
        scenarios = self.scenarios(baseline.name if baseline else "baseline")
        objective = self.objective()
        max_routes = self.max_routes()
        shipment = self.shipment()
        constraints = self.constraints()
        assign = parse_assign(
            self.doc.get("assign"),
            self.base,
            lambda key, message: self.problems.append(DataProblem(self.file, self.line("assign"), key, message)),
        )
        network_dir = None
        if self.doc.get("network") is not None:
            network_dir = (self.base / str(self.doc["network"])).resolve()
        if ods and ready and baseline is not None and len(ods) * len(ready) * (1 + len(scenarios)) > MAX_QUERIES:
            self.bad(
                "od_pairs",
                f"the study asks {len(ods) * len(ready) * (1 + len(scenarios))} queries; at most "
                f"{MAX_QUERIES} per study",
            )
        if self.problems or baseline is None or shipment is None or constraints is None or objective is None:
            return None
        return Study(
            name=name,
            title=str(self.doc.get("title") or name),
            file=self.file,
            od_pairs=ods,
            ready_times=ready,
            baseline=baseline,
            scenarios=scenarios,
            objective=objective,
            max_routes=max_routes,
            shipment=shipment,
            constraints=constraints,
            network_dir=network_dir,
            assign=assign,
        )

    def od_pairs(self) -> tuple[StudyOD, ...]:
        pairs: list[StudyOD] = []
        raw = self.doc.get("od_pairs")
        if raw is not None:
            if not isinstance(raw, list):
                self.bad("od_pairs", f"must be a list of [origin, destination] pairs, got {_short(raw)}")
            else:
                for index, item in enumerate(raw):
                    pair = self._pair(item)
                    if pair is None:
                        self.bad(
                            "od_pairs",
                            f"item {index} must be [origin, destination] or a mapping with "
                            f"'origin' and 'destination', got {_short(item)}",
                        )
                    else:
                        line = self.od_lines[index] if index < len(self.od_lines) else self.line("od_pairs")
                        pairs.append(StudyOD(pair[0], pair[1], line))
        origins = self._names("origins")
        destinations = self._names("destinations")
        if (origins is None) != (destinations is None):
            missing = "destinations" if destinations is None else "origins"
            self.bad(missing, "is required when the other of origins/destinations is given")
        elif origins is not None and destinations is not None:
            pairs.extend(StudyOD(o, d, self.line("origins")) for o in origins for d in destinations if o != d)
        if raw is None and origins is None:
            self.bad("od_pairs", "the study needs od_pairs or origins and destinations")
        unique: dict[tuple[str, str], StudyOD] = {}
        for od in pairs:
            if od.origin == od.destination:
                self.problems.append(
                    DataProblem(self.file, od.line, "od_pairs", f"origin and destination are both {od.origin!r}")
                )
            unique.setdefault((od.origin, od.destination), od)
        return tuple(unique.values())

    @staticmethod
    def _pair(item: Any) -> tuple[str, str] | None:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) and x for x in item):
            return item[0], item[1]
        if isinstance(item, dict) and set(item) == {"origin", "destination"}:
            o, d = item["origin"], item["destination"]
            if isinstance(o, str) and isinstance(d, str) and o and d:
                return o, d
        return None

    def _names(self, key: str) -> list[str] | None:
        raw = self.doc.get(key)
        if raw is None:
            return None
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
            self.bad(key, f"must be a non-empty list of node names, got {_short(raw)}")
            return []
        return list(dict.fromkeys(raw))

    def ready_times(self) -> tuple[datetime, ...]:
        raw = self.doc.get("ready")
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("dates", "weekly"):
            self.bad(
                "ready",
                "must be a mapping with 'dates' (a list of times) or 'weekly' "
                f"({{first: TIME, weeks: N}} or {{first: TIME, last: TIME}}), got {_short(raw)}",
            )
            return ()
        times: list[datetime] = []
        if "dates" in raw:
            values = raw["dates"]
            if not isinstance(values, list) or not values:
                self.bad("dates", f"must be a non-empty list of ISO 8601 times, got {_short(values)}", raw)
                return ()
            for value in values:
                moment = self._time(value, "dates", raw)
                if moment is not None:
                    times.append(moment)
        else:
            weekly = raw["weekly"]
            if (
                not isinstance(weekly, dict)
                or "first" not in weekly
                or len(set(weekly) & {"weeks", "last"}) != 1
                or not set(weekly) <= {"first", "weeks", "last"}
            ):
                self.bad(
                    "weekly",
                    f"must be {{first: TIME, weeks: N}} or {{first: TIME, last: TIME}}, got {_short(weekly)}",
                    raw,
                )
                return ()
            first = self._time(weekly["first"], "first", weekly)
            if first is None:
                return ()
            if "weeks" in weekly:
                weeks = weekly["weeks"]
                if not isinstance(weeks, int) or isinstance(weeks, bool) or not 1 <= weeks <= MAX_READY_TIMES:
                    self.bad(
                        "weeks", f"must be a whole number from 1 to {MAX_READY_TIMES}, got {_short(weeks)}", weekly
                    )
                    return ()
            else:
                last = self._time(weekly["last"], "last", weekly)
                if last is None:
                    return ()
                if last < first:
                    self.bad("last", f"{last.isoformat()} is before first {first.isoformat()}", weekly)
                    return ()
                weeks = (last - first) // timedelta(weeks=1) + 1
            times = [first + timedelta(weeks=k) for k in range(weeks)]
        if len(times) > MAX_READY_TIMES:
            self.bad("ready", f"has {len(times)} times; at most {MAX_READY_TIMES}")
        return tuple(sorted(set(times)))

    def _time(self, value: Any, key: str, mapping: Any) -> datetime | None:
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                self.bad(key, f"must be an ISO 8601 time like 2027-01-04T08:00Z, got {_short(value)}", mapping)
                return None
        if moment.tzinfo is None:
            self.bad(key, f"must carry a time zone (e.g. Z for UTC), got {_short(value)}", mapping)
            return None
        return moment.astimezone(UTC)

    def baseline(self) -> StudyScenario | None:
        raw = self.doc.get("baseline", "baseline")
        line = self.line("baseline")
        if isinstance(raw, str) and raw:
            return StudyScenario(raw, None, line)
        if isinstance(raw, dict) and set(raw) <= {"name", "file"} and isinstance(raw.get("name"), str):
            file = raw.get("file")
            if file is not None and not isinstance(file, str):
                self.bad("file", f"must be a scenario file path, got {_short(file)}", raw)
                return None
            return StudyScenario(raw["name"], self._scenario_path(file, "baseline") if file else None, line)
        self.bad("baseline", f"must be a name or {{name: NAME, file: SCENARIO.yaml}}, got {_short(raw)}")
        return None

    def scenarios(self, baseline: str) -> tuple[StudyScenario, ...]:
        raw = self.doc.get("scenarios")
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.bad("scenarios", f"must be a mapping of name: scenario file, got {_short(raw)}")
            return ()
        result = []
        for name, file in raw.items():
            if name == baseline:
                self.bad(name, "is the baseline's name; scenario names must differ from it", raw)
            elif not isinstance(file, str) or not file:
                self.bad(name, f"must be a scenario file path, got {_short(file)}", raw)
            else:
                path = self._scenario_path(file, name, raw)
                if path is not None:
                    result.append(StudyScenario(name, path, self.line(name, raw)))
        return tuple(result)

    def _scenario_path(self, file: str, key: str, mapping: Any = None) -> Path | None:
        path = (self.base / file).resolve()
        if not path.is_file():
            self.bad(key, f"scenario file {file!r} not found (looked for {path})", mapping)
            return None
        return path

    def objective(self) -> Objective | None:
        raw = self.doc.get("objective", "pareto")
        # WEIGHTED needs prices of time, transfers and CO2e, which a study file does not (yet) carry.
        allowed = [o for o in Objective if o is not Objective.WEIGHTED]
        if raw not in [o.value for o in allowed]:
            self.bad("objective", f"must be one of {', '.join(o.value for o in allowed)}, got {_short(raw)}")
            return None
        return Objective(raw)

    def max_routes(self) -> int:
        raw = self.doc.get("max_routes", 3)
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= MAX_ROUTES_LIMIT:
            self.bad("max_routes", f"must be a whole number from 1 to {MAX_ROUTES_LIMIT}, got {_short(raw)}")
            return 1
        return raw

    def shipment(self) -> Shipment | None:
        raw = self.doc.get("shipment", {"teu": 2, "gross_weight_kg": 20_000})
        if not isinstance(raw, dict) or not set(raw) <= {"teu", "gross_weight_kg", "cargo_class"}:
            self.bad("shipment", f"must be a mapping with teu, gross_weight_kg, cargo_class, got {_short(raw)}")
            return None
        try:
            cargo = CargoClass(raw.get("cargo_class", "general"))
        except ValueError:
            allowed = ", ".join(c.value for c in CargoClass)
            self.bad("cargo_class", f"must be one of {allowed}, got {_short(raw.get('cargo_class'))}", raw)
            return None
        teu = raw.get("teu", 2)
        try:
            return Shipment(
                teu=teu, gross_weight_kg=raw.get("gross_weight_kg", 10_000.0 * max(teu, 1)), cargo_class=cargo
            )
        except (InvalidRequest, TypeError) as exc:
            self._request_problems(exc, raw)
            return None

    def constraints(self) -> Constraints | None:
        raw = self.doc.get("constraints", {})
        if not isinstance(raw, dict):
            self.bad("constraints", f"must be a mapping, got {_short(raw)}")
            return None
        unknown = [k for k in raw if k not in CONSTRAINT_KEYS]
        for key in unknown:
            self.bad(key, f"unknown constraint; allowed: {', '.join(CONSTRAINT_KEYS)}", raw)
        if unknown:
            return None
        lists: dict[str, frozenset[str]] = {}
        for key in ("avoid_countries", "avoid_nodes", "avoid_operators", "avoid_modes"):
            value = raw.get(key, [])
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                self.bad(key, f"must be a list of text, got {_short(value)}", raw)
                return None
            lists[key] = frozenset(x.upper() if key == "avoid_countries" else x for x in value)
        modes = []
        for value in sorted(lists["avoid_modes"]):
            try:
                modes.append(Mode(value))
            except ValueError:
                self.bad("avoid_modes", f"must be among {', '.join(m.value for m in Mode)}, got {value!r}", raw)
                return None
        try:
            return Constraints(
                avoid_countries=lists["avoid_countries"],
                avoid_nodes=lists["avoid_nodes"],
                avoid_modes=frozenset(modes),
                avoid_operators=lists["avoid_operators"],
                max_transfers=raw.get("max_transfers"),
                max_cost_usd=raw.get("max_cost_usd"),
                max_co2e_kg=raw.get("max_co2e_kg"),
                allow_deconsolidation=bool(raw.get("allow_deconsolidation", False)),
            )
        except (InvalidRequest, TypeError) as exc:
            self._request_problems(exc, raw)
            return None

    def _request_problems(self, exc: Exception, mapping: Any) -> None:
        if isinstance(exc, InvalidRequest):
            for problem in exc.problems:
                key = problem.field.rsplit(".", 1)[-1]
                self.bad(key, problem.message, mapping)
        else:
            self.problems.append(DataProblem(self.file, getattr(mapping, "line", None), None, str(exc)))


def _item_lines(text: str, key: str) -> list[int]:
    """Line of each item of the top-level list ``key`` (the line-tracking reader keeps lines of mappings only)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) == key and isinstance(value_node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value_node.value]
    return []


def _short(value: Any, limit: int = 60) -> str:
    """A bounded ``repr`` for error messages (a pasted file must not come back whole)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
