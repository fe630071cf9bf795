"""The kinds the network's records are made of: modes, node kinds, load units, cargo classes, fee units, service
kinds, gauges and surcharge scopes (enumerations with no dependencies, re-exported by :mod:`engine.network.model`)."""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Mode(enum.StrEnum):
    """Transport mode of a link. ``FERRY`` is short-sea (Caspian, Black Sea); ``SEA`` is deep-sea."""

    RAIL = "rail"
    FERRY = "ferry"
    SEA = "sea"
    ROAD = "road"
    AIR = "air"


class NodeKind(enum.StrEnum):
    """What a node is. A node may be several kinds at once."""

    RAIL_TERMINAL = "rail_terminal"
    RAIL_JUNCTION = "rail_junction"
    DRY_PORT = "dry_port"
    SEAPORT = "seaport"
    FERRY_TERMINAL = "ferry_terminal"
    AIRPORT = "airport"
    BORDER_CROSSING = "border_crossing"
    GAUGE_CHANGE = "gauge_change"
    ROAD_HUB = "road_hub"
    WAYPOINT = "waypoint"


class LoadUnit(enum.StrEnum):
    """What the cargo rides in on a link. A change of load unit at a transfer costs a lift (handling)."""

    WAGON = "wagon"
    TRUCK = "truck"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


DEFAULT_LOAD_UNIT: Mapping[Mode, LoadUnit] = {
    Mode.RAIL: LoadUnit.WAGON,
    Mode.ROAD: LoadUnit.TRUCK,
    Mode.SEA: LoadUnit.VESSEL,
    Mode.AIR: LoadUnit.AIRCRAFT,
}


class CargoClass(enum.StrEnum):
    """Cargo classes with different rules (hazmat does not fly; reefers need plugs)."""

    GENERAL = "general"
    REEFER = "reefer"
    HAZMAT = "hazmat"


class FeeUnit(enum.StrEnum):
    """What a fee is charged per, as its source publishes it (handling, border and surcharge fees).

    ``wagon`` counts one wagon per 40ft box or per two 20ft boxes (:func:`engine.routing.pricing.wagons`);
    ``consignment`` is once per shipment (documents, a declaration); ``container_day`` (surcharges only) is per box
    and day of running time.
    """

    TEU = "teu"
    CONTAINER = "container"
    WAGON = "wagon"
    CONSIGNMENT = "consignment"
    CONTAINER_DAY = "container_day"


class ServiceKind(enum.StrEnum):
    """How a service departs: a weekly timetable, a fixed headway, or whenever the cargo is ready."""

    WEEKLY = "weekly"
    HEADWAY = "headway"
    CONTINUOUS = "continuous"


class Gauge(enum.IntEnum):
    """Rail track gauge in millimetres."""

    STANDARD = 1435
    BROAD = 1520


class SurchargeScope(enum.StrEnum):
    """Where a surcharge is charged (``surcharges.csv`` ``applies_to`` = ``scope:target``)."""

    LINK = "link"  # on taking this link (ids as in links.csv, reverse hops end in .R)
    SERVICE = "service"  # on every link of this service
    MODE = "mode"  # on every link of this mode (e.g. mode:ferry for reefer gensets)
    VIA = "via"  # on every link arriving at this node (a canal or strait passage, e.g. via:BAB_EL_MANDEB)
    TRANSFER = "transfer"  # when the cargo changes vehicle at this node (e.g. reefer plugs while handled)
