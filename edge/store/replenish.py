"""Replenishment in the store: the pick faces with their free units, the reserve bins a face can
be refilled from, and the replenishment tasks (one open per face)."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

# Free on_hand of a SKU in a bin (lot-less container-less units less what orders reserve).
_FREE = """
    (SELECT COALESCE(SUM(b.qty), 0) FROM balances b WHERE b.sku = {s} AND b.location = {l}
       AND b.container = '' AND b.bucket = 'on_hand')
  - (SELECT COALESCE(SUM(a.qty), 0) FROM allocations a WHERE a.sku = {s} AND a.location = {l}
       AND a.container = '')"""


def faces(conn: Conn) -> list[dict[str, Any]]:
    """Every active pick face with its capacity and free units now."""
    free = _FREE.format(s="f.sku", l="f.location")
    rows = conn.execute(
        f"SELECT f.sku, f.location, f.capacity, {free} AS free FROM pick_faces f"
        " JOIN locations l ON l.code = f.location AND l.active ORDER BY f.location, f.sku"
    )
    return [dict(r) for r in rows]


def reserves(conn: Conn, sku: str) -> list[dict[str, Any]]:
    """The SKU's free on_hand per bin and lot outside its pick faces, with the lot's expiry."""
    rows = conn.execute(
        "SELECT b.location, b.lot, b.qty - COALESCE((SELECT SUM(a.qty) FROM allocations a"
        "  WHERE a.sku = b.sku AND a.location = b.location AND a.container = ''"
        "  AND a.lot = b.lot), 0) AS free, t.expiry, l.pick_seq"
        " FROM balances b JOIN locations l ON l.code = b.location AND l.type = 'bin' AND l.active"
        " LEFT JOIN lots t ON t.sku = b.sku AND t.lot = b.lot"
        " WHERE b.sku = ? AND b.bucket = 'on_hand' AND b.container = '' AND b.qty > 0"
        " AND b.location NOT IN (SELECT location FROM pick_faces WHERE sku = b.sku)",
        (sku,),
    )
    return [dict(r) for r in rows]


def open_task(conn: Conn, sku: str, location: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM replenish_tasks WHERE sku = ? AND location = ? AND status = 'open'",
        (sku, location),
    ).fetchone()
    return None if row is None else dict(row)


def add_task(tx: Tx, sku: str, location: str, source: str, lot: str, qty: int) -> int:
    cur = tx.execute(
        "INSERT INTO replenish_tasks (sku, location, source, lot, qty, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (sku, location, source, lot, qty, tx.at),
    )
    return int(cur.lastrowid or 0)


def task(conn: Conn, task_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM replenish_tasks WHERE id = ?", (task_id,)).fetchone()
    return None if row is None else dict(row)


def close_task(tx: Tx, task_id: int, moved: int, operator_id: int | None) -> None:
    tx.execute(
        "UPDATE replenish_tasks SET status = 'done', moved = ?, done_at = ?, done_by = ?"
        " WHERE id = ? AND status = 'open'",
        (moved, tx.at, operator_id, task_id),
    )


def open_tasks(conn: Conn) -> list[dict[str, Any]]:
    """Replenishments still to do, oldest first: take `qty` of `sku` (lot) from `source` to the
    pick face `location`."""
    rows = conn.execute(
        "SELECT id, sku, lot, source, location, qty, created_at FROM replenish_tasks"
        " WHERE status = 'open' ORDER BY id LIMIT 1000"
    )
    return [dict(r) for r in rows]
