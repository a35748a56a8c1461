"""The change feed down to each edge: `changes`, one row per change, its id the edge's cursor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from central_sync.store.db import Tx


def insert_changes(tx: Tx, rows: Iterable[tuple[str, str, str | None, str, str]]) -> None:
    """Rows of (edge_id, type, order_id, data as JSON text, created_at), in this order."""
    tx.insert("changes", ("edge_id", "type", "order_id", "data", "created_at"), rows)


def changes_after(tx: Tx, edge_id: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` of the edge's changes with a cursor above `after`, in order."""
    return tx.all(
        "SELECT id, type, order_id, data FROM changes WHERE edge_id = ? AND id > ?"
        " ORDER BY id LIMIT ?",
        (edge_id, after, limit),
    )


# The changes past each edge's cursor are found first (materialised) and their orders looked up by
# key after (`|| ''` keeps the status index out of it): left to choose, PostgreSQL on a young schema
# (no statistics yet) started from the released orders and scanned the feed once for each (1.9 s
# with 3,000 of them), or looked each up among the edge's released ones.
RELEASES_NOT_TAKEN = (
    "WITH pending AS MATERIALIZED (SELECT c.order_id, c.edge_id, c.id, c.created_at,"
    " e.feed_cursor, e.last_seen_at, e.last_event_at FROM edges e"
    " JOIN changes c ON c.edge_id = e.edge_id AND c.id > e.feed_cursor"
    " WHERE c.type = 'order_released' AND c.created_at < ?)"
    " SELECT p.* FROM pending p JOIN orders o ON o.id = p.order_id"
    " WHERE o.warehouse || '' = p.edge_id AND o.status || '' = 'released' ORDER BY p.id"
)


def releases_not_taken(tx: Tx, before: str) -> list[dict[str, Any]]:
    """The `order_released` changes made before `before` of orders still released to that edge
    that the edge has not asked past (its feed cursor), with when it was last heard, in order."""
    return tx.all(RELEASES_NOT_TAKEN, (before,))


def waiting_by_edge(tx: Tx) -> dict[str, int]:
    """Each edge's changes past the cursor it last asked from: what it has still to take."""
    rows = tx.all(
        "SELECT e.edge_id, COUNT(c.id) AS n FROM edges e LEFT JOIN changes c"
        " ON c.edge_id = e.edge_id AND c.id > e.feed_cursor GROUP BY e.edge_id"
    )
    return {r["edge_id"]: int(r["n"]) for r in rows}
