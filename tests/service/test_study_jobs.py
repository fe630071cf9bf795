"""How the server cuts a study into chunks: every query answered exactly once, no chunk answering more than its
row budget allows, whatever the weekly repeats."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from engine.service.study_jobs import ChunkItem, cut_chunks
from engine.studies.run import StudyTask

START = datetime(2027, 1, 4, 8, tzinfo=UTC)


def task(origin: str, week: int = 0) -> StudyTask:
    return StudyTask("baseline", origin, "ISTANBUL", START + timedelta(weeks=week))


def answered(chunks: list[list[ChunkItem]]) -> list[StudyTask]:
    queries = []
    for chunk in chunks:
        for item in chunk:
            queries += [item.task] if item.answers_task else []
            queries += [repeat for repeat, _ in item.repeats]
    return queries


@pytest.mark.parametrize(("max_routes", "limit"), [(100, 100), (3, 3_333), (1, 10_000), (10_001, 1)])
def test_every_query_once_and_no_chunk_over_its_rows(max_routes: int, limit: int) -> None:
    sources = [task(origin) for origin in ("SHANGHAI", "XIAN", "CHONGQING", "ALMATY")]
    weeks = {"SHANGHAI": 520, "XIAN": 1, "CHONGQING": 250, "ALMATY": 99}
    repeats_of = {s: [(task(s.origin, w), w) for w in range(1, weeks[s.origin])] for s in sources}
    chunks = cut_chunks([sources[:2], sources[2:]], repeats_of, max_routes)
    queries = answered(chunks)
    expected = sources + [repeat for repeats in repeats_of.values() for repeat, _ in repeats]
    assert Counter(queries) == Counter(expected)  # each answered once, repeats included
    assert all(sum(i.answers_task + len(i.repeats) for i in chunk) <= limit for chunk in chunks)
    assert all(chunk for chunk in chunks)
    # a query is searched again only when its repeats spill over, never from a chunk that could hold them
    searches = Counter(item.task for chunk in chunks for item in chunk)
    for source in sources:
        assert searches[source] == max(1, -(-(weeks[source.origin]) // limit))


def test_the_plan_groups_are_never_merged() -> None:
    first, second = [task("SHANGHAI")], [task("XIAN")]
    chunks = cut_chunks([first, second], {}, 3)
    assert [[item.task for item in chunk] for chunk in chunks] == [first, second]
