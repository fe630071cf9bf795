"""Running study chunks on Dask distributed: a local cluster on loopback, or an existing scheduler.

The scenario networks go to every worker once (``Client.scatter(..., broadcast=True)``); each task then carries
only its chunk of queries (a few hundred bytes) and a reference to them. A worker that dies mid-chunk loses
nothing: the scheduler re-runs its tasks on another worker (Dask's ``allowed-failures``), and the scattered
networks are still on the surviving workers. Rows come back per chunk; :func:`engine.studies.run.run_study`
puts them in one order, so the frame is identical to an in-process run.

Workers of an existing cluster (``--scheduler``) must have this package installed at the same version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

from engine.errors import InvalidRequest
from engine.studies.frame import Row
from engine.studies.run import QuerySettings, StudyNetworks, StudyTask, search_chunk

_LOCAL = re.compile(r"^local:(\d+)$")
_TCP = re.compile(r"^tcp://[^\s/:]+:\d+$")
MAX_LOCAL_WORKERS = 64


def parse_cluster(spec: str) -> int:
    """Worker count of a ``local:N`` cluster spec.

    Raises
    ------
    InvalidRequest
        ``cluster`` is not ``local:N`` with 1 ≤ N ≤ 64.
    """
    match = _LOCAL.match(spec)
    if match is None or not 1 <= int(match.group(1)) <= MAX_LOCAL_WORKERS:
        shown = spec if len(spec) <= 40 else spec[:39] + "…"
        raise InvalidRequest.single(
            "cluster", f"must be local:N with N from 1 to {MAX_LOCAL_WORKERS} worker processes, got {shown!r}"
        )
    return int(match.group(1))


def check_scheduler(address: str) -> str:
    """Check a scheduler address (``tcp://HOST:PORT``) and return it.

    Raises
    ------
    InvalidRequest
        Not a ``tcp://HOST:PORT`` address.
    """
    if _TCP.match(address) is None:
        shown = address if len(address) <= 60 else address[:59] + "…"
        raise InvalidRequest.single("scheduler", f"must be tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786, got {shown!r}")
    return address


class DaskRunner:
    """Runs chunks on a Dask cluster; a context manager that owns the cluster it starts.

    Parameters
    ----------
    workers
        Start a ``LocalCluster`` of this many single-threaded worker processes bound to 127.0.0.1.
    scheduler
        Or connect to this existing scheduler (``tcp://HOST:8786``); it is left running.
    on_chunk_done
        Test hook called with the client after each chunk's rows arrive (e.g. to kill a worker mid-study).
    """

    name = "dask"

    def __init__(
        self,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        on_chunk_done: Callable[[Any], None] | None = None,
    ) -> None:
        if (workers is None) == (scheduler is None):
            raise InvalidRequest.single("cluster", "give either a local worker count or a scheduler address")
        self._workers = workers
        self._scheduler = None if scheduler is None else check_scheduler(scheduler)
        self._on_chunk_done = on_chunk_done
        self._cluster: Any = None
        self.client: Any = None
        self.name = f"dask local:{workers}" if workers is not None else f"dask {scheduler}"
        self.parallelism = workers or 1

    def __enter__(self) -> DaskRunner:
        from distributed import Client, LocalCluster

        if self._workers is not None:
            self._cluster = LocalCluster(
                n_workers=self._workers,
                threads_per_worker=1,  # the search is pure Python: one thread per process, processes for cores
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=40,  # logging.ERROR: a killed worker's restart is not the user's business
            )
            self.client = Client(self._cluster)
        else:
            self.client = Client(self._scheduler, timeout="10s")
            workers = self.client.scheduler_info()["workers"].values()
            self.parallelism = max(1, sum(int(w.get("nthreads", 1)) for w in workers))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self.client = self._cluster = None

    def run(
        self, networks: StudyNetworks, settings: QuerySettings, chunks: Sequence[Sequence[StudyTask]]
    ) -> Iterator[list[Row]]:
        """Scatter the networks once, submit one task per chunk, yield rows as tasks complete."""
        from distributed import as_completed

        if self.client is None:
            raise RuntimeError("DaskRunner.run needs the runner entered (use it in a with-block)")
        if not chunks:
            return
        shared = self.client.scatter(networks, broadcast=True, hash=False)
        futures = [
            self.client.submit(search_chunk, shared, settings, list(chunk), pure=False, retries=2) for chunk in chunks
        ]
        for future in as_completed(futures):
            rows: list[Row] = future.result()
            future.release()
            if self._on_chunk_done is not None:
                self._on_chunk_done(self.client)
            yield rows
