"""Merged and split orders (central_sync/server/consign.py, merge.py): `consignments` (what
central released to one edge as one order when that is not exactly one channel order) and
`consignment_lines` (each naming the order line it ships, with the units cut and picked), and the
orders' merge window (`orders.merge_key`, `merge_until`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from central_sync.store import demand
from central_sync.store.db import Tx, utc_now


def due_keys(tx: Tx, now: str) -> list[str]:
    rows = tx.all(
        "SELECT DISTINCT merge_key FROM orders WHERE merge_until IS NOT NULL AND merge_until <= ?"
        " ORDER BY merge_key",
        (now,),
    )
    return [r["merge_key"] for r in rows]


def window_groups(tx: Tx, keys: Sequence[str]) -> dict[str, list[str]]:
    """The orders of each key's window still waiting to be assigned, oldest first."""
    groups: dict[str, list[str]] = {k: [] for k in keys}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        for r in tx.all(
            "SELECT id, merge_key FROM orders WHERE merge_until IS NOT NULL"
            f" AND status = 'unassigned' AND merge_key IN ({','.join('?' * len(chunk))})"
            " ORDER BY created_at, id",
            chunk,
        ):
            groups[r["merge_key"]].append(r["id"])
    return groups


def close_window(tx: Tx, key: str) -> None:
    tx.execute(
        "UPDATE orders SET merge_until = NULL WHERE merge_key = ? AND merge_until IS NOT NULL",
        (key,),
    )


def keep_window(tx: Tx, key: str, until: str, reason: str) -> None:
    """The key's orders keep waiting together (due again at once), saying why."""
    tx.execute(
        "UPDATE orders SET merge_until = ?, hold_reason = ? WHERE merge_key = ?"
        " AND merge_until IS NOT NULL AND status = 'unassigned'",
        (until, reason[:500], key),
    )


def orders_by_id(tx: Tx, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(order_ids))
    rows = {r["id"]: r for r in tx.all(f"SELECT * FROM orders WHERE id IN ({marks})", order_ids)}
    return [rows[o] for o in order_ids]


