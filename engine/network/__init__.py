"""Network snapshots: loading, validation, lookup, summaries and export."""

from engine.network.load import load_network
from engine.network.model import (
    CargoClass,
    EmissionFactor,
    Gauge,
    Link,
    LoadUnit,
    Mode,
    Network,
    Node,
    NodeKind,
    Service,
    ServiceKind,
    Source,
)

__all__ = [
    "CargoClass",
    "EmissionFactor",
    "Gauge",
    "Link",
    "LoadUnit",
    "Mode",
    "Network",
    "Node",
    "NodeKind",
    "Service",
    "ServiceKind",
    "Source",
    "load_network",
]
