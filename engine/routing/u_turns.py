"""The no-U-turn rule as the search applies it: a block per link instead of the previous node in the state."""

from __future__ import annotations

from engine.routing.compiled import CompiledNetwork


def u_turn_blocks(compiled: CompiledNetwork) -> tuple[int, ...]:
    """Per link ``u → v`` of service ``s``: ``u`` if ``s`` also has a link ``v → u``, else -1.

    Why the previous node is not part of a bag's state, and what replaces it. The only thing the previous node
    changes is the no-U-turn rule (:meth:`QueryContext.step`: aboard ``s`` at ``v`` having come from ``u``, the
    links of ``s`` from ``v`` back to ``u`` are closed). So a label's set of possible continuations is that of its
    state ``(node, service, loose, via)`` minus the links its *block* closes: none when the service has no link
    back (block -1), else the links of ``s`` from ``v`` to ``u`` (block ``u``). Label ``a`` may replace label
    ``b`` of the same state when ``a``'s vector dominates ``b``'s **and** every continuation open to ``b`` is open
    to ``a``: ``a.block`` is -1 or equals ``b.block`` (blocks of different nodes close disjoint link sets). That
    side condition keeps dominance exact (the brute-force tests judge it) while labels that came from different
    nodes, or whose service cannot turn back, share a bag and prune each other.

    Equal vectors: the label already in the bag stays (the first found is the route returned, as before); a
    newcomer with an equal vector and a wider set of continuations joins the bag beside it instead of replacing
    it, so each vector keeps the route the search has always returned.
    """
    return compiled.network.views.get(
        ("routing.u_turn_blocks", len(compiled.link_ids)), lambda: _u_turn_blocks(compiled)
    )


def _u_turn_blocks(compiled: CompiledNetwork) -> tuple[int, ...]:
    runs = set(zip(compiled.link_from, compiled.link_to, compiled.link_service, strict=True))
    return tuple(
        u if (v, u, s) in runs else -1
        for u, v, s in zip(compiled.link_from, compiled.link_to, compiled.link_service, strict=True)
    )
