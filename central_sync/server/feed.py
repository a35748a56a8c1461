"""The change feed down to each edge: written in the writer's transaction, read by cursor, and a
notifier that wakes the long-polls of this process: after its own commits, and on PostgreSQL
after any process's (LISTEN/NOTIFY, store/listen.py); a re-check every second or so is the
fallback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from typing import Any

from central_sync.store import edges, feed
from central_sync.store.db import Tx, utc_now

MAX_PAGE = 500
# A held long-poll reads the feed again after this long even if nothing woke it (a change by
# another process: a CLI import on SQLite; on PostgreSQL while LISTEN is down); seldom while
# LISTEN holds, as then every process's commit wakes it.
RECHECK_S = 1.0
LISTENING_RECHECK_S = 10.0
DEFAULT_PAGE = 100


def add_change(
    tx: Tx, edge_id: str, kind: str, data: dict[str, Any], *, order_id: str | None
) -> None:
    """Queue one change for `edge_id`; its cursor is drawn in commit order (see lock_feed)."""
    add_changes(tx, [(edge_id, kind, data, order_id)])


def add_changes(tx: Tx, changes: Sequence[tuple[str, str, dict[str, Any], str | None]]) -> None:
    """Queue many changes (edge_id, type, data, order_id) with one statement, in this order."""
    if not changes:
        return
    tx.lock_feed()
    now = utc_now()
    feed.insert_changes(
        tx,
        (
            (edge_id, kind, order_id, json.dumps(data, ensure_ascii=False, sort_keys=True), now)
            for edge_id, kind, data, order_id in changes
        ),
    )
    tx.feed_written = True
    tx.notify_feed()


def add_to_every_edge(tx: Tx, kind: str, data: dict[str, Any]) -> int:
    every = edges.edge_ids(tx)
    for edge_id in every:
        add_change(tx, edge_id, kind, data, order_id=None)
    return len(every)


def changes_after(tx: Tx, edge_id: str, after: int, limit: int) -> dict[str, Any]:
    """The page of changes after cursor `after`, and the cursor to ask from next."""
    rows = feed.changes_after(tx, edge_id, after, limit)
    changes = [
        {
            "cursor": int(r["id"]),
            "type": r["type"],
            "order_id": r["order_id"],
            "data": json.loads(r["data"]),
        }
        for r in rows
    ]
    return {"changes": changes, "next": changes[-1]["cursor"] if changes else after}


class Notifier:
    """Wakes the long-polls waiting in this process when a change commits."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.waiting = 0  # long-polls holding a request now
        # set while LISTEN holds (PostgreSQL): every process's commits wake us, re-check seldom
        self.listening: threading.Event | None = None

    @property
    def recheck_s(self) -> float:
        """How long a long-poll waits before it reads the feed again unwoken."""
        heard = self.listening is not None and self.listening.is_set()
        return LISTENING_RECHECK_S if heard else RECHECK_S

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def current(self) -> asyncio.Event:
        """Take this before reading the feed: a commit after the read still sets it."""
        return self._event

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def notify_threadsafe(self) -> None:
        """Called from a worker thread after a commit that wrote changes."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.notify)

    async def wait(self, event: asyncio.Event, timeout: float) -> None:
        self.waiting += 1
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self.waiting -= 1
