"""What a forwarder asks: a shipment, a route query, its constraints and objective — validated when built.

Every validation message names the field, the value and what is allowed, e.g.
``shipment.teu: must be a whole number >= 0 (0 = loose cargo by weight), got -2``.
"""

from __future__ import annotations

import difflib
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.errors import FieldProblem, InvalidRequest, UnknownNode
from engine.network.countries import COUNTRY_NAMES
from engine.network.model import CargoClass, Mode, Network
from engine.network.places import unknown_node_near
from engine.routing.weights import Weights as Weights

MAX_GROSS_KG_PER_TEU = 30_480.0
"""ISO 668 maximum gross mass of a 20ft container (kg); a shipment heavier per TEU cannot be containerised."""

MAX_ROUTES_LIMIT = 100
MAX_PARETO_TOLERANCE = 1.0
"""An ε-Pareto set may be at most this loose (1 = routes within twice the Pareto-optimal values)."""


class ContainerType(enum.StrEnum):
    """ISO container types a shipment can be booked in (what a forwarder quotes per box)."""

    DRY_20 = "20ft"
    DRY_40 = "40ft"
    HIGH_CUBE_40 = "40ft_hc"
    REEFER_40 = "40ft_reefer"

    @property
    def teu(self) -> int:
        """Twenty-foot equivalent units of one box of this type (1 or 2)."""
        return 1 if self is ContainerType.DRY_20 else 2


MAX_CONTAINERS_PER_TYPE = 10_000
"""Upper bound of one container count (a block train holds ~100 TEU; this only stops absurd input)."""


class Objective(enum.StrEnum):
    """What "best" means for a query."""

    PARETO = "pareto"
    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    FEWEST_TRANSFERS = "fewest_transfers"
    LOWEST_CO2E = "lowest_co2e"
    WEIGHTED = "weighted"
    MOST_RELIABLE = "most_reliable"
    """Rank the exact Pareto set of the P50 model by its arrival bands (docs/RELIABILITY.md)."""


