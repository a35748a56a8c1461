"""Opening the edge's SQLite file: the pragmas every connection needs, and migrations; reading
rows as plain dicts."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from edge.files import private_database

# synchronous=FULL: an acknowledged scan must survive a power cut, so every commit waits for
# the WAL fsync. busy_timeout: readers and the admin CLI wait instead of failing.
# journal_size_limit: the WAL grows while a long read (a backup, a report) holds an old
# snapshot; without a limit the file keeps that size for good once the read ends. With it,
# the next checkpoint that starts the WAL over cuts the file back to this size.
WAL_SIZE_LIMIT = 64 * 1024 * 1024
PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL")


def connect(path: Path | str, *, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are begun explicitly (BEGIN IMMEDIATE)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    for pragma in PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA journal_size_limit = {int(WAL_SIZE_LIMIT)}")
    return conn


def rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """The rows of a read, each as a dict of its columns."""
    return [dict(r) for r in conn.execute(sql, params)]


def open_database(path: Path | str, *, busy_timeout_ms: int = 5000) -> list[str]:
    """Create the file if needed (owner-only, edge/files.py) and run pending migrations; returns
    the migrations applied."""
    private_database(path)
    conn = sqlite3.connect(str(path))
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        # here, not at the top: sqlite_utils (click, pluggy, dateutil) stays out of the writer
        # process, which never migrates (test_writer_imports)
        from sqlite_utils import Database

        # the migrations import sqlite_utils too (same reason)
        from edge.store.schema import migrate

        return migrate(Database(conn))
    finally:
        conn.close()


class Readers:
    """One read connection per thread (WAL readers never block the writer)."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        self._timeout = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._path, busy_timeout_ms=self._timeout)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
