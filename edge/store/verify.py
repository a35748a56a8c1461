"""The ledger's invariants, checked read-only: what `warehouse-edge verify` runs.

Every check but the hash chain is one set-based query (GROUP BY / EXCEPT over whole tables) so
that a million movements take seconds, not a row-by-row walk. The hash chain has to be walked in
id order; it streams rows and reports progress through a callback every 100,000 movements.

A `Problem` names the table, the row's key and what is wrong, in one line a person can act on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.store.ledger import HASHED, movement_hash
from edge.store.ledger_archive import archived_through
from edge.store.schema import BUCKETS

PROGRESS_EVERY = 100_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """One broken invariant: `table`, the row's `key` and what is wrong."""

    table: str
    key: str
    detail: str

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.detail}"


@dataclass(frozen=True)
class Counts:
    movements: int
    balances: int
    events: int


def verify(
    conn: sqlite3.Connection, progress: Progress | None = None, *, every: int = PROGRESS_EVERY
) -> list[Problem]:
    """Every broken ledger invariant, in check order; [] when the ledger is sound.

    `progress(done, total)` is called after every `every` movements of the hash-chain walk."""
    _before_retention(conn)
    return [
        *balance_sums(conn),
        *negative_buckets(conn),
        *over_allocated(conn),
        *hash_chain(conn, progress, every=every),
        *movement_events(conn),
        *outbox_gaps(conn),
        *line_allocations(conn),
    ]


def _before_retention(conn: sqlite3.Connection) -> None:
    """A database from before retention (a backup of an older release, checked without being
    migrated) has pruned and archived nothing: empty stand-ins, in this connection only."""
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    stand_ins = {
        "outbox_pruned": "epoch INTEGER, through_seq INTEGER",
        "ledger_archives": "through_id INTEGER, last_hash TEXT",
        "ledger_carried": "sku, location, container, lot, bucket, qty",
    }
    for table, columns in stand_ins.items():
        if table not in have:
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns})")


def open_read_only(path: Path) -> sqlite3.Connection:
    """The database at `path`, opened without migrations or writes (`mode=ro`) and probed once;
    sqlite3.DatabaseError when it cannot be read."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


def counts(conn: sqlite3.Connection) -> Counts:
    """How many rows the checks covered, for the OK line."""
    tables = ("movements", "balances", "outbox")
    return Counts(*(_one(conn, f"SELECT COUNT(*) FROM {t}") for t in tables))


def grain(sku: str, location: str, container: str, lot: str, bucket: str | None = None) -> str:
    """A ledger key as `sku=.. location=.. container=.. lot=.. [bucket=..]`; '' shown as ''."""
    parts = {"sku": sku, "location": location, "container": container, "lot": lot}
    if bucket is not None:
        parts["bucket"] = bucket
    return " ".join(f"{k}={v if v != '' else repr('')}" for k, v in parts.items())


# Signed flows into and out of the in-building buckets; external accounts carry no balance.
# What archived movements summed to is carried forward at each grain (edge/store/ledger_archive.py).
_SUMS = f"""
    SELECT sku, location, container, lot, bucket, SUM(qty) AS total FROM (
        SELECT sku, to_location AS location, to_container AS container, lot,
               to_bucket AS bucket, qty
          FROM movements WHERE to_bucket IN {BUCKETS}
        UNION ALL
        SELECT sku, from_location, from_container, lot, from_bucket, -qty
          FROM movements WHERE from_bucket IN {BUCKETS}
        UNION ALL
        SELECT sku, location, container, lot, bucket, qty FROM ledger_carried
    ) GROUP BY sku, location, container, lot, bucket
