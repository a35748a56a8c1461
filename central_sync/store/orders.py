"""Orders and what happens to them: `orders`, `order_lines`, `order_history` (every status move),
`order_picks` (the units an edge reported picked)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from central_sync.store.db import Tx, where


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


def skus_of_orders(tx: Tx, order_ids: Sequence[str]) -> set[str]:
    if not order_ids:
        return set()
    rows = tx.all(
        f"SELECT DISTINCT sku FROM order_lines WHERE order_id IN ({','.join('?' * len(order_ids))})",
        list(order_ids),
    )
    return {r["sku"] for r in rows}


def list_orders(
    tx: Tx, *, status: str | None, warehouse: str | None, limit: int
) -> list[dict[str, Any]]:
    """Orders (of a status, of a warehouse), the most recently changed first."""
    chosen, params = where(status=status, warehouse=warehouse)
    return tx.all(
        "SELECT id, channel, channel_order_id, status, warehouse, hold_reason, priority, ship_by,"
        f" created_at, updated_at FROM orders{chosen} ORDER BY updated_at DESC, id LIMIT ?",
        [*params, limit],
    )


def order(tx: Tx, order_id: str) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM orders WHERE id = ?", (order_id,))


def lines_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT line_no, sku, qty, lot, refunded, status FROM order_lines WHERE order_id = ?"
        " ORDER BY line_no",
        (order_id,),
    )


def picks_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all("SELECT sku, qty FROM order_picks WHERE order_id = ? ORDER BY sku", (order_id,))


def history_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT at, from_status, to_status, source, note FROM order_history WHERE order_id = ?"
        " ORDER BY id",
        (order_id,),
    )


def status_counts(tx: Tx) -> dict[str, int]:
    rows = tx.all("SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
    return {r["status"]: int(r["n"]) for r in rows}
