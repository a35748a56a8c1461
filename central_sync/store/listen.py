"""Several central processes on one PostgreSQL: each LISTENs on its schema's feed channel over a
dedicated connection, so a change committed by any process wakes the long-polls held by every
process (feed.add_changes NOTIFYs in the writing transaction; PostgreSQL delivers at commit).

The connection is watched: when it breaks, the listener says so once, wakes the long-polls (a
change may have gone by unheard) and connects again with a growing pause; the long-polls' own
re-check covers the gap."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from central_sync.store.dialect import FEED_CHANNEL, DatabaseUrl, dialect_for

log = logging.getLogger("central.listen")
POLL_S = 0.1  # how often the thread looks whether it is asked to stop
PAUSE_S = (0.5, 1.0, 2.0, 5.0, 10.0)  # between attempts to connect again


class FeedListener:
    """A thread that calls `on_change()` for each feed notification of the schema."""

    def __init__(self, url: DatabaseUrl, on_change: Callable[[], None]) -> None:
        self._dialect = dialect_for(url)
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self.listening = threading.Event()  # set while LISTEN holds
        self.heard = 0  # notifications taken (for tests and /metrics)

    def start(self) -> FeedListener:
        self._thread = threading.Thread(target=self._run, name="central-listen", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as exc:  # the database went away: say so once, then try again
                if failures == 0:
                    log.warning("listening for feed changes failed (%s); connecting again", exc)
                pause = PAUSE_S[min(failures, len(PAUSE_S) - 1)]
                failures += 1
                self._stop.wait(pause)
            finally:
                self.listening.clear()
                if self._conn is not None:
                    with suppress(Exception):
                        self._conn.close()
                    self._conn = None
                self._on_change()  # a change may have gone by while not listening

    def _listen(self) -> None:
        from psycopg import sql  # loaded on PostgreSQL only, as in the dialect

        self._conn = conn = self._dialect.connect()
        channel = conn.execute(f"SELECT {FEED_CHANNEL} AS channel").fetchone()["channel"]
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self._on_change()  # what committed before LISTEN held is read again
        self.listening.set()
        while not self._stop.is_set():
            for _ in conn.notifies(timeout=POLL_S):
                self.heard += 1
                self._on_change()
