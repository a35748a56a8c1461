"""Every event of every edge, kept whole for audit (`events`)."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx


def events_after(tx: Tx, edge_id: str, epoch: int, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` of the edge's events of `epoch` with seq > `after`, in order."""
    return tx.all(
        "SELECT epoch, seq, event_id, type, occurred_at, order_id, sku, payload FROM events"
        " WHERE edge_id = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT ?",
        (edge_id, epoch, after, limit),
    )
