"""Exceptions for a person at central: what an edge did that central could not simply take (a
late event on a cancelled or shipped order, a gap between a restored edge and central). Shown by
`GET /api/v1/exceptions` and on the board until someone resolves them."""

from __future__ import annotations

import logging
from typing import Any

from central_sync.server.db import Tx, utc_now
from central_sync.server.errors import CentralError

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
    return dict(tx.one("SELECT * FROM exceptions WHERE id = ?", (exception_id,)))