"""
_GRAIN_JOIN = (
    "s.sku = b.sku AND s.location = b.location AND s.container = b.container"
    " AND s.lot = b.lot AND s.bucket = b.bucket"
)


def balance_sums(conn: sqlite3.Connection) -> Iterator[Problem]:
    """Every balance equals the sum of its movements; no grain has movements but no balance."""
    sql = f"""
        WITH sums AS MATERIALIZED ({_SUMS})
        SELECT b.sku, b.location, b.container, b.lot, b.bucket, b.qty, COALESCE(s.total, 0)
          FROM balances b LEFT JOIN sums s ON {_GRAIN_JOIN}
         WHERE b.qty IS NOT COALESCE(s.total, 0)
        UNION ALL
        SELECT s.sku, s.location, s.container, s.lot, s.bucket, NULL, s.total
          FROM sums s LEFT JOIN balances b ON {_GRAIN_JOIN}
         WHERE b.sku IS NULL AND s.total != 0
        ORDER BY 1, 2, 3, 4, 5
    """
    for *key, qty, total in _rows(conn, sql):
        found = "no balance row" if qty is None else f"qty {qty}"
        yield Problem("balances", grain(*key), f"{found} but its movements sum to {total}")


def negative_buckets(conn: sqlite3.Connection) -> Iterator[Problem]:
    """No bucket below zero (the CHECK can be switched off by hand)."""
    sql = (
        "SELECT sku, location, container, lot, bucket, qty FROM balances WHERE qty < 0"
        " ORDER BY 1, 2, 3, 4, 5"
    )
    for *key, qty in _rows(conn, sql):
        yield Problem("balances", grain(*key), f"qty {qty} is negative")


def over_allocated(conn: sqlite3.Connection) -> Iterator[Problem]:
    """Reservations at a grain never exceed the on_hand there."""
    sql = """
        SELECT a.sku, a.location, a.container, a.lot, SUM(a.qty) AS allocated,
               COALESCE(b.qty, 0) AS on_hand
          FROM allocations a LEFT JOIN balances b
            ON b.sku = a.sku AND b.location = a.location AND b.container = a.container
           AND b.lot = a.lot AND b.bucket = 'on_hand'
         GROUP BY a.sku, a.location, a.container, a.lot
        HAVING allocated > on_hand
         ORDER BY 1, 2, 3, 4
    """
    for *key, allocated, on_hand in _rows(conn, sql):
        detail = f"allocated {allocated} is above on_hand {on_hand}"
        yield Problem("allocations", grain(*key), detail)


def hash_chain(
    conn: sqlite3.Connection, progress: Progress | None = None, *, every: int = PROGRESS_EVERY
) -> Iterator[Problem]:
    """Ids run 1, 2, 3... and each row's hash matches its columns and the hash before it."""
    total = _one(conn, "SELECT COUNT(*) FROM movements")
    cursor = _rows(conn, f"SELECT {', '.join(HASHED)}, hash FROM movements ORDER BY id")
    # After an archive the chain continues from the last archived row's hash.
    (last_id, last_hash), done = archived_through(conn), 0
    for *values, stored in cursor:
        row = dict(zip(HASHED, values, strict=True))
        if row["id"] != last_id + 1:
            yield _missing_movements(last_id, row["id"])
        elif movement_hash(last_hash, row) != stored:
            yield Problem(
                "movements",
                f"id={row['id']}",
                "hash does not match the row's columns and the hash before it (edited by hand?)",
            )
        last_id, last_hash, done = row["id"], stored, done + 1
        if progress is not None and done % every == 0:
            progress(done, total)


def _missing_movements(last_id: int, next_id: int) -> Problem:
    # The row after a gap cannot be checked: its link is to the hash of a row that is gone.
    first, end = last_id + 1, next_id - 1
    ids = f"id={first}" if first == end else f"id={first}..{end}"
    return Problem("movements", ids, f"missing: ids jump from {last_id} to {next_id} (deleted?)")


