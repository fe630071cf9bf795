"""The memo behind per-query derivations of cached views: sources by identity, scalar values by equality."""

from __future__ import annotations

from engine.routing.identity_memo import IdentityMemo


def test_sources_are_compared_by_identity_and_values_by_equality() -> None:
    memo: IdentityMemo[tuple[int, float]] = IdentityMemo(8)
    builds: list[int] = []

    def build(sources: list[int], kg: float) -> tuple[int, float]:
        builds.append(1)
        return sum(sources), kg

    a, b = [1, 2], [1, 2]  # equal, but not the same object
    assert memo.get((a,), lambda: build(a, 20_000.0), (20_000.0,)) == (3, 20_000.0)
    assert memo.get((a,), lambda: build(a, 20_000.0), (20_000.0,)) == (3, 20_000.0)
    assert len(builds) == 1
    assert memo.get((b,), lambda: build(b, 20_000.0), (20_000.0,)) == (3, 20_000.0)  # another object: built
    assert memo.get((a,), lambda: build(a, 22_000.0), (22_000.0,)) == (3, 22_000.0)  # another weight: built
    assert len(builds) == 3


def test_the_memo_empties_when_full() -> None:
    memo: IdentityMemo[int] = IdentityMemo(2)
    kept = [[n] for n in range(3)]
    for source in kept:
        memo.get((source,), lambda s=source: s[0])  # type: ignore[misc]
    builds: list[int] = []
    assert memo.get((kept[0],), lambda: builds.append(1) or 0) == 0  # type: ignore[func-returns-value]
    assert builds == [1]  # the first entry went when the third came
