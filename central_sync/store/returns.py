"""Returns and refunds: `returns` (RMAs), `refunds_due` and their `refund_lines`."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx


def rma_with_order(tx: Tx, rma: str) -> dict[str, Any] | None:
    """The RMA with its order's ship-to and warehouse."""
    return tx.one(
        "SELECT r.rma, r.order_id, r.lines, r.tracking_number, r.created_at, r.status,"
        " o.ship_to, o.warehouse FROM returns r JOIN orders o ON o.id = r.order_id"
        " WHERE r.rma = ?",
        (rma,),
    )


def units_refunded_since(tx: Tx, since: str) -> list[dict[str, Any]]:
    """(channel, sku, reason, qty) of the graded lines of refunds due made at or after `since`,
    wrong items left out."""
    return tx.all(
        "SELECT r.channel, l.sku, l.reason, SUM(l.qty) AS qty FROM refund_lines l"
        " JOIN refunds_due r ON r.id = l.refund_id WHERE r.created_at >= ? AND l.wrong_item = 0"
        " GROUP BY r.channel, l.sku, l.reason",
        (since,),
    )


def returns_of_order(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT rma, lines, status, reason, source, tracking_number, expires_at, created_at"
        " FROM returns WHERE order_id = ? ORDER BY rma",
        (order_id,),
    )
