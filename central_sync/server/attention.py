"""Exceptions for a person at central: what an edge did that central could not simply take (a
late event on a cancelled or shipped order, a gap between a restored edge and central). Shown by
`GET /api/v1/exceptions` and on the board until someone resolves them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from central_sync.server.errors import CentralError
from central_sync.store import exceptions as stored
from central_sync.store.db import Tx, utc_now
from central_sync.store.feed import releases_not_taken

log = logging.getLogger("central.exceptions")


def raise_exception(
    tx: Tx, kind: str, edge_id: str, detail: str, *, order_id: str | None = None
) -> bool:
    """Open an exception, or give the open one of this kind for the same edge and order the
    newer detail; True if it is new. Under a lock on the exception's key: two central processes
    (or a sweep and a request) raising the same one at once open it once."""
    tx.lock_key(f"exception\x1f{kind}\x1f{edge_id}\x1f{order_id or ''}")
    same = stored.open_exception_id(tx, kind, edge_id, order_id)
    if same is not None:
        stored.set_detail(tx, same, detail[:2000])
        return False
    stored.insert_exception(tx, kind, edge_id, order_id, detail[:2000], utc_now())
    log.warning("exception (%s) for edge %s: %s", kind, edge_id, detail)
    return True


def open_exceptions(tx: Tx, *, edge_id: str | None = None) -> list[dict[str, Any]]:
    return [dict(r) for r in stored.open_exceptions(tx, edge_id)]


def resolve(tx: Tx, exception_id: int) -> dict[str, Any]:
    row = stored.exception(tx, exception_id)
    if row is None:
        raise CentralError("not_found", what="exception", key=str(exception_id))
    if row["status"] == "open":
        stored.mark_resolved(tx, exception_id, utc_now())
    resolved = stored.exception(tx, exception_id)
    assert resolved is not None  # the row read above, in this transaction
    return resolved


def resolve_for_order(tx: Tx, order_id: str, kind: str) -> int:
    """Resolve the open exceptions of `kind` about the order (its cause was dealt with)."""
    ids = stored.open_ids_for_order(tx, order_id, kind)
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
    rows = releases_not_taken(tx, cutoff)
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
