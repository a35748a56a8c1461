"""The ledger's archive: old movements written to a file and taken out of `movements`, the
ledger staying whole. What they summed to at each grain is carried forward (`ledger_carried`),
and where the hash chain continues is kept (`ledger_archives`), so `verify` still finds every
balance equal to its ledger and the chain unbroken.

Only movements whose outbox events central acknowledged are archived (central holds them), and
never the newest movement: the next one's id and hash link are read from it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from edge.store.ledger import HASHED
from edge.store.schema import BUCKETS
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx
COLUMNS = (*HASHED, "hash")


def archivable_through(conn: Conn, *, before: str) -> int:
    """The highest movement id that may be archived for `before` (ISO UTC): every movement up
    to it happened before then and its event was delivered; 0 when there is none."""
    newest = conn.execute("SELECT COALESCE(MAX(id), 0) FROM movements").fetchone()[0]
    through = conn.execute(
        "SELECT COALESCE(MAX(id), 0) FROM movements WHERE at < ? AND id < ?", (before, newest)
    ).fetchone()[0]
    undelivered = conn.execute(
        "SELECT MIN(m.id) FROM movements m JOIN outbox o"
        " ON o.epoch = m.event_epoch AND o.seq = m.event_seq"
        " WHERE m.id <= ? AND o.delivered_at IS NULL",
        (through,),
    ).fetchone()[0]
    return int(through if undelivered is None else undelivered - 1)


def archived_through(conn: Conn) -> tuple[int, str]:
    """(the last archived movement id, its hash): where the chain in `movements` continues."""
    row = conn.execute(
        "SELECT through_id, last_hash FROM ledger_archives ORDER BY through_id DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def movements_through(conn: Conn, through_id: int) -> Iterator[dict[str, Any]]:
    """The movements still here up to `through_id`, in id order, every column."""
    cursor = conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM movements WHERE id <= ? ORDER BY id", (through_id,)
    )
    for values in cursor:
        yield dict(zip(COLUMNS, values, strict=True))


def archive(tx: Tx, *, through_id: int, before: str, file: str, sha256: str) -> int:
    """Carry forward what movements up to `through_id` sum to, record the archive, delete them;
    returns how many were taken out."""
    first_id = tx.execute("SELECT MIN(id) FROM movements").fetchone()[0]
    last = tx.execute("SELECT hash FROM movements WHERE id = ?", (through_id,)).fetchone()
    if first_id is None or last is None or first_id > through_id:
        return 0
    tx.execute(
        f"""
        INSERT INTO ledger_carried (sku, location, container, lot, bucket, qty)
        SELECT sku, location, container, lot, bucket, SUM(qty) FROM (
            SELECT sku, to_location AS location, to_container AS container, lot,
                   to_bucket AS bucket, qty
              FROM movements WHERE id <= :through AND to_bucket IN {BUCKETS}
            UNION ALL
            SELECT sku, from_location, from_container, lot, from_bucket, -qty
              FROM movements WHERE id <= :through AND from_bucket IN {BUCKETS}
        ) WHERE true GROUP BY sku, location, container, lot, bucket
        ON CONFLICT (sku, location, container, lot, bucket) DO UPDATE SET qty = qty + excluded.qty
        """,
        {"through": through_id},
    )
    # Movements are append-only (a trigger refuses a delete): the archive is the one way out,
    # the trigger put back as it was in the same transaction.
    (guard,) = tx.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'movements_no_delete'"
    ).fetchone()
    tx.execute("DROP TRIGGER movements_no_delete")
    deleted = int(tx.execute("DELETE FROM movements WHERE id <= ?", (through_id,)).rowcount)
    tx.execute(guard)
    tx.execute(
        "INSERT INTO ledger_archives (first_id, through_id, last_hash, before, rows, file,"
        " sha256, made_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (first_id, through_id, last[0], before, deleted, file, sha256, tx.at),
    )
    return deleted
