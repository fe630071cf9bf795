"""Where numba keeps the compiled kernel's machine code: one folder per digest of the kernel's sources.

Its own module so that every compiled module that inlines the kernel's rules (the search loop, the arrival profile)
can point numba there before it compiles, without importing the search driver.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

KERNEL_SOURCES = (
    "kernel_jit.py",
    "kernel_store.py",
    "kernel_front.py",
    "kernel_rules.py",
    "kernel_layers.py",
    "kernel_layout.py",
    "kernel_tables.py",
    "arrival_profile_jit.py",
    "timetable.py",
)
"""Files whose code (or constants) the compiled kernel contains: its on-disk cache is keyed by their digest."""


def use_kernel_cache() -> None:
    """Point numba's on-disk cache at this build's folder, before a module of :data:`KERNEL_SOURCES` compiles.

    numba keys each cached function by its own file's timestamp only, so a change to a function it inlines from
    another file (or to a constant) would load stale machine code: one cache folder per source digest."""
    import numba  # here: only large networks and servers pay for its import

    here = Path(__file__).parent
    digest = hashlib.blake2b(b"".join((here / name).read_bytes() for name in KERNEL_SOURCES), digest_size=8)
    numba.config.CACHE_DIR = str(here / "__pycache__" / f"kernel-{digest.hexdigest()}")  # type: ignore[attr-defined]
