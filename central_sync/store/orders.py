"""Orders and what happens to them: `orders`, `order_lines`, `order_history` (every status move),
`order_picks` (the units an edge reported picked)."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx


def channel_order(tx: Tx, order_id: str) -> dict[str, Any] | None:
    """The order's channel and its id there."""
    return tx.one("SELECT channel, channel_order_id FROM orders WHERE id = ?", (order_id,))


def picked_units(tx: Tx, order_id: str) -> int:
    """Units of the order its edge reported picked."""
    sql = "SELECT COALESCE(SUM(qty), 0) FROM order_picks WHERE order_id = ?"
    return int(tx.value(sql, (order_id,)) or 0)


def give_to_edge(tx: Tx, order_id: str, edge_id: str, now: str) -> None:
    """The order is `edge_id`'s, held for nothing."""
    tx.execute(
        "UPDATE orders SET warehouse = ?, hold_reason = '', updated_at = ? WHERE id = ?",
        (edge_id, now, order_id),
    )


def units_first_shipped_since(tx: Tx, since: str) -> list[dict[str, Any]]:
    """(channel, sku, qty) of the lines of orders first shipped at or after `since`."""
    return tx.all(
        "SELECT o.channel, l.sku, SUM(l.qty) AS qty FROM order_lines l"
        " JOIN orders o ON o.id = l.order_id"
        " WHERE l.order_id IN (SELECT order_id FROM order_history WHERE to_status = 'shipped'"
        " GROUP BY order_id HAVING MIN(at) >= ?) GROUP BY o.channel, l.sku",
        (since,),
    )
