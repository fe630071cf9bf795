"""One minute of the soak (``make soak`` runs ten at 80 % of the peak): no errors, bounded memory, health answered
throughout. In the suite the open-loop load is 60 % of the peak measured just before: the suite's own earlier
servers and the test runner share the two cores, and a peak measured in a quiet second overloads a busier one."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.soak import soak
from engine.network.paths import default_network_dir
from tests.contract.conftest import start_server
from tests.contract.health_watch import health_watched


@pytest.mark.timeout(300)
def test_a_minute_at_60_percent_of_the_peak() -> None:
    running = start_server(default_network_dir(), 2)
    try:
        with health_watched(running.address, every_s=1.0) as seen:
            result = asyncio.run(soak(running.address, running.process.pid, duration_s=60, window_s=10, load_share=0.6))
    finally:
        assert running.stop(timeout=60) == 0
    errors = [w for w in result["windows"] if w["errors"]]
    assert result["errors"] == 0, errors
    assert result["calls"] > 60  # the load really ran
    assert sum(w["cancelled"] for w in result["windows"]) > 0
    assert result["rss_growth"] < 0.10, result["windows"]
    assert not seen.failures, seen.failures
