"""Count tasks in the store: the bins to count after a short pick, and the units each one holds."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.store.writer import Tx

# `held` NULL: a task opened before holds were counted; it froze the SKU's whole free stock in
# the bin, so its hold is the SKU's frozen balance there (every lot).
_HELD = """
    COALESCE(t.held, (SELECT COALESCE(SUM(b.qty), 0) FROM balances b
                       WHERE b.sku = t.sku AND b.location = t.location AND b.container = ''
                         AND b.bucket = 'frozen'))"""


def count_tasks(conn: sqlite3.Connection, *, status: str = "open") -> list[dict[str, Any]]:
    """Count tasks with the units each holds frozen, oldest first."""
    sql = (
        f"SELECT t.id, t.location, t.sku, t.lot, t.reason, t.status, {_HELD} AS held, t.found,"
        " t.created_at, t.closed_at, t.closed_by FROM count_tasks t WHERE t.status = ?"
        " ORDER BY t.id LIMIT 1000"
    )
    return [dict(r) for r in conn.execute(sql, (status,))]


def count_task(tx: Tx, task_id: int) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM count_tasks WHERE id = ?", (task_id,))


def frozen_lots(tx: Tx, sku: str, location: str) -> list[tuple[str, int]]:
    """The SKU's frozen units in the bin, lot by lot (for a task opened before holds counted)."""
    rows = tx.execute(
        "SELECT lot, qty FROM balances WHERE sku = ? AND location = ? AND container = ''"
        " AND bucket = 'frozen' AND qty > 0 ORDER BY lot",
        (sku, location),
    )
    return [(r["lot"], r["qty"]) for r in rows]
