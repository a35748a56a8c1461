"""Connections and transactions over either backend: a small pool, and `Tx`, the one object
the logic talks to (plain SQL with `?` placeholders, rows as dicts)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import orjson

from central_sync.store.dialect import DatabaseUrl, Dialect, dialect_for, parse_db_url
from kernel.disk import has_room

log = logging.getLogger("central.store")


def stamp(at: datetime) -> str:
    """`at` (UTC) as central writes times: ISO 8601 with microseconds (sorts as text)."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> str:
    """Now as central writes times."""
    return stamp(datetime.now(UTC))


def where(**equal: Any) -> tuple[str, list[Any]]:
    """` WHERE a = ? AND b = ?` for the columns given a value (None and "" leave a column out)
    and their params; ("", []) when none is given. Keys name columns (`r__id` is `r.id`)."""
    given = {k.replace("__", "."): v for k, v in equal.items() if v is not None and v != ""}
    if not given:
        return "", []
    return " WHERE " + " AND ".join(f"{k} = ?" for k in given), list(given.values())


class Tx:
    """One open transaction. `memo` lives as long as the transaction (locks taken, …)."""

    def __init__(self, conn: Any, dialect: Dialect, *, begin: str | None = None) -> None:
        self.conn = conn
        self.dialect = dialect
        self.memo: dict[str | tuple[str, str], Any] = {}
        self.feed_written = False
        # run once each, in order, just before COMMIT (running totals kept in the same transaction)
        self.before_commit: dict[str, Callable[[Tx], None]] = {}
        self._begin = begin  # not sent yet: it goes with the first statement (PostgreSQL)
        self._ahead: dict[tuple[str, tuple[Any, ...]], Any] = {}  # statements read ahead
        self._issuing = False
        self._pipe: Any = None  # the pipeline of a `pipelined` block
        self._to_commit: Any = None  # the pipeline `pipelined_to_commit` opened

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._begun()
        text, args = self.dialect.sql(sql), tuple(params)
        if self._ahead and not self._issuing:
            found = self._ahead.pop((text, args), None)
            if found is not None:
                return found
            self._ahead.clear()  # anything read ahead may be older than this statement's effect
        cursor = self.conn.execute(text, args)
        if self._issuing:
            self._ahead[(text, args)] = cursor
            return _NOT_YET
        if self._pipe is not None:
            return _Piped(cursor, self._pipe)
        return cursor

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        listed = [tuple(r) for r in rows]
        if listed:
            if self._issuing:
                raise RuntimeError("only reads are read ahead")
            self._begun()
            self._ahead.clear()
            self.conn.cursor().executemany(self.dialect.sql(sql), listed)

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Rows of `columns` into `table` (the names the caller's, never a user's), in their
        order. PostgreSQL: one statement whatever their count, the rows one JSON parameter
        spread over the table's own row type (`json_populate_recordset`), so psycopg adapts one
        value instead of each field of each row (two fifths of its share of an intake batch's
        CPU, bench/README.md "Session 30"). SQLite: one prepared statement run for each row."""
        listed = [tuple(r) for r in rows]
        if not listed:
            return
        names = ", ".join(columns)
        if self.dialect.name != "postgresql":
            marks = ", ".join("?" * len(columns))
            self.many(f"INSERT INTO {table} ({names}) VALUES ({marks})", listed)
            return
        spread = orjson.dumps([dict(zip(columns, r, strict=True)) for r in listed], default=str)
        self.execute(
            f"INSERT INTO {table} ({names}) SELECT {names}"
            f" FROM json_populate_recordset(NULL::{table}, ?::json)",
            (spread.decode(),),
        )

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        row = self.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def read_ahead(self, *reads: Callable[[Tx], Any]) -> None:
        """PostgreSQL: the statements these reads make sent now, together with the BEGIN if not
        yet sent, and all answered in one round trip; the same statement made again next is
        answered from them (a statement not read ahead drops the rest: they may be older than
        its effect). Elsewhere nothing is sent: each read goes when it is made. The reads must
        only read (their results are empty while they are sent)."""
        pipeline = self.dialect.pipeline(self.conn)
        if pipeline is None:
            return
        with pipeline:
            self._issuing = True
            try:
                for read in reads:
                    read(self)
            finally:
                self._issuing = False

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """PostgreSQL: the statements of the block sent without waiting for each answer (a read
        waits for its own rows, a rowcount for its statement), the rest answered at the block's
        end, where an error in any of them is raised; elsewhere one by one."""
        self._begun()
        pipeline = self.dialect.pipeline(self.conn)
        if pipeline is None or self._pipe is not None:  # in an open one: it answers them
            yield
            return
        with pipeline as self._pipe:
            try:
                yield
            finally:
                self._pipe = None

    def pipelined_to_commit(self) -> None:
        """As `pipelined` from here to the end of the transaction: what is left to send goes
        with the COMMIT, answered by its one wait (PostgreSQL; elsewhere nothing changes)."""
        if self._pipe is not None or not self.dialect.pipelines:
            return
        self._begun()
        self._to_commit = self.dialect.pipeline(self.conn)
        self._pipe = self._to_commit.__enter__()

    def _end_pipeline(self, exc: BaseException | None = None) -> None:
        """The pipeline `pipelined_to_commit` opened, closed: every answer waited for (an
        error among them raised unless `exc` is already on its way)."""
        if self._to_commit is not None:
            pipeline, self._to_commit, self._pipe = self._to_commit, None, None
            pipeline.__exit__(type(exc) if exc else None, exc, None)

    def _begun(self) -> None:
        if self._begin is not None:
            begin, self._begin = self._begin, None
            self.conn.execute(begin)

    def lock_edge(self, edge_id: str) -> None:
        sql = self.dialect.lock_edge()
        if sql and ("edge", edge_id) not in self.memo:
            self.execute(sql, (edge_id,))
            self.memo[("edge", edge_id)] = True

    def lock_feed(self) -> None:
        sql = self.dialect.lock_feed()
        if sql and "feed" not in self.memo:
            self.execute(sql)
            self.memo["feed"] = True

    def lock_key(self, name: str) -> None:
        """Hold a lock on `name` to this transaction's end (PostgreSQL; SQLite has one writer)."""
        sql = self.dialect.lock_key()
        if sql and ("key", name) not in self.memo:
            self.execute(sql, (name,))
            self.memo[("key", name)] = True

    def notify_feed(self) -> None:
        """Wake the long-polls of every central process on this database when this commits."""
        sql = self.dialect.notify_feed()
        if sql and "notified" not in self.memo:
            self.execute(sql)
            self.memo["notified"] = True


