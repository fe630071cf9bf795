"""The Dask runner gives the in-process rows exactly, also when a worker is killed in the middle of the study."""

from __future__ import annotations

import os
import signal
from typing import Any

import polars as pl
import pytest

from engine.errors import InvalidRequest
from engine.network import Network
from engine.studies import Study, run_study
from engine.studies.dask_runner import DaskRunner, check_scheduler, parse_cluster

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def in_process(small_study: Study, shipped_network: Network) -> pl.DataFrame:
    return run_study(small_study, shipped_network, deduplicate=False).frame


def test_local_cluster_rows_are_identical(
    small_study: Study, shipped_network: Network, in_process: pl.DataFrame
) -> None:
    with DaskRunner(workers=2) as runner:
        result = run_study(small_study, shipped_network, runner=runner, deduplicate=False, chunk_size=4)
        assert all(address.startswith("tcp://127.0.0.1:") for address in runner.client.scheduler_info()["workers"])
    assert result.stats.runner == "dask local:2"
    assert result.stats.chunks > 2
    assert result.frame.equals(in_process)


def test_a_killed_worker_s_chunk_is_retried(
    small_study: Study, shipped_network: Network, in_process: pl.DataFrame
) -> None:
    killed: list[int] = []

    def kill_one_worker(client: Any) -> None:
        # After the first chunk: SIGKILL one worker process while the others' chunks are queued or running.
        if not killed:
            pid = min(client.run(os.getpid).values())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with DaskRunner(workers=2, on_chunk_done=kill_one_worker) as runner:
        result = run_study(small_study, shipped_network, runner=runner, deduplicate=False, chunk_size=1)
    assert killed
    assert result.stats.chunks == 24
    assert result.frame.equals(in_process)


def test_bad_cluster_specs() -> None:
    assert parse_cluster("local:2") == 2
    with pytest.raises(InvalidRequest, match=r"cluster: must be local:N with N from 1 to 64 .*got 'local:0'"):
        parse_cluster("local:0")
    with pytest.raises(InvalidRequest, match="got 'remote'"):
        parse_cluster("remote")
    assert check_scheduler("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    with pytest.raises(InvalidRequest, match=r"scheduler: must be tcp://HOST:PORT"):
        check_scheduler("http://x")
