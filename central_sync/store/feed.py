"""The change feed down to each edge: `changes`, one row per change, its id the edge's cursor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from central_sync.store.db import Tx


def insert_changes(tx: Tx, rows: Iterable[tuple[str, str, str | None, str, str]]) -> None:
    """Rows of (edge_id, type, order_id, data as JSON text, created_at), in this order."""
    tx.many(
        "INSERT INTO changes (edge_id, type, order_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def changes_after(tx: Tx, edge_id: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` of the edge's changes with a cursor above `after`, in order."""
    return tx.all(
        "SELECT id, type, order_id, data FROM changes WHERE edge_id = ? AND id > ?"
        " ORDER BY id LIMIT ?",
        (edge_id, after, limit),
    )
