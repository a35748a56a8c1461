"""The single writer: one thread owns the write connection and commits what is queued together.

Group commit: the writer takes every command waiting (up to `max_batch`), opens one
`BEGIN IMMEDIATE` transaction, runs each command in its own SAVEPOINT (so a refused or failed
one rolls back alone), commits once with synchronous=FULL, and only then answers every caller.
Nothing is acknowledged before it is durable; one fsync serves the whole batch.
"""

from __future__ import annotations

import bisect
import fcntl
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from edge.domain.errors import EdgeError
from edge.store.db import connect
from kernel.disk import has_room

log = logging.getLogger("edge.store.writer")
T = TypeVar("T")
_STOP = object()
# Upper bounds of the commands-per-commit buckets counted for /metrics (the last counts the rest).
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
# While writes fail for want of space, the idle writer tries its probe this often: once space is
# freed, /readyz and /metrics say so without waiting for a scan to try (nobody sends one to an
# edge its load balancer sees as not ready).
PROBE_S = 5.0


def storage_error(exc: sqlite3.Error) -> EdgeError | None:
    """A full disk (or a database at its size limit) is refused cleanly, not crashed on."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and "full" in text:
        return EdgeError("storage_full")
    return None


class Tx:
    """The write connection inside the current command's savepoint, and the command's clock."""

    def __init__(
        self, conn: sqlite3.Connection, now: datetime, memo: dict[Any, Any] | None = None
    ) -> None:
        self.conn = conn
        self.now = now
        # Values only the writer changes (next outbox seq, the ledger's last hash), kept between
        # commands so the hot path does not query them; a rolled-back savepoint restores them.
        self.memo: dict[Any, Any] = {} if memo is None else memo
        self._depth = 0
        # The open savepoints, innermost last: each one's name and the connection's
        # total_changes when it opened.
        self._marks: list[tuple[str, int]] = []
        self._at: str | None = None

    def as_of(self, when: datetime) -> Tx:
        """This transaction with its clock at `when`: a command that happened then, recorded
        now (the demo's history). Same connection, savepoints and memo."""
        other = Tx(self.conn, when, self.memo)
        other._depth = self._depth
        other._marks = self._marks
        return other

    @property
    def at(self) -> str:
        """`now` as the stored UTC text, formatted once per command."""
        if self._at is None:
            self._at = self.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return self._at

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Everything inside commits with the command or rolls back alone on an exception.

        Nested right inside a savepoint that has written nothing yet (its connection's
        total_changes unchanged since it opened: a command's refusal savepoint opened after
        only reads), rolling back to that savepoint is the same: no new SAVEPOINT and RELEASE,
        two statements fewer on every scan."""
        marks = self._marks
        if marks and marks[-1][1] == self.conn.total_changes:
            name, opened = marks[-1][0], False
        else:
            name, opened = f"sp{self._depth + 1}", True
        self._depth += 1
        saved = dict(self.memo)
        if opened:
            self.conn.execute(f"SAVEPOINT {name}")
            marks.append((name, self.conn.total_changes))
        try:
            yield
        except BaseException:
            self.memo.clear()
            self.memo.update(saved)
            # After SQLITE_FULL SQLite may already have rolled the whole transaction back.
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO {name}")
                if opened:
                    self.conn.execute(f"RELEASE {name}")
            raise
        else:
            if opened:
                self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1
            if opened:
                marks.pop()


Job = tuple[Callable[[Tx], Any], Future[Any]]


class Writer:
    """Runs write commands one after another on one connection, committing them in groups."""

    def __init__(
        self,
        path: Path | str,
        *,
        max_batch: int = 256,
        busy_timeout_ms: int = 5000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        probe: Callable[[Tx], Any] | None = None,
        probe_s: float = PROBE_S,
        thread: bool = True,
        turns: Path | None = None,
    ) -> None:
        self._path = Path(path)
        # Two writers on one file (the writer process and this process's thread writer) take
        # turns through a lock on this file: SQLite's busy handler would have the one that
        # waits sleep and retry (up to 100 ms a try), and under a flood of scans lose to the
        # other again and again (a task's start waited 1.4 s). flock wakes the waiter instead.
        self._turns = None if turns is None else os.open(turns, os.O_RDWR | os.O_CREAT, 0o600)
        self._probe, self._probe_s = probe, probe_s
        self._conn = connect(path, busy_timeout_ms=busy_timeout_ms)
        self._queue: queue.SimpleQueue[Job | object] = queue.SimpleQueue()
        self._max_batch = max_batch
        self._clock = clock
        self._memo: dict[Any, Any] = {}
        self._data_version = self._version()
        self.commits = 0
        self.commands = 0
        # commits by commands in them: batch_sizes[i] counts those of at most BATCH_BUCKETS[i]
        # (and above the bucket before); the last entry counts those above every bound
        self.batch_sizes = [0] * (len(BATCH_BUCKETS) + 1)
        # Since when writes fail for want of space (UTC text), None while they succeed: /readyz.
        self.storage_full_since: str | None = None
        self.refused_for_space = 0  # commands refused while the disk is full (for the log)
        self._thread = threading.Thread(target=self._loop, name="edge-writer", daemon=True)
        if thread:  # without: its owner feeds `_commit` itself (the writer process)
            self._thread.start()

    def submit(self, fn: Callable[[Tx], T]) -> Future[T]:
        fut: Future[T] = Future()
        self._queue.put((fn, fut))
        return fut

    def submit_call(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """`fn(tx, *args)`: a command named by a module-level function, which a writer process
        can run too (edge/store/writer_process.py)."""
        return self.submit(lambda tx: fn(tx, *args))

    async def run_call(self, fn: Callable[..., T], *args: Any) -> T:
        """`run`, of a command named by a module-level function (`submit_call`)."""
        # asyncio here, not at the top: the writer process runs this module with no event loop,
        # and asyncio (with the ssl it loads) would be ~4 MB of its memory
        import asyncio

        return await asyncio.wrap_future(self.submit_call(fn, *args))

    def call(self, fn: Callable[[Tx], T]) -> T:
        """Run `fn` in the writer and wait for its commit (for the CLI and tests)."""
        return self.submit(fn).result()

    async def run(self, fn: Callable[[Tx], T]) -> T:
        """Run `fn` in the writer; resolves after the commit that made it durable."""
        import asyncio  # (see run_call)

        return await asyncio.wrap_future(self.submit(fn))

    @property
    def pending(self) -> int:
        """Commands submitted and not yet taken into a batch."""
        return self._queue.qsize()

    @property
    def alive(self) -> bool:
        """The writer thread is running (it is not after close, nor after a crash)."""
        return self._thread.is_alive()

    def _note_storage(self, full: bool, refused: int = 0) -> None:
        """Keep whether writes fail for want of space; say so in the log once when it starts
        and once when it ends, not at every refused write."""
        if not full:
            if self.storage_full_since is not None:
                if not has_room(self._path):  # a small write fitted in the WAL's old space
                    return
                log.warning(
                    "writes succeed again on %s: disk space is back (full since %s; %d writes"
                    " refused meanwhile)",
                    self._path,
                    self.storage_full_since,
                    self.refused_for_space,
                )
            self.storage_full_since = None
            self.refused_for_space = 0
            return
        self.refused_for_space += refused
        if self.storage_full_since is None:
            self.storage_full_since = self._clock().strftime("%Y-%m-%dT%H:%M:%SZ")
            log.error(
                "the disk holding %s is full: scans and every other write are refused"
                " (storage_full, HTTP 507) and nothing is half-saved; reads are still served."
                " Free space there; the edge takes writes again by itself within %g s",
                self._path,
                self._probe_s,
            )

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._conn.close()
        if self._turns is not None:
            os.close(self._turns)

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._probe_s if self._probing else None)
            except queue.Empty:
                probe: Future[Any] = Future()
                probe.set_running_or_notify_cancel()
                self._commit([(self._probe, probe)])  # type: ignore[list-item]
                continue
            if first is _STOP:
                return
            batch: list[Job] = [first]  # type: ignore[list-item]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stop = True
                    break
                batch.append(job)  # type: ignore[arg-type]
            # A command whose caller gave up before it ran (its task cancelled, e.g. at shut-down)
            # is dropped: nobody was told it happened. The rest are marked running, so a late
            # cancel can no longer turn their answer into InvalidStateError (which would end
            # this thread and leave every later write waiting for ever).
            batch = [job for job in batch if job[1].set_running_or_notify_cancel()]
            if batch:
                self._commit(batch)
            if stop:
                return

    @property
    def _probing(self) -> bool:
        return self._probe is not None and self.storage_full_since is not None

    def _commit(self, batch: list[Job]) -> None:
        if self._turns is None:
            self._commit_batch(batch)
            return
        fcntl.flock(self._turns, fcntl.LOCK_EX)
        try:
            self._commit_batch(batch)
        finally:
            fcntl.flock(self._turns, fcntl.LOCK_UN)

    def _commit_batch(self, batch: list[Job]) -> None:
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        changes = self._conn.total_changes
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._forget_if_written_elsewhere()
            for fn, fut in batch:
                results.append(self._run_one(fn, fut))
                if not self._conn.in_transaction:
                    raise sqlite3.OperationalError("database or disk is full: transaction lost")
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._memo.clear()
            failure = storage_error(exc) or exc
            if failure is exc:
                log.error("commit of %d commands failed: %s", len(batch), exc)
            else:
                self._note_storage(True, refused=len(batch))
            for _, fut in batch:
                fut.set_exception(failure)
            return
        self.commits += 1
        self.commands += len(batch)
        self.batch_sizes[bisect.bisect_left(BATCH_BUCKETS, len(batch))] += 1
        full = sum(isinstance(e, EdgeError) and e.code == "storage_full" for _, _, e in results)
        if (
            full or self._conn.total_changes != changes
        ):  # a commit that wrote nothing proves nothing
            self._note_storage(full > 0, refused=full)
        for fut, value, error in results:
            if error is None:
                fut.set_result(value)
            else:
                fut.set_exception(error)

    def _version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _forget_if_written_elsewhere(self) -> None:
        """Another process (the CLI's import, a restore) committed since our last commit: what
        the memo holds (next outbox seq, the ledger's tail) may be stale, so read it afresh.
        `data_version` changes only for other connections' commits; under BEGIN IMMEDIATE nobody
        can commit until we do, so the check holds for the whole batch."""
        version = self._version()
        if version != self._data_version:
            if self._memo:
                log.info("the database was written by another process: reading it afresh")
            self._memo.clear()
            self._data_version = version

    def _run_one(self, fn: Callable[[Tx], Any], fut: Future[Any]) -> tuple[Future[Any], Any, Any]:
        tx = Tx(self._conn, self._clock(), self._memo)
        try:
            with tx.savepoint():
                return fut, fn(tx), None
        except sqlite3.Error as exc:
            self._memo.clear()  # e.g. another process wrote: read everything afresh next time
            err = storage_error(exc)
            if err is None:
                log.exception("command failed in the store")
                return fut, None, exc
            return fut, None, err
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who maps it
            return fut, None, exc