@dataclass(frozen=True)
class Shipment:
    """The cargo.

    Attributes
    ----------
    teu
        Containers in twenty-foot equivalent units (a 40ft box is 2 TEU). ``0`` means loose cargo given by weight
        alone: it travels by air and road only. Without ``containers`` it is a shorthand for boxes: every 2 TEU are
        one 40ft dry box and an odd TEU adds one 20ft box (``teu=3`` = one 40ft + one 20ft). With ``containers``,
        ``teu`` may be 0 (it is then derived from the boxes) or must equal their TEU.
    gross_weight_kg
        Weight of the cargo with its packaging, without container tare (kg). Used for air tariffs, weight limits
        and tonne-km for CO2e.
    cargo_class
        ``general``, ``reefer`` (needs power where it changes vehicle) or ``hazmat`` (never flies). A 40ft reefer
        box makes general cargo ``reefer``.
    containers
        Boxes by type and count, e.g. ``((ContainerType.DRY_40, 1), (ContainerType.DRY_20, 2))``; each type at
        most once, counts >= 1. Empty: the boxes follow from ``teu`` (see above).

    Examples
    --------
    >>> Shipment(teu=2, gross_weight_kg=20_000).tonnes
    20.0
    >>> Shipment(teu=-2, gross_weight_kg=20_000)
    Traceback (most recent call last):
    ...
    engine.errors.InvalidRequest: shipment.teu: must be a whole number >= 0 (0 = loose cargo by weight), got -2
    """

    teu: int
    gross_weight_kg: float
    cargo_class: CargoClass = CargoClass.GENERAL
    containers: tuple[tuple[ContainerType, int], ...] = ()

    def __post_init__(self) -> None:
        problems = container_problems(self.containers, self.teu, self.cargo_class, "shipment")
        if not problems and self.containers:
            derived = sum(kind.teu * count for kind, count in self.containers)
            object.__setattr__(self, "teu", derived)  # frozen: derived once, while the object is being built
            if self.cargo_class is CargoClass.GENERAL and any(
                kind is ContainerType.REEFER_40 for kind, _ in self.containers
            ):
                object.__setattr__(self, "cargo_class", CargoClass.REEFER)
        problems += shipment_problems(self.teu, self.gross_weight_kg, self.cargo_class, "shipment")
        if problems:
            raise InvalidRequest(problems)

    @property
    def boxes(self) -> tuple[tuple[ContainerType, int], ...]:
        """The boxes by type, from ``containers`` or the ``teu`` shorthand (empty for loose cargo).

        >>> Shipment(teu=3, gross_weight_kg=20_000).boxes
        ((<ContainerType.DRY_40: '40ft'>, 1), (<ContainerType.DRY_20: '20ft'>, 1))
        """
        if self.containers:
            return self.containers
        pairs = ((ContainerType.DRY_40, self.teu // 2), (ContainerType.DRY_20, self.teu % 2))
        return tuple((kind, count) for kind, count in pairs if count)

    @property
    def container_count(self) -> int:
        """Number of boxes (0 for loose cargo)."""
        return sum(count for _, count in self.boxes)

    @property
    def is_loose(self) -> bool:
        """True for loose cargo given by weight alone (no containers)."""
        return self.teu == 0

    @property
    def tonnes(self) -> float:
        """Gross weight in tonnes."""
        return self.gross_weight_kg / 1000.0


def container_problems(containers: object, teu: object, cargo_class: object, prefix: str) -> list[FieldProblem]:
    """Problems with ``containers`` (types, counts, repeats) and its agreement with ``teu`` and ``cargo_class``."""
    if containers == ():
        return []
    field_name = f"{prefix}.containers"
    allowed = ", ".join(kind.value for kind in ContainerType)
    if not isinstance(containers, tuple):
        return [FieldProblem(field_name, f"must be a tuple of (container type, count) pairs, got {containers!r:.80}")]
    problems: list[FieldProblem] = []
    seen: set[ContainerType] = set()
    total = 0
    for item in containers:
        kind, count = item if isinstance(item, tuple) and len(item) == 2 else (None, None)
        if not isinstance(kind, ContainerType):
            problems.append(FieldProblem(field_name, f"container type must be one of {allowed}, got {item!r:.80}"))
            continue
        if not (isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= MAX_CONTAINERS_PER_TYPE):
            problems.append(
                FieldProblem(
                    field_name,
                    f"count of {kind.value} must be a whole number 1–{MAX_CONTAINERS_PER_TYPE}, got {count!r}",
                )
            )
            continue
        if kind in seen:
            problems.append(FieldProblem(field_name, f"lists {kind.value} twice (give each type once with its count)"))
        seen.add(kind)
        total += kind.teu * count
    if not problems and teu not in (0, total):
        problems.append(
            FieldProblem(f"{prefix}.teu", f"must be 0 (derived) or {total} to agree with the containers, got {teu!r}")
        )
    if ContainerType.REEFER_40 in seen and cargo_class is CargoClass.HAZMAT:
        problems.append(
            FieldProblem(
                f"{prefix}.cargo_class", "hazmat cannot ride in a 40ft_reefer box in this model (reefer rules)"
            )
        )
    return problems


def shipment_problems(teu: object, gross_weight_kg: object, cargo_class: object, prefix: str) -> list[FieldProblem]:
    """Every problem with the shipment fields (used by the dataclass and by the service's request checks)."""
    problems: list[FieldProblem] = []
    teu_ok = isinstance(teu, int) and not isinstance(teu, bool) and teu >= 0
    if not teu_ok:
        problems.append(
            FieldProblem(f"{prefix}.teu", f"must be a whole number >= 0 (0 = loose cargo by weight), got {teu!r}")
        )
    weight_ok = isinstance(gross_weight_kg, int | float) and math.isfinite(gross_weight_kg) and gross_weight_kg > 0
    if not weight_ok:
        problems.append(FieldProblem(f"{prefix}.gross_weight_kg", f"must be > 0 kg, got {gross_weight_kg!r}"))
    if teu_ok and weight_ok:
        assert isinstance(teu, int) and isinstance(gross_weight_kg, int | float)
        if teu > 0 and gross_weight_kg > teu * MAX_GROSS_KG_PER_TEU:
            problems.append(
                FieldProblem(
                    f"{prefix}.gross_weight_kg",
                    f"{gross_weight_kg:g} kg does not fit {teu} TEU (at most {MAX_GROSS_KG_PER_TEU:g} kg per TEU)",
                )
            )
    if not isinstance(cargo_class, CargoClass):
        allowed = ", ".join(c.value for c in CargoClass)
        problems.append(FieldProblem(f"{prefix}.cargo_class", f"must be one of {allowed}, got {cargo_class!r}"))
    return problems


@dataclass(frozen=True)
class Constraints:
    """Hard limits applied inside the search (never as post-filters).

    Attributes
    ----------
    avoid_countries
        ISO 3166-1 alpha-2 codes the route must not touch.
    avoid_nodes, avoid_modes, avoid_operators
        Node ids, modes and operator names (case-insensitive) not to use.
    via
        Node ids the route must pass, in this order.
    max_transfers
        At most this many changes of vehicle.
    arrive_by
        Latest arrival (timezone-aware).
    max_cost_usd, max_co2e_kg
        Budget (USD) and CO2e cap (kg, well-to-wheel).
    allow_deconsolidation
        Whether containers may be unstuffed at an airport to fly as loose cargo.
    min_on_time_probability
        Keep only routes of the P50 model's Pareto set whose replays arrive by ``arrive_by`` at least this often
        (0–1; needs ``arrive_by``). Unlike the other limits it filters the Pareto set after the search.
    """

    avoid_countries: frozenset[str] = frozenset()
    avoid_nodes: frozenset[str] = frozenset()
    avoid_modes: frozenset[Mode] = frozenset()
    avoid_operators: frozenset[str] = frozenset()
    via: tuple[str, ...] = ()
    max_transfers: int | None = None
    arrive_by: datetime | None = None
    max_cost_usd: float | None = None
    max_co2e_kg: float | None = None
    allow_deconsolidation: bool = False
    min_on_time_probability: float | None = None

    def __post_init__(self) -> None:
        problems: list[FieldProblem] = []
        probability = self.min_on_time_probability
        if probability is not None:
            if not (isinstance(probability, int | float) and math.isfinite(probability) and 0 < probability <= 1):
                problems.append(
                    FieldProblem(
                        "constraints.min_on_time_probability", f"must be a share in (0, 1], got {probability!r}"
                    )
                )
            elif self.arrive_by is None:
                problems.append(
                    FieldProblem(
                        "constraints.min_on_time_probability",
                        f"{probability!r} needs constraints.arrive_by (on time means by that deadline)",
                    )
                )
        for code in sorted(self.avoid_countries):
            if code not in COUNTRY_NAMES:
                problems.append(
                    FieldProblem(
                        "constraints.avoid_countries", f"must be ISO 3166-1 alpha-2 codes like 'RU', got {code!r}"
                    )
                )
        for mode in self.avoid_modes:
            if not isinstance(mode, Mode):
                allowed = ", ".join(m.value for m in Mode)
                problems.append(FieldProblem("constraints.avoid_modes", f"must be among {allowed}, got {mode!r}"))
        if self.max_transfers is not None and (
            not isinstance(self.max_transfers, int) or isinstance(self.max_transfers, bool) or self.max_transfers < 0
        ):
            problems.append(
                FieldProblem("constraints.max_transfers", f"must be a whole number >= 0, got {self.max_transfers!r}")
            )
        if self.arrive_by is not None and self.arrive_by.tzinfo is None:
            problems.append(
                FieldProblem(
                    "constraints.arrive_by", f"must carry a time zone (e.g. UTC), got {self.arrive_by.isoformat()}"
                )
            )
        for name in ("max_cost_usd", "max_co2e_kg"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                problems.append(FieldProblem(f"constraints.{name}", f"must be > 0, got {value!r}"))
        if len(set(self.via)) != len(self.via):
            problems.append(FieldProblem("constraints.via", f"lists a node twice: {', '.join(self.via)}"))
        if problems:
            raise InvalidRequest(problems)

    @property
    def operators_folded(self) -> frozenset[str]:
        """Avoided operators, case-folded for comparison."""
        return frozenset(o.casefold() for o in self.avoid_operators)


def constraints_from(
    *,
    avoid_countries: Iterable[str] = (),
    avoid_nodes: Iterable[str] = (),
    avoid_modes: Iterable[Mode] = (),
    avoid_operators: Iterable[str] = (),
    via: Iterable[str] = (),
    max_transfers: int | None = None,
    arrive_by: datetime | None = None,
    max_cost_usd: float | None = None,
    max_co2e_kg: float | None = None,
    allow_deconsolidation: bool = False,
    min_on_time_probability: float | None = None,
) -> Constraints:
    """Constraints from plain values as a caller typed them: the one builder the CLI and the service share.

    Country codes are trimmed and upper-cased; node ids, operator names and via nodes are trimmed. Names are not
    resolved here: callers that accept node names (the CLI) resolve them to ids first.

    Parameters
    ----------
    avoid_countries
        ISO 3166-1 alpha-2 codes, any case (``"ru"`` is ``"RU"``).
    avoid_nodes, via
        Node ids; ``via`` in the order the route must pass them.
    avoid_modes
        Modes not to use.
    avoid_operators
        Operator names (compared case-insensitively by the search).
    max_transfers
        At most this many changes of vehicle.
    arrive_by
        Latest arrival, timezone-aware.
    max_cost_usd, max_co2e_kg
        Budget in USD and CO2e cap in kg (well-to-wheel).
    allow_deconsolidation
        Whether containers may be unstuffed at an airport to fly as loose cargo.
    min_on_time_probability
        Least share of replays arriving by ``arrive_by`` (0–1).

    Raises
    ------
    InvalidRequest
        Naming every bad field (``constraints.avoid_countries``, ``constraints.max_cost_usd``, ...).

    Examples
    --------
    >>> constraints_from(avoid_countries=[" ru", "by"], via=["AKTAU "]).avoid_countries == {"RU", "BY"}
    True
    """
    return Constraints(
        avoid_countries=frozenset(code.strip().upper() for code in avoid_countries),
        avoid_nodes=frozenset(node_id.strip() for node_id in avoid_nodes),
        avoid_modes=frozenset(avoid_modes),
        avoid_operators=frozenset(operator.strip() for operator in avoid_operators),
        via=tuple(node_id.strip() for node_id in via),
        max_transfers=max_transfers,
        arrive_by=arrive_by,
        max_cost_usd=max_cost_usd,
        max_co2e_kg=max_co2e_kg,
        allow_deconsolidation=allow_deconsolidation,
        min_on_time_probability=min_on_time_probability,
    )


@dataclass(frozen=True)
class RouteQuery:
    """One routing question.

    Attributes
    ----------
    origin, destination
        Node ids.
    ready
        When the cargo is ready at the origin (timezone-aware; converted to UTC, rounded up to the minute).
    shipment
        The cargo.
    objective
        ``PARETO`` (default) returns a representative subset of the exact Pareto set; the single objectives return
        the best route and really different alternatives.
    constraints
        Hard limits.
    max_routes
        At most this many routes (1–100).
    weights
        Prices of time, transfers and CO2e for ``WEIGHTED``.
    pareto_tolerance
        0 (the default): the Pareto set is exact. ``ε`` > 0 (at most 1): an ε-Pareto set, for analysts who trade a
        stated tolerance for speed: for every Pareto-optimal route the set holds a route no worse than ``1 + ε``
        times it on each criterion (time counted from the ready time). The answer repeats the tolerance.
    """

    origin: str
    destination: str
    ready: datetime
    shipment: Shipment
    objective: Objective = Objective.PARETO
    constraints: Constraints = field(default_factory=Constraints)
    max_routes: int = 5
    weights: Weights = field(default_factory=Weights)
    pareto_tolerance: float = 0.0

    def __post_init__(self) -> None:
        problems: list[FieldProblem] = []
        if not self.origin:
            problems.append(FieldProblem("origin", "is required (a node id)"))
        if not self.destination:
            problems.append(FieldProblem("destination", "is required (a node id)"))
        if self.origin and self.origin == self.destination:
            problems.append(FieldProblem("destination", f"must differ from the origin, got {self.destination!r} twice"))
        if self.ready.tzinfo is None:
            problems.append(FieldProblem("ready", f"must carry a time zone (e.g. UTC), got {self.ready.isoformat()}"))
        elif (
            self.constraints.arrive_by is not None
            and self.constraints.arrive_by.tzinfo is not None
            and self.constraints.arrive_by <= self.ready
        ):
            deadline = self.constraints.arrive_by.isoformat()
            problems.append(
                FieldProblem(
                    "constraints.arrive_by", f"{deadline} is not after the ready time {self.ready.isoformat()}"
                )
            )
        if not isinstance(self.objective, Objective):
            allowed = ", ".join(o.value for o in Objective)
            problems.append(FieldProblem("objective", f"must be one of {allowed}, got {self.objective!r}"))
        if not (isinstance(self.max_routes, int) and 1 <= self.max_routes <= MAX_ROUTES_LIMIT):
            problems.append(
                FieldProblem("max_routes", f"must be between 1 and {MAX_ROUTES_LIMIT}, got {self.max_routes!r}")
            )
        tolerance = self.pareto_tolerance
        if not (isinstance(tolerance, int | float) and 0.0 <= tolerance <= MAX_PARETO_TOLERANCE):
            problems.append(
                FieldProblem(
                    "pareto_tolerance",
                    f"must be between 0 (exact) and {MAX_PARETO_TOLERANCE:g} (a relative tolerance), got {tolerance!r}",
                )
            )
        if problems:
            raise InvalidRequest(problems)

    @property
    def ready_utc(self) -> datetime:
        """The ready time in UTC."""
        return self.ready.astimezone(UTC)

    def check_against(self, network: Network) -> None:
        """Raise if the query names nodes the network does not have or contradicts itself on this network.

        Raises
        ------
        UnknownNode
            For an unknown origin or destination (the service maps this to NOT_FOUND).
        InvalidRequest
            For unknown via/avoid nodes, or an origin/destination inside an avoided country or node set.
        """
        for name in ("origin", "destination"):
            node_id = getattr(self, name)
            if node_id not in network.nodes:
                candidates = tuple(m.node.id for m in network.node_index.search(node_id, limit=3))
                if not candidates:
                    candidates = tuple(difflib.get_close_matches(node_id.upper(), list(network.nodes), n=3))
                raise unknown_node_near(UnknownNode(name, node_id, network.label, candidates), network)
        problems: list[FieldProblem] = []
        for node_id in self.constraints.via:
            if node_id not in network.nodes:
                problems.append(
                    FieldProblem("constraints.via", f"{node_id!r} is not a node of network {network.label}")
                )
        for node_id in sorted(self.constraints.avoid_nodes):
            if node_id not in network.nodes:
                problems.append(
                    FieldProblem("constraints.avoid_nodes", f"{node_id!r} is not a node of network {network.label}")
                )
        for name in ("origin", "destination"):
            node = network.nodes[getattr(self, name)]
            if node.id in self.constraints.avoid_nodes or node.id in self.constraints.via:
                which = "avoid_nodes" if node.id in self.constraints.avoid_nodes else "via"
                problems.append(FieldProblem(f"constraints.{which}", f"contains the {name} {node.id!r}"))
            if node.country in self.constraints.avoid_countries:
                problems.append(
                    FieldProblem(
                        "constraints.avoid_countries",
                        f"the {name} {node.id!r} is in {node.country}, which the query avoids",
                    )
                )
        for node_id in self.constraints.via:
            via_node = network.nodes.get(node_id)
            if via_node is not None and (
                via_node.territory in self.constraints.avoid_countries or node_id in self.constraints.avoid_nodes
            ):
                problems.append(FieldProblem("constraints.via", f"{node_id!r} is also avoided"))
        if problems:
            raise InvalidRequest(problems)
