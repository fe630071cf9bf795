"""Find nodes by id, name, alias or UN/LOCODE — case-, accent- and punctuation-insensitive.

``"Xian"``, ``"Xi'an"`` and ``"XIAN"`` all find Xi'an; ``"Constanta"`` finds Constanța.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from engine.errors import FieldProblem, InvalidRequest, UnknownNode

# The index is a view the snapshot (engine.network.model.Network) builds of itself, so this module must not import
# the model: it is generic over anything with the names a node is found by.


class NamedPlace(Protocol):
    """What a node is found and filtered by (a :class:`~engine.network.model.Node` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def locode(self) -> str | None: ...
    @property
    def country(self) -> str: ...
    @property
    def kinds(self) -> Collection[object]: ...


PlaceT = TypeVar("PlaceT", bound=NamedPlace)


def normalise(text: str) -> str:
    """Fold case, strip accents and drop everything but letters and digits: ``"Xi’an"`` → ``"xian"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = folded.replace("ı", "i").replace("ł", "l").replace("ø", "o").replace("ß", "ss").replace("ə", "e")
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(frozen=True)
class NodeMatch(Generic[PlaceT]):
    """A node found by a search, with how well it matched (0 = exact id, 1 = exact name/alias/LOCODE, 2 =
    prefix, 3 = substring)."""

    node: PlaceT
    rank: int


class NodeIndex(Generic[PlaceT]):
    """Search structure over one network's nodes (build once per snapshot).

    Parameters
    ----------
    nodes
        The network's nodes by id.
    network_label
        ``name@version`` of the network, used in messages.
    """

    def __init__(self, nodes: Mapping[str, PlaceT], network_label: str) -> None:
        self._nodes = nodes
        self._label = network_label
        self._keys: list[tuple[PlaceT, tuple[str, ...]]] = []
        for node in nodes.values():
            names = (node.id, node.name, *node.aliases, *((node.locode,) if node.locode else ()))
            self._keys.append((node, tuple(dict.fromkeys(normalise(n) for n in names if normalise(n)))))

    def search(self, query: str, limit: int | None = None) -> list[NodeMatch[PlaceT]]:
        """Nodes matching ``query``, best first, ties by id. An empty query matches every node."""
        wanted = normalise(query)
        matches: list[NodeMatch[PlaceT]] = []
        for node, keys in self._keys:
            if not wanted:
                rank = 3
            elif query.strip() == node.id:
                rank = 0
            elif wanted in keys:
                rank = 1
            elif any(k.startswith(wanted) for k in keys):
                rank = 2
            elif any(wanted in k for k in keys):
                rank = 3
            else:
                continue
            matches.append(NodeMatch(node, rank))
        matches.sort(key=lambda m: (m.rank, m.node.id))
        return matches[:limit] if limit is not None else matches

    def find_nodes(self, query: str, *, country: str | None = None, kind: object | None = None) -> list[PlaceT]:
        """Nodes matching ``query`` (as :meth:`search`, best first), in ``country`` and of ``kind`` when given.

        ``country`` is an ISO 3166-1 alpha-2 code in any case (blank means any country); ``kind`` a
        :class:`~engine.network.model.NodeKind`. The CLI's ``network nodes`` and the service's ListNodes both
        list nodes this way.
        """
        wanted_country = (country or "").strip().upper()
        return [
            m.node
            for m in self.search(query)
            if (not wanted_country or m.node.country == wanted_country) and (kind is None or kind in m.node.kinds)
        ]

    def resolve(self, query: str, field: str = "node") -> PlaceT:
        """The one node ``query`` names.

        Raises
        ------
        UnknownNode
            When nothing matches (with close candidates when there are any).
        InvalidRequest
            When the query is ambiguous; the message lists the candidates.
        """
        if query in self._nodes:
            return self._nodes[query]
        matches = self.search(query)
        if not matches:
            raise UnknownNode(field, query, self._label)
        best_rank = matches[0].rank
        best = [m for m in matches if m.rank == best_rank]
        if len(best) == 1:
            return best[0].node
        listed = ", ".join(f"{m.node.id} ({m.node.name})" for m in best[:10])
        more = f" and {len(best) - 10} more" if len(best) > 10 else ""
        raise InvalidRequest(
            [FieldProblem(field, f"{query!r} is ambiguous; it matches {listed}{more}. Use a node id.")]
        )
