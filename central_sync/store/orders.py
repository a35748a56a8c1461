"""Orders and what happens to them: `orders`, `order_lines`, `order_history` (every status move),
`order_picks` (the units an edge reported picked)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from central_sync.store import demand
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
    demand.touch_orders(tx, [order_id])


def units_first_shipped_since(tx: Tx, since: str) -> list[dict[str, Any]]:
    """(channel, sku, qty) of the lines of orders first shipped at or after `since`."""
    return tx.all(
        "SELECT o.channel, l.sku, SUM(l.qty) AS qty FROM order_lines l"
        " JOIN orders o ON o.id = l.order_id"
        " WHERE l.order_id IN (SELECT order_id FROM order_history WHERE to_status = 'shipped'"
        " GROUP BY order_id HAVING MIN(at) >= ?) GROUP BY o.channel, l.sku",
        (since,),
    )


_UNITS_WRITTEN = "orders.unit_skus"
LINE_COLUMNS = ("order_id", "line_no", "sku", "qty", "lot", "refunded", "status")
HISTORY_COLUMNS = ("order_id", "at", "from_status", "to_status", "source", "note")


def units_written(tx: Tx, skus: Mapping[str, set[str]]) -> None:
    """The SKUs of the units of orders this transaction inserted (order id → SKUs, as
    `order_units` has them), so `skus_of_orders` need not read them back."""
    tx.memo.setdefault(_UNITS_WRITTEN, {}).update(skus)


def skus_of_orders(tx: Tx, order_ids: Sequence[str]) -> set[str]:
    written: dict[str, set[str]] = tx.memo.get(_UNITS_WRITTEN, {})
    found = set().union(*(written[i] for i in order_ids if i in written))
    rest = [i for i in order_ids if i not in written]
    if not rest:
        return found
    rows = tx.all(
        f"SELECT DISTINCT sku FROM order_units WHERE order_id IN ({','.join('?' * len(rest))})",
        rest,
    )
    return found | {r["sku"] for r in rows}


def list_orders(
    tx: Tx, *, status: str | None, warehouse: str | None, channel: str | None = None, limit: int
) -> list[dict[str, Any]]:
    """Orders (of a status, of a warehouse, of a channel), the most recently changed first."""
    chosen, params = where(status=status, warehouse=warehouse, channel=channel)
    return tx.all(
        "SELECT id, channel, channel_order_id, status, warehouse, hold_reason, priority, ship_by,"
        f" created_at, updated_at FROM orders{chosen} ORDER BY updated_at DESC, id LIMIT ?",
        [*params, limit],
    )


def order(tx: Tx, order_id: str) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM orders WHERE id = ?", (order_id,))


def lines_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT line_no, sku, qty, lot, refunded, status, gift_rule FROM order_lines"
        " WHERE order_id = ? ORDER BY line_no",
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


def order_for_update(tx: Tx, order_id: str) -> dict[str, Any] | None:
    """The order, its row locked for the transaction (PostgreSQL)."""
    return tx.one(f"SELECT * FROM orders WHERE id = ?{tx.dialect.for_update}", (order_id,))


def order_exists(tx: Tx, order_id: str) -> bool:
    return tx.one("SELECT id FROM orders WHERE id = ?", (order_id,)) is not None


def status_of(tx: Tx, order_id: str) -> str | None:
    found = tx.value("SELECT status FROM orders WHERE id = ?", (order_id,))
    return None if found is None else str(found)


def channel_of(tx: Tx, order_id: str) -> str | None:
    found = tx.value("SELECT channel FROM orders WHERE id = ?", (order_id,))
    return None if found is None else str(found)


def status_and_warehouse(tx: Tx, order_id: str) -> dict[str, Any] | None:
    return tx.one("SELECT status, warehouse FROM orders WHERE id = ?", (order_id,))


def orders_by_number(tx: Tx, number: str) -> list[dict[str, Any]]:
    """The orders whose id or channel order id is `number`, with status and ship-to."""
    return tx.all(
        "SELECT id, status, ship_to FROM orders WHERE id = ? OR channel_order_id = ?",
        (number, number),
    )


def set_status(tx: Tx, order_id: str, status: str, now: str) -> None:
    tx.execute("UPDATE orders SET status = ?, updated_at = ? WHERE id = ?", (status, now, order_id))
    demand.touch_orders(tx, [order_id])


def touch(tx: Tx, order_id: str, now: str) -> None:
    """The order changed at `now` (its place on the board)."""
    tx.execute("UPDATE orders SET updated_at = ? WHERE id = ?", (now, order_id))


def insert_history(
    tx: Tx, order_id: str, at: str, from_status: str | None, to_status: str, source: str, note: str
) -> None:
    insert_histories(tx, [(order_id, at, from_status, to_status, source, note)])


def insert_histories(tx: Tx, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (order_id, at, from_status, to_status, source, note) added to the history."""
    tx.insert("order_history", HISTORY_COLUMNS, rows)