class _NotYet:
    """What a statement read ahead answers while it is being sent: nothing yet."""

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> None:
        return None


_NOT_YET = _NotYet()


class _Piped:
    """A statement sent in a pipeline: its rows are fetched when asked for (psycopg waits for
    them), its rowcount once the pipeline has caught up with it."""

    def __init__(self, cursor: Any, pipeline: Any) -> None:
        self._cursor, self._pipeline = cursor, pipeline

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    @property
    def rowcount(self) -> int:
        self._pipeline.sync()
        return int(self._cursor.rowcount)


class DatabaseBusy(Exception):
    """Another process holds the database's write lock (SQLite) past the busy timeout; the
    transaction changed nothing and may be tried again."""


class StorageFull(Exception):
    """The disk holding the database is full (SQLite's "database or disk is full", PostgreSQL's
    disk_full): the transaction changed nothing and may be sent again once space is freed."""


class Database:
    """A pool of up to `size` connections to one database (SQLite file or PostgreSQL)."""

    def __init__(
        self, url: str | DatabaseUrl, *, size: int = 8, busy_timeout_s: float = 30.0
    ) -> None:
        self.url = parse_db_url(url) if isinstance(url, str) else url
        self.dialect = dialect_for(self.url, busy_timeout_s=busy_timeout_s)
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._all: list[Any] = []
        self.size = size
        # for /metrics: transactions holding a connection, and those waiting for one
        self.in_use = 0
        self.waiting = 0
        # since when writes fail for want of space (UTC text), None while they succeed: /readyz
        self.full_since: str | None = None

    @property
    def backend(self) -> str:
        return self.dialect.name

    @property
    def connections(self) -> int:
        """Connections open now (idle or in use)."""
        return len(self._all)

    def _acquire(self) -> Any:
        with self._lock:
            self.waiting += 1
        self._slots.acquire()
        with self._lock:
            self.waiting -= 1
            self.in_use += 1
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        try:
            conn = self.dialect.connect()
        except BaseException:
            self._free()
            raise
        with self._lock:
            self._all.append(conn)
        return conn

    def _release(self, conn: Any, *, broken: bool) -> None:
        if broken or self.dialect.is_broken(conn):
            self._discard(conn)
        else:
            self._idle.put(conn)
        self._free()

    def _free(self) -> None:
        with self._lock:
            self.in_use -= 1
        self._slots.release()

    def _discard(self, conn: Any) -> None:
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        with suppress(Exception):
            conn.close()

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Tx]:
        """A transaction: committed when the block ends, rolled back when it raises;
        `DatabaseBusy` when another process kept the write lock past the busy timeout."""
        conn = self._acquire()
        broken = False
        changes = self.dialect.changes(conn)
        try:
            begin = self.dialect.begin(write=write)
            if not self.dialect.pipelines:
                conn.execute(begin)
                tx = Tx(conn, self.dialect)
            else:  # sent with the first statement (Tx.read_ahead sends them together)
                tx = Tx(conn, self.dialect, begin=begin)
            try:
                yield tx
                with tx.pipelined():  # the running totals' writes and the COMMIT together
                    for settle in list(tx.before_commit.values()):
                        settle(tx)
                    conn.execute("COMMIT")
                tx._end_pipeline()
                # a commit that wrote nothing (SQLite can tell) proves nothing about space
                if (
                    write
                    and self.full_since is not None
                    and (changes is None or self.dialect.changes(conn) != changes)
                ):
                    self._note_full(False)
            except BaseException as exc:
                try:
                    tx._end_pipeline(exc)
                    conn.execute("ROLLBACK")
                except Exception:
                    broken = True
                raise
        except BaseException as exc:
            broken = broken or self.dialect.is_broken(conn)
            if self.dialect.is_busy(exc):
                raise DatabaseBusy(str(exc)) from exc
            if self.dialect.is_full(exc):
                self._note_full(True)
                raise StorageFull(str(exc)) from exc
            raise
        finally:
            self._release(conn, broken=broken)

    def _note_full(self, full: bool) -> None:
        """Say once when writes start failing for want of space and once when they succeed
        with room on the disk again (a small write may fit in the WAL's old space)."""
        if not full and self.url.backend == "sqlite" and not has_room(self.url.target):
            return
        with self._lock:
            was, self.full_since = self.full_since, (self.full_since or utc_now()) if full else None
        if full and was is None:
            log.error(
                "the disk holding central's database is full: writes are refused (storage_full,"
                " HTTP 507) and nothing is half-saved; reads are still served. Free space there;"
                " edges keep their events and send them again by themselves"
            )
        elif not full and was is not None:
            log.warning("writes succeed again: central's disk space is back (full since %s)", was)

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with suppress(Exception):
                conn.close()
        while not self._idle.empty():
            self._idle.get_nowait()
