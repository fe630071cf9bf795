"""How grpcio's C core runs in ``corridor serve``: chosen before grpc is imported, because the core reads its
settings once, when it loads.

**Poller.** grpcio 1.81 does a server's socket I/O on EventEngine threads by default (the core experiment
``event_engine_poller_for_python``) and hands every completion to the thread that polls the completion queue for
``grpc.aio``, which then wakes the event loop: three threads take turns for each event of a call. With the experiment
off, the polling thread does the I/O itself. Measured on the realistic mix served (8 in flight on 2 channels, 2
workers, the load client on the same 2 cores, ABAB in one window): the EventEngine threads woke 2.8-3.0 times a
call with it on and 0.2-0.6 with it off, the poller thread 3.4-4.3 against 2.7-2.9, the event loop was preempted
1-2.4 times a call against 0.1-0.4; throughput 282-438 against 331-460 req/s (median of 4: 312 against 448) and
the workers were busy 0.46-0.70 of the time against 0.52-0.73. The throughput gain depends on what else runs: in a
later window (load 5-7.5 from other work) 10 interleaved pairs gave medians of 365 against 324 req/s, each side
ahead in 5; there the EventEngine threads woke 3.1 against 0.5 times a call, the loop was preempted 1.8 against
1.4 times and the main process's CPU a call was 0.61 against 0.55 ms (medians). Pooled over every interleaved run
(23 each side): a median of 311 against 437 req/s. In a third window (8 pairs, load ~3) the runs made while nothing
else ran gave the same with and without it, 474-484 against 477-489 req/s, with 1.89 of the 2 cores busy (CPU a
call: workers 2.98-3.10 ms, main process 0.56-0.59, load client 0.30-0.32): the setting helps when other processes
compete for the cores, not on an idle machine.

Measured in the same way and not kept: uvloop as the event loop (main-process CPU 0.50-0.57 against 0.52-0.68 ms a
call, ABAB x4 on a busy machine: within the noise; the loop is a small part of it, grpc's own Python and the
kernel's wake-ups are most); ``GRPC_POLL_STRATEGY=poll`` on top of the setting (the same wake-ups a call, medians of 5
pairs 344 against 259 req/s at load 4-7, main-process CPU 0.62 against 0.57 ms: noise, not a lever). The server's
own code is ~5 % of the main process's CPU: ``_unary`` and its logging 11.5 us a call around a pool that answers at
once (the JSON log line 8.5 us of it), the pool's path ~16 us.

The experiment is due to leave grpcio (grpc/grpc#42828) once EventEngine polling is the only way; an operator's own
``GRPC_EXPERIMENTS`` (even empty) is left alone, and ``tests/service/test_grpc_runtime.py`` fails once a grpcio
update stops honouring the setting.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

EXPERIMENTS_VARIABLE = "GRPC_EXPERIMENTS"
CORE_EXPERIMENTS = "-event_engine_poller_for_python"
"""The core experiments ``corridor serve`` (and the benchmarks' load client) run with unless the operator chose
some: the completion-queue poller does the I/O (see the module docstring)."""


def choose_core_experiments(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Set :data:`CORE_EXPERIMENTS` in ``environ`` for the gRPC core this process is about to load.

    Returns ``True`` when it was set; ``False`` when the operator already set ``GRPC_EXPERIMENTS`` (their choice
    stands) or when grpc's core is already loaded (too late: it read its settings then). Worker processes inherit
    the variable with the rest of the environment; they only use grpc's status codes.
    """
    if "grpc._cython.cygrpc" in sys.modules or EXPERIMENTS_VARIABLE in environ:
        return False
    environ[EXPERIMENTS_VARIABLE] = CORE_EXPERIMENTS
    return True
