"""The two storage backends' differences, kept to a few lines each: the database URL, how to
connect, placeholders, the auto-numbered key column, and how a writer serialises.

Everything else (schema, queries, logic) is one portable SQL code path: `INSERT … ON CONFLICT …
DO UPDATE`, `RETURNING`, JSON kept as text and times as ISO 8601 text work alike in SQLite ≥
3.35 and PostgreSQL.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from edge.files import private_database

SQLITE_PREFIX = "sqlite:///"
PG_SCHEMES = ("postgresql://", "postgres://")
# Any constant: the advisory lock that serialises writers of the change feed (see `Dialect`).
FEED_LOCK = 7_263_104
# The namespace of the advisory locks taken by name (`Tx.lock_key`).
KEY_LOCKS = 7_263_105
# The LISTEN/NOTIFY channel of a schema's change feed (PostgreSQL; names are at most 63 bytes).
FEED_CHANNEL = "left('central_feed_' || current_schema(), 63)"


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed `--db` value: a SQLite file path or a PostgreSQL connection URL."""

    backend: str  # "sqlite" | "postgresql"
    target: str

    def display(self) -> str:
        """The URL without its password, for logs and the console."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.target}"
        parts = urlsplit(self.target)
        if parts.password is None:
            return self.target
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))


def parse_db_url(text: str) -> DatabaseUrl:
    """`sqlite:///relative.db`, `sqlite:////absolute.db`, a plain path, or `postgresql://…`.

    Raises ValueError with a sentence saying what is expected."""
    value = text.strip()
    if not value:
        raise ValueError("is empty; give a file path, sqlite:///PATH or postgresql://…")
    if value.startswith(PG_SCHEMES):
        if not urlsplit(value).hostname and "host=" not in value:
            raise ValueError(f"{value!r} names no host (postgresql://USER:PASSWORD@HOST/DB)")
        return DatabaseUrl("postgresql", value)
    if value.startswith(SQLITE_PREFIX):
        value = value[len(SQLITE_PREFIX) :]
        if not value:
            raise ValueError("sqlite:/// needs a file path after it")
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        scheme = value.split("://")[0]
        raise ValueError(f"scheme {scheme}:// is not supported (sqlite:/// or postgresql://)")
    return DatabaseUrl("sqlite", str(Path(value)))


class Dialect:
    """The SQLite flavour; `PostgresDialect` overrides what differs."""

    name = "sqlite"
    identity = "INTEGER PRIMARY KEY AUTOINCREMENT"  # never re-uses a number (change cursors)
    for_update = ""
    pipelines = False  # statements can be sent without waiting for each answer (pipeline())
    count_tables = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"

    def __init__(self, url: DatabaseUrl, *, busy_timeout_s: float = 30.0) -> None:
        self.url = url
        self.busy_timeout_s = busy_timeout_s

    def connect(self) -> Any:
        if self.url.target != ":memory:":
            private_database(self.url.target)  # orders and addresses: owner-only
        conn = sqlite3.connect(
            self.url.target,
            isolation_level=None,
            check_same_thread=False,
            timeout=self.busy_timeout_s,
        )
        conn.row_factory = _dict_row
        # WAL lets readers run beside the writer; FULL: an acknowledged batch survives a power cut.
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
        return conn

    def sql(self, text: str) -> str:
        return text

    def pipeline(self, conn: Any) -> AbstractContextManager[Any] | None:  # noqa: ARG002
        """PostgreSQL's pipeline mode on `conn` (statements sent without waiting for each
        answer, all answered by one round trip); None where each statement goes alone."""
        return None

    def begin(self, *, write: bool) -> str:
        # IMMEDIATE takes the write lock at once: writers queue here instead of failing later.
        return "BEGIN IMMEDIATE" if write else "BEGIN"

    def lock_edge(self) -> str | None:
        return None  # BEGIN IMMEDIATE already serialises every writer

    def lock_feed(self) -> str | None:
        return None

    def notify_feed(self) -> str | None:
        return None  # one process serves a SQLite file: its own notifier wakes its long-polls

    def lock_key(self) -> str | None:
        return None  # BEGIN IMMEDIATE already serialises every writer

    def integrity_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.IntegrityError,)

    def is_broken(self, conn: Any) -> bool:  # noqa: ARG002 (sqlite3 has no broken state)
        return False

    def is_busy(self, exc: BaseException) -> bool:
        """Another process held the write lock past the busy timeout ("database is locked")."""
        return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(
            ("database is locked", "database is busy")
        )

    def changes(self, conn: Any) -> int | None:
        """Rows changed on `conn` so far (SQLite), None where the driver does not count them."""
        return int(conn.total_changes)

    def is_full(self, exc: BaseException) -> bool:
        """The disk holding the database is full (SQLITE_FULL; PostgreSQL's disk_full, 53100)."""
        if isinstance(exc, sqlite3.OperationalError):
            return str(exc).startswith("database or disk is full")
        return getattr(exc, "sqlstate", None) == "53100"


class PostgresDialect(Dialect):
    name = "postgresql"
    identity = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    for_update = " FOR UPDATE"
    pipelines = True

    def changes(self, conn: Any) -> int | None:  # noqa: ARG002 (psycopg keeps no such count)
        return None

    count_tables = (
        "SELECT COUNT(*) FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_name = ?"
    )

    def connect(self) -> Any:
        # psycopg only where central runs on PostgreSQL: a SQLite central never loads the driver
        import psycopg
        from psycopg.rows import dict_row

        return psycopg.connect(
            self.url.target, autocommit=True, row_factory=dict_row, connect_timeout=10
        )

    def sql(self, text: str) -> str:
        return _pg_sql(text)

    def pipeline(self, conn: Any) -> AbstractContextManager[Any] | None:
        return conn.pipeline()  # type: ignore[no-any-return]

    def begin(self, *, write: bool) -> str:  # noqa: ARG002
        # Row locks (lock_edge) and the feed lock serialise what must be; no table lock needed.
        return "BEGIN"

    def lock_edge(self) -> str | None:
        # The edge's row is the per-edge mutex: two batches of one edge apply one after the other.
        return "SELECT edge_id FROM edges WHERE edge_id = ? FOR UPDATE"

    def lock_feed(self) -> str | None:
        # Writers of the change feed take this lock before drawing a cursor and hold it to commit,
        # so cursors become visible in increasing order and a reader never skips one.
        return f"SELECT pg_advisory_xact_lock({FEED_LOCK})"

    def lock_key(self) -> str | None:
        # A lock on one name (its hash) to the transaction's end, apart from the feed lock:
        # writers deciding about the same thing (one exception) take turns, nothing else waits.
        return f"SELECT pg_advisory_xact_lock({KEY_LOCKS}, hashtext(?))"

    def notify_feed(self) -> str | None:
        # Delivered at commit to every central process LISTENing (store/listen.py); the channel
        # is per schema, so centrals on other schemas of one database are not woken.
        return f"SELECT pg_notify({FEED_CHANNEL}, '')"

    def integrity_errors(self) -> tuple[type[Exception], ...]:
        import psycopg  # as in connect(): loaded on PostgreSQL only

        return (psycopg.errors.IntegrityError,)

    def is_broken(self, conn: Any) -> bool:
        return bool(conn.closed or conn.broken)


_PG_CACHE: dict[str, str] = {}


def _pg_sql(text: str) -> str:
    found = _PG_CACHE.get(text)
    if found is None:
        found = _PG_CACHE[text] = text.replace("%", "%%").replace("?", "%s")
    return found


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


def dialect_for(url: DatabaseUrl, *, busy_timeout_s: float = 30.0) -> Dialect:
    """The dialect of `url`; `busy_timeout_s`: how long SQLite waits for another process's
    write lock before the request is answered `database_busy`."""
    kind = PostgresDialect if url.backend == "postgresql" else Dialect
    return kind(url, busy_timeout_s=busy_timeout_s)
