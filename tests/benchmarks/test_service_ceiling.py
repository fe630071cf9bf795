"""The ceiling of the served throughput ratio (``benchmarks/service_realistic.ceiling``)."""

from __future__ import annotations

import pytest

from benchmarks.service_realistic import ceiling


def test_the_ceiling_divides_the_work_by_the_work_and_what_grpc_and_the_client_cost_a_call() -> None:
    # 3 ms of work; the paced echo 0.5 ms a call, its client 0.5: at most 3 / 4 of the limit with both cores busy.
    # Served: 3 + 0.5 + 0.5 ms of CPU a request at 400 req/s keep 1.6 of 2 cores busy, so 0.8 of them.
    paced = {"cpu_ms_per_request": {"server_main": 0.5, "workers": 0.0, "client": 0.5}}
    served = {"cpu_ms_per_request": {"server_main": 0.5, "workers": 3.0, "client": 0.5}, "throughput_rps": 400.0}
    top = ceiling(3.0, paced, served, 2)
    assert top == pytest.approx({"all_cores_busy": 0.75, "busy": 0.8, "at_busy": 0.6})


def test_a_server_whose_own_code_costs_nothing_would_reach_the_ceiling_with_every_core_busy() -> None:
    # Served CPU a request = the work + the paced echo's + the client's, every core busy: throughput ÷ limit is
    # exactly the ceiling.
    work, echo, client, cores = 2.8, 0.33, 0.21, 2
    throughput = cores * 1000 / (work + echo + client)
    paced = {"cpu_ms_per_request": {"server_main": echo, "workers": 0.0, "client": client}}
    served = {
        "cpu_ms_per_request": {"server_main": echo, "workers": work, "client": client},
        "throughput_rps": throughput,
    }
    top = ceiling(work, paced, served, cores)
    limit = cores * 1000 / work
    assert top["busy"] == pytest.approx(1.0)
    assert top["all_cores_busy"] == pytest.approx(throughput / limit, abs=1e-3)
    assert top["at_busy"] == pytest.approx(top["all_cores_busy"], abs=1e-3)