def movement_events(conn: sqlite3.Connection) -> Iterator[Problem]:
    """Each movement is listed by its own outbox event, and each listed movement exists there."""
    listed = (
        "SELECT json_extract(j.value, '$.id') AS id, o.epoch AS epoch, o.seq AS seq"
        " FROM outbox o, json_each(o.payload, '$.movements') j WHERE json_valid(o.payload)"
    )
    broken = "SELECT epoch, seq FROM outbox WHERE NOT json_valid(payload) ORDER BY 1, 2"
    for epoch, seq in _rows(conn, broken).fetchall():
        yield Problem("outbox", f"epoch={epoch} seq={seq}", "payload is not valid JSON")
    # A movement whose event was pruned (acknowledged, past retention) lists nothing; an event
    # may list a movement that was archived.
    unlisted = (
        "SELECT m.id, m.event_epoch, m.event_seq FROM movements m LEFT JOIN outbox_pruned p"
        f" ON p.epoch = m.event_epoch WHERE m.event_seq > COALESCE(p.through_seq, 0)"
        f" EXCEPT {listed} ORDER BY 1"
    )
    for movement_id, epoch, seq in _rows(conn, unlisted).fetchall():
        yield _unlisted(conn, movement_id, epoch, seq)
    archived, _ = archived_through(conn)
    dangling = (
        f"SELECT id, epoch, seq FROM ({listed}) WHERE id > {archived}"
        " EXCEPT SELECT id, event_epoch, event_seq FROM movements ORDER BY 2, 3, 1"
    )
    for movement_id, epoch, seq in _rows(conn, dangling).fetchall():
        yield _dangling(conn, movement_id, epoch, seq)


def _unlisted(conn: sqlite3.Connection, movement_id: int, epoch: int, seq: int) -> Problem:
    exists = _one(conn, "SELECT COUNT(*) FROM outbox WHERE epoch = ? AND seq = ?", (epoch, seq))
    what = "does not list it" if exists else "is missing"
    return Problem(
        "movements", f"id={movement_id}", f"its outbox event epoch={epoch} seq={seq} {what}"
    )


def _dangling(conn: sqlite3.Connection, movement_id: Any, epoch: int, seq: int) -> Problem:
    sql = "SELECT event_epoch, event_seq FROM movements WHERE id = ?"
    row = _rows(conn, sql, (movement_id,)).fetchone()
    where = (
        "which does not exist" if row is None else f"which is in event epoch={row[0]} seq={row[1]}"
    )
    return Problem("outbox", f"epoch={epoch} seq={seq}", f"lists movement {movement_id}, {where}")


def outbox_gaps(conn: sqlite3.Connection) -> Iterator[Problem]:
    """Outbox seq runs 1, 2, 3... within each epoch (sync relies on it to never skip an event);
    an epoch's pruned events end at its low-water mark, and the rest run on from there."""
    sql = """
        SELECT epoch, prev, seq FROM (
            SELECT o.epoch, o.seq, LAG(o.seq, 1, COALESCE(p.through_seq, 0))
                   OVER (PARTITION BY o.epoch ORDER BY o.seq) AS prev
              FROM outbox o LEFT JOIN outbox_pruned p ON p.epoch = o.epoch
        ) WHERE seq != prev + 1 ORDER BY epoch, seq
    """
    for epoch, prev, seq in _rows(conn, sql):
        first, end = prev + 1, seq - 1
        seqs = f"seq={first}" if first == end else f"seq={first}..{end}"
        yield Problem("outbox", f"epoch={epoch} {seqs}", f"missing: seq jumps from {prev} to {seq}")


def line_allocations(conn: sqlite3.Connection) -> Iterator[Problem]:
    """An order line's qty_allocated equals the sum of its allocation rows (where it has any)."""
    sql = """
        SELECT l.id, l.qty_allocated, a.total
          FROM order_lines l
          JOIN (SELECT order_line_id, SUM(qty) AS total FROM allocations GROUP BY order_line_id) a
            ON a.order_line_id = l.id
         WHERE l.qty_allocated != a.total
         ORDER BY l.id
    """
    for line_id, qty, total in _rows(conn, sql):
        detail = f"qty_allocated {qty} but its allocations sum to {total}"
        yield Problem("order_lines", f"id={line_id}", detail)


def _rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> sqlite3.Cursor:
    """Plain tuples whatever the connection's row factory."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params)


def _one(conn: sqlite3.Connection, sql: str, params: Any = ()) -> int:
    return int(_rows(conn, sql, params).fetchone()[0])