def first_shipped_at(tx: Tx, order_id: str) -> str | None:
    """When the order first moved to `shipped` (its edge's word), if it did."""
    found = tx.value(
        "SELECT MIN(at) FROM order_history WHERE order_id = ? AND to_status = 'shipped'",
        (order_id,),
    )
    return None if found is None else str(found)


def line_quantities(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """(sku, qty) of each of the order's lines."""
    return tx.all("SELECT sku, qty FROM order_lines WHERE order_id = ?", (order_id,))


def unit_quantities(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """(sku, qty) of the units of the order's lines, a kit line as its components."""
    return tx.all("SELECT sku, qty FROM order_units WHERE order_id = ?", (order_id,))


def units_by_sku(tx: Tx, order_id: str) -> dict[str, int]:
    rows = tx.all(
        "SELECT sku, SUM(qty) AS qty FROM order_lines WHERE order_id = ? GROUP BY sku", (order_id,)
    )
    return {r["sku"]: int(r["qty"]) for r in rows}


def lines_with_refunds(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """(line_no, sku, qty, refunded) of the order's lines, in order."""
    return tx.all(
        "SELECT line_no, sku, qty, refunded FROM order_lines WHERE order_id = ? ORDER BY line_no",
        (order_id,),
    )


def refund_line(tx: Tx, order_id: str, line_no: int, refunded: int, cut: int) -> None:
    """`refunded` more units of the line refunded by the channel, `cut` of them off its qty."""
    tx.execute(
        "UPDATE order_lines SET refunded = refunded + ?, qty = qty - ? WHERE order_id = ?"
        " AND line_no = ?",
        (refunded, cut, order_id, line_no),
    )
    demand.touch_orders(tx, [order_id])


def cancel(tx: Tx, order_id: str, reason: str, now: str) -> None:
    """The order cancelled, `reason` kept as what holds it."""
    tx.execute(
        "UPDATE orders SET status = 'cancelled', hold_reason = ?, updated_at = ? WHERE id = ?",
        (reason, now, order_id),
    )
    demand.touch_orders(tx, [order_id])


def set_ship_to(tx: Tx, order_id: str, ship_to: str, now: str) -> None:
    """The order's ship-to (JSON text) replaced."""
    tx.execute(
        "UPDATE orders SET ship_to = ?, updated_at = ? WHERE id = ?", (ship_to, now, order_id)
    )


def take_back(tx: Tx, order_id: str, now: str) -> None:
    """The order unassigned, no warehouse's any more."""
    tx.execute(
        "UPDATE orders SET status = 'unassigned', warehouse = NULL, updated_at = ? WHERE id = ?",
        (now, order_id),
    )
    demand.touch_orders(tx, [order_id])


def orders_named(tx: Tx, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """(id, status, warehouse) of the orders named that exist."""
    marks = ",".join("?" * len(order_ids))
    return tx.all(f"SELECT id, status, warehouse FROM orders WHERE id IN ({marks})", order_ids)


def set_statuses(tx: Tx, rows: Iterable[tuple[str, str, str, str]]) -> None:
    """Rows of (status, hold_reason, updated_at, order id)."""
    listed = list(rows)
    tx.many("UPDATE orders SET status = ?, hold_reason = ?, updated_at = ? WHERE id = ?", listed)
    demand.touch_orders(tx, (r[3] for r in listed))


def add_picks(tx: Tx, rows: Iterable[tuple[str, str, int]]) -> None:
    """Rows of (order id, sku, qty) added to the units picked for the order (qty < 0: put back)."""
    listed = list(rows)
    tx.many(
        "INSERT INTO order_picks (order_id, sku, qty) VALUES (?, ?, ?)"
        " ON CONFLICT (order_id, sku) DO UPDATE SET qty = order_picks.qty + excluded.qty",
        listed,
    )
    demand.touch_orders(tx, (r[0] for r in listed))


def units_held_picked(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """(sku, qty) the order's edge holds picked, by SKU."""
    return tx.all(
        "SELECT sku, qty FROM order_picks WHERE order_id = ? AND qty > 0 ORDER BY sku", (order_id,)
    )


# --- taking orders in and assigning them

CHUNK = 500  # values a statement names at most


def _all_in(tx: Tx, sql: str, values: Sequence[Any], *more: Any) -> list[dict[str, Any]]:
    """The rows of `sql` (its `{marks}` an IN list) over `values`, CHUNK of them a statement;
    `more` are the parameters after the list."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(values), CHUNK):
        chunk = list(values[start : start + CHUNK])
        found += tx.all(sql.format(marks=",".join("?" * len(chunk))), [*chunk, *more])
    return found


def order_id_of(tx: Tx, channel: str, channel_order_id: str) -> str | None:
    """Central's id of the channel's order, if it has it."""
    found = tx.value(
        "SELECT id FROM orders WHERE channel = ? AND channel_order_id = ?",
        (channel, channel_order_id),
    )
    return None if found is None else str(found)


def orders_by_channel_ids(tx: Tx, channel_order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """(id, channel, channel_order_id, status, warehouse) of the orders with these channel ids,
    of any channel."""
    return _all_in(
        tx,
        "SELECT id, channel, channel_order_id, status, warehouse FROM orders"
        " WHERE channel_order_id IN ({marks})",
        channel_order_ids,
    )


def insert_orders(tx: Tx, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """New orders (the column names are the caller's, never a user's): one short statement run
    for every row (PostgreSQL: prepared once, the rows sent in one pipeline)."""
    tx.insert("orders", columns, rows)
    at = list(columns).index("id")
    demand.touch_orders(tx, (order[at] for order in rows), new=True)


def insert_lines(tx: Tx, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (order_id, line_no, sku, qty, lot, refunded, status)."""
    listed = list(rows)
    tx.insert("order_lines", LINE_COLUMNS, listed)
    demand.touch_orders(tx, (r[0] for r in listed))


def line_statuses(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """(sku, status) of the order's lines, in order."""
    return tx.all(
        "SELECT sku, status FROM order_lines WHERE order_id = ? ORDER BY line_no", (order_id,)
    )


def lines_to_ship(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """(sku, qty, lot) of the order's lines with units left, in order."""
    return tx.all(
        "SELECT line_no, sku, qty, lot FROM order_lines WHERE order_id = ? AND qty > 0"
        " ORDER BY line_no",
        (order_id,),
    )


def lines_of_orders(tx: Tx, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """(order_id, sku, qty) of the units of every line of the orders named (kits as components)."""
    return _all_in(
        tx, "SELECT order_id, sku, qty FROM order_units WHERE order_id IN ({marks})", order_ids
    )


def set_hold_reason(tx: Tx, order_id: str, reason: str, *, now: str | None = None) -> None:
    """Why the order waits (its place on the board moves only when `now` is given)."""
    if now is None:
        tx.execute("UPDATE orders SET hold_reason = ? WHERE id = ?", (reason, order_id))
    else:
        tx.execute(
            "UPDATE orders SET hold_reason = ?, updated_at = ? WHERE id = ?",
            (reason, now, order_id),
        )


def unhold(tx: Tx, order_id: str, now: str) -> None:
    """The held order unassigned, nothing holding it."""
    tx.execute(
        "UPDATE orders SET status = 'unassigned', hold_reason = '', updated_at = ? WHERE id = ?",
        (now, order_id),
    )
    demand.touch_orders(tx, [order_id])


def release_to(tx: Tx, order_id: str, warehouse: str, now: str) -> None:
    """The order released to `warehouse`."""
    tx.execute(
        "UPDATE orders SET status = 'released', warehouse = ?, hold_reason = '', updated_at = ?"
        " WHERE id = ?",
        (warehouse, now, order_id),
    )
    demand.touch_orders(tx, [order_id])


def _unassigned_where(skus: Sequence[str] | None) -> tuple[str, list[Any]]:
    """The unassigned orders not waiting in a merge window (with a line of `skus`, when named)."""
    where, params = "", list[Any]()
    if skus is not None:
        where = (  # from the few unassigned orders (status index) to their lines (primary key)
            " AND EXISTS (SELECT 1 FROM order_units l WHERE l.order_id = orders.id"
            f" AND l.sku IN ({','.join('?' * len(skus))}))"
        )
        params = list(skus)
    return f" WHERE status = 'unassigned' AND merge_until IS NULL{where}", params


def any_unassigned(tx: Tx, skus: Sequence[str] | None) -> bool:
    """Whether an order waits to be assigned (one with a line of `skus`, when named)."""
    where, params = _unassigned_where(skus)
    return tx.one(f"SELECT id FROM orders{where} LIMIT 1", params) is not None


def unassigned(tx: Tx, skus: Sequence[str] | None) -> list[dict[str, Any]]:
    """(id, hold_reason) of the orders waiting to be assigned (with a line of `skus`, when
    named), the most urgent first."""
    where, params = _unassigned_where(skus)
    return tx.all(
        f"SELECT id, hold_reason FROM orders{where} ORDER BY priority DESC, created_at, id", params
    )


def take_backs_noted(tx: Tx, order_ids: Sequence[str], prefix: str) -> list[dict[str, Any]]:
    """(order_id, note) of the orders' moves from released back to unassigned whose note starts
    with `prefix`."""
    return _all_in(
        tx,
        "SELECT order_id, note FROM order_history WHERE order_id IN ({marks})"
        " AND from_status = 'released' AND to_status = 'unassigned' AND note LIKE ?",
        order_ids,
        prefix + "%",
    )


def channel_ship_to(tx: Tx, order_id: str) -> dict[str, Any] | None:
    """(status, warehouse, ship_to, channel_ship_to) of the order: the digest of the ship-to
    its channel last sent beside the one it has now."""
    return tx.one(
        "SELECT status, warehouse, ship_to, channel_ship_to FROM orders WHERE id = ?", (order_id,)
    )


def set_channel_ship_to(tx: Tx, order_id: str, digest: str) -> None:
    """The digest of the ship-to the order's channel sent last."""
    tx.execute("UPDATE orders SET channel_ship_to = ? WHERE id = ?", (digest, order_id))
