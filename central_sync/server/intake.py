"""Single orders from concurrent requests taken in together (group commit): one worker thread
takes every order waiting when its last transaction ended and ingests them in one transaction —
one feed lock, one read of the figures, one commit — then answers each request with its own
outcome. Under a flash sale the lock and the commit are paid once per batch, not per order."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from central_sync.server.orders import Outcome
from central_sync.store.db import DatabaseBusy, StorageFull

log = logging.getLogger("central.intake")
MAX_BATCH = 500


class Intake:
    """`submit(raw)` (on the event loop) → a future of the order's outcome (index 0, as if it
    came alone). A batch's answers reach the loop in one call, not one wake-up per order."""

    def __init__(self, ingest: Callable[[Sequence[Any]], list[Outcome]]) -> None:
        self._ingest = ingest
        self._queue: queue.SimpleQueue[Waiting | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.batches = 0
        self.orders = 0

    def submit(self, raw: Any) -> asyncio.Future[Outcome]:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        with self._lock:
            if self._stopped:
                raise RuntimeError("central is stopping")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="central-intake", daemon=True
                )
                self._thread.start()
        self._queue.put((raw, future))
        return future

    def stop(self) -> None:
        with self._lock:
            self._stopped, thread = True, self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(30.0)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            waiting = [first]
            while len(waiting) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                waiting.append(item)
            _answer(self._take(waiting))

    def _take(self, waiting: list[Waiting]) -> list[Answer]:
        try:
            outcomes = self._ingest([raw for raw, _ in waiting])
        except (DatabaseBusy, StorageFull) as exc:  # each alone would fail the same way
            return [(future, exc) for _, future in waiting]
        except Exception:
            if len(waiting) == 1:
                log.exception("an order could not be taken in")
                return [(waiting[0][1], RuntimeError("the order could not be taken in"))]
            # one order's fault must not fail the others: each alone
            return [answer for item in waiting for answer in self._take([item])]
        self.batches += 1
        self.orders += len(waiting)
        return [
            (future, dataclasses.replace(outcome, index=0))
            for (_, future), outcome in zip(waiting, outcomes, strict=True)
        ]


Waiting = tuple[Any, "asyncio.Future[Outcome]"]
Answer = tuple["asyncio.Future[Outcome]", Outcome | BaseException]


def _answer(answers: list[Answer]) -> None:
    """Each request's answer handed to its event loop: one call per loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Answer]] = {}
    for future, answer in answers:
        by_loop.setdefault(future.get_loop(), []).append((future, answer))
    for loop, theirs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(_resolve, theirs)


def _resolve(answers: list[Answer]) -> None:
    for future, answer in answers:
        if future.done():  # the request was cancelled (the client went away)
            continue
        if isinstance(answer, BaseException):
            future.set_exception(answer)
        else:
            future.set_result(answer)
