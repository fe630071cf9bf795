"""The worker side's reading of its own resident memory (what the pool's memory bound is checked against)."""

from __future__ import annotations

import os

from engine.service import transport
from engine.service.transport import PAGE_BYTES, own_resident_bytes, resident_bytes


def test_own_resident_memory_matches_proc_and_follows_allocations() -> None:
    before = own_resident_bytes()
    assert before is not None
    assert abs(before - (resident_bytes(os.getpid()) or 0)) <= 64 * PAGE_BYTES
    ballast = bytearray(64 << 20)  # zero-filled: every page is touched
    grown = own_resident_bytes()
    assert grown is not None
    assert grown - before >= 60 << 20, "the kept descriptor must read the current figure, not the first one"
    del ballast


def test_a_failed_read_reopens_the_file_instead_of_giving_up() -> None:
    assert own_resident_bytes() is not None
    kept = transport._own_statm
    assert kept is not None
    os.close(kept[1])  # the kept descriptor goes bad behind the reader's back
    assert own_resident_bytes() is not None, "the memory bound must not be switched off by one failed read"
