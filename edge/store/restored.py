"""What a restore from a backup leaves to do, kept in `edge_meta` until central was asked what it
holds past the backup (docs/sync.md, "Restoring an edge from a backup"), and the writes that
close the gap: the new epoch, orders settled or held for a supervisor, exceptions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx
PENDING = "restore_pending"


def mark_restored(conn: sqlite3.Connection, info: dict[str, Any]) -> None:
    """On the restored file (plain connection, no server running): the gap is not closed yet."""
    conn.execute(
        "INSERT INTO edge_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (PENDING, json.dumps(info, sort_keys=True)),
    )


def restore_pending(conn: Conn) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM edge_meta WHERE key = ?", (PENDING,)).fetchone()
    return json.loads(row[0]) if row else None


def outbox_high_water(conn: Conn) -> dict[int, int]:
    """The highest seq this database holds per epoch."""
    rows = conn.execute("SELECT epoch, MAX(seq) FROM outbox GROUP BY epoch").fetchall()
    return {int(e): int(s) for e, s in rows}


def edge_epoch(conn: Conn) -> int:
    row = conn.execute("SELECT value FROM edge_meta WHERE key = 'epoch'").fetchone()
    return int(row[0]) if row else 1


def close_restore(tx: Tx, epoch: int) -> None:
    """The gap is closed: events from now on are numbered from 1 in `epoch`."""
    tx.execute("UPDATE edge_meta SET value = ? WHERE key = 'epoch'", (str(epoch),))
    tx.execute("DELETE FROM edge_meta WHERE key = ?", (PENDING,))
    tx.memo.pop("identity", None)


def bind_tote_if_free(tx: Tx, container: str, order_id: str) -> None:
    """A tote the re-applied picks filled for `order_id`: bound to it again (the binding was made
    after the backup), unless it is bound already or not a known container."""
    tx.execute(
        "INSERT INTO container_bindings (container, order_id, opened_at)"
        " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM containers WHERE code = ?)"
        " AND NOT EXISTS (SELECT 1 FROM container_bindings WHERE container = ?"
        " AND closed_at IS NULL)",
        (container, order_id, tx.at, container, container),
    )


def settle_order(tx: Tx, order_id: str, status: str, reason: str) -> None:
    """The order's end (shipped, completed, cancelled) as central holds it from this edge's own
    events: set here as a fact, with its history row; no event (central has it already)."""
    row = tx.one("SELECT status FROM orders WHERE id = ?", (order_id,))
    tx.execute(
        "UPDATE orders SET status = ?, hold_reason = '', hold_code = '', hold_params = '{}',"
        " updated_at = ? WHERE id = ?",
        (status, tx.at, order_id),
    )
    tx.execute(
        "INSERT INTO order_status_history (order_id, from_status, to_status, reason, device_id, at)"
        " VALUES (?, ?, ?, ?, 'central', ?)",
        (order_id, row["status"] if row else None, status, reason, tx.at),
    )


def raise_restore_exception(tx: Tx, detail: str, *, order_id: str | None = None) -> None:
    tx.execute(
        "INSERT INTO exceptions (kind, detail, order_id, created_at) VALUES ('restore', ?, ?, ?)",
        (detail, order_id, tx.at),
    )


def open_restore_exceptions(conn: Conn) -> int:
    """Orders a restore put on hold that are still on hold (released or cancelled: dealt with)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM exceptions e JOIN orders o ON o.id = e.order_id"
        " WHERE e.kind = 'restore' AND e.status <> 'resolved' AND o.status = 'on_hold'"
    ).fetchone()
    return int(row[0])


def add_missing_products(tx: Tx, skus: Iterable[str]) -> list[str]:
    """The SKUs the taken-back events move that this database does not know (products added
    after the backup), made by their SKU alone so their stock is in the ledger again; their
    names and barcodes come with the next import or central's catalogue. The SKUs made."""
    made = []
    for sku in sorted(set(skus)):
        cur = tx.execute(
            "INSERT INTO products (sku, name, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (sku) DO NOTHING",
            (sku, sku, tx.at),
        )
        if cur.rowcount:
            made.append(sku)
    return made
