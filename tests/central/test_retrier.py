"""The background passes (retry of waiting orders, the channels' figures): changes named while a
pass runs, or within its interval, are taken by one later pass; `settle` never waits the
interval out."""

from __future__ import annotations

import threading
import time

from central_sync.server.retry import Retrier


def test_changes_named_within_the_interval_are_taken_by_one_pass_after_it() -> None:
    passes: list[tuple[float, set[str]]] = []
    first_done = threading.Event()

    def run(skus: set[str]) -> None:
        passes.append((time.monotonic(), skus))
        first_done.set()

    retrier = Retrier(run, min_interval_s=0.5)
    try:
        retrier.add({"A"})
        assert first_done.wait(5.0)
        for sku in ("B", "C", "D"):
            retrier.add({sku})
        time.sleep(0.2)
        assert [skus for _, skus in passes] == [{"A"}]  # within the interval: none yet
        deadline = time.monotonic() + 5.0
        while len(passes) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        retrier.stop()

    assert [skus for _, skus in passes] == [{"A"}, {"B", "C", "D"}]
    assert passes[1][0] - passes[0][0] >= 0.5


def test_settle_runs_what_is_named_at_once_without_waiting_the_interval() -> None:
    passes: list[set[str]] = []
    retrier = Retrier(passes.append, min_interval_s=30.0)
    try:
        retrier.add({"A"})
        assert retrier.settle(5.0)
        retrier.add({"B"})
        started = time.monotonic()
        assert retrier.settle(5.0)
        assert time.monotonic() - started < 5.0
    finally:
        retrier.stop()

    assert passes == [{"A"}, {"B"}]
