"""Unassigned orders are tried again in the background, not in the request that moved the stock:
an edge's batch names the SKUs whose figures it changed and returns; one thread per process takes
every SKU named since its last pass and tries the waiting orders with a line of one of them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("central.retry")


class Retrier:
    """Collects changed SKUs and runs `retry(skus)` on them in one worker thread, started lazily;
    with `min_interval_s`, a pass starts at most that long after the last one began (what
    changes meanwhile joins it), unless `settle` is waiting."""

    def __init__(self, retry: Callable[[set[str]], Any], *, min_interval_s: float = 0.0) -> None:
        self._retry = retry
        self._pending: set[str] = set()
        self._busy = False
        self._stopped = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._interval = min_interval_s
        self._next = 0.0  # monotonic time the next pass may start
        self._hurried = 0  # settle() callers waiting

    def add(self, skus: Iterable[str]) -> None:
        with self._cond:
            if self._stopped:
                return
            self._pending |= set(skus)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="central-retry", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until every SKU named so far has been retried; False on timeout."""
        with self._cond:
            self._hurried += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)
            finally:
                self._hurried -= 1

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(30.0)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._stopped)
                self._cond.wait_for(
                    lambda: self._stopped or self._hurried or time.monotonic() >= self._next,
                    max(0.0, self._next - time.monotonic()),
                )
                if self._stopped:
                    return
                skus, self._pending, self._busy = self._pending, set(), True
                self._next = time.monotonic() + self._interval
            try:
                self._retry(skus)
            except Exception:  # the next batch names its SKUs again; the log says why
                log.exception("retrying unassigned orders for %d SKUs failed", len(skus))
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
