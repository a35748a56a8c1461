"""Exceptions for a person at central: what an edge did that central could not simply take (a
late event on a cancelled or shipped order, a gap between a restored edge and central). Shown by
`GET /api/v1/exceptions` and on the board until someone resolves them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from central_sync.server.errors import CentralError
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.exceptions")


def raise_exception(
    tx: Tx, kind: str, edge_id: str, detail: str, *, order_id: str | None = None
) -> bool:
    """Open an exception, or give the open one of this kind for the same edge and order the
    newer detail; True if it is new."""
    same = tx.one(
        "SELECT id FROM exceptions WHERE status = 'open' AND kind = ? AND edge_id = ?"
        " AND COALESCE(order_id, '') = ?",
        (kind, edge_id, order_id or ""),
    )
    if same is not None:
        tx.execute("UPDATE exceptions SET detail = ? WHERE id = ?", (detail[:2000], same["id"]))
        return False
    tx.execute(
        "INSERT INTO exceptions (kind, edge_id, order_id, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (kind, edge_id, order_id, detail[:2000], utc_now()),
    )
    log.warning("exception (%s) for edge %s: %s", kind, edge_id, detail)
    return True


def open_exceptions(tx: Tx, *, edge_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM exceptions WHERE status = 'open'"
    params: list[Any] = []
    if edge_id:
        sql += " AND edge_id = ?"
        params.append(edge_id)
    return [dict(r) for r in tx.all(sql + " ORDER BY id", params)]


def resolve(tx: Tx, exception_id: int) -> dict[str, Any]:
    row = tx.one("SELECT * FROM exceptions WHERE id = ?", (exception_id,))
    if row is None:
        raise CentralError("not_found", what="exception", key=str(exception_id))
    if row["status"] == "open":
        tx.execute(
            "UPDATE exceptions SET status = 'resolved', resolved_at = ? WHERE id = ?",
            (utc_now(), exception_id),
        )
    resolved = tx.one("SELECT * FROM exceptions WHERE id = ?", (exception_id,))
    assert resolved is not None  # the row read above, in this transaction
    return resolved


def resolve_for_order(tx: Tx, order_id: str, kind: str) -> int:
    """Resolve the open exceptions of `kind` about the order (its cause was dealt with)."""
    ids = [
        r["id"]
        for r in tx.all(
            "SELECT id FROM exceptions WHERE status = 'open' AND kind = ? AND order_id = ?",
            (kind, order_id),
        )
    ]
    for exception_id in ids:
        resolve(tx, exception_id)
    return len(ids)


# An order released to an edge that has not taken it (its feed cursor is before the order's
# change) this many seconds later needs a person (serve --unacked-after).
UNACKED_AFTER_S = 300.0


def unacknowledged(tx: Tx, after_s: float) -> int:
    """Open an exception for each order still `released` whose order_released change its edge
    has not taken within `after_s`; the number of new ones."""
    cutoff = (datetime.now(UTC) - timedelta(seconds=after_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = tx.all(
        "SELECT c.order_id, c.edge_id, c.id, c.created_at, e.feed_cursor, e.last_seen_at,"
        " e.last_event_at FROM changes c JOIN edges e ON e.edge_id = c.edge_id"
        " JOIN orders o ON o.id = c.order_id AND o.warehouse = c.edge_id"
        " WHERE c.type = 'order_released' AND o.status = 'released' AND c.id > e.feed_cursor"
        " AND c.created_at < ? ORDER BY c.id",
        (cutoff,),
    )
    new = 0
    for r in rows:
        heard = max((t for t in (r["last_seen_at"], r["last_event_at"]) if t), default="never")
        detail = (
            f"order {r['order_id']} was released to edge {r['edge_id']} at {r['created_at']} "
            f"and the edge has not taken it (change {r['id']}, the edge asked from "
            f"{r['feed_cursor']}; last heard {heard}). Check the warehouse is running and "
            f"connected, or move the order to another warehouse: POST /api/v1/orders/{r['order_id']}/reassign "
            f"(the edge, when it comes back, cancels its copy once and puts back what it picked)."
        )
        new += raise_exception(tx, "not_acknowledged", r["edge_id"], detail, order_id=r["order_id"])
    return new
