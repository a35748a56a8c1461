"""Returns the edge expects: the return authorisations central sends, kept for the returns desk."""

from __future__ import annotations

import json
from typing import Any

from edge.store.writer import Tx


def record_authorisation(
    tx: Tx, *, rma: str, order_id: str | None, lines: list[dict[str, Any]], feed_cursor: int
) -> None:
    """Keep an RMA with its lines; the same RMA again changes nothing."""
    tx.execute(
        "INSERT INTO return_authorisations (rma, order_id, lines, feed_cursor, received_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT (rma) DO NOTHING",
        (rma, order_id, json.dumps(lines), feed_cursor, tx.at),
    )
