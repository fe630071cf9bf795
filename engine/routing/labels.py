"""Labels of the label-setting search: partial routes with their criteria vectors (:mod:`engine.routing.search`)."""

from __future__ import annotations

from engine.routing.costing import Step

Vector = tuple[int, int, int, int]
Completion = tuple[float, float, float, float]
"""An optimistic completion: a label's vector plus lower bounds (cents and grams may be fractional)."""


class Label:
    """A partial route (see the module docstring). ``parent`` and ``step`` rebuild the route.

    ``alive`` turns false when a better label replaces this one in its bag; the heap then skips it.
    """

    __slots__ = (
        "alive",
        "block",
        "link",
        "loose",
        "node",
        "optimistic",
        "parent",
        "service",
        "step",
        "vector",
        "via",
    )

    def __init__(
        self,
        vector: Vector,
        node: int,
        service: int,
        loose: bool,
        via: int,
        parent: Label | None,
        link: int,
        step: Step | None,
    ) -> None:
        self.vector = vector
        self.node = node
        self.service = service
        self.loose = loose
        self.via = via
        self.parent = parent
        self.link = link
        self.step = step
        self.alive = True
        self.block = -1  # the node this label may not turn straight back to aboard its service (-1: none)
        self.optimistic: Completion = vector

    def __repr__(self) -> str:
        return f"Label(vector={self.vector}, node={self.node}, service={self.service}, via={self.via})"