def lines_to_ship(tx: Tx, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The orders' lines still to ship, in the orders' order then line order."""
    rows = []
    for start in range(0, len(order_ids), 500):
        chunk = list(order_ids[start : start + 500])
        rows += tx.all(
            "SELECT order_id, line_no, sku, qty, lot FROM order_lines"
            f" WHERE order_id IN ({','.join('?' * len(chunk))}) AND qty > 0",
            chunk,
        )
    rank = {o: i for i, o in enumerate(order_ids)}
    return sorted(rows, key=lambda r: (rank[r["order_id"]], int(r["line_no"])))


def waiting_orders(tx: Tx, order_ids: Sequence[str] | None, skus: Iterable[str]) -> list[str]:
    """The orders waiting `unassigned` (not in a merge window): of `order_ids`, or those with a
    line of `skus`; most urgent first."""
    if order_ids is not None:
        params, where = list(order_ids), "id IN ({})"
    else:
        params, where = (
            sorted(set(skus)),
            ("EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = orders.id AND l.sku IN ({}))"),
        )
    if not params:
        return []
    rows = tx.all(
        "SELECT id FROM orders WHERE status = 'unassigned' AND merge_until IS NULL AND "
        + where.format(",".join("?" * len(params)))
        + " ORDER BY priority DESC, created_at, id",
        params,
    )
    return [r["id"] for r in rows]


def insert_consignment(
    tx: Tx, cid: str, kind: str, warehouse: str, lines: Sequence[Mapping[str, Any]]
) -> None:
    now = utc_now()
    tx.execute(
        "INSERT INTO consignments (id, kind, warehouse, status, created_at, updated_at)"
        " VALUES (?, ?, ?, 'released', ?, ?)",
        (cid, kind, warehouse, now, now),
    )
    tx.many(
        "INSERT INTO consignment_lines (consignment_id, line_no, order_id, order_line_no, sku,"
        " qty) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (cid, n, ln["order_id"], int(ln["line_no"]), ln["sku"], int(ln["qty"]))
            for n, ln in enumerate(lines, start=1)
        ],
    )
    demand.touch(tx, demand.SPLIT, [cid])


def consignments(tx: Tx, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return tx.all(
        f"SELECT id, kind, warehouse, status, created_at FROM consignments WHERE id IN ({marks})"
        " ORDER BY id",
        list(ids),
    )


def consignment_lines(tx: Tx, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {cid: [] for cid in ids}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for r in tx.all(
        "SELECT consignment_id, line_no, order_id, order_line_no, sku, qty, cut, picked"
        f" FROM consignment_lines WHERE consignment_id IN ({marks}) ORDER BY consignment_id,"
        " line_no",
        list(ids),
    ):
        out[r["consignment_id"]].append(dict(r))
    return out


def lines_of_order(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT l.consignment_id, l.line_no, l.order_line_no, l.sku, l.qty, l.cut, c.status"
        " FROM consignment_lines l JOIN consignments c ON c.id = l.consignment_id"
        " WHERE l.order_id = ? ORDER BY l.consignment_id, l.line_no",
        (order_id,),
    )


def part_statuses(tx: Tx, order_id: str) -> list[str]:
    """The status of each consignment carrying units of the order (not cut whole)."""
    rows = tx.all(
        "SELECT DISTINCT c.status FROM consignments c JOIN consignment_lines l"
        " ON l.consignment_id = c.id WHERE l.order_id = ? AND l.qty > l.cut",
        (order_id,),
    )
    return [r["status"] for r in rows]


def set_consignment_state(
    tx: Tx,
    status: Mapping[str, str],
    lines: Mapping[str, Sequence[Mapping[str, Any]]],
) -> None:
    now = utc_now()
    tx.many(
        "UPDATE consignments SET status = ?, updated_at = ? WHERE id = ? AND status <> ?",
        [(s, now, cid, s) for cid, s in sorted(status.items())],
    )
    tx.many(
        "UPDATE consignment_lines SET picked = ? WHERE consignment_id = ? AND line_no = ?",
        [
            (int(ln["picked"]), cid, int(ln["line_no"]))
            for cid, rows in sorted(lines.items())
            for ln in rows
        ],
    )
    demand.touch(tx, demand.SPLIT, [*status, *lines])


def consignment_units(tx: Tx, limit: int) -> list[dict[str, Any]]:
    """The latest `limit` consignments, newest first: a row per order in each, with its units."""
    return tx.all(
        "SELECT c.id, c.kind, c.warehouse, c.status, c.created_at,"
        " l.order_id, SUM(l.qty - l.cut) AS units"
        " FROM consignments c JOIN consignment_lines l ON l.consignment_id = c.id"
        " WHERE c.id IN (SELECT id FROM consignments ORDER BY created_at DESC, id LIMIT ?)"
        " GROUP BY c.id, c.kind, c.warehouse, c.status, c.created_at, l.order_id"
        " ORDER BY c.created_at DESC, c.id, l.order_id",
        (limit,),
    )


def release_order(tx: Tx, order_id: str, warehouse: str | None, now: str) -> None:
    """The order released (to `warehouse`; None for a split order, in parts to several)."""
    tx.execute(
        "UPDATE orders SET status = 'released', warehouse = ?, hold_reason = '', updated_at = ?"
        " WHERE id = ?",
        (warehouse, now, order_id),
    )
    demand.touch_orders(tx, [order_id])


def wait_in_window(tx: Tx, order_id: str, key: str, until: str, reason: str, now: str) -> None:
    """An order let go after a hold (review, a corrected address) joins its key's merge window
    as a new order does: unassigned, waiting until `until`."""
    tx.execute(
        "UPDATE orders SET status = 'unassigned', merge_key = ?, merge_until = ?, hold_reason = ?,"
        " updated_at = ? WHERE id = ?",
        (key, until, reason, now, order_id),
    )
    demand.touch_orders(tx, [order_id])


def order_status(tx: Tx, order_id: str) -> str | None:
    found = tx.value("SELECT status FROM orders WHERE id = ?", (order_id,))
    return None if found is None else str(found)


def set_order_status(tx: Tx, order_id: str, status: str, now: str) -> None:
    tx.execute("UPDATE orders SET status = ?, updated_at = ? WHERE id = ?", (status, now, order_id))
    demand.touch_orders(tx, [order_id])


def add_cut(tx: Tx, cid: str, cut: Sequence[tuple[int, int]]) -> None:
    """Units (units, line_no) of the consignment's lines cut at its edge."""
    tx.many(
        "UPDATE consignment_lines SET cut = cut + ? WHERE consignment_id = ? AND line_no = ?",
        [(n, cid, line_no) for n, line_no in cut],
    )
    demand.touch(tx, demand.SPLIT, [cid])


def open_windows(tx: Tx, now: str) -> dict[str, str]:
    """Each merge key with an open window, and when it ends."""
    rows = tx.all(
        "SELECT merge_key, MIN(merge_until) AS until FROM orders"
        " WHERE merge_until IS NOT NULL AND merge_until > ? GROUP BY merge_key",
        (now,),
    )
    return {r["merge_key"]: r["until"] for r in rows}
